"""A quick start (issue #20): every CLI call, job worker and render worker starts a process,
so starting the app and the everyday commands must not import what only some requests
need. Each check runs in a fresh interpreter, so nothing another test imported counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# Loaded on first use: the PDF engine and what PDFs are made with, charts, the S3 client,
# Redis and its job queue, Alembic (migrations, backups, /readyz), and the QR codes and
# Markdown of the pages that show them.
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
)
# What every start does load: proof that the probe sees the process's modules at all.
ALWAYS = ("flask", "sqlalchemy", "flask_smorest")

PROBE = """
import json, sys
{action}
loaded = {{name.split(".")[0] for name in sys.modules}}
print("\\nMODULES " + json.dumps(sorted(loaded & set(json.loads(sys.argv[1])))))
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


def started(env: dict, action: str, *args: str) -> tuple[set[str], str]:
    """The watched modules a fresh process has loaded after ``action``, and what it printed."""
    watched = json.dumps([*LAZY, *ALWAYS])
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(action=action), watched, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    output, _, modules = done.stdout.rpartition("\nMODULES ")
    return set(json.loads(modules)), output


def test_create_app_loads_nothing_that_only_some_requests_need(environment):
    loaded, _ = started(environment, "from core import create_app; create_app()")
    assert loaded & set(LAZY) == set()
    assert set(ALWAYS) <= loaded


def test_the_command_line_help_lists_every_command_without_loading_them(environment):
    loaded, help_text = started(environment, RUN_CLI, "--help")
    assert loaded & set(LAZY) == set()
    for command in ("init", "plugins", "user", "backup", "db", "worker"):
        assert f"  {command} " in help_text, command


def test_an_everyday_command_loads_nothing_it_does_not_use(environment):
    loaded, listing = started(environment, RUN_CLI, "plugins")
    assert loaded & set(LAZY) == set()
    assert "sales" in listing


def test_the_migration_commands_load_alembic_when_they_run(environment):
    loaded, help_text = started(environment, RUN_CLI, "db", "--help")
    assert "upgrade" in help_text
    assert {"alembic", "flask_migrate"} <= loaded
