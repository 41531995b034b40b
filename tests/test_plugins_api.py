"""The public plugin API beyond the value types: plugin permissions, per-plugin
configuration, links to the core's pages, API helpers, and what start-up
refuses or logs about a plugin's contributions."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Blueprint
from flask_login import current_user, login_required

import core.plugins
from core.plugin_engine import manager
from core.plugins import (
    DEPARTMENTS,
    Checklist,
    DefinitionError,
    Forbidden,
    MenuLink,
    Metric,
    Permission,
    PluginError,
    PluginPermission,
    ProcedureTemplate,
    Question,
    can,
    form_url,
    hookimpl,
    metric_url,
    nonconformity_url,
    plugin_config,
    procedure_url,
    require,
    submissions_url,
)
from tests.entry_points import with_entry_point

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_LOG = "dealerqms.plugins"


@pytest.fixture
def app_config():
    return {"DEALERQMS_LOAD_ENTRYPOINTS": False}


@pytest.fixture
def plugin_log():
    records = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append
    logger = logging.getLogger(PLUGIN_LOG)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(level)


def _user(app, login):
    from core.accounts.services import user_by_login

    return user_by_login(login)


class Appraisals:
    """A plugin that declares a permission and guards a page and an API view with it."""

    def __init__(self):
        from flask_smorest import Blueprint as ApiBlueprint

        self.pages = Blueprint("usedcars", __name__)
        self.api = ApiBlueprint("usedcars", __name__, description="Used cars")

        @self.pages.route("/appraisals")
        @login_required
        def appraisals():
            require(current_user, "usedcars.appraise")
            return "appraisals"

        @self.api.route("/appraisals")
        @core.plugins.token_required("usedcars.appraise")
        def api_appraisals():
            return {"caller": core.plugins.api_user().login}

    @hookimpl
    def register_permissions(self):
        return [
            PluginPermission(
                key="usedcars.appraise", description="appraise trade-ins", roles=("quality_officer", "department_head")
            )
        ]

    @hookimpl
    def register_blueprints(self):
        return [self.pages]

    @hookimpl
    def register_api_blueprints(self):
        return [self.api]


# ---------------------------------------------------------------- permissions


def test_hook_register_permissions(app, register_plugin, users):
    register_plugin(Appraisals(), "usedcars")
    with app.app_context():
        assert manager.registry().permissions["usedcars.appraise"].roles == ("quality_officer", "department_head")
        assert manager.registry().plugin_of("permissions", "usedcars.appraise") == "usedcars"
        qo, staff = _user(app, "qo"), _user(app, "staff")
        assert can(qo, "usedcars.appraise") and not can(staff, "usedcars.appraise")
        with pytest.raises(
            Forbidden,
            match=r"Your roles do not allow you to appraise trade-ins "
            r"\(needs: department head, quality officer\)",
        ):
            require(staff, "usedcars.appraise")
        assert not can(None, "usedcars.appraise")
        # The core's own permissions are unchanged and still asked for by member.
        assert can(staff, Permission.SUBMIT_FORMS) and not can(staff, Permission.MANAGE_USERS)


def test_an_unknown_permission_key_is_an_error_not_a_refusal(app, register_plugin, users):
    register_plugin(Appraisals(), "usedcars")
    with app.app_context(), pytest.raises(ValueError, match="unknown permission 'usedcars.apraise'"):
        can(_user(app, "qo"), "usedcars.apraise")


def test_pages_and_api_views_are_guarded_by_a_plugin_permission(app, register_plugin, client_as, api_as):
    register_plugin(Appraisals(), "usedcars")
    assert client_as("head").get("/p/usedcars/appraisals").status_code == 200
    assert client_as("staff").get("/p/usedcars/appraisals").status_code == 403
    assert api_as("qo").get("/api/v1/p/usedcars/appraisals").json == {"caller": "qo"}
    refused = api_as("staff").get("/api/v1/p/usedcars/appraisals")
    assert refused.status_code == 403 and "appraise trade-ins" in refused.json["detail"]
    operation = app.test_client().get("/api/v1/openapi.json").json["paths"]["/api/v1/p/usedcars/appraisals"]["get"]
    assert operation["x-permission"] == "usedcars.appraise"


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: PluginPermission(key="usedcars.appraise", description="appraise", roles=()), "names no roles"),
        (
            lambda: PluginPermission(key="usedcars.appraise", description="appraise", roles=("manager",)),
            "unknown role 'manager'",
        ),
        (lambda: PluginPermission(key="usedcars.appraise", roles=("staff",)), "description is required"),
    ],
)
def test_a_malformed_permission_is_refused(build, message):
    with pytest.raises(DefinitionError, match=message):
        build()


def test_a_permission_outside_the_namespace_is_refused(make_app):
    class Squatter:
        @hookimpl
        def register_permissions(self):
            return [PluginPermission(key="audits.run", description="run audits", roles=("staff",))]

    with pytest.raises(PluginError, match="Plugin 'tyres': permission key 'audits.run' is not namespaced"):
        make_app(plugins={"tyres": Squatter()}, DEALERQMS_LOAD_ENTRYPOINTS=False)


# ---------------------------------------------------------------- configuration


def test_plugin_config_comes_from_the_instance_configuration(make_app):
    app = make_app(DEALERQMS_LOAD_ENTRYPOINTS=False, DEALERQMS_PLUGIN_CONFIG={"usedcars": {"stock_age_limit": 90}})
    with app.app_context():
        settings = plugin_config("usedcars")
        assert settings == {"stock_age_limit": 90}
        assert plugin_config("tyres") == {}
        with pytest.raises(TypeError):
            settings["stock_age_limit"] = 10  # read-only


def test_plugin_config_from_the_environment_wins_over_the_config_file(tmp_path, monkeypatch):
    from flask import Flask

    from core import config

    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "DEALERQMS_PLUGIN_CONFIG = {'usedcars': {'stock_age_limit': 90, 'regions': ['north']}}\n"
    )
    monkeypatch.setenv("DEALERQMS_PLUGIN_CONFIG_USEDCARS", json.dumps({"stock_age_limit": 120}))
    monkeypatch.setenv("DEALERQMS_PLUGIN_CONFIG_BODY_SHOP", json.dumps({"bays": 4}))
    app = Flask("probe", instance_path=str(instance))
    config.load(app, None)
    assert app.config["DEALERQMS_PLUGIN_CONFIG"] == {
        "usedcars": {"stock_age_limit": 120, "regions": ["north"]},
        "body_shop": {"bays": 4},
    }

    monkeypatch.setenv("DEALERQMS_PLUGIN_CONFIG_USEDCARS", "stock_age_limit=120")
    with pytest.raises(ValueError, match="DEALERQMS_PLUGIN_CONFIG_USEDCARS is not valid JSON"):
        config.load(Flask("probe", instance_path=str(instance)), None)
    monkeypatch.setenv("DEALERQMS_PLUGIN_CONFIG_USEDCARS", "[120]")
    with pytest.raises(ValueError, match="must hold a JSON object"):
        config.load(Flask("probe", instance_path=str(instance)), None)


def test_plugin_config_for_a_plugin_that_is_not_loaded_is_logged(make_app, plugin_log):
    make_app(DEALERQMS_LOAD_ENTRYPOINTS=False, DEALERQMS_PLUGIN_CONFIG={"usedcar": {"limit": 1}})
    assert "DEALERQMS_PLUGIN_CONFIG has settings for plugin 'usedcar', which is not loaded" in [
        record.getMessage() for record in plugin_log
    ]
    with pytest.raises(ValueError, match="must map plugin names to dicts"):
        make_app(DEALERQMS_LOAD_ENTRYPOINTS=False, DEALERQMS_PLUGIN_CONFIG={"usedcars": 90})


# ---------------------------------------------------------------- links to the core's pages


def test_page_helpers_resolve_to_the_core_pages(app):
    from core.accounts.services import site_by_code

    with app.test_request_context():
        site = site_by_code("MAIN")
        assert form_url("usedcars.appraisal_record") == "/forms/usedcars.appraisal_record/new"
        assert (
            submissions_url("usedcars.appraisal_record", site)
            == "/forms/usedcars.appraisal_record/submissions?site=MAIN"
        )
        assert metric_url("usedcars.stock_age") == "/metrics/usedcars.stock_age"
        assert metric_url("usedcars.stock_age", site) == "/metrics/usedcars.stock_age?site=MAIN"
        # The built-in audits and procedures features are not loaded in this app.
        with pytest.raises(core.plugins.CapabilityMissing, match="audits feature"):
            nonconformity_url("NC-2026-0001")
        with pytest.raises(core.plugins.CapabilityMissing, match="procedures feature"):
            procedure_url("UC-PR-001")


def test_page_helpers_reach_the_built_in_features_when_they_are_loaded(make_app):
    app = make_app(DEALERQMS_LOAD_ENTRYPOINTS="builtin")
    with app.test_request_context():
        assert nonconformity_url("NC-2026-0001") == "/nonconformities/NC-2026-0001"
        assert procedure_url("UC-PR-001") == "/procedures/UC-PR-001"


def test_a_menu_link_points_at_a_core_page_through_a_helper(app, register_plugin, client_as):
    class Plugin:
        @hookimpl
        def menu_links(self, user):
            return [MenuLink(label="Appraise a trade-in", url=form_url("usedcars.appraisal_record"))]

    register_plugin(Plugin(), "usedcars")
    page = client_as("staff").get("/").get_data(as_text=True)
    assert 'href="/forms/usedcars.appraisal_record/new"' in page


# ---------------------------------------------------------------- start-up refuses or logs


def test_a_value_type_without_a_required_field_names_the_plugin_and_the_field(make_app):
    class Plugin:
        @hookimpl
        def register_metrics(self):
            return [Metric(key="usedcars.stock_age", name="Stock age", unit="days", direction="lower")]

    with pytest.raises(
        PluginError,
        match=r"^Plugin 'usedcars': register_metrics: Metric 'usedcars.stock_age': "
        r"target is required$",
    ):
        make_app(plugins={"usedcars": Plugin()}, DEALERQMS_LOAD_ENTRYPOINTS=False)


@pytest.mark.parametrize(
    "build, message",
    [
        (
            lambda: Checklist(key="usedcars.appraisal", title="Appraisal"),
            "Checklist 'usedcars.appraisal': questions is",
        ),
        (lambda: Question(key="q1"), "Question 'q1': text is required"),
        (
            lambda: ProcedureTemplate(code="UC-PR-001", title="Appraisal"),
            "ProcedureTemplate 'UC-PR-001': department, body are required",
        ),
        (lambda: core.plugins.Field(key="vin"), "Field 'vin': label is required"),
        (lambda: core.plugins.Form(key="usedcars.f", title="F"), "Form 'usedcars.f': fields is required"),
        (lambda: core.plugins.JobKind(name="usedcars.export"), "JobKind 'usedcars.export': run is required"),
        (lambda: core.plugins.DashboardPanel(), "DashboardPanel: title is required"),
        (lambda: core.plugins.PackSection(title="Stock"), "PackSection 'Stock': html is required"),
        (lambda: core.plugins.MenuLink(url="/x"), "MenuLink: label is required"),
        (lambda: core.plugins.Kpi(label="Stock"), "Kpi 'Stock': value is required"),
        (lambda: core.plugins.OverdueItem(kind="Appraisal", label="VIN"), "OverdueItem 'VIN': url, due are required"),
        (
            lambda: Metric(key="usedcars.x", name="X", unit="", direction="lower", target=1, colour="red"),
            "Metric 'usedcars.x': has no field 'colour'",
        ),
    ],
)
def test_every_value_type_names_a_missing_or_unknown_field(build, message):
    with pytest.raises(DefinitionError, match=message):
        build()


def test_an_entry_point_without_hook_implementations_is_refused(make_app, monkeypatch, tmp_path):
    package = tmp_path / "dealerqms_bodyshop"
    package.mkdir()
    (package / "__init__.py").write_text('"""The hooks are in plugin.py."""\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    with_entry_point(monkeypatch, "bodyshop", "dealerqms_bodyshop")
    with pytest.raises(
        PluginError,
        match=r"Plugin 'bodyshop': 'dealerqms_bodyshop' has no @hookimpl functions: "
        r"does the entry point name .*'dealerqms_bodyshop.plugin'",
    ):
        make_app(DEALERQMS_LOAD_ENTRYPOINTS=True)


def test_a_department_outside_the_built_in_ones_is_logged_with_the_plugin(make_app, plugin_log):
    class Plugin:
        @hookimpl
        def register_checklists(self):
            return [
                Checklist(
                    key="usedcars.appraisal",
                    title="Appraisal",
                    area="SALE",
                    questions=[Question(key="q1", text="Appraised?")],
                )
            ]

        @hookimpl
        def register_procedure_templates(self):
            return [
                ProcedureTemplate(
                    code="UC-PR-001",
                    title="Appraisal",
                    department="SALES",
                    body="# Purpose",
                    distribution_departments=("BODYSHOP",),
                )
            ]

    make_app(plugins={"usedcars": Plugin()}, DEALERQMS_LOAD_ENTRYPOINTS=False)
    warnings = [record.getMessage() for record in plugin_log if record.levelno == logging.WARNING]
    assert any(
        message.startswith(
            "plugin 'usedcars': checklist 'usedcars.appraisal' names the department 'SALE' "
            "in area, which is not a built-in department"
        )
        for message in warnings
    ), warnings
    assert any("'BODYSHOP' in distribution_departments" in message for message in warnings), warnings
    assert not any("'SALES'" in message for message in warnings)


def test_the_built_in_departments_are_those_init_creates(app):
    from core.accounts.models import Department
    from core.database import db

    with app.app_context():
        created = {row.code for row in db.session.execute(db.select(Department)).scalars()}
    assert created == set(DEPARTMENTS)
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    for code, name in DEPARTMENTS.items():
        assert f"| `{code}` | {name} |" in guide


# ---------------------------------------------------------------- the package itself


def test_core_plugins_imports_cleanly_in_a_fresh_interpreter():
    """Whichever part of the product a process imports first (a plugin, the
    manager loading one, the app, the CLI, a job worker), the public API loads."""
    for first in ("core.plugins", "core.api", "core.plugin_engine.manager", "core.app", "core.cli", "core.jobs.worker"):
        subprocess.run([sys.executable, "-c", f"import {first}; import core.plugins"], cwd=ROOT, check=True)


def test_everything_exported_is_there_and_documented():
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    for name in core.plugins.__all__:
        assert getattr(core.plugins, name) is not None
        assert f"`{name}" in guide, f"docs/plugins.md does not mention core.plugins.{name}"
