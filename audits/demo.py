"""Demo audits, nonconformities and corrective actions for ``dealerqms init --demo``.

At each demo dealership (``core.demo``), everything goes through the
services as that site's demo users, so the trail names who did what and the
signatures are real ones made with the demo password. Audits use the area
plugins' checklists, carry findings with evidence files (a photo and a
scanned record, generated here), and their nonconformities stand at every
stage from raised to closed. Each scenario is recognised by its title at its
site and skipped when it exists, so a second ``init --demo`` adds nothing.

Audits need checklists, which the area plugins contribute; with none
installed only the nonconformities raised outside audits are added.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from datetime import timedelta

from audits.models import Audit, Nonconformity, ProgrammeEntry
from audits.services import actions as action_services
from audits.services import audits as audit_services
from audits.services import evidence as evidence_services
from audits.services import nonconformities as nc_services
from audits.services import programme as programme_services
from core.accounts.services import department_by_code, site_by_code, user_by_login
from core.clock import today
from core.database import commit, db
from core.demo import DEMO_PASSWORD, DEMO_SITES
from core.errors import NotFound
from core.plugin_engine.manager import registry
from core.trail import acting_as
from core.trail import reason as trail_reason


@dataclass(frozen=True)
class People:
    """The logins of one demo site's people who take part in its audits and NCs."""

    quality: str
    auditor: str  # from training
    auditor2: str  # from risk
    sales_head: str
    service_head: str
    marketing_head: str
    training_head: str
    staff: str  # a sales consultant
    service_staff: str

    @classmethod
    def at(cls, prefix: str) -> People:
        suffixes = {
            "quality": "quality",
            "auditor": "auditor",
            "auditor2": "auditor2",
            "sales_head": "sales.head",
            "service_head": "service.head",
            "marketing_head": "marketing.head",
            "training_head": "training.head",
            "staff": "sales",
            "service_staff": "service",
        }
        return cls(**{role: f"{prefix}.{suffix}" for role, suffix in suffixes.items()})


def populate() -> int:
    """Add the demo scenarios missing at the demo sites; returns how many were added."""
    with_checklists = bool(registry().checklists)
    added = 0
    for code, _name, prefix in DEMO_SITES:
        try:
            site = site_by_code(code)
        except NotFound:
            continue
        for title, scenario, needs_checklists in SCENARIOS[prefix]:
            if (needs_checklists and not with_checklists) or _exists(site, title):
                continue
            scenario(site.code, title, People.at(prefix))
            added += 1
    return added


def _exists(site, title: str) -> bool:
    for model in (Audit, Nonconformity):
        if db.session.execute(db.select(model.id).filter_by(site_id=site.id, title=title)).first():
            return True
    return False


def _as(login: str, action, *args, **kwargs):
    """One business action by a demo user, committed (so after-commit events fire)."""
    with acting_as(login):
        result = action(user_by_login(login), *args, **kwargs)
        commit()
    return result


def _password() -> str:
    return DEMO_PASSWORD


def _png(rgb: tuple[int, int, int], width: int = 64, height: int = 48) -> bytes:
    """A small solid-colour PNG: a stand-in for a photo taken during the audit."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _pdf(text: str) -> bytes:
    """A one-page PDF with one line of text: a stand-in for a scanned record."""
    stream = f"BT /F1 14 Tf 56 780 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>"
        ),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _photo(login: str, item, name: str, rgb=(200, 120, 60)) -> None:
    _as(login, evidence_services.attach_to_item, item, io.BytesIO(_png(rgb)), name, "image/png")


def _scan(login: str, attach, record, name: str, text: str) -> None:
    _as(login, attach, record, io.BytesIO(_pdf(text)), name, "application/pdf")


def _checklists_for(department: str) -> list[str]:
    """The checklists meant for the department, else the first installed one."""
    known = registry().checklists
    chosen = [key for key in sorted(known) if known[key].area == department]
    return chosen[:2] or sorted(known)[:1]


def _programme_entry(site: str, department: str, year: int) -> ProgrammeEntry | None:
    """The starter programme's line the audit carries out, so the programme shows it as covered."""
    return (
        db.session.execute(
            db.select(ProgrammeEntry)
            .filter_by(year=year, department_id=department_by_code(department).id, site_id=site_by_code(site).id)
            .order_by(ProgrammeEntry.month)
        )
        .scalars()
        .first()
    )


