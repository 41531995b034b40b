"""Sites, departments, users and tokens through the API: what the admin pages can do."""

from __future__ import annotations

from urllib.parse import urlsplit

from core.accounts import services
from core.testing import ApiClient

PROBLEM = "application/problem+json"


def next_link(response) -> str | None:
    for part in response.headers.get("Link", "").split(","):
        if part.strip().endswith('rel="next"'):
            url = part.strip().split(";")[0].strip("<> ")
            return f"{urlsplit(url).path}?{urlsplit(url).query}"
    return None


def test_sites_are_listed_by_code_and_created_and_changed_by_an_admin(api_as, users):
    admin = api_as("admin")
    created = admin.post("/api/v1/sites", json={"code": "north-2", "name": "North dealership"})
    assert created.status_code == 201
    assert created.json == {
        "code": "NORTH-2",
        "name": "North dealership",
        "time_zone": "Asia/Shanghai",
        "active": True,
        "row_version": 1,
    }
    assert created.headers["Location"] == "/api/v1/sites/NORTH-2"

    listed = api_as("staff").get("/api/v1/sites")
    assert [site["code"] for site in listed.json] == ["MAIN", "NORTH-2"]
    assert listed.headers["X-Total-Count"] == "2"

    changed = admin.patch("/api/v1/sites/NORTH-2", json={"active": False, "row_version": 1})
    assert changed.status_code == 200
    assert changed.json == {
        "code": "NORTH-2",
        "name": "North dealership",
        "time_zone": "Asia/Shanghai",
        "active": False,
        "row_version": 2,
    }
    assert [s["code"] for s in admin.get("/api/v1/sites?active=false").json] == ["NORTH-2"]


def test_a_stale_row_version_is_409_and_the_change_is_not_applied(api_as, users):
    admin = api_as("admin")
    first = admin.get("/api/v1/users/staff").json
    assert (
        admin.patch(
            "/api/v1/users/staff", json={"display_name": "Sam S.", "row_version": first["row_version"]}
        ).status_code
        == 200
    )
    # A second editor still holding the first copy:
    stale = admin.patch("/api/v1/users/staff", json={"display_name": "Samuel", "row_version": first["row_version"]})
    assert stale.status_code == 409 and stale.mimetype == PROBLEM
    assert "changed by someone else" in stale.json["detail"]
    assert admin.get("/api/v1/users/staff").json["display_name"] == "Sam S."


def test_row_version_is_required_on_a_change(api_as, users):
    response = api_as("admin").patch("/api/v1/sites/MAIN", json={"name": "Main"})
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "row_version", "message": "Missing data for required field."}]


def test_departments_have_heads_by_login(api_as, users):
    admin = api_as("admin")
    sales = admin.get("/api/v1/departments/SALES").json
    assert sales["heads"] == [{"site": "MAIN", "head": "head", "deputy": None}]
    refused = admin.patch(
        "/api/v1/departments/SALES",
        json={"heads": [{"site": "MAIN", "head": "staff"}], "row_version": sales["row_version"]},
    )
    assert refused.status_code == 422
    assert refused.json["errors"] == [
        {"field": "head", "message": "staff is not an active user with the department head role"}
    ]
    cleared = admin.patch(
        "/api/v1/departments/SALES",
        json={"heads": [{"site": "MAIN", "head": None}], "row_version": sales["row_version"]},
    )
    assert cleared.status_code == 200 and cleared.json["heads"] == [{"site": "MAIN", "head": None, "deputy": None}]

    created = admin.post("/api/v1/departments", json={"code": "USED", "name": "Used cars"})
    assert created.status_code == 201 and created.json["heads"] == []
    assert "USED" in {d["code"] for d in admin.get("/api/v1/departments").json}


def test_users_are_created_with_roles_department_and_site_and_can_log_in(app, api_as, users, client):
    created = api_as("admin").post(
        "/api/v1/users",
        json={
            "login": "Wei.Zhang",
            "display_name": "张伟",
            "roles": ["department_head", "auditor"],
            "department": "aftersales",
            "site": "MAIN",
            "email": "wei@example.com",
            "locale": "zh_CN",
            "password": "a long enough password",
        },
    )
    assert created.status_code == 201, created.json
    assert created.json | {"created_at": None} == {
        "login": "wei.zhang",
        "display_name": "张伟",
        "roles": ["auditor", "department_head"],
        "department": "AFTERSALES",
        "site": "MAIN",
        "active": True,
        "email": "wei@example.com",
        "locale": "zh_CN",
        "created_at": None,
        "row_version": 1,
    }
    assert created.json["created_at"].endswith("Z")
    assert "password" not in created.json
    assert api_as("admin").get("/api/v1/departments/AFTERSALES").json["heads"] == [
        {"site": "MAIN", "head": "wei.zhang", "deputy": None}
    ]
    with app.app_context():
        assert services.authenticate("wei.zhang", "a long enough password") is not None


def test_an_unknown_department_site_or_head_is_a_refused_value_not_a_missing_page(api_as, users):
    admin = api_as("admin")
    response = admin.post(
        "/api/v1/users",
        json={"login": "lost", "roles": ["staff"], "department": "NOPE", "password": "a long enough password"},
    )
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "department", "message": "There is no department with code 'NOPE'."}]
    staff = admin.get("/api/v1/users/staff").json
    response = admin.patch("/api/v1/users/staff", json={"site": "NOPE", "row_version": staff["row_version"]})
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "site"
    sales = admin.get("/api/v1/departments/SALES").json
    response = admin.patch(
        "/api/v1/departments/SALES",
        json={"heads": [{"site": "MAIN", "head": "nobody"}], "row_version": sales["row_version"]},
    )
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "heads.head", "message": "There is no user with login 'nobody'."}]


