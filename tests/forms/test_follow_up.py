"""A customer's low score on a survey becomes the department head's follow-up, due two days after
the answer (SA-PR-002 §4.6); the head records on the survey how the call ended, and it leaves
their tasks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.accounts.services import site_by_code
from core.database import db
from core.forms.models import SurveyFollowUp
from core.plugins import DefinitionError, Field, FollowUp, Form
from core.times import site_today
from tests.forms.conftest import token
from tests.intake.test_public_intake import answers, deliver, post_public  # noqa: F401 (fixture)

SURVEY = "sales.satisfaction_survey"
TASK = "core.forms.follow_up"


class Tasks(list):
    total: int


def _tasks(api_as, who) -> Tasks:
    response = api_as(who).get(f"/api/v1/tasks?kind={TASK}")
    tasks = Tasks(response.get_json())
    tasks.total = int(response.headers["X-Total-Count"])
    return tasks


def _follow_ups(app):
    with app.app_context():
        return [
            (row.submission_id, row.low_ratings, row.due_on, row.result)
            for row in db.session.execute(db.select(SurveyFollowUp).order_by(SurveyFollowUp.id)).scalars()
        ]


def _main_today(app):
    with app.app_context():
        return site_today(site_by_code("MAIN"))


def _answer(client, deliver, rating, recommend, **only):  # noqa: F811
    """A customer answers the survey link of a new delivery; returns the survey's submission id."""
    _delivery, path = deliver()
    assert post_public(client, path, answers(rating, recommend) | only).status_code == 200
    return _submission_of_last_answer(client.application)


def _submission_of_last_answer(app):
    from core.forms.models import FormSubmission

    with app.app_context():
        return db.session.execute(
            db.select(db.func.max(FormSubmission.id)).where(FormSubmission.form_key == SURVEY)
        ).scalar_one()


def _survey_api(api_as, ratings: dict, who="staff"):
    data = {factor: 9 for factor in ("salesperson", "delivery", "deal", "paperwork", "facility")}
    data |= {"recommend": 9, **ratings}
    response = api_as(who).post(f"/api/v1/forms/{SURVEY}/submissions", json={"site": "MAIN", "data": data})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_low_score_by_survey_link_is_the_sales_heads_task_due_in_two_days(app, users, client, deliver, api_as):  # noqa: F811
    low = _answer(client, deliver, 5, 9)
    _answer(app.test_client(), deliver, 7, 9)
    # Only the 5 is followed up: every factor of it was low, the recommendation was not.
    [(submission, ratings, due_on, result)] = _follow_ups(app)
    assert submission == low and result is None
    assert ratings == {key: 5 for key in ("salesperson", "delivery", "deal", "paperwork", "facility")}
    # The site's day of the answer, plus two: in Shanghai, whatever the hour in UTC.
    assert due_on == _main_today(app) + timedelta(days=2)
    tasks = _tasks(api_as, "head")
    assert tasks.total == 1
    [task] = tasks
    assert task["url"].endswith(f"/forms/submissions/{low}")
    assert task["due"] == due_on.isoformat()
    assert "Sales satisfaction survey" in task["title"] and "Salesperson 5" in task["title"]
    # Nobody else heads SALES at MAIN.
    for other in ("staff", "qo", "auditor"):
        assert _tasks(api_as, other).total == 0
    # The head is told too, once, with the link to the survey.
    [told] = [item for item in api_as("head").get("/api/v1/notifications").get_json() if item["kind"] == TASK]
    assert told["url"].endswith(f"/forms/submissions/{low}")
    assert told["subject"] == f"Survey follow-up {task['record']} at MAIN: call the customer by {due_on}"


def test_a_paper_survey_typed_in_after_its_follow_up_was_due_is_overdue_without_a_notification(app, users):
    from core.clock import utcnow
    from core.plugins import submit_forms

    data = dict.fromkeys(("salesperson", "delivery", "deal", "paperwork", "facility", "recommend"), 3)
    with app.app_context():
        submit_forms(
            [
                {
                    "form_key": SURVEY,
                    "site": "MAIN",
                    "data": data,
                    "submitted_by": "staff",
                    "submitted_at": utcnow() - timedelta(days=5),
                }
            ]
        )
    [(_submission, _ratings, due_on, _result)] = _follow_ups(app)
    assert due_on < _main_today(app)
    with app.app_context():
        from core.notifications.models import Notification

        assert db.session.execute(db.select(db.func.count(Notification.id))).scalar_one() == 0


