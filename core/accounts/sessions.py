"""Server-side sessions: the cookie carries a random session id, the data stays on the server.

Flask-Session (pallets-eco) provides the session object, the id, the cookie
and the Redis store. The database store is ours (``session_store``, made by
the Alembic migration 0004): Flask-Session 0.8's SQLAlchemy store creates its
table when the app starts (so a new instance's ``init`` would find it already
there), declares its model on our declarative base (so the audit trail would
record every session write) and commits the request's database session
itself (so it would commit whatever a view left uncommitted).

Both stores key a session by the SHA-256 of its id, the same key the
``user_session`` table uses: ending a session deletes the row there and the
data here, and a copy of either table opens nothing.
"""

from __future__ import annotations

import functools
import hashlib
from contextlib import contextmanager
from datetime import timedelta

import msgspec
from flask import Flask, g
from flask_session.base import Serializer, ServerSideSession, ServerSideSessionInterface
from sqlalchemy import delete, insert, select, update

from core.accounts.models import StoredSession
from core.clock import utcnow
from core.database import db, reset_read_only, set_read_only

# Set by a request that moved the session's "last seen": its stored data then
# gets a new expiry too, without a write on every request.
REFRESH_FLAG = "dealerqms_session_refresh"
SESSION_ID_BYTES = 32


def session_key(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def _plain(value):
    # Lazy translations (Flask-Login's "Please log in" flash) and Markup are
    # kept as the text they stand for.
    if isinstance(value, str) or hasattr(value, "__html__"):
        return str(value)
    raise TypeError(f"a session cannot hold a {type(value).__name__}")


class MsgpackSerializer(Serializer):
    """msgpack, as Flask-Session's default, without its fallback to pickle for
    unreadable data: data that does not decode is no session at all."""

    def __init__(self):
        self.encoder = msgspec.msgpack.Encoder(enc_hook=_plain)
        self.decoder = msgspec.msgpack.Decoder(dict)

    def encode(self, session: ServerSideSession) -> bytes:
        return self.encoder.encode(dict(session))

    def decode(self, serialized_data: bytes) -> dict | None:
        try:
            return self.decoder.decode(serialized_data)
        except msgspec.DecodeError:
            return None


class _Revocable:
    """What both stores add to Flask-Session's: hashed keys, a new id on demand,
    fewer writes, and ending sessions by key."""

    key_prefix: str

    def _init_serializer(self) -> None:
        self.serializer = MsgpackSerializer()

    def _get_store_id(self, sid: str) -> str:
        return self.key_prefix + session_key(sid)

    def rotate(self, session: ServerSideSession) -> None:
        """Give ``session`` a new id; the data under the old one is deleted when the response is saved."""
        if session.sid:
            session.replaced_store_id = self._get_store_id(session.sid)
        session.sid = self._generate_sid(self.sid_length)
        session.modified = True

    def should_set_storage(self, app: Flask, session: ServerSideSession) -> bool:
        return session.modified or bool(g.get(REFRESH_FLAG))

    def _before_write(self) -> None:
        pass

    def save_session(self, app: Flask, session: ServerSideSession, response) -> None:
        replaced = getattr(session, "replaced_store_id", None)
        if replaced or session.modified or self.should_set_storage(app, session):
            self._before_write()
        if replaced:
            self._delete_session(replaced)
            session.replaced_store_id = None
        super().save_session(app, session, response)

    def discard(self, keys: list[str]) -> None:
        """Delete the data of the sessions with these keys (see :func:`session_key`)."""
        for key in keys:
            self._delete_session(self.key_prefix + key)


@contextmanager
def _connection(*, write: bool):
    """A short transaction of its own, apart from the request's unit of work.

    The session is read before the request's transaction mode is known and
    written after the view has committed; on SQLite a write begins IMMEDIATE
    and a read deferred, like every other transaction (core.database).
    """
    token = set_read_only(not write)
    try:
        with db.engine.connect() as connection:
            yield connection
            if write:
                connection.commit()
    finally:
        reset_read_only(token)


class DatabaseSessionStore(_Revocable, ServerSideSessionInterface):
    """Session data in the ``session_store`` table of the product's own database."""

    def __init__(self, app: Flask):
        super().__init__(app, key_prefix="", permanent=False, sid_length=SESSION_ID_BYTES)
        self._init_serializer()

    def _register_cleanup_app_command(self) -> None:
        # Expired rows are removed at each login (services.start_session);
        # no separate command to schedule.
        pass

    def _before_write(self) -> None:
        # The response is complete: nothing the request left uncommitted is
        # meant to be kept, and on SQLite its open transaction would hold the
        # lock that the store's own write waits for.
        db.session.rollback()

    def _retrieve_session_data(self, store_id: str) -> dict | None:
        table = StoredSession.__table__
        with _connection(write=False) as connection:
            row = connection.execute(
                select(table.c.data, table.c.expires_at).where(table.c.key == store_id)
            ).one_or_none()
        if row is None or row.expires_at <= utcnow():
            return None
        return self.serializer.decode(row.data)

    def _delete_session(self, store_id: str) -> None:
        table = StoredSession.__table__
        with _connection(write=True) as connection:
            connection.execute(delete(table).where(table.c.key == store_id))

    def _upsert_session(self, session_lifetime: timedelta, session: ServerSideSession, store_id: str) -> None:
        table = StoredSession.__table__
        values = {"data": self.serializer.encode(session), "expires_at": utcnow() + session_lifetime}
        with _connection(write=True) as connection:
            if not connection.execute(update(table).where(table.c.key == store_id).values(**values)).rowcount:
                connection.execute(insert(table).values(key=store_id, **values))

    def discard(self, keys: list[str]) -> None:
        if keys:
            table = StoredSession.__table__
            with _connection(write=True) as connection:
                connection.execute(delete(table).where(table.c.key.in_(keys)))


@functools.cache
def _redis_session_store() -> type:
    # Redis's client (40 ms to import) only for an instance that keeps its sessions there.
    from flask_session.redis import RedisSessionInterface
    from redis import Redis

    class RedisSessionStore(_Revocable, RedisSessionInterface):
        """Session data in Redis (``DEALERQMS_REDIS_URL``), shared by every web node.

        Redis expires the data by itself; the ``user_session`` table stays in the
        database, so the account page and ending sessions work as with the database store.
        """

        def __init__(self, app: Flask, url: str):
            super().__init__(
                app,
                client=Redis.from_url(url),
                key_prefix="dealerqms:session:",
                permanent=False,
                sid_length=SESSION_ID_BYTES,
            )
            self._init_serializer()

        def discard(self, keys: list[str]) -> None:
            if keys:
                self.client.delete(*(self.key_prefix + key for key in keys))

    return RedisSessionStore


def init_app(app: Flask) -> None:
    url = app.config.get("DEALERQMS_REDIS_URL")
    app.session_interface = _redis_session_store()(app, url) if url else DatabaseSessionStore(app)


def discard(app: Flask, keys: list[str]) -> None:
    """Delete the stored data of ended sessions (their ``user_session`` rows are gone already)."""
    interface = app.session_interface
    if isinstance(interface, _Revocable):
        interface.discard(keys)


def rotate(app: Flask, session) -> None:
    """A new id for the current session: at login, and after a password change."""
    interface = app.session_interface
    if isinstance(interface, _Revocable):
        interface.rotate(session)
