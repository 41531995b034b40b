"""An attacker with database access drops the append-only trigger and edits,
deletes, inserts or reorders trail rows with plain SQL: ``verify`` and
``dealerqms trail verify`` name the first bad event."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.accounts import services
from core.database import db, iso_utc
from core.trail.chain import event_hash, verify
from core.trail.models import TrailEvent

EVENTS = 30


@pytest.fixture
def trail(app):
    """An instance with a trail of at least EVENTS events."""
    with app.app_context():
        for n in range(12):
            site = services.create_site(None, f"S{n}", f"Site {n}")
            db.session.commit()
            site.name = f"Site {n} renamed"
            db.session.commit()
        count = db.session.execute(db.select(db.func.count()).select_from(TrailEvent)).scalar_one()
        assert count >= EVENTS
    return app


def attack(app, *statements: str, params: dict | None = None) -> None:
    """Run SQL as someone with direct database access, trigger out of the way."""
    with app.app_context(), db.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER trail_event_no_update")
            connection.exec_driver_sql("DROP TRIGGER trail_event_no_delete")
        else:
            connection.exec_driver_sql("DROP TRIGGER trail_event_append_only ON trail_event")
        for statement in statements:
            connection.execute(text(statement), params or {})


def check(app):
    with app.app_context(), db.engine.connect() as connection:
        return verify(connection)


def cli_verify(app):
    return app.test_cli_runner().invoke(args=["trail", "verify"])


def row(app, seq: int) -> dict:
    with app.app_context():
        return dict(db.session.execute(db.select(TrailEvent.__table__).where(TrailEvent.seq == seq)).mappings().one())


def test_an_intact_chain_verifies_and_the_cli_says_how_many_events(trail):
    result = check(trail)
    assert result.ok and result.first_bad_seq is None
    outcome = cli_verify(trail)
    assert outcome.exit_code == 0
    assert f"{result.events} events" in outcome.output
    assert "intact" in outcome.output


def test_an_edited_field_is_named(trail):
    attack(trail, 'UPDATE trail_event SET changes = \'{"name":[null,"Forged"]}\' WHERE seq = 12')
    result = check(trail)
    assert (result.ok, result.first_bad_seq, result.events) == (False, 12, 11)
    outcome = cli_verify(trail)
    assert outcome.exit_code == 1
    assert "event 12" in outcome.output
    assert "Traceback" not in outcome.output


def test_an_edited_actor_or_time_is_named(trail):
    attack(trail, "UPDATE trail_event SET actor = 'someone-else' WHERE seq = 7")
    assert check(trail).first_bad_seq == 7


def test_a_deleted_row_is_named(trail):
    attack(trail, "DELETE FROM trail_event WHERE seq = 20")
    result = check(trail)
    assert (result.ok, result.first_bad_seq) == (False, 20)
    outcome = cli_verify(trail)
    assert outcome.exit_code == 1 and "event 20" in outcome.output


def test_a_deleted_row_whose_successors_were_renumbered_is_named(trail):
    # Closing the gap in seq does not help: the next event still points at the deleted one.
    attack(
        trail,
        "DELETE FROM trail_event WHERE seq = 15",
        "UPDATE trail_event SET seq = -seq WHERE seq > 15",
        "UPDATE trail_event SET seq = -seq - 1 WHERE seq < 0",
    )
    assert check(trail).first_bad_seq == 15


def test_a_forged_row_inserted_in_the_middle_is_named(trail):
    victim = row(trail, 9)
    at = victim["at"]
    attack(
        trail,
        "UPDATE trail_event SET seq = -seq WHERE seq >= 10",
        "UPDATE trail_event SET seq = -seq + 1 WHERE seq < 0",
        # The displaced event is made to point at the forgery, as the unique
        # prev_hash demands.
        "UPDATE trail_event SET prev_hash = :hash WHERE seq = 11",
        "INSERT INTO trail_event (seq, at, actor, action, entity_type, entity_id, changes, reason, prev_hash, hash) "
        "VALUES (10, :at, 'mallory', 'delete', 'site', '1', '{}', NULL, :prev, :hash)",
        params={"at": at.replace(tzinfo=None), "prev": victim["hash"], "hash": "f" * 64},
    )
    result = check(trail)
    assert (result.ok, result.first_bad_seq) == (False, 10)
    assert "event 10" in cli_verify(trail).output


def test_a_well_forged_row_in_the_middle_breaks_the_chain_after_it(trail):
    # The attacker knows the hash function and computes a valid hash for the
    # forgery; the original event that follows no longer matches its place.
    victim = row(trail, 9)
    at = victim["at"].replace(tzinfo=None)
    forged = event_hash(10, iso_utc(victim["at"]), "mallory", "delete", "site", "1", "{}", None, victim["hash"])
    attack(
        trail,
        "UPDATE trail_event SET seq = -seq WHERE seq >= 10",
        "UPDATE trail_event SET seq = -seq + 1 WHERE seq < 0",
        # The displaced event is made to point at the forgery, as the unique
        # prev_hash demands.
        "UPDATE trail_event SET prev_hash = :hash WHERE seq = 11",
        "INSERT INTO trail_event (seq, at, actor, action, entity_type, entity_id, changes, reason, prev_hash, hash) "
        "VALUES (10, :at, 'mallory', 'delete', 'site', '1', '{}', NULL, :prev, :hash)",
        params={"at": at, "prev": victim["hash"], "hash": forged},
    )
    assert check(trail).first_bad_seq == 11


def test_a_forged_row_appended_at_the_end_is_named(trail):
    last = check(trail).events
    tail = row(trail, last)
    attack(
        trail,
        "INSERT INTO trail_event (seq, at, actor, action, entity_type, entity_id, changes, reason, prev_hash, hash) "
        "VALUES (:seq, :at, 'mallory', 'update', 'site', '1', '{}', NULL, :prev, :hash)",
        params={"seq": last + 1, "at": tail["at"].replace(tzinfo=None), "prev": tail["hash"], "hash": "0" * 63 + "1"},
    )
    result = check(trail)
    assert (result.ok, result.first_bad_seq) == (False, last + 1)
    assert cli_verify(trail).exit_code == 1


def test_two_swapped_rows_are_named(trail):
    attack(
        trail,
        "UPDATE trail_event SET seq = -1 WHERE seq = 5",
        "UPDATE trail_event SET seq = 5 WHERE seq = 6",
        "UPDATE trail_event SET seq = 6 WHERE seq = -1",
    )
    result = check(trail)
    assert (result.ok, result.first_bad_seq) == (False, 5)
    outcome = cli_verify(trail)
    assert outcome.exit_code == 1 and "event 5" in outcome.output
