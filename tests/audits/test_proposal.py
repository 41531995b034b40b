"""The risk-based audit programme: audits a year from each department's history, with reasons,
accepted (with changes) as the site's programme."""

from datetime import timedelta

import pytest

from audits.models import ProgrammeEntry
from audits.services import audits, proposal
from core.accounts.services import site_by_code
from core.clock import last_complete_period, today
from core.database import commit, db
from core.metrics import services as metrics
from core.plugins import RiskFactor, hookimpl
from core.testing import TEST_PASSWORD
from tests.audits.conftest import record, started, user

pytestmark = pytest.mark.usefixtures("cast")
NEXT_YEAR = today().year + 1


class TrainingRisks:
    @hookimpl
    def audit_risk_factors(self, site, department):
        if department.code != "TRAINING":
            return []
        return [RiskFactor(points=5, reason="3 technicians without a valid EV certificate")]


def _history(app):
    """SALES: audited four months ago (one major, one minor finding, both open), a red KPI."""
    with app.app_context():
        audit = started(title="Sales audit")
        record(audit, 0, "major_nc", note="No licence check before test drives")
        record(audit, 1, "minor_nc", note="Handover checklist unsigned")
        for position in range(2, len(audit.items)):
            record(audit, position, "conforming")
        audits.report_audit(
            user("auditor"), audit, summary="S", conclusion="C", password=TEST_PASSWORD, row_version=audit.row_version
        )
        audit.planned_date = today() - timedelta(days=120)
        lead_conversion = metrics.definitions_by_key()["sales.lead_conversion"]
        metrics.record(None, lead_conversion, site_by_code("MAIN"), last_complete_period(), 4, entered_by=user("qo"))
        commit()
        return audit.reference


def test_each_departments_audits_a_year_follow_its_history_with_the_reasons(app, register_plugin, api_as):
    reference = _history(app)
    register_plugin(TrainingRisks(), "training_risks")
    lines = {
        line["department"]: line
        for line in api_as("qo").get(f"/api/v1/audit-programme/proposal?site=MAIN&year={NEXT_YEAR}").get_json()
    }
    sales = lines["SALES"]
    # 3 + 1 for the findings, 2 open + 1 major, 1 red KPI.
    assert (sales["points"], sales["audits_a_year"], sales["last_audit"]) == (8, 4, reference)
    assert sales["months"] == sorted(sales["months"]) and len(sales["months"]) == 4
    reasons = " | ".join(sales["reasons"])
    assert f"last audit {reference}" in reasons and "1 major and 1 minor findings (+4)" in reasons
    assert "2 open nonconformities (1 major) (+3)" in reasons and "red KPIs in" in reasons
    assert (lines["AFTERSALES"]["points"], lines["AFTERSALES"]["audits_a_year"]) == (3, 1)
    assert lines["AFTERSALES"]["reasons"] == ["never audited here (+3)"]
    # A plugin's factor counts, named with its plugin.
    assert lines["TRAINING"]["audits_a_year"] == 4
    assert "3 technicians without a valid EV certificate [training_risks] (+5)" in lines["TRAINING"]["reasons"]
    assert "QUALITY" in lines  # the quality system has its checklist: it is in the programme too


def test_accepting_with_changes_replaces_the_lines_no_audit_was_planned_from(app, api_as, client_as):
    _history(app)
    with app.app_context():
        old = ProgrammeEntry(year=NEXT_YEAR, month=6, site=site_by_code("MAIN"), department=user("head").department)
        db.session.add(old)
        commit()

    accepted = api_as("qo").post(
        "/api/v1/audit-programme/proposal",
        json={"site": "MAIN", "year": NEXT_YEAR, "audits_a_year": {"AFTERSALES": 2}},
    )
    assert accepted.status_code == 201
    entries = accepted.get_json()["entries"]
    with app.app_context():
        rows = db.session.execute(db.select(ProgrammeEntry).filter_by(year=NEXT_YEAR)).scalars().all()
        by_department = {}
        for row in rows:
            by_department.setdefault(row.department.code, []).append(row)
        # The line no audit was planned from is gone: every line now says why it is there.
        assert len(by_department["SALES"]) == 4 and all(row.note for row in rows)
        assert len(by_department["AFTERSALES"]) == 2
        assert "proposed 1 a year, set to 2 by Quinn Quality" in by_department["AFTERSALES"][0].note
        assert "never audited here" in by_department["AFTERSALES"][0].note
    assert len(entries) == len(rows)
    page = client_as("qo").get(f"/audits/programme?site=MAIN&year={NEXT_YEAR}").get_data(as_text=True)
    assert "never audited here" in page


def test_who_may_see_and_accept_a_proposal_and_bad_input(app, api_as, make_user):
    from core.accounts.services import create_site

    with app.app_context():
        create_site(None, "NORTH", "North")
        commit()
    make_user("north.qo", "quality_officer", department="QUALITY", site="NORTH")
    url = f"/api/v1/audit-programme/proposal?site=MAIN&year={NEXT_YEAR}"
    assert api_as("staff").get(url).status_code == 403
    assert api_as("auditor").get(url).status_code == 200
    body = {"site": "MAIN", "year": NEXT_YEAR}
    assert api_as("auditor").post("/api/v1/audit-programme/proposal", json=body).status_code == 403
    assert api_as("north.qo").post("/api/v1/audit-programme/proposal", json=body).status_code == 403
    bad = api_as("qo").post("/api/v1/audit-programme/proposal", json={**body, "audits_a_year": {"SALES": 9}})
    assert bad.status_code == 422
    unknown = api_as("qo").post("/api/v1/audit-programme/proposal", json={**body, "audits_a_year": {"NOPE": 1}})
    assert unknown.status_code == 422 and "NOPE" in str(unknown.get_json())
    past = api_as("qo").post("/api/v1/audit-programme/proposal", json={**body, "year": today().year - 1})
    assert past.status_code == 422


def test_the_months_spread_over_the_year_and_this_year_only_those_to_come():
    assert proposal.months_for(4, 0, NEXT_YEAR) == [1, 4, 7, 10]
    assert proposal.months_for(2, 1, NEXT_YEAR) == [2, 8]
    assert proposal.months_for(0, 0, NEXT_YEAR) == []
    this_year = proposal.months_for(4, 0, today().year)
    assert this_year and all(month >= today().month for month in this_year)
