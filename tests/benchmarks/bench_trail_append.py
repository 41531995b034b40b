"""How many trail events per second the audit trail's single append lock lets through.

Every transaction that changes a trailed record appends its events to one hash
chain: it takes the chain's lock (PostgreSQL: ``pg_advisory_xact_lock``; SQLite:
the write lock of ``BEGIN IMMEDIATE``), reads the head, hashes and inserts, and
holds the lock until it commits. Writers therefore take turns for the rest of
their transaction once they have appended. This measures how far that goes.

    python tests/benchmarks/bench_trail_append.py                         # SQLite, 1/4/32 writers
    python tests/benchmarks/bench_trail_append.py --postgresql postgresql+psycopg://user:pw@host/db
    python tests/benchmarks/bench_trail_append.py --writers 1 4 32 --seconds 10 --mode service recorder

Each writer is a process of its own with its own connection. Two kinds of write:

- ``service``: a quality officer corrects a KPI value through the service layer
  (``core.metrics.services.correct``: permission, row version, the reason, one
  trail event), one correction per transaction, each writer on a measurement of
  its own, so the only thing writers share is the trail.
- ``recorder``: one event appended straight through ``core.trail.chain.append``
  per transaction: the lock and the chain with nothing around them.

Printed per run: appends/s, transactions/s, commit latency (p50/p95/p99 of the
whole transaction), the share of that time spent waiting for the lock (timed
around the lock statement), and whether the whole chain still verifies.
The machine's load average is printed with each run: compare runs of one
invocation, not figures from different machines.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from core.plugins import Metric, hookimpl

MAX_WRITERS = 64


class BenchPlugin:
    """One manual metric per possible writer, so that no two writers touch the same row."""

    @hookimpl
    def register_metrics(self):
        return [
            Metric(
                key=f"bench.w{n:02d}",
                name=f"Writer {n:02d}",
                unit="%",
                direction="higher",
                target=50,
                warning=40,
                area="SALES",
            )
            for n in range(MAX_WRITERS)
        ]


def make_app(url: str, folder: Path):
    from core import create_app
    from core.migration import upgrade
    from core.plugin_engine import manager

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "bench",
            "DEALERQMS_LOAD_ENTRYPOINTS": "builtin",
        }
    )
    with app.app_context():
        upgrade()
    manager.register(BenchPlugin(), "bench", app=app)
    return app


def build(app) -> None:
    from core.accounts import services as accounts
    from core.database import commit
    from core.metrics import services as metrics

    with app.app_context():
        accounts.ensure_defaults()
        qo = accounts.create_user(
            None, login="qo", display_name="Quinn", roles=["quality_officer"], password=None,
            site=accounts.site_by_code("MAIN"),
        )  # fmt: skip
        site = accounts.site_by_code("MAIN")
        for n in range(MAX_WRITERS):
            metrics.record(qo, metrics.definition(f"bench.w{n:02d}"), site, "2026-01", 50)
        commit()


def lock_timer(engine, waits: list[float], held: dict):
    """Time the statement that waits for the trail's lock: the advisory lock, or SQLite's BEGIN IMMEDIATE;
    ``held["since"]`` is when this writer got the lock (it keeps it until its transaction ends)."""

    def is_lock(statement: str) -> bool:
        return "pg_advisory_xact_lock" in statement or statement == "BEGIN IMMEDIATE"

    @event.listens_for(engine, "before_cursor_execute")
    def before(_conn, _cursor, statement, _params, context, _many):
        if is_lock(statement):
            _conn.info["lock_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(_conn, _cursor, statement, _params, context, _many):
        if is_lock(statement):
            held["since"] = time.perf_counter()
            waits.append(held["since"] - _conn.info.pop("lock_started"))


def writer(app, mode: str, index: int, start_at: float, seconds: float, results) -> None:
    """One writer process: its own connection, business writes until the time is up."""
    from core.accounts.services import user_by_login
    from core.database import commit, db
    from core.metrics import services as metrics
    from core.metrics.models import Measurement
    from core.trail.chain import PendingEvent, append
    from core.trail.context import acting_as

    with app.app_context():
        db.engine.dispose(close=False)  # the parent's connections are the parent's
        waits: list[float] = []
        held: dict = {}
        lock_timer(db.engine, waits, held)
        latencies: list[float] = []
        holds: list[float] = []
        key = f"bench.w{index:02d}"
        qo = user_by_login("qo")
        measurement_id = db.session.execute(select(Measurement.id).where(Measurement.metric_key == key)).scalar_one()
        commit()
        value = 0
        while time.time() < start_at:
            time.sleep(0.001)
        stop = start_at + seconds
        with acting_as("qo"):
            while time.time() < stop:
                value += 1
                started = time.perf_counter()
                if mode == "service":
                    measurement = db.session.get(Measurement, measurement_id)
                    metrics.correct(
                        qo, measurement, 40 + value % 20, reason=f"recount {value}", row_version=measurement.row_version
                    )
                    commit()
                else:
                    with db.engine.begin() as connection:
                        event = PendingEvent(
                            "update", "measurement", str(measurement_id), {"value": [0, value]}, "qo", None
                        )
                        append(connection, [event])
                ended = time.perf_counter()
                latencies.append(ended - started)
                if "since" in held:
                    holds.append(ended - held.pop("since"))
        results.put((latencies, waits, holds))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(app, label: str, mode: str, writers: int, seconds: float) -> dict:
    from core.database import db
    from core.trail.chain import verify
    from core.trail.models import TrailEvent

    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(TrailEvent)).scalar_one()
        db.session.rollback()
        db.engine.dispose()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 1.0 + writers * 0.05  # every writer connected and waiting before the clock starts
    processes = [
        context.Process(target=writer, args=(app, mode, n, start_at, seconds, results)) for n in range(writers)
    ]
    for process in processes:
        process.start()
    gathered = [results.get(timeout=seconds + 120) for _ in processes]
    load = os.getloadavg()[0]
    for process in processes:
        process.join()
    latencies = [t for latency, _waits, _holds in gathered for t in latency]
    waits = [w for _latency, wait, _holds in gathered for w in wait]
    holds = [h for _latency, _waits, hold in gathered for h in hold]
    with app.app_context():
        after = db.session.execute(select(func.count()).select_from(TrailEvent)).scalar_one()
        db.session.rollback()
        with db.engine.connect() as connection:
            checked = verify(connection)
            connection.rollback()
        db.engine.dispose()
    appended = after - before
    figures = {
        "database": label,
        "mode": mode,
        "writers": writers,
        "transactions_per_s": len(latencies) / seconds,
        "appends_per_s": appended / seconds,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "lock_wait_share": sum(waits) / sum(latencies) if latencies else 0.0,
        # Held from getting the lock to the end of the commit: no more than 1/held transactions a second.
        "lock_held_ms": statistics.mean(holds) * 1000 if holds else 0.0,
        "chain": f"intact, {checked.events} events" if checked.ok else f"BROKEN: {checked.problem}",
        "load": load,
    }
    print(
        f"[{label} {mode:8} {writers:>2} writers] {figures['appends_per_s']:7.0f} appends/s "
        f"{figures['transactions_per_s']:7.0f} tx/s  commit p50 {figures['p50_ms']:6.1f} ms "
        f"p95 {figures['p95_ms']:6.1f} ms p99 {figures['p99_ms']:6.1f} ms  "
        f"waiting for the lock {figures['lock_wait_share']:4.0%}, held {figures['lock_held_ms']:5.1f} ms per tx  "
        f"chain {figures['chain']}  (load average {load:.2f})",
        flush=True,
    )
    if not checked.ok:
        raise SystemExit(f"the trail does not verify after {writers} writers: {checked.problem}")
    return figures


def measure(url: str, label: str, options) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="dealerqms-bench-") as folder:
        app = make_app(url, Path(folder))
        build(app)
        return [run(app, label, mode, writers, options.seconds) for mode in options.mode for writers in options.writers]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4, 32])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each run writes")
    parser.add_argument("--mode", nargs="+", choices=("service", "recorder"), default=["service", "recorder"])
    parser.add_argument(
        "--postgresql", metavar="URL", help="also measure on this PostgreSQL server (user with CREATEDB)"
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    options = parser.parse_args(argv)
    if max(options.writers) > MAX_WRITERS:
        parser.error(f"at most {MAX_WRITERS} writers")

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before the first run", flush=True)
    if not options.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="dealerqms-bench-db-") as folder:
            measure(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "sqlite", options)
    if options.postgresql:
        base = make_url(options.postgresql)
        name = f"trailjobs_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            measure(base.set(database=name).render_as_string(hide_password=False), "postgresql", options)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
