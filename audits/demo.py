"""Demo audits, nonconformities and corrective actions for ``dealerqms init --demo``.

Everything goes through the services as the demo users (``core.demo``), so
the trail names who did what and the signatures are real ones made with the
demo password. Each scenario is recognised by its title at the demo site and
skipped when it exists, so a second ``init --demo`` adds nothing.

Audits need checklists, which the area plugins contribute; with none
installed only the nonconformities raised outside audits are added.
"""

from __future__ import annotations

from datetime import timedelta

from audits.models import Audit, Nonconformity
from audits.services import actions as action_services
from audits.services import audits as audit_services
from audits.services import nonconformities as nc_services
from audits.services.common import today
from core.accounts.services import site_by_code, user_by_login
from core.database import commit, db
from core.errors import NotFound
from core.plugins.manager import registry
from core.trail import acting_as
from core.trail import reason as trail_reason

QUALITY, SALES_HEAD, SERVICE_HEAD, AUDITOR, STAFF = "quality", "saleshead", "servicehead", "auditor", "staff"


def populate() -> int:
    """Add the demo scenarios missing at the demo site; returns how many were added."""
    from core.demo import DEMO_SITE

    try:
        site = site_by_code(DEMO_SITE[0])
    except NotFound:
        return 0
    with_checklists = bool(registry().checklists)
    added = 0
    for title, scenario, needs_checklists in SCENARIOS:
        if (needs_checklists and not with_checklists) or _exists(site, title):
            continue
        scenario(site.code, title)
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
    from core.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def _checklists_for(department: str) -> list[str]:
    """The checklists meant for the department, else the first installed one."""
    known = registry().checklists
    chosen = [key for key in sorted(known) if known[key].area == department]
    return chosen[:2] or sorted(known)[:1]


def _plan(site: str, title: str, department: str, days_from_today: int, scope: str) -> Audit:
    return _as(QUALITY, audit_services.plan_audit, title=title, site=site, departments=[department],
               scope=scope, lead_auditor=AUDITOR, auditors=[QUALITY],
               planned_date=today() + timedelta(days=days_from_today), checklists=_checklists_for(department))


def _record_all(audit: Audit, findings: dict[int, tuple[str, str]], answered: int | None = None) -> None:
    """Results for the first ``answered`` items (all by default): ``findings`` by position, else conforming."""
    for index, item in enumerate(audit.items[:answered]):
        result, note = findings.get(index, ("conforming", None))
        _as(AUDITOR, audit_services.record_result, audit, item, result=result, note=note)


def _nc_of(audit: Audit, position: int) -> Nonconformity:
    return nc_services.nc_for_item(audit.items[position])


def _close_with_verified_action(nc: Nonconformity, *, containment: str, root_cause: dict, action: str,
                                owner: str, completion: str, verification: str) -> None:
    manager = nc.owner.login if nc.owner else QUALITY
    _as(manager, nc_services.transition, nc, to="contained", containment=containment)
    _as(manager, nc_services.transition, nc, to="root_cause_identified", root_cause=root_cause)
    planned = _as(manager, action_services.add_action, nc, description=action, owner=owner,
                  due_date=today() + timedelta(days=14))
    _as(manager, nc_services.transition, nc, to="actions_planned")
    _as(owner, action_services.complete_action, planned, note=completion)
    _as(manager, nc_services.transition, nc, to="verifying")
    _as(QUALITY, action_services.verify_action, planned, effective=True, note=verification, password=_password())
    _as(QUALITY, nc_services.transition, nc, to="closed", comment="Action verified effective.")


# Audits -----------------------------------------------------------------------------------

def _closed_audit(site: str, title: str) -> None:
    """Closed: one minor finding, contained, analysed with a 5-why, its action
    verified effective, the report signed, the audit closed."""
    audit = _plan(site, title, "SALES", -90, "Showroom, test drives and vehicle handover")
    _as(AUDITOR, audit_services.start_audit, audit)
    _record_all(audit, {0: ("minor_nc", "Two of five visitors waited more than five minutes without a greeting."),
                        1: ("observation", "The test-drive log is kept on paper and on the CRM.")})
    _as(AUDITOR, audit_services.report_audit, audit,
        summary="The sales process is followed; one minor nonconformity at reception.",
        conclusion="Effective, with one correction to make.", password=_password())
    nc = _nc_of(audit, 0)
    if nc is not None:
        _close_with_verified_action(
            nc, containment="A second consultant now covers reception during the Saturday peak.",
            root_cause={"method": "5why", "chain": [
                {"why": "Why were visitors not greeted?", "because": "Nobody was at the reception desk."},
                {"why": "Why was nobody at the desk?", "because": "The receptionist was covering test drives."},
                {"why": "Why was the receptionist covering test drives?",
                 "because": "The weekend rota has no test-drive cover."}]},
            action="Add test-drive cover to the weekend rota.", owner=STAFF,
            completion="Rota changed from this month; the team was briefed.",
            verification="Four weekends observed: every visitor was greeted within two minutes.")
    _as(AUDITOR, audit_services.close_audit, audit)


