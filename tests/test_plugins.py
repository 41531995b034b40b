"""The plugin engine: every hook is exercised here (``test_hook_<name>``),
through the manager functions the rest of the product calls."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from flask import Blueprint

from core.plugin_engine import manager
from core.plugin_engine.manager import PluginError
from core.plugins import (
    Checklist,
    DashboardPanel,
    DefinitionError,
    Field,
    Form,
    JobKind,
    Kpi,
    MenuLink,
    Metric,
    OverdueItem,
    OverdueList,
    PackSection,
    ProcedureTemplate,
    Question,
    hookimpl,
)
from tests.entry_points import with_entry_point

PLUGIN_LOG = "dealerqms.plugins"


@pytest.fixture
def app_config():
    # Only the plugins a test registers itself, whatever else ships or is installed.
    return {"DEALERQMS_LOAD_ENTRYPOINTS": False}


def checklist(key: str, title: str = "Appraisal") -> Checklist:
    return Checklist(key=key, title=title, questions=[Question(key="q1", text="Is every trade-in appraised?")])


def metric(key: str, computed: bool = False) -> Metric:
    return Metric(key=key, name="Stock age", unit="days", direction="lower", target=45, warning=60, computed=computed)


class Raising:
    """A plugin whose implementations of the given hooks all fail."""

    def __init__(self, *hooks: str):
        for hook in hooks:
            setattr(self, hook, hookimpl(self._failing()))

    @staticmethod
    def _failing():
        def fail():
            raise RuntimeError("the plugin's database is unreachable")

        return fail


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def plugin_log():
    """The records the plugin manager logs.

    Caught on its own logger: an Alembic upgrade (``dealerqms init``)
    replaces the root logger's handlers, pytest's capture among them.
    """
    logger = logging.getLogger(PLUGIN_LOG)
    handler, level = _Records(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(level)


def logged_failures(records, hook: str) -> list[str]:
    return [
        record.getMessage() for record in records if record.levelno >= logging.ERROR and hook in record.getMessage()
    ]


# ---------------------------------------------------------------- contribution hooks


def test_hook_register_checklists(app, register_plugin):
    class Plugin:
        @hookimpl
        def register_checklists(self):
            return [checklist("tyres.tread_depth", "Tyre tread depth")]

    register_plugin(Plugin(), "tyres")
    registry = manager.registry(app)
    assert registry.checklists["tyres.tread_depth"].title == "Tyre tread depth"
    assert registry.plugin_of("checklists", "tyres.tread_depth") == "tyres"


def test_hook_register_metrics(app, register_plugin):
    class Plugin:
        @hookimpl
        def register_metrics(self):
            return [metric("tyres.fitting_time")]

    register_plugin(Plugin(), "tyres")
    assert manager.registry(app).metrics["tyres.fitting_time"].direction == "lower"


def test_hook_register_forms(app, register_plugin):
    class Plugin:
        @hookimpl
        def register_forms(self):
            return [
                Form(
                    key="tyres.inspection",
                    title="Tyre inspection",
                    version=3,
                    fields=[Field(key="depth_mm", label="Tread depth (mm)", type="decimal", min=0, max=20)],
                )
            ]

    register_plugin(Plugin(), "tyres")
    inspection = manager.registry(app).forms["tyres.inspection"]
    assert (inspection.version, inspection.field("depth_mm").max) == (3, 20)


def test_hook_register_public_forms(app, users, register_plugin):
    import re

    from core.database import db
    from core.forms.models import FormSubmission
    from core.intake.models import SurveyToken
    from core.plugins import PublicForm, submit_form

    class Plugin:
        @hookimpl
        def register_forms(self):
            return [
                Form(key="tyres.fitting", title="Tyre fitting", fields=[Field(key="fitter", label="Fitter")]),
                Form(
                    key="tyres.survey",
                    title="Tyre survey",
                    fields=[
                        Field(key="fitter", label="Fitter"),
                        Field(key="score", label="Score", type="rating", scale=(1, 5), required=True),
                    ],
                ),
            ]

        @hookimpl
        def register_public_forms(self):
            return [PublicForm(form="tyres.survey", after="tyres.fitting", carry={"fitter": "fitter"}, walk_in=True)]

    register_plugin(Plugin(), "tyres")
    assert manager.registry(app).public_forms["tyres.survey"].after == "tyres.fitting"
    with app.test_request_context():
        fitting = submit_form("tyres.fitting", {"fitter": "Zhou"}, site="MAIN", submitted_by=users["staff"])
        link = "/s/" + db.session.execute(db.select(SurveyToken.token).filter_by(source_submission_id=fitting)).scalar()
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(link).get_data(as_text=True)).group(1)
    assert client.post(link, data={"csrf_token": token, "score": "5"}).status_code == 200
    with app.app_context():
        [answer] = db.session.execute(db.select(FormSubmission).filter_by(form_key="tyres.survey")).scalars()
        assert answer.data == {"fitter": "Zhou", "score": 5}
    assert app.test_client().get("/w/MAIN/tyres.survey").status_code == 200


def test_a_public_form_must_be_reachable_and_namespaced(app, register_plugin):
    from core.plugins import PublicForm

    with pytest.raises(DefinitionError, match="reachable by no link"):
        PublicForm(form="tyres.survey")

    class Plugin:
        @hookimpl
        def register_public_forms(self):
            return [PublicForm(form="sales.satisfaction_survey", walk_in=True)]

    with pytest.raises(PluginError, match="not namespaced"):
        register_plugin(Plugin(), "tyres")


def test_hook_register_procedure_templates(app, register_plugin):
    class Plugin:
        @hookimpl
        def register_procedure_templates(self):
            return [
                ProcedureTemplate(
                    code="TY-WI-001",
                    title="Tyre fitting",
                    department="AFTERSALES",
                    kind="work_instruction",
                    body="# Tyre fitting\n",
                )
            ]

    register_plugin(Plugin(), "tyres")
    registry = manager.registry(app)
    assert registry.procedure_templates["TY-WI-001"].department == "AFTERSALES"
    assert registry.plugin_of("procedure_templates", "TY-WI-001") == "tyres"


MIGRATION = """
from alembic import op
import sqlalchemy as sa

revision = "tyres_0001"
down_revision = None
branch_labels = ("tyres",)
depends_on = "0001_core"


