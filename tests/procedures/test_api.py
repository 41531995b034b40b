"""The procedure endpoints of the API, with their refusals."""

import pytest

from core.testing import TEST_PASSWORD

BODY = "# Delivery\n\nHand over the conformity certificate.\n"


@pytest.fixture
def api(app, people, api_as):
    return {who: api_as(who) for who in ("qo", "qo2", "head", "staff", "auditor")}


def create(api, code="SA-PR-009", **extra):
    return api["qo2"].post(
        "/api/v1/procedures",
        json={"code": code, "title": "Vehicle delivery", "department": "SALES", "body": BODY, **extra},
    )


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return response.json


def test_full_lifecycle_over_the_api(api):
    created = create(api)
    assert created.status_code == 201 and created.json["revisions"][0]["state"] == "draft"
    rev = api["qo2"].get("/api/v1/procedures/SA-PR-009/revisions/1").json
    patched = api["qo2"].patch(
        "/api/v1/procedures/SA-PR-009/revisions/1",
        json={"body": BODY + "\nCheck the VIN.\n", "row_version": rev["row_version"]},
    )
    assert patched.status_code == 200 and "Check the VIN" in patched.json["html"]
    stale = api["qo2"].patch(
        "/api/v1/procedures/SA-PR-009/revisions/1", json={"body": "old copy", "row_version": rev["row_version"]}
    )
    problem(stale, 409)
    unversioned = problem(api["qo2"].post("/api/v1/procedures/SA-PR-009/revisions/1/submit", json={}), 422)
    assert [e["field"] for e in unversioned["errors"]] == ["row_version"]
    problem(
        api["qo2"].post("/api/v1/procedures/SA-PR-009/revisions/1/submit", json={"row_version": rev["row_version"]}),
        409,
    )
    submitted = api["qo2"].post(
        "/api/v1/procedures/SA-PR-009/revisions/1/submit", json={"row_version": patched.json["row_version"]}
    )
    assert submitted.json["state"] == "in_review"
    problem(
        api["qo2"].post(
            "/api/v1/procedures/SA-PR-009/revisions/1/signatures",
            json={"meaning": "approved", "password": TEST_PASSWORD},
        ),
        403,
    )
    first = api["head"].post(
        "/api/v1/procedures/SA-PR-009/revisions/1/signatures", json={"meaning": "approved", "password": TEST_PASSWORD}
    )
    assert first.status_code == 201 and not first.json["became_effective"]
    problem(
        api["head"].post(
            "/api/v1/procedures/SA-PR-009/revisions/1/signatures",
            json={"meaning": "approved", "password": TEST_PASSWORD},
        ),
        409,
    )
    wrong = problem(
        api["qo"].post(
            "/api/v1/procedures/SA-PR-009/revisions/1/signatures",
            json={"meaning": "approved", "password": "wrong password"},
        ),
        422,
    )
    assert wrong["errors"] == [
        {"field": "password", "message": "This is not the password of your account; type it again."}
    ]
    assert api["qo"].get("/api/v1/procedures/SA-PR-009/revisions/1").json["signatures"][-1]["signer"] == "head"
    second = api["qo"].post(
        "/api/v1/procedures/SA-PR-009/revisions/1/signatures", json={"meaning": "approved", "password": TEST_PASSWORD}
    )
    assert second.json["became_effective"] and second.json["revision"]["state"] == "effective"
    signatures = second.json["revision"]["signatures"]
    assert [s["signer"] for s in signatures] == ["head", "qo"]
    assert all(len(s["content_sha256"]) == 64 for s in signatures)
    problem(
        api["qo2"].patch(
            "/api/v1/procedures/SA-PR-009/revisions/1",
            json={"body": "x", "row_version": second.json["revision"]["row_version"]},
        ),
        409,
    )

    draft = api["head"].post("/api/v1/procedures/SA-PR-009/revisions", json={"change_summary": "VIN check"})
    assert draft.status_code == 201 and draft.json["number"] == 2 and draft.json["body"] == BODY + "\nCheck the VIN.\n"
    diff = api["auditor"].get("/api/v1/procedures/SA-PR-009/diff?from=1&to=1")
    assert diff.status_code == 200 and diff.json["inserted_words"] == 0

    listed = api["staff"].get("/api/v1/procedures?q=conformity").json
    assert [p["code"] for p in listed] == ["SA-PR-009"]
    pdf = api["staff"].get("/api/v1/procedures/SA-PR-009/revisions/1/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    problem(api["staff"].get("/api/v1/procedures/SA-PR-009/revisions/2"), 404)  # a draft one may not read is not there


def test_refusals(api):
    problem(api["qo"].get("/api/v1/procedures/NOPE-1"), 404)
    assert create(api).status_code == 201
    duplicate = problem(create(api), 422)
    assert duplicate["errors"][0]["field"] == "code"
    problem(
        api["staff"].post(
            "/api/v1/procedures", json={"code": "SA-PR-010", "title": "t", "department": "SALES", "body": BODY}
        ),
        403,
    )
    problem(create(api, code="SA-PR-011", body="x" * (600 * 1024)), 413)
    missing = problem(api["qo2"].post("/api/v1/procedures", json={"code": "SA-PR-012"}), 422)
    assert {e["field"] for e in missing["errors"]} >= {"title", "department", "body"}


def test_drafts_are_not_listed_for_staff(api):
    create(api)
    assert api["staff"].get("/api/v1/procedures").json == []
    assert [p["code"] for p in api["auditor"].get("/api/v1/procedures").json] == ["SA-PR-009"]


def test_withdrawal_needs_the_version_of_the_procedure_read(api):
    created = create(api).json
    unversioned = problem(api["qo"].post("/api/v1/procedures/SA-PR-009/withdraw", json={"reason": "Obsolete"}), 422)
    assert [e["field"] for e in unversioned["errors"]] == ["row_version"]
    renamed = api["qo2"].patch(
        "/api/v1/procedures/SA-PR-009", json={"title": "Delivery", "row_version": created["row_version"]}
    )
    assert renamed.status_code == 200
    problem(
        api["qo"].post(
            "/api/v1/procedures/SA-PR-009/withdraw", json={"reason": "Obsolete", "row_version": created["row_version"]}
        ),
        409,
    )
    withdrawn = api["qo"].post(
        "/api/v1/procedures/SA-PR-009/withdraw", json={"reason": "Obsolete", "row_version": renamed.json["row_version"]}
    )
    assert withdrawn.status_code == 200 and withdrawn.json["withdrawn"]
