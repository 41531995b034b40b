"""Measurements, site targets and status: the rules shared by the web pages,
the API, the CSV import and the form-submission path.

Status (RAG) of a value against a metric's two thresholds, whichever way
round a plugin set them: **green** when the value is at least as good as
both the target and the warning threshold, **red** when it is worse than
both, **amber** in between. Without a warning threshold a value is green on
or better than target and red otherwise.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import math
import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import NamedTuple

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import String, cast, func
from sqlalchemy.orm import selectinload

from core.accounts.models import Department, Role, Site, User, department_label
from core.accounts.permissions import AreaDepartment, Permission, can, in_group_office, scope_clause, scope_sites
from core.accounts.permissions import refusal as permission_refusal
from core.answer_cache import kept
from core.clock import add_months, current_period, utcnow
from core.database import commit, conflict_insert, db, is_read_only, write_intent
from core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Refusal,
    ValidationFailed,
    enforce,
    require_row_version,
)
from core.metrics.models import Measurement, PendingRecompute, SiteTarget, Source
from core.plugin_engine import manager
from core.plugin_engine.types import Metric, TrailSites
from core.trail import acting_as
from core.trail import reason as trail_reason
from core.trail.chain import hold_lock

log = logging.getLogger(__name__)

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
GREEN, AMBER, RED = "green", "amber", "red"
STATUSES = (GREEN, AMBER, RED)
MAX_IMPORT_ROWS = 10000
IMPORT_COLUMNS = ("metric", "site", "period", "value")


# Definitions and periods ------------------------------------------------------------


def definitions() -> list[Metric]:
    return sorted(manager.registry().metrics.values(), key=lambda metric: (metric.area, metric.key))


def definitions_by_key() -> dict[str, Metric]:
    return manager.registry().metrics


def definition(key: str) -> Metric:
    found = manager.registry().metrics.get(key)
    if found is None:
        raise NotFound(_("There is no metric '%(key)s'.", key=key))
    return found


def check_period(text, metric: Metric | None = None, field_name: str = "period") -> str:
    """``YYYY-MM``; quarterly and yearly metrics are recorded on their first month."""
    if not isinstance(text, str) or not PERIOD.match(text.strip()):
        raise ValidationFailed.field(field_name, _("%(text)s is not a period; write it as YYYY-MM", text=repr(text)))
    period = text.strip()
    month = int(period[5:])
    if metric is not None and metric.period == "quarter" and month not in (1, 4, 7, 10):
        raise ValidationFailed.field(
            field_name, _("a quarterly metric is recorded on the first month of the quarter (01, 04, 07 or 10)")
        )
    if metric is not None and metric.period == "year" and month != 1:
        raise ValidationFailed.field(field_name, _("a yearly metric is recorded on January (YYYY-01)"))
    return period


MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}


def period_start(span: str, month: str) -> str:
    """The period (its first month) of a ``month``/``quarter``/``year`` metric that ``month`` falls in."""
    number = int(month[5:])
    start = number - (number - 1) % MONTHS_IN[span]
    return f"{month[:4]}-{start:02d}"


def months_of(span: str, period: str) -> list[str]:
    """The months (``YYYY-MM``) a ``span`` period starting at ``period`` covers."""
    return [add_months(period, n) for n in range(MONTHS_IN[span])]


def recent_periods(metric: Metric, months: int = 12) -> list[str]:
    """The metric's periods that start within the last ``months`` months, oldest first."""
    window = [add_months(current_period(), -n) for n in range(months - 1, -1, -1)]
    return [month for month in window if period_start(metric.period, month) == month]


def last_complete(span: str) -> str:
    """The first month of the last ``month``/``quarter``/``year`` that has ended."""
    return add_months(period_start(span, current_period()), -MONTHS_IN[span])


def shown_period(metric: Metric, month: str | None = None) -> str:
    """The period of ``metric`` that pages show for the month a reader picked: the one holding it.

    Without a pick, the last complete one: a month that has just begun holds
    a lead or two, and its figure says nothing yet about how the site does.
    """
    return period_start(metric.period, month) if month else last_complete(metric.period)


def to_date(metric: Metric, period: str) -> bool:
    """Whether ``period`` of ``metric`` has not ended yet (its figure is month, quarter or year to date)."""
    return months_of(metric.period, period)[-1] >= current_period()


# Decimals by unit, keyed by the unit as plugins write it (English): what a
# reader compares with the target, not the float noise of a computed quotient.
UNIT_DECIMALS = {
    "%": 1,
    "‰": 1,
    "minutes": 1,
    "min": 1,
    "hours": 1,
    "days": 1,
    "cny": 0,
    "rmb": 0,
    "yuan": 0,
    "¥": 0,
    "cases": 0,
    "incidents": 0,
    "/5": 2,
}