def test_any_low_factor_or_a_low_recommendation_is_followed_up(app, users, api_as):
    _survey_api(api_as, {"paperwork": 6})
    _survey_api(api_as, {"recommend": 3})
    _survey_api(api_as, {})
    # The optional website rating, left empty, is no low score.
    assert [ratings for _s, ratings, _d, _r in _follow_ups(app)] == [{"paperwork": 6}, {"recommend": 3}]
    assert _tasks(api_as, "head").total == 2


@pytest.mark.parametrize("app_config", [{"DEALERQMS_PLUGIN_CONFIG": {"sales": {"follow_up_at_most": 4}}}])
def test_an_instance_sets_its_own_threshold(app, users, api_as):
    _survey_api(api_as, {"deal": 5})
    _survey_api(api_as, {"deal": 4})
    assert [ratings for _s, ratings, _d, _r in _follow_ups(app)] == [{"deal": 4}]


def test_the_head_records_the_outcome_on_the_survey_page_and_the_task_is_gone(app, users, client_as, api_as):
    survey = _survey_api(api_as, {"facility": 2})
    head = client_as("head")
    page = head.get(f"/forms/submissions/{survey}").get_data(as_text=True)
    assert "Follow-up" in page and "Dealer facility 2" in page
    assert f"Due {(_main_today(app) + timedelta(days=2)).isoformat()}" in page
    csrf = token(head)
    # A call that went nowhere says what was tried.
    refused = head.post(f"/forms/submissions/{survey}/follow-up", data={"csrf_token": csrf, "result": "unreachable"})
    assert refused.status_code == 422 and "Say what was tried" in refused.get_data(as_text=True)
    assert _tasks(api_as, "head").total == 1
    done = head.post(
        f"/forms/submissions/{survey}/follow-up",
        data={"csrf_token": csrf, "result": "resolved", "note": "Showroom aircon fixed; customer invited back."},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/forms/submissions/{survey}")
    shown = head.get(done.headers["Location"]).get_data(as_text=True)
    assert "Reached and resolved" in shown and "Showroom aircon fixed" in shown and "Hana Head" in shown
    assert 'name="result"' not in shown
    assert _tasks(api_as, "head").total == 0
    again = head.post(f"/forms/submissions/{survey}/follow-up", data={"csrf_token": csrf, "result": "resolved"})
    assert again.status_code == 409 and "already recorded by Hana Head" in again.get_data(as_text=True)


def test_who_may_not_record_is_refused_with_a_reason(app, users, client_as, api_as):
    survey = _survey_api(api_as, {"delivery": 1})
    auditor = client_as("auditor")
    # The auditor reads the survey and its follow-up, without the form to record it.
    page = auditor.get(f"/forms/submissions/{survey}").get_data(as_text=True)
    assert "Follow-up" in page and 'name="result"' not in page
    refused = auditor.post(
        f"/forms/submissions/{survey}/follow-up", data={"csrf_token": token(auditor), "result": "resolved"}
    )
    assert refused.status_code == 403 and "Only the head of" in refused.get_data(as_text=True)
    [follow_up] = api_as("qo").get("/api/v1/follow-ups?state=open").get_json()
    staff = api_as("staff").post(f"/api/v1/follow-ups/{follow_up['id']}/outcome", json={"result": "resolved"})
    # Staff submitted the survey (theirs to read), but calling the customer is the head's.
    assert staff.status_code == 403 and "Only the head of" in staff.get_json()["detail"]
    assert _follow_ups(app)[0][3] is None


def test_the_api_lists_and_records_follow_ups(app, users, api_as):
    survey = _survey_api(api_as, {"recommend": 0})
    api = api_as("head")
    [open_one] = api.get("/api/v1/follow-ups?state=open").get_json()
    assert open_one["submission"] == survey and open_one["state"] == "open" and open_one["site"] == "MAIN"
    assert open_one["low_ratings"] == {"recommend": 0} and open_one["department"] == "SALES"
    assert api.get("/api/v1/follow-ups?state=done").get_json() == []
    bad = api.post(f"/api/v1/follow-ups/{open_one['id']}/outcome", json={"result": "called"})
    assert bad.status_code == 422 and bad.headers["Content-Type"] == "application/problem+json"
    recorded = api.post(
        f"/api/v1/follow-ups/{open_one['id']}/outcome",
        json={"result": "complaint", "note": "Registered as complaint CP-MAIN-2026-0001."},
    )
    assert recorded.status_code == 200, recorded.get_json()
    assert recorded.get_json()["result"] == "complaint" and recorded.get_json()["recorded_by"] == "head"
    twice = api.post(f"/api/v1/follow-ups/{open_one['id']}/outcome", json={"result": "resolved"})
    assert twice.status_code == 409 and twice.headers["Content-Type"] == "application/problem+json"
    [done] = api.get("/api/v1/follow-ups?state=done").get_json()
    assert done["id"] == open_one["id"] and done["state"] == "done"
    assert api.get("/api/v1/follow-ups?state=maybe").status_code == 422
    # Scoped like the surveys: an auditor of the site reads it, a head of another department does not.
    assert [row["id"] for row in api_as("auditor").get("/api/v1/follow-ups").get_json()] == [open_one["id"]]


def test_the_command_line_records_an_outcome(app, users, api_as):
    _survey_api(api_as, {"deal": 3})
    [follow_up] = api_as("qo").get("/api/v1/follow-ups").get_json()
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["forms", "follow-up", str(follow_up["id"]), "--result", "maybe", "--as", "qo"])
    assert refused.exit_code == 1 and "Choose the outcome" in refused.output
    done = runner.invoke(
        args=["forms", "follow-up", f"FU-{follow_up['id']}", "--result", "unreachable", "--note", "No answer twice."]
        + ["--as", "qo"]
    )
    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"Recorded the outcome of FU-{follow_up['id']} (unreachable)")
    again = runner.invoke(args=["forms", "follow-up", str(follow_up["id"]), "--result", "resolved", "--as", "qo"])
    assert again.exit_code == 1 and "already recorded by Quinn Quality" in again.output


