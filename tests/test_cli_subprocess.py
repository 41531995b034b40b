"""The installed `dealerqms` console script, end to end, configured only
through the environment as an administrator would run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def console_script() -> str:
    beside_python = Path(sys.executable).with_name("dealerqms")
    return str(beside_python) if beside_python.exists() else shutil.which("dealerqms")


@pytest.fixture
def environment(tmp_path, empty_database):
    """DEALERQMS_INSTANCE and DEALERQMS_DATABASE_URL of a new instance (suite's database kind)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DEALERQMS_")}
    env["DEALERQMS_INSTANCE"] = str(tmp_path / "instance")
    if os.environ.get("DEALERQMS_TEST_DATABASE_URL"):
        env["DEALERQMS_DATABASE_URL"] = empty_database()
    yield env


def at_the_dealerships_noon(env: dict, folder: Path) -> dict:
    """``env`` for processes whose clock reads noon of the dealership's current day, ticking on.

    A test whose commands schedule work for "today" and then tick must not straddle the
    dealership's midnight (16:00 UTC in Shanghai): the tick would rightly catch up a second day.
    The processes are moved the way ``pytest --clock`` moves them (``core.testing``).
    """
    import time
    from datetime import datetime
    from datetime import time as wall_time

    from core.clock import local_zone, today
    from core.testing import _SITECUSTOMIZE

    moment = datetime.combine(today(), wall_time(12, 0), tzinfo=local_zone())
    real_now = time.time() - float(os.environ.get("DEALERQMS_TEST_CLOCK_OFFSET") or 0)
    (folder / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    return env | {
        "DEALERQMS_TEST_CLOCK_OFFSET": repr(moment.timestamp() - real_now),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")])),
    }


def dealerqms(env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([console_script(), *args], env=env, capture_output=True, text=True, timeout=120)


def test_a_new_instance_from_the_command_line(environment, tmp_path):
    admin_password = tmp_path / "admin-password"
    admin_password.write_text("correct horse staple")

    init = dealerqms(environment, "init", "--admin-password-file", str(admin_password))
    assert init.returncode == 0, init.stderr
    assert "One-time password" not in init.stdout
    instance = Path(environment["DEALERQMS_INSTANCE"])
    if "DEALERQMS_DATABASE_URL" not in environment:
        assert (instance / "dealerqms.sqlite3").exists()  # the default database lives in the instance
    assert (instance / "secret_key").exists()

    added = dealerqms(
        environment, "user", "add", "dora", "--role", "auditor", "--role", "staff", "--department", "TRAINING"
    )
    assert added.returncode == 0, added.stderr
    assert "One-time password:" in added.stdout

    duplicate = dealerqms(environment, "user", "add", "dora", "--role", "staff")
    assert duplicate.returncode == 1
    assert duplicate.stderr.strip().splitlines() == [
        "Error: A user with login 'dora' already exists: choose another login."
    ]

    token = dealerqms(environment, "token", "create", "dora")
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().startswith("dqms_")

    verified = dealerqms(environment, "trail", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "intact" in verified.stdout

    archive = tmp_path / "backup.tar.gz"
    backed_up = dealerqms(environment, "backup", str(archive))
    assert backed_up.returncode == 0, backed_up.stderr
    assert archive.is_file()


def test_two_ticks_at_once_create_each_scheduled_check_once(environment, tmp_path):
    """Two schedulers ticking at the same moment (two machines' cron) on the suite's database:
    each scheduled check and each form due is created once."""
    environment = at_the_dealerships_noon(environment, tmp_path)
    assert dealerqms(environment, "init").returncode == 0
    added = dealerqms(environment, "user", "add", "quinn", "--role", "quality_officer", "--department", "QUALITY")
    assert added.returncode == 0, added.stderr
    scheduled = dealerqms(environment, "checks", "schedule", "MAIN", "sales.showroom_walk", "--as", "quinn")
    assert scheduled.returncode == 0 and "Scheduled Daily showroom walk at MAIN (daily)" in scheduled.stdout
    weekly = dealerqms(
        environment,
        "checks",
        "schedule",
        "MAIN",
        "aftersales.workshop_5s",
        "--as",
        "quinn",
        "--weekly",
        "0,1,2,3,4,5,6",
    )
    assert weekly.returncode == 0, weekly.stderr
    form = dealerqms(
        environment,
        "forms",
        "schedule",
        "--as",
        "quinn",
        "--site",
        "MAIN",
        "--form",
        "communication.meeting",
        "--frequency",
        "daily",
    )
    assert form.returncode == 0 and "Scheduled Meeting action log at MAIN (daily)" in form.stdout, form.stderr
    ticks = [
        subprocess.Popen(
            [console_script(), "tick"], env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [tick.communicate(timeout=120) for tick in ticks]
    assert all(tick.returncode == 0 for tick in ticks), outputs
    listed = dealerqms(environment, "checks", "list", "--as", "quinn")
    assert listed.returncode == 0 and listed.stdout.strip().endswith("2 inspection(s)."), listed.stdout
    # Today's form due, once between the two ticks.
    assert "".join(stdout for stdout, _stderr in outputs).count("form dues created: 1") == 1, outputs
    forms = dealerqms(environment, "forms", "schedules", "--as", "quinn")
    assert forms.returncode == 0 and "0/1 this month" in forms.stdout, forms.stdout
    again = dealerqms(environment, "tick")
    assert again.returncode == 0 and "scheduled checks created" not in again.stdout
    assert "form dues created" not in again.stdout
    refused = dealerqms(
        environment, "checks", "schedule", "MAIN", "sales.showroom_walk", "--as", "quinn", "--weekly", "x"
    )
    assert refused.returncode == 1 and "weekday numbers" in refused.stderr


def test_starting_the_app_does_not_load_the_pdf_engine(environment):
    """WeasyPrint takes over a second to import; a command, a page or a job that renders no PDF
    must not wait for it (it is loaded on the first render)."""
    probe = (
        "import sys; from core import create_app; create_app(); "
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'weasyprint'))"
    )
    started = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "[]"


def test_the_migration_commands_know_every_areas_migrations(environment, tmp_path):
    # Flask-Migrate's own `db` commands run in a process where nothing but the command has
    # loaded: they must still see the version folders of audits, procedures and the plugins,
    # or an administrator's `db upgrade` stops at the first revision of an area.
    admin_password = tmp_path / "admin-password"
    admin_password.write_text("correct horse staple")
    assert dealerqms(environment, "init", "--admin-password-file", str(admin_password)).returncode == 0

    upgrade = dealerqms(environment, "db", "upgrade", "heads")
    assert upgrade.returncode == 0, upgrade.stderr
    current = dealerqms(environment, "db", "current")
    assert current.returncode == 0, current.stderr
    revisions = {line.split()[0] for line in current.stdout.splitlines() if line.strip()}
    heads = dealerqms(environment, "db", "heads")
    assert heads.returncode == 0, heads.stderr
    assert revisions == {line.split()[0] for line in heads.stdout.splitlines() if line.strip()}
    assert any(revision.startswith("audits_") for revision in revisions)