def decimals(metric: Metric) -> int:
    """How many decimals ``metric``'s values are shown with: the plugin's ``decimals``, else by unit,
    else by the size of its thresholds: an index in the hundreds (SSI, 850 points) needs none, a gap
    of a few points (SERVQUAL, -0.6) one."""
    if metric.decimals is not None:
        return metric.decimals
    # Found once per metric definition: a page asks for every value it writes, and reading the
    # unit in English is a change of locale each time. By key, checked to be the same definition
    # (a plugin reloaded makes new ones): hashing a definition reads each of its lazy texts.
    found = _decimals_found.get(metric.key)
    if found is None or found[0] is not metric:
        found = _decimals_found[metric.key] = (metric, _decimals_by_unit_or_scale(metric))
    return found[1]


_decimals_found: dict[str, tuple[Metric, int]] = {}


def _decimals_by_unit_or_scale(metric: Metric) -> int:
    with force_locale("en"):
        unit = str(metric.unit or "").strip().lower()
    if unit in UNIT_DECIMALS:
        return UNIT_DECIMALS[unit]
    scale = max(abs(metric.target), abs(metric.warning or 0))
    return 0 if scale >= 100 else 1


def _check_value(value, field_name: str = "value") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed.field(field_name, _("write a number, such as 42 or 3.5"))
    if not math.isfinite(value):
        raise ValidationFailed.field(field_name, _("write a number, such as 42 or 3.5"))
    return float(value)


# Thresholds and status --------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    target: float
    warning: float | None
    overridden: bool = False
    row_version: int | None = None


def status(metric: Metric, thresholds: Thresholds, value: float | None) -> str | None:
    if value is None:
        return None
    sign = 1 if metric.direction == "higher" else -1
    score = sign * value
    lines = [sign * thresholds.target] + ([sign * thresholds.warning] if thresholds.warning is not None else [])
    if score >= max(lines):
        return GREEN
    if score < min(lines):
        return RED
    return AMBER


def thresholds_for(metric: Metric, site: Site | None) -> Thresholds:
    if site is not None:
        override = _override(metric.key, site.id)
        if override is not None:
            return Thresholds(override.target, override.warning, True, override.row_version)
    return Thresholds(float(metric.target), None if metric.warning is None else float(metric.warning))


def _override(metric_key: str, site_id: int) -> SiteTarget | None:
    return db.session.execute(
        db.select(SiteTarget).filter_by(metric_key=metric_key, site_id=site_id)
    ).scalar_one_or_none()


def thresholds_by_site_and_metric(site_ids) -> dict[tuple[int, str], Thresholds]:
    """Every override of the given sites, in one query."""
    rows = db.session.execute(db.select(SiteTarget).where(SiteTarget.site_id.in_(list(site_ids)))).scalars()
    return {(row.site_id, row.metric_key): Thresholds(row.target, row.warning, True, row.row_version) for row in rows}


def _thresholds(metric: Metric, site_id: int, overrides: dict) -> Thresholds:
    return overrides.get((site_id, metric.key)) or Thresholds(
        float(metric.target), None if metric.warning is None else float(metric.warning)
    )


def target_refusal(user: User, site: Site) -> Refusal | None:
    """Why ``user`` may not change ``site``'s targets, or None: a quality officer of that site or the group office."""
    if Role.QUALITY_OFFICER not in user.roles:
        return Refusal(_("Only a quality officer may change a site's target."))
    if not in_group_office(user) and user.site_id != site.id:
        return Refusal(_("A quality officer changes the targets of their own site only."))
    return None


def set_site_target(
    user: User, metric: Metric, site: Site, *, target, warning, reason: str, row_version: int | None = None
) -> SiteTarget:
    """A site's own target and warning threshold (quality officers only; the reason goes into the trail).

    Changing an existing override needs the ``row_version`` of the one read; a first one has none.
    """
    enforce(target_refusal(user, site))
    target = _check_value(target, "target")
    warning = None if warning is None else _check_value(warning, "warning")
    if not (reason or "").strip():
        raise ValidationFailed.field("reason", _("say why this site's target differs"))
    override = _override(metric.key, site.id)
    with trail_reason(reason.strip()):
        if override is None:
            override = SiteTarget(
                metric_key=metric.key,
                site=site,
                target=target,
                warning=warning,
                reason=reason.strip(),
                set_by=user,
                set_at=utcnow(),
            )
            db.session.add(override)
        else:
            require_row_version(override, row_version)
            override.target, override.warning, override.reason = target, warning, reason.strip()
            override.set_by, override.set_at = user, utcnow()
        db.session.flush()
    return override


# Recording --------------------------------------------------------------------------


