"""Canonical encoding, hashing, appending and verifying the event chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import String, insert, select, text, type_coerce
from sqlalchemy.engine import Connection

from core.clock import utcnow
from core.database import iso_utc
from core.trail.models import TrailEvent

GENESIS = "0" * 64
# Any fixed 64-bit number: the key of the PostgreSQL advisory lock that
# serialises appends across processes.
PG_TRAIL_LOCK = 0x6451_4D53_7472_6C00 >> 1


def plain(value):
    """A JSON-safe, stable representation of a column value."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


# One encoder made once: json.dumps with options builds a new one per call,
# which is a noticeable share of verifying a million events.
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_json(value) -> str:
    return _encode(value)


def event_hash(seq, at: str, actor, action, entity_type, entity_id, changes: str, reason, prev_hash) -> str:
    encoded = _encode([seq, at, actor, action, entity_type, entity_id, changes, reason, prev_hash])
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _stored_time_text(value) -> str:
    """``iso_utc`` of a stored ``at``, read without the ORM type's conversion.

    SQLite hands back the text SQLAlchemy stored (always
    ``YYYY-MM-DD HH:MM:SS.ffffff``, naive UTC); PostgreSQL a naive UTC
    datetime. Re-shaping that text is much cheaper than parsing it.
    """
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            return f"{value[:10]}T{value[11:]}Z"
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        return iso_utc(value)
    return value.isoformat(timespec="microseconds") + "Z"


@dataclass(frozen=True)
class PendingEvent:
    action: str
    entity_type: str
    entity_id: str
    changes: dict
    actor: str
    reason: str | None
    # Not part of the hash: the site of the record, which says who may read the event.
    site_id: int | None = None


def hold_lock(connection: Connection) -> None:
    """Take the chain's lock now, until the transaction ends, as its first append would (PostgreSQL).

    Every transaction that writes a trailed record holds this lock from its first flush to its
    commit. One that needs another lock too (a metric's computation, the next reference number)
    must take this one first: holding the other and then waiting for this one, it waits for a
    holder of this one that may be waiting for the other (a deadlock, found under load). Taking
    it again in the same transaction costs one round trip.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_TRAIL_LOCK})


def lock_and_read_head(connection: Connection) -> tuple[int, str]:
    hold_lock(connection)
    # On SQLite the transaction began IMMEDIATE, so it already holds the write lock.
    row = connection.execute(select(TrailEvent.seq, TrailEvent.hash).order_by(TrailEvent.seq.desc()).limit(1)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def append(connection: Connection, events: list[PendingEvent]) -> None:
    if not events:
        return
    seq, prev = lock_and_read_head(connection)
    rows = []
    at = utcnow()
    for event in events:
        seq += 1
        changes = canonical_json(event.changes)
        at_text = iso_utc(at)
        digest = event_hash(
            seq, at_text, event.actor, event.action, event.entity_type, event.entity_id, changes, event.reason, prev
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": event.actor,
                "action": event.action,
                "entity_type": event.entity_type,
                "entity_id": event.entity_id,
                "changes": changes,
                "reason": event.reason,
                "prev_hash": prev,
                "hash": digest,
                "site_id": event.site_id,
            }
        )
        prev = digest
    connection.execute(insert(TrailEvent), rows)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict:
        return {"ok": self.ok, "events": self.events, "first_bad_seq": self.first_bad_seq, "problem": self.problem}


def verify(connection: Connection, batch_size: int = 5000) -> VerifyResult:
    """Walk the whole chain in sequence order.

    Catches an edited row (its hash no longer matches), a deleted or inserted
    row (a gap in ``seq`` or a ``prev_hash`` that is not the previous hash)
    and a reordering (``prev_hash`` mismatch). A chain whose newest events
    were cut off, or rewritten from some event on with freshly computed
    hashes, is a shorter or different chain that verifies: compare the count
    and the head hash with a copy kept elsewhere (a backup, an evidence pack).
    """
    columns = (
        TrailEvent.seq,
        type_coerce(TrailEvent.at, String),
        TrailEvent.actor,
        TrailEvent.action,
        TrailEvent.entity_type,
        TrailEvent.entity_id,
        TrailEvent.changes,
        TrailEvent.reason,
        TrailEvent.prev_hash,
        TrailEvent.hash,
    )
    # Options on the statement, not the connection: Connection.execution_options
    # changes the caller's connection for good (a server-side cursor on
    # PostgreSQL would then break the caller's next UPDATE).
    result = connection.execute(select(*columns).order_by(TrailEvent.seq).execution_options(yield_per=batch_size))
    sha256, encode, time_text = hashlib.sha256, _encode, _stored_time_text
    expected_seq, prev, count = 1, GENESIS, 0
    try:
        for seq, at, actor, action, entity_type, entity_id, changes, reason_text, prev_hash, digest in result:
            if seq != expected_seq:
                kind = "missing" if seq > expected_seq else "out of order"
                return VerifyResult(
                    False,
                    count,
                    expected_seq if seq > expected_seq else seq,
                    f"event {expected_seq} is {kind} (next found is {seq})",
                )
            if prev_hash != prev:
                return VerifyResult(
                    False, count, seq, f"event {seq} does not follow event {seq - 1} (prev_hash mismatch)"
                )
            encoded = encode(
                [seq, time_text(at), actor, action, entity_type, entity_id, changes, reason_text, prev_hash]
            )
            if sha256(encoded.encode("utf-8")).hexdigest() != digest:
                return VerifyResult(False, count, seq, f"event {seq} was altered (hash mismatch)")
            prev = digest
            expected_seq += 1
            count += 1
    finally:
        result.close()
    return VerifyResult(True, count)
