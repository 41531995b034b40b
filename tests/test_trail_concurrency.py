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


def _rename_when_told(app, site_id: int, first_written: threading.Event, seen: list, errors: list) -> None:
    with app.app_context(), acting_as("second"):
        first_written.wait()
        try:
            site = db.session.get(Site, site_id)
            seen.append(site.name)
            site.name = "Renamed by the second"
            db.session.commit()
        except Exception as error:  # every failure is a finding, not a crash of the thread
            db.session.rollback()
            errors.append(type(error).__name__)
        db.session.remove()


def test_a_writer_holding_the_trail_never_waits_for_a_row_held_by_one_waiting_for_the_trail(app):
    """Under load on PostgreSQL a flush locked the row it updated and then waited for the trail's
    lock, whose holder was about to update that row: a deadlock, a 500 for one of them. The trail's
    lock now comes first, so the second writer waits, and never overwrites the first's change
    unseen: on PostgreSQL it finds the row changed (a stale version); SQLite serialises writing
    transactions whole (BEGIN IMMEDIATE), so there it reads the row only once the first committed."""
    with app.app_context(), acting_as("first"):
        contested = services.create_site(None, "CONTESTED", "Contested")
        other = services.create_site(None, "OTHER", "Other")
        db.session.commit()
        first_written, seen, errors = threading.Event(), [], []
        second = threading.Thread(target=_rename_when_told, args=(app, contested.id, first_written, seen, errors))
        second.start()
        other.name = "Renamed first"
        db.session.flush()  # appended to the trail: this transaction holds its lock until the commit
        first_written.set()
        time.sleep(0.3)  # the second writer reads and flushes meanwhile
        contested.name = "Renamed by the first"
        db.session.commit()
        second.join()
        db.session.expire_all()
        final = db.session.get(Site, contested.id).name
        if db.engine.dialect.name == "postgresql":
            assert (seen, errors, final) == (["Contested"], ["StaleDataError"], "Renamed by the first")
        else:
            assert (seen, errors, final) == (["Renamed by the first"], [], "Renamed by the second")
        assert verify(db.session.connection()).ok
