"""The dashboard's query count and time with 10 sites × 30 metrics × 24 months.

    python tests/benchmarks/bench_dashboard.py                 # SQLite, 7 runs
    python tests/benchmarks/bench_dashboard.py --runs 11 --sites 10 --metrics 30 --months 24
    python tests/benchmarks/bench_dashboard.py --postgresql postgresql+psycopg://user:pw@host/db

Builds a migrated database in a temporary folder (or a temporary database on
the PostgreSQL server), registers a plugin with the metrics, bulk-inserts the
measurements, then requests the dashboard ``/`` and the KPI overview ``/metrics/`` as a
logged-in quality officer. Prints the
number of SQL statements one dashboard request runs and the median time of
the runs (the first, which fills caches, is reported separately).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.engine import make_url

from core.plugins import Metric, hookimpl

PASSWORD = "benchmark password 1"


class BenchPlugin:
    def __init__(self, count: int):
        areas = ("SALES", "AFTERSALES", "TRAINING", "MARKETING", "RISK", "COMMS")
        self.metrics = [
            Metric(
                key=f"bench.m{n:02d}",
                name=f"Metric {n:02d}",
                unit="%",
                direction="higher" if n % 2 else "lower",
                target=50,
                warning=40 if n % 2 else 60,
                area=areas[n % len(areas)],
            )
            for n in range(count)
        ]

    @hookimpl
    def register_metrics(self):
        return self.metrics


def months_back(count: int) -> list[str]:
    from core.clock import add_months, current_period

    return [add_months(current_period(), -n) for n in range(count)][::-1]


def build(app, sites: int, months: int) -> None:
    from core.accounts import services as accounts
    from core.clock import utcnow
    from core.database import db
    from core.metrics.models import Measurement
    from core.plugin_engine.manager import registry

    now = utcnow()
    with app.app_context():
        accounts.ensure_defaults()
        codes = ["MAIN"] + [f"S{n:02d}" for n in range(1, sites)]
        for code in codes[1:]:
            accounts.create_site(None, code, f"Site {code}")
        accounts.create_user(
            None,
            login="qo",
            display_name="Quinn",
            roles=["quality_officer"],
            password=PASSWORD,
            site=accounts.site_by_code("MAIN"),
        )
        db.session.commit()
        site_ids = [accounts.site_by_code(code).id for code in codes]
        rows = [
            {
                "metric_key": key,
                "site_id": site_id,
                "period": period,
                "value": random.uniform(20, 80),
                "source": "import",
                "entered_at": now,
                "row_version": 1,
            }
            for key in registry().metrics
            for site_id in site_ids
            for period in months_back(months)
        ]
        db.session.commit()
        # Straight through the engine, without a trail event per row: the benchmark measures reading.
        with db.engine.begin() as connection:
            connection.execute(insert(Measurement.__table__), rows)
        print(f"{len(rows)} measurements at {len(site_ids)} sites", file=sys.stderr)


def measure(app, runs: int) -> None:
    from core.database import db

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    assert client.post("/login", data={"login": "qo", "password": PASSWORD, "csrf_token": token}).status_code == 302
    statements = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(1))
    for path, label in (("/", "dashboard"), ("/metrics/", "KPI overview with sparklines")):
        timings = []
        for _ in range(runs + 1):
            statements.clear()
            start = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200
            assert response.get_data(as_text=True).count('class="kpi ') >= 30
        first, rest = timings[0], timings[1:]
        print(f"{label} ({path}): {len(statements)} SQL statements per request")
        print(
            f"{label} ({path}): first request {first * 1000:.0f} ms (fills caches), median of {runs} "
            f"{statistics.median(rest) * 1000:.0f} ms (min {min(rest) * 1000:.0f}, max {max(rest) * 1000:.0f})"
        )


def run(url: str, folder: Path, args) -> None:
    from core import create_app
    from core.database import db
    from core.migration import upgrade
    from core.plugin_engine import manager

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "bench",
            "SESSION_COOKIE_SECURE": False,
            "WTF_CSRF_ENABLED": True,
            "DEALERQMS_LOAD_ENTRYPOINTS": "builtin",
        }
    )
    with app.app_context():
        upgrade()
    manager.register(BenchPlugin(args.metrics), "bench", app=app)
    build(app, args.sites, args.months)
    measure(app, args.runs)
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--metrics", type=int, default=30)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--postgresql", help="a server URL whose user may create databases")
    args = parser.parse_args()
    random.seed(1)
    with tempfile.TemporaryDirectory() as folder:
        if not args.postgresql:
            run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", Path(folder), args)
            return
        base = make_url(args.postgresql)
        name = f"dqbench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run(base.set(database=name).render_as_string(hide_password=False), Path(folder), args)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
