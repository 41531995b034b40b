"""A quick start (issue #20): every CLI call, job worker and render worker starts a process,
so starting the app and the everyday commands must not import what only some requests
need. Each check runs in a fresh interpreter, so nothing another test imported counts."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from core.database import db

# Loaded on first use: the PDF engine and what PDFs are made with, charts, the S3 client,
# Redis and its job queue, Alembic (migrations, backups, /readyz), the QR codes and
# Markdown of the pages that show them, and the JSON API's libraries (its view modules and
# the OpenAPI document).
LAZY = (
    "weasyprint",
    "matplotlib",
    "pikepdf",
    "pyhanko",
    "PIL",
    "numpy",
    "openpyxl",
    "boto3",
    "botocore",
    "redis",
    "rq",
    "alembic",
    "flask_migrate",
    "mako",
    "segno",
    "markdown",
    "flask_smorest",
    "apispec",
    "marshmallow",
    "webargs",
)
# What every start does load: proof that the probe sees the process's modules at all.
ALWAYS = ("flask", "sqlalchemy", "flask_login")

PROBE = """
import json, sys
{action}
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""
RUN_CLI = """
from core.cli import main
try:
    main(sys.argv[2:], prog_name="dealerqms")
except SystemExit as exit:
    assert not exit.code, exit.code
"""


@pytest.fixture
def environment(tmp_path, empty_database):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DEALERQMS_")}
    env["DEALERQMS_INSTANCE"] = str(tmp_path / "instance")
    if os.environ.get("DEALERQMS_TEST_DATABASE_URL"):
        env["DEALERQMS_DATABASE_URL"] = empty_database()
    return env


# An area's pages and JSON API (``audits.views``, ``core.accounts.api``, ``plugins.sales.web``…),
# and what only filling an instance with demo or generated records needs.
PAGES_AND_API = re.compile(r"(core\.\w+|audits(\.\w+)?|procedures|plugins\.\w+)\.(views|api|web)(\..+)?")
DEMO_DATA = re.compile(r"(core|audits|procedures|plugins)(\.\w+)*\.(demo|scaledata\.generate)")


def started(env: dict, action: str, *args: str) -> tuple[set[str], str]:
    """The packages among the watched ones that a fresh process has loaded after ``action``,
    and what it printed."""
    modules, output = started_modules(env, action, *args)
    return {name.split(".")[0] for name in modules} & {*LAZY, *ALWAYS}, output


def started_modules(env: dict, action: str, *args: str) -> tuple[set[str], str]:
    """Every module a fresh process has loaded after ``action``, and what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(action=action), "", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    output, _, modules = done.stdout.rpartition("\nMODULES ")
    return set(json.loads(modules)), output


def listed_commands(help_text: str) -> set[str]:
    commands = help_text.partition("\nCommands:\n")[2]
    return {line.split()[0] for line in commands.splitlines() if line.startswith("  ") and not line.startswith("   ")}


def test_create_app_loads_nothing_that_only_some_requests_need(environment):
    modules, _ = started_modules(environment, "from core import create_app; create_app()")
    loaded = {name.split(".")[0] for name in modules}
    assert loaded & set(LAZY) == set()
    assert set(ALWAYS) <= loaded
    assert {name for name in modules if DEMO_DATA.fullmatch(name)} == set()
    # The areas' pages and API are mounted from their route tables; their modules load on first use.
    assert "audits.routes" in modules
    # The intake's public pages too: their hooks and error handlers load them when first run.
    assert {name for name in modules if PAGES_AND_API.fullmatch(name)} == set()
    assert "core.intake.services" not in modules
    assert "core.web.admin" not in modules
    # The backup and restore commands' module (tarfile, lzma) loads when one of them runs.
    assert "core.backup" not in modules
    # Only the dialect of the database in use: the other's is a thirtieth of a second.
    other = "sqlite" if environment.get("DEALERQMS_DATABASE_URL", "").startswith("postgresql") else "postgresql"
    assert f"sqlalchemy.dialects.{other}" not in modules
    # The trail's entities and the commands' options read labels, not the services they name.
    assert modules & SERVICES_OF_LABELS_AND_OPTIONS == set()


def test_the_models_annotations_are_objects_not_strings(app):
    """SQLAlchemy maps a ``Mapped[…]`` annotation that is a string by evaluating it, a
    compilation per column; a model module under ``from __future__ import annotations`` made
    all of them strings, a fiftieth of a second of every start (forward references are quoted)."""
    product = ("core.", "audits.", "procedures.", "plugins.")  # not the tests' own models
    modules = {mapper.class_.__module__ for mapper in db.Model.registry.mappers}
    modules = {name for name in modules if name.startswith(product)}
    assert {"core.accounts.models", "audits.models", "procedures.models"} <= modules
    stringified = {name for name in modules if hasattr(sys.modules[name], "annotations")}
    assert stringified == set()


COLLECTOR = """
import gc
from core import create_app

