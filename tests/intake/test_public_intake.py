"""Customers answer surveys and make complaints on public pages, without an account: the
answers land in the forms staff use, so the month's SSI/NPS move with no re-keying; the
pages are Chinese first, show nothing internal, and hold out against scripts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from core.clock import utcnow
from core.database import db
from core.forms.models import FormSubmission
from core.intake import services
from core.intake.models import SurveyToken
from core.trail.models import TrailEvent
from tests.plugins_sales.test_sales import DELIVERY

FACTORS = ("salesperson", "delivery", "deal", "paperwork", "facility")


def answers(rating: int, recommend: int) -> dict:
    return {factor: str(rating) for factor in FACTORS} | {"recommend": str(recommend)}


def page_csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def post_public(client, path: str, data: dict, **kwargs):
    """Open the public page as a customer would, then send ``data`` with its form's token."""
    token = page_csrf(client.get(path))
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


@pytest.fixture
def deliver(app, users, api_as):
    """``deliver()``: a delivery recorded by staff; returns (submission id, survey path)."""
    api = api_as("staff")

    def make(**changes):
        response = api.post(
            "/api/v1/forms/sales.delivery_checklist/submissions",
            json={"site": "MAIN", "data": DELIVERY | changes},
        )
        assert response.status_code == 201, response.json
        submission_id = response.json["id"]
        with app.app_context():
            token = db.session.execute(
                db.select(SurveyToken).filter_by(source_submission_id=submission_id)
            ).scalar_one()
            return submission_id, f"/s/{token.token}"

    return make


def series_value(api, key):
    [point] = api.get(f"/api/v1/metrics/{key}/series?site=MAIN").json
    return point["value"]


def surveys(app) -> list[FormSubmission]:
    with app.app_context():
        rows = db.session.execute(db.select(FormSubmission).filter_by(form_key="sales.satisfaction_survey"))
        return [(row.data, row.submitted_by.login) for row in rows.scalars()]


# The link and its QR code ----------------------------------------------------------------


def test_a_delivery_shows_its_customers_survey_link_with_a_printable_svg_qr_code(app, deliver, client_as):
    submission_id, path = deliver()
    page = client_as("staff").get(f"/forms/submissions/{submission_id}").get_data(as_text=True)
    assert '<svg role="img"' in page and 'class="qr-code"' in page
    assert f'href="http://localhost{path}"' in page
    # 192 random bits, URL-safe.
    assert len(path.removeprefix("/s/")) == 32


def test_one_link_per_delivery_and_none_for_other_forms(app, deliver, api_as):
    _first, one = deliver()
    _second, other = deliver()
    assert one != other
    lead = api_as("staff").post(
        "/api/v1/forms/sales.lead_log/submissions",
        json={
            "site": "MAIN",
            "data": {
                "received_at": "2026-03-05T10:00:00",
                "source": "walk_in",
                "customer_name": "Wang Fang",
                "consultant": "Li Lei",
                "response_minutes": 3,
                "test_drive": False,
                "privacy_notice": True,
            },
        },
    )
    assert lead.status_code == 201, lead.json
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(SurveyToken.id))).scalar_one() == 2


# Answering ---------------------------------------------------------------------------------


def test_a_survey_answered_by_link_updates_the_months_ssi_and_nps(app, deliver, client, api_as):
    qo = api_as("qo")
    _id, first = deliver()
    _id, second = deliver()
    assert post_public(client, first, answers(10, 10)).status_code == 200
    # One promoter: NPS 100, SSI (all factors 10) 1000.
    assert series_value(qo, "sales.nps") == 100.0
    assert series_value(qo, "sales.ssi") == 1000.0
    page = post_public(app.test_client(), second, answers(5, 3))
    assert page.status_code == 200
    # One promoter, one detractor of two: NPS 0; SSI the mean of 10 and 5 on every factor: 750.
    assert series_value(qo, "sales.nps") == 0.0
    assert series_value(qo, "sales.ssi") == 750.0


def test_the_answer_carries_the_deliverys_consultant_and_is_recorded_as_the_public(app, deliver, client):
    _id, path = deliver(consultant="Zhao Min")
    post_public(client, path, answers(9, 9) | {"consultant": "Someone Else", "delivery_date": "2020-01-01"})
    [(data, login)] = surveys(app)
    # What the delivery says, not what a post pretends.
    assert data["consultant"] == "Zhao Min" and data["delivery_date"] == "2026-03-05"
    assert login == "public-intake"
    with app.app_context():
        token = db.session.execute(db.select(SurveyToken)).scalar_one()
        assert token.used_at is not None and token.answer.data["recommend"] == 9
        # Lists name who submitted it as the trail names a customer; nobody can log in as it.
        assert token.answer.submitted_by.display_name == "A customer (public page)"
        assert not token.answer.submitted_by.active and token.answer.submitted_by.password_hash is None
        actors = set(db.session.execute(db.select(TrailEvent.actor).filter_by(entity_type="survey_token")).scalars())
        assert "public" in actors


