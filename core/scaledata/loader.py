"""Bulk inserts that still leave an intact audit trail.

The ORM's unit of work records one trail event per row it writes, which is
right for business actions and far too slow for a million synthetic rows.
:class:`BulkLoader` writes rows with Core ``executemany`` in batches, gives
them ids itself (so nothing has to be read back), and builds the trail event
of every row as it goes: the same event shape as
:mod:`core.trail.recorder` makes and the same canonical encoding and hash as
:mod:`core.trail.chain`, chained in one pass from the head it read (and
locked) when it started. The whole load is one transaction: a failure leaves
nothing behind.
"""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.engine import Connection

from core.clock import utcnow
from core.database import iso_utc
from core.scaledata.sizes import Sizes
from core.trail.chain import canonical_json, event_hash, lock_and_read_head
from core.trail.models import TrailEvent
from core.trail.recorder import class_entity_type, column_keys, shown_value
from core.trail.sites import stamp_sites

ACTOR = "demo-data"
SQLITE_CACHE_KIB = 1024 * 1024


@dataclass(frozen=True)
class SiteRow:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class UserRow:
    id: int
    login: str
    display_name: str
    roles: tuple[str, ...]
    department: str
    site_id: int


def _constant(value):
    return value


class _Shape:
    """What the loader needs to know about one mapped class, worked out once."""

    def __init__(self, model):
        mapper = inspect(model)
        self.model = model
        self.table = mapper.local_table
        self.trailed = getattr(model, "__trailed__", False)
        self.entity_type = class_entity_type(model)
        # attribute key → column key (they may differ)
        self.columns = {prop.key: prop.columns[0].key for prop in mapper.column_attrs}
        self.trail_keys = list(column_keys(mapper))
        self.pk = [mapper.get_property_by_column(column).key for column in mapper.primary_key]
        single = mapper.primary_key[0] if len(mapper.primary_key) == 1 else None
        self.auto_id = (
            self.pk[0]
            if single is not None and single.autoincrement in (True, "auto") and single.type.python_type is int
            else None
        )
        self.nullable = [
            key
            for key, column_key in self.columns.items()
            if self.table.c[column_key].default is None and key != self.auto_id
        ]
        self.defaults: dict[str, Callable[[], object]] = {}
        for key, column_key in self.columns.items():
            default = self.table.c[column_key].default
            if default is None or key == self.auto_id:
                continue
            if default.is_scalar:
                self.defaults[key] = functools.partial(_constant, default.arg)
            elif default.is_callable:
                self.defaults[key] = functools.partial(default.arg, None)


