"""The consent record and the risk checklist against the Personal Information Protection Law
(个人信息保护法, 2021): Art.23 (giving information to another processor needs separate consent),
Art.28 (the sensitive categories, minors under 14 among them), Art.31 (a minor's guardian) — and
the "15 working days" that the law does not contain."""

from pathlib import Path

from core.plugin_engine.manager import registry
from tests.plugins_risk.test_risk import consent

URL = "/api/v1/forms/risk.consent_record/submissions"
LIBRARY = Path(__file__).resolve().parents[2] / "plugins" / "risk" / "library"


def post(client, **overrides):
    return client.post(URL, json={"site": "MAIN", "data": consent(**overrides)})


def test_pipl_art_23_a_recipient_is_stored_only_with_the_separate_consent(app, users, api_as):
    client = api_as("staff")
    given = post(
        client,
        third_party_consent=True,
        recipients="Brand finance company, 400-800-1234",
        transfer_purpose="Loan credit check: name, ID number, income",
    )
    assert given.status_code == 201, given.json
    assert given.json["data"]["recipients"] == "Brand finance company, 400-800-1234"
    # Without the consent the transfer fields are not part of the record: whatever is sent is dropped.
    refused = post(client, third_party_consent=False, recipients="Insurance partner")
    assert refused.status_code == 201
    assert "recipients" not in refused.json["data"]


def test_pipl_art_23_with_consent_the_recipient_must_be_named(app, users, api_as):
    response = post(api_as("staff"), third_party_consent=True)
    assert response.status_code == 422
    assert {"recipients", "transfer_purpose"} <= {error["field"] for error in response.json["errors"]}


def test_pipl_art_23_the_transfer_question_must_be_answered(app, users, api_as):
    data = {k: v for k, v in consent().items() if k != "third_party_consent"}
    response = api_as("staff").post(URL, json={"site": "MAIN", "data": data})
    assert response.status_code == 422
    assert [error["field"] for error in response.json["errors"]] == ["third_party_consent"]


def test_pipl_art_23_sharing_is_no_longer_an_ordinary_purpose(app, users, api_as):
    response = post(api_as("staff"), purposes=["sales_contact", "third_party"])
    assert response.status_code == 422
    assert [error["field"] for error in response.json["errors"]] == ["purposes"]


def test_pipl_art_28_the_sensitive_categories_include_minors_and_health_data(app):
    form = registry(app).forms["risk.consent_record"]
    kinds = {value for value, _label in form.field("sensitive_kinds").choices}
    assert kinds == {
        "biometrics",
        "religion",
        "specific_identity",
        "medical_health",
        "financial_accounts",
        "whereabouts",
        "minor",
    }
    question = {q.key: q for q in registry(app).checklists["risk.compliance"].questions}["sensitive"]
    assert "Art.28" in question.reference and "under 14" in str(question.text)


def test_pipl_art_31_a_minors_information_needs_the_guardians_answer(app, users, api_as):
    client = api_as("staff")
    missing = post(client, sensitive_kinds=["minor"])
    assert missing.status_code == 422
    assert [error["field"] for error in missing.json["errors"]] == ["guardian_consent"]
    assert post(client, sensitive_kinds=["minor"], guardian_consent=True).status_code == 201


def test_pipl_art_31_a_minors_information_without_the_guardian_raises_a_major_nc(app, users, api_as):
    from audits.models import Nonconformity
    from core.database import db

    response = post(api_as("staff"), customer="Zhou Xiaoming", sensitive_kinds=["minor"], guardian_consent=False)
    assert response.status_code == 201
    with app.app_context():
        [nc] = db.session.execute(db.select(Nonconformity)).scalars().all()
        assert nc.severity == "major" and "Zhou Xiaoming" in nc.title


def test_pipl_no_fixed_15_working_days_is_stated_as_law():
    for path in (
        LIBRARY / "RK-PR-002-personal-information.md",
        LIBRARY / "zh_CN" / "RK-PR-002-personal-information.md",
    ):
        text = path.read_text(encoding="utf-8")
        assert "15 working days" not in text and "15 个工作日" not in text
        assert "23" in text and "31" in text


def test_pipl_art_23_and_advertising_law_art_43_are_on_the_risk_checklist(app):
    references = {q.key: q.reference for q in registry(app).checklists["risk.compliance"].questions}
    assert references["third_party"] == "PIPL Art.23"
    assert references["electronic_ads"] == "广告法 Art.43"
