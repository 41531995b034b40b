"""Audit, nonconformity and corrective-action pages. Thin: every rule is in
:mod:`audits.services`, every form in :mod:`audits.forms`.

A refused form is shown again with what was typed and the reason next to the
field, with the status of the refusal; the audit page does the same per
checklist item, so a note typed in the field is never lost. The pages of each
sub-resource live in their own module, as the services do; their routes, and the
nested blueprints of the recurring checks, improvements, objectives and reviews,
are declared in :mod:`audits.routes`, and each module loads on its first request.
"""
