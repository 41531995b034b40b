"""How measurements read in the trail: the metric by its name in the reader's language, the
site and the month, and the value with where it came from."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.accounts.models import Site
from core.database import db
from core.metrics.models import Measurement
from core.plugin_engine import manager
from core.plugin_engine.types import TrailEntity

SOURCE_WORDS = {"manual": _l("entered"), "import": _l("imported"), "api": _l("API"), "computed": _l("computed")}


def _measurement(entity_id: str) -> Measurement | None:
    return db.session.get(Measurement, int(entity_id)) if entity_id.isdigit() else None


def metric_name(key: str) -> str:
    metric = manager.registry().metrics.get(key)
    return str(metric.name) if metric else key


def metric_link(key: str) -> str | None:
    return url_for("metrics.metric", key=key) if key in manager.registry().metrics else None


def _name(entity_id: str) -> str | None:
    found = _measurement(entity_id)
    if found is None:
        return None
    site = db.session.get(Site, found.site_id)
    return _(
        "%(metric)s at %(site)s for %(period)s",
        metric=metric_name(found.metric_key),
        site=site.code if site else found.site_id,
        period=found.period,
    )


def _link(entity_id: str) -> str | None:
    found = _measurement(entity_id)
    return url_for("metrics.metric", key=found.metric_key) if found else None


ENTITIES = (
    # Metrics are definitions, not records: no event is about one, but records name them
    # (an objective's KPI), and a reference to a metric reads as its name.
    TrailEntity(entity_type="metric", label=_l("KPI"), name=metric_name, link=metric_link),
    TrailEntity(
        entity_type="measurement",
        label=_l("measurement"),
        fields={
            "site_id": _l("Site"),
            "period": _l("Period"),
            "value": _l("Value"),
            "source": _l("Source"),
            "entered_by_id": _l("Entered by"),
            "entered_at": _l("Entered"),
            "corrected_at": _l("Corrected"),
            "correction_reason": _l("Reason for the correction"),
        },
        values={"source": SOURCE_WORDS},
        hidden={"metric_key"},
        references={"site_id": "site", "entered_by_id": "user"},
        actions={"create": _l("%(who)s recorded %(record)s")},
        name=_name,
        link=_link,
    ),
)
