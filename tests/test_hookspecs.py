"""The hook specifications keep the documentation and the tests honest (as
Datasette's ``test_docs.py`` and ``test_plugins.py`` do): a hook without a
docstring, without a section in ``docs/plugins.md`` or without a test fails
here."""

from __future__ import annotations

import ast
import inspect
import random
import re
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from sqlalchemy import literal, select

import core.plugins
from core.plugin_engine import hookspecs, manager, types

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "plugins.md"
HOOKS = sorted(
    name for name, value in vars(hookspecs).items() if inspect.isfunction(value) and hasattr(value, "dealerqms_spec")
)


def test_the_specification_module_has_the_hooks_of_the_interface():
    assert set(HOOKS) >= {
        "register_checklists",
        "register_metrics",
        "register_forms",
        "register_procedure_templates",
        "register_blueprints",
        "menu_links",
        "dashboard_panels",
        "pack_sections",
        "compute_metric",
        "form_submitted",
        "nonconformity_raised",
        "nonconformity_closed",
        "revision_effective",
        "audit_reported",
        "register_migrations",
        "populate_instance",
        "register_api_blueprints",
    }


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring_with_arguments_return_value_and_example(hook):
    spec = getattr(hookspecs, hook)
    doc = inspect.getdoc(spec) or ""
    assert "Returns:" in doc, f"{hook}: say what it returns"
    assert "Example::" in doc, f"{hook}: give an example"
    for argument in inspect.signature(spec).parameters:
        assert re.search(rf"^\s+{argument}:", doc, re.M), f"{hook}: describe the argument {argument!r}"


def _guide_headings() -> dict[str, str]:
    """``### `name(args)` `` headings of the guide: name → argument list."""
    return {
        match.group(1): match.group(2)
        for match in re.finditer(r"^### `(\w+)\(([^)]*)\)`", GUIDE.read_text(encoding="utf-8"), re.M)
    }


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_in_the_guide_with_its_signature(hook):
    headings = _guide_headings()
    assert hook in headings, f"docs/plugins.md has no '### `{hook}(…)`' section"
    documented = [part.strip() for part in headings[hook].split(",") if part.strip()]
    assert documented == list(inspect.signature(getattr(hookspecs, hook)).parameters)


def test_the_guide_documents_no_hook_that_does_not_exist():
    assert set(_guide_headings()) <= set(HOOKS)


