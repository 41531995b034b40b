"""Notifications of document control, with a real SMTP server: approvers are told a revision
waits for them, in their language, with a link; the author hears how it went. A mail server
that refuses or is down fails no page: the message waits, is retried, and is never sent twice."""

from __future__ import annotations

import pytest

from core.database import commit
from core.testing import TEST_PASSWORD, free_port, mail_config
from tests.procedures.conftest import approve, make_procedure, user


@pytest.fixture
def app_config(smtp_server):
    return mail_config(smtp_server)


@pytest.fixture
def emails(app, people, make_user):
    """Everyone of the cast has an address; the head reads Chinese."""
    from core.accounts.services import user_by_login

    with app.app_context():
        for login in ("qo", "qo2", "head", "staff", "servicehead"):
            person = user_by_login(login)
            person.email = f"{login}@dealer.example.cn"
            if login == "head":
                person.locale = "zh_CN"
        commit()


def _submitted(app):
    from procedures import services

    with app.app_context():
        revision = make_procedure().revisions[0]
        services.submit(user("qo2"), revision, row_version=revision.row_version)
        commit()


def _tick(app):
    from core.scheduler import run_tick

    with app.app_context():
        return run_tick()


def test_approvers_are_told_in_their_language_with_a_link(app, emails, smtp_server, api_as):
    _submitted(app)
    # In the app at once, before any e-mail.
    [seen] = api_as("qo").get("/api/v1/notifications").get_json()
    assert seen["subject"] == "Approve revision 1 of SA-PR-001 — Showroom reception"
    assert seen["url"] == "/procedures/SA-PR-001/revisions/1/sign/approved" and seen["read_at"] is None
    assert smtp_server.messages == []
    assert _tick(app) == ["core.notifications: 2 e-mails sent, 0 waiting for a retry"]
    by_recipient = {message["To"]: message for message in smtp_server.messages}
    assert set(by_recipient) == {"qo@dealer.example.cn", "head@dealer.example.cn"}, "not the author, nor others"
    english, chinese = by_recipient["qo@dealer.example.cn"], by_recipient["head@dealer.example.cn"]
    # Encoded words are folded onto the next line; a mail reader shows the text without the fold.
    assert english["Subject"].strip() == "[dealerqms] Approve revision 1 of SA-PR-001 — Showroom reception"
    assert "https://qms.example.com/procedures/SA-PR-001/revisions/1/sign/approved" in english.get_content()
    assert chinese["Subject"].strip() == "[dealerqms] 批准 SA-PR-001 第 1 版 — Showroom reception"
    assert "https://qms.example.com/procedures/SA-PR-001/revisions/1/sign/approved" in chinese.get_content()
    # A second tick sends nothing again.
    assert _tick(app) == [] and len(smtp_server.messages) == 2


def test_the_author_hears_that_it_took_effect(app, emails, smtp_server, api_as):
    _submitted(app)
    with app.app_context():
        from procedures import services

        approve(services.procedure_by_code("SA-PR-001").revisions[0], "head", "qo")
    subjects = [n["subject"] for n in api_as("qo2").get("/api/v1/notifications").get_json()]
    assert subjects == ["Revision 1 of SA-PR-001 is in force"]


def test_a_refusing_mail_server_fails_no_page_and_the_message_waits(app, emails, smtp_server, client_as):
    smtp_server.refuse = True
    _submitted(app)
    assert _tick(app) == ["core.notifications: 0 e-mails sent, 2 waiting for a retry"]
    assert smtp_server.messages == []
    page = client_as("admin").get("/notifications/mail").get_data(as_text=True)
    assert "qo@dealer.example.cn" in page and "451" in page and "pending" in page
    # Not before the retry time; then it goes, once.
    smtp_server.refuse = False
    assert _tick(app) == []
    from datetime import timedelta

    from core.clock import utcnow
    from core.notifications import mail

    with app.app_context():
        assert mail.send_pending(utcnow() + timedelta(minutes=2)) == (2, 0)
        assert mail.send_pending(utcnow() + timedelta(minutes=3)) == (0, 0)
    assert len(smtp_server.messages) == 2
    assert "Nothing is waiting" in client_as("admin").get("/notifications/mail").get_data(as_text=True)


def test_no_mail_server_at_all_is_no_error_either(make_app, people, smtp_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    from core.accounts.services import create_user, department_by_code

    with app.app_context():
        for login, roles in (("qo", ["quality_officer"]), ("qo2", ["quality_officer"]), ("head", ["department_head"])):
            create_user(
                None,
                login=login,
                display_name=login,
                roles=roles,
                password=TEST_PASSWORD,
                department=department_by_code("SALES" if login == "head" else "QUALITY"),
            ).email = f"{login}@dealer.example.cn"
        commit()
    _submitted(app)
    assert _tick(app) == ["core.notifications: 0 e-mails sent, 2 waiting for a retry"]
    from core.notifications.models import Notification

    with app.app_context():
        from core.database import db

        errors = db.session.execute(db.select(Notification.mail_error)).scalars().all()
    assert errors and all("ConnectionRefusedError" in error for error in errors)


def test_a_daily_digest_gathers_them_and_a_signature_asked_cannot_be_turned_off(app, emails, smtp_server, client_as):
    from core.notifications import services

    with app.app_context():
        services.set_preferences(user("qo"), {"procedures.approval_asked": "daily"})
        commit()
        with pytest.raises(Exception, match="cannot be turned off"):
            services.set_preferences(user("qo"), {"procedures.approval_asked": "off"})
    _submitted(app)
    _tick(app)
    to_qo = [m for m in smtp_server.messages if m["To"] == "qo@dealer.example.cn"]
    assert [m["Subject"].strip() for m in to_qo] == ["[dealerqms] Your dealerqms digest: 1 notifications"]
    page = client_as("qo").get("/notifications/preferences").get_data(as_text=True)
    assert 'name="procedures.approval_asked" value="off" aria-label' in page and "disabled" in page


def test_opening_a_notification_marks_it_read_and_goes_to_the_record(app, emails, client_as, api_as):
    _submitted(app)
    client = client_as("qo")
    page = client.get("/").get_data(as_text=True)
    assert 'Notifications <span class="badge nav-count"' in page
    [notification] = api_as("qo").get("/api/v1/notifications?unread=true").get_json()
    import re

    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    opened = client.post(f"/notifications/{notification['id']}/open", data={"csrf_token": token})
    assert opened.headers["Location"] == "/procedures/SA-PR-001/revisions/1/sign/approved"
    assert api_as("qo").get("/api/v1/notifications?unread=true").get_json() == []
    # Someone else's notification is not there.
    assert api_as("head").post(f"/api/v1/notifications/{notification['id']}/read").status_code == 404


def test_the_command_line_lists_notifications_and_the_mail_waiting(app, emails, smtp_server):
    smtp_server.refuse = True
    _submitted(app)
    _tick(app)
    mine = app.test_cli_runner().invoke(args=["notifications", "--as", "qo"])
    assert mine.exit_code == 0 and "* " in mine.output and "Approve revision 1 of SA-PR-001" in mine.output
    assert mine.output.strip().endswith("1 unread.")
    waiting = app.test_cli_runner().invoke(args=["notifications", "--waiting"])
    assert waiting.exit_code == 0 and "qo@dealer.example.cn" in waiting.output and "451" in waiting.output
    assert app.test_cli_runner().invoke(args=["notifications"]).exit_code == 2