def upgrade():
    op.create_table("tyres_stock", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade():
    op.drop_table("tyres_stock")
"""


# The database these upgrade holds the built-in plugins' tables, so the app
# must know their migrations too (as a real installation does).
@pytest.mark.parametrize("app_config", [{"DEALERQMS_LOAD_ENTRYPOINTS": "builtin"}])
def test_hook_register_migrations(app, register_plugin, tmp_path):
    from sqlalchemy import inspect

    from core.database import db
    from core.migration import upgrade

    versions = tmp_path / "tyres_migrations"
    versions.mkdir()
    (versions / "tyres_0001_stock.py").write_text(MIGRATION)

    class Plugin:
        @hookimpl
        def register_migrations(self):
            return [versions]

    register_plugin(Plugin(), "tyres")
    assert manager.migration_locations(app)[-1] == versions
    with app.app_context():
        upgrade()
        assert "tyres_stock" in inspect(db.engine).get_table_names()


def test_a_migration_folder_that_does_not_exist_stops_start_up(make_app, tmp_path):
    class Plugin:
        @hookimpl
        def register_migrations(self):
            return [tmp_path / "missing"]

    with pytest.raises(PluginError, match=r"Plugin 'tyres': register_migrations: .*missing' is not a folder"):
        make_app({"tyres": Plugin()})


# ---------------------------------------------------------------- blueprints


def tyres_blueprint(name: str = "tyres") -> Blueprint:
    bp = Blueprint(name, __name__)

    @bp.route("/stock")
    def stock():
        return "12 sets in stock"

    return bp


def test_hook_register_blueprints(make_app):
    class Plugin:
        @hookimpl
        def register_blueprints(self):
            return [tyres_blueprint()]

    app = make_app({"tyres": Plugin()})
    response = app.test_client().get("/p/tyres/stock")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "12 sets in stock"
    with app.test_request_context():
        from flask import url_for

        assert url_for("tyres.stock") == "/p/tyres/stock"


def test_a_blueprint_not_named_after_its_plugin_is_refused(make_app):
    class Plugin:
        @hookimpl
        def register_blueprints(self):
            return [tyres_blueprint("stock")]

    with pytest.raises(
        PluginError,
        match=r"Plugin 'tyres': register_blueprints: the blueprint is named 'stock'; "
        r"it must be named after the plugin \('tyres'\)",
    ):
        make_app({"tyres": Plugin()})


def test_a_plugin_cannot_take_a_core_blueprint_name(make_app):
    class Plugin:
        @hookimpl
        def register_blueprints(self):
            return [tyres_blueprint("web")]

    with pytest.raises(PluginError, match="Plugin 'web': a blueprint named 'web' is already registered"):
        make_app({"web": Plugin()})


def test_hook_register_api_blueprints(app, register_plugin, api_as):
    from flask_smorest import Blueprint as ApiBlueprint

    from core.api import token_required

    api_bp = ApiBlueprint("tyres", __name__, description="Tyres")

    @api_bp.route("/stock")
    @token_required()
    @api_bp.response(200)
    def stock():
        return {"sets": 12}

    class Plugin:
        @hookimpl
        def register_api_blueprints(self):
            return [api_bp]

        @hookimpl
        def register_blueprints(self):
            return [tyres_blueprint()]

    register_plugin(Plugin(), "tyres")
    [entry] = [entry for entry in manager.api_blueprints(app) if entry.plugin == "tyres"]
    assert (entry.plugin, entry.blueprint, entry.name, entry.url_prefix) == ("tyres", api_bp, "tyres_api", "/p/tyres")
    api = api_as("staff")
    # Beside the plugin's page blueprint of the same name.
    assert api.get("/api/v1/p/tyres/stock").json == {"sets": 12}
    assert app.test_client().get("/p/tyres/stock").status_code == 200
    assert "/api/v1/p/tyres/stock" in api.get("/api/v1/openapi.json").json["paths"]


def test_api_blueprints_are_flask_smorest_blueprints_named_after_their_plugin(make_app):
    from flask_smorest import Blueprint as ApiBlueprint

    class Misnamed:
        @hookimpl
        def register_api_blueprints(self):
            return [ApiBlueprint("tyre_api", __name__)]

    class Plain:
        @hookimpl
        def register_api_blueprints(self):
            return [Blueprint("tyres", __name__)]

    with pytest.raises(PluginError, match="Plugin 'tyres': register_api_blueprints: the blueprint is named 'tyre_api'"):
        make_app({"tyres": Misnamed()})
    with pytest.raises(
        PluginError,
        match="Plugin 'tyres': register_api_blueprints returned a flask.Blueprint where "
        "a flask_smorest.Blueprint was expected",
    ):
        make_app({"tyres": Plain()})


# ---------------------------------------------------------------- page hooks


def test_hook_menu_links(app, register_plugin, users, client_as, plugin_log):
    seen = []

    class Plugin:
        @hookimpl
        def register_blueprints(self):
            return [tyres_blueprint()]

        @hookimpl
        def menu_links(self, user):
            seen.append(user.login)
            return [
                MenuLink(label="Tyre stock", endpoint="tyres.stock"),
                MenuLink(label="Tyre supplier", url="https://tyres.example/portal"),
            ]

    register_plugin(Plugin(), "tyres")
    register_plugin(Raising("menu_links"), "flaky")
    with app.test_request_context():
        links = manager.menu_links(SimpleNamespace(login="qo"))
    assert [(link.label, link.url) for link in links] == [
        ("Tyre stock", "/p/tyres/stock"),
        ("Tyre supplier", "https://tyres.example/portal"),
    ]
    assert logged_failures(plugin_log, "menu_links") == ["plugin 'flaky' failed in menu_links; carrying on without it"]

    page = client_as("staff").get("/")
    assert page.status_code == 200
    assert 'href="/p/tyres/stock"' in page.get_data(as_text=True)
    assert seen[-1] == "staff"


def test_a_menu_link_to_an_unknown_endpoint_is_left_out(app, register_plugin, plugin_log):
    class Plugin:
        @hookimpl
        def menu_links(self):
            return [MenuLink(label="Gone", endpoint="tyres.gone")]

    register_plugin(Plugin(), "tyres")
    with app.test_request_context():
        assert manager.menu_links(None) == []
    assert logged_failures(plugin_log, "menu_links") == ["plugin 'tyres' failed in menu_links; carrying on without it"]


def test_hook_dashboard_panels(app, register_plugin, plugin_log):
    class Plugin:
        @hookimpl
        def dashboard_panels(self, site):
            return [
                DashboardPanel(title=f"Tyres at {site.code}", html="<p>12 sets</p>"),
                DashboardPanel(title="Fitting time", chart="tyres.fitting_time"),
            ]

    class WrongType:
        @hookimpl
        def dashboard_panels(self):
            return [{"title": "Not a panel"}]

    register_plugin(Plugin(), "tyres")
    register_plugin(Raising("dashboard_panels"), "flaky")
    register_plugin(WrongType(), "sloppy")
    with app.app_context():
        panels = manager.dashboard_panels(SimpleNamespace(code="MAIN"), None)
    assert [(plugin, p.title, p.html, p.chart) for plugin, p in panels] == [
        ("tyres", "Tyres at MAIN", "<p>12 sets</p>", None),
        ("tyres", "Fitting time", None, "tyres.fitting_time"),
    ]
    assert sorted(logged_failures(plugin_log, "dashboard_panels")) == [
        "plugin 'flaky' failed in dashboard_panels; carrying on without it",
        "plugin 'sloppy' failed in dashboard_panels; carrying on without it",
    ]


def test_hook_kpi_panels(app, register_plugin, plugin_log, client_as):
    from core.accounts.services import site_by_code

    seen = []

    class Plugin:
        @hookimpl
        def register_metrics(self):
            return [
                Metric(
                    key="tyres.fitting_time",
                    name="Fitting time",
                    unit="min",
                    direction="lower",
                    target=30,
                    area="SALES",
                )
            ]

        @hookimpl
        def kpi_panels(self, site, area, user):
            seen.append((area, user.login if user else None))
            if area not in (None, "SALES"):
                return []
            return [DashboardPanel(title=f"Tyres at {site.code}", html=f"<p>12 sets for {area or 'every area'}</p>")]

    class WrongType:
        @hookimpl
        def kpi_panels(self):
            return [{"title": "Not a panel"}]

    register_plugin(Plugin(), "tyres")
    register_plugin(Raising("kpi_panels"), "flaky")
    register_plugin(WrongType(), "sloppy")
    with app.test_request_context():
        panels = manager.kpi_panels(site_by_code("MAIN"), "SALES", None)
    assert [(plugin, p.title, p.html) for plugin, p in panels] == [
        ("tyres", "Tyres at MAIN", "<p>12 sets for SALES</p>")
    ]
    assert sorted(logged_failures(plugin_log, "kpi_panels")) == [
        "plugin 'flaky' failed in kpi_panels; carrying on without it",
        "plugin 'sloppy' failed in kpi_panels; carrying on without it",
    ]

    head = client_as("head")
    assert "<p>12 sets for every area</p>" in head.get("/metrics/?site=MAIN").get_data(as_text=True)
    assert "<p>12 sets for SALES</p>" in head.get("/metrics/?site=MAIN&area=SALES").get_data(as_text=True)
    assert "Tyres at MAIN" not in head.get("/metrics/?site=MAIN&area=AFTERSALES").get_data(as_text=True)
    # A metric's page shows the panels of its area.
    metric_page = head.get("/metrics/tyres.fitting_time?site=MAIN").get_data(as_text=True)
    assert "<p>12 sets for SALES</p>" in metric_page
    assert seen[-4:] == [(None, "head"), ("SALES", "head"), ("AFTERSALES", "head"), ("SALES", "head")]


def test_hook_user_tasks(app, register_plugin, plugin_log):
    from datetime import date

    from core.plugins import Task, TaskList

    def task(title, due):
        return Task(kind="tyres.fit", kind_label="Fit tyres", title=title, url="/p/tyres/1", why="You fit", due=due)

    class Plugin:
        @hookimpl
        def user_tasks(self, user, kind, limit):
            found = [task("Fit MAIN-2", date(2025, 3, 2)), task("Fit MAIN-1", date(2025, 3, 1))]
            return TaskList(found[:limit] if kind in (None, "tyres.fit") else [], total=5)

    class Plain:
        @hookimpl
        def user_tasks(self):
            return [Task(kind="plain.read", kind_label="Read", title="Read it", url="/r/1", why="Yours")]

    register_plugin(Plugin(), "tyres")
    register_plugin(Plain(), "plain")
    register_plugin(Raising("user_tasks"), "flaky")
    with app.test_request_context():
        from core.tasks import services

        inbox = services.inbox(None)
        only = services.inbox(None, "tyres.fit")
        counted = manager.user_tasks(None, None, 0)
    # Earliest due first; no due date last; a TaskList counts its total, a plain list its length.
    assert [str(t.title) for t in inbox.tasks] == ["Fit MAIN-1", "Fit MAIN-2", "Read it"]
    assert inbox.total == 6 and [str(t.title) for t in only.tasks] == ["Fit MAIN-1", "Fit MAIN-2"]
    assert counted[1] == 6
    failure = "plugin 'flaky' failed in user_tasks; carrying on without it"
    assert logged_failures(plugin_log, "user_tasks") == [failure] * 3


def test_hook_register_notification_kinds(app, register_plugin, make_user):
    from core.database import commit
    from core.notifications import services
    from core.plugins import NotificationKind, notify

    class Plugin:
        @hookimpl
        def register_notification_kinds(self):
            return [NotificationKind(key="tyres.fitted", title="Tyres fitted", subject="Tyres of %(plate)s fitted")]

    register_plugin(Plugin(), "tyres")
    make_user("fitter", "staff")
    with app.test_request_context():
        from core.accounts.services import user_by_login

        fitter = user_by_login("fitter")
        assert notify([fitter], "tyres.fitted", {"plate": "京A12345"}, url="/p/tyres/1", event="fitted:1") == 1
        assert notify([fitter], "tyres.fitted", {"plate": "京A12345"}, url="/p/tyres/1", event="fitted:1") == 0
        commit()
        [told] = services.recent(fitter)
        assert services.texts(told) == ("Tyres of 京A12345 fitted", "")
        with pytest.raises(ValueError, match="unknown notification kind"):
            notify([fitter], "tyres.unknown", {}, url="/", event="x")


def test_hook_register_trail_entities(app, users, register_plugin, make_app):
    import json

    from core.accounts.services import user_by_login
    from core.plugins import TrailEntity, utcnow
    from core.trail.models import TrailEvent
    from core.trail.readable import readable

    class Plugin:
        @hookimpl
        def register_trail_entities(self):
            return [
                TrailEntity(
                    entity_type="tyre_fitting",
                    label="tyre fitting",
                    fields={"plate": "Number plate", "fitter_id": "Fitter"},
                    values={"state": {"booked": "booked", "fitted": "fitted"}},
                    transitions={"fitted": "%(who)s fitted the tyres of %(record)s"},
                    references={"fitter_id": "user"},
                    name=lambda entity_id: f"car {entity_id}",
                )
            ]

    register_plugin(Plugin(), "tyres")
    with app.test_request_context():
        fitter = user_by_login("staff")

        def event(seq, action, changes):
            # Events as the trail stores them; built here, since no tyre table exists to record them.
            return TrailEvent(
                seq=seq,
                at=utcnow(),
                actor="qo",
                action=action,
                entity_type="tyre_fitting",
                entity_id="7",
                changes=json.dumps(changes),
                reason=None,
                prev_hash="0" * 64,
                hash=f"{seq}" * 64,
            )

        changed, fitted = readable(
            [
                event(
                    1,
                    "update",
                    {"plate": ["京A12345", "京A12346"], "fitter_id": [None, fitter.id], "torque_nm": [110, 120]},
                ),
                event(2, "transition", {"state": ["booked", "fitted"]}),
            ]
        )
    assert changed.text == "Quinn Quality changed car 7"
    assert [(c.label, c.before, c.after) for c in changed.changes] == [
        ("Number plate", "京A12345", "京A12346"),
        ("Fitter", None, "Sam Staff"),
        ("Torque nm", "110", "120"),  # not described: the column's name in words
    ]
    assert fitted.text == "Quinn Quality fitted the tyres of car 7" and fitted.changes == ()

    class Squatter:
        @hookimpl
        def register_trail_entities(self):
            return [TrailEntity(entity_type="site", label="dealership")]

    with pytest.raises(PluginError, match="'squatter'.*trail entity 'site' is registered already by plugin"):
        make_app(plugins={"squatter": Squatter()})


def test_hook_tick(app, register_plugin, plugin_log):
    seen = []

    class Plugin:
        @hookimpl
        def tick(self, now):
            seen.append(now)
            return ["2 tyre reminders"]

    register_plugin(Plugin(), "tyres")
    register_plugin(Raising("tick"), "flaky")
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0 and "tyres: 2 tyre reminders" in result.output
    assert len(seen) == 1 and seen[0].tzinfo is not None
    assert logged_failures(plugin_log, "tick") == ["plugin 'flaky' failed in tick; carrying on without it"]


def test_hook_prepare_job_worker(app, register_plugin, plugin_log, monkeypatch):
    import threading

    from flask import current_app

    from core.jobs import prepare

    seen = []

    class Plugin:
        @hookimpl
        def prepare_job_worker(self):
            seen.append((current_app.name, threading.current_thread().name))

    register_plugin(Plugin(), "reports")
    register_plugin(Raising("prepare_job_worker"), "flaky")
    assert app.test_cli_runner().invoke(args=["jobs", "list"]).exit_code == 0
    assert seen == []  # creating the app and running commands prepare nothing
    monkeypatch.setattr(prepare, "_prepared", None)
    prepare.prepare_in_background(app).join()
    assert seen == [(app.name, "prepare-job-worker")]  # once, in a thread of its own, in an app context
    assert prepare.wait_until_prepared(timeout=0)
    assert logged_failures(plugin_log, "prepare_job_worker") == [
        "plugin 'flaky' failed in prepare_job_worker; carrying on without it"
    ]


def test_hook_audit_risk_factors(app, register_plugin, plugin_log):
    from core.accounts.services import department_by_code, site_by_code
    from core.plugins import RiskFactor

    class Plugin:
        @hookimpl
        def audit_risk_factors(self, site, department):
            if department.code != "SALES":
                return []
            return [RiskFactor(points=2, reason=f"4 used cars over 90 days in stock at {site.code}")]

    register_plugin(Plugin(), "usedcars")
    register_plugin(Raising("audit_risk_factors"), "flaky")
    with app.app_context():
        site = site_by_code("MAIN")
        assert manager.audit_risk_factors(site, department_by_code("SALES")) == [
            ("usedcars", RiskFactor(points=2, reason="4 used cars over 90 days in stock at MAIN"))
        ]
        assert manager.audit_risk_factors(site, department_by_code("AFTERSALES")) == []
    assert (
        logged_failures(plugin_log, "audit_risk_factors")
        == ["plugin 'flaky' failed in audit_risk_factors; carrying on without it"] * 2
    )
    with pytest.raises(DefinitionError, match="points must be a whole number from 0 to 10"):
        RiskFactor(points=11, reason="too much")


def test_hook_review_inputs(app, register_plugin, plugin_log):
    from datetime import date

    from core.accounts.services import site_by_code
    from core.plugins import ReviewInput

    class Plugin:
        @hookimpl
        def review_inputs(self, site, period_from, period_to):
            return [
                ReviewInput(
                    key="usedcars.sales",
                    title="Used cars sold",
                    rows=[("Sold", 12), ("From", f"{period_from:%Y-%m} at {site.code}")],
                )
            ]

    register_plugin(Plugin(), "usedcars")
    register_plugin(Raising("review_inputs"), "flaky")
    with app.app_context():
        found = manager.review_inputs(site_by_code("MAIN"), date(2026, 7, 1), date(2026, 9, 30))
    assert found == [
        (
            "usedcars",
            ReviewInput(key="usedcars.sales", title="Used cars sold", rows=[("Sold", 12), ("From", "2026-07 at MAIN")]),
        )
    ]
    assert logged_failures(plugin_log, "review_inputs") == [
        "plugin 'flaky' failed in review_inputs; carrying on without it"
    ]
    with pytest.raises(DefinitionError, match="must be text or a number"):
        ReviewInput(key="usedcars.sales", title="Used cars sold", rows=[("Sold", [12])])
    with pytest.raises(DefinitionError, match=r"\(label, value\) pair"):
        ReviewInput(key="usedcars.sales", title="Used cars sold", rows=["Sold"])


def test_hook_dashboard_overdue(app, register_plugin, plugin_log):
    from datetime import date

    class Plugin:
        @hookimpl
        def dashboard_overdue(self, site, user):
            return OverdueList(
                [OverdueItem(kind="Appraisal", label=f"{site.code} VIN1", url="/a/1", due=date(2025, 3, 1))], total=7
            )

    class Plain:
        @hookimpl
        def dashboard_overdue(self):
            return [OverdueItem(kind="Review", label="UC-PR-001", url="/r/1", due=date(2025, 1, 1))]

    register_plugin(Plugin(), "tyres")
    register_plugin(Plain(), "plain")
    register_plugin(Raising("dashboard_overdue"), "flaky")
    with app.app_context():
        items, total = manager.dashboard_overdue(SimpleNamespace(code="MAIN"), None)
    assert sorted(item.label for item in items) == ["MAIN VIN1", "UC-PR-001"]
    assert total == 8, "an OverdueList counts its total, a plain list its length"
    assert logged_failures(plugin_log, "dashboard_overdue") == [
        "plugin 'flaky' failed in dashboard_overdue; carrying on without it"
    ]


def test_hook_dashboard_kpis(app, register_plugin, plugin_log):
    class Plugin:
        @hookimpl
        def dashboard_kpis(self, site):
            return [Kpi(label=f"Sets at {site.code}", value="12", group="Tyres")]

    register_plugin(Plugin(), "tyres")
    register_plugin(Raising("dashboard_kpis"), "flaky")
    with app.app_context():
        from core.accounts.services import site_by_code

        kpis = manager.dashboard_kpis(site_by_code("MAIN"), None)
    assert [(kpi.label, kpi.value, kpi.group) for kpi in kpis if kpi.group == "Tyres"] == [
        ("Sets at MAIN", "12", "Tyres")
    ]
    assert logged_failures(plugin_log, "dashboard_kpis") == [
        "plugin 'flaky' failed in dashboard_kpis; carrying on without it"
    ]


def test_hook_register_job_kinds(app, register_plugin, make_app):
    def export(context):
        return "stock.csv"

    class Plugin:
        @hookimpl
        def register_job_kinds(self):
            return [
                JobKind(
                    name="tyres.export", run=export, title="Tyre stock export", describe=lambda params: params["site"]
                )
            ]

    register_plugin(Plugin(), "tyres")
    with app.app_context():
        kind = manager.job_kind("tyres.export")
        assert kind.run is export and kind.subject({"site": "MAIN"}) == "MAIN"

    class Squatter:
        @hookimpl
        def register_job_kinds(self):
            return [JobKind(name="audits.report", run=export)]

    with pytest.raises(PluginError, match="'squatter'.*job kind key 'audits.report' is not namespaced"):
        make_app(plugins={"squatter": Squatter()})


def test_hook_pack_sections(app, register_plugin):
    class Plugin:
        @hookimpl
        def pack_sections(self, audit):
            return [PackSection(title="Tyre stock", html=f"<p>Stock at {audit.reference}</p>")]

    register_plugin(Plugin(), "tyres")
    audit = SimpleNamespace(reference="IA-2026-007")
    with app.app_context():
        [section] = manager.pack_sections(audit)
    assert (section.title, section.html) == ("Tyre stock", "<p>Stock at IA-2026-007</p>")


def test_a_failing_pack_section_stops_the_pack_naming_the_plugin(app, register_plugin):
    register_plugin(Raising("pack_sections"), "flaky")
    with (
        app.app_context(),
        pytest.raises(
            PluginError, match="Plugin 'flaky': pack_sections raised RuntimeError: the plugin's database is unreachable"
        ),
    ):
        manager.pack_sections(SimpleNamespace(reference="IA-2026-007"))


def test_hook_compute_metric(app, register_plugin, plugin_log):
    asked = []

    class NotMine:
        @hookimpl
        def compute_metric(self, metric):
            asked.append("not-mine")
            return None

    class Mine:
        @hookimpl
        def compute_metric(self, metric, site, period):
            asked.append("mine")
            return 38.5 if (metric.key, site.code, period) == ("tyres.fitting_time", "MAIN", "2026-03") else None

    class Wrong:
        @hookimpl
        def compute_metric(self):
            asked.append("wrong")
            return "fast"

    # pluggy asks the most recently registered plugin first.
    register_plugin(Mine(), "tyres")
    register_plugin(NotMine(), "other")
    register_plugin(Wrong(), "sloppy")
    register_plugin(Raising("compute_metric"), "flaky")
    with app.app_context():
        value = manager.compute_metric(
            metric("tyres.fitting_time", computed=True), SimpleNamespace(code="MAIN"), "2026-03"
        )
        assert value == 38.5
        assert asked == ["wrong", "not-mine", "mine"]
        assert (
            manager.compute_metric(metric("tyres.other", computed=True), SimpleNamespace(code="MAIN"), "2026-03")
            is None
        )
    assert (
        logged_failures(plugin_log, "compute_metric")[0] == "plugin 'flaky' failed in compute_metric; "
        "carrying on without it"
    )
    assert any("plugin 'sloppy' returned 'fast'" in r.getMessage() for r in plugin_log)


# ---------------------------------------------------------------- events


def _listener(event: str, received: list):
    # pluggy passes the arguments an implementation names, so each needs its own.
    implementations = {
        "form_submitted": lambda submission: received.append(submission),
        "nonconformity_raised": lambda nc: received.append(nc),
        "nonconformity_closed": lambda nc: received.append(nc),
        "revision_effective": lambda revision: received.append(revision),
        "audit_reported": lambda audit: received.append(audit),
        "populate_instance": lambda demo: received.append(demo),
    }
    plugin = SimpleNamespace()
    setattr(plugin, event, hookimpl(implementations[event]))
    return plugin


@pytest.mark.parametrize(
    "event, argument",
    [
        ("form_submitted", "submission"),
        ("nonconformity_raised", "nc"),
        ("nonconformity_closed", "nc"),
        ("revision_effective", "revision"),
        ("audit_reported", "audit"),
        ("populate_instance", "demo"),
    ],
)
def test_events_reach_every_plugin_that_listens(app, register_plugin, event, argument):
    first, second = [], []
    register_plugin(_listener(event, first), "first")
    register_plugin(_listener(event, second), "second")
    with app.app_context():
        assert manager.notify(event, **{argument: "the record"}) == []
    assert first == second == ["the record"]


def _site_writer(event: str, code: str, then_fail: bool = False):
    from core.accounts import services

    class Plugin:
        pass

    def implementation():
        services.create_site(None, code, f"Site {code}")
        if then_fail:
            raise RuntimeError("the plugin's database is unreachable")

    plugin = Plugin()
    setattr(plugin, event, hookimpl(implementation))
    return plugin


def _event_isolation(app, register_plugin, plugin_log, event: str, argument: str, value) -> None:
    """A raising listener is logged with its name, its writes are undone and
    the other listeners' writes are kept."""
    from core.accounts.models import Site
    from core.database import db

    register_plugin(_site_writer(event, "GOOD"), "steady")
    register_plugin(_site_writer(event, "BAD", then_fail=True), "flaky")  # called first
    with app.app_context():
        assert manager.notify(event, **{argument: value}) == ["flaky"]
        codes = set(db.session.execute(db.select(Site.code)).scalars())
    assert "GOOD" in codes and "BAD" not in codes
    assert logged_failures(plugin_log, event) == [f"plugin 'flaky' failed in {event}; carrying on without it"]
    [record] = [r for r in plugin_log if r.name == PLUGIN_LOG and r.exc_info]
    assert "the plugin's database is unreachable" in str(record.exc_info[1])


def test_hook_form_submitted(app, register_plugin, plugin_log):
    submission = SimpleNamespace(form_key="tyres.inspection", data={"depth_mm": 1.2})
    _event_isolation(app, register_plugin, plugin_log, "form_submitted", "submission", submission)


def test_hook_nonconformity_raised(app, register_plugin, plugin_log):
    _event_isolation(app, register_plugin, plugin_log, "nonconformity_raised", "nc", SimpleNamespace(reference="NC-1"))


def test_hook_nonconformity_closed(app, register_plugin, plugin_log):
    _event_isolation(app, register_plugin, plugin_log, "nonconformity_closed", "nc", SimpleNamespace(reference="NC-1"))


def test_hook_revision_effective(app, register_plugin, plugin_log):
    _event_isolation(app, register_plugin, plugin_log, "revision_effective", "revision", SimpleNamespace(number=2))


def test_hook_audit_reported(app, register_plugin, plugin_log):
    _event_isolation(app, register_plugin, plugin_log, "audit_reported", "audit", SimpleNamespace(reference="IA-1"))


# The database these upgrade holds the built-in plugins' tables, so the app
# must know their migrations too (as a real installation does).
@pytest.mark.parametrize("app_config", [{"DEALERQMS_LOAD_ENTRYPOINTS": "builtin"}])
def test_hook_populate_instance(app, register_plugin, plugin_log):
    from core.accounts.models import Site, User
    from core.database import db
    from core.maintenance import initialise

    demo_flags = []

    class Plugin:
        @hookimpl
        def populate_instance(self, demo):
            demo_flags.append(demo)

    register_plugin(Plugin(), "tyres")
    register_plugin(_site_writer("populate_instance", "BAD", then_fail=True), "flaky")
    with app.app_context():
        initialise(demo=False, admin_password="correct horse battery staple")
        assert db.session.execute(db.select(User).filter_by(login="admin")).scalar_one()
        assert db.session.execute(db.select(Site).filter_by(code="BAD")).first() is None
    assert demo_flags == [False]
    assert logged_failures(plugin_log, "populate_instance") == [
        "plugin 'flaky' failed in populate_instance; carrying on without it"
    ]


# The database these upgrade holds the built-in plugins' tables, so the app
# must know their migrations too (as a real installation does).
@pytest.mark.parametrize("app_config", [{"DEALERQMS_LOAD_ENTRYPOINTS": "builtin"}])
def test_plugin_failures_are_still_logged_after_a_schema_upgrade(app):
    # ``dealerqms init`` upgrades the schema, then fires populate_instance in
    # the same process: a failing plugin must not go unreported there.
    from core.migration import upgrade

    with app.app_context():
        upgrade()
    assert not logging.getLogger(PLUGIN_LOG).disabled, (
        "the Alembic environment's logging.config.fileConfig() disabled the plugin manager's logger; "
        "call it with disable_existing_loggers=False"
    )


def test_events_wait_for_the_commit_and_are_dropped_by_a_rollback(app, register_plugin):
    from core import database
    from core.accounts import services

    received = []

    class Plugin:
        @hookimpl
        def audit_reported(self, audit):
            received.append(audit)

    register_plugin(Plugin(), "tyres")
    with app.app_context():
        services.create_site(None, "ROLLED", "Rolled back")
        manager.notify_after_commit("audit_reported", audit="IA-1")
        database.db.session.rollback()
        database.commit()
        assert received == []
        services.create_site(None, "KEPT", "Committed")
        manager.notify_after_commit("audit_reported", audit="IA-2")
        assert received == []
        database.commit()
    assert received == ["IA-2"]


def test_only_event_hooks_can_be_notified(app):
    with app.app_context(), pytest.raises(ValueError, match="'register_checklists' is not an event hook"):
        manager.notify("register_checklists")


def test_a_request_survives_a_raising_event_hook(app, register_plugin, plugin_log):
    register_plugin(Raising("audit_reported"), "flaky")

    @app.post("/report-audit")
    def report_audit():
        manager.notify("audit_reported", audit=SimpleNamespace(reference="IA-1"))
        return "reported"

    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("/report-audit")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "reported")
    assert logged_failures(plugin_log, "audit_reported") == [
        "plugin 'flaky' failed in audit_reported; carrying on without it"
    ]