@dataclass
class BulkLoader:
    """Inserts rows of mapped classes and records their trail events.

    Create it on the connection of the transaction that will commit the
    load, after any ORM writes of that transaction were flushed; make no
    ORM writes while it is in use (the chain head it holds would fork, which
    the trail's unique ``prev_hash`` refuses). Call :meth:`finish` before
    committing.

    Area plugins get one in ``generate_demo_data``: ``sizes`` says how much
    to make, ``random`` is seeded (the same seed makes the same data),
    ``now`` is the generation time, ``sites`` and ``users`` are what the core
    made.
    """

    connection: Connection
    sizes: Sizes
    seed: int = 0
    batch_size: int = 5000
    reason: str | None = None
    now: datetime = field(default_factory=utcnow)
    counts: Counter = field(default_factory=Counter)
    events: int = 0
    sites: list[SiteRow] = field(default_factory=list)
    users: list[UserRow] = field(default_factory=list)
    departments: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.random = random.Random(self.seed)
        self._shapes: dict[type, _Shape] = {}
        self._next_id: dict[str, int] = {}
        self._at_text = iso_utc(self.now)
        self._pending: list[dict] = []
        self._seq, self._prev = lock_and_read_head(self.connection)
        self._first_seq = self._seq + 1
        self._cache_size = None
        if self.connection.dialect.name == "sqlite":
            # The unique indexes on random hashes (the trail's prev_hash, the
            # signatures' content) take each insert to a random page: with
            # SQLite's default 2 MiB page cache a large load spends most of its
            # time writing and re-reading spilled pages.
            self._cache_size = self.connection.exec_driver_sql("PRAGMA cache_size").scalar()
            self.connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")

    # -------------------------------------------------------------- who is there

    def users_with(self, role: str) -> list[UserRow]:
        return [user for user in self.users if role in user.roles]

    def heads(self, site_id: int | None = None) -> dict[str, UserRow]:
        """Department code → its head at ``site_id``, or its first head anywhere (group-wide work)."""
        cache = self.__dict__.setdefault("_heads_by_site", {})
        if site_id not in cache:
            found: dict[str, UserRow] = {}
            for user in self.users:
                if "department_head" in user.roles and (site_id is None or user.site_id == site_id):
                    found.setdefault(user.department, user)
            cache[site_id] = found
        return cache[site_id]

    # -------------------------------------------------------------- writing

    def _shape(self, model) -> _Shape:
        shape = self._shapes.get(model)
        if shape is None:
            shape = self._shapes[model] = _Shape(model)
        return shape

    def next_ids(self, model, count: int) -> range:
        """Reserve ``count`` ids of ``model``'s table (for rows that refer to each other)."""
        shape = self._shape(model)
        name = shape.table.name
        if name not in self._next_id:
            column = shape.table.c[shape.columns[shape.auto_id]]
            self._next_id[name] = (self.connection.execute(select(func.max(column))).scalar() or 0) + 1
        start = self._next_id[name]
        self._next_id[name] = start + count
        return range(start, start + count)

    def insert(self, model, rows: list[dict], *, created: Callable[[dict], dict] | None = None) -> list:
        """Insert ``rows`` (attribute → value) and record a ``create`` event for each.

        Rows without an id get the next free ones; columns left out take the
        model's defaults. ``created(row)`` may give the values the record had
        when it was created, when the row is inserted in a later state whose
        history follows in :meth:`event` calls (``state: open`` for an NC
        inserted closed). Returns the ids (primary keys) in order.
        """
        if not rows:
            return []
        shape = self._shape(model)
        if shape.auto_id is not None:
            missing = [row for row in rows if row.get(shape.auto_id) is None]
            for row, new_id in zip(missing, self.next_ids(model, len(missing)), strict=True):
                row[shape.auto_id] = new_id
        columns = shape.columns
        batch = []
        for row in rows:
            for key, default in shape.defaults.items():
                if key not in row:
                    row[key] = default()
            # executemany needs every row to name the same columns.
            for key in shape.nullable:
                if key not in row:
                    row[key] = None
            batch.append({columns[key]: value for key, value in row.items()})
            if len(batch) >= self.batch_size:
                self.connection.execute(insert(shape.table), batch)
                batch = []
        if batch:
            self.connection.execute(insert(shape.table), batch)
        self.counts[shape.table.name] += len(rows)
        ids = [row[shape.pk[0]] if len(shape.pk) == 1 else tuple(row[k] for k in shape.pk) for row in rows]
        if shape.trailed:
            model_cls = shape.model
            for row in rows:
                values = {**row, **created(row)} if created else row
                changes = {key: [None, shown_value(model_cls, key, values.get(key))] for key in shape.trail_keys}
                self._record("create", shape.entity_type, "/".join(str(row[k]) for k in shape.pk), changes)
        return ids

    def event(
        self, model, entity_id, changes: dict[str, tuple], *, action: str | None = None, reason: str | None = None
    ) -> None:
        """Record a later change of an inserted row: ``{attribute: (old, new)}``.

        The action is ``transition`` when the state changes, ``update``
        otherwise, as the recorder names them.
        """
        shape = self._shape(model)
        action = action or ("transition" if "state" in changes else "update")
        shown = {
            key: [shown_value(model, key, old), shown_value(model, key, new)] for key, (old, new) in changes.items()
        }
        entity = "/".join(str(part) for part in entity_id) if isinstance(entity_id, tuple) else str(entity_id)
        self._record(action, shape.entity_type, entity, shown, reason)

    def _record(self, action: str, entity_type: str, entity_id: str, changes: dict, reason=None) -> None:
        self._seq += 1
        reason = reason or self.reason
        encoded = canonical_json(changes)
        digest = event_hash(
            self._seq, self._at_text, ACTOR, action, entity_type, entity_id, encoded, reason, self._prev
        )
        self._pending.append(
            {
                "seq": self._seq,
                "at": self.now,
                "actor": ACTOR,
                "action": action,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "changes": encoded,
                "reason": reason,
                "prev_hash": self._prev,
                "hash": digest,
            }
        )
        self._prev = digest
        self.events += 1
        if len(self._pending) >= self.batch_size:
            self._write_events()

    def _write_events(self) -> None:
        if self._pending:
            self.connection.execute(insert(TrailEvent.__table__), self._pending)
            self._pending = []

    def finish(self) -> None:
        """Write the last events, give them their records' sites and move PostgreSQL's id
        sequences past the ids given."""
        self._write_events()
        stamp_sites(self.connection)
        if self._cache_size is not None:
            self.connection.exec_driver_sql(f"PRAGMA cache_size = {int(self._cache_size)}")
        if self.connection.dialect.name != "postgresql":
            return
        for shape in self._shapes.values():
            if shape.auto_id is None or shape.table.name not in self._next_id:
                continue
            self.connection.execute(
                text("SELECT setval(pg_get_serial_sequence(:table, :column), :value)"),
                {
                    "table": f'"{shape.table.name}"',
                    "column": shape.columns[shape.auto_id],
                    "value": self._next_id[shape.table.name] - 1,
                },
            )

    def analyze(self) -> None:
        """Refresh the query planner's statistics after the bulk load (both databases accept it in a transaction)."""
        self._write_events()
        self.connection.execute(text("ANALYZE"))

    def spread(self, items: Iterable, count: int) -> list:
        """``count`` picks from ``items``, evenly (every item as often as the others, ±1), shuffled."""
        items = list(items)
        picked = [items[i % len(items)] for i in range(count)]
        self.random.shuffle(picked)
        return picked
