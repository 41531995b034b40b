"""The inputs of a management review (ISO 9001 9.3.2), compiled from dealerqms's own data for
the period and scope (a site, or every active site for the group).

The compiled inputs are a JSON snapshot of figures and short texts: keys where the words are
the product's (translated when shown), English where they come from a definition or a plugin
(compiled in English, translated when shown when a catalogue knows them).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.improvements import pareto
from audits.improvements.models import Improvement, Stage
from audits.labels import FISHBONE_LABELS
from audits.models import (
    ActionState,
    Audit,
    AuditItem,
    AuditState,
    CorrectiveAction,
    NcState,
    Nonconformity,
    Recheck,
    RecheckState,
    Result,
)
from audits.objectives import services as objectives
from audits.objectives.models import Objective
from audits.reviews.labels import OUTPUT_KIND_LABELS
from audits.reviews.models import ManagementReview
from audits.services import programme
from core.accounts.models import Department, Site
from core.clock import local, local_time
from core.database import db
from core.metrics import services as metrics
from core.metrics.models import Measurement
from core.plugin_engine import manager

FORMAT_VERSION = 1
# The customer-satisfaction KPIs 9.3.2 c 1 asks about, month by month.
SATISFACTION_KPIS = ("sales.ssi", "aftersales.csi", "sales.nps")
AGEING_BUCKETS = (("0-30", 0, 30), ("31-90", 31, 90), (">90", 91, None))

# The sections, in the order of ISO 9001 9.3.2, and the words their tables are made of.
SECTION_TITLES = {
    "previous_reviews": _l("Status of actions from previous management reviews"),
    "customer_satisfaction": _l("Customer satisfaction and feedback"),
    "objectives": _l("Extent to which quality objectives have been met"),
    "process_performance": _l("Process performance"),
    "nonconformities": _l("Nonconformities and corrective actions"),
    "monitoring": _l("Monitoring and measurement results"),
    "audits": _l("Audit results"),
    "external_providers": _l("Performance of external providers"),
    "improvements": _l("Risks, opportunities and opportunities for improvement"),
}
SECTION_CLAUSES = {
    "previous_reviews": "9.3.2 a",
    "customer_satisfaction": "9.3.2 c 1",
    "objectives": "9.3.2 c 2",
    "process_performance": "9.3.2 c 3",
    "nonconformities": "9.3.2 c 4",
    "monitoring": "9.3.2 c 5",
    "audits": "9.3.2 c 6",
    "external_providers": "9.3.2 c 7",
    "improvements": "9.3.2 e, f",
}
LABELS = {
    # tables
    "previous_review": _l("Previous review of the same scope"),
    "kpi_months": _l("Satisfaction KPIs month by month"),
    "objective_status": _l("Objectives by status"),
    "objective_list": _l("Objectives"),
    "kpi_status": _l("KPIs by area in the period's last month"),
    "nc_counts": _l("Nonconformities"),
    "nc_ageing": _l("Open at the end of the period, by age"),
    "nc_by_severity": _l("By severity"),
    "nc_by_area": _l("By area"),
    "root_cause_categories": _l("Root causes: fishbone categories (Pareto)"),
    "root_cause_causes": _l("Root causes: 5-why causes (Pareto)"),
    "action_effectiveness": _l("Corrective actions verified"),
    "rechecks": _l("Re-checks of closed findings"),
    "measurements": _l("KPI values recorded"),
    "audits_reported": _l("Audits reported"),
    "findings": _l("Findings by grade"),
    "coverage": _l("Programme coverage"),
    "improvements_by_source": _l("Improvements by source"),
    "improvements_by_stage": _l("Improvements raised in the period, by stage now"),
    "hand_written": _l("Entered by hand"),
    # columns and row labels
    "reference": _l("Reference"),
    "open_outputs": _l("Open outputs"),
    "open_outputs_of_previous": _l("Outputs of the previous review still open"),
    "output_kind": _l("Kind of output"),
    "output_state": _l("State now"),
    "owner": _l("Owner"),
    "due_date": _l("Due date"),
    **OUTPUT_KIND_LABELS,
    "note": _l("Note"),
    "kpi": _l("KPI"),
    "site": _l("Site"),
    "group": _l("the group"),
    "month": _l("Month"),
    "value": _l("Value"),
    "status": _l("Status"),
    "count": _l("Count"),
    "title": _l("Title"),
    "latest": _l("Latest"),
    "target": _l("Target"),
    "area": _l("Area"),
    "green": _l("green"),
    "amber": _l("amber"),
    "red": _l("red"),
    "red_kpis": _l("Red KPIs"),
    "raised": _l("raised in the period"),
    "closed": _l("closed in the period"),
    "open_at_end": _l("open at the end"),
    "overdue_at_end": _l("overdue at the end"),
    "age_days": _l("Age (days)"),
    "severity": _l("Severity"),
    "minor": _l("minor"),
    "major": _l("major"),
    "cause": _l("Cause"),
    "share": _l("Share (%)"),
    "cumulative": _l("Cumulative (%)"),
    "other_causes": _l("other causes"),
    "verified_effective": _l("verified effective"),
    "ineffective": _l("ineffective"),
    "passed": _l("passed"),
    "failed": _l("not passed"),
    "reported_on": _l("Reported on"),
    "grade": _l("Grade"),
    "conforming": _l("conforming"),
    "minor_nc": _l("minor nonconformity"),
    "major_nc": _l("major nonconformity"),
    "observation": _l("observation"),
    "ofi": _l("opportunity for improvement"),
    "not_applicable": _l("not applicable"),
    "not_answered": _l("not answered"),
    "planned": _l("planned"),
    "scheduled": _l("scheduled"),
    "in_progress": _l("in progress"),
    "done": _l("done"),
    "overdue": _l("overdue"),
    "source": _l("Source"),
    "stage": _l("Stage"),
    "completed": _l("completed in the period"),
    "audit_observation": _l("audit observation"),
    "audit_ofi": _l("audit OFI"),
    "suggestion": _l("staff suggestion"),
    "servqual_gap": _l("SERVQUAL gap"),
    "red_kpi": _l("red KPI"),
    "review": _l("management review"),
    "manual": _l("entered by a quality officer"),
    "plan": _l("plan"),
    "do": _l("do"),
    "check": _l("check"),
    "act": _l("act"),
    "rejected": _l("rejected"),
    "on_track": _l("on track"),
    "at_risk": _l("at risk"),
    "achieved": _l("achieved"),
    "missed": _l("missed"),
    "no_data": _l("no data yet"),
    "withdrawn": _l("withdrawn"),
    "none": _l("none"),
    "text": _l("Text"),
    "item": _l("Item"),
    "rows": _l("rows"),
    # notes
    "no_previous_review": _l("This is the first review of this scope."),
    "pareto_since_start": _l("Counted over the nonconformities raised since the period's first day."),
    "nothing_written": _l("Nothing has been written yet: write it on the review's page."),
    "risks_from_plugins": _l("The risk register's figures are in the section the risk area adds, when installed."),
}


def label(key) -> str:
    """The words of a key of the compiled inputs in the reader's language; a text that is no key
    (a KPI's name, a plugin's title, compiled in English) through the catalogues, else as it is."""
    if not isinstance(key, str):
        return key
    known = LABELS.get(key) or SECTION_TITLES.get(key) or FISHBONE_LABELS.get(key)
    return str(known) if known is not None else (_(key) if key else key)


def canonical(inputs: dict) -> bytes:
    return json.dumps(inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sha256_of(inputs: dict) -> str:
    return hashlib.sha256(canonical(inputs)).hexdigest()


# Compiling ----------------------------------------------------------------------------------


class _Scope:
    """The sites a review covers and the period as moments, shared by every section."""

    def __init__(self, review: ManagementReview):
        self.review = review
        if review.site is not None:
            self.sites = [review.site]
        else:
            self.sites = list(
                db.session.execute(db.select(Site).where(Site.active.is_(True)).order_by(Site.code)).scalars()
            )
        self.site_ids = [site.id for site in self.sites]
        self.first, self.last = review.period_from, review.period_to
        self.start = local_time(self.first.year, self.first.month, self.first.day)
        after = self.last + timedelta(days=1)
        self.end = local_time(after.year, after.month, after.day)
        self.first_month, self.last_month = f"{self.first:%Y-%m}", f"{self.last:%Y-%m}"
        self.group = review.site is None

    def in_period(self, column):
        return db.and_(column >= self.start, column < self.end)

    def on_sites(self, column):
        return column.in_(self.site_ids)


def _table(key: str, columns: list[str], rows: list[list]) -> dict:
    return {"key": key, "columns": columns, "rows": rows}


def _section(key: str, tables: list[dict], notes: list[str] | None = None) -> dict:
    return {"key": key, "clause": SECTION_CLAUSES.get(key, ""), "tables": tables, "notes": notes or []}


def _number(value) -> float | int | None:
    if value is None:
        return None
    return round(float(value), 2)


def _previous_reviews(scope: _Scope) -> dict:
    review = scope.review
    same_scope = (
        ManagementReview.site_id.is_(None) if review.site_id is None else ManagementReview.site_id == review.site_id
    )
    previous = db.session.execute(
        db.select(ManagementReview.reference)
        .where(same_scope, ManagementReview.id != review.id, ManagementReview.period_to < review.period_to)
        .order_by(ManagementReview.period_to.desc(), ManagementReview.id.desc())
        .limit(1)
    ).scalar()
    open_rows = _open_outputs(previous) if previous else []
    rows = [["reference", previous or "none"], ["open_outputs", len(open_rows)]]
    notes = [] if previous else ["no_previous_review"]
    tables = [_table("previous_review", ["item", "value"], rows)]
    if previous:
        columns = ["output_kind", "reference", "title", "owner", "due_date", "output_state"]
        tables.append(_table("open_outputs_of_previous", columns, open_rows))
    return _section("previous_reviews", tables, notes)


def _open_outputs(reference: str) -> list[list]:
    """The outputs of the previous review whose records are still open, with their state now."""
    from audits.reviews import services

    previous = services.review_by_reference(reference)
    rows = []
    for output in services.outputs_of(previous):
        state, still_open = services.output_state(output)
        if still_open:
            rows.append(
                [
                    output.kind,
                    output.record_reference,
                    output.title or output.description,
                    output.owner.login if output.owner else None,
                    output.due_date.isoformat() if output.due_date else None,
                    state,
                ]
            )
    return rows


def _customer_satisfaction(scope: _Scope) -> dict:
    known = metrics.definitions_by_key()
    rows = []
    for key in SATISFACTION_KPIS:
        metric = known.get(key)
        if metric is None:
            continue
        for site in scope.sites:
            for point in metrics.series(metric, site, period_from=scope.first_month, period_to=scope.last_month):
                rows.append([str(metric.name), site.code, point.period, _number(point.value), point.status or ""])
    return _section("customer_satisfaction", [_table("kpi_months", ["kpi", "site", "month", "value", "status"], rows)])


def _plugin_sections(scope: _Scope) -> list[dict]:
    """The plugins' sections, one per key; for the group, each site's rows under its code."""
    merged: dict[str, dict] = {}
    for site in scope.sites:
        for plugin, section in manager.review_inputs(site, scope.first, scope.last):
            entry = merged.setdefault(
                section.key,
                {
                    "key": section.key,
                    "plugin": plugin,
                    "title": str(section.title),
                    "clause": "",
                    "tables": [_table("", ["site", "item", "value"] if scope.group else ["item", "value"], [])],
                    "notes": [],
                },
            )
            for row_label, value in section.rows:
                cell = value if value is None or isinstance(value, int | float) else str(value)
                row = [str(row_label), cell]
                entry["tables"][0]["rows"].append([site.code, *row] if scope.group else row)
    return list(merged.values())


def _objectives(scope: _Scope) -> dict:
    query = db.select(Objective).where(Objective.starts_on <= scope.last, Objective.due_date >= scope.first)
    if not scope.group:
        query = query.where(db.or_(Objective.site_id == scope.review.site_id, Objective.site_id.is_(None)))
    rows, counts = [], Counter()
    for objective in db.session.execute(query.order_by(Objective.due_date, Objective.id)).scalars():
        progress = objectives.progress(objective)
        counts[progress.status] += 1
        rows.append(
            [
                objective.reference,
                objective.title,
                objective.site.code if objective.site else "group",
                progress.status,
                _number(progress.value),
                _number(objective.target),
            ]
        )
    statuses = [[status, counts[status]] for status in objectives.STATUS_LABELS if counts[status]]
    return _section(
        "objectives",
        [
            _table("objective_status", ["status", "count"], statuses),
            _table("objective_list", ["reference", "title", "site", "status", "latest", "target"], rows),
        ],
    )


def _process_performance(scope: _Scope) -> dict:
    known = metrics.definitions_by_key()
    overrides = metrics.thresholds_by_site_and_metric(scope.site_ids)
    codes = {site.id: site.code for site in scope.sites}
    counts: dict[str, Counter] = defaultdict(Counter)
    reds: dict[str, list[str]] = defaultdict(list)
    metrics.refresh(sites=scope.site_ids)
    measured = db.session.execute(
        db.select(Measurement.metric_key, Measurement.site_id, Measurement.value)
        .where(Measurement.period == scope.last_month, scope.on_sites(Measurement.site_id))
        .order_by(Measurement.metric_key, Measurement.site_id)
    )
    for key, site_id, value in measured:
        metric = known.get(key)
        if metric is None:
            continue
        default = metrics.Thresholds(float(metric.target), None if metric.warning is None else float(metric.warning))
        status = metrics.status(metric, overrides.get((site_id, key)) or default, value)
        area = metric.area or ""
        counts[area][status] += 1
        if status == metrics.RED:
            reds[area].append(f"{metric.name} ({codes[site_id]})" if scope.group else str(metric.name))
    rows = [
        [area, counts[area]["green"], counts[area]["amber"], counts[area]["red"], "; ".join(reds[area])]
        for area in sorted(counts)
    ]
    return _section("process_performance", [_table("kpi_status", ["area", "green", "amber", "red", "red_kpis"], rows)])


def _age_bucket(days: int) -> str:
    return next(name for name, low, high in AGEING_BUCKETS if days >= low and (high is None or days <= high))


def _nonconformities(scope: _Scope) -> dict:
    counted = db.and_(scope.on_sites(Nonconformity.site_id), Nonconformity.state != NcState.CANCELLED.value)
    raised = db.session.execute(
        db.select(Nonconformity.severity, Department.code)
        .join(Department, Department.id == Nonconformity.department_id)
        .where(counted, scope.in_period(Nonconformity.raised_at))
    ).all()
    closed = db.session.execute(
        db.select(db.func.count())
        .select_from(Nonconformity)
        .where(counted, Nonconformity.state == NcState.CLOSED.value, scope.in_period(Nonconformity.closed_at))
    ).scalar()
    # Open at the end: raised before it and not closed by then (a closed NC reopened later counts as open).
    still_open = db.session.execute(
        db.select(Nonconformity.raised_at, Nonconformity.severity, Department.code, Nonconformity.due_date)
        .join(Department, Department.id == Nonconformity.department_id)
        .where(
            counted,
            Nonconformity.raised_at < scope.end,
            db.or_(
                Nonconformity.state != NcState.CLOSED.value,
                Nonconformity.closed_at.is_(None),
                Nonconformity.closed_at >= scope.end,
            ),
        )
    ).all()
    ageing = Counter(_age_bucket((scope.last - local(raised_at).date()).days) for raised_at, *_rest in still_open)
    overdue = sum(1 for *_rest, due in still_open if due is not None and due < scope.last)
    by_severity_raised = Counter(severity for severity, _area in raised)
    by_severity_open = Counter(severity for _at, severity, _area, _due in still_open)
    by_area_raised = Counter(area for _severity, area in raised)
    by_area_open = Counter(area for _at, _severity, area, _due in still_open)
    causes = pareto.root_causes(None, site=scope.review.site, since=scope.start)
    effectiveness = dict(
        db.session.execute(
            db.select(CorrectiveAction.state, db.func.count())
            .join(Nonconformity, Nonconformity.id == CorrectiveAction.nonconformity_id)
            .where(
                scope.on_sites(Nonconformity.site_id),
                scope.in_period(CorrectiveAction.verified_at),
                CorrectiveAction.state.in_([ActionState.VERIFIED_EFFECTIVE.value, ActionState.INEFFECTIVE.value]),
            )
            .group_by(CorrectiveAction.state)
        ).all()
    )
    rechecks = dict(
        db.session.execute(
            db.select(Recheck.state, db.func.count())
            .where(scope.on_sites(Recheck.site_id), scope.in_period(Recheck.checked_at))
            .group_by(Recheck.state)
        ).all()
    )
    return _section(
        "nonconformities",
        [
            _table(
                "nc_counts",
                ["item", "count"],
                [
                    ["raised", len(raised)],
                    ["closed", closed or 0],
                    ["open_at_end", len(still_open)],
                    ["overdue_at_end", overdue],
                ],
            ),
            _table("nc_ageing", ["age_days", "count"], [[name, ageing[name]] for name, _low, _high in AGEING_BUCKETS]),
            _table(
                "nc_by_severity",
                ["severity", "raised", "open_at_end"],
                [[s, by_severity_raised[s], by_severity_open[s]] for s in ("minor", "major")],
            ),
            _table(
                "nc_by_area",
                ["area", "raised", "open_at_end"],
                [[a, by_area_raised[a], by_area_open[a]] for a in sorted(set(by_area_raised) | set(by_area_open))],
            ),
            _table(
                "root_cause_categories",
                ["cause", "count", "cumulative"],
                [[bar.key, bar.count, bar.cumulative] for bar in causes.fishbone],
            ),
            _table(
                "root_cause_causes",
                ["cause", "count", "cumulative"],
                [[bar.key or "other_causes", bar.count, bar.cumulative] for bar in causes.five_why],
            ),
            _table(
                "action_effectiveness",
                ["item", "count"],
                [[state, effectiveness.get(state, 0)] for state in ("verified_effective", "ineffective")],
            ),
            _table(
                "rechecks",
                ["item", "count"],
                [[state, rechecks.get(state, 0)] for state in (RecheckState.PASSED.value, RecheckState.FAILED.value)],
            ),
        ],
        ["pareto_since_start"],
    )


def _monitoring(scope: _Scope) -> dict:
    known = metrics.definitions_by_key()
    counts = Counter()
    metrics.refresh(sites=scope.site_ids)
    for key, count in db.session.execute(
        db.select(Measurement.metric_key, db.func.count())
        .where(
            scope.on_sites(Measurement.site_id),
            Measurement.period.between(scope.first_month, scope.last_month),
        )
        .group_by(Measurement.metric_key)
    ):
        metric = known.get(key)
        counts[(metric.area if metric else "") or ""] += count
    return _section("monitoring", [_table("measurements", ["area", "count"], [[a, counts[a]] for a in sorted(counts)])])


def _audits(scope: _Scope) -> dict:
    reported = (
        db.session.execute(
            db.select(Audit)
            .where(
                scope.on_sites(Audit.site_id),
                Audit.state.in_([AuditState.REPORTED.value, AuditState.CLOSED.value]),
                scope.in_period(Audit.reported_at),
            )
            .order_by(Audit.reported_at, Audit.id)
        )
        .scalars()
        .all()
    )
    grades = Counter()
    if reported:
        grades.update(
            dict(
                db.session.execute(
                    db.select(AuditItem.result, db.func.count())
                    .where(AuditItem.audit_id.in_([audit.id for audit in reported]))
                    .group_by(AuditItem.result)
                ).all()
            )
        )
    coverage = Counter()
    for site in scope.sites:
        for year in range(scope.first.year, scope.last.year + 1):
            for entry in programme.coverage(site, year, on=scope.last):
                if scope.first_month <= f"{entry.entry.year}-{entry.entry.month:02d}" <= scope.last_month:
                    coverage[entry.status] += 1
    return _section(
        "audits",
        [
            _table(
                "audits_reported",
                ["reference", "site", "title", "reported_on"],
                [[a.reference, a.site.code, a.title, f"{local(a.reported_at).date():%Y-%m-%d}"] for a in reported],
            ),
            _table(
                "findings",
                ["grade", "count"],
                [[grade.value, grades[grade.value]] for grade in Result] + [["not_answered", grades[None]]],
            ),
            _table(
                "coverage",
                ["status", "count"],
                [[status, coverage[status]] for status in ("done", "in_progress", "scheduled", "planned", "overdue")],
            ),
        ],
    )


def _external_providers(scope: _Scope) -> dict:
    text = scope.review.external_providers or ""
    return _section(
        "external_providers",
        [_table("hand_written", ["item", "text"], [["external_providers", text]] if text else [])],
        [] if text else ["nothing_written"],
    )


def _improvements(scope: _Scope) -> dict:
    on_sites = scope.on_sites(Improvement.site_id)
    raised = db.session.execute(
        db.select(Improvement.source, Improvement.stage).where(on_sites, scope.in_period(Improvement.raised_at))
    ).all()
    completed = Counter(
        source
        for (source,) in db.session.execute(
            db.select(Improvement.source).where(
                on_sites, Improvement.stage == Stage.CLOSED.value, scope.in_period(Improvement.closed_at)
            )
        )
    )
    raised_by_source = Counter(source for source, _stage in raised)
    by_stage = Counter(stage for _source, stage in raised)
    sources = sorted(set(raised_by_source) | set(completed))
    return _section(
        "improvements",
        [
            _table(
                "improvements_by_source",
                ["source", "raised", "completed"],
                [[source, raised_by_source[source], completed[source]] for source in sources],
            ),
            _table(
                "improvements_by_stage",
                ["stage", "count"],
                [[stage.value, by_stage[stage.value]] for stage in Stage if by_stage[stage.value]],
            ),
        ],
        ["risks_from_plugins"],
    )


def build(review: ManagementReview, now) -> dict:
    """Every section of the review's inputs, as the JSON kept: checked once, as stored."""
    scope = _Scope(review)
    # Definitions' and plugins' words are kept in English and translated when shown.
    with force_locale("en"):
        sections = [_previous_reviews(scope), _customer_satisfaction(scope)]
        sections += _plugin_sections(scope)
        sections += [
            _objectives(scope),
            _process_performance(scope),
            _nonconformities(scope),
            _monitoring(scope),
            _audits(scope),
            _external_providers(scope),
            _improvements(scope),
        ]
    inputs = {
        "format": FORMAT_VERSION,
        "reference": review.reference,
        "site": review.site.code if review.site else None,
        "period_from": review.period_from.isoformat(),
        "period_to": review.period_to.isoformat(),
        "sites": [site.code for site in scope.sites],
        "compiled_at": now.isoformat(),
        "sections": sections,
    }
    # The JSON column gives back what it was given, so the hash is of what a reader gets back.
    return json.loads(canonical(inputs))


def section_summary(section: dict) -> str:
    """One line of a compiled section, for the command line: its title and its tables' sizes."""
    title = label(section["key"]) if section["key"] in SECTION_TITLES else label(section.get("title", ""))
    sizes = ", ".join(f"{label(table['key'] or 'rows')}: {len(table['rows'])}" for table in section["tables"])
    return f"{title} — {sizes}" if sizes else str(title)
