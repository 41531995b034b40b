"""The rules of audits, nonconformities, corrective actions and evidence.

The web pages, the API, the command line and the ``create_nonconformity``
hook all call these functions; none of them decides anything on its own.
Each function flushes and leaves the commit (``core.database.commit``) to
its caller, so one business action is one transaction.
"""
