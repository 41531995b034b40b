"""Complaint handling (ISO 10002 §7.3, §7.9): acknowledgement within 24 hours as a computed metric
on hand-worked examples, the ageing panel of open complaints and who sees it, and the escalation
of complaints left waiting — to whom, once per step."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.clock import add_months, current_period, local_time, today, utcnow
from core.database import commit
from core.plugins import submit_forms
from plugins.aftersales import computations, escalation
from tests.plugins_aftersales.conftest import series

SHANGHAI = ZoneInfo("Asia/Shanghai")
COMPLAINT = "aftersales.complaint"


def complaint(number, received_on, **fields):
    return {
        "complaint_id": number,
        "entry": "new",
        "received_on": str(received_on),
        "channel": "phone",
        "category": "waiting_time",
        "severity": "medium",
        "customer": "王先生",
        "description": "The car was ready two hours late.",
        "owner": "张敏",
        "status": "open",
        **fields,
    }


def at(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- acknowledgement within 24 hours, by hand -------------------------------------------------------------------------


def march_register():
    """Complaints of March 2026 at a Shanghai site (UTC+8), with what each is, worked by hand."""
    return [
        # A: exactly 24 h from receipt to the first call: within.
        complaint("A", "2026-03-02", received_at="2026-03-02T02:00:00"),
        {**complaint("A", "2026-03-02", entry="update"), "acknowledged_at": "2026-03-03T02:00:00"},
        # B: 24 h 1 min: late.
        complaint("B", "2026-03-05", received_at="2026-03-05T02:00:00", acknowledged_at="2026-03-06T02:01:00"),
        # C: 23:00 on 31 March in Shanghai (15:00 UTC), called back at 11:00 on 1 April: March's, within.
        complaint("C", "2026-03-31", received_at="2026-03-31T15:00:00"),
        {**complaint("C", "2026-03-31", entry="update"), "acknowledged_at": "2026-04-01T03:00:00"},
        # C2: 00:30 on 1 April in Shanghai, still 31 March in UTC: April's.
        complaint("C2", "2026-04-01", received_at="2026-03-31T16:30:00", acknowledged_at="2026-03-31T17:00:00"),
        # D: received on 10 March, registered on the 12th: the clock ran from the start of the 10th
        # (16:00 UTC on the 9th), so the call at registration came 57 h later: late.
        complaint("D", "2026-03-10", received_at="2026-03-12T01:00:00", acknowledged_at="2026-03-12T01:00:00"),
        # E: from the public page (the day only), called the next day (version 2's date): within.
        complaint("E", "2026-03-20", channel="web", acknowledged_on="2026-03-21"),
        # F: the day only, called two days later at 18:00 Shanghai: late.
        complaint("F", "2026-03-20", channel="web", acknowledged_at="2026-03-22T10:00:00"),
        # G: never called, long past 24 h: late.
        complaint("G", "2026-03-25", received_at="2026-03-25T01:00:00"),
        # H: received at 20:00 on the 31st, not called yet, inside its first 24 h: left out.
        complaint("H", "2026-03-31", received_at="2026-03-31T12:00:00"),
    ]


def test_acknowledgement_within_24_hours_on_a_hand_worked_month():
    now = utc("2026-04-01T05:00:00")
    # March: A, C and E within; B, D, F and G late; H left out: 3 ÷ 7 = 42.86 %.
    rate = computations.acknowledged_within_rate(march_register(), "2026-03", SHANGHAI, now)
    assert rate == pytest.approx(3 / 7 * 100)
    # April (the site's month): C2 alone, called within the hour.
    assert computations.acknowledged_within_rate(march_register(), "2026-04", SHANGHAI, now) == 100
    assert computations.acknowledged_within_rate(march_register(), "2026-02", SHANGHAI, now) is None


def test_an_unanswered_complaint_counts_late_once_24_hours_have_passed():
    register = [complaint("H", "2026-03-31", received_at="2026-03-31T12:00:00")]
    exactly = utc("2026-04-01T12:00:00")
    assert computations.acknowledged_within_rate(register, "2026-03", SHANGHAI, exactly) is None
    assert computations.acknowledged_within_rate(register, "2026-03", SHANGHAI, exactly + timedelta(minutes=1)) == 0
    # Known by the day only: late once the day after the day of receipt has ended (Shanghai midnight).
    by_day = [complaint("E", "2026-03-20", channel="web")]
    end_of_next_day = utc("2026-03-21T16:00:00")
    assert computations.acknowledged_within_rate(by_day, "2026-03", SHANGHAI, end_of_next_day) is None
    assert (
        computations.acknowledged_within_rate(by_day, "2026-03", SHANGHAI, end_of_next_day + timedelta(seconds=1)) == 0
    )


def test_the_metric_is_computed_from_the_register_by_the_sites_month(app, users, make_user, api_as):
    make_user("asstaff", "staff", department="AFTERSALES")
    period = add_months(current_period(), -2)
    year, month = int(period[:4]), int(period[5:])
    last_day = calendar.monthrange(year, month)[1]
    late_evening = local_time(year, month, last_day, 23, 0)
    first_day = f"{period}-01"
    entries = [
        # Called back 12 hours later, in the next month: counts in this one, within.
        (complaint("C-1", f"{period}-{last_day:02d}", received_at=at(late_evening)), late_evening),
        (
            {
                **complaint("C-1", f"{period}-{last_day:02d}", entry="update"),
                "acknowledged_at": at(late_evening + timedelta(hours=12)),
            },
            late_evening + timedelta(hours=12),
        ),
        # Called 24 h 1 min later: late.
        (
            complaint(
                "C-2",
                first_day,
                received_at=at(local_time(year, month, 1, 9, 0)),
                acknowledged_at=at(local_time(year, month, 2, 9, 1)),
            ),
            local_time(year, month, 2, 9, 1),
        ),
    ]
    with app.app_context():
        submit_forms(
            [
                {"form_key": COMPLAINT, "data": data, "site": "MAIN", "submitted_by": "asstaff", "submitted_at": when}
                for data, when in entries
            ]
        )
    values = series(api_as("staff"), "aftersales.complaints_acknowledged_24h")
    # 1 of 2: the call filed in the next month counts for the month of receipt.
    assert values[period] == pytest.approx(50)


# -- the ageing panel --------------------------------------------------------------------------------------------------


def _file(app, entries):
    with app.app_context():
        submit_forms(
            [
                {"form_key": COMPLAINT, "data": data, "site": "MAIN", "submitted_by": "asstaff", "submitted_at": when}
                for data, when in entries
            ]
        )


def _received(days_ago: int) -> tuple[str, datetime]:
    """The day ``days_ago`` days before the site's today, and a moment of it that has passed."""
    day = today() - timedelta(days=days_ago)
    moment = min(local_time(day.year, day.month, day.day, 9, 30), utcnow() - timedelta(minutes=5))
    return day.isoformat(), moment


