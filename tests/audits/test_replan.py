"""Re-planning a planned audit (API and page), and the audit page's history from the trail."""

import re
from datetime import timedelta

import pytest

from core.clock import today
from tests.audits.conftest import planned, record, started

pytestmark = pytest.mark.usefixtures("cast")


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.json


def _token(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _plan(app):
    with app.app_context():
        audit = planned()
        return audit.reference, audit.row_version


def _get(api, reference):
    return api.get(f"/api/v1/audits/{reference}").json


def test_the_lead_auditor_re_plans_date_team_and_checklists(app, api_as):
    reference, version = _plan(app)
    auditor = api_as("auditor")
    new_date = (today() + timedelta(days=20)).isoformat()
    changed = auditor.patch(
        f"/api/v1/audits/{reference}",
        json={
            "planned_date": new_date,
            "auditors": ["qo2"],
            "checklists": ["fieldcheck.showroom", "fieldcheck.workshop"],
            "scope": "Showroom and workshop",
            "row_version": version,
        },
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    body = changed.json
    assert body["planned_date"] == new_date and body["auditors"] == ["qo2"]
    assert body["checklists"] == ["fieldcheck.showroom", "fieldcheck.workshop"]
    assert body["scope"] == "Showroom and workshop"
    assert body["title"] == "Sales process audit" and body["lead_auditor"] == "auditor"  # not sent, kept
    assert body["row_version"] > version

    started_ = auditor.post(f"/api/v1/audits/{reference}/start", json={"row_version": body["row_version"]})
    items = auditor.get(f"/api/v1/audits/{reference}/items").json
    assert started_.json["state"] == "in_progress" and len(items) == 4  # both checklists were copied


def test_stale_versions_and_started_audits_are_conflicts(app, api_as):
    reference, version = _plan(app)
    qo = api_as("qo")
    assert qo.patch(f"/api/v1/audits/{reference}", json={"title": "First", "row_version": version}).status_code == 200
    stale = _problem(qo.patch(f"/api/v1/audits/{reference}", json={"title": "Second", "row_version": version}), 409)
    assert "changed by someone else" in stale["detail"]
    assert _get(qo, reference)["title"] == "First"
    _problem(qo.patch(f"/api/v1/audits/{reference}", json={"title": "No version"}), 422)

    started_ = api_as("auditor").post(f"/api/v1/audits/{reference}/start", json={"row_version": version + 1})
    assert started_.status_code == 200, started_.get_data(as_text=True)
    current = started_.json["row_version"]
    refused = _problem(qo.patch(f"/api/v1/audits/{reference}", json={"title": "Late", "row_version": current}), 409)
    assert "is in progress" in refused["detail"] and "planned" in refused["detail"]


def test_re_planning_keeps_the_planning_rules_and_writes_nothing_on_a_refusal(app, api_as):
    reference, version = _plan(app)
    qo = api_as("qo")
    own = _problem(
        qo.patch(
            f"/api/v1/audits/{reference}",
            json={"title": "Changed", "lead_auditor": "salesauditor", "row_version": version},
        ),
        422,
    )
    assert own["errors"][0]["field"] == "lead_auditor" and "own department" in own["errors"][0]["message"]
    team = _problem(
        qo.patch(f"/api/v1/audits/{reference}", json={"auditors": ["salesauditor"], "row_version": version}), 422
    )
    assert team["errors"][0]["field"] == "auditors"
    unknown = _problem(
        qo.patch(f"/api/v1/audits/{reference}", json={"checklists": ["fieldcheck.nothing"], "row_version": version}),
        422,
    )
    assert "fieldcheck.nothing" in unknown["errors"][0]["message"]
    after = _get(qo, reference)
    assert after["title"] == "Sales process audit" and after["lead_auditor"] == "auditor"
    assert after["auditors"] == ["qo"] and after["row_version"] == version


def test_only_the_lead_auditor_or_a_quality_officer_re_plans(app, api_as):
    reference, version = _plan(app)
    # Staff read no audit: it is not there for them.
    _problem(api_as("staff").patch(f"/api/v1/audits/{reference}", json={"title": "X", "row_version": version}), 404)
    _problem(api_as("qo2").patch("/api/v1/audits/IA-1999-001", json={"title": "X", "row_version": 1}), 404)
    assert (
        api_as("qo2")
        .patch(f"/api/v1/audits/{reference}", json={"title": "By another QO", "row_version": version})
        .status_code
        == 200
    )


def test_the_re_plan_page_changes_the_plan_and_keeps_what_was_typed_on_a_refusal(app, client_as):
    reference, _version = _plan(app)
    client = client_as("auditor")
    view = client.get(f"/audits/{reference}").get_data(as_text=True)
    assert f"/audits/{reference}/edit" in view
    form = client.get(f"/audits/{reference}/edit").get_data(as_text=True)
    assert 'value="Sales process audit"' in form
    version = re.search(r'name="row_version" value="(\d+)"', form).group(1)
    data = {
        "csrf_token": _token(form),
        "row_version": version,
        "title": "Showroom, second visit",
        "planned_date": (today() + timedelta(days=9)).isoformat(),
        "lead_auditor": "auditor",
        "auditors": "qo",
        "checklists": "fieldcheck.showroom",
        "scope": "Showroom",
        "criteria": "",
    }

    refused = client.post(f"/audits/{reference}/edit", data={**data, "lead_auditor": "salesauditor"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "own department" in body and 'value="Showroom, second visit"' in body

    saved = client.post(f"/audits/{reference}/edit", data=data)
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/audits/{reference}")
    page = client.get(f"/audits/{reference}").get_data(as_text=True)
    assert "Showroom, second visit" in page

    stale = client.post(f"/audits/{reference}/edit", data={**data, "title": "Typed while stale"})
    assert stale.status_code == 409 and 'value="Typed while stale"' in stale.get_data(as_text=True)


def test_others_cannot_open_the_re_plan_page_and_a_started_audit_is_not_re_planned(app, client_as):
    with app.app_context():
        reference = started().reference
    # Staff see no audit: for them it is not there.
    assert client_as("staff").get(f"/audits/{reference}/edit").status_code == 404
    qo = client_as("qo")
    assert qo.get(f"/audits/{reference}/edit").status_code == 302
    assert f"/audits/{reference}/edit" not in qo.get(f"/audits/{reference}").get_data(as_text=True)


def test_the_audit_page_shows_its_history_with_the_results(app, client_as):
    with app.app_context():
        audit = started()
        record(audit, 0, "major_nc", "Nobody greeted us")
        reference = audit.reference
    page = client_as("qo").get(f"/audits/{reference}").get_data(as_text=True)
    history = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[page.index('id="history-heading"') :]))
    # Sentences in the words of the pages, not the table's columns and codes.
    assert f"created audit {reference}" in history and "Sales process audit" in history
    assert f"moved audit {reference} from planned to in progress" in history  # started
    assert f"changed point 1 of audit {reference}" in history
    assert "Result: — → to Major NC" in history and "Nobody greeted us" in history
    assert f"added Quinn Quality (audit {reference}) to the audit team" in history  # the team as planned
    assert "major_nc" not in history and "audit_item" not in history