# ---------------------------------------------------------------- start-up validation


def plugin_with(hook: str, *values):
    plugin = SimpleNamespace()
    setattr(plugin, hook, hookimpl(lambda: list(values)))
    return plugin


@pytest.mark.parametrize(
    "plugins, message",
    [
        (
            {"tyres": plugin_with("register_checklists", checklist("tyres.a"), checklist("tyres.a"))},
            "Plugin 'tyres': checklist 'tyres.a' is registered twice",
        ),
        (
            {
                "tyres": plugin_with("register_metrics", metric("tyres.a")),
                "wheels": plugin_with("register_metrics", metric("tyres.a")),
            },
            "Plugin 'wheels': metric key 'tyres.a' is not namespaced by the plugin: it must start with 'wheels.'",
        ),
        (
            {"tyres": plugin_with("register_checklists", checklist("appraisal"))},
            "Plugin 'tyres': checklist key 'appraisal' is not namespaced by the plugin: it must start with 'tyres.'",
        ),
        (
            {
                "tyres": plugin_with(
                    "register_forms", Form(key="usedcars.record", title="R", fields=[Field(key="a", label="A")])
                )
            },
            "Plugin 'tyres': form key 'usedcars.record' is not namespaced",
        ),
        (
            {
                "tyres": plugin_with(
                    "register_procedure_templates",
                    ProcedureTemplate(code="TY-1", title="A", department="SALES", body="x"),
                ),
                "wheels": plugin_with(
                    "register_procedure_templates",
                    ProcedureTemplate(code="TY-1", title="B", department="SALES", body="y"),
                ),
            },
            "Plugin 'wheels': procedure template 'TY-1' is registered already by plugin 'tyres'",
        ),
    ],
)
def test_a_duplicate_or_foreign_key_stops_start_up_naming_the_plugin(make_app, plugins, message):
    with pytest.raises(PluginError, match=message):
        make_app(plugins)


