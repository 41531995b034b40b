"""What document control knows, for plugins: the read-and-understood acknowledgements due at a
site, asked through the ``acknowledgement_completion`` hook so that neither the core nor a plugin
imports the procedures package."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.plugin_engine.capabilities import CapabilityMissing
from core.plugin_engine.manager import plugin_manager

if TYPE_CHECKING:
    from core.accounts.models import Site

__all__ = ["procedure_acknowledgements"]


def procedure_acknowledgements(site: Site | str, period: str) -> tuple[int, int]:
    """``(due, given)``: the read-and-understood acknowledgements due at ``site`` (a site or its
    code) at the end of the month ``period`` (``YYYY-MM``; now for the current month), and how
    many of them were given by then. Raises ``CapabilityMissing`` when no installed plugin keeps
    those records (document control is not installed or is blocked)."""
    from core.accounts.models import Site

    if not isinstance(site, Site):
        from core.accounts.services import site_by_code

        site = site_by_code(site)
    counts = plugin_manager().hook.acknowledgement_completion(site=site, period=period)
    if counts is None:
        raise CapabilityMissing(
            "Cannot count procedure acknowledgements: no installed plugin provides acknowledgement_completion "
            "(is document control installed and enabled?)."
        )
    due, given = counts
    return int(due), int(given)