def test_a_used_link_is_refused_with_thanks(app, deliver, client):
    _id, path = deliver()
    token = page_csrf(client.get(path))
    assert client.post(path, data={"csrf_token": token, **answers(8, 8)}).status_code == 200
    # The same page sent again (the back button, a double tap).
    again = client.post(path, data={"csrf_token": token, **answers(1, 0)})
    assert again.status_code == 409
    assert "已经" in again.get_data(as_text=True)  # 此问卷已经填写过了
    assert client.get(path).status_code == 200
    assert len(surveys(app)) == 1


def test_an_expired_link_is_closed(app, deliver, client):
    _id, path = deliver()
    with time_machine.travel(utcnow() + services.TOKEN_LIFETIME + timedelta(minutes=1), tick=False):
        response = client.get(path)
    assert response.status_code == 410
    assert surveys(app) == []


def test_an_unknown_link_is_not_found_without_a_menu(app, client):
    response = client.get("/s/" + "A" * 32)
    assert response.status_code == 404
    assert "site-nav" not in response.get_data(as_text=True)


def test_an_invalid_answer_is_refused_like_the_staff_form_and_nothing_is_used_up(app, deliver, client):
    _id, path = deliver()
    response = post_public(client, path, answers(10, 10) | {"salesperson": "11"}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # The staff form's own message, in Chinese: the page's language.
    assert "1" in page and "10" in page and "整数" in page
    assert surveys(app) == []
    with app.app_context():
        assert db.session.execute(db.select(SurveyToken)).scalar_one().used_at is None


# The pages ---------------------------------------------------------------------------------


def test_the_pages_are_chinese_by_default_with_an_english_switch(app, deliver, client):
    _id, path = deliver()
    chinese = client.get(path, headers={"Accept-Language": "en-US,en"}).get_data(as_text=True)
    assert 'lang="zh-CN"' in chinese and "销售满意度调查" in chinese and f'href="{path}?lang=en"' in chinese
    english = client.get(f"{path}?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "Sales satisfaction survey" in english
    # The choice is remembered for the next page of the visit, not tied to any account.
    assert 'lang="en"' in client.get(path).get_data(as_text=True)


def test_the_pages_show_nothing_internal(app, deliver, client):
    _id, path = deliver(consultant="Zhao Min")
    for url in (path, "/c/MAIN", "/w/MAIN/aftersales.csi_survey"):
        page = client.get(url).get_data(as_text=True)
        assert "Zhao Min" not in page and "Sam Staff" not in page
        assert "site-nav" not in page and "/login" not in page and "/logout" not in page
        assert "dealerqms" not in page.split("</head>")[1]
    # Only the survey's questions: not the carried fields.
    assert 'name="consultant"' not in client.get(path).get_data(as_text=True)


def test_a_walk_in_answers_the_service_survey_at_the_sites_link(app, client):
    data = {key: "9" for key in ("initiation", "advisor", "facility", "pickup", "service_quality")}
    assert post_public(client, "/w/MAIN/aftersales.csi_survey", data).status_code == 200
    # The sales survey is for buyers only: no walk-in link.
    assert client.get("/w/MAIN/sales.satisfaction_survey").status_code == 404
    with app.app_context():
        [row] = db.session.execute(db.select(FormSubmission).filter_by(form_key="aftersales.csi_survey")).scalars()
        assert row.data["advisor"] == 9


# Complaints ---------------------------------------------------------------------------------

COMPLAINT = {
    "category": "waiting_time",
    "customer": "王芳",
    "customer_phone": "138 0013 8000",
    "description": "保养等了四个小时。",
}


def complaints(app) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(db.select(FormSubmission).filter_by(form_key="aftersales.complaint"))
        return [row.data for row in rows.scalars()]


def test_personal_data_needs_explicit_consent(app, client):
    response = post_public(client, "/c/MAIN", COMPLAINT)
    assert response.status_code == 422
    assert "个人信息保护法" in response.get_data(as_text=True)
    assert complaints(app) == []


def test_a_complaint_gets_a_reference_and_an_acknowledgement(app, client):
    with time_machine.travel("2026-03-10 02:00:00Z", tick=False):
        first = post_public(client, "/c/MAIN", COMPLAINT | {services.CONSENT: "yes"})
        second = post_public(client, "/c/MAIN", COMPLAINT | {services.CONSENT: "yes"})
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert "CP-MAIN-2026-0001" in page and "7" in page
    assert "CP-MAIN-2026-0002" in second.get_data(as_text=True)
    stored = complaints(app)
    assert [c["complaint_id"] for c in stored] == ["CP-MAIN-2026-0001", "CP-MAIN-2026-0002"]
    assert stored[0] | {} == stored[0] and stored[0]["entry"] == "new" and stored[0]["channel"] == "web"
    assert stored[0]["received_on"] == "2026-03-10" and stored[0]["customer_phone"] == "138 0013 8000"
    # The moment too, in UTC as every stored time: the complaint's 24 hours start then.
    assert stored[0]["received_at"] == "2026-03-10T02:00:00"


def test_a_complaint_number_starts_again_each_year(app, client):
    with time_machine.travel("2026-12-31 12:00:00Z", tick=False):
        post_public(client, "/c/MAIN", COMPLAINT | {services.CONSENT: "yes"})
    # 2027-01-01 00:30 in Shanghai: the site's new year.
    with time_machine.travel("2026-12-31 16:30:00Z", tick=False):
        page = post_public(app.test_client(), "/c/MAIN", COMPLAINT | {services.CONSENT: "yes"})
    assert "CP-MAIN-2027-0001" in page.get_data(as_text=True)


# Abuse ------------------------------------------------------------------------------------------


def test_the_honeypot_pretends_success_and_records_nothing(app, client):
    response = post_public(client, "/c/MAIN", COMPLAINT | {services.CONSENT: "yes", services.HONEYPOT: "http://x"})
    assert response.status_code == 200
    assert "CP-" not in response.get_data(as_text=True)
    assert complaints(app) == []


def test_too_many_posts_from_one_address_answer_429(app, client):
    for _ in range(services.ADDRESS_LIMIT):
        assert post_public(client, "/c/MAIN", {}).status_code == 422
    refused = post_public(client, "/c/MAIN", COMPLAINT | {services.CONSENT: "yes"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "稍后" in refused.get_data(as_text=True)
    assert complaints(app) == []
    # Another address is not held up.
    other = app.test_client()
    token = page_csrf(other.get("/c/MAIN"))
    ok = other.post(
        "/c/MAIN",
        data={"csrf_token": token, **COMPLAINT, services.CONSENT: "yes"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert ok.status_code == 200


def test_too_many_tries_of_one_link_answer_429(app, deliver):
    _id, path = deliver()
    for number in range(services.TOKEN_LIMIT):
        client = app.test_client()
        address = {"REMOTE_ADDR": f"10.0.1.{number}"}
        token = page_csrf(client.get(path))
        assert client.post(path, data={"csrf_token": token}, environ_base=address).status_code == 422
    client = app.test_client()
    token = page_csrf(client.get(path))
    refused = client.post(path, data={"csrf_token": token, **answers(9, 9)}, environ_base={"REMOTE_ADDR": "10.0.2.1"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert surveys(app) == []
    # An hour later the customer may try again.
    with time_machine.travel(utcnow() + services.ADDRESS_WINDOW + timedelta(minutes=1), tick=False):
        later = client.post(path, data={"csrf_token": token, **answers(9, 9)}, environ_base={"REMOTE_ADDR": "10.0.2.1"})
    assert later.status_code == 200


def test_an_oversized_post_answers_413(app, client):
    response = post_public(client, "/c/MAIN", COMPLAINT | {"description": "长" * services.MAX_BODY})
    assert response.status_code == 413
    assert complaints(app) == []


def test_a_post_without_the_pages_csrf_token_is_refused(app, client):
    response = client.post("/c/MAIN", data=COMPLAINT | {services.CONSENT: "yes"})
    assert response.status_code == 400
    assert complaints(app) == []


# Staff's printable site links -----------------------------------------------------------------


def test_quality_officers_print_the_sites_qr_codes_and_staff_may_not(app, users, client_as):
    page = client_as("qo").get("/intake/sites/MAIN")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count('class="qr-code"') == 2
    assert "http://localhost/c/MAIN" in text and "http://localhost/w/MAIN/aftersales.csi_survey" in text
    assert client_as("staff").get("/intake/sites/MAIN").status_code == 403
    # Found from the forms page by those who may print them.
    assert 'href="/intake/sites/MAIN"' in client_as("qo").get("/forms/").get_data(as_text=True)
    assert "/intake/sites/" not in client_as("staff").get("/forms/").get_data(as_text=True)


def test_the_trail_tells_a_links_use_in_words(app, deliver, client, client_as):
    submission_id, path = deliver()
    post_public(client, path, answers(9, 9))
    with app.app_context():
        token_id = db.session.execute(db.select(SurveyToken.id)).scalar_one()
    page = client_as("qo").get(f"/trail?entity_type=survey_token&entity_id={token_id}").get_data(as_text=True)
    assert "A customer (public page)" in page
    assert path.removeprefix("/s/") not in page