def test_a_malformed_definition_stops_start_up_naming_the_plugin(make_app):
    class Plugin:
        @hookimpl
        def register_forms(self):
            return [
                Form(
                    key="tyres.inspection",
                    title="Inspection",
                    fields=[Field(key="colour", label="Colour", type="colour")],
                )
            ]

    with pytest.raises(PluginError) as raised:
        make_app({"tyres": Plugin()})
    assert str(raised.value) == (
        "Plugin 'tyres': register_forms: field 'colour': unknown type 'colour' (known: "
        "text, textarea, integer, decimal, date, datetime, select, multiselect, boolean, "
        "rating, email, phone, vin, group)"
    )
    assert raised.value.plugin == "tyres"


@pytest.mark.parametrize(
    "result, message",
    [
        (None, "register_checklists must return a list, not NoneType"),
        ({"key": "tyres.a"}, "register_checklists must return a list, not dict"),
        ([{"key": "tyres.a"}], "register_checklists returned a dict where a Checklist was expected"),
        ([metric("tyres.a")], "register_checklists returned a Metric where a Checklist was expected"),
    ],
)
def test_a_hook_returning_the_wrong_thing_stops_start_up(make_app, result, message):
    class Plugin:
        @hookimpl
        def register_checklists(self):
            return result

    with pytest.raises(PluginError, match=f"Plugin 'tyres': {message}"):
        make_app({"tyres": Plugin()})


