"""Improvements the numbers call for (ISO 9001 10.1): a KPI red two months running, and a SERVQUAL
dimension whose gap (perception − expectation) fell below the threshold in a month.

Run by the scheduler's tick for each site's last complete month, and by ``dealerqms
improvements scan``. Each finding raises one item, owned by the head of the metric's area at
the site; while that item is open, or once one was raised for the same month, nothing more is
raised for the metric there — however often the scan runs.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from audits.improvements import services
from audits.improvements.models import OPEN_STAGES, Improvement, Source
from core.accounts.models import Department, Site
from core.clock import add_months, period_of
from core.database import db
from core.metrics import services as metrics
from core.metrics.models import Measurement
from core.plugin_engine.settings import plugin_config

# The after-sales plugin's SERVQUAL gap metrics, one per dimension. They have a rule of their own
# (one month below the threshold), so the red-KPI rule leaves them alone.
SERVQUAL_PREFIX = "aftersales.servqual_"
# Gaps run from −6 to +6 on the survey's 7-point scale; a whole point short is worth acting on.
DEFAULT_SERVQUAL_THRESHOLD = -1.0
FALLBACK_DEPARTMENT = "QUALITY"


def source_ref(metric_key: str, site: Site, period: str) -> str:
    return f"metric:{metric_key}/{site.code}/{period}"


def servqual_threshold() -> float:
    """The instance's threshold (``servqual_gap_threshold`` in the audits plugin's settings)."""
    return float(plugin_config("audits").get("servqual_gap_threshold", DEFAULT_SERVQUAL_THRESHOLD))


def _values(site: Site, keys, periods) -> dict[tuple[str, str], float]:
    if not keys:
        return {}
    rows = db.session.execute(
        db.select(Measurement.metric_key, Measurement.period, Measurement.value).where(
            Measurement.site_id == site.id, Measurement.metric_key.in_(list(keys)), Measurement.period.in_(periods)
        )
    )
    return {(key, period): value for key, period, value in rows}


def _already_raised(site: Site, source: Source) -> tuple[set[str], set[str]]:
    """The metric keys with an open item of ``source`` at ``site``, and every source_ref raised there."""
    rows = db.session.execute(
        db.select(Improvement.source_ref, Improvement.stage).where(
            Improvement.site_id == site.id, Improvement.source == source.value
        )
    ).all()
    open_keys = {
        ref.removeprefix("metric:").rsplit("/", 2)[0]
        for ref, stage in rows
        if ref and stage in {s.value for s in OPEN_STAGES}
    }
    return open_keys, {ref for ref, _stage in rows if ref}


def _department_of(metric) -> Department:
    for code in (metric.area, FALLBACK_DEPARTMENT):
        found = db.session.execute(db.select(Department).filter_by(code=code or "")).scalar_one_or_none()
        if found is not None:
            return found
    return db.session.execute(db.select(Department).order_by(Department.id).limit(1)).scalar_one()


def _raise(site: Site, metric, period: str, source: Source, title: str, description: str) -> Improvement | None:
    """The item, or None when a scan running at the same moment raised it first (the unique index
    on what the numbers raise, or the reference's number, refuses the second: the next scan sees it)."""
    try:
        with db.session.begin_nested():
            return services.raise_improvement(
                None,
                title=title[:300],
                description=description,
                site=site,
                department=_department_of(metric),
                source=source.value,
                source_ref=source_ref(metric.key, site, period),
            )
    except IntegrityError:
        return None


def _default_language():
    # The record is written once for everyone: in the instance's language, not the reader's.
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "en"))


def raise_for_red_kpis(site: Site, period: str, keys: Collection[str] | None = None) -> list[Improvement]:
    """One item per monthly KPI (of ``keys``, else every one) that was red at ``site`` in ``period``
    and in the month before."""
    previous = add_months(period, -1)
    watched = {
        metric.key: metric
        for metric in metrics.definitions()
        if metric.period == "month"
        and not metric.key.startswith(SERVQUAL_PREFIX)
        and (keys is None or metric.key in keys)
    }
    values = _values(site, watched, [previous, period])
    overrides = metrics.thresholds_by_site_and_metric([site.id])
    open_keys, raised = _already_raised(site, Source.RED_KPI)
    created = []
    with _default_language():
        for key, metric in watched.items():
            if key in open_keys or source_ref(key, site, period) in raised:
                continue
            thresholds = overrides.get((site.id, key)) or metrics.Thresholds(
                float(metric.target), None if metric.warning is None else float(metric.warning)
            )
            if not all(
                metrics.status(metric, thresholds, values.get((key, month))) == metrics.RED
                for month in (previous, period)
            ):
                continue
            unit = str(metric.unit)
            created.append(
                _raise(
                    site,
                    metric,
                    period,
                    Source.RED_KPI,
                    _(
                        "%(metric)s red in %(previous)s and %(period)s at %(site)s",
                        metric=metric.name,
                        previous=previous,
                        period=period,
                        site=site.code,
                    ),
                    _(
                        "%(metric)s: %(before)s %(unit)s in %(previous)s, %(now)s %(unit)s in %(period)s;"
                        " target %(target)s %(unit)s.",
                        metric=metric.name,
                        before=f"{values[key, previous]:g}",
                        now=f"{values[key, period]:g}",
                        target=f"{thresholds.target:g}",
                        unit=unit,
                        previous=previous,
                        period=period,
                    ),
                )
            )
    return [item for item in created if item is not None]


def raise_for_servqual_gaps(site: Site, period: str, threshold: float | None = None) -> list[Improvement]:
    """One item per SERVQUAL dimension whose gap at ``site`` in ``period`` is below ``threshold``."""
    threshold = servqual_threshold() if threshold is None else threshold
    dimensions = {
        key: metric for key, metric in metrics.definitions_by_key().items() if key.startswith(SERVQUAL_PREFIX)
    }
    values = _values(site, dimensions, [period])
    open_keys, raised = _already_raised(site, Source.SERVQUAL_GAP)
    created = []
    with _default_language():
        for key, metric in sorted(dimensions.items()):
            gap = values.get((key, period))
            if gap is None or gap >= threshold or key in open_keys or source_ref(key, site, period) in raised:
                continue
            created.append(
                _raise(
                    site,
                    metric,
                    period,
                    Source.SERVQUAL_GAP,
                    _(
                        "%(metric)s %(gap)s in %(period)s at %(site)s",
                        metric=metric.name,
                        gap=f"{gap:+.2f}",
                        period=period,
                        site=site.code,
                    ),
                    _(
                        "Customers rated this dimension %(points)s points below what they expected in %(period)s"
                        " (threshold %(threshold)s).",
                        points=f"{abs(gap):.2f}",
                        period=period,
                        threshold=f"{threshold:+.2f}",
                    ),
                )
            )
    return [item for item in created if item is not None]


def scan(now: datetime, sites: list[Site] | None = None, period: str | None = None) -> int:
    """Raise what each active site's last complete month (in its time zone) calls for; how many items."""
    if sites is None:
        sites = list(db.session.execute(db.select(Site).where(Site.active.is_(True)).order_by(Site.code)).scalars())
    created = 0
    for site in sites:
        month = period or add_months(period_of(now, site.zone), -1)
        created += len(raise_for_red_kpis(site, month)) + len(raise_for_servqual_gaps(site, month))
    return created