def _department_of(metric: Metric) -> int | None:
    if not metric.area:
        return None
    return db.session.execute(db.select(Department.id).filter_by(code=metric.area)).scalar_one_or_none()


def entry_refusal(user: User, metric: Metric | None = None, site: Site | None = None) -> Refusal | None:
    """Why ``user`` may not enter ``metric`` (at ``site``), or None: quality officers in their
    scope, heads for their department's metrics at their own site. Without a metric: whether
    they may enter any."""
    reason = permission_refusal(
        user,
        Permission.ENTER_MEASUREMENTS,
        department_id=_department_of(metric) if metric is not None else None,
        site_id=site.id if site is not None else None,
    )
    return Refusal(reason) if reason else None


def require_entry(user: User, metric: Metric, site: Site | None = None) -> None:
    enforce(entry_refusal(user, metric, site))


def correction_refusal(user: User, metric: Metric, site: Site, period: str) -> Refusal | None:
    """Why ``user`` may not correct ``metric``'s value at ``site`` in ``period``: a value outside
    their scope is not there for them (404); one they read but may not enter, 403."""
    try:
        measurement_at(metric, site, period, reader=user)
    except NotFound as error:
        return Refusal(error.detail, NotFound)
    return entry_refusal(user, metric, site)


def find(metric: Metric, site: Site, period: str) -> Measurement | None:
    if metric.computed:
        refresh(sites=[site.id], metrics=[metric])
    return _stored(metric, site, period)


def _stored(metric: Metric, site: Site, period: str) -> Measurement | None:
    return db.session.execute(
        db.select(Measurement).filter_by(metric_key=metric.key, site_id=site.id, period=period)
    ).scalar_one_or_none()


def correction_path(metric: Metric, site: Site, period: str) -> str:
    return f"/api/v1/metrics/{metric.key}/measurements/{site.code}/{period}"


def record(
    user: User | None,
    metric: Metric,
    site: Site,
    period,
    value,
    *,
    source: str = Source.MANUAL,
    entered_by: User | None = None,
) -> Measurement:
    """A new measurement; a second one for the same metric, site and period is a conflict.

    ``user`` None: entered by the system (the demo data loader) for ``entered_by``, unchecked.
    """
    if user is not None:
        require_entry(user, metric, site)
    if metric.computed:
        raise Conflict(
            _(
                "%(metric)s is computed from the records; it takes no values by hand "
                "(ask for a recomputation instead).",
                metric=metric.name,
            )
        )
    period = check_period(period, metric)
    value = _check_value(value)
    if not site.active:
        raise ValidationFailed.field("site", _("site %(site)s is not active", site=site.code))
    existing = find(metric, site, period)
    if existing is not None:
        raise Conflict(
            _(
                "%(metric)s already has a value for %(site)s in %(period)s (%(value)s); correct it on its page "
                "or with PUT %(path)s {value, reason, row_version} (row_version %(row_version)s).",
                metric=metric.name,
                site=site.code,
                period=period,
                value=f"{existing.value:g}",
                path=correction_path(metric, site, period),
                row_version=existing.row_version,
            )
        )
    measurement = Measurement(
        metric_key=metric.key,
        site=site,
        period=period,
        value=value,
        source=str(source),
        entered_by=user if user is not None else entered_by,
        entered_at=utcnow(),
    )
    db.session.add(measurement)
    db.session.flush()
    return measurement


def correct(user: User, measurement: Measurement, value, *, reason: str, row_version: int) -> Measurement:
    """Change a recorded value: the same row, a trail event with the old value and the reason."""
    metric = definition(measurement.metric_key)
    require_entry(user, metric, measurement.site)
    if metric.computed:
        raise Conflict(
            _(
                "%(metric)s is computed from the records; recompute it instead of correcting it.",
                metric=metric.name,
            )
        )
    value = _check_value(value)
    if not (reason or "").strip():
        raise ValidationFailed.field("reason", _("say why the value is corrected"))
    require_row_version(measurement, row_version)
    with trail_reason(reason.strip()):
        measurement.value = value
        measurement.corrected_at = utcnow()
        measurement.correction_reason = reason.strip()
        measurement.entered_by = user
        db.session.flush()
    return measurement


def visible_clause(user: User):
    """SQL: the measurements ``user`` may read as records (READ_RECORDS: who entered them,
    corrections): quality officers and auditors in their scope, heads their department's
    metrics at their site, everyone what they entered. The values themselves are the group's
    KPIs, which everyone reads on the dashboards."""
    return db.or_(
        scope_clause(
            user,
            Permission.READ_RECORDS,
            site_column=Measurement.site_id,
            department_column=AreaDepartment(Measurement.metric_key, definitions),
            people_columns=(Measurement.entered_by_id,),
        ),
        Measurement.entered_by_id == user.id,
    )