def test_a_register_hook_that_raises_stops_start_up_naming_the_plugin(make_app):
    with pytest.raises(
        PluginError,
        match="Plugin 'flaky': register_checklists raised RuntimeError: the plugin's database is unreachable",
    ):
        make_app({"flaky": Raising("register_checklists")})


def test_an_implementation_of_an_unknown_hook_stops_start_up(make_app):
    class Plugin:
        @hookimpl
        def register_checklist(self):  # the real hook is register_checklists
            return []

    with pytest.raises(
        PluginError, match="Plugin 'tyres': implements 'register_checklist', which is not a dealerqms hook"
    ):
        make_app({"tyres": Plugin()})


def test_an_implementation_with_an_argument_the_hook_does_not_have_is_refused(make_app):
    class Plugin:
        @hookimpl
        def menu_links(self, account):
            return []

    with pytest.raises(PluginError) as raised:
        make_app({"tyres": Plugin()})
    assert str(raised.value) == (
        "Plugin 'tyres': its menu_links takes 'account', which the hook does not pass (arguments of menu_links: user)"
    )


def test_wrappers_are_refused(make_app):
    class Plugin:
        @hookimpl(wrapper=True)
        def register_checklists(self):
            return (yield)

    with pytest.raises(PluginError, match="Plugin 'tyres': register_checklists cannot be a wrapper"):
        make_app({"tyres": Plugin()})


