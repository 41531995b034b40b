"""Writes flat in data size (issue #20): a write where its period, audit or site holds many rows
against the same write where it holds few, side by side on one gunicorn.

    python tests/benchmarks/bench_writes.py                       # SQLite in a temporary folder
    python tests/benchmarks/bench_writes.py --runs 21 --submissions 10000 --ncs 10000 --items 1000
    python tests/benchmarks/bench_writes.py --database-url postgresql+psycopg://user:pw@host/db

With ``--database-url`` (a server URL whose user may create databases) the instance lives in a
database of its own made for the run, dropped afterwards. The script migrates the instance,
adds two sites (EMPTY and FULL) and a group quality officer who is also an auditor, then fills:

- FULL's current month with ``--submissions`` sales satisfaction surveys, through the plugins'
  bulk path (``submit_forms``), and computes its metrics once (so no mark is pending);
- FULL with ``--ncs`` nonconformities (EMPTY has only the ones the runs move on);
- an audit of a ``--items``-question checklist and one of a checklist with a question per run
  (a benchmark plugin registers both).

Then it serves the instance with gunicorn and, alternating few/many so that a noisy moment
hits both, makes each write through the API ``--runs`` times (after a warm-up): a survey
submission (EMPTY's month against FULL's), a checklist result (the short audit against the
long one) and an NC moved from open to contained (at EMPTY against FULL). It prints the
median latency of each, and the ratio many/few (quality bar: ≤ 1.3). For the record it
also prints what the first read of the KPI after a submission costs at EMPTY and at FULL:
the recomputation the write no longer does is done there, once for any number of writes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

from core.plugins import Checklist, Question, hookimpl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from served import Gunicorn, temporary_database  # noqa: E402

FORM = "sales.satisfaction_survey"
KPI = "sales.ssi"
FACTORS = ("salesperson", "delivery", "deal", "paperwork", "facility")
SURVEY = {factor: 9 for factor in FACTORS} | {"recommend": 10}
LOGIN = "bench.qo"


class BenchChecklists:
    """A short and a long checklist for the audits the runs record results in."""

    def __init__(self, short: int, items: int):
        self.checklists = [
            Checklist(
                key=f"benchwrites.{name}",
                title=f"Benchmark checklist ({count} questions)",
                area="SALES",
                questions=tuple(Question(key=f"q{n:04d}", text=f"Question {n}") for n in range(count)),
            )
            for name, count in (("short", short), ("long", items))
        ]

    @hookimpl
    def register_checklists(self):
        return self.checklists


def bench_app():
    """The product with the benchmark's checklists (gunicorn ``bench_writes:bench_app()``)."""
    from core import create_app
    from core.plugin_engine import manager

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DATABASE_URL"],
            "INSTANCE_PATH": os.environ["BENCH_INSTANCE"],
            "SECRET_KEY": "bench-writes",
            "SESSION_COOKIE_SECURE": False,
            "DEALERQMS_LOAD_ENTRYPOINTS": "builtin",
        }
    )
    manager.register(
        BenchChecklists(int(os.environ["BENCH_SHORT"]), int(os.environ["BENCH_ITEMS"])), "benchwrites", app=app
    )
    return app


# ----------------------------------------------------------------- the data


def build(app, args) -> dict:
    """Sites, the user and its API token, the full month, the NCs and the two audits."""
    from audits.services import audits as audit_services
    from audits.services import nonconformities as ncs
    from core.accounts import services as accounts
    from core.clock import today, utcnow
    from core.database import commit, db
    from core.metrics import services as metrics
    from core.migration import upgrade
    from core.plugins import submit_forms

    with app.app_context():
        upgrade()
        accounts.ensure_defaults()
        for code in ("EMPTY", "FULL"):
            accounts.create_site(None, code, f"Benchmark {code.lower()}")
        quality = accounts.department_by_code("QUALITY")
        user = accounts.create_user(
            None, login=LOGIN, roles=["quality_officer", "auditor"], password=None, department=quality
        )
        _token_row, token = accounts.create_token(None, user, "benchmark")
        commit()

        started = time.perf_counter()
        # Spread over the month so far (today's Shanghai day at most): all of them in its period.
        now = utcnow()
        first = now - timedelta(days=today().day - 1, hours=6)
        step = (now - first) / max(args.submissions, 1)
        batch = []
        for n in range(args.submissions):
            when = first + n * step
            entry = {"form_key": FORM, "data": SURVEY, "site": "FULL", "submitted_by": LOGIN}
            batch.append(entry | {"submitted_at": when})
            if len(batch) == 1000:
                submit_forms(batch)
                batch = []
        if batch:
            submit_forms(batch)
        metrics.drain_all()
        print(f"{args.submissions} surveys at FULL in {time.perf_counter() - started:.0f} s", file=sys.stderr)

        started = time.perf_counter()
        moved = {"EMPTY": [], "FULL": []}
        for code, count in (("EMPTY", 0), ("FULL", args.ncs)):
            for n in range(count + args.runs + 1):
                nc = ncs.raise_nonconformity(
                    user, title=f"Finding {n}", description="", severity="minor", site=code, department="SALES"
                )
                if n >= count:
                    moved[code].append(nc.reference)
                if n % 500 == 499:
                    commit()
            commit()
        print(f"{args.ncs} NCs at FULL in {time.perf_counter() - started:.0f} s", file=sys.stderr)

        audits = {}
        for name in ("short", "long"):
            audit = audit_services.plan_audit(
                user,
                title=f"Benchmark audit ({name})",
                site="EMPTY",
                departments=["SALES"],
                scope="Showroom",
                criteria=[],
                lead_auditor=LOGIN,
                auditors=[],
                planned_date=today(),
                checklists=[f"benchwrites.{name}"],
            )
            commit()
            audit_services.start_audit(user, audit, row_version=audit.row_version)
            commit()
            audits[name] = (audit.reference, [(item.id, item.row_version) for item in audit.items])
        db.engine.dispose()
    return {"token": token, "ncs": moved, "audits": audits}