def trail_scope(user: User) -> dict:
    """The measurements and site targets whose trail events ``user`` may read."""
    # By the site each event keeps: the rule of visible_clause, with the site taken out.
    sites, whole = scope_sites(user, Permission.READ_RECORDS, by_department=True, by_people=True)
    target_sites, _whole = scope_sites(user, Permission.READ_RECORDS)
    return {
        "measurement": TrailSites(
            sites,
            within=None
            if whole
            # At the sites only: the site's index finds them, not a read of every site's.
            else db.select(cast(Measurement.id, String)).where(
                *([] if sites is None else [Measurement.site_id.in_(sites)]), visible_clause(user)
            ),
            plus=db.select(cast(Measurement.id, String)).where(Measurement.entered_by_id == user.id),
        ),
        "metric_site_target": TrailSites(target_sites),
    }


def measurement_at(metric: Metric, site: Site, period: str, reader: User | None = None) -> Measurement:
    """The measurement of ``metric`` at ``site`` in ``period``; with ``reader``, only if
    they may read it (a value outside their scope is not there for them)."""
    found = find(metric, site, check_period(period, metric))
    if found is None or (
        reader is not None
        and not can(
            reader,
            Permission.READ_RECORDS,
            site_id=site.id,
            department_id=_department_of(metric),
            people=(found.entered_by_id,),
        )
    ):
        raise NotFound(
            _("%(metric)s has no value for %(site)s in %(period)s.", metric=metric.name, site=site.code, period=period)
        )
    return found


class ComputationFailed(RuntimeError):
    """A plugin raised while computing a metric's value (it is logged): the mark stays pending."""


def recompute(metric: Metric, site: Site, period: str, *, strict: bool = False) -> Measurement | None:
    """Ask the plugins for a computed metric's value and store it (the one row of that period).

    ``strict``: raise :class:`ComputationFailed` when no plugin gave a value because one raised.
    """
    # One computation of a metric's period at a time: two would both add its one row.
    _lock(metric.key, site.id, period)
    failed: list[str] = []
    value = manager.compute_metric(metric, site, period, failed=failed)
    if value is None and failed and strict:
        raise ComputationFailed(f"plugin(s) {', '.join(failed)} failed computing {metric.key}")
    if value is None:
        return None
    value = float(value)
    existing = _stored(metric, site, period)
    if existing is None:
        existing = Measurement(
            metric_key=metric.key,
            site=site,
            period=period,
            value=value,
            source=Source.COMPUTED.value,
            entered_at=utcnow(),
        )
        db.session.add(existing)
    elif existing.value != value:
        existing.value, existing.entered_at = value, utcnow()
    db.session.flush()
    return existing


def recompute_site_period(site: Site, month: str, forms: Collection[str] | None = None) -> None:
    """Recompute every computed metric whose period (month, quarter or year) holds ``month``.

    With ``forms`` (the forms whose submissions changed), a metric that
    names its ``inputs`` is recomputed only when one of them is among those.
    """
    for metric in _fed_by(forms):
        recompute(metric, site, period_start(metric.period, month))


def _fed_by(forms: Collection[str] | None) -> list[Metric]:
    return [
        metric
        for metric in definitions()
        if metric.computed and (forms is None or not metric.inputs or set(metric.inputs) & set(forms))
    ]


# Pending recomputations -------------------------------------------------------------
#
# A computed metric reads every record of its period: recomputed by each write, a
# submission would cost more the fuller its month. A write leaves a mark instead
# (one per metric, site and period, however many writes); the value is computed
# once, by the next read that shows it (refresh) or by tick (drain_all).


def mark_site_period(site: Site, month: str, forms: Collection[str] | None = None) -> None:
    """Mark the computed metrics of ``site`` whose period holds ``month`` (fed by ``forms``) for
    recomputation, in the current unit of work: one statement, whatever the records."""
    rows = sorted({(metric.key, period_start(metric.period, month)) for metric in _fed_by(forms)})
    if not rows:
        return
    now = utcnow()
    insert = conflict_insert(PendingRecompute).values(
        [
            {"metric_key": key, "site_id": site.id, "period": period, "generation": 1, "marked_at": now}
            for key, period in rows
        ]
    )
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=["metric_key", "site_id", "period"],
            set_={"generation": PendingRecompute.generation + 1, "marked_at": now},
        )
    )


def _pending(sites: Collection[int] | None, metrics: Collection[Metric] | None):
    query = db.select(PendingRecompute.metric_key, PendingRecompute.site_id, PendingRecompute.period)
    if sites is not None:
        query = query.where(PendingRecompute.site_id.in_(list(sites)))
    if metrics is not None:
        query = query.where(PendingRecompute.metric_key.in_([metric.key for metric in metrics if metric.computed]))
    return query


