"""Audits' part of ``dealerqms demo-data``: audits across the sites in every
state with their checklist snapshots and results, report signatures, and
nonconformities with corrective actions at every stage, through the core's
bulk loader."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import func, select

from audits.models import (
    ActionState,
    Audit,
    AuditAuditor,
    AuditChecklist,
    AuditDepartment,
    AuditItem,
    AuditState,
    CorrectiveAction,
    NcState,
    Nonconformity,
    Result,
)
from core.accounts.models import Department, Site, User
from core.checklists import catalog
from core.database import db
from core.errors import Conflict
from core.signatures import Signature
from core.signatures.service import content_hash

# Result of an answered item: mostly conforming, as in real audits.
RESULT_WEIGHTS = (
    (Result.CONFORMING, 76),
    (Result.OBSERVATION, 8),
    (Result.OFI, 5),
    (Result.NOT_APPLICABLE, 4),
    (Result.MINOR_NC, 5),
    (Result.MAJOR_NC, 2),
)
AUDIT_STATES = ((AuditState.CLOSED, 45), (AuditState.REPORTED, 30), (AuditState.IN_PROGRESS, 25))
# Open NCs (of audits not closed, and raised outside audits) spread over every stage.
OPEN_NC_STATES = (
    NcState.OPEN,
    NcState.CONTAINED,
    NcState.ROOT_CAUSE_IDENTIFIED,
    NcState.ACTIONS_PLANNED,
    NcState.VERIFYING,
    NcState.CLOSED,
)
WITH_ACTIONS = (NcState.ACTIONS_PLANNED, NcState.VERIFYING, NcState.CLOSED)
ACTIONS = (
    "Retrain the team on the procedure",
    "Add the check to the daily list",
    "Revise the form and brief the staff",
    "Replace the expired equipment",
)
PLANNED_SHARE = 10  # one planned audit (no snapshot yet) per ten counted ones
NOTES = (
    "Record not signed by the customer.",
    "Two of five files sampled lacked the checklist.",
    "Procedure followed; records complete.",
    "Staff unaware of the current revision.",
    "Calibration label expired.",
    "Customer follow-up call not documented.",
    "Training record missing for one technician.",
    "Price list displayed is out of date.",
)


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def generate(scale, loader) -> None:
    if (
        db.session.execute(select(func.count()).select_from(Audit)).scalar()
        or db.session.execute(select(func.count()).select_from(Nonconformity)).scalar()
    ):
        raise Conflict(
            "This instance already holds audits or nonconformities; demo data goes only into a new instance."
        )
    checklists = sorted(catalog.checklists().values(), key=lambda c: c.key)
    if not checklists:
        return
    rng = loader.random
    team = loader.users_with("auditor") + loader.users_with("quality_officer")
    heads = loader.heads()
    sites = {s.id: s for s in db.session.execute(select(Site)).scalars()}
    departments = {d.code: d for d in db.session.execute(select(Department)).scalars()}
    logins = {u.id: u for u in loader.users}
    audits, plans = _plan_audits(scale, loader, checklists, team)
    audit_ids = loader.insert(
        Audit,
        audits,
        created=lambda row: {
            "state": AuditState.PLANNED.value,
            "started_at": None,
            "reported_at": None,
            "closed_at": None,
            "summary": None,
            "conclusion": None,
            "criteria_revisions": {},
        },
    )
    loader.insert(
        AuditDepartment,
        [
            {"audit_id": i, "department_id": loader.departments[code]}
            for i, plan in zip(audit_ids, plans, strict=True)
            for code in plan["areas"]
        ],
    )
    loader.insert(
        AuditAuditor,
        [
            {"audit_id": i, "user_id": user.id}
            for i, plan in zip(audit_ids, plans, strict=True)
            for user in plan["team"]
        ],
    )
    snapshots, items, owners = [], [], []
    for audit_id, audit, plan in zip(audit_ids, audits, plans, strict=True):
        if audit["state"] == AuditState.PLANNED.value:
            continue
        remaining = scale.items_per_audit
        position = 0
        for index, checklist in enumerate(plan["checklists"]):
            snapshot = {
                "audit_id": audit_id,
                "position": index,
                "key": checklist.key,
                "title": str(checklist.title),
                "version": checklist.version,
                "plugin": catalog.origin(checklist.key),
                "area": checklist.area or "",
            }
            snapshots.append(snapshot)
            for question in checklist.questions[:remaining]:
                position += 1
                items.append(
                    {
                        "audit_id": audit_id,
                        "position": position,
                        "question_key": question.key,
                        "text": str(question.text),
                        "reference": str(question.reference or ""),
                        "guidance": str(question.guidance or ""),
                        "_snapshot": snapshot,
                    }
                )
                owners.append((audit, plan))
            remaining -= min(remaining, len(checklist.questions))
    for snapshot, new_id in zip(snapshots, loader.insert(AuditChecklist, snapshots), strict=True):
        snapshot["id"] = new_id
    for item in items:
        item["checklist_id"] = item.pop("_snapshot")["id"]
    nc_budget = scale.nonconformities
    for item, (audit, plan) in zip(items, owners, strict=True):
        answered = audit["state"] != AuditState.IN_PROGRESS.value or rng.random() < 0.6
        if not answered:
            continue
        result = _weighted(rng, RESULT_WEIGHTS)
        if result in (Result.MINOR_NC, Result.MAJOR_NC):
            if nc_budget == 0:
                result = Result.OBSERVATION
            else:
                nc_budget -= 1
        item.update(
            result=result.value,
            note=rng.choice(NOTES),
            answered_by_id=plan["lead"].id,
            answered_at=audit["started_at"] + timedelta(hours=rng.randint(1, 48)),
        )
    item_ids = loader.insert(
        AuditItem,
        items,
        created=lambda row: {"result": None, "note": None, "answered_by_id": None, "answered_at": None},
    )
    for item_id, item in zip(item_ids, items, strict=True):
        item["id"] = item_id
        if item.get("result"):
            loader.event(
                AuditItem,
                item_id,
                {
                    "result": (None, item["result"]),
                    "note": (None, item["note"]),
                    "answered_by_id": (None, item["answered_by_id"]),
                    "answered_at": (None, item["answered_at"]),
                },
            )
    _audit_history(loader, audit_ids, audits, plans, items, sites, departments, logins)
    _nonconformities(scale, loader, audit_ids, audits, plans, items, owners, heads)


def _plan_audits(scale, loader, checklists, team):
    rng = loader.random
    counted = scale.audits
    planned = max(1, counted // PLANNED_SHARE)
    sequences: dict[int, int] = {}
    audits, plans = [], []
    for number in range(counted + planned):
        state = AuditState.PLANNED if number >= counted else _weighted(rng, AUDIT_STATES)
        site = loader.sites[number % len(loader.sites)]
        if state == AuditState.PLANNED:
            day = loader.now + timedelta(days=rng.randint(7, 90))
        else:
            day = loader.now - timedelta(
                days=rng.randint(20 if state == AuditState.IN_PROGRESS else 60, 30 * scale.months)
            )
        chosen, total = [], 0
        for checklist in rng.sample(checklists, len(checklists)):
            if total >= scale.items_per_audit:
                break
            chosen.append(checklist)
            total += len(checklist.questions)
        areas = sorted({c.area for c in chosen if c.area in loader.departments}) or ["QUALITY"]
        lead = team[rng.randrange(len(team))]
        members = [lead] + [u for u in rng.sample(team, min(2, len(team))) if u.id != lead.id][:1]
        year = day.year
        sequences[year] = sequences.get(year, 0) + 1
        started = day if state != AuditState.PLANNED else None
        row = {
            "reference": f"IA-{year}-{sequences[year]:03d}",
            "year": year,
            "sequence": sequences[year],
            "title": f"{' / '.join(a.title() for a in areas)} audit at {site.name}",
            "site_id": site.id,
            "scope": "Processes, records and customer-facing practice of the audited departments.",
            "criteria": ["ISO 9001:2015"],
            "criteria_revisions": {},
            "checklist_keys": [c.key for c in chosen],
            "lead_auditor_id": lead.id,
            "planned_date": day.date(),
            "state": state.value,
            "created_by_id": lead.id,
            "created_at": day - timedelta(days=30),
            "started_at": started,
        }
        if state in (AuditState.REPORTED, AuditState.CLOSED):
            row.update(
                reported_at=day + timedelta(days=rng.randint(2, 10)),
                summary="The audited processes are largely in place; findings are listed item by item.",
                conclusion="Effective, with the nonconformities raised to be corrected.",
            )
        if state == AuditState.CLOSED:
            row["closed_at"] = row["reported_at"] + timedelta(days=rng.randint(30, 50))
        audits.append(row)
        plans.append({"areas": areas, "team": members, "lead": lead, "checklists": chosen})
    return audits, plans


def _audit_history(loader, audit_ids, audits, plans, items, sites, departments, logins) -> None:
    """Transitions of each audit and the lead auditor's report signature over the audit's content."""
    items_of: dict[int, list[dict]] = {}
    for item in items:
        items_of.setdefault(item["audit_id"], []).append(item)
    signatures = []
    for audit_id, audit, plan in zip(audit_ids, audits, plans, strict=True):
        state = AuditState.PLANNED.value
        for new_state, stamp in (
            (AuditState.IN_PROGRESS, "started_at"),
            (AuditState.REPORTED, "reported_at"),
            (AuditState.CLOSED, "closed_at"),
        ):
            if not audit.get(stamp):
                break
            changes = {"state": (state, new_state.value), stamp: (None, audit[stamp])}
            if new_state == AuditState.REPORTED:
                changes.update(summary=(None, audit["summary"]), conclusion=(None, audit["conclusion"]))
            loader.event(Audit, audit_id, changes)
            state = new_state.value
        if audit.get("reported_at"):
            signed = content_hash(_detached(audit, plan, items_of.get(audit_id, []), sites, departments))
            lead = plan["lead"]
            signatures.append(
                {
                    "entity_type": "audit",
                    "entity_id": str(audit_id),
                    "signer_id": lead.id,
                    "signer_name": lead.display_name,
                    "signer_login": lead.login,
                    "meaning": "report-issued",
                    "signed_at": audit["reported_at"],
                    "content_sha256": signed,
                }
            )
    loader.insert(Signature, signatures)


def _detached(audit: dict, plan: dict, items: list[dict], sites, departments) -> Audit:
    """The audit as the model sees it, never added to the session, so its own
    ``signable_content`` says what the report signature vouches for."""
    snapshots: dict[int, AuditChecklist] = {}
    detached = Audit(
        **{
            k: v
            for k, v in audit.items()
            if k
            in (
                "reference",
                "title",
                "scope",
                "criteria",
                "criteria_revisions",
                "planned_date",
                "summary",
                "conclusion",
            )
        },
        site=Site(code=sites[audit["site_id"]].code),
        lead_auditor=User(login=plan["lead"].login),
        department_rows=[AuditDepartment(department=Department(code=code)) for code in plan["areas"]],
        auditor_rows=[AuditAuditor(user=User(login=u.login)) for u in plan["team"]],
    )
    rows = []
    for item in items:
        snapshot = snapshots.setdefault(item["checklist_id"], AuditChecklist(key=_key_of(item, plan)))
        rows.append(
            AuditItem(
                checklist=snapshot,
                question_key=item["question_key"],
                text=item["text"],
                result=item.get("result"),
                note=item.get("note"),
            )
        )
    detached.items = rows
    return detached


def _key_of(item: dict, plan: dict) -> str:
    for checklist in plan["checklists"]:
        if any(q.key == item["question_key"] for q in checklist.questions):
            return checklist.key
    return plan["checklists"][0].key


def _nonconformities(scale, loader, audit_ids, audits, plans, items, owners, heads) -> None:
    rng = loader.random
    ncs, sequences = [], {}
    # Round the stages so that even the small scale shows each of them.
    stages = itertools.cycle(OPEN_NC_STATES)
    for item, (audit, plan) in zip(items, owners, strict=True):
        if item.get("result") not in (Result.MINOR_NC.value, Result.MAJOR_NC.value):
            continue
        audit_id = item["audit_id"]
        department = next((a for a in plan["areas"] if a == _area_of(item, plan)), plan["areas"][0])
        state = NcState.CLOSED if audit["state"] == AuditState.CLOSED.value else next(stages)
        ncs.append(
            _nc(
                loader,
                sequences,
                state,
                title=f"{item['text']}"[:300],
                description=item["note"],
                severity="major" if item["result"] == Result.MAJOR_NC.value else "minor",
                source="audit",
                source_ref=f"{audit['reference']}#item-{item['id']}",
                audit_id=audit_id,
                audit_item_id=item["id"],
                site_id=audit["site_id"],
                department=department,
                raised_at=item["answered_at"],
                raised_by=plan["lead"],
                heads=heads,
            )
        )
    while len(ncs) < scale.nonconformities:
        department = rng.choice(sorted(heads))
        site = loader.sites[rng.randrange(len(loader.sites))]
        raised = loader.now - timedelta(days=rng.randint(5, 30 * scale.months))
        ncs.append(
            _nc(
                loader,
                sequences,
                next(stages),
                title=rng.choice(NOTES).rstrip("."),
                description="Raised from a customer complaint.",
                severity=rng.choice(("minor", "minor", "major")),
                source=rng.choice(("manual", "complaint")),
                source_ref=None,
                audit_id=None,
                audit_item_id=None,
                site_id=site.id,
                department=department,
                raised_at=raised,
                raised_by=loader.heads(site.id).get(department) or heads[department],
                heads=heads,
            )
        )
    nc_ids = loader.insert(
        Nonconformity,
        ncs,
        created=lambda row: {
            "state": NcState.OPEN.value,
            "containment": None,
            "root_cause": None,
            "contained_at": None,
            "root_cause_at": None,
            "closed_at": None,
        },
    )
    with_actions = [
        (i, nc) for i, nc in zip(nc_ids, ncs, strict=True) if nc["state"] in {s.value for s in WITH_ACTIONS}
    ]
    actions, counters = [], {}
    for number in range(scale.actions if with_actions else 0):
        nc_id, nc = with_actions[number % len(with_actions)]
        counters[nc_id] = counters.get(nc_id, 0) + 1
        planned = nc["root_cause_at"] + timedelta(days=1)
        state = {NcState.CLOSED.value: ActionState.VERIFIED_EFFECTIVE, NcState.VERIFYING.value: ActionState.DONE}.get(
            nc["state"], rng.choice((ActionState.OPEN, ActionState.DONE))
        )
        action = {
            "nonconformity_id": nc_id,
            "number": counters[nc_id],
            "owner_id": nc["owner_id"],
            "description": rng.choice(ACTIONS),
            "due_date": (planned + timedelta(days=30)).date(),
            "state": state.value,
            "created_at": planned,
        }
        if state != ActionState.OPEN:
            action.update(
                completion_note="Done as planned.",
                completed_at=planned + timedelta(days=10),
                completed_by_id=nc["owner_id"],
            )
        if state == ActionState.VERIFIED_EFFECTIVE:
            action.update(
                verification_note="Sampled records since: effective.",
                verified_at=planned + timedelta(days=20),
                verified_by_id=nc["raised_by_id"],
            )
        actions.append(action)
    action_ids = loader.insert(
        CorrectiveAction,
        actions,
        created=lambda row: {
            "state": ActionState.OPEN.value,
            "completion_note": None,
            "completed_at": None,
            "completed_by_id": None,
            "verification_note": None,
            "verified_at": None,
            "verified_by_id": None,
        },
    )
    for action_id, action in zip(action_ids, actions, strict=True):
        if action.get("completed_at"):
            loader.event(
                CorrectiveAction,
                action_id,
                {
                    "state": (ActionState.OPEN.value, ActionState.DONE.value),
                    "completed_at": (None, action["completed_at"]),
                },
            )
        if action.get("verified_at"):
            loader.event(
                CorrectiveAction,
                action_id,
                {
                    "state": (ActionState.DONE.value, ActionState.VERIFIED_EFFECTIVE.value),
                    "verified_at": (None, action["verified_at"]),
                },
            )
    for nc_id, nc in zip(nc_ids, ncs, strict=True):
        _nc_history(loader, nc_id, nc)


def _area_of(item: dict, plan: dict) -> str:
    key = _key_of(item, plan)
    return next((c.area for c in plan["checklists"] if c.key == key), "")


def _nc(
    loader,
    sequences,
    state,
    *,
    title,
    description,
    severity,
    source,
    source_ref,
    audit_id,
    audit_item_id,
    site_id,
    department,
    raised_at,
    raised_by,
    heads,
) -> dict:
    rng = loader.random
    year = raised_at.year
    sequences[year] = sequences.get(year, 0) + 1
    owner = loader.heads(site_id).get(department) or heads.get(department) or raised_by
    row = {
        "reference": f"NC-{year}-{sequences[year]:04d}",
        "year": year,
        "sequence": sequences[year],
        "title": title,
        "description": description or "",
        "source": source,
        "source_ref": source_ref,
        "audit_id": audit_id,
        "audit_item_id": audit_item_id,
        "severity": severity,
        "site_id": site_id,
        "department_id": loader.departments[department],
        "owner_id": owner.id,
        "due_date": (raised_at + timedelta(days=30 if severity == "major" else 60)).date(),
        "state": state.value,
        "raised_by_id": raised_by.id,
        "raised_at": raised_at,
    }
    order = [s.value for s in OPEN_NC_STATES]
    reached = order.index(state.value)
    if reached >= 1:
        row.update(
            containment="Affected vehicles and records checked; customers informed.",
            contained_at=raised_at + timedelta(days=rng.randint(1, 5)),
        )
    if reached >= 2:
        row.update(
            root_cause={
                "method": "5why",
                "chain": [
                    {"why": "Why was the step missed?", "because": "The checklist did not include it."},
                    {
                        "why": "Why did the checklist not include it?",
                        "because": "It was not updated after the last procedure revision.",
                    },
                ],
            },
            root_cause_at=row["contained_at"] + timedelta(days=rng.randint(1, 10)),
        )
    if reached >= 5:
        row["closed_at"] = row["root_cause_at"] + timedelta(days=rng.randint(25, 60))
    return row


def _nc_history(loader, nc_id: int, nc: dict) -> None:
    steps = (
        (NcState.CONTAINED, {"containment": nc.get("containment"), "contained_at": nc.get("contained_at")}),
        (NcState.ROOT_CAUSE_IDENTIFIED, {"root_cause": nc.get("root_cause"), "root_cause_at": nc.get("root_cause_at")}),
        (NcState.ACTIONS_PLANNED, {}),
        (NcState.VERIFYING, {}),
        (NcState.CLOSED, {"closed_at": nc.get("closed_at")}),
    )
    order = [s.value for s in OPEN_NC_STATES]
    state = NcState.OPEN.value
    for new_state, values in steps[: order.index(nc["state"])]:
        loader.event(
            Nonconformity,
            nc_id,
            {"state": (state, new_state.value), **{key: (None, value) for key, value in values.items()}},
        )
        state = new_state.value