# ----------------------------------------------------------------- the server and the client


class Api:
    def __init__(self, server: Gunicorn, token: str):
        self.base = f"http://127.0.0.1:{server.port}/api/v1"
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[float, int, dict]:
        request = urllib.request.Request(
            self.base + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, answer = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, answer = error.code, error.read()
        took = time.perf_counter() - start
        return took, status, json.loads(answer or b"null")


def expect(result: tuple[float, int, dict], status: int, what: str) -> float:
    took, got, answer = result
    if got != status:
        raise RuntimeError(f"{what} answered {got}: {answer}")
    return took


# ----------------------------------------------------------------- the runs


def measure(api: Api, data: dict, runs: int) -> dict[str, tuple[list[float], list[float]]]:
    """Each write ``runs`` times (one warm-up before), few and many in turn."""
    timings = {name: ([], []) for name in ("survey submission", "checklist result", "NC transition", "KPI read")}
    items = {name: iter(rows) for name, (_ref, rows) in data["audits"].items()}
    for run in range(runs + 1):
        for index, (site, audit, nc_site) in enumerate((("EMPTY", "short", "EMPTY"), ("FULL", "long", "FULL"))):
            took = {
                "survey submission": expect(
                    api.call("POST", f"/forms/{FORM}/submissions", {"site": site, "data": SURVEY}), 201, "submission"
                ),
                "KPI read": expect(api.call("GET", f"/metrics/{KPI}/series?site={site}"), 200, "KPI series"),
            }
            reference, _rows = data["audits"][audit]
            item_id, version = next(items[audit])
            took["checklist result"] = expect(
                api.call(
                    "PUT",
                    f"/audits/{reference}/items/{item_id}",
                    {"result": "conforming", "note": "Seen", "row_version": version},
                ),
                200,
                "checklist result",
            )
            nc = data["ncs"][nc_site][run]
            _took, _status, current = api.call("GET", f"/nonconformities/{nc}")
            took["NC transition"] = expect(
                api.call(
                    "POST",
                    f"/nonconformities/{nc}/transition",
                    {"to": "contained", "containment": "Contained", "row_version": current["row_version"]},
                ),
                200,
                "NC transition",
            )
            if run:  # the first is the warm-up: caches, compiled templates, the token's first use
                for name, value in took.items():
                    timings[name][index].append(value)
    return timings


def report(timings, args, label: str) -> None:
    load = os.getloadavg()
    print(
        f"\n{label}: median of {args.runs}, ms (gunicorn {args.workers} workers; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})"
    )
    sizes = {
        "survey submission": f"month of 0 / {args.submissions} surveys",
        "checklist result": f"audit of {args.runs + 1} / {args.items} items",
        "NC transition": f"site with 0 / {args.ncs} NCs",
        "KPI read": f"after a submission, month of 0 / {args.submissions}",
    }
    print(f"{'write':<20}{'few':>8}{'many':>8}{'ratio':>8}  {'sizes':<40}{'target':>8}")
    for name, (few, many) in timings.items():
        low, high = statistics.median(few), statistics.median(many)
        target = "≤ 1.3" if name != "KPI read" else "(info)"
        verdict = "" if name == "KPI read" else ("  ok" if high / low <= 1.3 else "  MISSED")
        print(
            f"{name:<20}{low * 1000:>8.1f}{high * 1000:>8.1f}{high / low:>8.2f}  {sizes[name]:<40}{target:>8}{verdict}"
        )


def run(url: str, folder: Path, args, label: str) -> None:
    env = {
        "BENCH_DATABASE_URL": url,
        "BENCH_INSTANCE": str(folder),
        "BENCH_ITEMS": str(args.items),
        "BENCH_SHORT": str(args.runs + 1),
    }
    os.environ.update(env)
    data = build(bench_app(), args)
    server = Gunicorn("bench_writes:bench_app()", env, workers=args.workers)
    try:
        report(measure(Api(server, data["token"]), data, args.runs), args, label)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--submissions", type=int, default=10000)
    parser.add_argument("--ncs", type=int, default=10000)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="a PostgreSQL server URL whose user may create databases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not args.database_url:
            run(f"sqlite:///{Path(folder) / 'dealerqms.sqlite3'}", Path(folder), args, "SQLite")
            return
        with temporary_database(args.database_url, "flatwrites_bench") as url:
            run(url, Path(folder), args, "PostgreSQL")


if __name__ == "__main__":
    main()