def refresh(*, sites: Collection[int] | None = None, metrics: Collection[Metric] | None = None) -> None:
    """Compute what is pending for the values about to be read (of ``sites``' ids, of ``metrics``;
    None: all), so that a reader never sees a value that a write already changed.

    One query when nothing is pending. In a read (a GET) the computed values are committed on
    their own; in a write they belong to its unit of work (a rollback leaves the marks).
    """
    if metrics is not None and not any(metric.computed for metric in metrics):
        return
    if db.session.execute(_pending(sites, metrics).limit(1)).first() is None:
        return
    if not is_read_only():
        drain(sites=sites, metrics=metrics)
        return
    with write_intent():
        drain(sites=sites, metrics=metrics)
        commit()


def drain(*, sites: Collection[int] | None = None, metrics: Collection[Metric] | None = None, wait: bool = True) -> int:
    """Compute the pending marks (of ``sites``' ids, of ``metrics``; None: all) and remove them;
    returns how many were computed. Does not commit.

    Each mark is taken by one drainer at a time (on PostgreSQL a transaction lock per metric,
    site and period; SQLite writes one at a time): ``wait=False`` (tick) passes over one that
    another is computing. A mark that a write renewed while it was computed stays for the next
    drain; one whose computation fails stays too (logged), and the others are computed.
    """
    registry = definitions_by_key()
    done = 0
    pending = _pending(sites, metrics).order_by(
        PendingRecompute.metric_key, PendingRecompute.site_id, PendingRecompute.period
    )
    for key, site_id, period in db.session.execute(pending).all():
        if not _lock(key, site_id, period, wait=wait):
            continue
        mark = db.session.execute(
            db.select(PendingRecompute.id, PendingRecompute.generation).filter_by(
                metric_key=key, site_id=site_id, period=period
            )
        ).first()
        if mark is None:
            # Another drainer computed it while this one waited.
            continue
        metric = registry.get(key)
        try:
            # The value is the system's work, whoever's read or write brought it about.
            with db.session.begin_nested(), acting_as("system"):
                if metric is not None and metric.computed:
                    recompute(metric, db.session.get(Site, site_id), period, strict=True)
                db.session.execute(
                    db.delete(PendingRecompute)
                    .where(PendingRecompute.id == mark.id, PendingRecompute.generation == mark.generation)
                    .execution_options(synchronize_session=False)
                )
        except Exception:
            # The plugin's own failure is logged already; this says what waits for the next drain.
            log.exception("recomputing %s of site %s for %s failed; it stays pending", key, site_id, period)
            continue
        done += 1
    return done


def drain_all() -> int:
    """Tick's part: compute every pending mark that no reader is computing, and commit."""
    done = drain(wait=False)
    commit()
    return done