create_app()
first = (gc.isenabled(), gc.get_freeze_count())
create_app()
second = (gc.isenabled(), gc.get_freeze_count())
gc.disable()
create_app()
print(json.dumps({"first": first, "second": second, "disabled": gc.isenabled()}))
"""


def test_start_up_gives_the_cycle_collector_back_and_freezes_the_first_app_only(environment):
    """Start-up runs with the collector paused and freezes what the first app made; the
    collector must come back as the caller had it, and a process that builds many apps must
    not keep the later ones frozen (their cycles would never be freed)."""
    _, output = started_modules(environment, COLLECTOR)
    states = json.loads(output.strip().splitlines()[-1])
    enabled, frozen = states["first"]
    assert enabled and frozen > 100_000
    # Frozen objects are still freed when nothing refers to them: the count may only fall.
    enabled, frozen_after_the_second = states["second"]
    assert enabled and frozen_after_the_second <= frozen
    assert states["disabled"] is False


# The services (and the bulk loader) behind what start-up builds: the trail's entities (a
# management review's states and output kinds, a follow-up's results) and the options of the
# commands (an improvement's stages, demo-data's sizes).
SERVICES_OF_LABELS_AND_OPTIONS = {
    "audits.reviews.inputs",
    "audits.reviews.services",
    "audits.improvements.services",
    "audits.improvements.pareto",
    "audits.objectives.services",
    "audits.services.nonconformities",
    "audits.services.programme",
    "core.forms.follow_ups",
    "core.scaledata.loader",
}


FIRST_REQUESTS = """
from core import create_app
from core.accounts import services
from core.api import api_for
from core.database import commit
from core.testing import csrf_token

app = create_app({"TESTING": True})
fresh = set(sys.modules)
document_built_at_start = api_for(app)._document is not None
with app.app_context():
    user = services.create_user(
        None, login="probe", display_name="Probe", roles=["admin"], password="Quality-check-2026"
    )
    _token, token = services.create_token(None, user, "probe")
    commit()
web = app.test_client()
web.post("/login", data={"login": "probe", "password": "Quality-check-2026", "csrf_token": csrf_token(web)})
page = web.get("/audits/")
refused = app.test_client().get("/api/v1/audits")
unloaded = not {"flask_smorest", "marshmallow"} & set(sys.modules)
api = app.test_client().get("/api/v1/audits", headers={"Authorization": "Bearer " + token})
document_built_by_a_request = api_for(app)._document is not None
import flask_smorest
from audits.routes import api as audits_api, inspections_api
smorest = [isinstance(audits_api, flask_smorest.Blueprint), isinstance(inspections_api, flask_smorest.Blueprint)]
document = app.test_client().get("/api/v1/openapi.json")
smorest.append(isinstance(inspections_api, flask_smorest.Blueprint))
print(json.dumps({
    "page": page.status_code,
    "api": api.status_code,
    "refused": [refused.status_code, refused.mimetype, refused.get_json()["status"], unloaded],
    "loaded": sorted(set(sys.modules) - fresh),
    "built": [document_built_at_start, document_built_by_a_request],
    "smorest": smorest,
    "document": document.get_json(),
}))
"""


def test_a_fresh_app_loads_a_page_and_an_api_route_on_their_first_request(environment):
    started_modules(environment, RUN_CLI, "init")
    _, output = started_modules(environment, FIRST_REQUESTS)
    answers = json.loads(output.strip().splitlines()[-1])
    assert (answers["page"], answers["api"]) == (200, 200)
    assert {"audits.views.audits", "audits.api.audits"} <= set(answers["loaded"])
    # A request refused before any API module loads is answered in problem details all the same…
    assert answers["refused"] == [401, "application/problem+json", 401, True]
    # …and the API's libraries load with its first view module.
    assert {"flask_smorest", "marshmallow", "webargs"} <= {name.split(".")[0] for name in answers["loaded"]}
    # An area's API blueprint is flask-smorest's once its views load (the audits' by that
    # request, the inspections' nested in it by reading the document).
    assert answers["smorest"] == [True, False, True]
    # The OpenAPI document is built when first read, neither at start-up nor by an API request…
    assert answers["built"] == [False, False]
    # …and then describes the whole API: every area's operations, token security, problem details.
    document = answers["document"]
    assert "/api/v1/audits" in document["paths"] and "/api/v1/procedures" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    not_found = document["components"]["responses"]["NOT_FOUND"]["content"]
    assert list(not_found) == ["application/problem+json"]


def test_the_command_line_help_lists_every_command_without_loading_them(environment):
    modules, help_text = started_modules(environment, RUN_CLI, "--help")
    loaded = {name.split(".")[0] for name in modules}
    assert loaded & set(LAZY) == set()
    assert {name for name in modules if PAGES_AND_API.fullmatch(name)} == set()
    assert {name for name in modules if DEMO_DATA.fullmatch(name)} == set()
    for command in ("init", "plugins", "user", "backup", "db", "worker", "openapi", "audits", "procedures"):
        assert f"  {command} " in help_text, command
    assert "  audits  " in help_text and "Internal audits" in help_text


def test_a_command_loaded_when_run_is_listed_with_its_own_help(app):
    """A stand-in's help, which ``dealerqms --help`` lists, is that of the command it loads."""
    stand_ins = {name: command for name, command in app.cli.commands.items() if hasattr(command, "target")}
    assert {"backup", "restore", "db"} <= set(stand_ins)
    for name, stand_in in stand_ins.items():
        module, _, attribute = stand_in.target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert (stand_in.name, stand_in.get_short_help_str()) == (name, command.get_short_help_str())