def test_user_fields_for_administration_are_shown_to_admins_and_the_user_only(api_as, users):
    private = {"email", "locale", "created_at", "row_version"}
    public = {"login", "display_name", "roles", "department", "site", "active"}
    assert set(api_as("staff").get("/api/v1/users/auditor").json) == public
    assert set(api_as("staff").get("/api/v1/users/staff").json) == public | private
    assert set(api_as("admin").get("/api/v1/users/auditor").json) == public | private
    listed = api_as("auditor").get("/api/v1/users").json
    assert {user["login"]: set(user) for user in listed}["staff"] == public


def test_user_list_filters_and_pages(api_as, users, make_user):
    for number in range(4):
        make_user(f"sales{number}", "staff", department="SALES", password="a long enough password")
    api = api_as("qo")
    assert [u["login"] for u in api.get("/api/v1/users?role=department_head").json] == ["head"]
    assert [u["login"] for u in api.get("/api/v1/users?department=QUALITY").json] == ["admin", "qo"]
    assert [u["login"] for u in api.get("/api/v1/users?q=sales2").json] == ["sales2"]

    logins, url, pages = [], "/api/v1/users?department=sales&limit=2", 0
    while url:
        response = api.get(url)
        assert response.headers["X-Total-Count"] == "6"
        logins += [u["login"] for u in response.json]
        url, pages = next_link(response), pages + 1
    assert pages == 3
    assert logins == ["head", "sales0", "sales1", "sales2", "sales3", "staff"]
    last = api.get("/api/v1/users?department=SALES&limit=2&offset=4")
    assert 'rel="prev"' in last.headers["Link"] and next_link(last) is None


def test_an_admin_edits_roles_and_a_user_cannot_demote_themself(api_as, users):
    admin = api_as("admin")
    auditor = admin.get("/api/v1/users/auditor").json
    changed = admin.patch(
        "/api/v1/users/auditor",
        json={"roles": ["auditor", "quality_officer"], "site": None, "row_version": auditor["row_version"]},
    )
    assert changed.status_code == 200
    assert (changed.json["roles"], changed.json["site"]) == (["auditor", "quality_officer"], None)
    assert changed.json["row_version"] > auditor["row_version"]

    me = admin.get("/api/v1/me").json
    refused = admin.patch("/api/v1/users/admin", json={"active": False, "row_version": me["row_version"]})
    assert refused.status_code == 409
    assert refused.json["detail"] == "You cannot deactivate yourself or remove your own admin role."


def test_passwords_are_set_by_an_admin_or_by_the_user_with_the_current_one(app, api_as, users):
    assert api_as("admin").put("/api/v1/users/staff/password", json={"password": "set by the admin"}).status_code == 204
    staff = api_as("staff")
    wrong = staff.put(
        "/api/v1/users/staff/password", json={"password": "my very own secret", "current_password": "not it"}
    )
    assert wrong.status_code == 422 and wrong.json["errors"][0]["field"] == "current_password"
    assert (
        staff.put(
            "/api/v1/users/staff/password",
            json={"password": "my very own secret", "current_password": "set by the admin"},
        ).status_code
        == 204
    )
    assert staff.put("/api/v1/users/auditor/password", json={"password": "not yours to set"}).status_code == 403
    with app.app_context():
        assert services.authenticate("staff", "my very own secret") is not None


def test_the_caller_changes_their_own_profile(api_as, users):
    api = api_as("auditor")
    me = api.get("/api/v1/me").json
    assert me["login"] == "auditor" and me["locale"] == "en"
    changed = api.patch(
        "/api/v1/me", json={"email": "aiden@example.com", "locale": "zh_CN", "row_version": me["row_version"]}
    )
    assert changed.status_code == 200
    assert (changed.json["email"], changed.json["locale"], changed.json["display_name"]) == (
        "aiden@example.com",
        "zh_CN",
        "Aiden Auditor",
    )
    unsupported = api.patch("/api/v1/me", json={"locale": "fr", "row_version": changed.json["row_version"]})
    assert unsupported.status_code == 422 and unsupported.json["errors"][0]["field"] == "locale"


def test_tokens_are_created_listed_and_revoked_by_their_owner(app, users, api_as):
    api = api_as("staff")
    created = api.post("/api/v1/tokens", json={"name": "nightly export"})
    assert created.status_code == 201
    plain = created.json["token"]
    assert plain.startswith(created.json["prefix"]) and created.json["active"] is True
    second = ApiClient(app.test_client(), plain)
    assert second.get("/api/v1/me").json["login"] == "staff"

    listed = api.get("/api/v1/tokens").json
    assert [t["name"] for t in listed] == ["nightly export", "test"]
    assert all("token" not in t for t in listed)

    other = api_as("qo").get("/api/v1/tokens").json[0]["id"]
    assert api.delete(f"/api/v1/tokens/{other}").status_code == 404
    assert api.delete(f"/api/v1/tokens/{created.json['id']}").status_code == 204
    assert second.get("/api/v1/me").status_code == 401
    assert api.get(f"/api/v1/tokens/{created.json['id']}").json["revoked_at"].endswith("Z")
    with app.app_context():
        # The stored token is a hash, never the token itself.
        [record] = [t for t in services.tokens_of(services.user_by_login("staff")) if t.name == "nightly export"]
        assert plain not in (record.token_hash, record.prefix)
