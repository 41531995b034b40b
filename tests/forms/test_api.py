"""Forms through the JSON API: schema, submissions, 422 naming fields, versions, events."""

from core.database import db
from core.forms.models import FormSubmission
from tests.forms.conftest import GOOD
from tests.forms.sample_plugin import SURVEY, SamplePlugin


def test_definition_with_json_schema(app, users, sample, api_as):
    body = api_as("staff").get("/api/v1/forms/sample.inspection").json
    assert body["version"] == 1
    fields = {field["key"]: field for field in body["fields"]}
    assert fields["severity"]["choices"] == [{"value": "low", "label": "Low"}, {"value": "high", "label": "High"}]
    assert fields["complaint_text"]["visible_when"] == {"field": "complaint", "value": True}
    assert fields["whys"]["fields"][0]["key"] == "why"
    schema = body["schema"]
    assert schema["properties"]["mileage"] == {"type": "integer", "minimum": 0, "maximum": 2000000, "title": "Mileage"}
    assert set(schema["required"]) == {"customer", "mileage", "severity", "complaint", "vin"}
    assert "sample.survey" in {form["key"] for form in api_as("staff").get("/api/v1/forms").json}


def test_unknown_form_is_404(app, users, sample, api_as):
    assert api_as("staff").get("/api/v1/forms/sample.nothing").status_code == 404
    response = api_as("staff").post("/api/v1/forms/sample.nothing/submissions", json={"site": "MAIN", "data": {}})
    assert response.status_code == 404


def test_submit_and_read_back(app, users, sample, api_as):
    client = api_as("staff")
    response = client.post("/api/v1/forms/sample.inspection/submissions", json={"site": "main", "data": GOOD})
    assert response.status_code == 201, response.json
    created = response.json
    assert (created["form"], created["version"], created["site"], created["submitted_by"]) == (
        "sample.inspection",
        1,
        "MAIN",
        "staff",
    )
    assert created["data"] == GOOD
    listed = client.get("/api/v1/forms/sample.inspection/submissions?site=MAIN").json
    assert [item["id"] for item in listed] == [created["id"]]
    assert client.get(response.headers["Location"]).json["data"] == GOOD
    # The event reached the plugin after the commit.
    assert sample.submitted == [("sample.inspection", 1, "MAIN", GOOD)]


def test_bad_submission_is_422_naming_each_field_and_stores_nothing(app, users, sample, api_as):
    response = api_as("staff").post(
        "/api/v1/forms/sample.inspection/submissions",
        json={
            "site": "MAIN",
            "data": {**GOOD, "mileage": -5, "severity": "extreme", "vin": "123", "whys": [{"because": "x"}]},
        },
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert {error["field"] for error in response.json["errors"]} == {"mileage", "severity", "vin", "whys.0.why"}
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(FormSubmission.id))).scalar() == 0
    assert sample.submitted == []


def test_unknown_site_is_a_bad_value(app, users, sample, api_as):
    response = api_as("staff").post(
        "/api/v1/forms/sample.survey/submissions", json={"site": "NOWHERE", "data": {"score": 9}}
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "site"


def test_staff_see_only_their_own_submissions(app, users, sample, api_as):
    api_as("qo").post("/api/v1/forms/sample.survey/submissions", json={"site": "MAIN", "data": {"score": 9}})
    assert api_as("staff").get("/api/v1/forms/sample.survey/submissions").json == []
    assert len(api_as("auditor").get("/api/v1/forms/sample.survey/submissions").json) == 1


def test_a_new_version_leaves_stored_submissions_as_they_were(app, make_app, users, api_as):
    from core.forms import services
    from core.forms.schema import describe
    from core.plugin_engine import manager
    from core.plugins import Field, Form

    manager.register(SamplePlugin(forms=[SURVEY]), "sample", app=app)
    client = api_as("staff")
    old_id = client.post(
        "/api/v1/forms/sample.survey/submissions", json={"site": "MAIN", "data": {"score": 8, "comment": "Fine"}}
    ).json["id"]
    manager.unregister("sample", app=app)
    survey_v2 = Form(
        key="sample.survey",
        title="Customer satisfaction survey",
        version=2,
        fields=[
            Field(key="score", label="Recommend us (0-10)?", type="rating", scale=(0, 10), required=True),
            Field(key="visit", label="Visit type", type="select", choices=["service", "sale"], required=True),
        ],
    )
    manager.register(SamplePlugin(forms=[survey_v2]), "sample", app=app)
    # Version 2 requires a field version 1 did not have: the old submission is still valid and readable.
    assert (
        client.post("/api/v1/forms/sample.survey/submissions", json={"site": "MAIN", "data": {"score": 8}}).status_code
        == 422
    )
    new = client.post(
        "/api/v1/forms/sample.survey/submissions", json={"site": "MAIN", "data": {"score": 8, "visit": "sale"}}
    ).json
    assert new["version"] == 2
    old = client.get(f"/api/v1/forms/sample.survey/submissions/{old_id}").json
    assert (old["version"], old["data"]) == (1, {"score": 8, "comment": "Fine"})
    with app.test_request_context():
        shown = services.shown_definition(db.session.get(FormSubmission, old_id))
        assert (shown.version, shown.current) == (1, False)
        assert [field["key"] for field in shown.fields] == ["score", "comment"]
        assert describe(survey_v2)["fields"][0]["label"] == "Recommend us (0-10)?"
    manager.unregister("sample", app=app)
