"""The administration pages: users, sites and departments, with their history."""

import re

import pytest

from core.accounts import organisation, services
from core.accounts.models import Role
from core.database import commit, db
from core.testing import TEST_PASSWORD

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
NEW_PASSWORD = "a brand new secret"


def page_token(client, path="/"):
    match = CSRF_META.search(client.get(path, follow_redirects=True).get_data(as_text=True))
    assert match, f"{path} has no csrf-token meta tag"
    return match.group(1)


def row_version(text: str) -> int:
    match = re.search(r'name="row_version" type="hidden" value="(\d+)"', text)
    assert match, "the edit form carries no row_version"
    return int(match.group(1))


@pytest.fixture
def admin(client_as):
    return client_as("admin")


def user_named(app, login):
    with app.app_context():
        user = services.user_by_login(login)
        return {
            "display_name": user.display_name,
            "roles": set(user.roles),
            "active": user.active,
            "department": user.department.code if user.department else None,
            "site": user.site.code if user.site else None,
            "row_version": user.row_version,
        }


def test_user_list_shows_everyone_with_roles(admin):
    text = admin.get("/admin/users").get_data(as_text=True)
    for login in ("admin", "qo", "head", "auditor", "staff"):
        assert f'href="/admin/users/{login}"' in text
    assert "Quality officer" in text and "Department head" in text
    found = admin.get("/admin/users?q=quinn").get_data(as_text=True)
    assert 'href="/admin/users/qo"' in found and 'href="/admin/users/staff"' not in found


def read(html: str) -> str:
    """The words a sighted reader sees: tags and screen-reader-only words taken out."""
    html = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace(" :", ":")


