"""Audits, nonconformities, corrective actions and evidence as JSON.

One blueprint, its handlers in a module per sub-resource (as the services
are split), its marshmallow schemas in :mod:`audits.api.schemas`.
"""

# Each module registers its handlers on bp when imported, in the order the document lists them.
# isort: off
from audits.api import programme, audits, nonconformities, actions, evidence, packs, scores  # noqa: F401

# isort: on
from audits.api.shared import bp
from audits.improvements.api import bp as improvements_bp
from audits.inspections.api import bp as inspections_bp
from audits.objectives.api import bp as objectives_bp
from audits.reviews.api import bp as reviews_bp

# The plugin mounts one API blueprint: the recurring checks' is nested in it.
bp.register_blueprint(inspections_bp)
bp.register_blueprint(improvements_bp)
bp.register_blueprint(objectives_bp)
bp.register_blueprint(reviews_bp)

__all__ = ["bp"]
