"""Search across procedures, audits, NCs, actions, forms and submissions (docs/search.md)."""