def _lock(key: str, site_id: int, period: str, *, wait: bool = True) -> bool:
    """Hold the lock on the computation of ``key`` at ``site_id`` for ``period`` until the
    transaction ends (PostgreSQL); False when ``wait`` is False and another holds it."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    # Storing the value appends to the trail: its lock comes first (chain.hold_lock says why).
    hold_lock(db.session.connection())
    name = func.hashtext(f"metric_recompute:{key}:{period}")
    lock = func.pg_advisory_xact_lock if wait else func.pg_try_advisory_xact_lock
    acquired = db.session.execute(db.select(lock(name, site_id))).scalar()
    return wait or bool(acquired)


def recompute_on_demand(user: User, metric: Metric, site: Site, period) -> Measurement | None:
    require_entry(user, metric, site)
    if not metric.computed:
        raise Conflict(_("%(metric)s is entered by hand; there is nothing to recompute.", metric=metric.name))
    return recompute(metric, site, check_period(period, metric))


# CSV import -------------------------------------------------------------------------


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_csv(user: User, text: str, *, import_valid_rows: bool = False, metric: Metric | None = None) -> ImportReport:
    """Measurements from CSV (``metric,site,period,value``).

    Every row is checked first; with any error nothing is imported unless
    ``import_valid_rows``. Each error names the row (the header is row 1)
    and the column. With ``metric`` every row is a value of that metric:
    the ``metric`` column may be left out, and a row naming another metric
    is an error.
    """
    if metric is not None and metric.computed:
        raise Conflict(_("%(metric)s is computed from the records and takes no imported values.", metric=metric.name))
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    with _readable_csv():
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    columns = IMPORT_COLUMNS if metric is None else IMPORT_COLUMNS[1:]
    missing = [name for name in columns if name not in header]
    if missing:
        raise ValidationFailed.field(
            "file",
            _(
                "the header lacks the column(s) %(missing)s; it must be %(columns)s",
                missing=", ".join(missing),
                columns=",".join(columns),
            ),
        )
    reader.fieldnames = header
    sites = {site.code: site for site in db.session.execute(db.select(Site)).scalars()}
    seen: set[tuple[str, int, str]] = set()
    valid = []
    for number, row in enumerate(_rows(reader), start=2):
        if number - 1 > MAX_IMPORT_ROWS:
            raise ValidationFailed.field("file", _("a file may hold at most %(count)s rows", count=MAX_IMPORT_ROWS))
        report.rows += 1
        if metric is not None:
            named = (row.get("metric") or "").strip()
            if named and named != metric.key:
                report.errors.append(
                    {
                        "row": number,
                        "column": "metric",
                        "message": _(
                            "%(named)s is not %(key)s, the metric being imported", named=repr(named), key=metric.key
                        ),
                    }
                )
                continue
            row["metric"] = metric.key
        problem = _import_row(user, row, sites, seen)
        if isinstance(problem, dict):
            report.errors.append({"row": number, **problem})
        else:
            valid.append(problem)
    if report.errors and not import_valid_rows:
        return report
    for row_metric, site, period, value in valid:
        record(user, row_metric, site, period, value, source=Source.IMPORT)
        report.imported += 1
    return report


@contextlib.contextmanager
def _readable_csv():
    # What the csv module cannot read at all (a field beyond its size limit) is the file's error, not a 500.
    try:
        yield
    except csv.Error as error:
        raise ValidationFailed.field("file", _("cannot be read as CSV: %(error)s", error=error)) from None


def _rows(reader):
    with _readable_csv():
        yield from reader


def _import_row(user, row, sites, seen):
    def problem(column, message):
        return {"column": column, "message": message}

    key = (row.get("metric") or "").strip()
    metric = manager.registry().metrics.get(key)
    if metric is None:
        return problem("metric", _("unknown metric %(key)s", key=repr(key)))
    site = sites.get((row.get("site") or "").strip().upper())
    if site is None or not site.active:
        return problem("site", _("unknown or inactive site %(site)s", site=repr(row.get("site"))))
    try:
        require_entry(user, metric, site)
    except Forbidden as error:
        return problem("site" if "site" in error.detail else "metric", error.detail)
    if metric.computed:
        return problem("metric", _("%(key)s is computed from the records and takes no imported values", key=key))
    try:
        period = check_period(row.get("period") or "", metric)
    except ValidationFailed as error:
        return problem("period", error.errors[0]["message"])
    try:
        value = float((row.get("value") or "").strip().replace(",", "."))
        if not math.isfinite(value):
            raise ValueError
    except ValueError:
        return problem("value", _("%(value)s is not a number", value=repr(row.get("value"))))
    if (key, site.id, period) in seen:
        return problem(
            "period",
            _("%(key)s for %(site)s in %(period)s appears twice in the file", key=key, site=site.code, period=period),
        )
    seen.add((key, site.id, period))
    existing = find(metric, site, period)
    if existing is not None:
        return problem(
            "period",
            _(
                "%(key)s already has a value for %(site)s in %(period)s; correct it instead",
                key=key,
                site=site.code,
                period=period,
            ),
        )
    return metric, site, period, value


# Reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    period: str
    value: float
    status: str | None


def series(
    metric: Metric,
    site: Site,
    *,
    period_from: str | None = None,
    period_to: str | None = None,
    thresholds: Thresholds | None = None,
) -> list[Point]:
    refresh(sites=[site.id], metrics=[metric])
    query = db.select(Measurement.period, Measurement.value).filter_by(metric_key=metric.key, site_id=site.id)
    if period_from:
        query = query.where(Measurement.period >= check_period(period_from, field_name="from"))
    if period_to:
        query = query.where(Measurement.period <= check_period(period_to, field_name="to"))
    thresholds = thresholds or thresholds_for(metric, site)
    return [
        Point(period, value, status(metric, thresholds, value))
        for period, value in db.session.execute(query.order_by(Measurement.period))
    ]


def series_rows(metric: Metric, site: Site, limit: int | None = None) -> list[Measurement]:
    """The measurements of ``metric`` at ``site``, newest first (the latest ``limit`` when given)."""
    refresh(sites=[site.id], metrics=[metric])
    query = (
        db.select(Measurement)
        .filter_by(metric_key=metric.key, site_id=site.id)
        .options(selectinload(Measurement.entered_by))
        .order_by(Measurement.period.desc())
    )
    return list(db.session.execute(query.limit(limit) if limit is not None else query).scalars())


@dataclass(frozen=True)
class Tile:
    """One metric's latest value at a site, with its recent history for a sparkline."""

    metric: Metric
    thresholds: Thresholds
    latest: Point | None
    history: tuple[Point, ...]

    @property
    def to_date(self) -> bool:
        """The value shown is of a period that has not ended (month to date)."""
        return self.latest is not None and to_date(self.metric, self.latest.period)


