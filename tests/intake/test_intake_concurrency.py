"""Customers posting at the same moment: complaints get distinct numbers without gaps, and a
one-time survey link takes one answer, the other refused with nothing of it stored. The race is
real on PostgreSQL, where posts run side by side (the pass of `make test` with
``DEALERQMS_TEST_DATABASE_URL``); on SQLite, which takes one writer at a time, the same posts
must come out the same, so both passes ask it."""

from __future__ import annotations

import threading

import pytest

from core.clock import utcnow
from core.database import db
from core.forms.models import FormSubmission
from core.intake import services
from core.intake.models import ComplaintNumber, SurveyToken
from core.trail.models import TrailEvent
from tests.intake.test_public_intake import COMPLAINT, answers, deliver, page_csrf  # noqa: F401 (a fixture)

COMPLAINANTS = 8

pytestmark = pytest.mark.concurrency


def post_together(app, path: str, bodies: list[dict]) -> list[int]:
    """Each body posted to ``path`` by its own customer (own session and address), all released
    at once after each opened the page; the responses' status codes, in the bodies' order."""
    barrier = threading.Barrier(len(bodies))
    statuses: list[int | None] = [None] * len(bodies)
    errors: list[str] = []

    def customer(number: int, body: dict) -> None:
        client = app.test_client()
        environ = {"REMOTE_ADDR": f"10.0.9.{number + 1}"}
        try:
            token = page_csrf(client.get(path, environ_base=environ))
            barrier.wait(timeout=30)
            response = client.post(path, data={"csrf_token": token, **body}, environ_base=environ)
            statuses[number] = response.status_code
        except Exception as error:  # a failure is a finding, not a crash of the thread
            errors.append(f"customer {number}: {error!r}")
            barrier.abort()

    threads = [threading.Thread(target=customer, args=(n, body)) for n, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return statuses


def test_complaints_posted_at_once_get_distinct_numbers_without_gaps(app):
    bodies = [COMPLAINT | {"description": f"投诉 {n}", services.CONSENT: "yes"} for n in range(COMPLAINANTS)]
    statuses = post_together(app, "/c/MAIN", bodies)
    assert statuses == [200] * COMPLAINANTS
    with app.app_context():
        year = utcnow().astimezone(services.public_site("MAIN").zone).year
        stored = db.session.execute(db.select(FormSubmission).filter_by(form_key="aftersales.complaint")).scalars()
        numbers = sorted(submission.data["complaint_id"] for submission in stored)
        assert numbers == [f"CP-MAIN-{year}-{n:04d}" for n in range(1, COMPLAINANTS + 1)]
        [counter] = db.session.execute(db.select(ComplaintNumber)).scalars()
        assert counter.last == COMPLAINANTS


def test_two_answers_through_one_survey_link_at_once_store_one(app, deliver):  # noqa: F811
    _submission_id, path = deliver()
    with app.app_context():
        events_before = db.session.execute(db.select(db.func.count()).select_from(TrailEvent)).scalar_one()
    statuses = post_together(app, path, [answers(9, 10), answers(3, 2)])
    assert sorted(statuses) == [200, 409]
    with app.app_context():
        [survey] = db.session.execute(
            db.select(FormSubmission).filter_by(form_key="sales.satisfaction_survey")
        ).scalars()
        token = db.session.execute(db.select(SurveyToken).filter_by(token=path.removeprefix("/s/"))).scalar_one()
        assert token.used_at is not None and token.answer_id == survey.id
        # The stored answer is the one the customer who got 200 sent, whole.
        winner = statuses.index(200)
        assert survey.data["recommend"] == (10 if winner == 0 else 2)
        # Nothing of the refused answer: the trail's only new submission is the stored one.
        written = db.session.execute(
            db.select(TrailEvent.entity_id).where(
                TrailEvent.seq > events_before, TrailEvent.entity_type == "form_submission"
            )
        ).scalars()
        assert {int(entity_id) for entity_id in written} == {survey.id}


def test_the_first_customers_answering_at_once_are_all_stored(app):
    # A new instance has no account for the public's answers yet: each of these posts finds none
    # and makes it; one makes it, the others use that one.
    data = {key: "9" for key in ("initiation", "advisor", "facility", "pickup", "service_quality")}
    statuses = post_together(app, "/w/MAIN/aftersales.csi_survey", [data] * 4)
    assert statuses == [200] * 4
    with app.app_context():
        stored = db.session.execute(db.select(FormSubmission).filter_by(form_key="aftersales.csi_survey")).scalars()
        assert {submission.submitted_by.login for submission in stored} == {"public-intake"}
        assert (
            db.session.execute(
                db.select(db.func.count()).select_from(FormSubmission).filter_by(form_key="aftersales.csi_survey")
            ).scalar_one()
            == 4
        )