def _reported_audit(site: str, title: str) -> None:
    """Reported: a major finding under analysis (fishbone), its action still
    open; the report is signed, the audit waits for its NC to close."""
    audit = _plan(site, title, "AFTERSALES", -30, "Service reception, workshop and vehicle return")
    _as(AUDITOR, audit_services.start_audit, audit)
    _record_all(audit, {0: ("major_nc", "Three of ten job cards had no customer authorisation for extra work."),
                        1: ("ofi", "Photos of damage at vehicle reception would settle later disputes.")})
    _as(AUDITOR, audit_services.report_audit, audit,
        summary="Customer authorisation for additional work is not reliably recorded.",
        conclusion="Not effective until the major nonconformity is corrected.", password=_password())
    nc = _nc_of(audit, 0)
    if nc is None:
        return
    _as(SERVICE_HEAD, nc_services.transition, nc, to="contained",
        containment="Every open job card was checked; customers were called to confirm the extra work.")
    _as(SERVICE_HEAD, nc_services.transition, nc, to="root_cause_identified", root_cause={
        "method": "fishbone", "causes": {
            "man": ["New advisers not trained on the authorisation step"],
            "method": ["The procedure does not say when to ask again"],
            "machine": ["The DMS lets a job card close without an authorisation"]}})
    _as(SERVICE_HEAD, action_services.add_action, nc, owner=SERVICE_HEAD, due_date=today() + timedelta(days=21),
        description="Make authorisation a required step in the DMS and train all advisers.")
    _as(SERVICE_HEAD, nc_services.transition, nc, to="actions_planned")


def _audit_in_progress(site: str, title: str) -> None:
    """In progress: half of the items answered, a minor NC just raised."""
    audit = _plan(site, title, "SALES", -2, "Customer follow-up after delivery")
    _as(AUDITOR, audit_services.start_audit, audit)
    answered = max(1, len(audit.items) // 2)
    _record_all(audit, {0: ("minor_nc", "Follow-up calls for last week's deliveries were not logged.")},
                answered=answered)


def _planned_audit(site: str, title: str) -> None:
    """Planned for next month."""
    _plan(site, title, "AFTERSALES", 30, "Warranty claims and parts handling")


# Nonconformities outside audits ---------------------------------------------------------------

def _overdue_complaint(site: str, title: str) -> None:
    """Contained, overdue: its due date has passed without a root cause."""
    nc = _as(QUALITY, nc_services.raise_nonconformity, title=title, severity="minor", site=site,
             department="SALES", owner=SALES_HEAD, source="complaint", source_ref="complaint:DEMO-0007",
             description="The customer was not told how the trade-in value of their car was worked out.")
    _as(SALES_HEAD, nc_services.transition, nc, to="contained",
        containment="The valuation was explained to the customer by phone; they accepted it.")
    with trail_reason("Demo data: the due date is set in the past to show an overdue nonconformity."):
        _as(QUALITY, nc_services.update_nonconformity, nc, row_version=nc.row_version,
            due_date=today() - timedelta(days=5))


def _eight_d_in_planning(site: str, title: str) -> None:
    """Root cause by 8D, a corrective action planned and open."""
    nc = _as(QUALITY, nc_services.raise_nonconformity, title=title, severity="major", site=site,
             department="AFTERSALES", owner=SERVICE_HEAD, source="manual",
             description="A customer's car came back twice for the same air-conditioning fault.")
    _as(SERVICE_HEAD, nc_services.transition, nc, to="contained",
        containment="The car was repaired by the master technician and road-tested with the customer.")
    _as(SERVICE_HEAD, nc_services.transition, nc, to="root_cause_identified", root_cause={
        "method": "8d", "d0": "Repeat repair reported by the customer.", "d1": "Service head, master technician.",
        "d2": "Air-conditioning leak not found at the first two visits.",
        "d3": "Repaired by the master technician; customer informed.",
        "d4": "The leak test was skipped because the UV dye kit was missing.",
        "d5": "Keep two UV dye kits and add the leak test to the job card."})
    _as(SERVICE_HEAD, action_services.add_action, nc, owner=SERVICE_HEAD, due_date=today() + timedelta(days=30),
        description="Buy a second UV dye kit and add the leak test to the air-conditioning job card.")
    _as(SERVICE_HEAD, nc_services.transition, nc, to="actions_planned")


def _waiting_for_verification(site: str, title: str) -> None:
    """Verifying: the action is done and waits for its effectiveness check."""
    nc = _as(SALES_HEAD, nc_services.raise_nonconformity, title=title, severity="minor", site=site,
             department="SALES", source="manual",
             description="Two test drives in March have no copy of the driving licence on file.")
    _as(SALES_HEAD, nc_services.transition, nc, to="contained",
        containment="Both customers were asked for a copy; the files are complete.")
    _as(SALES_HEAD, nc_services.transition, nc, to="root_cause_identified", root_cause={
        "method": "5why", "chain": [
            {"why": "Why is the copy missing?", "because": "The consultant forgot to scan it."},
            {"why": "Why could the test drive start without it?",
             "because": "The key is handed out without a check."}]})
    action = _as(SALES_HEAD, action_services.add_action, nc, owner=STAFF, due_date=today() + timedelta(days=10),
                 description="Hand out test-drive keys only against a scanned licence.")
    _as(SALES_HEAD, nc_services.transition, nc, to="actions_planned")
    _as(STAFF, action_services.complete_action, action, note="Key cabinet now opens only from the CRM after the scan.")
    _as(SALES_HEAD, nc_services.transition, nc, to="verifying")


# Title (what a second run looks for), scenario, whether it needs a checklist.
SCENARIOS = [
    ("Sales process audit (spring)", _closed_audit, True),
    ("After-sales process audit", _reported_audit, True),
    ("Sales follow-up audit", _audit_in_progress, True),
    ("After-sales audit (autumn)", _planned_audit, True),
    ("Customer complaint: trade-in valuation not explained", _overdue_complaint, False),
    ("Repeat repair on the same vehicle within 30 days", _eight_d_in_planning, False),
    ("Test-drive licence check not recorded", _waiting_for_verification, False),
]
