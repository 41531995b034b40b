"""The audit trail records every change of every record (21 CFR Part 11 11.10(e)):
in the same transaction, with old and new values, who and why, secrets hidden,
and the database itself refuses to change an event."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from flask_login import login_user
from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlalchemy.exc import DBAPIError

from core.accounts import services
from core.accounts.models import ApiToken, LoginAttempt, Site, User
from core.database import Model, db
from core.testing import TEST_PASSWORD
from core.trail import acting_as, reason
from core.trail.chain import verify
from core.trail.models import TrailEvent
from core.trail.queries import history_of
from core.trail.recorder import UntrailedWrite

# A record with a workflow state, as the areas' records (revisions, audits,
# NCs) have. Its table lives outside the product's metadata so that neither
# the migrations nor a backup ever see it.
_widget_table = Table(
    "trail_test_widget",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("title", String(100), nullable=False),
    Column("state", String(20), nullable=False),
    Column("secret", String(100)),
    Column("row_version", Integer, nullable=False),
)


class Widget(Model):
    __table__ = _widget_table
    __trail_secret__ = frozenset({"secret"})
    __mapper_args__ = {"version_id_col": _widget_table.c.row_version}


@pytest.fixture
def widgets(app):
    with app.app_context():
        _widget_table.create(db.engine)
    return Widget


@pytest.fixture
def people(make_user):
    make_user("admin", "admin", department="QUALITY")
    make_user("staff", "staff")
    return {"admin": "admin", "staff": "staff"}


def events_after(seq: int) -> list[TrailEvent]:
    return list(
        db.session.execute(db.select(TrailEvent).where(TrailEvent.seq > seq).order_by(TrailEvent.seq)).scalars()
    )


def head() -> int:
    return db.session.execute(db.select(db.func.coalesce(db.func.max(TrailEvent.seq), 0))).scalar_one()


def test_create_update_delete_each_write_an_event_with_old_and_new_values(app):
    with app.app_context():
        start = head()
        site = services.create_site(None, "north", "North Motors")
        db.session.commit()
        site_id = site.id

        # After the commit every attribute is expired: the old value must
        # still reach the event, not a None.
        site.name = "North Motors Ltd"
        db.session.commit()

        db.session.delete(db.session.get(Site, site_id))
        db.session.commit()

        created, updated, deleted = events_after(start)
        assert (created.action, created.entity_type, created.entity_id) == ("create", "site", str(site_id))
        assert created.changed_fields["code"] == [None, "NORTH"]
        assert created.changed_fields["name"] == [None, "North Motors"]
        assert (updated.action, updated.entity_id) == ("update", str(site_id))
        assert updated.changed_fields == {"name": ["North Motors", "North Motors Ltd"]}
        assert (deleted.action, deleted.entity_id) == ("delete", str(site_id))
        assert deleted.changed_fields["name"] == ["North Motors Ltd", None]
        assert deleted.changed_fields["code"] == ["NORTH", None]
        assert verify(db.session.connection()).ok


def test_a_deleted_record_that_was_never_loaded_keeps_its_values_in_the_event(app):
    with app.app_context():
        site_id = services.create_site(None, "EAST", "East Motors").id
        db.session.commit()
        db.session.expire_all()
        site = db.session.get(Site, site_id)
        db.session.expire(site)
        start = head()
        db.session.delete(site)
        db.session.commit()
        (deleted,) = events_after(start)
        assert deleted.changed_fields["name"] == ["East Motors", None]


def test_changing_a_state_is_recorded_as_a_transition(app, widgets):
    with app.app_context():
        widget = widgets(title="Brake check", state="draft")
        db.session.add(widget)
        db.session.commit()
        start = head()
        widget.state = "approved"
        db.session.commit()
        widget.title = "Brake check v2"
        db.session.commit()
        transition, update = events_after(start)
        assert transition.action == "transition"
        assert transition.changed_fields == {"state": ["draft", "approved"]}
        assert update.action == "update"


def test_rows_removed_from_a_collection_are_recorded_as_deleted(app, people):
    with app.app_context():
        admin = services.user_by_login(people["admin"])
        staff = services.user_by_login(people["staff"])
        start = head()
        services.update_user(
            admin,
            staff,
            display_name=staff.display_name,
            email=None,
            roles=["auditor"],
            department=staff.department,
            site=staff.site,
            active=True,
            row_version=staff.row_version,
        )
        db.session.commit()
        recorded = {(e.action, e.entity_type, e.entity_id) for e in events_after(start)}
        assert ("delete", "user_role", f"{staff.id}/staff") in recorded
        assert ("create", "user_role", f"{staff.id}/auditor") in recorded


def test_a_change_and_its_event_share_one_transaction(app):
    with app.app_context():
        start = head()
        services.create_site(None, "WEST", "West Motors")
        db.session.flush()
        assert [e.entity_type for e in events_after(start)] == ["site"]
        db.session.rollback()

        assert events_after(start) == []
        assert db.session.execute(db.select(Site).filter_by(code="WEST")).scalar_one_or_none() is None
        assert head() == start


def test_a_failed_flush_leaves_no_event_behind_for_the_next_one(app):
    with app.app_context():
        start = head()
        services.create_site(None, "SOUTH", "South Motors")
        db.session.commit()
        db.session.add(Site(code="SOUTH", name="Duplicate"))
        with pytest.raises(DBAPIError):
            db.session.commit()
        db.session.rollback()
        services.create_site(None, "DOWN", "Downtown")
        db.session.commit()
        assert [e.changed_fields["code"][1] for e in events_after(start)] == ["SOUTH", "DOWN"]


def test_secrets_are_redacted_but_their_change_is_recorded(app, people, widgets):
    with app.app_context():
        admin = services.user_by_login(people["admin"])
        staff = services.user_by_login(people["staff"])
        start = head()
        services.set_password(admin, staff, "a new and long secret")
        token, plain = services.create_token(None, staff, "robot")
        widget = widgets(title="w", state="draft", secret="s3cr3t")
        db.session.add(widget)
        db.session.commit()

        by_type = {e.entity_type: e for e in events_after(start)}
        assert by_type["user"].changed_fields["password_hash"] == ["***", "***"]
        assert by_type["api_token"].changed_fields["token_hash"] == [None, "***"]
        assert by_type["widget"].changed_fields["secret"] == [None, "***"]
        everything = " ".join(e.changes for e in db.session.execute(db.select(TrailEvent)).scalars())
        for secret in (staff.password_hash, token.token_hash, plain, "s3cr3t", TEST_PASSWORD):
            assert secret not in everything


def test_actor_and_reason_come_from_the_context(app):
    with app.app_context():
        start = head()
        with acting_as("importer"), reason("data migration from the old register"):
            services.create_site(None, "OLD", "Old register")
            db.session.commit()
        services.create_site(None, "NEW", "No context")
        db.session.commit()
        with_context, without = events_after(start)
        assert (with_context.actor, with_context.reason) == ("importer", "data migration from the old register")
        assert (without.actor, without.reason) == ("system", None)


def test_the_logged_in_user_is_the_actor_of_a_request(app, people):
    with app.test_request_context("/"):
        start = head()
        login_user(services.user_by_login(people["staff"]))
        services.create_site(None, "REQ", "From a request")
        db.session.commit()
        (event,) = events_after(start)
        assert event.actor == people["staff"]


def test_usage_counters_alone_do_not_write_events(app, people):
    with app.app_context():
        staff = services.user_by_login(people["staff"])
        _token, plain = services.create_token(None, staff, "robot")
        db.session.commit()
        start = head()
        assert services.user_for_token(plain).login == people["staff"]
        token = db.session.execute(db.select(ApiToken).filter_by(name="robot")).scalar_one()
        assert token.last_used_at is not None
        assert events_after(start) == []


def test_history_of_a_record_lists_its_events_in_order(app, people):
    with app.app_context():
        admin = services.user_by_login(people["admin"])
        site = services.create_site(admin, "HIST", "History")
        db.session.commit()
        for name in ("History 2", "History 3"):
            services.update_site(admin, site, name=name, active=True, row_version=site.row_version)
            db.session.commit()
        assert [e.action for e in history_of(site)] == ["create", "update", "update"]
        assert history_of(site)[-1].changed_fields == {"name": ["History 2", "History 3"]}


def test_event_times_are_utc_with_microseconds_and_hashes_are_chained(app):
    with app.app_context():
        services.create_site(None, "TIME", "Time")
        db.session.commit()
        events = list(db.session.execute(db.select(TrailEvent).order_by(TrailEvent.seq)).scalars())
        assert all(e.at.utcoffset().total_seconds() == 0 for e in events)
        assert any(e.at.microsecond for e in events)
        assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:], strict=False))
        assert len({e.hash for e in events}) == len(events)
        assert all(isinstance(json.loads(e.changes), dict) for e in events)


def test_verify_accepts_events_written_on_a_whole_second(app, monkeypatch):
    import core.trail.chain as chain

    monkeypatch.setattr(chain, "utcnow", lambda: datetime(2026, 5, 1, 0, 0, 0, tzinfo=UTC))
    with app.app_context():
        services.create_site(None, "WHOLE", "On the second")
        db.session.commit()
        assert db.session.get(TrailEvent, head()).at.microsecond == 0
        assert verify(db.session.connection()).ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE trail_event SET actor = 'mallory' WHERE seq = 1",
        "DELETE FROM trail_event WHERE seq = 1",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_event(app, statement):
    with app.app_context():
        before = db.session.execute(db.select(TrailEvent.actor, TrailEvent.hash).filter_by(seq=1)).one()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert db.session.execute(db.select(TrailEvent.actor, TrailEvent.hash).filter_by(seq=1)).one() == before


def test_the_database_refuses_to_empty_the_trail(app):
    """PostgreSQL's TRUNCATE passes row triggers by; SQLite has no TRUNCATE but
    turns an unqualified DELETE into one unless a trigger is in the way."""
    with app.app_context():
        count = db.session.execute(db.select(db.func.count(TrailEvent.seq))).scalar_one()
        statement = "TRUNCATE trail_event" if db.engine.dialect.name == "postgresql" else "DELETE FROM trail_event"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert db.session.execute(db.select(db.func.count(TrailEvent.seq))).scalar_one() == count > 0


def test_the_product_cannot_delete_an_event_through_the_orm_either(app):
    with app.app_context():
        event = db.session.get(TrailEvent, 1)
        db.session.delete(event)
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(TrailEvent, 1) is not None


@pytest.mark.parametrize(
    "statement",
    [
        lambda: db.update(Site).values(name="Renamed in bulk"),
        lambda: db.delete(Site).where(Site.code == "MAIN"),
        lambda: db.insert(Site).values(code="BULK", name="Inserted in bulk", active=True, row_version=1),
        lambda: db.update(Site.__table__).values(name="Renamed through the table"),
    ],
)
def test_bulk_statements_that_would_bypass_the_trail_are_refused(app, statement):
    with app.app_context():
        start = head()
        with pytest.raises(UntrailedWrite, match="would bypass the audit trail"):
            db.session.execute(statement())
        db.session.rollback()
        assert services.site_by_code("MAIN").name == "Main dealership"
        assert events_after(start) == []
        # Tables outside the trail are not held back.
        db.session.execute(db.delete(LoginAttempt))
        db.session.rollback()


def test_records_that_opt_out_write_no_events(app, people):
    with app.app_context():
        start = head()
        services.authenticate(people["staff"], "wrong password")
        db.session.commit()
        assert events_after(start) == []
        assert User.__trailed__ and not TrailEvent.__trailed__


def test_verifying_leaves_the_callers_connection_as_it_was(app, users):
    with app.app_context():
        connection = db.session.connection()
        before = dict(connection.get_execution_options())
        assert verify(connection).ok
        assert dict(connection.get_execution_options()) == before
        # The same transaction can still write after a verification.
        site = db.session.execute(db.select(Site).filter_by(code="MAIN")).scalar_one()
        site.name = "Main site, renamed after a verification"
        db.session.commit()
