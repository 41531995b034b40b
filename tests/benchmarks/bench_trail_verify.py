"""How fast `dealerqms trail verify` walks a large trail, against the floor.

The floor is the least any verification must do: read the same rows in one
plain loop over the database driver's cursor and hash each one's canonical
encoding. The target (quality bar): verify ≤ 2× the floor over 1 M events.

    python tests/benchmarks/bench_trail_verify.py                  # 1,000,000 events, SQLite
    python tests/benchmarks/bench_trail_verify.py --events 100000 --runs 3
    python tests/benchmarks/bench_trail_verify.py --postgresql postgresql+psycopg://user:pw@host/db
    python tests/benchmarks/bench_trail_verify.py --database-url URL --runs 3   # an existing instance's trail

The trail is built in one pass (a correct chain, bulk inserts) into a
temporary SQLite database and, when a PostgreSQL URL is given, into a
temporary database created on that server (the URL's user needs CREATEDB).
With ``--database-url`` nothing is built: the script measures the trail the
database already holds (e.g. one ``dealerqms demo-data --scale xlarge`` made),
only reading it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine, make_url

from core.database import configure_engine, iso_utc
from core.trail.chain import GENESIS, canonical_json, event_hash, verify
from core.trail.models import TrailEvent

COLUMNS = "seq, at, actor, action, entity_type, entity_id, changes, reason, prev_hash, hash"
ACTORS = ("qo", "head.sales", "auditor.li", "staff.wang", "system", "cli")
KINDS = (
    ("create", "nonconformity"),
    ("update", "revision"),
    ("transition", "audit"),
    ("create", "form_submission"),
    ("update", "measurement"),
    ("create", "signature"),
)
BATCH = 20_000


def events(count: int):
    """A correct chain of ``count`` events that look like the product's."""
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    prev = GENESIS
    for seq in range(1, count + 1):
        at = start + timedelta(microseconds=seq * 937_001)
        action, entity_type = KINDS[seq % len(KINDS)]
        actor = ACTORS[seq % len(ACTORS)]
        entity_id = str(seq // 7 + 1)
        changes = canonical_json(
            {
                "state": ["open", "contained"] if action == "transition" else [None, "draft"],
                "title": [None, f"Brake test drive form #{seq} — 试驾记录"],
                "row_version": [seq % 5, seq % 5 + 1],
            }
        )
        reason = "periodic correction" if seq % 97 == 0 else None
        digest = event_hash(seq, iso_utc(at), actor, action, entity_type, entity_id, changes, reason, prev)
        yield {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "changes": changes,
            "reason": reason,
            "prev_hash": prev,
            "hash": digest,
        }
        prev = digest


def build(engine: Engine, count: int) -> float:
    started = time.perf_counter()
    TrailEvent.__table__.create(engine)
    statement = insert(TrailEvent.__table__)
    batch = []
    with engine.begin() as connection:
        for row in events(count):
            batch.append(row)
            if len(batch) == BATCH:
                connection.execute(statement, batch)
                batch.clear()
        if batch:
            connection.execute(statement, batch)
    return time.perf_counter() - started


def run_verify(engine: Engine) -> tuple[float, int]:
    started = time.perf_counter()
    with engine.connect() as connection:
        result = verify(connection)
        connection.rollback()
    elapsed = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(f"the benchmark chain does not verify: {result.problem}")
    return elapsed, result.events


def run_floor(engine: Engine) -> tuple[float, int]:
    """Read every row through the driver's own cursor and hash it, nothing else.

    It hashes the very bytes verify hashes (the canonical encoding, ``at`` as
    ``iso_utc`` text) and compares each hash with the stored one: a floor that
    hashed some cheaper text would not be verifying anything.
    """
    sha256 = hashlib.sha256
    encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    started = time.perf_counter()
    count = 0
    raw = engine.raw_connection()
    try:
        postgresql = engine.dialect.name == "postgresql"
        if postgresql:
            cursor = raw.driver_connection.cursor(name=f"floor_{uuid.uuid4().hex[:8]}")
            cursor.itersize = BATCH
        else:
            cursor = raw.cursor()
        cursor.execute(f"SELECT {COLUMNS} FROM trail_event ORDER BY seq")
        while rows := cursor.fetchmany(BATCH):
            for seq, at, actor, action, entity_type, entity_id, changes, reason, prev_hash, digest in rows:
                # iso_utc of a naive UTC datetime (PostgreSQL) or of SQLite's
                # "YYYY-MM-DD HH:MM:SS.ffffff" text.
                at_text = at.isoformat(timespec="microseconds") + "Z" if postgresql else f"{at[:10]}T{at[11:]}Z"
                encoded = encode([seq, at_text, actor, action, entity_type, entity_id, changes, reason, prev_hash])
                if sha256(encoded.encode()).hexdigest() != digest:
                    raise SystemExit(f"the floor's hash of event {seq} differs from the stored one")
                count += 1
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return time.perf_counter() - started, count


def measure(label: str, engine: Engine, count: int | None, runs: int) -> dict:
    """Build ``count`` events and measure them; ``count`` None measures the trail already there."""
    if count is None:
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM trail_event")).scalar()
        built = None
        print(f"[{label}] measuring the {count:,} events the database holds", flush=True)
    else:
        print(f"[{label}] building {count:,} events …", flush=True)
        built = round(build(engine, count), 2)
        print(f"[{label}] built in {built:.1f} s", flush=True)
    verify_times, floor_times = [], []
    for run in range(runs):
        # Alternate the order so that neither always profits from a warm cache.
        pair = (run_floor, run_verify) if run % 2 else (run_verify, run_floor)
        for function in pair:
            elapsed, seen = function(engine)
            if seen != count:
                raise SystemExit(f"{function.__name__} saw {seen} events, expected {count}")
            (floor_times if function is run_floor else verify_times).append(elapsed)
    verify_median, floor_median = statistics.median(verify_times), statistics.median(floor_times)
    figures = {
        "database": label,
        "events": count,
        "runs": runs,
        "build_s": built,
        "verify_median_s": round(verify_median, 3),
        "floor_median_s": round(floor_median, 3),
        "ratio": round(verify_median / floor_median, 2),
        "verify_runs_s": [round(t, 3) for t in verify_times],
        "floor_runs_s": [round(t, 3) for t in floor_times],
    }
    print(
        f"[{label}] verify median {verify_median:.2f} s, floor median {floor_median:.2f} s, "
        f"ratio {figures['ratio']:.2f} (target ≤ 2)",
        flush=True,
    )
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgresql", metavar="URL", help="also measure on this PostgreSQL server")
    parser.add_argument(
        "--database-url", metavar="URL", help="measure the trail this database holds instead (builds nothing)"
    )
    parser.add_argument("--json", metavar="FILE", help="write the figures to FILE as JSON")
    options = parser.parse_args(argv)

    results = []
    if options.database_url:
        engine = create_engine(options.database_url)
        if engine.dialect.name == "sqlite":
            configure_engine(engine)
        try:
            results.append(measure(engine.dialect.name, engine, None, options.runs))
        finally:
            engine.dispose()
        return _report(results, options)
    with tempfile.TemporaryDirectory(prefix="dealerqms-bench-") as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'trail.sqlite3'}")
        configure_engine(engine)
        try:
            results.append(measure("sqlite", engine, options.events, options.runs))
        finally:
            engine.dispose()

    if options.postgresql:
        base = make_url(options.postgresql)
        name = f"dqbench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine = create_engine(base.set(database=name))
        try:
            results.append(measure("postgresql", engine, options.events, options.runs))
        finally:
            engine.dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    return _report(results, options)


def _report(results: list[dict], options) -> int:
    if options.json:
        Path(options.json).write_text(json.dumps(results, indent=2))
    return 0 if all(r["ratio"] <= 2 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
