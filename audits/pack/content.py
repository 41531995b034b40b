"""What goes into an audit's evidence pack, read from the stores as of the audit date.

The audit's own content (plan, checklist snapshot, results, the criteria
revisions fixed when it started) never changes after the fact; what happened
since (NC progress, actions, signatures) is shown as it stands at generation
time, which the cover prints.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from audits.models import Audit, CorrectiveAction, Evidence, Nonconformity
from audits.services import audits as audit_services
from audits.services import nonconformities as nc_services
from core import charts
from core.clock import local, utcnow
from core.database import db
from core.metrics import services as metrics
from core.plugin_engine import manager
from core.signatures import signature_matches, signatures_for
from core.signatures.models import Signature
from core.trail.chain import VerifyResult, verify
from core.trail.models import TrailEvent
from core.trail.queries import history_of
from procedures.models import Procedure, Revision

KPI_MONTHS = 12


@dataclass
class CriteriaRevision:
    code: str
    recorded: dict | None
    revision: object | None = None  # procedures.models.Revision
    body_matches: bool = True
    approvals: list[Signature] = field(default_factory=list)


@dataclass
class KpiChart:
    metric: object
    svg: str
    periods: list[str]
    values: list[float]


@dataclass
class PackContent:
    audit: Audit
    audit_date: date
    generated_at: datetime
    product_version: str
    nonconformities: list[Nonconformity]
    criteria: list[CriteriaRevision]
    kpis: list[KpiChart]
    plugin_sections: list
    evidence: list[Evidence]
    events: list[TrailEvent]
    chain: VerifyResult
    chain_head: TrailEvent | None
    signatures: list[tuple[Signature, str, bool]]  # signature, what was signed, still matches


def product_version() -> str:
    try:
        return importlib.metadata.version("dealerqms")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def audit_date(audit: Audit) -> date:
    """The day the audit was conducted: its start, else (not started yet) the planned date."""
    return local(audit.started_at).date() if audit.started_at else audit.planned_date


def _criteria(audit: Audit) -> list[CriteriaRevision]:
    found = []
    recorded_all = audit.criteria_revisions or {}
    for code in audit.criteria:
        recorded = recorded_all.get(code)
        entry = CriteriaRevision(code=code, recorded=recorded)
        if recorded:
            entry.revision = db.session.execute(
                db.select(Revision)
                .join(Procedure)
                .where(Procedure.code == code, Revision.number == recorded["revision"])
            ).scalar_one_or_none()
            if entry.revision is not None:
                entry.body_matches = entry.revision.body_sha256 == recorded.get("body_sha256")
                entry.approvals = [
                    s for s in signatures_for(entry.revision) if s.meaning in ("approved", "periodic-review")
                ]
        found.append(entry)
    return found


def _kpis(audit: Audit, on: date, memo=None) -> list[KpiChart]:
    audit_period = f"{on.year:04d}-{on.month:02d}"
    first, last = metrics.add_months(audit_period, -KPI_MONTHS), metrics.add_months(audit_period, -1)
    found = []
    codes = set(audit.department_codes)
    for metric in metrics.definitions():
        if metric.area not in codes:
            continue
        thresholds = metrics.thresholds_for(metric, audit.site)
        points = metrics.series(metric, audit.site, period_from=first, period_to=last, thresholds=thresholds)
        if not points:
            continue
        periods, values = [p.period for p in points], [p.value for p in points]
        drawing = {
            "title": f"{metric.name} · {audit.site.code}",
            "periods": periods,
            "values": values,
            "target": thresholds.target,
            "warning": thresholds.warning,
            "direction": metric.direction,
            "unit": str(metric.unit),
            "statuses": [p.status for p in points],
        }

        def draw(drawing=drawing) -> str:
            return str(charts.trend_svg(**drawing))

        if memo is None:
            svg = draw()
        else:
            # Starting matplotlib costs more than the rest of a repeat pack: the same series draws the same chart.
            key = json.dumps(["kpi-chart/1", product_version(), drawing], sort_keys=True, default=str)
            svg = memo(hashlib.sha256(key.encode("utf-8")).hexdigest(), draw)
        found.append(KpiChart(metric=metric, svg=svg, periods=periods, values=values))
    return found


def _events(
    audit: Audit, ncs: list[Nonconformity], criteria: list[CriteriaRevision], evidence: list[Evidence]
) -> list[TrailEvent]:
    by_seq = {event.seq: event for event in audit_services.history(audit, limit=100_000)}
    for nc in ncs:
        by_seq.update((event.seq, event) for event in nc_services.timeline(nc))
    for record in [*evidence, *(entry.revision for entry in criteria if entry.revision is not None)]:
        by_seq.update((event.seq, event) for event in history_of(record, limit=100_000))
    return [by_seq[seq] for seq in sorted(by_seq)]


def _signatures(audit: Audit, ncs: list[Nonconformity], criteria: list[CriteriaRevision]):
    found = [(s, audit.reference, signature_matches(s, audit)) for s in signatures_for(audit)]
    for nc in ncs:
        for action in nc.actions:
            found += [(s, action.label, signature_matches(s, action)) for s in signatures_for(action)]
    for entry in criteria:
        if entry.revision is not None:
            label = f"{entry.code} rev. {entry.revision.number}"
            # An approval signs the revision's content; it matches while that content is unchanged.
            found += [(s, label, signature_matches(s, entry.revision)) for s in entry.approvals]
    return found


def gather(audit: Audit, memo=None) -> PackContent:
    """Everything the pack shows. ``memo(key, produce)`` may keep the KPI charts (see ``UnitCache.text``)."""
    on = audit_date(audit)
    ncs = audit_services.nonconformities_of(audit)
    criteria = _criteria(audit)
    evidence = list(
        db.session.execute(db.select(Evidence).where(Evidence.audit_id == audit.id).order_by(Evidence.id)).scalars()
    )
    events = _events(audit, ncs, criteria, evidence)
    # In the session's own snapshot, so that the verified chain and the head printed beside it agree.
    chain = verify(db.session.connection())
    head = db.session.execute(db.select(TrailEvent).order_by(TrailEvent.seq.desc()).limit(1)).scalar_one_or_none()
    return PackContent(
        audit=audit,
        audit_date=on,
        generated_at=utcnow(),
        product_version=product_version(),
        nonconformities=ncs,
        criteria=criteria,
        kpis=_kpis(audit, on, memo),
        plugin_sections=manager.pack_sections(audit),
        evidence=evidence,
        events=events,
        chain=chain,
        chain_head=head,
        signatures=_signatures(audit, ncs, criteria),
    )


def owner_label(evidence: Evidence) -> str:
    """What an evidence file is attached to, as printed in the index."""
    if evidence.audit_item_id is not None:
        return f"item {evidence.audit_item_id}"
    if evidence.nonconformity_id is not None:
        nc = db.session.get(Nonconformity, evidence.nonconformity_id)
        return nc.reference if nc else ""
    action = db.session.get(CorrectiveAction, evidence.action_id)
    return action.label if action else ""
