"""The user's own page: details, password and API tokens."""

import re

import pytest

from core.accounts import services
from core.database import db
from core.testing import TEST_PASSWORD

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
NEW_PASSWORD = "another good passphrase"


def page_token(client, path="/"):
    match = CSRF_META.search(client.get(path, follow_redirects=True).get_data(as_text=True))
    assert match, f"{path} has no csrf-token meta tag"
    return match.group(1)


def row_version(text: str) -> int:
    return int(re.search(r'name="row_version" type="hidden" value="(\d+)"', text).group(1))


@pytest.fixture
def staff(client_as):
    return client_as("staff")


def test_change_your_display_name(app, staff):
    page = staff.get("/account").get_data(as_text=True)
    assert "Sam Staff" in page
    response = staff.post(
        "/account/profile",
        data={
            "display_name": "Samuel Staff",
            "email": "sam@example.com",
            "row_version": row_version(page),
            "csrf_token": page_token(staff),
        },
    )
    assert response.status_code == 302
    page = staff.get("/account").get_data(as_text=True)
    assert "Your details were saved." in page and "Samuel Staff" in page
    with app.app_context():
        assert services.user_by_login("staff").email == "sam@example.com"


def test_a_stale_profile_edit_is_refused(app, staff):
    version = row_version(staff.get("/account").get_data(as_text=True))
    token = page_token(staff)
    assert (
        staff.post(
            "/account/profile", data={"display_name": "One", "row_version": version, "csrf_token": token}
        ).status_code
        == 302
    )
    response = staff.post("/account/profile", data={"display_name": "Two", "row_version": version, "csrf_token": token})
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    with app.app_context():
        assert services.user_by_login("staff").display_name == "One"


def test_changing_the_password_needs_the_current_one(app, staff, client_as):
    other_session = client_as("staff")
    token = page_token(staff)

    response = staff.post(
        "/account/password",
        data={"current_password": "wrong", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 422
    assert "not your current password" in response.get_data(as_text=True)

    response = staff.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": "something else",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert "The passwords differ." in response.get_data(as_text=True)

    response = staff.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": "short", "confirm": "short", "csrf_token": token},
    )
    assert response.status_code == 422
    assert "at least 10 characters" in response.get_data(as_text=True)

    response = staff.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert "Your password was changed." in staff.get("/account").get_data(as_text=True)
    assert other_session.get("/").status_code == 302, "other sessions end with the old password"

    fresh = app.test_client()
    login_token = page_token(fresh, "/login")
    assert (
        fresh.post("/login", data={"login": "staff", "password": TEST_PASSWORD, "csrf_token": login_token}).status_code
        == 401
    )
    assert (
        fresh.post("/login", data={"login": "staff", "password": NEW_PASSWORD, "csrf_token": login_token}).status_code
        == 302
    )


def test_api_token_is_shown_once_listed_and_revocable(app, staff):
    response = staff.post("/account/tokens", data={"name": "Showroom tablet", "csrf_token": page_token(staff)})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    plain = re.search(r'<p class="secret"><code>(dqms_[^<]+)</code>', text).group(1)

    listing = staff.get("/account").get_data(as_text=True)
    assert plain not in listing, "the token is never shown again"
    assert "Showroom tablet" in listing and plain[:12] in listing and "never" in listing
    with app.app_context():
        assert services.user_for_token(plain).login == "staff"
    assert "never" not in staff.get("/account").get_data(as_text=True), "its use is shown"

    token_id = re.search(r'action="/account/tokens/(\d+)/revoke"', listing).group(1)
    response = staff.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": page_token(staff)})
    assert response.status_code == 302
    assert "was revoked" in staff.get("/account").get_data(as_text=True)
    with app.app_context():
        assert services.user_for_token(plain) is None


def test_nobody_revokes_someone_elses_token(app, users, client_as):
    with app.app_context():
        token, plain = services.create_token(None, services.user_by_login("qo"), "qo's")
        db.session.commit()
        token_id = token.id
    staff = client_as("staff")
    response = staff.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": page_token(staff)})
    # Someone else's token is as unknown to them as a missing one.
    assert response.status_code == 404
    with app.app_context():
        assert services.user_for_token(plain).login == "qo"
    assert staff.post("/account/tokens/999999/revoke", data={"csrf_token": page_token(staff)}).status_code == 404
