"""The audit, NC and action endpoints of the interface, with problem details for every refusal."""

import io
from datetime import timedelta

import pytest

from core.clock import today
from core.testing import TEST_PASSWORD
from tests.audits.conftest import JPEG

pytestmark = pytest.mark.usefixtures("cast")
PLAN = {
    "title": "Sales process",
    "site": "MAIN",
    "departments": ["SALES"],
    "scope": "Showroom",
    "criteria": [],
    "lead_auditor": "auditor",
    "auditors": ["qo"],
    "checklists": ["fieldcheck.showroom"],
}


def _plan(api, **changes):
    body = {**PLAN, "planned_date": (today() + timedelta(days=2)).isoformat(), **changes}
    return api.post("/api/v1/audits", json=body)


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.json


def test_plan_start_record_upload_report_close_through_the_api(api_as, app):
    qo, auditor, head, staff = api_as("qo"), api_as("auditor"), api_as("head"), api_as("staff")
    created = _plan(qo)
    assert created.status_code == 201
    reference = created.json["reference"]
    assert created.headers["Location"].endswith(f"/api/v1/audits/{reference}")
    missing = _problem(auditor.post(f"/api/v1/audits/{reference}/start", json={}), 422)
    assert missing["errors"][0]["field"] == "row_version"
    started = auditor.post(f"/api/v1/audits/{reference}/start", json={"row_version": created.json["row_version"]})
    assert started.json["state"] == "in_progress"
    items = auditor.get(f"/api/v1/audits/{reference}/items").json
    assert [i["question_key"] for i in items] == ["greet", "testdrive", "handover"]

    missing = _problem(
        auditor.put(
            f"/api/v1/audits/{reference}/items/{items[0]['id']}",
            json={"result": "major_nc", "note": "Nobody at reception"},
        ),
        422,
    )
    assert "row_version" in str(missing)
    major = auditor.put(
        f"/api/v1/audits/{reference}/items/{items[0]['id']}",
        json={"result": "major_nc", "note": "Nobody at reception", "row_version": items[0]["row_version"]},
    )
    assert major.status_code == 200 and major.json["nonconformity"].startswith("NC-")
    assert major.json["row_version"] == items[0]["row_version"] + 1
    stale = _problem(
        auditor.put(
            f"/api/v1/audits/{reference}/items/{items[0]['id']}",
            json={"result": "minor_nc", "note": "Late", "row_version": items[0]["row_version"]},
        ),
        409,
    )
    assert "changed by someone else" in stale["detail"]
    photo = auditor.post(
        f"/api/v1/audits/{reference}/items/{items[0]['id']}/evidence",
        data={"file": (io.BytesIO(JPEG), "door.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201 and set(photo.json) >= {"sha256", "size", "name"}
    content = auditor.get(photo.json["url"])
    assert content.data == JPEG and content.headers["Content-Disposition"].startswith("attachment")
    for item in items[1:]:
        auditor.put(
            f"/api/v1/audits/{reference}/items/{item['id']}",
            json={"result": "conforming", "row_version": item["row_version"]},
        )

    report = auditor.post(
        f"/api/v1/audits/{reference}/report",
        json={
            "summary": "One major finding",
            "conclusion": "Not effective yet",
            "password": TEST_PASSWORD,
            "row_version": started.json["row_version"],
        },
    )
    assert report.json["state"] == "reported"
    assert report.json["signatures"][0]["meaning"] == "report-issued"
    assert report.json["items_summary"]["counts"]["major_nc"] == 1
    nc_ref = report.json["nonconformities"][0]["reference"]
    audit_version = report.json["row_version"]
    refused = _problem(auditor.post(f"/api/v1/audits/{reference}/close", json={"row_version": audit_version}), 409)
    assert nc_ref in refused["detail"]

    nc_version = head.get(f"/api/v1/nonconformities/{nc_ref}").json["row_version"]

    def move(to, **content):
        nonlocal nc_version
        moved = head.post(
            f"/api/v1/nonconformities/{nc_ref}/transition", json={"to": to, **content, "row_version": nc_version}
        )
        assert moved.status_code == 200, moved.get_data(as_text=True)
        nc_version = moved.json["row_version"]
        return moved

    stale = head.post(
        f"/api/v1/nonconformities/{nc_ref}/transition",
        json={"to": "contained", "containment": "Desk staffed", "row_version": nc_version - 1},
    )
    assert "changed by someone else" in _problem(stale, 409)["detail"]
    move("contained", containment="Desk staffed")
    move("root_cause_identified", root_cause={"method": "5why", "chain": [{"why": "Desk empty", "because": "No rota"}]})
    action = head.post(
        f"/api/v1/nonconformities/{nc_ref}/actions",
        json={"description": "Rota", "owner": "staff", "due_date": (today() + timedelta(days=5)).isoformat()},
    )
    assert action.status_code == 201
    action_id = action.json["id"]
    move("actions_planned")
    assert _problem(staff.post(f"/api/v1/actions/{action_id}/complete", json={"note": "Rota posted"}), 422)
    completed = staff.post(
        f"/api/v1/actions/{action_id}/complete", json={"note": "Rota posted", "row_version": action.json["row_version"]}
    )
    assert completed.status_code == 200
    move("verifying")
    assert (
        qo.post(
            f"/api/v1/actions/{action_id}/verify",
            json={
                "effective": True,
                "note": "Checked",
                "password": TEST_PASSWORD,
                "row_version": completed.json["row_version"],
            },
        ).status_code
        == 200
    )
    closed = move("closed")
    assert closed.json["state"] == "closed"
    detail = qo.get(f"/api/v1/nonconformities/{nc_ref}").json
    assert detail["links"]["audit"].endswith(reference) and detail["actions"][0]["state"] == "verified_effective"
    assert detail["history"] and detail["root_cause"]["method"] == "5why"
    assert (
        auditor.post(f"/api/v1/audits/{reference}/close", json={"row_version": audit_version}).json["state"] == "closed"
    )


def test_refusals_are_problem_details(api_as):
    qo, auditor, staff = api_as("qo"), api_as("auditor"), api_as("staff")
    unknown = _problem(_plan(qo, checklists=["fieldcheck.showroom", "ghost.list"]), 422)
    assert "ghost.list" in unknown["detail"] and unknown["errors"][0]["field"] == "checklists"
    partial = _problem(_plan(qo, auditors=["salesauditor"]), 422)
    assert "own department" in partial["detail"]
    _problem(_plan(staff), 403)
    reference = _plan(qo).json["reference"]
    _problem(
        auditor.post(
            f"/api/v1/audits/{reference}/report",
            json={"summary": "s", "conclusion": "c", "password": TEST_PASSWORD, "row_version": 1},
        ),
        409,
    )
    nc = qo.post(
        "/api/v1/nonconformities",
        json={"title": "Dirty workshop", "severity": "minor", "site": "MAIN", "department": "AFTERSALES"},
    )
    assert nc.status_code == 201
    nc_ref = nc.json["reference"]
    version = nc.json["row_version"]
    transition = f"/api/v1/nonconformities/{nc_ref}/transition"
    no_version = _problem(qo.post(transition, json={"to": "contained", "containment": "x"}), 422)
    assert [e["field"] for e in no_version["errors"]] == ["row_version"]
    missing = _problem(qo.post(transition, json={"to": "contained", "row_version": version}), 422)
    assert missing["errors"][0]["field"] == "containment"
    _problem(qo.post(transition, json={"to": "closed", "row_version": version}), 409)
    # Staff who do not work on the NC do not see it: 404, before the body is read.
    _problem(staff.post(transition, json={"to": "contained", "containment": "x", "row_version": version}), 404)
    _problem(staff.post(transition, json={}), 404)
    _problem(qo.get("/api/v1/audits/IA-1999-999"), 404)


def test_nc_list_filters(api_as):
    qo = api_as("qo")
    for department, severity in (("SALES", "major"), ("AFTERSALES", "minor")):
        qo.post(
            "/api/v1/nonconformities",
            json={
                "title": f"{department} finding",
                "severity": severity,
                "site": "MAIN",
                "department": department,
                "source": "complaint",
            },
        )
    listed = qo.get("/api/v1/nonconformities?department=SALES&state=open&source=complaint")
    assert [nc["department"] for nc in listed.json] == ["SALES"] and listed.headers["X-Total-Count"] == "1"
    assert qo.get("/api/v1/nonconformities?overdue=true").json == []
    assert api_as("staff").get("/api/v1/actions?mine=true").json == []


def test_programme_coverage(api_as):
    qo = api_as("qo")
    year = today().year
    entry = qo.post(
        "/api/v1/audit-programme",
        json={"site": "MAIN", "year": year, "month": 1, "department": "SALES", "area": "Showroom"},
    )
    assert entry.status_code == 201
    duplicate = qo.post(
        "/api/v1/audit-programme", json={"site": "MAIN", "year": year, "month": 1, "department": "SALES"}
    )
    assert duplicate.status_code == 422
    coverage = qo.get(f"/api/v1/audit-programme?site=MAIN&year={year}").json
    assert coverage["entries"][0]["department"] == "SALES"
    assert coverage["entries"][0]["status"] in ("planned", "overdue")
    assert "SALES" in coverage["not_audited_in_12_months"]