def site_overview(site: Site, *, months: int = 12, month: str | None = None) -> list[Tile]:
    """Every metric's value and last ``months`` periods at ``site``, up to the period shown for
    ``month`` (by default the last complete one, see :func:`shown_period`); a metric without a
    value in that period shows its latest before it.

    By default a metric with no value in any complete period (a survey begun this month) shows
    its period to date instead of nothing; :attr:`Tile.to_date` says so. Two queries, whatever
    the data, and a third for the metrics with no value in the months shown.
    """
    metrics = definitions()
    if not metrics:
        return []
    refresh(sites=[site.id])
    cutoffs = {metric.key: shown_period(metric, month) for metric in metrics}
    # Nothing later than the period to date: a value typed in for a month to come is no "latest".
    uppers = {
        metric.key: cutoffs[metric.key] if month else shown_period(metric, current_period()) for metric in metrics
    }
    since = add_months(max(cutoffs.values()), -(months - 1))
    history, to_date_values = defaultdict(list), {}
    for key, period, value in db.session.execute(
        db.select(Measurement.metric_key, Measurement.period, Measurement.value)
        .where(Measurement.site_id == site.id, Measurement.period >= since, _periods_up_to(uppers))
        .order_by(Measurement.metric_key, Measurement.period)
    ):
        if period <= cutoffs[key]:
            history[key].append((period, value))
        else:
            to_date_values[key] = (period, value)
    latest = {key: points[-1] for key, points in history.items()}
    # The latest value before the months shown, only for the metrics with none in them: asking
    # every metric's latest grouped all of the site's history (it grows by a row per metric and
    # month), where the months shown already hold the latest of nearly every metric.
    unseen = {key: cutoff for key, cutoff in cutoffs.items() if key not in latest}
    if unseen:
        latest |= _latest_values(site, unseen)
    overrides = thresholds_by_site_and_metric([site.id])
    tiles = []
    for metric in metrics:
        thresholds = _thresholds(metric, site.id, overrides)
        shown = latest.get(metric.key) or to_date_values.get(metric.key)
        tiles.append(
            Tile(
                metric,
                thresholds,
                Point(shown[0], shown[1], status(metric, thresholds, shown[1])) if shown else None,
                tuple(Point(p, v, status(metric, thresholds, v)) for p, v in history[metric.key]),
            )
        )
    return tiles


def _latest_values(site: Site, cutoffs: dict[str, str]) -> dict[str, tuple[str, float]]:
    """Each metric's latest period and value at ``site`` up to its period in ``cutoffs``."""
    latest_period = (
        db.select(Measurement.metric_key, func.max(Measurement.period).label("period"))
        .where(Measurement.site_id == site.id, _periods_up_to(cutoffs))
        .group_by(Measurement.metric_key)
        .subquery()
    )
    return {
        key: (period, value)
        for key, period, value in db.session.execute(
            db.select(Measurement.metric_key, Measurement.period, Measurement.value)
            .join(
                latest_period,
                (Measurement.metric_key == latest_period.c.metric_key) & (Measurement.period == latest_period.c.period),
            )
            .where(Measurement.site_id == site.id)
        )
    }


def _periods_up_to(last: dict[str, str]):
    """SQL: measurements of the metrics in ``last`` up to each one's period there."""
    by_period = defaultdict(list)
    for key, period in last.items():
        by_period[period].append(key)
    return db.or_(
        *(
            Measurement.metric_key.in_(keys) & (Measurement.period <= period)
            for period, keys in sorted(by_period.items())
        )
    )


@dataclass(frozen=True)
class AreaTiles:
    """The tiles of one area (the metrics' ``area``, a department code) in the KPI grid."""

    area: str
    label: str
    tiles: tuple[Tile, ...]


def kpi_grid(site: Site, *, measured_only: bool = False, months: int = 12, month: str | None = None) -> list[AreaTiles]:
    """A site's KPI grid: every metric's value for the period shown (``month``, by default the
    last complete one), its status and history, grouped by area.

    Four queries whatever the number of metrics, periods and sites (the
    three of :func:`site_overview` and the names of the areas). With
    ``measured_only`` a metric without any value at the site is left out.
    """
    tiles = [
        tile for tile in site_overview(site, months=months, month=month) if tile.latest is not None or not measured_only
    ]
    codes = sorted({tile.metric.area for tile in tiles if tile.metric.area})
    names = (
        dict(db.session.execute(db.select(Department.code, Department.name).where(Department.code.in_(codes))).all())
        if codes
        else {}
    )
    groups: dict[str, list[Tile]] = {}
    for tile in tiles:
        groups.setdefault(tile.metric.area, []).append(tile)
    names = {code: department_label(code, name) for code, name in names.items()}
    return [
        AreaTiles(area, names.get(area, area), tuple(group))
        for area, group in sorted(groups.items(), key=lambda item: (not item[0], names.get(item[0], item[0])))
    ]