def _plan(
    site: str,
    title: str,
    department: str,
    days_from_today: int,
    scope: str,
    *,
    planner: str,
    lead: str,
    team: list[str],
) -> Audit:
    planned = today() + timedelta(days=days_from_today)
    # In early January an audit of 90 days ago belongs to last year's programme: put it in place too.
    programme_services.load_starter_programme(planned.year)
    return _as(
        planner,
        audit_services.plan_audit,
        title=title,
        site=site,
        departments=[department],
        scope=scope,
        lead_auditor=lead,
        auditors=team,
        planned_date=planned,
        checklists=_checklists_for(department),
        programme_entry=_programme_entry(site, department, planned.year),
    )


def _record_all(audit: Audit, findings: dict[int, tuple[str, str]], auditor: str, answered: int | None = None) -> None:
    """Results for the first ``answered`` items (all by default): ``findings`` by position, else conforming."""
    for index, item in enumerate(audit.items[:answered]):
        result, note = findings.get(index, ("conforming", None))
        _as(auditor, audit_services.record_result, audit, item, result=result, note=note, row_version=item.row_version)


def _nc_of(audit: Audit, position: int, people: People, owner: str) -> Nonconformity | None:
    """The NC a finding raised, owned by the head of the department at the audited site.

    A finding's NC goes to the department's official head, who works at the
    group's first site; at the other site its own head takes it over.
    """
    nc = nc_services.nc_for_item(audit.items[position])
    if nc is not None and (nc.owner is None or nc.owner.login != owner):
        _as(people.quality, nc_services.update_nonconformity, nc, row_version=nc.row_version, owner=owner)
    return nc


def _close_with_verified_action(
    nc: Nonconformity,
    people: People,
    *,
    containment: str,
    root_cause: dict,
    action: str,
    owner: str,
    completion: str,
    verification: str,
) -> None:
    manager = nc.owner.login if nc.owner else people.quality
    _as(manager, nc_services.transition, nc, to="contained", containment=containment, row_version=nc.row_version)
    _as(
        manager,
        nc_services.transition,
        nc,
        to="root_cause_identified",
        root_cause=root_cause,
        row_version=nc.row_version,
    )
    planned = _as(
        manager, action_services.add_action, nc, description=action, owner=owner, due_date=today() + timedelta(days=14)
    )
    _as(manager, nc_services.transition, nc, to="actions_planned", row_version=nc.row_version)
    _as(owner, action_services.complete_action, planned, note=completion, row_version=planned.row_version)
    _scan(
        owner,
        evidence_services.attach_to_action,
        planned,
        "completion-record.pdf",
        "Corrective action completed - record of the change",
    )
    _as(manager, nc_services.transition, nc, to="verifying", row_version=nc.row_version)
    _as(
        people.quality,
        action_services.verify_action,
        planned,
        effective=True,
        note=verification,
        password=_password(),
        row_version=planned.row_version,
    )
    _as(
        people.quality,
        nc_services.transition,
        nc,
        to="closed",
        comment="Action verified effective.",
        row_version=nc.row_version,
    )


# Audits -----------------------------------------------------------------------------------
# Beijing audits its sales and after-sales processes, Shanghai its complaint
# handling, marketing, training and risk: between them every area plugin's
# checklists are in use. Auditors never audit their own department.


def _closed_audit(site: str, title: str, people: People) -> None:
    """Closed: one minor finding with a photo, contained, analysed with a
    5-why, its action verified effective, the report signed, the audit closed."""
    audit = _plan(
        site,
        title,
        "SALES",
        -90,
        "Showroom, test drives and vehicle handover",
        planner=people.quality,
        lead=people.auditor,
        team=[people.quality],
    )
    _as(people.auditor, audit_services.start_audit, audit, row_version=audit.row_version)
    _record_all(
        audit,
        {
            0: ("minor_nc", "Two of five visitors waited more than five minutes without a greeting."),
            1: ("observation", "The test-drive log is kept on paper and on the CRM."),
        },
        people.auditor,
    )
    _photo(people.auditor, audit.items[0], "reception-desk-unattended.png")
    _as(
        people.auditor,
        audit_services.report_audit,
        audit,
        summary="The sales process is followed; one minor nonconformity at reception.",
        conclusion="Effective, with one correction to make.",
        password=_password(),
        row_version=audit.row_version,
    )
    nc = _nc_of(audit, 0, people, people.sales_head)
    if nc is not None:
        _close_with_verified_action(
            nc,
            people,
            containment="A second consultant now covers reception during the Saturday peak.",
            root_cause={
                "method": "5why",
                "chain": [
                    {"why": "Why were visitors not greeted?", "because": "Nobody was at the reception desk."},
                    {"why": "Why was nobody at the desk?", "because": "The receptionist was covering test drives."},
                    {
                        "why": "Why was the receptionist covering test drives?",
                        "because": "The weekend rota has no test-drive cover.",
                    },
                ],
            },
            action="Add test-drive cover to the weekend rota.",
            owner=people.staff,
            completion="Rota changed from this month; the team was briefed.",
            verification="Four weekends observed: every visitor was greeted within two minutes.",
        )
    _as(people.auditor, audit_services.close_audit, audit, row_version=audit.row_version)