def test_create_a_user_and_see_its_history(app, admin):
    response = admin.post(
        "/admin/users/new",
        data={
            "login": "mei",
            "display_name": "Mei Ling",
            "email": "mei@example.com",
            "password": "long enough password",
            "roles": ["auditor", "staff"],
            "department": "AFTERSALES",
            "site": "MAIN",
            "csrf_token": page_token(admin, "/admin/users/new"),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users/mei"
    created = user_named(app, "mei")
    assert created["roles"] == {Role.AUDITOR, Role.STAFF}
    assert (created["department"], created["site"]) == ("AFTERSALES", "MAIN")

    page = admin.get("/admin/users/mei").get_data(as_text=True)
    assert "User mei was created." in page
    history = page[page.index("History") :]
    assert "Mei Ling" in history and "admin" in history
    history = read(history)
    assert "Ada Admin gave a role — Mei Ling: Auditor" in history, "role rows belong to the user's history"
    assert "Ada Admin created Mei Ling" in history and "Display name: Mei Ling" in history
    assert "Password: (not shown)" in history and "long enough password" not in page


def test_a_user_made_without_password_gets_a_temporary_one_shown_once(app, admin):
    response = admin.post(
        "/admin/users/new",
        data={
            "login": "temp",
            "display_name": "Tem Porary",
            "roles": ["staff"],
            "csrf_token": page_token(admin, "/admin/users/new"),
        },
    )
    assert response.status_code == 200
    password = re.search(r'<p class="secret"><code>([^<]+)</code>', response.get_data(as_text=True)).group(1)
    assert password not in admin.get("/admin/users/temp").get_data(as_text=True)

    newcomer = app.test_client()
    token = page_token(newcomer, "/login")
    assert newcomer.post("/login", data={"login": "temp", "password": password, "csrf_token": token}).status_code == 302


def test_invalid_user_fields_are_shown_next_to_the_field(app, admin):
    token = page_token(admin, "/admin/users/new")
    response = admin.post(
        "/admin/users/new",
        data={
            "login": "Not A Login!",
            "display_name": "X",
            "roles": ["staff"],
            "email": "not-an-address",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Enter an e-mail address such as name@example.com." in text

    response = admin.post(
        "/admin/users/new", data={"login": "Not A Login!", "display_name": "X", "roles": ["staff"], "csrf_token": token}
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    error = re.search(r'<p class="field-error" id="login-error-1">([^<]+)</p>', text)
    assert error and "lower-case letters" in error.group(1), "the service's complaint sits under the login field"
    assert re.search(r'<input aria-describedby="login-error-1" aria-invalid="true"[^>]* id="login"', text)

    response = admin.post(
        "/admin/users/new",
        data={"login": "newhead", "display_name": "X", "roles": ["department_head"], "csrf_token": token},
    )
    assert response.status_code == 422
    assert "a department head needs a department" in response.get_data(as_text=True)


def test_a_taken_login_is_a_conflict(admin):
    response = admin.post(
        "/admin/users/new",
        data={
            "login": "qo",
            "display_name": "Someone",
            "roles": ["staff"],
            "password": "long enough password",
            "csrf_token": page_token(admin, "/admin/users/new"),
        },
    )
    assert response.status_code == 409
    assert "A user with login &#39;qo&#39; already exists" in response.get_data(as_text=True)


def test_edit_a_user_records_the_change(app, admin):
    page = admin.get("/admin/users/staff").get_data(as_text=True)
    version = row_version(page)
    response = admin.post(
        "/admin/users/staff",
        data={
            "display_name": "Sam Senior",
            "roles": ["staff", "auditor"],
            "department": "SALES",
            "site": "MAIN",
            "active": "y",
            "row_version": version,
            "csrf_token": page_token(admin),
        },
    )
    assert response.status_code == 302
    saved = user_named(app, "staff")
    assert saved["display_name"] == "Sam Senior" and saved["roles"] == {Role.STAFF, Role.AUDITOR}
    assert saved["row_version"] > version

    history = admin.get("/admin/users/staff").get_data(as_text=True).split("History", 1)[1]
    assert "Sam Staff" in history and "Sam Senior" in history
    history = read(history)
    assert "Ada Admin gave a role — Sam Senior: Auditor" in history
    assert "Display name: Sam Staff" in history and "Ada Admin changed Sam Senior" in history
    assert "→ Sam Senior" in history


def test_a_stale_edit_is_refused_and_not_applied(app, admin):
    version = row_version(admin.get("/admin/users/staff").get_data(as_text=True))
    token = page_token(admin)
    fields = {"roles": ["staff"], "department": "SALES", "site": "MAIN", "active": "y", "csrf_token": token}
    first = admin.post("/admin/users/staff", data={**fields, "display_name": "First edit", "row_version": version})
    assert first.status_code == 302

    second = admin.post("/admin/users/staff", data={**fields, "display_name": "Second edit", "row_version": version})
    assert second.status_code == 409
    assert "changed by someone else" in second.get_data(as_text=True)
    assert user_named(app, "staff")["display_name"] == "First edit"


def test_deactivating_a_user_ends_their_session(app, admin, client_as):
    staff = client_as("staff")
    version = row_version(admin.get("/admin/users/staff").get_data(as_text=True))
    response = admin.post(
        "/admin/users/staff",
        data={
            "display_name": "Sam Staff",
            "roles": ["staff"],
            "department": "SALES",
            "site": "MAIN",
            "row_version": version,
            "csrf_token": page_token(admin),
        },
    )
    assert response.status_code == 302
    assert user_named(app, "staff")["active"] is False
    assert staff.get("/").status_code == 302


def test_an_admin_editing_themselves_stays_logged_in_but_keeps_the_admin_role(app, admin):
    version = row_version(admin.get("/admin/users/admin").get_data(as_text=True))
    fields = {"department": "QUALITY", "site": "MAIN", "active": "y", "csrf_token": page_token(admin)}
    response = admin.post(
        "/admin/users/admin", data={**fields, "display_name": "Ada A.", "roles": ["admin"], "row_version": version}
    )
    assert response.status_code == 302
    assert admin.get("/").status_code == 200

    version = user_named(app, "admin")["row_version"]
    response = admin.post(
        "/admin/users/admin", data={**fields, "display_name": "Ada A.", "roles": ["staff"], "row_version": version}
    )
    assert response.status_code == 409
    assert "cannot deactivate yourself or remove your own admin role" in response.get_data(as_text=True)


def test_admin_sets_a_password(app, admin):
    response = admin.post(
        "/admin/users/staff/password", data={"new_password": "short", "csrf_token": page_token(admin)}
    )
    assert response.status_code == 422
    assert "at least 10 characters" in response.get_data(as_text=True)

    response = admin.post(
        "/admin/users/staff/password", data={"new_password": NEW_PASSWORD, "csrf_token": page_token(admin)}
    )
    assert response.status_code == 302
    staff = app.test_client()
    token = page_token(staff, "/login")
    assert (
        staff.post("/login", data={"login": "staff", "password": NEW_PASSWORD, "csrf_token": token}).status_code == 302
    )


def test_sites_create_edit_and_stale_edit(app, admin):
    response = admin.post(
        "/admin/sites/new", data={"code": "north", "name": "North Motors", "csrf_token": page_token(admin)}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/sites/NORTH"
    assert "North Motors" in admin.get("/admin/sites").get_data(as_text=True)

    page = admin.get("/admin/sites/NORTH").get_data(as_text=True)
    version = row_version(page)
    response = admin.post(
        "/admin/sites/NORTH", data={"name": "North Motors Ltd", "row_version": version, "csrf_token": page_token(admin)}
    )
    assert response.status_code == 302
    response = admin.post(
        "/admin/sites/NORTH",
        data={"name": "Stale name", "active": "y", "row_version": version, "csrf_token": page_token(admin)},
    )
    assert response.status_code == 409
    with app.app_context():
        site = services.site_by_code("NORTH")
        assert (site.name, site.active) == ("North Motors Ltd", False)
    history = admin.get("/admin/sites/NORTH").get_data(as_text=True).split("History", 1)[1]
    assert "North Motors" in history and "North Motors Ltd" in history

    response = admin.post("/admin/sites/new", data={"code": "NORTH", "name": "Again", "csrf_token": page_token(admin)})
    assert response.status_code == 409


def test_departments_create_and_set_a_head(app, admin, make_user):
    """A department has its own head at each site; the page offers, per site, the
    department's heads who work there, and refuses anyone else."""
    response = admin.post(
        "/admin/departments/new", data={"code": "BODY", "name": "Body shop", "csrf_token": page_token(admin)}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/departments/BODY"
    with app.app_context():
        services.create_site(None, "NORTH", "North Motors")
        commit()

    # Creating a head makes them head where they work, unless someone already is.
    make_user("bodyhead", "department_head", department="BODY", display_name="Bo Dyhead")
    make_user("northhead", "department_head", department="BODY", site="NORTH", display_name="Nora North")
    make_user("bodyhead2", "department_head", department="BODY", display_name="Ben Second")
    with app.app_context():
        assert organisation.head_of(services.department_by_code("BODY"), services.site_by_code("MAIN")).login == (
            "bodyhead"
        )
        assert organisation.head_of(services.department_by_code("BODY"), services.site_by_code("NORTH")).login == (
            "northhead"
        )

    page = admin.get("/admin/departments/BODY").get_data(as_text=True)
    main_form = page.split('action="/admin/departments/BODY/heads/MAIN"', 1)[1].split("</form>", 1)[0]
    assert '<option value="bodyhead2">' in main_form and '<option value="northhead">' not in main_form, (
        "only the department's heads at that site are offered"
    )
    response = admin.post(
        "/admin/departments/BODY/heads/MAIN",
        data={
            "MAIN-head": "bodyhead2",
            "MAIN-deputy": "bodyhead",
            "MAIN-row_version": "1",
            "MAIN-csrf_token": page_token(admin),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        row = organisation.headship(services.department_by_code("BODY").id, services.site_by_code("MAIN").id)
        assert (row.head.login, row.deputy.login) == ("bodyhead2", "bodyhead")
    assert "Ben Second" in admin.get("/admin/departments").get_data(as_text=True)

    response = admin.post(
        "/admin/departments/BODY/heads/MAIN",
        data={"MAIN-head": "northhead", "MAIN-row_version": "2", "MAIN-csrf_token": page_token(admin)},
    )
    assert response.status_code == 422, "a head from another site cannot head this one"
    with app.app_context():
        row = organisation.headship(services.department_by_code("BODY").id, services.site_by_code("MAIN").id)
        assert row.head.login == "bodyhead2"


def test_other_roles_are_refused_with_the_reason(client_as):
    client = client_as("quality_officer")
    response = client.get("/admin/users")
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "Your roles do not allow you to manage users, sites and plugins" in text
    assert "Traceback" not in text

    response = client.post(
        "/admin/users/new",
        data={
            "login": "sneaky",
            "display_name": "S",
            "roles": ["admin"],
            "password": "long enough password",
            "csrf_token": page_token(client),
        },
    )
    assert response.status_code == 403
    with client.application.app_context():
        assert db.session.execute(db.text("select count(*) from user_account where login = 'sneaky'")).scalar() == 0


def test_the_menu_shows_administration_to_admins_only(client_as):
    assert 'href="/admin/users"' in client_as("admin").get("/").get_data(as_text=True)
    assert 'href="/admin/users"' not in client_as("quality_officer").get("/").get_data(as_text=True)


def test_an_unknown_record_is_not_found(admin):
    response = admin.get("/admin/users/nobody")
    assert response.status_code == 404
    assert "There is no such page or record." in response.get_data(as_text=True)


def test_new_roles_apply_at_once_to_the_open_sessions(app, admin, client_as):
    """Roles are read afresh at every request: a change needs no new login, and ends no session."""
    head = client_as("department_head")
    assert head.get("/admin/users").status_code == 403

    def give_roles(roles):
        version = row_version(admin.get("/admin/users/head").get_data(as_text=True))
        response = admin.post(
            "/admin/users/head",
            data={
                "display_name": "Hana Head",
                "roles": roles,
                "department": "SALES",
                "site": "MAIN",
                "active": "y",
                "row_version": version,
                "csrf_token": page_token(admin),
            },
        )
        assert response.status_code == 302

    give_roles(["department_head", "admin"])
    assert head.get("/admin/users").status_code == 200
    give_roles(["department_head"])
    assert head.get("/admin/users").status_code == 403
    assert head.get("/").status_code == 200
    again = app.test_client()
    token = page_token(again, "/login")
    assert (
        again.post("/login", data={"login": "head", "password": TEST_PASSWORD, "csrf_token": token}).status_code == 302
    )
