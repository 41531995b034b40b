"""Eight writers at once never fork the trail, on whichever database the
suite runs (SQLite, or PostgreSQL through DEALERQMS_TEST_DATABASE_URL)."""

from __future__ import annotations

import threading
import time

import pytest

from core.accounts import services
from core.accounts.models import Site
from core.database import db
from core.trail import acting_as
from core.trail.chain import verify
from core.trail.models import TrailEvent

THREADS = 8
CHANGES = 100


def _writer(app, number: int, barrier: threading.Barrier, errors: list) -> None:
    """CHANGES committed changes: a new site every tenth, renames in between."""
    with app.app_context(), acting_as(f"writer-{number}"):
        barrier.wait()
        site_id = None
        for change in range(CHANGES):
            try:
                if change % 10 == 0:
                    site_id = services.create_site(None, f"T{number}-{change}", f"Writer {number}").id
                else:
                    site = db.session.get(Site, site_id)
                    site.name = f"Writer {number} change {change}"
                db.session.commit()
            except Exception as error:  # every failure is a finding, not a crash of the thread
                db.session.rollback()
                errors.append(f"writer {number}, change {change}: {error!r}")
        db.session.remove()


@pytest.mark.concurrency
def test_concurrent_writers_keep_one_unbroken_chain(app, record_property):
    with app.app_context():
        dialect = db.engine.dialect.name
        before = db.session.execute(db.select(db.func.count()).select_from(TrailEvent)).scalar_one()
        db.session.remove()

    barrier = threading.Barrier(THREADS)
    errors: list[str] = []
    threads = [threading.Thread(target=_writer, args=(app, n, barrier, errors)) for n in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    with app.app_context():
        with db.engine.connect() as connection:
            result = verify(connection)
        seqs = list(db.session.execute(db.select(TrailEvent.seq).order_by(TrailEvent.seq)).scalars())
        actors = db.session.execute(
            db.select(TrailEvent.actor, db.func.count())
            .where(TrailEvent.actor.like("writer-%"))
            .group_by(TrailEvent.actor)
        ).all()

    new_events = len(seqs) - before
    figures = {
        "database": dialect,
        "threads": THREADS,
        "changes_per_thread": CHANGES,
        "events": new_events,
        "breaks": 0 if result.ok else 1,
        "errors": len(errors),
        "seconds": round(elapsed, 2),
    }
    for key, value in figures.items():
        record_property(key, value)
    print(f"\ntrail concurrency: {figures}")

    assert errors == []
    assert result.ok, result.problem
    assert new_events >= THREADS * CHANGES
    assert seqs == list(range(1, len(seqs) + 1))
    assert sorted(count for _actor, count in actors) == [CHANGES] * THREADS