def _panel(page: str) -> str:
    start = page.index("Open complaints (")
    return page[start : page.index("</section>", start)]


def _rows(panel: str) -> dict[str, list[str]]:
    return {
        name: re.findall(r'<td class="num">([^<]*)</td>', cells)
        for name, cells in re.findall(r"<tr><th>([^<]+)</th>(.*?)</tr>", panel)
        if "<td" in cells
    }


@pytest.fixture
def register(app, users, make_user):
    """Open and closed complaints of various severities and ages at MAIN."""
    make_user("asstaff", "staff", department="AFTERSALES", display_name="Ann Service")
    make_user("ashead", "department_head", department="AFTERSALES", display_name="Ai Shou")
    day0, moment0 = _received(0)
    day3, moment3 = _received(3)
    day10, moment10 = _received(10)
    day40, moment40 = _received(40)
    day5, moment5 = _received(5)
    _file(
        app,
        [
            # Today's, nobody called yet but inside its first day.
            (complaint("P-1", day0, severity="high", received_at=at(moment0)), moment0),
            (complaint("P-2", day3, severity="high", received_at=at(moment3), acknowledged_at=at(moment3)), moment3),
            # Past its week.
            (complaint("P-3", day10, received_at=at(moment10), acknowledged_at=at(moment10)), moment10),
            # A date agreed with the customer, not yet reached.
            (
                complaint(
                    "P-4",
                    day10,
                    received_at=at(moment10),
                    acknowledged_at=at(moment10),
                    agreed_close_by=(today() + timedelta(days=5)).isoformat(),
                ),
                moment10,
            ),
            # From the public page 40 days ago, never called back.
            (complaint("P-5", day40, severity="low", channel="web", owner="待分派"), moment40),
            # Closed: not in the panel.
            (complaint("P-6", day5, severity="low", status="closed", closed_on=day5), moment5),
            (complaint("P-7", day5, received_at=at(moment5), acknowledged_at=at(moment5)), moment5),
            ({**complaint("P-7", day5, entry="update"), "status": "closed", "closed_on": day0}, moment0),
        ],
    )


