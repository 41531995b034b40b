"""Schemathesis over every operation of the API, on a real HTTP server.

The app runs in a thread (``live_server``) with records of each kind; the
schemathesis command line loads ``/api/v1/openapi.json`` from it and sends
generated requests — valid ones and ones the document forbids — checking
every answer against the document: no 500, only documented status codes,
content types and headers, bodies of the documented schema, schema-violating
requests refused, undeclared methods answered 405 with ``Allow``. A fixed
number of examples per operation and a fixed seed keep the run bounded and
repeatable; its counts are printed (``pytest -s``). Revoking tokens runs last,
on its own, as it may revoke the token the run uses.

``positive_data_acceptance`` is left out: a request can fit the document
and still name a site that does not exist, a due date in the past or a
password containing the login, and the API refuses those (422) as it must.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import timedelta

import pytest

from core.testing import TEST_PASSWORD

EXAMPLES = 15
SEED = 20261204
# A run takes about a minute and a half on two cores; past this it has gone wrong.
TIME_LIMIT_SECONDS = 300
RUNNER = "runner"
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
)
# Revoking a token: one of them is the token the run authenticates with, and
# every request after it would be a 401. So it has a run of its own, last.
REVOKE = "DELETE /api/v1/tokens/{token_id}"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


class QueuedRunner:
    """Jobs started during the run stay queued: no worker processes building packs meanwhile."""

    def __init__(self, app):
        self.app = app

    def submit(self, job_id):
        pass


@pytest.fixture
def app_config():
    return {"JOBS_RUNNER": f"{__name__}:QueuedRunner"}


def _seed(app) -> dict[str, list]:
    """Records of each kind, and the identifiers of each to offer the generator."""
    from audits.jobs import start_pack_export
    from audits.services import actions, audits, evidence, nonconformities
    from core.accounts.services import tokens_of, user_by_login
    from core.clock import today
    from core.database import commit
    from core.jobs.worker import run_job
    from core.metrics import services as metrics
    from core.metrics.models import Source
    from core.plugin_engine.manager import registry
    from procedures import services as procedures

    with app.app_context():
        runner, head, qo = user_by_login(RUNNER), user_by_login("head"), user_by_login("qo")
        procedure = procedures.create_procedure(
            runner,
            code="SA-PR-001",
            title="Showroom reception",
            department=head.department,
            body="# Showroom reception\n\nGreet every visitor within two minutes.\n",
        )
        commit()
        first = procedure.revisions[0]
        procedures.submit(runner, first, row_version=first.row_version)
        commit()
        for signer in (head, qo):
            procedures.sign_revision(signer, first, meaning="approved", password=TEST_PASSWORD)
            commit()
        procedures.new_draft(runner, procedure, body="# Showroom reception\n\nGreet within one minute.\n")
        commit()

        plan = dict(
            site="MAIN",
            departments=["SALES"],
            lead_auditor="auditor",
            auditors=[RUNNER],
            planned_date=today() + timedelta(days=3),
            checklists=["sales.process"],
        )
        planned = audits.plan_audit(runner, title="Planned sales audit", **plan)
        running = audits.plan_audit(runner, title="Running sales audit", **plan)
        commit()
        audits.start_audit(runner, running, row_version=running.row_version)
        commit()
        item = running.items[0]
        evidence.attach_to_item(runner, item, io.BytesIO(PNG), "showroom.png", "image/png")
        commit()

        nc = nonconformities.raise_nonconformity(
            runner, title="Visitors wait", description="", severity="minor", site="MAIN", department="SALES"
        )
        commit()
        nonconformities.transition(runner, nc, to="contained", containment="A greeter at the door", row_version=1)
        commit()
        nonconformities.transition(
            runner,
            nc,
            to="root_cause_identified",
            root_cause={"method": "5why", "chain": [{"why": "Nobody at the door", "because": "No rota"}]},
            row_version=nc.row_version,
        )
        commit()
        action = actions.add_action(runner, nc, description="A door rota", owner="staff", due_date=today())
        commit()
        evidence.attach_to_nonconformity(runner, nc, io.BytesIO(PNG), "door.png", "image/png")
        commit()

        metric = next(m for m in registry().metrics.values() if not m.computed)
        period = f"{today():%Y-%m}" if metric.period == "month" else f"{today():%Y}-01"
        metrics.record(runner, metric, planned.site, period, 1.0, source=Source.API)
        commit()

        # One job done, so that its result is served; those the run starts stay queued.
        job = start_pack_export(runner, running.reference)
        commit()
        identifiers = {
            "references": [planned.reference, running.reference, nc.reference],
            "codes": ["MAIN", "SALES", "QUALITY", procedure.code],
            "logins": ["staff", "head", "auditor", "qo"],
            "keys": [metric.key, "sales.process", next(iter(registry().forms))],
            "periods": [period],
            "numbers": [1, 2],
            "ids": [item.id, action.id, 1, 2],
            "jobs": [job.id],
            "tokens": [token.id for token in tokens_of(runner)],
        }
        # It runs in a process of its own, and leaves this one's session closed.
        run_job(job.id)
        return identifiers


def _toml_list(values) -> str:
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


def _config(identifiers: dict[str, list]) -> str:
    """A schemathesis.toml: real identifiers for half the generated path values, so that
    operations on a record reach its rules instead of stopping at 404."""
    bindings = {
        "reference": "references",
        "code": "codes",
        "login": "logins",
        "key": "keys",
        "site": "codes",
        "period": "periods",
        "number": "numbers",
        "item_id": "ids",
        "action_id": "ids",
        "evidence_id": "ids",
        "submission_id": "ids",
        "job_id": "jobs",
        "token_id": "tokens",
    }
    lines = ["[dictionaries]"]
    lines += [f"{name} = {{ values = {_toml_list(values)} }}" for name, values in identifiers.items()]
    lines += ["", "[parameters]"]
    lines += [
        f'"path.{parameter}" = {{ dictionary = "{dictionary}", probability = 0.5 }}'
        for parameter, dictionary in bindings.items()
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def runner_token(app, users, make_user) -> str:
    """A bearer token of a user with broad rights: administrator and quality officer."""
    from core.accounts import services
    from core.database import commit

    make_user(RUNNER, ["admin", "quality_officer"], department="QUALITY", display_name="Rita Runner")
    with app.app_context():
        runner = services.user_by_login(RUNNER)
        # Others to revoke besides the one in use.
        for name in ("nightly export", "spare"):
            services.create_token(None, runner, name)
        _token, plain = services.create_token(None, runner, "schemathesis")
        commit()
    return plain


@pytest.fixture
def identifiers(app, runner_token) -> dict[str, list]:
    return _seed(app)


def _schemathesis(base_url: str, token: str, folder, *selection: str) -> dict:
    """One run of the schemathesis command line over the operations ``selection`` names; its JSON report."""
    report_path = folder / "report.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(folder / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{base_url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--output-truncate",
        "false",
        "--report",
        "json",
        "--report-json-path",
        str(report_path),
        *selection,
    ]
    run = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=TIME_LIMIT_SECONDS)
    report = json.loads(report_path.read_text())
    operations, cases = report["operations"], report["test_cases"]
    print(
        f"\nschemathesis: {operations['tested']} of {operations['total']} operations tested, "
        f"{cases['generated']} requests generated, {cases['unique_failures']} unique failures, "
        f"{len(report['errors'])} errors"
    )
    assert run.returncode == 0, run.stdout[-30000:] + run.stderr[-5000:]
    assert cases["unique_failures"] == 0 and not report["errors"]
    return report


def test_every_operation_answers_as_the_document_says(app, identifiers, runner_token, live_server, tmp_path):
    (tmp_path / "schemathesis.toml").write_text(_config(identifiers))
    everything_else = _schemathesis(live_server, runner_token, tmp_path, "--exclude-name", REVOKE)
    revocations = _schemathesis(live_server, runner_token, tmp_path, "--include-name", REVOKE)
    total = everything_else["operations"]["total"]
    assert everything_else["operations"]["tested"] == total - 1
    assert revocations["operations"]["tested"] == 1