class SiteName(NamedTuple):
    """What a ranking shows of a site: kept between requests, so no ORM record of one session."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class SiteValue:
    site: SiteName
    value: float | None
    status: str | None
    thresholds: Thresholds


def comparison_opening(month: str | None = None) -> tuple[Metric, str] | None:
    """The metric and period the comparison opens on: the first metric of the grid's order that
    some active site measured in its shown period (the last complete one), else the first metric.
    One query per metric asked, of one row (usually only the first metric is asked)."""
    metrics = definitions()
    if not metrics:
        return None
    refresh()
    periods = {metric.key: shown_period(metric, month) for metric in metrics}
    # Each metric in the grid's order is asked whether an active site measured it, through the
    # (metric, site, period) index, until one was: the first usually was. Listing every (metric,
    # period) measured in the shown periods read every site's values of them (20 ms of the page
    # at ``large``, 50 sites; 1 ms at ``small``).
    chosen = next((metric for metric in metrics if _measured(metric.key, periods[metric.key])), metrics[0])
    return chosen, periods[chosen.key]


def _measured(key: str, period: str) -> bool:
    """Whether an active site has a value of ``key`` for ``period``."""
    query = (
        db.select(Measurement.id)
        .join(Site, Site.id == Measurement.site_id)
        .where(Measurement.metric_key == key, Measurement.period == period, Site.active.is_(True))
        .limit(1)
    )
    return db.session.execute(query).first() is not None


def comparison(metric: Metric, period: str) -> list[SiteValue]:
    """One metric across the active sites for a period, best first (sites without a value last).

    Kept until a site, a value or a target is written: everyone who opens the comparison asks
    for the same ranking of the whole group, and ranking fifty sites cost as much as drawing the
    page around it."""
    period = check_period(period, metric)
    refresh(metrics=[metric])
    tables = (Site.__tablename__, Measurement.__tablename__, SiteTarget.__tablename__)
    # The definition's own thresholds and direction in the key: a plugin's settings may change them.
    key = ("metric_comparison", metric.key, metric.target, metric.warning, metric.direction, period)
    return kept(key, tables, lambda: _ranked(metric, period))


def _ranked(metric: Metric, period: str) -> list[SiteValue]:
    sites = [
        SiteName(*row)
        for row in db.session.execute(
            db.select(Site.id, Site.code, Site.name).filter_by(active=True).order_by(Site.code)
        )
    ]
    values = dict(
        db.session.execute(
            db.select(Measurement.site_id, Measurement.value).filter_by(metric_key=metric.key, period=period)
        ).all()
    )
    overrides = thresholds_by_site_and_metric(site.id for site in sites)
    ranked = []
    for site in sites:
        thresholds = _thresholds(metric, site.id, overrides)
        value = values.get(site.id)
        ranked.append(SiteValue(site, value, status(metric, thresholds, value), thresholds))
    sign = -1 if metric.direction == "higher" else 1
    return sorted(ranked, key=lambda item: (item.value is None, sign * (item.value or 0), item.site.code))


# The comparison shows this many sites at a time: fifty bars are a wall nobody reads, and
# drawing them took most of the page's time in a group of fifty sites.
SITES_SHOWN = 15


@dataclass(frozen=True)
class ComparisonWindow:
    """A page of the ranked sites, with each one's place in the whole ranking (1 = best) and how
    many sites of the group stand at each status (``None``: no value)."""

    rows: list[tuple[int, SiteValue]]
    page: int
    pages: int
    tally: dict[str | None, int]

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def comparison_window(
    ranked: list[SiteValue], *, worst_first: bool = True, page: int = 1, size: int = SITES_SHOWN
) -> ComparisonWindow:
    """Page ``page`` of ``ranked`` (best first, as :func:`comparison` returns it), the worst first
    unless ``worst_first`` is false: a group's quality officer looks for the sites that need
    them. Sites without a value stay last either way: they are not the worst, only unknown."""
    placed = list(enumerate(ranked, start=1))
    if worst_first:
        measured = [row for row in placed if row[1].value is not None]
        placed = measured[::-1] + [row for row in placed if row[1].value is None]
    pages = max(1, -(-len(placed) // size))
    page = min(max(page, 1), pages)
    tally: dict[str | None, int] = defaultdict(int)
    for item in ranked:
        tally[item.status] += 1
    return ComparisonWindow(placed[(page - 1) * size : page * size], page, pages, dict(tally))