def test_registering_a_broken_plugin_on_a_running_app_leaves_it_as_it_was(app, register_plugin):
    register_plugin(plugin_with("register_checklists", checklist("tyres.a")), "tyres")
    with pytest.raises(PluginError, match="Plugin 'wheels': checklist key 'tyres.b' is not namespaced"):
        register_plugin(plugin_with("register_checklists", checklist("tyres.b")), "wheels")
    assert list(manager.registry(app).checklists) == ["tyres.a"]
    assert [p["name"] for p in manager.describe_plugins(app)] == ["tyres"]


def test_a_plugin_with_pages_must_be_registered_before_the_first_request(app, register_plugin):
    class Plugin:
        @hookimpl
        def register_blueprints(self):
            return [tyres_blueprint()]

    app.test_client().get("/healthz")
    with pytest.raises(PluginError, match="Plugin 'tyres': its blueprint cannot be mounted any more"):
        register_plugin(Plugin(), "tyres")
    assert manager.describe_plugins(app) == []


# ---------------------------------------------------------------- loading from entry points


def test_the_example_plugin_is_found_through_its_entry_point(make_app):
    app = make_app(DEALERQMS_LOAD_ENTRYPOINTS=True)
    [usedcars] = [p for p in manager.describe_plugins(app) if p["name"] == "usedcars"]
    assert usedcars == {
        "name": "usedcars",
        "version": "0.4.0",
        "builtin": False,
        "hooks": [
            "compute_metric",
            "dashboard_panels",
            "form_submitted",
            "menu_links",
            "register_blueprints",
            "register_checklists",
            "register_forms",
            "register_metrics",
            "register_permissions",
            "register_procedure_templates",
            "register_translations",
        ],
        "counts": {"checklists": 1, "metrics": 3, "forms": 1, "procedure_templates": 1},
    }
    registry = manager.registry(app)
    assert registry.checklists["usedcars.appraisal"].area == "SALES"
    assert registry.forms["usedcars.appraisal_record"].field("vin").type == "vin"
    assert registry.metrics["usedcars.stock_age"].target == 45
    assert registry.procedure_templates["UC-PR-001"].department == "SALES"


