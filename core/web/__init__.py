"""The web UI shell: layout, navigation, dashboard, administration, the
audit-trail page and the error pages."""

from __future__ import annotations

from core import counts
from core.web import errors, navigation


def init_app(app) -> None:
    """The shell around every page: error pages and navigation (its pages come from ``core.web.plugin``)."""
    counts.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
