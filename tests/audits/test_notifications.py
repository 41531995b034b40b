"""The audit area's notifications: an NC's owner and an action's owner are told at once; an
action coming due and running late reminds its owner, then the head, then the quality officers,
each once however often the scheduler ticks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import today, utcnow
from tests.audits.test_nonconformities import raised, to_actions_planned

pytestmark = pytest.mark.usefixtures("cast")


def _kinds(api):
    return [(n["kind"], n["subject"]) for n in api.get("/api/v1/notifications").get_json()]


def test_the_owner_of_a_new_nc_and_of_a_new_action_are_told(app, api_as):
    with app.app_context():
        nc = raised()
        reference = nc.reference
        label = to_actions_planned(nc, owner="staff").label
    assert _kinds(api_as("head")) == [("audits.nc_raised", f"{reference} raised: Showroom greeting too slow")]
    assert _kinds(api_as("staff")) == [("audits.action_assigned", f"{label} is yours: Lunch rota")]


def test_a_late_action_reminds_its_owner_then_the_head_then_the_quality_officers_once_each(app, api_as):
    from audits.notices import remind

    with app.app_context():
        action = to_actions_planned(raised(), owner="staff")
        label = action.label
        due = today() + timedelta(days=14)

        def tick(days_after_due):
            return remind(utcnow() + timedelta(days=14 + days_after_due))

        assert tick(-10) == []
        told = "action reminders and escalations: 1"
        assert tick(-2) == [told] and tick(-2) == []
        assert tick(1) == [told]
        assert tick(8) == [told]
        assert tick(15) != [] and tick(20) == []
    staff = [kind for kind, _subject in _kinds(api_as("staff"))]
    assert staff.count("audits.action_due") == 1 and staff.count("audits.action_overdue") == 1
    head = _kinds(api_as("head"))
    assert ("audits.action_escalated", f"{label}, owned by Sam Staff, is overdue since {due.isoformat()}") in head
    assert "audits.action_escalated" in [kind for kind, _s in _kinds(api_as("qo"))]


def test_the_team_hears_of_a_planned_audit_and_the_audited_head_of_its_report(app, api_as):
    from audits.services import audits
    from core.database import commit
    from core.testing import TEST_PASSWORD
    from tests.audits.conftest import record, started, user

    with app.app_context():
        audit = started()
        reference = audit.reference
        for position in range(len(audit.items)):
            record(audit, position, "conforming")
        audit = audits.audit_by_reference(reference)
        audits.report_audit(
            user("auditor"), audit, summary="s", conclusion="c", password=TEST_PASSWORD, row_version=audit.row_version
        )
        commit()
    for who in ("auditor", "qo"):
        assert (
            "audits.audit_planned",
            f"{reference} on {_planned_day(api_as, reference)}: Sales process audit",
        ) in _kinds(api_as(who))
    assert ("audits.report_signed", f"Report of {reference} issued: Sales process audit") in _kinds(api_as("head"))


def _planned_day(api_as, reference):
    return api_as("qo").get(f"/api/v1/audits/{reference}").get_json()["planned_date"]


@pytest.mark.parametrize("app_config", [{"DEALERQMS_PLUGIN_CONFIG": {"audits": {"escalate_to_head_after_days": 2}}}])
def test_a_late_nc_is_escalated_after_the_days_the_instance_configured(app, api_as):
    from audits.notices import remind

    with app.app_context():
        nc = raised(owner="qo2")
        reference, due = nc.reference, nc.due_date
        days_late = (due - today()).days
        assert remind(utcnow() + timedelta(days=days_late + 1)) == []
        assert remind(utcnow() + timedelta(days=days_late + 2)) == ["action reminders and escalations: 1"]
        assert remind(utcnow() + timedelta(days=days_late + 3)) == []
    subject = f"{reference}, owned by Quincy Second, is overdue since {due.isoformat()}"
    assert ("audits.nc_escalated", subject) in _kinds(api_as("head"))


@pytest.mark.parametrize("app_config", [{"DEALERQMS_PLUGIN_CONFIG": {"audits": {"escalate_to_head_after_days": 2}}}])
def test_a_late_nc_is_escalated_to_each_reader_in_their_language(app, api_as):
    from audits.notices import remind
    from core.database import commit
    from tests.audits.conftest import user

    with app.app_context():
        nc = raised(owner="qo2")
        # Titled after a checklist point, the NC keeps its title in every language.
        nc.translations = {"zh_CN": {"title": "展厅接待太慢"}}
        user("head").locale = "zh_CN"
        commit()
        reference, due = nc.reference, nc.due_date
        days_late = (due - today()).days
        assert remind(utcnow() + timedelta(days=days_late + 20)) != []
    chinese = [n for n in api_as("head").get("/api/v1/notifications").get_json() if n["kind"] == "audits.nc_escalated"]
    assert [(n["subject"], n["message"]) for n in chinese] == [
        (f"{reference}（负责人 Quincy Second）自 {due.isoformat()} 起逾期", "展厅接待太慢")
    ]
    english = [n for n in api_as("qo").get("/api/v1/notifications").get_json() if n["kind"] == "audits.nc_escalated"]
    assert [n["message"] for n in english] == ["Showroom greeting too slow"]
