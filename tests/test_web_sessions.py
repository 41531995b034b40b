"""Server-side sessions: what ends a session, what does not, and the account page's list."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import inspect, select

from core import create_app
from core.accounts import services
from core.accounts.models import StoredSession, UserSession
from core.accounts.sessions import session_key
from core.database import db
from core.migration import upgrade
from core.testing import TEST_PASSWORD

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)
FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
NEW_PASSWORD = "another good passphrase"


def page_token(client, path="/"):
    match = CSRF_META.search(client.get(path, follow_redirects=True).get_data(as_text=True))
    assert match, f"{path} has no csrf-token meta tag"
    return match.group(1)


def browser(app, user_agent=None, address="127.0.0.1"):
    environ = {"REMOTE_ADDR": address}
    if user_agent:
        environ["HTTP_USER_AGENT"] = user_agent
    client = app.test_client()
    client.environ_base.update(environ)
    return client


def log_in(client, login, password=TEST_PASSWORD):
    response = client.post(
        "/login", data={"login": login, "password": password, "csrf_token": page_token(client, "/login")}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def copy_of(client):
    """Another browser holding a copy of ``client``'s session cookie (what a thief would have)."""
    thief = client.application.test_client()
    # From the same address and browser: Flask-Login's strong session
    # protection drops a session used from another one.
    thief.environ_base.update(client.environ_base)
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def logged_in(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_cookie_copied_before_logout_opens_nothing_after_it(app, users):
    owner = log_in(app.test_client(), "qo")
    thief = copy_of(owner)
    assert logged_in(thief), "the copy is the session, until the session ends"

    response = owner.post("/logout", data={"csrf_token": page_token(owner)})
    assert response.status_code == 302

    assert not logged_in(thief)
    assert not logged_in(owner)


def test_the_cookie_holds_only_an_id_and_the_server_only_its_hash(app, users):
    owner = log_in(app.test_client(), "qo")
    sid = owner.get_cookie("session").value
    assert "." not in sid and "qo" not in sid, "no signed data in the cookie: the data stays on the server"
    with app.app_context():
        keys = set(db.session.execute(select(StoredSession.key)).scalars())
        (record,) = db.session.execute(select(UserSession)).scalars()
        assert record.key == session_key(sid) and session_key(sid) in keys
        assert sid not in keys


def test_changing_the_language_ends_no_session(app, users):
    a = log_in(browser(app, CHROME_ON_WINDOWS), "staff")
    b = log_in(browser(app, FIREFOX_ON_LINUX), "staff")
    copied = copy_of(a)

    response = a.post("/language", data={"locale": "zh_CN", "next": "/account", "csrf_token": page_token(a)})
    assert response.status_code == 302

    assert logged_in(b), "the other browser stays logged in"
    assert logged_in(a) and logged_in(copied)
    assert 'lang="zh' in b.get("/account").get_data(as_text=True), "and shows the new language"


def test_changing_your_details_ends_no_session(app, users):
    a = log_in(app.test_client(), "staff")
    b = log_in(app.test_client(), "staff")
    page = a.get("/account").get_data(as_text=True)
    version = re.search(r'name="row_version" type="hidden" value="(\d+)"', page).group(1)
    response = a.post(
        "/account/profile", data={"display_name": "Sam S.", "row_version": version, "csrf_token": page_token(a)}
    )
    assert response.status_code == 302
    assert logged_in(a) and logged_in(b)


def change_password(client, current=TEST_PASSWORD, new=NEW_PASSWORD):
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "confirm": new, "csrf_token": page_token(client)},
    )


def test_a_password_change_ends_every_other_session_and_renews_this_one(app, users):
    here = log_in(app.test_client(), "staff")
    elsewhere = log_in(app.test_client(), "staff")
    copied_here = copy_of(here)

    assert change_password(here).status_code == 302

    assert logged_in(here), "the browser that changed it stays logged in"
    assert not logged_in(elsewhere)
    assert not logged_in(copied_here), "this session continues under a new id; a copy of the old cookie is dead"


def test_a_refused_password_change_ends_nothing(app, users):
    here = log_in(app.test_client(), "staff")
    elsewhere = log_in(app.test_client(), "staff")
    assert change_password(here, current="not my password").status_code == 422
    assert logged_in(here) and logged_in(elsewhere)


@pytest.fixture
def admin(app, users):
    return log_in(app.test_client(), "admin")


def test_an_administrator_setting_a_password_ends_all_of_the_users_sessions(app, admin):
    staff = [log_in(app.test_client(), "staff") for _ in range(2)]
    response = admin.post(
        "/admin/users/staff/password", data={"new_password": NEW_PASSWORD, "csrf_token": page_token(admin)}
    )
    assert response.status_code == 302
    assert not any(logged_in(client) for client in staff)
    assert logged_in(admin)
    assert logged_in(log_in(app.test_client(), "staff", NEW_PASSWORD))


def deactivate(admin, login, active=False):
    page = admin.get(f"/admin/users/{login}").get_data(as_text=True)
    version = re.search(r'name="row_version" type="hidden" value="(\d+)"', page).group(1)
    data = {
        "display_name": login.title(),
        "roles": ["staff"],
        "department": "SALES",
        "site": "MAIN",
        "row_version": version,
        "csrf_token": page_token(admin),
    }
    if active:
        data["active"] = "y"
    return admin.post(f"/admin/users/{login}", data=data)


