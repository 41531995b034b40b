"""The used-car plugin's own tests, with the fixtures dealerqms ships to
plugin authors (no conftest needed): the plugin is loaded through its
installed entry point, as on a real instance."""

import pytest

from core.plugins.manager import describe_plugins, registry


@pytest.fixture
def app_config():
    return {"DEALERQMS_LOAD_ENTRYPOINTS": True, "DEALERQMS_PLUGINS_ALLOW": ("usedcars",)}


def test_the_appraisal_checklist_cites_the_appraisal_procedure(app):
    appraisal = registry(app).checklists["usedcars.appraisal"]
    templates = registry(app).procedure_templates
    assert {question.reference.split()[0] for question in appraisal.questions} == {"UC-PR-001"}
    assert "UC-PR-001" in templates


def test_a_missing_service_history_asks_what_is_missing(app):
    record = registry(app).forms["usedcars.appraisal_record"]
    assert record.field("history_gap").visible_when == ("history_checked", False)


def test_the_plugin_is_listed_by_the_api(app, api_as):
    response = api_as("admin").get("/api/v1/plugins")
    assert response.status_code == 200
    assert response.json == describe_plugins(app)
    assert [p["name"] for p in response.json] == ["usedcars"]
