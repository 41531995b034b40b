"""How an imported checklist version reads in the trail: "version 2 of brand.showroom"."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.checklists.models import ChecklistVersion
from core.plugin_engine.types import TrailEntity
from core.trail.readable import of_record

ENTITIES = (
    TrailEntity(
        entity_type="checklist_version",
        label=_l("checklist version"),
        fields={
            "title": _l("Title"),
            "version": _l("Version"),
            "source_filename": _l("File"),
            "imported_by_id": _l("Imported by"),
            "retired_by_id": _l("Retired by"),
            "retired_at": _l("Retired"),
        },
        # The content reads on the checklist's page; the hash and the moment are bookkeeping.
        hidden={"content", "content_hash", "key", "imported_at"},
        references={"imported_by_id": "user", "retired_by_id": "user"},
        actions={"create": _l("%(who)s imported %(record)s"), "update": _l("%(who)s retired %(record)s")},
        name=of_record(
            ChecklistVersion, lambda found: _("version %(version)s of %(key)s", version=found.version, key=found.key)
        ),
        link=of_record(ChecklistVersion, lambda found: url_for("checklists.view", key=found.key)),
    ),
)
