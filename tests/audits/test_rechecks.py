"""The closed loop: a closed NC's audit point is checked again where it was found, in the next
audit of the department or the next recurring check of the same checklist; a failed re-check
reopens the NC and closing it again takes a new action."""

from datetime import timedelta

import pytest

from audits.inspections import services as inspections
from audits.inspections.models import Inspection
from audits.models import Nonconformity, Recheck
from audits.services import actions, audits
from audits.services import nonconformities as ncs
from core.clock import today, utcnow
from core.database import commit, db
from core.errors import ValidationFailed
from core.notifications.models import Notification
from core.testing import TEST_PASSWORD
from core.trail.models import TrailEvent
from tests.audits.conftest import record, started, user
from tests.audits.test_nonconformities import to_actions_planned

pytestmark = pytest.mark.usefixtures("cast", "ctx")


def _verify_and_close(nc, action):
    actions.complete_action(user("staff"), action, note="Done", row_version=action.row_version)
    ncs.transition(user("head"), nc, to="verifying", row_version=nc.row_version)
    actions.verify_action(
        user("qo"),
        action,
        effective=True,
        note="Held for 2 weeks",
        password=TEST_PASSWORD,
        row_version=action.row_version,
    )
    ncs.transition(user("head"), nc, to="closed", row_version=nc.row_version)
    commit()


def _report(audit):
    audits.report_audit(
        user("auditor"),
        audit,
        summary="Follow-up",
        conclusion="See findings",
        password=TEST_PASSWORD,
        row_version=audit.row_version,
    )
    commit()


def _closed_finding():
    """An audit finds the greeting too slow (point 0); its NC is fixed, verified and closed."""
    first = started(title="Sales audit")
    record(first, 0, "minor_nc", note="Visitors waited ten minutes")
    nc = db.session.execute(db.select(Nonconformity).filter_by(audit_id=first.id)).scalar_one()
    _verify_and_close(nc, to_actions_planned(nc))
    return nc


def test_closing_an_audit_nc_puts_its_point_into_the_next_audit_of_the_department(client_as):
    nc = _closed_finding()
    [recheck] = nc.rechecks
    assert (recheck.state, recheck.site.code, recheck.department.code) == ("due", "MAIN", "SALES")
    page = client_as("head").get(f"/nonconformities/{nc.reference}").get_data(as_text=True)
    assert "Re-check where it was found" in page and recheck.text in page

    # Another department's audit at the site does not carry it; the next SALES audit does.
    second = started(title="Sales follow-up")
    carried = [item for item in second.items if item.checklist.key == "audits.recheck"]
    assert [item.text for item in carried] == [f"Re-check of {nc.reference}: {recheck.text}"]
    assert carried[0].checklist.title == "Re-check of closed findings"

    # Found again: the point raises no second NC; the signed report reopens the first one.
    for position, item in enumerate(second.items):
        record(second, position, "conforming" if item not in carried else "minor_nc", note="Waited again")
    assert db.session.execute(db.select(Nonconformity).filter_by(audit_id=second.id)).scalars().all() == []
    _report(second)
    db.session.refresh(nc)
    assert (recheck.state, recheck.checked_in, nc.state, nc.closed_at) == (
        "failed",
        second.reference,
        "actions_planned",
        None,
    )
    reason = db.session.execute(
        db.select(TrailEvent.reason)
        .where(TrailEvent.entity_type == "nonconformity", TrailEvent.entity_id == str(nc.id))
        .order_by(TrailEvent.seq.desc())
        .limit(1)
    ).scalar_one()
    assert reason.startswith(f"Re-check in {second.reference} found the finding again")
    notice = db.session.execute(db.select(Notification).filter_by(kind="audits.nc_reopened")).scalar_one()
    assert notice.user.login == nc.owner.login

    # The verified actions did not work: moving on takes a new one.
    with pytest.raises(ValidationFailed, match="plan a new corrective action first"):
        ncs.transition(user("head"), nc, to="verifying", row_version=nc.row_version)
    db.session.rollback()
    again = actions.add_action(
        user("head"), nc, description="Greeter at the door", owner="staff", due_date=today() + timedelta(days=7)
    )
    commit()
    _verify_and_close(nc, again)
    assert nc.state == "closed" and [r.state for r in nc.rechecks] == ["failed", "due"]


def test_a_recurring_check_of_the_same_checklist_passes_the_recheck():
    nc = _closed_finding()
    schedule = inspections.create_schedule(
        user("qo"), site="MAIN", checklist="fieldcheck.showroom", frequency="daily", starts_on=today()
    )
    commit()
    inspections.create_due(utcnow())
    commit()
    [inspection] = schedule_inspections = (
        db.session.execute(db.select(Inspection).filter_by(schedule_id=schedule.id)).scalars().all()
    )
    assert len(schedule_inspections) == 1
    points = {item.question_key: item for item in inspection.items}
    [recheck] = nc.rechecks
    assert points[f"recheck-{recheck.id}"].text.startswith(f"Re-check of {nc.reference}")
    answers = {item.id: ("ok", None) for item in inspection.items}
    inspections.record(user("staff"), inspection, answers, row_version=inspection.row_version)
    commit()
    db.session.refresh(recheck)
    assert (recheck.state, recheck.checked_in, recheck.checked_by.login) == (
        "passed",
        inspection.reference,
        "staff",
    )
    assert db.session.get(Nonconformity, nc.id).state == "closed"
    # Decided: the next audit of the department does not carry it any more.
    assert not [item for item in started(title="Later").items if item.checklist.key == "audits.recheck"]
    assert db.session.execute(db.select(db.func.count()).select_from(Recheck)).scalar_one() == 1


def test_the_api_shows_the_rechecks_of_an_nc(api_as):
    nc = _closed_finding()
    body = api_as("head").get(f"/api/v1/nonconformities/{nc.reference}").get_json()
    assert [(r["state"], r["checked_in"]) for r in body["rechecks"]] == [("due", None)]
