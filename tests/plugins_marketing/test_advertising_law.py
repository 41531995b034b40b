"""广告法 Art.43: no advertisement by electronic message without the recipient's consent or
request; the message shows the sender's true identity and contact and a way to refuse more."""

from core.plugin_engine.manager import registry
from tests.plugins_marketing.test_marketing import PLAN, post

ART_43 = {"message_consent", "sender_identity", "opt_out"}


def test_art_43_a_plan_with_messages_needs_consent_sender_and_opt_out(app, users, api_as):
    response = post(api_as("staff"), "marketing.campaign_plan", {**PLAN, "channels": ["direct", "event"]})
    assert response.status_code == 422
    assert {error["field"] for error in response.json["errors"]} == ART_43


def test_art_43_the_consent_can_only_be_confirmed(app, users, api_as):
    plan = {
        **PLAN,
        "channels": ["direct"],
        "message_consent": "not_asked",
        "sender_identity": "Demo Motors, 021-5555 0000",
        "opt_out": "Reply TD",
    }
    response = post(api_as("staff"), "marketing.campaign_plan", plan)
    assert response.status_code == 422
    assert [error["field"] for error in response.json["errors"]] == ["message_consent"]
    assert post(api_as("staff"), "marketing.campaign_plan", {**plan, "message_consent": "confirmed"}).status_code == 201


def test_art_43_a_plan_without_messages_asks_nothing_of_it(app, users, api_as):
    response = post(api_as("staff"), "marketing.campaign_plan", PLAN)
    assert response.status_code == 201
    assert not ART_43 & set(response.json["data"])


def test_art_43_is_on_the_marketing_checklist(app):
    questions = {q.key: q for q in registry(app).checklists["marketing.promotions"].questions}
    assert questions["electronic-ads"].reference == "广告法 Art.43"
