"""Recurring forms: a form is scheduled at a site, each tick creates the day's due once, in the
site's time zone; the department's people find it in their tasks, and a submission of the form
at that site closes the earliest open one. A missed one stays, overdue."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from core.plugins import Field, Form, hookimpl

ROUTINE = "routine.visit"
TASK = "core.forms.fill"


class Routine:
    """A form of SALES with one field, so that a submission is one line."""

    @hookimpl
    def register_forms(self):
        return [
            Form(
                key=ROUTINE,
                title="Showroom visit log",
                version=1,
                area="SALES",
                fields=[Field(key="note", label="Note", type="text", required=True)],
            ),
            Form(
                key="routine.other",
                title="Another log",
                version=1,
                area="SALES",
                fields=[Field(key="note", label="Note", type="text", required=True)],
            ),
        ]


@pytest.fixture
def routine(app, users, register_plugin):
    register_plugin(Routine(), "routine")
    return users


pytestmark = pytest.mark.usefixtures("routine")


def _user(login):
    from core.accounts.services import user_by_login

    return user_by_login(login)


def _schedule(app, actor="head", **overrides) -> int:
    from core.database import commit
    from core.forms import schedules

    with app.app_context():
        fields = dict(site="MAIN", form=ROUTINE, frequency="daily")
        fields.update(overrides)
        schedule = schedules.create_schedule(_user(actor), **fields)
        commit()
        return schedule.id


def _tick(app, now=None) -> int:
    from core.clock import utcnow
    from core.database import commit
    from core.forms import schedules

    with app.app_context():
        created = schedules.create_due(now or utcnow())
        commit()
        return created


def _main_today(app) -> date:
    from core.accounts.services import site_by_code
    from core.rhythm import site_today

    with app.app_context():
        return site_today(site_by_code("MAIN"))


def _tasks(api_as, who):
    return api_as(who).get(f"/api/v1/tasks?kind={TASK}").get_json()


def _submit(api_as, who="staff", site="MAIN", form=ROUTINE):
    response = api_as(who).post(f"/api/v1/forms/{form}/submissions", json={"site": site, "data": {"note": "Seen"}})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_each_tick_creates_the_days_dues_once_in_the_sites_time_zone(app, make_user):
    from core.accounts.services import create_site, site_by_code
    from core.database import commit, db
    from core.forms.models import FormDue

    make_user("group.qo", "quality_officer", department="QUALITY", site=None)
    with app.app_context():
        site_by_code("MAIN").time_zone = "Asia/Shanghai"
        create_site(None, "NORTH", "North dealership").time_zone = "UTC"
        commit()
    _schedule(app, starts_on=date(2026, 12, 1))
    _schedule(app, actor="group.qo", site="NORTH", starts_on=date(2026, 12, 1))
    _schedule(app, frequency="weekly", weekdays=[0], starts_on=date(2026, 11, 30), title="Monday log")
    # 17:00 UTC on 4 December is already 5 December in Shanghai, still the 4th in UTC.
    evening = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert _tick(app, evening) == 5 + 4 + 1
    assert _tick(app, evening) == 0 and _tick(app, evening + timedelta(minutes=1)) == 0
    with app.app_context():
        days = db.session.execute(
            db.select(FormDue.occurs_on).join(FormDue.site).where(FormDue.schedule_id == 1).order_by(FormDue.occurs_on)
        ).scalars()
        assert list(days) == [date(2026, 12, day) for day in range(1, 6)]
        north = db.session.execute(db.select(db.func.max(FormDue.occurs_on)).where(FormDue.schedule_id == 2)).scalar()
        assert north == date(2026, 12, 4)
        mondays = db.session.execute(db.select(FormDue.occurs_on).where(FormDue.schedule_id == 3)).scalars()
        assert list(mondays) == [date(2026, 11, 30)]
        assert {due.form_key for due in db.session.execute(db.select(FormDue)).scalars()} == {ROUTINE}


def test_a_submission_at_the_site_closes_the_earliest_open_due_and_its_task_goes(app, api_as, client_as, make_user):
    from core.accounts.services import create_site
    from core.database import commit, db
    from core.forms.models import FormDue

    with app.app_context():
        create_site(None, "NORTH", "North dealership")
        commit()
    make_user("group.staff", "staff", department="SALES", site=None)
    today = _main_today(app)
    _schedule(app, starts_on=today - timedelta(days=2))
    assert _tick(app) == 3
    tasks = _tasks(api_as, "staff")
    assert [task["due"] for task in tasks] == [(today - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
    first = tasks[0]
    assert first["title"] == "Showroom visit log — MAIN" and first["kind_label"] == "Form due"
    assert first["url"] == f"/forms/{ROUTINE}/new?site=MAIN" and first["overdue"] is True
    assert first["why"] == "It is for the people of SALES at your site."
    # Another form, or the same form at another site, closes nothing here.
    _submit(api_as, form="routine.other")
    _submit(api_as, "group.staff", site="NORTH")
    assert len(_tasks(api_as, "staff")) == 3

    client = client_as("staff")
    page = client.get(first["url"] + f"&task={TASK}").get_data(as_text=True)
    assert '<option value="MAIN" selected>' in page and f'name="task" value="{TASK}"' in page
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    done = client.post(
        f"/forms/{ROUTINE}/new", data={"csrf_token": token, "site": "MAIN", "note": "Floor busy", "task": TASK}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/tasks/next?kind={TASK}")
    assert [task["due"] for task in _tasks(api_as, "staff")] == [
        (today - timedelta(days=n)).isoformat() for n in (1, 0)
    ]
    with app.app_context():
        closed = db.session.execute(db.select(FormDue).where(FormDue.state == "done")).scalars().all()
        assert [(due.occurs_on, due.submission.data) for due in closed] == [
            (today - timedelta(days=2), {"note": "Floor busy"})
        ]
        assert closed[0].done_at is not None
    # The schedule counts the dues of the site's month so far (on the 1st or 2nd, some were last month's).
    [schedule] = api_as("head").get("/api/v1/form-schedules").get_json()
    this_month = [n for n in (2, 1, 0) if (today - timedelta(days=n)).month == today.month]
    assert (schedule["done_this_month"], schedule["due_this_month"]) == (int(2 in this_month), len(this_month))
    # Two more submissions close the other two; a third finds nothing left to close.
    _submit(api_as)
    _submit(api_as)
    _submit(api_as)
    assert _tasks(api_as, "staff") == []
    assert api_as("staff").get("/api/v1/form-dues?open=true").get_json() == []


def test_a_missed_due_is_an_overdue_task_of_its_assignee_alone(app, api_as, make_user):
    make_user("sales2", "staff", department="SALES")
    today = _main_today(app)
    _schedule(app, starts_on=today - timedelta(days=1), assignee="sales2")
    _tick(app)
    tasks = _tasks(api_as, "sales2")
    assert [(task["due"], task["overdue"]) for task in tasks] == [
        ((today - timedelta(days=1)).isoformat(), True),
        (today.isoformat(), False),
    ]
    assert tasks[0]["why"] == "It is assigned to you."
    # Named: the rest of the department is not asked, though anyone's submission there closes it.
    assert _tasks(api_as, "staff") == []
    _submit(api_as, "staff")
    assert [task["due"] for task in _tasks(api_as, "sales2")] == [today.isoformat()]


def test_who_may_schedule_and_stop(app, api_as, make_user):
    from core.accounts.services import create_site
    from core.database import commit

    with app.app_context():
        create_site(None, "NORTH", "North dealership")
        commit()
    make_user("service.head", "department_head", department="AFTERSALES")
    make_user("north.head", "department_head", department="SALES", site="NORTH")
    make_user("north.qo", "quality_officer", department="QUALITY", site="NORTH")
    body = {"site": "MAIN", "form": ROUTINE, "frequency": "daily"}
    for who, status in [
        ("staff", 403),
        ("auditor", 403),
        ("service.head", 403),
        ("north.head", 403),
        ("north.qo", 403),
        ("head", 201),
        ("qo", 201),
    ]:
        response = api_as(who).post("/api/v1/form-schedules", json=body)
        assert response.status_code == status, (who, response.get_json())
    [first, _second] = api_as("qo").get("/api/v1/form-schedules").get_json()
    assert first["department"] == "SALES" and first["form"] == ROUTINE and first["title"] == "Showroom visit log"
    # The head of another department sees none of SALES's schedules, nor may stop one.
    assert api_as("service.head").get("/api/v1/form-schedules").get_json() == []
    for who in ("staff", "service.head", "north.head", "north.qo"):
        assert api_as(who).delete(f"/api/v1/form-schedules/{first['id']}").status_code == 404, who
    assert api_as("head").delete(f"/api/v1/form-schedules/{first['id']}").status_code == 204
    assert api_as("head").delete("/api/v1/form-schedules/999999").status_code == 404
    assert len(api_as("qo").get("/api/v1/form-schedules").get_json()) == 1


def test_a_stopped_schedule_falls_due_no_more_and_its_open_dues_leave_the_tasks(app, api_as):
    schedule_id = _schedule(app, starts_on=_main_today(app))
    assert _tick(app) == 1 and len(_tasks(api_as, "staff")) == 1
    assert api_as("head").delete(f"/api/v1/form-schedules/{schedule_id}").status_code == 204
    assert _tasks(api_as, "staff") == [] and _tick(app) == 0
    # The due itself stays in the record, not done.
    [due] = api_as("head").get("/api/v1/form-dues").get_json()
    assert due["state"] == "open" and due["schedule"] == schedule_id


def test_the_api_answers_bad_input_with_problem_details(app, api_as, make_user):
    from core.accounts.services import create_site
    from core.database import commit

    with app.app_context():
        create_site(None, "NORTH", "North dealership")
        commit()
    make_user("north.staff", "staff", department="SALES", site="NORTH")
    body = {"site": "MAIN", "form": ROUTINE, "frequency": "weekly"}
    for change, field in [
        ({}, "weekdays"),
        ({"weekdays": [7]}, "weekdays.0"),
        ({"frequency": "hourly"}, "frequency"),
        ({"frequency": "monthly"}, "day_of_month"),
        ({"form": "nope.nothing", "weekdays": [0]}, "form"),
        ({"site": "XX99", "weekdays": [0]}, "site"),
        ({"department": "NOPE", "weekdays": [0]}, "department"),
        ({"assignee": "north.staff", "weekdays": [0]}, "assignee"),
        ({"assignee": "nobody", "weekdays": [0]}, "assignee"),
        ({"starts_on": "2026-02-30", "weekdays": [0]}, "starts_on"),
    ]:
        response = api_as("qo").post("/api/v1/form-schedules", json={**body, **change})
        assert response.status_code == 422, (change, response.get_json())
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.get_json()["errors"][0]["field"] == field, (change, response.get_json())
    assert api_as("qo").get("/api/v1/form-schedules").get_json() == [], "nothing half-written"
    created = api_as("qo").post(
        "/api/v1/form-schedules",
        json={**body, "weekdays": [3, 0, 3], "assignee": "staff", "title": "  Monday and Thursday log "},
    )
    assert created.status_code == 201
    assert {key: created.get_json()[key] for key in ("weekdays", "assignee", "title", "frequency")} == {
        "weekdays": [0, 3],
        "assignee": "staff",
        "title": "Monday and Thursday log",
        "frequency": "weekly",
    }


def test_the_pages_schedule_show_field_errors_and_stop(app, client_as):
    from tests.forms.conftest import token

    assert client_as("staff").get("/forms/schedules/new").status_code == 403
    assert client_as("staff").get("/forms/schedules").status_code == 403
    assert "/forms/schedules" not in client_as("staff").get("/forms/").get_data(as_text=True)
    client = client_as("head")
    assert 'href="/forms/schedules"' in client.get("/forms/").get_data(as_text=True)
    page = client.get("/forms/schedules/new").get_data(as_text=True)
    assert "Schedule a form" in page and f'value="{ROUTINE}"' in page and "How often" in page
    csrf = token(client, "/forms/schedules/new")
    base = {"csrf_token": csrf, "form": ROUTINE, "site": "MAIN", "frequency": "weekly"}
    refused = client.post("/forms/schedules/new", data=base)
    assert refused.status_code == 422 and "choose the weekdays" in refused.get_data(as_text=True)
    refused = client.post("/forms/schedules/new", data={**base, "weekdays": "0", "starts_on": "2026-13-40"})
    assert refused.status_code == 422 and "Write the date as YYYY-MM-DD." in refused.get_data(as_text=True)
    refused = client.post("/forms/schedules/new", data={**base, "weekdays": "0", "form": "nope"})
    assert refused.status_code == 422 and "is not a form of an installed plugin" in refused.get_data(as_text=True)
    refused = client.post("/forms/schedules/new", data={**base, "frequency": "monthly", "day_of_month": "x"})
    assert refused.status_code == 422 and "a day from 1 to 31" in refused.get_data(as_text=True)
    assert "Showroom visit log" not in client.get("/forms/schedules").get_data(as_text=True)
    created = client.post("/forms/schedules/new", data={**base, "weekdays": ["0", "3"], "title": "Visit log"})
    assert created.status_code == 302 and created.headers["Location"].endswith("/forms/schedules")
    listing = client.get("/forms/schedules").get_data(as_text=True)
    assert "Visit log" in listing and "Mon, Thu" in listing and "0 of 0 done" in listing
    schedule_id = re.search(r"/forms/schedules/(\d+)/stop", listing).group(1)
    stopped = client.post(f"/forms/schedules/{schedule_id}/stop", data={"csrf_token": csrf})
    assert stopped.status_code == 302
    after = client.get(stopped.headers["Location"]).get_data(as_text=True)
    assert "Visit log is stopped: it falls due no more." in after and f"/schedules/{schedule_id}/stop" not in after


def test_the_command_line_schedules_and_lists(app):
    runner = app.test_cli_runner()
    done = runner.invoke(
        args=["forms", "schedule", "--as", "head", "--site", "MAIN", "--form", ROUTINE, "--frequency", "weekly"]
        + ["--weekday", "0", "--weekday", "3", "--title", "Visit log"]
    )
    assert done.exit_code == 0, done.output
    assert done.output.startswith("Scheduled Visit log at MAIN (weekly), schedule ")
    listed = runner.invoke(args=["forms", "schedules", "--as", "head"])
    assert listed.exit_code == 0 and "weekly 0,3" in listed.output and listed.output.endswith("1 schedule(s).\n")
    for extra, message in [
        (["--frequency", "weekly"], "Error: Weekdays: choose the weekdays, Monday 0 to Sunday 6"),
        (["--frequency", "weekly", "--weekday", "x"], "Error: --weekday takes a whole number, not 'x'."),
        (["--frequency", "daily", "--day", "3"], "Error: --day goes with --frequency monthly."),
        (
            ["--frequency", "daily", "--starts", "tomorrow"],
            "Error: --starts takes a date as YYYY-MM-DD, not 'tomorrow'.",
        ),
    ]:
        refused = runner.invoke(args=["forms", "schedule", "--as", "head", "--site", "MAIN", "--form", ROUTINE, *extra])
        assert refused.exit_code == 1 and refused.output.strip().splitlines() == [message], refused.output
    refused = runner.invoke(
        args=["forms", "schedule", "--as", "staff", "--site", "MAIN", "--form", ROUTINE, "--frequency", "daily"]
    )
    assert refused.exit_code == 1 and "Only a quality officer or the head" in refused.output
    assert runner.invoke(args=["forms", "schedules", "--as", "head"]).output.endswith("1 schedule(s).\n")


def test_the_tick_reports_the_dues_it_created(app):
    from core.scheduler import run_tick

    _schedule(app, starts_on=_main_today(app))
    with app.app_context():
        assert "core.forms: form dues created: 1" in run_tick()
        assert not [line for line in run_tick() if "form dues" in line]


def test_a_chinese_page_and_task_are_translated(app, client_as):
    from core.database import commit

    with app.app_context():
        _user("head").locale = "zh_CN"
        _user("staff").locale = "zh_CN"
        commit()
    page = client_as("head").get("/forms/schedules/new").get_data(as_text=True)
    assert "安排定期表单" in page and "每周，勾选的日子" in page
    _schedule(app, starts_on=_main_today(app))
    _tick(app)
    inbox = client_as("staff").get("/tasks/").get_data(as_text=True)
    assert "待填表单" in inbox and "Showroom visit log — MAIN" in inbox


def _visit_title() -> str:
    from flask_babel import get_locale

    return "展厅来访登记" if str(get_locale()).startswith("zh") else "Showroom visit register"


class Bilingual:
    """A form whose title has a Chinese translation, as the area plugins' forms do."""

    @hookimpl
    def register_forms(self):
        from flask_babel.speaklater import LazyString

        return [
            Form(
                key="bilingual.visit",
                title=LazyString(_visit_title),
                version=1,
                area="SALES",
                fields=[Field(key="note", label="Note", type="text", required=True)],
            )
        ]


def test_a_schedule_named_after_its_form_reads_in_each_readers_language(app, register_plugin, client_as):
    from core.database import commit

    register_plugin(Bilingual(), "bilingual")
    _schedule(app, form="bilingual.visit")  # made by an English reader: stored in English
    _schedule(app, form=ROUTINE, title="Weekly meeting action log")
    with app.app_context():
        _user("qo").locale = "zh_CN"
        commit()
    chinese = client_as("qo").get("/forms/schedules").get_data(as_text=True)
    assert "展厅来访登记" in chinese and "Showroom visit register" not in chinese
    # A name someone typed is theirs: it is shown as typed.
    assert "Weekly meeting action log" in chinese
    english = client_as("head").get("/forms/schedules").get_data(as_text=True)
    assert "Showroom visit register" in english and "展厅来访登记" not in english