def test_the_ageing_panel_counts_open_complaints_by_severity_and_age(app, register, client_as):
    panel = _panel(client_as("ashead").get("/", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert panel.startswith("Open complaints (5)")
    # Columns: ≤ 1 day, 2–7 days, 8–30 days, > 30 days, total.
    assert _rows(panel) == {
        "High": ["1", "1", "–", "–", "2"],
        "Medium": ["–", "–", "2", "–", "2"],
        "Low": ["–", "–", "–", "1", "1"],
    }
    assert "Past the closing date: 2" in panel and "No contact after 24 hours: 1" in panel
    # The oldest first, linked to the register.
    oldest = re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', panel)
    assert [number for _link, number in oldest] == ["P-5", "P-3", "P-4", "P-2", "P-1"]
    assert oldest[0][0] == "/forms/aftersales.complaint/submissions?site=MAIN"
    assert "P-6" not in panel and "P-7" not in panel


def test_the_ageing_panel_reads_in_chinese(app, register, client_as, csrf_token):
    client = client_as("ashead")
    client.post("/language", data={"locale": "zh_CN", "next": "/", "csrf_token": csrf_token(client)})
    page = client.get("/").get_data(as_text=True)
    start = page.index("未结投诉（5）")
    panel = page[start : page.index("</section>", start)]
    assert "≤ 1 天" in panel and "超过 30 天" in panel and "超过结案日期：2" in panel
    assert "24 小时后仍未联系：1" in panel


def test_the_ageing_panel_and_the_overdue_list_show_to_who_reads_the_sites_aftersales_records(app, register, client_as):
    def overdue_list(page):
        start = page.index('id="overdue-heading"')
        return page[start : page.index("</section>", start)]

    for reader in ("ashead", "qo"):
        page = client_as(reader).get("/").get_data(as_text=True)
        assert "Open complaints (5)" in page, reader
        overdue = overdue_list(page)
        assert "P-3" in overdue and "P-5" in overdue and "P-4" not in overdue
    # After-sales staff see the overdue complaints they act on (staff see no panels).
    page = client_as("asstaff").get("/").get_data(as_text=True)
    assert "P-5" in overdue_list(page) and "Open complaints" not in page
    # Sales people, head or not, see neither.
    for reader in ("staff", "head"):
        page = client_as(reader).get("/").get_data(as_text=True)
        assert "Open complaints" not in page and "P-5" not in page, reader


def test_the_dashboard_reads_the_complaint_register_once_for_the_panel_and_the_overdue_list(app, register, client_as):
    """Both show the site's open complaints, found in two years of the register: one read, not one
    each (at the large demo size the reads were a third of the area panels' time)."""
    from sqlalchemy import event

    from core.answer_cache import forget_kept_answers
    from core.database import db

    reads = []

    def note(_conn, _cursor, statement, parameters, _context, _executemany):
        if "FROM form_submission" in statement and "BETWEEN" in statement and COMPLAINT in repr(parameters):
            reads.append((statement, parameters))

    client = client_as("qo")
    client.get("/")  # the submissions' computed metrics are recomputed on the first visit
    with app.app_context():
        engine = db.engine
        forget_kept_answers()  # measured as the first look after a write
    event.listen(engine, "before_cursor_execute", note)
    try:
        page = client.get("/").get_data(as_text=True)
        assert len(reads) == 1
        # The next look, nothing written since, finds the open complaints kept (core.answer_cache).
        client.get("/")
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert "Open complaints (5)" in page and "P-5" in page
    assert len(reads) == 1


# -- escalation ----------------------------------------------------------------------------------------------------


def _notices(api_as, who):
    return [(n["kind"], n["subject"]) for n in api_as(who).get("/api/v1/notifications").get_json()]


def _escalate(app, now):
    with app.test_request_context():
        from core.accounts.services import site_by_code

        told = escalation.escalate(site_by_code("MAIN"), now)
        commit()
        return told


@pytest.fixture
def waiting(app, users, make_user):
    """An after-sales head at MAIN, and a complaint received an hour ago; its receipt moment."""
    make_user("ashead", "department_head", department="AFTERSALES", display_name="Ai Shou")
    make_user("asstaff", "staff", department="AFTERSALES")
    received = utcnow() - timedelta(hours=1)
    day = received.astimezone(SHANGHAI).date()
    _file(app, [(complaint("CP-1", day.isoformat(), received_at=at(received)), received)])
    return received


def _day_start(received: datetime, days_after: int) -> datetime:
    day = received.astimezone(SHANGHAI).date() + timedelta(days=days_after)
    return local_time(day.year, day.month, day.day, 0, 30)


def test_a_complaint_left_waiting_goes_to_the_aftersales_head_then_to_quality_once_per_step(app, waiting, api_as):
    received = waiting
    day = received.astimezone(SHANGHAI).date()
    assert _escalate(app, received + timedelta(hours=23)) == 0
    # Nobody called within 24 hours: the after-sales head hears of it, once.
    assert _escalate(app, received + timedelta(hours=25)) == 1
    assert _escalate(app, received + timedelta(hours=26)) == 0
    assert _notices(api_as, "ashead") == [
        ("aftersales.complaint_unacknowledged", f"Complaint CP-1, received {day}, is not acknowledged yet")
    ]
    # Due 7 days after receipt; on the 8th day it is overdue: the head again (nobody else).
    due = day + timedelta(days=7)
    assert _escalate(app, _day_start(received, 7)) == 0
    assert _escalate(app, _day_start(received, 8)) == 1
    assert _escalate(app, _day_start(received, 8) + timedelta(hours=5)) == 0
    assert ("aftersales.complaint_overdue", f"Complaint CP-1 is still open after {due}") in _notices(api_as, "ashead")
    # Still open 7 days after its date: the site's quality officers.
    assert _escalate(app, _day_start(received, 13)) == 0
    assert _escalate(app, _day_start(received, 14)) == 1
    assert _escalate(app, _day_start(received, 15)) == 0
    assert _notices(api_as, "qo") == [
        ("aftersales.complaint_escalated", f"Complaint CP-1 has been open 7 days past {due}")
    ]
    assert len(_notices(api_as, "ashead")) == 2
    # The sales head and the staff hear nothing of it.
    assert _notices(api_as, "head") == [] and _notices(api_as, "staff") == []


def test_a_new_closing_date_is_a_new_step_and_a_closed_complaint_is_left_alone(app, waiting, api_as):
    received = waiting
    day = received.astimezone(SHANGHAI).date()
    later = day + timedelta(days=10)
    assert _escalate(app, _day_start(received, 8)) == 2  # not called back, and past its week
    moved = {**complaint("CP-1", day.isoformat(), entry="update"), "agreed_close_by": later.isoformat()}
    _file(app, [(moved, utcnow())])
    assert _escalate(app, _day_start(received, 9)) == 0
    assert _escalate(app, _day_start(received, 11)) == 1
    assert ("aftersales.complaint_overdue", f"Complaint CP-1 is still open after {later}") in _notices(api_as, "ashead")
    closed = {**moved, "status": "closed", "closed_on": utcnow().astimezone(SHANGHAI).date().isoformat()}
    _file(app, [(closed, utcnow())])
    assert _escalate(app, _day_start(received, 30)) == 0


@pytest.mark.parametrize(
    "app_config", [{"DEALERQMS_PLUGIN_CONFIG": {"aftersales": {"escalate_to_quality_after_days": 2}}}]
)
def test_the_instance_sets_when_quality_hears_of_an_overdue_complaint(app, waiting, api_as):
    received = waiting
    assert _escalate(app, _day_start(received, 8)) == 2
    assert _escalate(app, _day_start(received, 9)) == 1
    assert [kind for kind, _subject in _notices(api_as, "qo")] == ["aftersales.complaint_escalated"]


def test_escalations_read_in_the_readers_language(app, waiting, api_as):
    from core.accounts.services import user_by_login

    with app.app_context():
        user_by_login("ashead").locale = "zh_CN"
        commit()
    assert _escalate(app, waiting + timedelta(hours=25)) == 1
    (notice,) = api_as("ashead").get("/api/v1/notifications").get_json()
    assert notice["subject"] == f"投诉 CP-1（{waiting.astimezone(SHANGHAI).date()} 接收）仍未确认受理"


def test_the_tick_takes_the_steps_for_every_site_outside_a_request_and_keeps_them(app, waiting, api_as):
    from core.plugin_engine import manager

    received = waiting
    with app.app_context():
        done = manager.tick(received + timedelta(hours=25))
    assert "aftersales: complaint reminders and escalations: 1" in done
    # Kept by the core's commit after the plugin's tick, with the register's page as its link.
    notices = api_as("ashead").get("/api/v1/notifications").get_json()
    assert [n["kind"] for n in notices] == ["aftersales.complaint_unacknowledged"]
    assert notices[0]["url"].startswith("/forms/aftersales.complaint/")
    with app.app_context():
        again = manager.tick(received + timedelta(hours=26))
    assert not any(line.startswith("aftersales:") for line in again)