def test_dealerqms_plugins_lists_the_example_plugin(make_app):
    import json

    app = make_app(DEALERQMS_LOAD_ENTRYPOINTS=True)
    result = app.test_cli_runner().invoke(args=["plugins", "--json"])
    assert result.exit_code == 0, result.output
    assert {p["name"]: p["version"] for p in json.loads(result.output)}["usedcars"] == "0.4.0"

    result = app.test_cli_runner().invoke(args=["plugins"])
    assert result.exit_code == 0
    assert "usedcars 0.4.0\n  contributes: 1 checklist, 3 metrics, 1 form, 1 procedure template\n" in result.output


def test_the_default_test_app_loads_no_third_party_plugin(make_app):
    app = make_app()
    assert "usedcars" not in {p["name"] for p in manager.describe_plugins(app)}
    assert all(p["builtin"] for p in manager.describe_plugins(app))


@pytest.mark.parametrize(
    "config, loaded",
    [
        ({}, {"usedcars", "tyres"}),
        ({"DEALERQMS_PLUGINS_ALLOW": ("tyres",)}, {"tyres"}),
        ({"DEALERQMS_PLUGINS_ALLOW": ("usedcars",)}, {"usedcars"}),
        ({"DEALERQMS_PLUGINS_DENY": ("usedcars",)}, {"tyres"}),
        ({"DEALERQMS_PLUGINS_DENY": ("usedcars", "tyres")}, set()),
        ({"DEALERQMS_PLUGINS_SAFE_MODE": True}, set()),
        ({"DEALERQMS_LOAD_ENTRYPOINTS": False}, {"tyres"}),
    ],
)
def test_allow_and_deny_lists_and_safe_mode_choose_what_loads(make_app, config, loaded):
    tyres = plugin_with("register_checklists", checklist("tyres.a"))
    app = make_app({"tyres": tyres}, **({"DEALERQMS_LOAD_ENTRYPOINTS": True} | config))
    names = {p["name"] for p in manager.describe_plugins(app)} - _builtin_names(app)
    assert names == loaded
    assert ("usedcars.appraisal" in manager.registry(app).checklists) == ("usedcars" in loaded)


def _builtin_names(app) -> set[str]:
    return {p["name"] for p in manager.describe_plugins(app) if p["builtin"]}


def test_safe_mode_is_said_by_the_command_line(make_app):
    app = make_app(DEALERQMS_LOAD_ENTRYPOINTS=True, DEALERQMS_PLUGINS_SAFE_MODE=True)
    result = app.test_cli_runner().invoke(args=["plugins"])
    assert result.output == "Safe mode: no plugins are loaded.\n"


def test_an_allowed_plugin_that_is_not_installed_is_warned_about(make_app, plugin_log):
    make_app(DEALERQMS_LOAD_ENTRYPOINTS=True, DEALERQMS_PLUGINS_ALLOW=("usedcars", "usedcar"))
    assert "plugin 'usedcar' is on the allow list but is not installed" in [r.getMessage() for r in plugin_log]


