"""Audits, nonconformities, corrective actions and evidence as JSON.

One blueprint, its handlers in a module per sub-resource (as the services
are split), its marshmallow schemas in :mod:`audits.api.schemas`. Its routes,
and the nested blueprints of the other audit resources, are declared in
:mod:`audits.routes`; each module loads on its first request (and all of them
the first time the OpenAPI document is read, in the order the table lists them).
"""