def test_deactivating_a_user_ends_all_their_sessions(app, admin):
    staff = log_in(app.test_client(), "staff")
    assert deactivate(admin, "staff").status_code == 302
    assert not logged_in(staff)
    with app.app_context():
        assert services.active_sessions_of(services.user_by_login("staff")) == []
    # Active again, the old session stays ended: its owner logs in anew.
    assert deactivate(admin, "staff", active=True).status_code == 302
    assert not logged_in(staff)
    assert logged_in(log_in(app.test_client(), "staff"))


def test_deactivating_through_the_api_ends_the_sessions_too(app, users, api_as):
    staff = log_in(app.test_client(), "staff")
    api = api_as("admin")
    version = api.get("/api/v1/users/staff").json["row_version"]
    assert api.patch("/api/v1/users/staff", json={"active": False, "row_version": version}).status_code == 200
    assert not logged_in(staff)


def test_the_account_page_lists_your_sessions_and_ends_any_of_them(app, users):
    here = log_in(browser(app, CHROME_ON_WINDOWS, "192.0.2.10"), "staff")
    phone = log_in(browser(app, FIREFOX_ON_LINUX, "198.51.100.23"), "staff")
    log_in(browser(app, FIREFOX_ON_LINUX), "qo")

    page = here.get("/account").get_data(as_text=True)
    assert "Where you are logged in" in page
    assert "Chrome on Windows" in page and "Firefox on Linux" in page
    assert "192.0.2.10" in page and "198.51.100.23" in page
    assert page.count("this session") == 1
    rows = re.findall(r'action="/account/sessions/(\d+)/end"', page)
    assert len(rows) == 2, "only your own sessions"

    with app.app_context():
        phone_id = db.session.execute(
            select(UserSession.id).where(UserSession.remote_addr == "198.51.100.23")
        ).scalar_one()
    assert here.post(f"/account/sessions/{phone_id}/end").status_code == 400, "CSRF protects it"
    assert logged_in(phone)

    response = here.post(f"/account/sessions/{phone_id}/end", data={"csrf_token": page_token(here)})
    assert response.status_code == 302
    assert "The session was ended" in here.get("/account").get_data(as_text=True)
    assert not logged_in(phone)
    assert logged_in(here)
    assert "198.51.100.23" not in here.get("/account").get_data(as_text=True)


def test_ending_this_session_from_the_list_logs_out(app, users):
    here = log_in(app.test_client(), "staff")
    page = here.get("/account").get_data(as_text=True)
    (this_id,) = re.findall(r'action="/account/sessions/(\d+)/end"', page)
    response = here.post(f"/account/sessions/{this_id}/end", data={"csrf_token": page_token(here)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not logged_in(here)


def test_nobody_ends_someone_elses_session(app, users):
    qo = log_in(app.test_client(), "qo")
    staff = log_in(app.test_client(), "staff")
    with app.app_context():
        qo_session = services.active_sessions_of(services.user_by_login("qo"))[0].id
    assert staff.post(f"/account/sessions/{qo_session}/end", data={"csrf_token": page_token(staff)}).status_code == 404
    assert staff.post("/account/sessions/999999/end", data={"csrf_token": page_token(staff)}).status_code == 404
    assert logged_in(qo)


def test_end_all_other_sessions(app, users):
    here = log_in(app.test_client(), "staff")
    others = [log_in(app.test_client(), "staff") for _ in range(2)]
    qo = log_in(app.test_client(), "qo")
    response = here.post("/account/sessions/end-others", data={"csrf_token": page_token(here)})
    assert response.status_code == 302
    assert "2 other sessions were ended." in here.get("/account").get_data(as_text=True)
    assert logged_in(here) and logged_in(qo)
    assert not any(logged_in(client) for client in others)


def test_the_session_tables_come_from_the_migration_not_from_start_up(tmp_path, empty_database):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database(folder=tmp_path / "db"),
            "SECRET_KEY": "x",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    try:
        with app.app_context():
            assert inspect(db.engine).get_table_names() == [], "starting the app creates no table"
            upgrade()
            assert {"session_store", "user_session"} <= set(inspect(db.engine).get_table_names())
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# Redis ------------------------------------------------------------------------------------


@pytest.fixture
def redis_app(make_app, users, redis_url):
    return make_app(DEALERQMS_REDIS_URL=redis_url)


def test_with_redis_the_data_is_there_and_ending_a_session_still_works(redis_app, redis_url):
    from redis import Redis

    with redis_app.app_context():
        for role, login in (("staff", "staff"), ("admin", "admin")):
            services.create_user(None, login=login, roles=[role], password=TEST_PASSWORD)
        db.session.commit()
    owner = log_in(redis_app.test_client(), "staff")
    thief = copy_of(owner)
    sid = owner.get_cookie("session").value
    store = Redis.from_url(redis_url)
    assert store.exists(f"dealerqms:session:{session_key(sid)}")
    with redis_app.app_context():
        assert db.session.execute(select(StoredSession)).first() is None, "no session data in the database"
        assert len(services.active_sessions_of(services.user_by_login("staff"))) == 1
    assert logged_in(thief)

    assert owner.post("/logout", data={"csrf_token": page_token(owner)}).status_code == 302
    assert not logged_in(thief)
    assert not store.exists(f"dealerqms:session:{session_key(sid)}")

    again = log_in(redis_app.test_client(), "staff")
    admin = log_in(redis_app.test_client(), "admin")
    response = admin.post(
        "/admin/users/staff/password", data={"new_password": NEW_PASSWORD, "csrf_token": page_token(admin)}
    )
    assert response.status_code == 302
    assert not logged_in(again)
