"""Login throttling per login and per client address, with delays the owner can wait out,
and answers that take as long for an unknown login as for a real one."""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta

import pytest
import time_machine

from core.accounts import services
from core.clock import utcnow
from core.database import commit
from core.testing import TEST_PASSWORD

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
OWNER = "192.0.2.1"
ATTACKER = "203.0.113.9"
TRAVELLER = "198.51.100.5"


def browser(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def attempt(client, login, password=TEST_PASSWORD):
    token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token})


def fail(client, login, times=1):
    for number in range(times):
        assert attempt(client, login, f"wrong guess {number}").status_code == 401


def assert_waits(response, seconds: int, text: str):
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(seconds)
    assert text in response.get_data(as_text=True)


@pytest.fixture
def clock():
    with time_machine.travel(utcnow(), tick=False) as traveller:
        yield traveller


def test_a_stranger_guessing_cannot_keep_the_owner_out(app, users, clock):
    owner = browser(app, OWNER)
    assert attempt(owner, "admin").status_code == 302
    assert owner.post("/logout", data={"csrf_token": CSRF_META.search(owner.get("/").text).group(1)}).status_code == 302

    attacker = browser(app, ATTACKER)
    fail(attacker, "admin", times=5)
    assert_waits(attempt(attacker, "admin"), 30, "Too many failed logins. Try again in 30 seconds.")
    # From an address it has never succeeded from, the login waits too, right password or not...
    assert_waits(attempt(browser(app, TRAVELLER), "admin"), 30, "Try again in 30 seconds.")
    # ...but from where its owner logs in, it does not.
    assert attempt(owner, "admin").status_code == 302


def test_the_wait_doubles_and_the_right_password_after_it_gets_in(app, users, clock):
    app.config.update(DEALERQMS_LOGIN_MAX_FAILURES=2, DEALERQMS_LOGIN_MAX_DELAY=timedelta(minutes=2))
    client = browser(app, ATTACKER)
    fail(client, "qo", times=2)
    assert_waits(attempt(client, "qo"), 30, "Try again in 30 seconds.")
    clock.shift(timedelta(seconds=20))
    assert_waits(attempt(client, "qo"), 10, "Try again in 10 seconds."), "waiting out part of it does not do"
    for wait, text in ((60, "Try again in 1 minute."), (120, "Try again in 2 minutes."), (120, "2 minutes")):
        clock.shift(timedelta(seconds=31))
        fail(client, "qo")
        assert_waits(attempt(client, "qo"), wait, text)
        clock.shift(timedelta(seconds=wait - 31))
    clock.shift(timedelta(seconds=31))
    assert attempt(client, "qo").status_code == 302, "after the wait the right password gets in"


def test_an_unknown_login_is_throttled_like_a_real_one(app, users, clock):
    client = browser(app, ATTACKER)
    fail(client, "nobody-here", times=5)
    assert_waits(attempt(client, "nobody-here"), 30, "Too many failed logins. Try again in 30 seconds.")


def test_an_address_trying_many_logins_waits(app, users, clock):
    app.config.update(DEALERQMS_LOGIN_ADDRESS_MAX_FAILURES=3)
    sprayer = browser(app, ATTACKER)
    for login in ("qo", "head", "auditor"):
        fail(sprayer, login)
    assert_waits(attempt(sprayer, "staff"), 30, "Try again in 30 seconds.")
    assert attempt(browser(app, OWNER), "staff").status_code == 302, "other addresses are not affected"
    clock.shift(timedelta(seconds=31))
    assert attempt(sprayer, "staff").status_code == 302


def test_typing_mistakes_of_the_people_of_an_office_do_not_block_it(app, users, clock):
    """A dealership's staff share one address: their own slips count per login, not against the address."""
    app.config.update(DEALERQMS_LOGIN_ADDRESS_MAX_FAILURES=3)
    office = browser(app, OWNER)
    people = ("qo", "head", "auditor", "staff")
    for login in people:
        assert attempt(browser(app, OWNER), login).status_code == 302
    for login in people:
        fail(office, login)
    assert attempt(office, "admin").status_code == 302


@pytest.fixture
def costly_hashing(monkeypatch):
    """argon2 slow enough that skipping it would show, unlike the suite's cheapest setting."""
    from argon2 import PasswordHasher

    from core.accounts import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=2, memory_cost=32768, parallelism=1))


def test_an_unknown_login_takes_as_long_as_a_wrong_password(app, costly_hashing, make_user):
    app.config.update(DEALERQMS_LOGIN_MAX_FAILURES=100, DEALERQMS_LOGIN_ADDRESS_MAX_FAILURES=100)
    make_user("real.person", "staff")
    client = browser(app, ATTACKER)
    token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)

    def seconds(login):
        started = time.perf_counter()
        response = client.post("/login", data={"login": login, "password": "not the password", "csrf_token": token})
        assert response.status_code == 401
        return time.perf_counter() - started

    seconds("real.person"), seconds("no.such.person")  # warm-up
    real, unknown = [], []
    for _round in range(5):
        real.append(seconds("real.person"))
        unknown.append(seconds("no.such.person"))
    ratio = statistics.median(real) / statistics.median(unknown)
    assert 1 / 3 < ratio < 3, f"real {statistics.median(real):.4f}s, unknown {statistics.median(unknown):.4f}s"


def test_behind_a_trusted_proxy_the_forwarded_address_counts(make_app, clock):
    behind_proxy = make_app(DEALERQMS_TRUSTED_PROXIES=1, DEALERQMS_LOGIN_ADDRESS_MAX_FAILURES=2)
    with behind_proxy.app_context():
        services.create_user(None, login="staff", roles=["staff"], password=TEST_PASSWORD)
        commit()
    proxy = browser(behind_proxy, "10.0.0.2")
    for login in ("qo", "head"):
        token = CSRF_META.search(proxy.get("/login").get_data(as_text=True)).group(1)
        response = proxy.post(
            "/login",
            data={"login": login, "password": "wrong guess", "csrf_token": token},
            headers={"X-Forwarded-For": ATTACKER},
        )
        assert response.status_code == 401
    token = CSRF_META.search(proxy.get("/login").get_data(as_text=True)).group(1)
    data = {"login": "staff", "password": TEST_PASSWORD, "csrf_token": token}
    assert proxy.post("/login", data=data, headers={"X-Forwarded-For": ATTACKER}).status_code == 429
    assert proxy.post("/login", data=data, headers={"X-Forwarded-For": OWNER}).status_code == 302


def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(app, users, clock):
    app.config.update(DEALERQMS_LOGIN_ADDRESS_MAX_FAILURES=2)
    client = browser(app, ATTACKER)
    for number, login in enumerate(("qo", "head")):
        token = CSRF_META.search(client.get("/login").get_data(as_text=True)).group(1)
        response = client.post(
            "/login",
            data={"login": login, "password": "wrong guess", "csrf_token": token},
            headers={"X-Forwarded-For": f"192.0.2.{100 + number}"},
        )
        assert response.status_code == 401
    assert attempt(client, "staff").status_code == 429, "a made-up X-Forwarded-For does not reset the count"


def test_a_mistyped_proxy_count_stops_start_up(monkeypatch, make_app):
    from core.config import ConfigurationError

    monkeypatch.setenv("DEALERQMS_TRUSTED_PROXIES", "one")
    with pytest.raises(ConfigurationError, match="DEALERQMS_TRUSTED_PROXIES"):
        make_app()
