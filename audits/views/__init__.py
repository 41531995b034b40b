"""Audit, nonconformity and corrective-action pages. Thin: every rule is in
:mod:`audits.services`, every form in :mod:`audits.forms`.

A refused form is shown again with what was typed and the reason next to the
field, with the status of the refusal; the audit page does the same per
checklist item, so a note typed in the field is never lost. The pages of each
sub-resource live in their own module, as the services do.
"""

from audits.improvements.views import bp as improvements_bp
from audits.inspections.views import bp as inspections_bp
from audits.objectives.views import bp as objectives_bp
from audits.reviews.views import bp as reviews_bp
from audits.views import actions, audits, evidence, exports, nonconformities, programme, scores  # noqa: F401  (each registers its pages on bp)
from audits.views.shared import bp

# The plugin mounts one page blueprint: the recurring checks' and the improvement register's pages are nested in it.
bp.register_blueprint(inspections_bp)
bp.register_blueprint(improvements_bp)
bp.register_blueprint(objectives_bp)
bp.register_blueprint(reviews_bp)

__all__ = ["bp"]
