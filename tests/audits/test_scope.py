"""Scope of audits, NCs, actions and evidence: a dealer group's sites and departments.

MAIN and NORTH are two sites. At MAIN: qo, head (SALES), staff and staff2 (SALES),
auditor (TRAINING), aftersales.head, training.head; at NORTH: north.qo,
north.sales.head, north.staff. Each finding of the security test is one test here.
"""

import io
from datetime import timedelta

import pytest

from audits.services import actions, evidence
from audits.services import audits as audit_services
from audits.services import nonconformities as ncs
from core.clock import today
from core.database import commit
from tests.audits.conftest import JPEG, started, user

FIVE_WHY = {"method": "5why", "chain": [{"why": "Late", "because": "No rota"}]}


@pytest.fixture
def world(app, cast, make_user):
    from core.accounts.services import create_site

    with app.app_context():
        create_site(None, "NORTH", "North")
        commit()
    make_user("aftersales.head", "department_head", department="AFTERSALES")
    make_user("training.head", "department_head", department="TRAINING")
    make_user("staff2", "staff", department="SALES")
    make_user("north.qo", "quality_officer", department="QUALITY", site="NORTH")
    make_user("north.sales.head", "department_head", department="SALES", site="NORTH")
    make_user("north.staff", "staff", department="SALES", site="NORTH")
    return app


def _raise(site="MAIN", department="SALES", owner=None, actor="qo"):
    nc = ncs.raise_nonconformity(
        user(actor),
        title="Greeting too slow",
        description="",
        severity="minor",
        site=site,
        department=department,
        owner=owner,
    )
    commit()
    return nc