def test_the_follow_up_and_its_outcome_are_in_the_trail_in_words(app, users, api_as, client_as):
    survey = _survey_api(api_as, {"salesperson": 4})
    [follow_up] = api_as("head").get("/api/v1/follow-ups").get_json()
    api_as("head").post(f"/api/v1/follow-ups/{follow_up['id']}/outcome", json={"result": "resolved"})
    events = api_as("qo").get(f"/api/v1/trail?entity_type=survey_follow_up&entity_id={follow_up['id']}").get_json()
    assert [event["action"] for event in events] == ["create", "update"]
    assert events[1]["actor"] == "head" and events[1]["changes"]["result"] == [None, "resolved"]
    page = client_as("qo").get("/trail?entity_type=survey_follow_up").get_data(as_text=True)
    assert f"follow-up of submission {survey} of Sales satisfaction survey" in page
    assert "Reached and resolved" in page


def test_a_follow_up_is_declared_on_ratings_only():
    rating = Field(key="score", label="Score", type="rating", scale=(1, 10))
    note = Field(key="note", label="Note")
    with pytest.raises(DefinitionError, match="'note', a text field"):
        Form(key="x.survey", title="S", fields=[rating, note], follow_up=FollowUp(department="SALES", fields=["note"]))
    with pytest.raises(DefinitionError, match="no rating field"):
        Form(key="x.survey", title="S", fields=[note], follow_up=FollowUp(department="SALES"))
    with pytest.raises(DefinitionError, match="within_days must be a whole number"):
        FollowUp(department="SALES", within_days=-1)
    with pytest.raises(DefinitionError, match="not below the top"):
        Form(key="x.survey", title="S", fields=[rating], follow_up=FollowUp(department="SALES", at_most=10))
    form = Form(key="x.survey", title="S", fields=[rating, note], follow_up=FollowUp(department="SALES"))
    assert [item.key for item in form.watched_ratings] == ["score"]


def test_the_survey_page_says_it_is_overdue_once_the_day_has_passed(app, users, api_as, client_as):
    survey = _survey_api(api_as, {"paperwork": 2})
    with app.app_context():
        from core.database import commit

        row = db.session.execute(db.select(SurveyFollowUp)).scalar_one()
        row.due_on = site_today(row.site) - timedelta(days=1)
        commit()
    page = client_as("head").get(f"/forms/submissions/{survey}").get_data(as_text=True)
    assert re.search(r"Overdue since", page)