def _closed_complaints_audit(site: str, title: str, people: People) -> None:
    """Closed: complaint handling, a minor finding closed with an 8D-free 5-why."""
    audit = _plan(
        site,
        title,
        "AFTERSALES",
        -120,
        "Complaint register, acknowledgement and closure",
        planner=people.quality,
        lead=people.auditor,
        team=[people.quality],
    )
    _as(people.auditor, audit_services.start_audit, audit, row_version=audit.row_version)
    _record_all(
        audit,
        {
            1: ("minor_nc", "Four of twelve complaints were acknowledged after more than two days."),
            3: ("ofi", "A short SMS on receipt would reassure customers."),
        },
        people.auditor,
    )
    _photo(people.auditor, audit.items[1], "complaint-register-page.png", (90, 140, 200))
    _as(
        people.auditor,
        audit_services.report_audit,
        audit,
        summary="Complaints are recorded and closed; acknowledgement is sometimes late.",
        conclusion="Effective, with one correction to make.",
        password=_password(),
        row_version=audit.row_version,
    )
    nc = _nc_of(audit, 1, people, people.service_head)
    if nc is not None:
        _close_with_verified_action(
            nc,
            people,
            containment="Every open complaint was acknowledged the same day the finding was made.",
            root_cause={
                "method": "5why",
                "chain": [
                    {"why": "Why were complaints acknowledged late?", "because": "The hotline inbox is read weekly."},
                    {"why": "Why weekly?", "because": "Nobody was named to read it when the coordinator left."},
                ],
            },
            action="Name a deputy for the hotline inbox and read it daily.",
            owner=people.service_staff,
            completion="Deputy named; daily check added to the reception checklist.",
            verification="Eight weeks sampled: every complaint acknowledged within one working day.",
        )
    _as(people.auditor, audit_services.close_audit, audit, row_version=audit.row_version)


def _reported_audit(site: str, title: str, people: People, department: str = "AFTERSALES") -> None:
    """Reported: a major finding under analysis (fishbone), its action still
    open; the report is signed, the audit waits for its NC to close."""
    head = people.service_head if department == "AFTERSALES" else people.marketing_head
    audit = _plan(
        site,
        title,
        department,
        -30,
        "Service reception, workshop and vehicle return"
        if department == "AFTERSALES"
        else "Campaign planning, legal review and evaluation",
        planner=people.quality,
        lead=people.auditor,
        team=[people.quality],
    )
    _as(people.auditor, audit_services.start_audit, audit, row_version=audit.row_version)
    finding = (
        "Three of ten job cards had no customer authorisation for extra work."
        if department == "AFTERSALES"
        else "Two of six campaign plans went out without the legal review the procedure requires."
    )
    _record_all(
        audit,
        {
            0: ("major_nc", finding),
            1: (
                "ofi",
                "Photos at vehicle reception would settle later disputes."
                if department == "AFTERSALES"
                else "Evaluate campaigns by channel, not only in total.",
            ),
        },
        people.auditor,
    )
    _photo(people.auditor, audit.items[0], "sampled-records.png", (160, 60, 60))
    _as(
        people.auditor,
        audit_services.report_audit,
        audit,
        summary="The key control is not reliably applied."
        if department != "AFTERSALES"
        else "Customer authorisation for additional work is not reliably recorded.",
        conclusion="Not effective until the major nonconformity is corrected.",
        password=_password(),
        row_version=audit.row_version,
    )
    nc = _nc_of(audit, 0, people, head)
    if nc is None:
        return
    _as(
        head,
        nc_services.transition,
        nc,
        to="contained",
        containment="Every open record was checked and corrected; the people concerned were informed.",
        row_version=nc.row_version,
    )
    _scan(
        head,
        evidence_services.attach_to_nonconformity,
        nc,
        "containment-check.pdf",
        "Containment: list of records checked and corrected",
    )
    _as(
        head,
        nc_services.transition,
        nc,
        to="root_cause_identified",
        root_cause={
            "method": "fishbone",
            "causes": {
                "man": ["New staff not trained on the step"],
                "method": ["The procedure does not say when to ask again"],
                "machine": ["The system lets a record close without the step"],
            },
        },
        row_version=nc.row_version,
    )
    _as(
        head,
        action_services.add_action,
        nc,
        owner=head,
        due_date=today() + timedelta(days=21),
        description="Make the step required in the system and train everyone who does it.",
    )
    _as(head, nc_services.transition, nc, to="actions_planned", row_version=nc.row_version)


