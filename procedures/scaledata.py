"""Document control's part of ``dealerqms demo-data``: procedures with their
revision history, the approvals that made each revision effective (real
signature rows over the revision's content) and some read-and-understood
acknowledgements, through the core's bulk loader."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.database import db
from core.errors import Conflict
from core.signatures import Signature
from core.signatures.service import content_hash
from procedures.markdown import body_sha256
from procedures.models import Kind, Procedure, Revision, RevisionState, procedure_reader, readers_of

PREFIXES = {
    "SALES": "SA",
    "AFTERSALES": "AS",
    "TRAINING": "TR",
    "MARKETING": "MK",
    "RISK": "RK",
    "COMMS": "CM",
    "QUALITY": "QM",
}
SUBJECTS = (
    "Customer reception",
    "Test drive",
    "Vehicle delivery",
    "Complaint handling",
    "Service booking",
    "Repair order control",
    "Warranty claims",
    "Parts receiving",
    "Training needs analysis",
    "Induction training",
    "Campaign approval",
    "Event planning",
    "Risk assessment",
    "Data protection",
    "Handover to service",
    "Internal meetings",
    "Document control",
    "Customer follow-up call",
    "Pre-delivery inspection",
    "Loan car management",
    "Tyre storage",
    "Body shop estimate",
    "Used-car appraisal",
    "Finance and insurance disclosure",
    "Workshop safety",
)
STEPS = (
    "Record the request in the system the same day",
    "Check the customer's identity and vehicle data",
    "Agree the time and the responsible person with the customer",
    "Explain the cost before the work starts",
    "Carry out the work to the manufacturer's standard",
    "Check the result against the order",
    "Hand over with an explanation of what was done",
    "File the signed record",
    "Call the customer within three days",
    "Report deviations to the department head",
)
# A tenth of the procedures have a newer revision under way beside the effective one.
IN_PROGRESS_SHARE = 0.1
ACKNOWLEDGEMENTS_PER_REVISION = 3
OVERDUE_SHARE = 0.05


def _body(rng, subject: str, department: str, number: int) -> str:
    steps = "\n".join(f"{i}. {step}." for i, step in enumerate(rng.sample(STEPS, 6), 1))
    return (
        f"## Purpose\n\nHow {department.lower()} handles {subject.lower()} so that every customer gets the "
        f"same result (revision {number}).\n\n## Scope\n\nAll sites of the dealer group.\n\n"
        f"## Responsibilities\n\n- The department head owns this procedure.\n- Staff follow it and record "
        f"what they did.\n\n## Steps\n\n{steps}\n\n## Records\n\n- The signed record, kept three years.\n\n"
        f"## References\n\n- ISO 9001:2015 {rng.choice(('7.5', '8.2', '8.5.1', '9.1.2', '10.2'))}\n"
    )


def generate(scale, loader) -> None:
    if db.session.execute(
        select(func.count()).select_from(Revision).where(Revision.approved_by_system.is_(False))
    ).scalar():
        raise Conflict(
            "This instance already holds procedure revisions made by people; demo data goes only into a new instance."
        )
    rng = loader.random
    heads = loader.heads()
    officers = loader.users_with("quality_officer")
    taken = set(db.session.execute(select(Procedure.code)).scalars())
    departments = [code for code in loader.departments if code in PREFIXES]
    numbers: dict[str, int] = {}
    procedures, plans = [], []
    while len(procedures) < scale.procedures:
        department = departments[len(procedures) % len(departments)]
        numbers[department] = numbers.get(department, 0) + 1
        code = f"{PREFIXES[department]}-PR-{numbers[department]:04d}"
        if code in taken:
            continue
        subject = SUBJECTS[rng.randrange(len(SUBJECTS))]
        interval = rng.choice((12, 12, 24, 36))
        # When revision 1 was made; every later one 2–6 months after the one before.
        first = loader.now - timedelta(days=rng.randint(200 * scale.revisions_per_procedure, 1500))
        procedures.append(
            {
                "code": code,
                "title": f"{subject} ({code})",
                "department_id": loader.departments[department],
                "kind": rng.choice((Kind.PROCEDURE.value,) * 4 + (Kind.WORK_INSTRUCTION.value,)),
                "review_interval_months": interval,
                "distribution": {"departments": [department], "roles": []},
                "created_at": first,
            }
        )
        plans.append((department, first))
    ids = loader.next_ids(Procedure, len(procedures))
    by_department: dict[str, list] = {}
    for user in loader.users:
        by_department.setdefault(user.department, []).append(user)
    revisions, signatures, histories = [], [], []
    for procedure_id, procedure, (department, first) in zip(ids, procedures, plans, strict=True):
        count = scale.revisions_per_procedure
        under_way = count > 1 and rng.random() < IN_PROGRESS_SHARE
        effective_number = count - 1 if under_way else count
        moment = first
        head = heads.get(department) or officers[0]
        for number in range(1, count + 1):
            body = _body(rng, procedure["title"], department, number)
            author = loader.users[rng.randrange(len(loader.users))]
            row = {
                "procedure_id": procedure_id,
                "number": number,
                "title": procedure["title"],
                "body": body,
                "body_sha256": body_sha256(body),
                "author_id": author.id,
                "created_at": moment,
                "change_summary": None if number == 1 else f"Revision {number}: steps clarified after review.",
            }
            if number <= effective_number:
                submitted = moment + timedelta(days=rng.randint(1, 10))
                approved = submitted + timedelta(days=rng.randint(1, 10))
                row.update(
                    submitted_at=submitted, approved_at=approved, effective_at=approved, effective_date=approved.date()
                )
                row["state"] = (
                    RevisionState.EFFECTIVE.value if number == effective_number else RevisionState.SUPERSEDED.value
                )
                if number < effective_number:
                    row["superseded_at"] = moment + timedelta(days=rng.randint(60, 180))
                if number == effective_number:
                    # A few reviews overdue, the rest ahead: the dashboard's overdue list stays short.
                    days = -rng.randint(1, 60) if rng.random() < OVERDUE_SHARE else rng.randint(30, 365)
                    procedure["next_review_due"] = (loader.now + timedelta(days=days)).date()
            else:
                row["state"] = rng.choice((RevisionState.DRAFT.value, RevisionState.IN_REVIEW.value))
                if row["state"] == RevisionState.IN_REVIEW.value:
                    row["submitted_at"] = moment + timedelta(days=rng.randint(1, 10))
            revisions.append(row)
            histories.append((procedure, row, head, author))
            moment = row.get("superseded_at") or moment + timedelta(days=rng.randint(60, 180))
    for procedure_id, procedure in zip(ids, procedures, strict=True):
        procedure["id"] = procedure_id
    loader.insert(Procedure, procedures, created=lambda row: {"next_review_due": None})
    # Inserted without the ORM, so without its hook: who must read each, as the hook keeps it.
    readers = [
        {"kind": kind, "name": name, "procedure_id": procedure["id"]}
        for procedure in procedures
        for kind, name in sorted(readers_of(procedure["distribution"]))
    ]
    if readers:
        loader.connection.execute(procedure_reader.insert(), readers)
    revision_ids = loader.insert(Revision, revisions, created=_as_draft)
    for revision_id, (procedure, row, head, _author) in zip(revision_ids, histories, strict=True):
        _history(loader, revision_id, row)
        if row.get("approved_at") is None:
            continue
        # The content a signature vouches for, computed by the model itself on a detached copy.
        signed = content_hash(
            Revision(
                number=row["number"], title=row["title"], body=row["body"], procedure=Procedure(code=procedure["code"])
            )
        )
        approvers = [head, officers[rng.randrange(len(officers))]]
        for offset, signer in enumerate(approvers):
            signatures.append(
                _signature(
                    revision_id,
                    signer,
                    "approved",
                    signed,
                    row["approved_at"] - timedelta(hours=len(approvers) - offset),
                )
            )
        if row["state"] == RevisionState.EFFECTIVE.value:
            readers = by_department.get(procedure["distribution"]["departments"][0], [])
            for reader in rng.sample(readers, min(len(readers), ACKNOWLEDGEMENTS_PER_REVISION)):
                signatures.append(
                    _signature(
                        revision_id,
                        reader,
                        "acknowledged",
                        signed,
                        row["approved_at"] + timedelta(days=rng.randint(1, 20)),
                    )
                )
    loader.insert(Signature, signatures)
    for procedure in procedures:
        if procedure.get("next_review_due") is not None:
            loader.event(Procedure, procedure["id"], {"next_review_due": (None, procedure["next_review_due"])})


def _signature(revision_id: int, signer, meaning: str, signed: str, moment) -> dict:
    return {
        "entity_type": "procedure_revision",
        "entity_id": str(revision_id),
        "signer_id": signer.id,
        "signer_name": signer.display_name,
        "signer_login": signer.login,
        "meaning": meaning,
        "signed_at": moment,
        "content_sha256": signed,
    }


_LATER = ("state", "submitted_at", "approved_at", "effective_at", "superseded_at", "effective_date")


def _as_draft(row: dict) -> dict:
    return {key: None for key in _LATER} | {"state": RevisionState.DRAFT.value}


def _history(loader, revision_id: int, row: dict) -> None:
    """The transitions the revision went through, as the services record them."""
    steps = [(RevisionState.IN_REVIEW, {"submitted_at": row.get("submitted_at")})]
    if row.get("approved_at"):
        steps += [
            (RevisionState.APPROVED, {"approved_at": row["approved_at"], "effective_date": row["effective_date"]}),
            (RevisionState.EFFECTIVE, {"effective_at": row["effective_at"]}),
        ]
        if row.get("superseded_at"):
            steps.append((RevisionState.SUPERSEDED, {"superseded_at": row["superseded_at"]}))
    elif row["state"] == RevisionState.DRAFT.value:
        return
    state = RevisionState.DRAFT.value
    for new_state, values in steps:
        loader.event(
            Revision,
            revision_id,
            {"state": (state, new_state.value), **{key: (None, value) for key, value in values.items()}},
        )
        state = new_state.value