def _test_names() -> set[str]:
    names = set()
    for path in sorted(Path(__file__).parent.glob("test_plugins*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    return names


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    assert f"test_hook_{hook}" in _test_names(), f"write test_hook_{hook} in tests/test_plugins.py"


def test_every_event_hook_is_fired_through_the_event_helper():
    events = {hook for hook in HOOKS if "Event:" in (inspect.getdoc(getattr(hookspecs, hook)) or "")}
    assert events == manager.EVENTS


def test_the_guide_documents_every_value_type_and_field_type():
    guide = GUIDE.read_text(encoding="utf-8")
    for name in types.__all__:
        if isinstance(getattr(types, name), type):
            assert f"`{name}`" in guide, f"docs/plugins.md does not describe {name}"
    for field_type in types.FIELD_TYPES:
        assert f"`{field_type}`" in guide, f"docs/plugins.md does not list the field type {field_type}"


def test_plugins_import_everything_from_core_plugins():
    for name in (
        "hookimpl",
        "Checklist",
        "Question",
        "Metric",
        "Form",
        "Field",
        "ProcedureTemplate",
        "MenuLink",
        "DashboardPanel",
        "PackSection",
        "DefinitionError",
    ):
        assert name in core.plugins.__all__
        assert getattr(core.plugins, name) is not None


def test_the_example_plugin_uses_only_the_public_plugin_api():
    imported = set()
    for module in (ROOT / "tests/plugins/dealerqms-usedcars/dealerqms_usedcars").glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert {module for module in imported if module.startswith("core")} == {"core.plugins"}


def test_the_writing_plugins_guide_names_real_things():
    import importlib

    guide = (ROOT / "docs" / "writing-plugins.md").read_text(encoding="utf-8")
    assert "](plugins.md" in guide, "docs/writing-plugins.md must link to docs/plugins.md for the hook reference"
    code = "\n".join(re.findall(r"```[a-z]*\n(.*?)```", guide, re.S) + re.findall(r"`([^`\n]+)`", guide))
    imported = []
    for match in re.finditer(r"from core\.plugins((?:\.\w+)?) import (\(([^)]*)\)|[^\n]+)", code):
        names = match.group(3) if match.group(3) is not None else match.group(2)
        module = "core.plugins" + match.group(1)
        imported += [(module, name.strip()) for name in names.split(",") if name.strip()]
    assert imported, "the guide shows no import from core.plugins"
    for module, name in imported:
        if module == "core.plugins":
            assert name in core.plugins.__all__, f"the guide imports {name!r}, which core.plugins does not export"
        else:
            assert hasattr(importlib.import_module(module), name), (
                f"the guide imports {module}.{name}, which does not exist"
            )
    for first, second in re.findall(r"\bcore\.plugins\.(\w+)(?:\.(\w+))?", code):
        if (ROOT / "core" / "plugins" / f"{first}.py").exists():
            if second:
                assert hasattr(importlib.import_module(f"core.plugins.{first}"), second), (
                    f"the guide names core.plugins.{first}.{second}, which does not exist"
                )
        else:
            assert first in core.plugins.__all__, f"the guide names core.plugins.{first}, which is not exported"


# ---------------------------------------------------------------- one reference, generated


def test_the_hooks_section_of_the_guide_is_generated_from_the_docstrings():
    from core.plugins import reference

    guide = GUIDE.read_text(encoding="utf-8")
    assert reference.rewrite(guide) == guide, (
        "docs/plugins.md differs from core/plugin_engine/hookspecs.py: run python -m core.plugins.reference"
    )
    assert reference.main(["--check"]) == 0


def test_the_reference_script_rewrites_only_its_section(tmp_path):
    from core.plugins import reference

    guide = tmp_path / "plugins.md"
    guide.write_text(f"# Guide\n\nBefore.\n\n{reference.START}\nstale\n{reference.END}\n\nAfter.\n", encoding="utf-8")
    assert reference.main(["--check", "--guide", str(guide)]) == 1
    assert reference.main(["--guide", str(guide)]) == 0
    text = guide.read_text(encoding="utf-8")
    assert text.startswith("# Guide\n\nBefore.\n\n") and text.endswith("\n\nAfter.\n") and "stale" not in text
    assert "### `register_checklists()`" in text
    assert reference.main(["--check", "--guide", str(guide)]) == 0


# ---------------------------------------------------------------- the examples run


def _example(hook: str) -> str:
    doc = inspect.getdoc(getattr(hookspecs, hook))
    return textwrap.dedent(doc.split("Example::\n", 1)[1]).strip() + "\n"


def _imports(code: str) -> set[str]:
    tree = ast.parse(code)
    return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }


@pytest.mark.parametrize("hook", HOOKS)
def test_every_example_imports_only_the_public_plugin_api(hook):
    imported = _imports(_example(hook))
    assert {module for module in imported if module.split(".")[0] in {"core", "audits", "procedures", "plugins"}} <= {
        "core.plugins"
    }, hook
    if any(line.startswith("@hookimpl") for line in _example(hook).splitlines()):
        assert "core.plugins" in imported, f"{hook}: the example must show where hookimpl comes from"


def _checked_stand_in(model, **attributes):
    """An object with only attributes the real ``model`` has: a stand-in that cannot invent any."""
    for name in attributes:
        assert hasattr(model, name), f"{model.__name__} has no attribute {name!r}"
    return SimpleNamespace(**attributes)


class _Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append(args)


def _stand_ins(tmp_path: Path) -> dict:
    """The names an example leaves to the plugin's author (its own queries, schema, model)."""
    from marshmallow import Schema, fields

    class StockSchema(Schema):
        vin = fields.String()

    def write_report(site, path, progress):
        progress(1, 1, "written")
        path.write_text(f"stock of {site}", encoding="utf-8")

    return {
        "count_open_appraisals": lambda site: 3,
        "old_stock": lambda site: [{"vin": "LSVAU2180N2183294"}],
        "overdue_appraisals": lambda site: [{"vin": "LSVAU2180N2183294", "due": date(2026, 1, 5)}],
        "count_over_90": lambda site: 2,
        "aged_stock": lambda site: 4,
        "used_cars_sold": lambda site, first, last: 12,
        "appraisals_waiting_for": lambda user: [{"vin": "LSVAU2180N2183294", "due": date(2026, 1, 5)}],
        "appraisal_url": lambda appraisal: f"/p/usedcars/{appraisal['vin']}",
        "appraisals_due_tomorrow": lambda now: [],
        "list_stock": lambda site: [{"vin": "LSVAU2180N2183294"}],
        "StockSchema": StockSchema,
        "write_report": write_report,
        "appraisal": lambda rng, site, month: {
            "vin": "LSVAU2180N2183294",
            "condition": rng.randint(1, 5),
            "history_checked": True,
        },
        "make_vin": lambda rng: "LSVAU2180N2183294",
        "Appraisal": type("Appraisal", (), {}),
        "readable_appraisal_ids": lambda user: select(literal("1")),
        "appraisals_by": lambda user: select(literal("1")),
        "appraisals": lambda keys: [
            SimpleNamespace(id=1, title="Appraisal LSVAU2180N2183294", notes="检查事故记录", site_id=None)
        ],
        "schedule_inspection": _Recorder(),
        "notify_group_quality": _Recorder(),
        "schedule_briefing": _Recorder(),
        "send_summary_to_dealer_principal": _Recorder(),
    }


# Examples the others lean on, as one plugin would have them: the permission
# the pages check and the form the demo records and the events use.
BASE_EXAMPLES = ("register_permissions", "register_forms")


def _example_plugin(hook: str, tmp_path: Path, monkeypatch):
    name = f"dealerqms_hook_example_{hook}"
    module = ModuleType(name)
    module.__file__ = str(tmp_path / "plugin.py")
    for folder in ("migrations", "translations", "templates/usedcars"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "templates/usedcars/index.html").write_text("used cars", encoding="utf-8")
    monkeypatch.setitem(sys.modules, name, module)  # Flask finds a blueprint's folder through it
    module.__dict__.update(_stand_ins(tmp_path))
    for example in (*BASE_EXAMPLES, hook):
        exec(compile(_example(example), f"<example of {example}>", "exec"), module.__dict__)
    return module


def _arguments(hook: str, app, world) -> dict:
    from core.plugin_engine.types import Metric

    site, user = world["site"], world["user"]
    return {
        "register_commands": {"cli": app.cli},
        "menu_links": {"user": user},
        "trail_scope": {"user": user},
        "user_tasks": {"user": user, "kind": None, "limit": 50},
        "tick": {"now": world["now"]},
        "dashboard_panels": {"site": site, "user": user},
        "kpi_panels": {"site": site, "area": "SALES", "user": user},
        "dashboard_overdue": {"site": site, "user": user},
        "dashboard_kpis": {"site": site, "user": user},
        "audit_risk_factors": {"site": site, "department": world["department"]},
        "review_inputs": {"site": site, "period_from": date(2026, 7, 1), "period_to": date(2026, 9, 30)},
        "pack_sections": {"audit": world["audit"]},
        "compute_metric": {
            "metric": Metric(
                key="usedcars.history_checked",
                name="History checked",
                unit="%",
                direction="higher",
                target=95,
                computed=True,
            ),
            "site": site,
            "period": world["period"],
        },
        "form_submitted": {"submission": world["submission"]},
        "create_nonconformity": dict(
            title="Appraisal without history",
            description="",
            severity="minor",
            site=site.code,
            department="SALES",
            source="plugin:usedcars",
            source_ref=None,
            raised_by=None,
        ),
        "nonconformity_raised": {"nc": world["nc"]},
        "nonconformity_closed": {"nc": world["nc"]},
        "revision_effective": {"revision": world["revision"]},
        "audit_reported": {"audit": world["audit"]},
        "populate_instance": {"demo": True},
        "generate_demo_data": {"scale": world["scale"], "loader": world["loader"]},
    }.get(hook, {})


def _world(app, module) -> dict:
    """Real sites, users and a submission; checked stand-ins for the records of audits and procedures."""
    from audits.models import Audit, Nonconformity
    from core.accounts.models import Department
    from core.accounts.services import site_by_code, user_by_login
    from core.database import db
    from core.forms.models import FormSubmission
    from core.plugins import add_months, current_period, submit_form, utcnow
    from core.scaledata.sizes import SCALES
    from procedures.models import Procedure, Revision

    site, user = site_by_code("MAIN"), user_by_login("qo")
    period = add_months(current_period(), -2)
    submission_id = submit_form(
        "usedcars.appraisal_record",
        {"vin": "LSVAU2180N2183294", "condition": 1, "history_checked": False},
        site="MAIN",
        submitted_by="staff",
    )
    sales = db.session.execute(db.select(Department).filter_by(code="SALES")).scalar_one()
    now = utcnow()
    nc = _checked_stand_in(
        Nonconformity,
        reference="NC-2026-0001",
        title="Appraisal without history",
        severity="major",
        site=site,
        department=sales,
        source="plugin:usedcars",
        raised_at=now - timedelta(days=12),
        closed_at=now,
    )
    procedure = _checked_stand_in(Procedure, code="UC-PR-001", title="Used-car appraisal", department=sales)
    revision = _checked_stand_in(
        Revision, procedure=procedure, number=2, title="Used-car appraisal", effective_date=now.date()
    )
    audit = _checked_stand_in(Audit, reference="AU-2026-001", site=site, department_codes=["SALES"], reported_at=now)
    loader = SimpleNamespace(random=random.Random(1), now=now, sites=[site], insert=_Recorder())
    demo_site = SimpleNamespace(id=site.id, code=site.code, months=[period], logins={"SALES": ["staff"]})
    # No demo dealership exists in a test app: the example's loop runs on the main site.
    module.demo_sites = lambda: [demo_site]
    return {
        "site": site,
        "user": user,
        "period": period,
        "submission": db.session.get(FormSubmission, submission_id),
        "nc": nc,
        "revision": revision,
        "audit": audit,
        "scale": SCALES["small"],
        "loader": loader,
        "now": now,
        "department": sales,
    }


@pytest.mark.parametrize("hook", HOOKS)
def test_every_example_runs_as_a_registered_plugin(
    hook, app, users, register_plugin, client_as, api_as, tmp_path, monkeypatch
):
    from core.plugin_engine.types import Metric

    module = _example_plugin(hook, tmp_path, monkeypatch)
    register_plugin(module, "usedcars")
    pm = manager.plugin_manager(app)
    others = [plugin for name, plugin in pm.list_name_plugin() if name != "usedcars"]
    implemented = sorted(caller.name for caller in pm.get_hookcallers(module))
    # A capability's example shows the plugin that asks for it, not the one that provides it.
    capabilities = ("create_nonconformity", "acknowledgement_completion")
    assert hook in implemented or hook in capabilities, f"the example of {hook} does not implement it"
    with app.test_request_context():
        world = _world(app, module)
        results = {
            name: pm.subset_hook_caller(name, remove_plugins=others)(**_arguments(name, app, world))
            for name in implemented
        }
        # What the example promises, where it is more than a return value.
        if hook == "register_commands":
            result = app.test_cli_runner().invoke(args=["appraisals", "MAIN"])
            assert result.exit_code == 0 and "3 appraisals are open at MAIN." in result.output
            refused = app.test_cli_runner().invoke(args=["appraisals", "main"])
            assert refused.exit_code == 1 and "Site codes are upper-case" in refused.output
        if hook == "register_job_kinds":
            context = SimpleNamespace(folder=tmp_path, params={"site": "MAIN"}, progress=lambda *args: None)
            assert manager.job_kind("usedcars.report").run(context) == "report.pdf"
        if hook in ("register_migrations", "register_translations"):
            assert manager.migration_locations(app) and manager.translation_directories(app)
        if hook == "menu_links":
            [links] = results["menu_links"]
            assert [(link.label, link.url) for link in links] == [
                ("Used cars", None),
                ("Appraise a trade-in", "/forms/usedcars.appraisal_record/new"),
            ]
        if hook == "acknowledgement_completion":
            read = Metric(
                key="usedcars.procedures_read",
                name="Procedures read",
                unit="%",
                direction="higher",
                target=100,
                computed=True,
            )
            # Document control answers; nothing is distributed at a new site, so there is no figure.
            assert module.compute_metric(metric=read, site=world["site"], period=world["period"]) is None
        if hook in ("form_submitted", "create_nonconformity"):
            assert module.schedule_inspection.calls or hook == "create_nonconformity"
    if hook == "register_blueprints":
        assert client_as("qo").get("/p/usedcars/").status_code == 200
        assert client_as("staff").get("/p/usedcars/").status_code == 403
    if hook == "register_api_blueprints":
        assert api_as("head").get("/api/v1/p/usedcars/stock").json == [{"vin": "LSVAU2180N2183294"}]
        assert api_as("staff").get("/api/v1/p/usedcars/stock").status_code == 403


# ---------------------------------------------------------------- the objects hooks receive

OBJECT_MODELS = {
    "site": "core.accounts.models:Site",
    "user": "core.accounts.models:User",
    "submission": "core.forms.models:FormSubmission",
    "nc": "audits.models:Nonconformity",
    "revision": "procedures.models:Revision",
    "audit": "audits.models:Audit",
}


@pytest.mark.parametrize("name", OBJECT_MODELS)
def test_the_guide_lists_only_attributes_the_objects_have(name):
    import importlib

    module, _, cls = OBJECT_MODELS[name].partition(":")
    model = getattr(importlib.import_module(module), cls)
    guide = GUIDE.read_text(encoding="utf-8")
    section = guide.split(f"### `{name}`\n", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (`[^|]+) \|", section, re.M)
    attributes = [attribute for row in rows for attribute in re.findall(r"`(\w+)`", row)]
    assert attributes, f"docs/plugins.md lists no attributes of {name}"
    for attribute in attributes:
        assert hasattr(model, attribute), f"docs/plugins.md lists {name}.{attribute}, which {cls} does not have"


# ---------------------------------------------------------------- plugins import only core.plugins

PLUGIN_MODULES = sorted(
    [*(ROOT / "plugins").rglob("*.py"), *(ROOT / "tests/plugins/dealerqms-usedcars/dealerqms_usedcars").rglob("*.py")]
)


@pytest.mark.parametrize("path", PLUGIN_MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_plugin_module_imports_only_core_plugins_of_dealerqms(path):
    imported = _imports(path.read_text(encoding="utf-8"))
    assert {module for module in imported if module.split(".")[0] in {"core", "audits", "procedures"}} <= {
        "core.plugins"
    }, path


def test_the_area_plugins_and_the_example_are_all_checked():
    areas = {path.parent.name for path in (ROOT / "plugins").glob("*/plugin.py")}
    checked = {path.relative_to(ROOT).parts[1] for path in PLUGIN_MODULES if path.is_relative_to(ROOT / "plugins")}
    assert areas == {"sales", "aftersales", "training", "marketing", "risk", "communication"} <= checked
    assert any(path.name == "plugin.py" and "dealerqms_usedcars" in path.parts for path in PLUGIN_MODULES)


def test_the_writing_plugins_guide_imports_only_the_public_api_and_the_fixtures():
    guide = (ROOT / "docs" / "writing-plugins.md").read_text(encoding="utf-8")
    for code in re.findall(r"```python\n(.*?)```", guide, re.S):
        imported = _imports(textwrap.dedent(code))
        assert {module for module in imported if module.split(".")[0] in {"core", "audits", "procedures"}} <= {
            "core.plugins",
            "core.testing",
        }, code


def test_the_readme_lists_both_plugin_guides():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "writing-plugins.md" in readme and "plugins.md" in readme