def test_an_entry_point_that_fails_to_import_stops_start_up_naming_the_plugin(make_app, monkeypatch, tmp_path):
    (tmp_path / "dealerqms_bodyshop.py").write_text("raise RuntimeError('licence server unreachable')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with_entry_point(monkeypatch, "bodyshop", "dealerqms_bodyshop")
    with pytest.raises(
        PluginError,
        match=r"Plugin 'bodyshop': cannot be imported from 'dealerqms_bodyshop' "
        r"\(RuntimeError: licence server unreachable\)",
    ):
        make_app(DEALERQMS_LOAD_ENTRYPOINTS=True)


def test_an_entry_point_to_a_missing_module_stops_start_up_naming_the_plugin(make_app, monkeypatch):
    with_entry_point(monkeypatch, "bodyshop", "dealerqms_bodyshop_not_installed")
    with pytest.raises(PluginError, match="Plugin 'bodyshop': cannot be imported .*ModuleNotFoundError"):
        make_app(DEALERQMS_LOAD_ENTRYPOINTS=True)
    # A denied plugin is not even imported, so denying it is the way out.
    app = make_app(DEALERQMS_LOAD_ENTRYPOINTS=True, DEALERQMS_PLUGINS_DENY=("bodyshop",))
    assert "bodyshop" not in {p["name"] for p in manager.describe_plugins(app)}


def test_a_broken_plugin_is_one_sentence_on_the_command_line(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from core.cli import main

    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "from core.plugins import hookimpl, Checklist, Question\n"
        "class Broken:\n"
        "    @hookimpl\n"
        "    def register_checklists(self):\n"
        "        return [Checklist(key='other.x', title='X', questions=[Question(key='q', text='t')])]\n"
        "DEALERQMS_EXTRA_PLUGINS = {'broken': Broken()}\n"
        "DEALERQMS_LOAD_ENTRYPOINTS = False\n"
    )
    monkeypatch.setenv("DEALERQMS_INSTANCE", str(instance))
    monkeypatch.delenv("DEALERQMS_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["plugins"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: Plugin 'broken': checklist key 'other.x' is not namespaced by the plugin: "
        "it must start with 'broken.'\n"
    )


def test_hook_register_commands(make_app):
    import click

    @click.command("appraisals")
    def appraisals():
        click.echo("3 appraisals are open.")

    class Plugin:
        @hookimpl
        def register_commands(self, cli):
            cli.add_command(appraisals)

    app = make_app(plugins={"usedcars_cli": Plugin()})
    result = app.test_cli_runner().invoke(args=["appraisals"])
    assert result.exit_code == 0 and result.output == "3 appraisals are open.\n"


def test_a_failing_register_commands_stops_start_up_naming_the_plugin(make_app):
    class Plugin:
        @hookimpl
        def register_commands(self, cli):
            raise RuntimeError("boom")

    with pytest.raises(manager.PluginError, match="'broken_cli'.*register_commands failed"):
        make_app(plugins={"broken_cli": Plugin()})


def test_hook_register_translations(make_app, tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from flask_babel import gettext

    folder = tmp_path / "translations"
    (folder / "zh_Hans_CN" / "LC_MESSAGES").mkdir(parents=True)
    catalog = Catalog(locale="zh_CN")
    catalog.add("Appraisals", "评估")
    with open(folder / "zh_Hans_CN" / "LC_MESSAGES" / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)

    class Plugin:
        @hookimpl
        def register_translations(self):
            return [folder]

    app = make_app(plugins={"usedcars_i18n": Plugin()})
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert gettext("Appraisals") == "评估"
        assert gettext("Log in") == "登录", "the core's own catalog still answers"


def test_a_missing_translation_folder_stops_start_up(make_app, tmp_path):
    class Plugin:
        @hookimpl
        def register_translations(self):
            return [tmp_path / "nowhere"]

    with pytest.raises(manager.PluginError, match="'broken_i18n'.*is not a folder"):
        make_app(plugins={"broken_i18n": Plugin()})


def test_hook_create_nonconformity(app, register_plugin):
    from core.plugins import CapabilityMissing, raise_nonconformity

    fields = dict(
        title="Complaint: late delivery",
        description="Customer waited 3 weeks",
        severity="major",
        site="MAIN",
        department="SALES",
        source="plugin:usedcars",
        source_ref="form-submission:7",
        raised_by=None,
    )
    with app.app_context():
        with pytest.raises(CapabilityMissing, match="create_nonconformity"):
            raise_nonconformity(**fields)

    received = []

    class Declines:
        @hookimpl
        def create_nonconformity(self, title):
            return None

    class Provider:
        @hookimpl
        def create_nonconformity(self, title, description, severity, site, department, source, source_ref, raised_by):
            received.append(
                dict(
                    title=title,
                    description=description,
                    severity=severity,
                    site=site,
                    department=department,
                    source=source,
                    source_ref=source_ref,
                    raised_by=raised_by,
                )
            )
            return "NC-2026-0001"

    register_plugin(Declines(), "declines")
    register_plugin(Provider(), "provider")
    with app.app_context():
        assert raise_nonconformity(**fields) == "NC-2026-0001"
    assert received == [fields]


def test_hook_acknowledgement_completion(app, register_plugin):
    """A capability: the first plugin keeping read-and-understood records answers; none is a
    plain error a metric can turn into no value. Document control's own answer is worked by hand
    in tests/procedures/test_acknowledgement_completion.py."""
    from core.plugins import CapabilityMissing, procedure_acknowledgements

    with app.app_context():
        with pytest.raises(CapabilityMissing, match="acknowledgement_completion"):
            procedure_acknowledgements("MAIN", "2026-03")

    asked = []

    class Declines:
        @hookimpl
        def acknowledgement_completion(self):
            return None

    class Keeper:
        @hookimpl
        def acknowledgement_completion(self, site, period):
            asked.append((site.code, period))
            return (12, 9)

    register_plugin(Keeper(), "keeper")
    register_plugin(Declines(), "declines")
    with app.app_context():
        assert procedure_acknowledgements("MAIN", "2026-03") == (12, 9)
    assert asked == [("MAIN", "2026-03")]


# ---------------------------------------------------------------- demo data


def test_hook_generate_demo_data(app, register_plugin):
    """A plugin's rows go in through the bulk loader with their trail events;
    a plugin that raises takes the whole generation back."""
    from sqlalchemy import select

    from core.accounts.models import Site
    from core.database import db
    from core.scaledata.generate import generate
    from core.trail.chain import verify
    from core.trail.models import TrailEvent

    seen = []

    class Plugin:
        @hookimpl
        def generate_demo_data(self, scale, loader):
            seen.append((scale.name, len(loader.sites), len(loader.users)))
            ids = loader.insert(Site, [{"code": "TYRES", "name": "Tyre hotel"}])
            loader.event(Site, ids[0], {"name": ("Tyre hotel", "Tyre hotel and storage")})
            db.session.connection().execute(
                Site.__table__.update().where(Site.__table__.c.id == ids[0]).values(name="Tyre hotel and storage")
            )

    register_plugin(Plugin(), "tyres")
    with app.app_context():
        report = generate("small", seed=1)
        assert seen == [("small", 2, 20)]
        site = db.session.execute(select(Site).filter_by(code="TYRES")).scalar_one()
        events = (
            db.session.execute(
                select(TrailEvent)
                .where(TrailEvent.entity_type == "site", TrailEvent.entity_id == str(site.id))
                .order_by(TrailEvent.seq)
            )
            .scalars()
            .all()
        )
        assert [e.action for e in events] == ["create", "update"]
        assert events[0].changed_fields["code"] == [None, "TYRES"]
        assert verify(db.session.connection()).ok and report.verified.ok


def test_a_failing_generate_demo_data_leaves_nothing(app, register_plugin):
    from sqlalchemy import func, select

    from core.accounts.models import Site, User
    from core.database import db
    from core.scaledata.generate import generate
    from core.trail.models import TrailEvent

    class Broken:
        @hookimpl
        def generate_demo_data(self, loader):
            raise RuntimeError("the plugin's data source is unreachable")

    register_plugin(Broken(), "broken")
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(TrailEvent)).scalar()
        with pytest.raises(RuntimeError, match="unreachable"):
            generate("small")
        assert db.session.execute(select(func.count()).select_from(User)).scalar() == 0
        assert db.session.execute(select(func.count()).select_from(Site)).scalar() == 1
        assert db.session.execute(select(func.count()).select_from(TrailEvent)).scalar() == before


def test_hook_trail_scope(app, users, register_plugin):
    from sqlalchemy import String, cast, select

    from core.accounts.models import Site
    from core.accounts.services import user_by_login
    from core.database import db
    from core.trail.models import TrailEvent
    from core.trail.queries import events_query

    class Plugin:
        @hookimpl
        def trail_scope(self, user):
            # Sites are this plugin's records here: none of them for anyone.
            return {"site": select(cast(Site.id, String)).where(Site.id < 0)}

    register_plugin(Plugin(), "tyres")

    def types_seen(login):
        query = events_query(user=user_by_login(login))
        return {event.entity_type for event in db.session.execute(query).scalars()}

    with app.test_request_context():
        assert "site" in types_seen("admin"), "an administrator reads every event"
        assert "site" not in types_seen("qo") and "user" in types_seen("qo")
        assert types_seen("head") <= {"procedure", "procedure_revision"}, "a head reads only scoped types"
        assert db.session.execute(select(TrailEvent).where(TrailEvent.entity_type == "site")).first()
    register_plugin(Raising("trail_scope"), "flaky")
    with app.test_request_context(), pytest.raises(PluginError, match="flaky"):
        events_query(user=user_by_login("qo"))


def test_hook_search_sources(app, users, register_plugin):
    from sqlalchemy import String, cast, false, select, true

    from core.accounts.models import Role, Site
    from core.accounts.services import create_site, user_by_login
    from core.database import commit, db
    from core.paths import path_for
    from core.plugins import SearchDocument, SearchSource
    from core.search import index, query

    def site_documents(keys):
        sites = select(Site)
        if keys is not None:
            sites = sites.where(Site.id.in_([int(key) for key in keys]))
        for site in db.session.execute(sites).scalars():
            yield SearchDocument(key=str(site.id), title=site.name, reference=site.code, url=path_for("admin.sites"))

    def readable(user):
        # Sites are this plugin's records here: only administrators open them.
        return select(cast(Site.id, String)).where(true() if Role.ADMIN in user.roles else false())

    class Plugin:
        @hookimpl
        def search_sources(self):
            return [
                SearchSource(
                    kind="tyres.site",
                    label="Site",
                    documents=site_documents,
                    readable=readable,
                    models=(Site,),
                    keys_of=lambda site: [site.id],
                )
            ]

    register_plugin(Plugin(), "tyres")
    with app.test_request_context():
        assert index.reindex(["tyres.site"]) == {"tyres.site": 1}
        commit()
        # A site added later is found at once: the index follows the commit.
        create_site(None, "WEST", "Westfield motors")
        commit()
        hits = query.search(user_by_login("admin"), "westfield").hits
        assert [(hit.kind, hit.reference) for hit in hits] == [("tyres.site", "WEST")]
        assert query.search(user_by_login("qo"), "westfield").hits == []
    register_plugin(Raising("search_sources"), "flaky")
    with app.test_request_context(), pytest.raises(PluginError, match="flaky"):
        query.search(user_by_login("qo"), "westfield")