def _audit_in_progress(site: str, title: str, people: People, department: str = "SALES") -> None:
    """In progress: half of the items answered, a minor NC just raised."""
    # The auditor from risk audits training; the one from training audits the others.
    lead = people.auditor2 if department == "TRAINING" else people.auditor
    audit = _plan(
        site,
        title,
        department,
        -2,
        "Follow-up of customers and records",
        planner=people.quality,
        lead=lead,
        team=[people.quality],
    )
    _as(lead, audit_services.start_audit, audit, row_version=audit.row_version)
    answered = max(1, len(audit.items) // 2)
    _record_all(audit, {0: ("minor_nc", "Records of last week were not complete.")}, lead, answered=answered)
    _photo(lead, audit.items[0], "records-sampled.png", (120, 160, 90))


def _planned_audit(site: str, title: str, people: People, department: str = "AFTERSALES") -> None:
    """Planned for next month."""
    lead = people.auditor2 if department == "TRAINING" else people.auditor
    if department == "RISK":
        lead = people.auditor
    _plan(
        site,
        title,
        department,
        30,
        "Records and controls of the area",
        planner=people.quality,
        lead=lead,
        team=[people.quality],
    )


# Nonconformities outside audits ---------------------------------------------------------------


def _overdue_complaint(site: str, title: str, people: People) -> None:
    """Contained, overdue: its due date has passed without a root cause."""
    nc = _as(
        people.quality,
        nc_services.raise_nonconformity,
        title=title,
        severity="minor",
        site=site,
        department="SALES",
        owner=people.sales_head,
        source="complaint",
        source_ref=f"complaint:{site}-0007",
        description="The customer was not told how the trade-in value of their car was worked out.",
    )
    _as(
        people.sales_head,
        nc_services.transition,
        nc,
        to="contained",
        containment="The valuation was explained to the customer by phone; they accepted it.",
        row_version=nc.row_version,
    )
    with trail_reason("Demo data: the due date is set in the past to show an overdue nonconformity."):
        _as(
            people.quality,
            nc_services.update_nonconformity,
            nc,
            row_version=nc.row_version,
            due_date=today() - timedelta(days=5),
        )


def _eight_d_in_planning(site: str, title: str, people: People) -> None:
    """Root cause by 8D, a corrective action planned and open."""
    nc = _as(
        people.quality,
        nc_services.raise_nonconformity,
        title=title,
        severity="major",
        site=site,
        department="AFTERSALES",
        owner=people.service_head,
        source="manual",
        description="A customer's car came back twice for the same air-conditioning fault.",
    )
    _as(
        people.service_head,
        nc_services.transition,
        nc,
        to="contained",
        containment="The car was repaired by the master technician and road-tested with the customer.",
        row_version=nc.row_version,
    )
    _as(
        people.service_head,
        nc_services.transition,
        nc,
        to="root_cause_identified",
        root_cause={
            "method": "8d",
            "d0": "Repeat repair reported by the customer.",
            "d1": "Service head, master technician.",
            "d2": "Air-conditioning leak not found at the first two visits.",
            "d3": "Repaired by the master technician; customer informed.",
            "d4": "The leak test was skipped because the UV dye kit was missing.",
            "d5": "Keep two UV dye kits and add the leak test to the job card.",
        },
        row_version=nc.row_version,
    )
    _as(
        people.service_head,
        action_services.add_action,
        nc,
        owner=people.service_head,
        due_date=today() + timedelta(days=30),
        description="Buy a second UV dye kit and add the leak test to the air-conditioning job card.",
    )
    _as(people.service_head, nc_services.transition, nc, to="actions_planned", row_version=nc.row_version)


def _root_cause_found(site: str, title: str, people: People) -> None:
    """Root cause identified (5-why), no action planned yet, and overdue."""
    nc = _as(
        people.quality,
        nc_services.raise_nonconformity,
        title=title,
        severity="minor",
        site=site,
        department="TRAINING",
        owner=people.training_head,
        source="metric",
        source_ref="metric:training.mandatory_completion",
        description="Mandatory training completion fell to two thirds last month.",
    )
    _as(
        people.training_head,
        nc_services.transition,
        nc,
        to="contained",
        containment="Everyone who missed a mandatory course was booked on the next session.",
        row_version=nc.row_version,
    )
    _as(
        people.training_head,
        nc_services.transition,
        nc,
        to="root_cause_identified",
        root_cause={
            "method": "5why",
            "chain": [
                {"why": "Why were mandatory courses missed?", "because": "Sessions clashed with the sales festival."},
                {
                    "why": "Why did they clash?",
                    "because": "The training plan is not checked against the campaign calendar.",
                },
            ],
        },
        row_version=nc.row_version,
    )
    with trail_reason("Demo data: the due date is set in the past to show an overdue nonconformity."):
        _as(
            people.quality,
            nc_services.update_nonconformity,
            nc,
            row_version=nc.row_version,
            due_date=today() - timedelta(days=3),
        )


def _waiting_for_verification(site: str, title: str, people: People) -> None:
    """Verifying: the action is done and waits for its effectiveness check."""
    nc = _as(
        people.sales_head,
        nc_services.raise_nonconformity,
        title=title,
        severity="minor",
        site=site,
        department="SALES",
        owner=people.sales_head,
        source="manual",
        description="Two test drives in March have no copy of the driving licence on file.",
    )
    _as(
        people.sales_head,
        nc_services.transition,
        nc,
        to="contained",
        containment="Both customers were asked for a copy; the files are complete.",
        row_version=nc.row_version,
    )
    _as(
        people.sales_head,
        nc_services.transition,
        nc,
        to="root_cause_identified",
        root_cause={
            "method": "5why",
            "chain": [
                {"why": "Why is the copy missing?", "because": "The consultant forgot to scan it."},
                {
                    "why": "Why could the test drive start without it?",
                    "because": "The key is handed out without a check.",
                },
            ],
        },
        row_version=nc.row_version,
    )
    action = _as(
        people.sales_head,
        action_services.add_action,
        nc,
        owner=people.staff,
        due_date=today() + timedelta(days=10),
        description="Hand out test-drive keys only against a scanned licence.",
    )
    _as(people.sales_head, nc_services.transition, nc, to="actions_planned", row_version=nc.row_version)
    _as(
        people.staff,
        action_services.complete_action,
        action,
        note="Key cabinet now opens only from the CRM after the scan.",
        row_version=action.row_version,
    )
    _as(people.sales_head, nc_services.transition, nc, to="verifying", row_version=nc.row_version)


def _variant(scenario, **fixed):
    def run(site: str, title: str, people: People) -> None:
        scenario(site, title, people, **fixed)

    run.__doc__ = scenario.__doc__
    return run


# Per site: title (what a second run looks for), scenario, whether it needs a checklist.
SCENARIOS = {
    "bj": [
        ("Sales process audit (spring)", _closed_audit, True),
        ("After-sales process audit", _reported_audit, True),
        ("Sales follow-up audit", _audit_in_progress, True),
        ("After-sales audit (autumn)", _planned_audit, True),
        ("Customer complaint: trade-in valuation not explained", _overdue_complaint, False),
        ("Repeat repair on the same vehicle within 30 days", _eight_d_in_planning, False),
        ("Test-drive licence check not recorded", _waiting_for_verification, False),
    ],
    "sh": [
        ("Complaint handling audit", _closed_complaints_audit, True),
        ("Marketing and promotions audit", _variant(_reported_audit, department="MARKETING"), True),
        ("Training and competence audit", _variant(_audit_in_progress, department="TRAINING"), True),
        ("Risk and compliance audit", _variant(_planned_audit, department="RISK"), True),
        ("Mandatory training completion below target", _root_cause_found, False),
        ("Test-drive licence check not recorded", _waiting_for_verification, False),
    ],
}
