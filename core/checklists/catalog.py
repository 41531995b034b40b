"""The one catalogue of audit checklists: the plugins' and the imported ones, alike.

Everything that offers a checklist (planning and starting audits, the programme's
suggestions, scheduled checks, the blank checklist PDF, the API) asks :func:`checklists`
instead of the plugin registry, so an imported brand standard is a checklist like any
other. An imported key offers its newest version that is not retired; a key whose
versions are all retired is not offered. A plugin's key is never shadowed: imports of
it are refused, and should a plugin arrive later with the key of an import, the plugin's
checklist is the one offered.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func

from core.checklists.models import ChecklistVersion
from core.database import db
from core.plugin_engine.manager import registry
from core.plugin_engine.types import Checklist

# What ``origin`` answers for a checklist a quality officer imported (a plugin's is its name).
IMPORTED = "import"


@dataclass(frozen=True)
class Imported:
    """An imported checklist version as the product uses it: built once, as versions never change."""

    checklist: Checklist
    departments: tuple[str, ...]


# By (key, version, content hash): the hash keeps two databases (tests, instances in one
# process) that each have a version 1 of a key from sharing a checklist.
_BUILT: dict[tuple[str, int, str], Imported] = {}


def _build(row: ChecklistVersion) -> Imported:
    from core.checklists.format import to_checklist

    cache_key = (row.key, row.version, row.content_hash)
    built = _BUILT.get(cache_key)
    if built is None:
        built = _BUILT[cache_key] = Imported(
            to_checklist(row.content, version=row.version), tuple(row.content.get("departments") or ())
        )
    return built


def current_versions() -> dict[str, ChecklistVersion]:
    """Each imported key's version in use: its newest that is not retired (one query)."""
    newest = (
        db.select(ChecklistVersion.key, func.max(ChecklistVersion.version).label("version"))
        .where(ChecklistVersion.retired_at.is_(None))
        .group_by(ChecklistVersion.key)
        .subquery()
    )
    rows = db.session.execute(
        db.select(ChecklistVersion)
        .join(newest, (newest.c.key == ChecklistVersion.key) & (newest.c.version == ChecklistVersion.version))
        .order_by(ChecklistVersion.key)
    ).scalars()
    return {row.key: row for row in rows}


def _imported() -> dict[str, Imported]:
    plugins = registry().checklists
    return {key: _build(row) for key, row in current_versions().items() if key not in plugins}


def checklists() -> dict[str, Checklist]:
    """Every checklist on offer by key: the plugins' and the current version of each import."""
    found = dict(registry().checklists)
    found.update({key: imported.checklist for key, imported in _imported().items()})
    return found


def checklist(key: str) -> Checklist | None:
    """The checklist on offer under ``key``, or None."""
    return checklists().get(key or "")


def is_plugin_key(key: str) -> bool:
    return key in registry().checklists


def plugin_of(key: str) -> str | None:
    """The name of the plugin that contributes the checklist ``key``, or None (imported, or unknown)."""
    return registry().plugin_of("checklists", key) if is_plugin_key(key) else None


def origin(key: str) -> str | None:
    """Who contributes the checklist: its plugin's name, or ``"import"``; None when none is on offer."""
    plugin = plugin_of(key)
    if plugin:
        return plugin
    return IMPORTED if key in current_versions() else None


def departments() -> dict[str, tuple[str, ...]]:
    """Each checklist's departments: an import's every listed department, a plugin's its area."""
    found = {key: ((c.area,) if c.area else ()) for key, c in registry().checklists.items()}
    found.update({key: imported.departments for key, imported in _imported().items()})
    return found


def built(row: ChecklistVersion) -> Checklist:
    """The checklist of one stored version (the current one or not), as audits would use it."""
    return _build(row).checklist
