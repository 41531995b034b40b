"""How measurements read in the trail: the metric by its name in the reader's language, the
site and the month, and the value with where it came from."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.metrics.models import Measurement
from core.plugin_engine import manager
from core.plugin_engine.types import TrailEntity
from core.trail.readable import of_record

# Where a value came from, in the reader's words.
SOURCE_LABELS = {"manual": _l("entered"), "import": _l("imported"), "api": _l("API"), "computed": _l("computed")}


def metric_name(key: str) -> str:
    metric = manager.registry().metrics.get(key)
    return str(metric.name) if metric else key


def metric_link(key: str) -> str | None:
    return url_for("metrics.metric", key=key) if key in manager.registry().metrics else None


def _name(found: Measurement) -> str:
    return _(
        "%(metric)s at %(site)s for %(period)s",
        metric=metric_name(found.metric_key),
        site=found.site.code,
        period=found.period,
    )


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
        values={"source": SOURCE_LABELS},
        hidden={"metric_key"},
        references={"site_id": "site", "entered_by_id": "user"},
        actions={"create": _l("%(who)s recorded %(record)s")},
        name=of_record(Measurement, _name),
        link=of_record(Measurement, lambda found: metric_link(found.metric_key)),
    ),
)