def test_the_help_lists_exactly_the_commands_the_app_runs(environment):
    _, help_text = started_modules(environment, RUN_CLI, "--help")
    _, app_commands = started_modules(
        environment,
        "from core.cli import main; from core import create_app; "
        "print(json.dumps(sorted({*main.commands, *create_app().cli.commands})))",
    )
    assert listed_commands(help_text) == set(json.loads(app_commands))


PLUGIN = '''
import click
from flask import current_app

from core.plugins import hookimpl


@click.command("fleet")
def fleet_command():
    """Count the demonstrator cars of the fleet."""
    click.echo(f"fleet of {current_app.name}: {len(current_app.blueprints)} blueprints mounted")


@hookimpl
def register_commands(cli):
    cli.add_command(fleet_command)
'''


@pytest.fixture
def fleet_plugin(environment, tmp_path):
    """A plugin configured in the instance's config file, with a command of its own."""
    (tmp_path / "fleet_plugin.py").write_text(PLUGIN, encoding="utf-8")
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    (instance / "config.py").write_text(
        textwrap.dedent("""
            import fleet_plugin
            DEALERQMS_EXTRA_PLUGINS = {"fleet": fleet_plugin}
        """),
        encoding="utf-8",
    )
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), environment.get("PYTHONPATH")]))
    return environment


def test_a_plugins_command_is_listed_from_the_configuration_and_runs_in_the_whole_app(fleet_plugin):
    _, help_text = started_modules(fleet_plugin, RUN_CLI, "--help")
    assert "  fleet " in help_text
    assert "Count the demonstrator cars of the fleet." in help_text

    _, output = started_modules(fleet_plugin, RUN_CLI, "fleet")
    blueprints = int(re.search(r"fleet of core: (\d+) blueprints mounted", output).group(1))
    assert blueprints > 10  # the whole app, not the one the help was listed from


def test_a_denied_plugins_command_is_not_listed(fleet_plugin):
    fleet_plugin["DEALERQMS_PLUGINS_DENY"] = "fleet,audits"
    _, help_text = started_modules(fleet_plugin, RUN_CLI, "--help")
    assert "  fleet " not in help_text
    assert "  audits " not in help_text
    assert "  procedures " in help_text


def test_an_everyday_command_loads_nothing_it_does_not_use(environment):
    loaded, listing = started(environment, RUN_CLI, "plugins")
    assert loaded & set(LAZY) == set()
    assert "sales" in listing


def test_the_migration_commands_load_alembic_when_they_run(environment):
    loaded, help_text = started(environment, RUN_CLI, "db", "--help")
    assert "upgrade" in help_text
    assert {"alembic", "flask_migrate"} <= loaded


def test_the_help_of_an_instance_with_a_mistyped_setting_says_so_in_one_sentence(environment):
    environment["DEALERQMS_TIME_ZONE"] = "Asia/Shanghia"
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(action=RUN_CLI), "", "--help"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0
    assert (
        done.stderr.strip()
        == "Error: DEALERQMS_TIME_ZONE: 'Asia/Shanghia' is not a time zone name such as Asia/Shanghai."
    )
    assert "  run " in done.stdout and "  init " not in done.stdout