def _with_action(nc, owner, manager="qo"):
    ncs.transition(user(manager), nc, to="contained", containment="Door", row_version=nc.row_version)
    ncs.transition(user(manager), nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
    action = actions.add_action(user(manager), nc, description="Rota", owner=owner, due_date=today() + timedelta(1))
    commit()
    return action


# 1. Audits, their items and evidence -------------------------------------------------------


def test_heads_read_only_the_audits_of_their_department_at_their_site(world, api_as):
    with world.app_context():
        audit = started()
        item = audit.items[0]
        file = evidence.attach_to_item(user("auditor"), item, io.BytesIO(JPEG), "door.jpg", "image/jpeg")
        commit()
        reference, evidence_id = audit.reference, file.id
        assert not audit_services.is_visible(user("aftersales.head"), audit)
        assert audit_services.is_visible(user("head"), audit)

    for who, status in [("head", 200), ("qo", 200), ("aftersales.head", 404), ("north.qo", 404)]:
        api = api_as(who)
        assert api.get(f"/api/v1/audits/{reference}/items").status_code == status, who
        assert api.get(f"/api/v1/audits/{reference}").status_code == status, who
        assert api.get(f"/api/v1/evidence/{evidence_id}/content").status_code == status, who
        listed = [a["reference"] for a in api.get("/api/v1/audits").get_json()]
        assert (reference in listed) == (status == 200), who
    # Staff read no audit at all: one is not there for them; the list tells them why.
    assert api_as("staff").get(f"/api/v1/audits/{reference}/items").status_code == 404
    refused = api_as("staff").get("/api/v1/audits")
    assert refused.status_code == 403 and "roles" in refused.get_json()["detail"]


def test_an_auditor_runs_audits_only_at_their_site(world):
    from core.errors import Forbidden

    with world.app_context():
        with pytest.raises(Forbidden):
            audit_services.plan_audit(
                user("north.qo"),
                title="Elsewhere",
                site="MAIN",
                departments=["SALES"],
                lead_auditor="auditor",
                planned_date=today() + timedelta(days=2),
                checklists=["fieldcheck.showroom"],
            )


# 2. Raising NCs -------------------------------------------------------------------------------


def test_staff_raise_ncs_only_through_forms_and_others_only_in_their_scope(world, api_as, client_as):
    body = {"title": "Scratch", "severity": "minor", "site": "MAIN", "department": "SALES"}
    refused = api_as("staff").post("/api/v1/nonconformities", json={**body, "owner": "staff"})
    assert refused.status_code == 403 and "forms" in refused.get_json()["detail"]
    assert client_as("staff").get("/nonconformities/new").status_code == 403
    elsewhere = api_as("north.qo").post("/api/v1/nonconformities", json=body)
    assert elsewhere.status_code == 403 and "another site" in elsewhere.get_json()["detail"]
    assert api_as("qo").post("/api/v1/nonconformities", json=body).status_code == 201
    # Plugins raise them for staff through form hooks (no actor).
    with world.app_context():
        assert (
            ncs.raise_nonconformity(
                None,
                title="From a form",
                description="",
                severity="minor",
                site="MAIN",
                department="SALES",
                source="plugin:test",
            ).owner.login
            == "head"
        )


def test_owner_pickers_offer_only_who_may_own_it_at_that_site(world, client_as):
    with world.app_context():
        nc = _raise()
        ncs.transition(user("qo"), nc, to="contained", containment="Door", row_version=nc.row_version)
        ncs.transition(user("qo"), nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
        commit()
        reference = nc.reference
    page = client_as("qo").get(f"/nonconformities/{reference}").get_data(as_text=True)
    assert 'value="staff"' in page and 'value="north.staff"' not in page


# 3. Managing NCs and actions at another site or department -----------------------------------


def test_quality_officers_and_heads_manage_ncs_only_at_their_site(world, api_as):
    with world.app_context():
        nc = _raise()
        reference, version = nc.reference, nc.row_version
        assert ncs.may_manage(user("qo"), nc) and ncs.may_manage(user("head"), nc)
        assert not ncs.may_manage(user("north.qo"), nc) and not ncs.may_manage(user("north.sales.head"), nc)
    for who in ("north.qo", "north.sales.head"):
        response = api_as(who).post(
            f"/api/v1/nonconformities/{reference}/transition",
            json={"to": "contained", "containment": "x", "row_version": version},
        )
        assert response.status_code in (403, 404), who
        patched = api_as(who).patch(
            f"/api/v1/nonconformities/{reference}", json={"owner": "north.staff", "row_version": version}
        )
        assert patched.status_code in (403, 404), who


def test_heads_complete_and_verify_only_actions_of_their_department_at_their_site(world):
    with world.app_context():
        nc = _raise(department="AFTERSALES", owner="aftersales.head")
        action = _with_action(nc, owner="staff")
        for who in ("training.head", "north.qo", "head"):
            assert actions.complete_refusal(user(who), action) is not None, who
        assert actions.complete_refusal(user("aftersales.head"), action) is None
        assert actions.complete_refusal(user("staff"), action) is None
        actions.complete_action(user("staff"), action, note="Done", row_version=action.row_version)
        commit()
        for who in ("training.head", "north.qo", "head"):
            assert actions.verify_refusal(user(who), action) is not None, who
        assert actions.verify_refusal(user("aftersales.head"), action) is None
        assert actions.verify_refusal(user("qo"), action) is None


# 4. Reading NCs, actions and their evidence ----------------------------------------------------


def test_staff_read_only_the_ncs_and_actions_they_raised_or_are_assigned(world, api_as, client_as):
    with world.app_context():
        own = _raise(owner="staff").reference
        other = _raise(owner="head")
        action = _with_action(other, owner="staff")
        file = evidence.attach_to_nonconformity(user("qo"), other, io.BytesIO(JPEG), "door.jpg", "image/jpeg")
        commit()
        other_ref, action_id, evidence_id = other.reference, action.id, file.id
        north = _raise(site="NORTH", actor="north.qo", owner="north.staff").reference

    def listed(who, path="/api/v1/nonconformities"):
        key = "reference" if "nonconformities" in path else "id"
        return {row[key] for row in api_as(who).get(path).get_json()}

    assert listed("staff") == {own, other_ref}  # raised for them, and one with their action
    assert listed("staff2") == set()
    assert listed("head") == {own, other_ref}
    assert listed("aftersales.head") == set()
    assert listed("north.qo") == {north}
    assert listed("qo") == {own, other_ref}  # a quality officer at MAIN
    assert listed("staff", "/api/v1/actions") == {action_id}
    assert listed("staff2", "/api/v1/actions") == set()

    staff2 = api_as("staff2")
    assert staff2.get(f"/api/v1/nonconformities/{other_ref}").status_code == 404
    assert staff2.get(f"/api/v1/actions/{action_id}").status_code == 404
    assert staff2.get(f"/api/v1/evidence/{evidence_id}/content").status_code == 404
    assert api_as("north.qo").get(f"/api/v1/nonconformities/{own}").status_code == 404
    assert client_as("staff2").get(f"/nonconformities/{other_ref}").status_code == 404
    assert client_as("staff2").get(f"/actions/{action_id}").status_code == 404

    # Staff read their own NC, without its trail.
    mine = api_as("staff").get(f"/api/v1/nonconformities/{own}")
    assert mine.status_code == 200 and mine.get_json()["history"] == []
    assert "timeline-heading" not in client_as("staff").get(f"/nonconformities/{own}").get_data(as_text=True)
    assert api_as("head").get(f"/api/v1/nonconformities/{own}").get_json()["history"] != []
    assert "timeline-heading" in client_as("head").get(f"/nonconformities/{own}").get_data(as_text=True)


def test_the_dashboards_overdue_list_shows_only_what_one_may_read(world, client_as):
    with world.app_context():
        nc = _raise(owner="head")
        nc.due_date = today() - timedelta(2)  # overdue (the service takes no past due date)
        commit()
        reference = nc.reference
    assert reference in client_as("head").get("/").get_data(as_text=True)
    assert reference not in client_as("staff2").get("/").get_data(as_text=True)


def test_the_new_nc_page_offers_only_the_sites_where_one_may_raise_it(world, client_as, make_user):
    make_user("group.qo", "quality_officer", department="QUALITY", site=None)

    def offered(who):
        page = client_as(who).get("/nonconformities/new").get_data(as_text=True)
        return {site for site in ("MAIN", "NORTH") if f'<option value="{site}"' in page}

    assert offered("qo") == {"MAIN"}
    assert offered("north.qo") == {"NORTH"}
    assert offered("group.qo") == {"MAIN", "NORTH"}
