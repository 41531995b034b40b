"""The improvement register (ISO 9001 10.1, 10.3): opportunities for improvement from audit
observations and OFIs, staff suggestions, SERVQUAL gaps and red KPIs, each run through PDCA —
or as a DMAIC project with its DPMO and sigma level — by its owner."""
