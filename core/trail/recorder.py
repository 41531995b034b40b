"""Turns every flush into trail events, so no service has to remember to.

The mapper events note each row the unit of work inserts, updates or deletes
(orphans and cascaded deletes included, which ``session.deleted`` does not
show); ``after_flush`` then turns them into events, when primary keys of new
rows are known and the attribute history of each change is still there. The
events go out on the flush's own connection, inside the same transaction as
the change they record, so a rollback takes both away.
"""

from __future__ import annotations

import re

from sqlalchemy import String, cast, event, inspect, select, update
from sqlalchemy.orm import Mapper, RelationshipProperty, Session, object_session
from sqlalchemy.orm.state import InstanceState

from core.database import Model
from core.trail.chain import PendingEvent, append, hold_lock, plain
from core.trail.context import current_actor, current_reason
from core.trail.models import TrailEvent

_REDACTED = "***"
# session.info key: InstanceState → "create" / "update", in flush order.
_WRITTEN = "dealerqms_trail_written"
# session.info key: delete events, made while the deleted row's values are at hand.
_DELETED = "dealerqms_trail_deleted"
_ORDER = {"create": 0, "update": 1, "transition": 1, "delete": 2}
# session.info key: the (root) transaction that holds the chain's lock already.
_LOCKED = "dealerqms_trail_locked"


def entity_type_of(obj) -> str:
    return class_entity_type(type(obj))


def class_entity_type(cls) -> str:
    name = getattr(cls, "__trail_entity__", None)
    if name:
        return name
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def entity_id_of(obj) -> str:
    return _entity_id(inspect(obj))


def _entity_id(state: InstanceState) -> str:
    identity = state.identity or state.mapper.primary_key_from_instance(state.obj())
    return "/".join(str(part) for part in identity)


def column_keys(mapper: Mapper):
    version_col = mapper.version_id_col
    for attr in mapper.column_attrs:
        if version_col is not None and version_col in attr.columns:
            continue
        yield attr.key


def shown_value(cls, key, value):
    return _REDACTED if key in cls.__trail_secret__ and value is not None else plain(value)


def _created(state: InstanceState) -> dict:
    cls = state.class_
    return {
        key: [None, shown_value(cls, key, state.dict.get(key))]
        for key in column_keys(state.mapper)
        if key not in cls.__trail_ignore__
    }


def _updated(state: InstanceState) -> dict:
    cls = state.class_
    ignored = cls.__trail_ignore__
    changes = {}
    for key in column_keys(state.mapper):
        if key in ignored:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if plain(old) == plain(new):
            continue
        changes[key] = [shown_value(cls, key, old), shown_value(cls, key, new)]
    return changes


def _deleted(state: InstanceState) -> dict:
    cls = state.class_
    return {key: [shown_value(cls, key, state.dict.get(key)), None] for key in column_keys(state.mapper)}


def _trailed(cls) -> bool:
    return getattr(cls, "__trailed__", False)


# The site of a record (``Model.__trail_site__``) ------------------------------------------


def _site_link(mapper: Mapper):
    """How records of ``mapper`` say their site: ("column", key), ("parent", relationship),
    ("reference", (type key, id key)), or None."""
    declared = getattr(mapper.class_, "__trail_site__", None)
    if isinstance(declared, tuple):
        return "reference", declared
    if not declared:
        return None
    if declared in mapper.relationships:
        return "parent", mapper.relationships[declared]
    if declared in mapper.column_attrs:
        return "column", declared
    if declared != "site_id":
        raise TypeError(f"{mapper.class_.__name__}.__trail_site__ names {declared!r}, neither a column nor a relation")
    return None


def _loaded(state: InstanceState, key: str):
    """The value of ``key``, loading it if it expired (not for a deleted row: it has none)."""
    if key in state.dict or state.deleted or state.was_deleted:
        return state.dict.get(key)
    return getattr(state.obj(), key)


def _site_of(state: InstanceState, session: Session, depth: int = 0) -> int | None:
    link = _site_link(state.mapper)
    if link is None or depth > 8:
        return None
    kind, how = link
    if kind == "column":
        return _loaded(state, how)
    if kind == "reference":
        entity_type, entity_id = (_loaded(state, key) for key in how)
        if entity_type is None or entity_id is None:
            return None
        return (
            session.connection()
            .execute(
                select(TrailEvent.site_id)
                .where(TrailEvent.entity_type == entity_type, TrailEvent.entity_id == str(entity_id))
                .order_by(TrailEvent.seq.desc())
                .limit(1)
            )
            .scalar()
        )
    parent = state.dict.get(how.key)
    if parent is None:
        key = [_loaded(state, column.key) for column in how.local_columns]
        if any(part is None for part in key):
            return None
        # No autoflush: this runs inside the flush.
        with session.no_autoflush:
            parent = session.get(how.mapper.class_, key[0] if len(key) == 1 else tuple(key))
    return None if parent is None else _site_of(inspect(parent), session, depth + 1)


def _moved(state: InstanceState, changes: dict) -> bool:
    """Whether an update changes the record's site (or the record its site is through)."""
    link = _site_link(state.mapper)
    if link is None or link[0] == "reference":
        return False
    kind, how = link
    keys = {how} if kind == "column" else {column.key for column in how.local_columns}
    return bool(keys & changes.keys())


def _ids_of(mapper: Mapper):
    """SQL: a row's id as the trail writes it (its key's parts joined with "/")."""
    parts = [cast(column, String) for column in mapper.primary_key]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + "/" + part
    return joined


def _children(mapper: Mapper) -> list[tuple[Mapper, RelationshipProperty]]:
    """The trailed classes whose site is through a relationship to ``mapper``'s records."""
    found = []
    for other in Model.registry.mappers:
        if not _trailed(other.class_):
            continue
        link = _site_link(other)
        if link and link[0] == "parent" and link[1].mapper.class_ is mapper.class_:
            found.append((other, link[1]))
    return found


def _restamp(session: Session, mapper: Mapper, ids, site_id: int | None, depth: int = 0) -> None:
    """Give the events of the records ``ids`` selects (and of their parts) the site they moved to.

    Who may read an event follows the record's site now, as it does for the record itself:
    the readers of the new site read its whole history, those of the old one no longer.
    """
    entity_type = class_entity_type(mapper.class_)
    connection = session.connection()
    connection.execute(
        update(TrailEvent)
        .where(TrailEvent.entity_type == entity_type, TrailEvent.entity_id.in_(ids))
        .values(site_id=site_id)
        .execution_options(synchronize_session=False)
    )
    if depth > 8:
        return
    for child, relationship in _children(mapper):
        (local,) = relationship.local_columns
        (remote,) = [pair[1] for pair in relationship.local_remote_pairs if pair[0] is local] or [None]
        parent_ids = ids
        if remote is None:
            continue
        child_ids = select(_ids_of(child)).where(local.in_(select(remote).where(_ids_of(mapper).in_(parent_ids))))
        _restamp(session, child, child_ids, site_id, depth + 1)


# Noting what the unit of work writes --------------------------------------------


def _note_written(action: str):
    def listener(_mapper, _connection, target) -> None:
        if not _trailed(type(target)):
            return
        session = object_session(target)
        if session is not None:
            # A row inserted and then touched again in the same flush (a
            # post_update) stays one "create" event with its final values.
            session.info.setdefault(_WRITTEN, {}).setdefault(inspect(target), action)

    return listener


def _note_deleted(_mapper, _connection, target) -> None:
    if not _trailed(type(target)):
        return
    session = object_session(target)
    if session is None:
        return
    state = inspect(target)
    session.info.setdefault(_DELETED, []).append(
        PendingEvent(
            "delete",
            class_entity_type(state.class_),
            _entity_id(state),
            _deleted(state),
            current_actor(),
            current_reason(),
            _site_of(state, session),
        )
    )


def _writes_trailed_rows(session: Session) -> bool:
    return (
        any(_trailed(type(obj)) for obj in session.new)
        or any(_trailed(type(obj)) for obj in session.deleted)
        or any(_trailed(type(obj)) and session.is_modified(obj) for obj in session.dirty)
    )


def _before_flush(session: Session, _flush_context, _instances) -> None:
    _forget(session)
    # The chain's lock before the flush's own statements: they lock the rows they update, and a
    # transaction holding a row while it waits for the chain's lock deadlocks with a holder of
    # that lock about to update the same row (found under load on PostgreSQL).
    transaction = session.get_transaction()
    if session.info.get(_LOCKED) is not transaction and _writes_trailed_rows(session):
        hold_lock(session.connection())
        session.info[_LOCKED] = transaction
    # A deleted row's last values go into its event: load any that are expired
    # now, while the row still exists.
    for obj in session.deleted:
        if _trailed(type(obj)):
            state = inspect(obj)
            unloaded = state.unloaded.intersection(column_keys(state.mapper))
            for key in unloaded:
                getattr(obj, key)


def collect(session: Session, moves: list | None = None) -> list[PendingEvent]:
    """The events of the flush that just ran (and forgets them); the records that moved to
    another site go into ``moves`` (their mapper, id and new site)."""
    written = session.info.pop(_WRITTEN, {})
    pending = session.info.pop(_DELETED, [])
    actor, why = current_actor(), current_reason()
    for state, action in written.items():
        if state.obj() is None:
            continue
        if action == "create":
            changes = _created(state)
        else:
            changes = _updated(state)
            if not changes:
                continue
            if "state" in changes:
                action = "transition"
        site_id = _site_of(state, session)
        if action != "create" and moves is not None and _moved(state, changes):
            moves.append((state.mapper, _entity_id(state), site_id))
        pending.append(
            PendingEvent(action, class_entity_type(state.class_), _entity_id(state), changes, actor, why, site_id)
        )
    # A stable order inside one flush keeps the chain reproducible for the same work.
    pending.sort(key=lambda e: (_ORDER[e.action], e.entity_type, e.entity_id))
    return pending


def _after_flush(session: Session, _flush_context) -> None:
    moves: list = []
    events = collect(session, moves)
    for mapper, entity_id, site_id in moves:
        _restamp(session, mapper, [entity_id], site_id)
    if events:
        append(session.connection(), events)


def _forget(session: Session, *_args) -> None:
    session.info.pop(_WRITTEN, None)
    session.info.pop(_DELETED, None)


def _record_old_values(_target, _value, _oldvalue, _initiator):
    """Listener that exists for its ``active_history``: see :func:`_watch_old_values`."""


_watched: set[Mapper] = set()


def _watch_old_values() -> None:
    """Make setting a column load its old value first.

    Without this, assigning to an attribute that was expired (every attribute
    after a commit) keeps no old value, and the event would show ``None``
    where the record had a value. Runs for each mapper once it is configured.
    """
    for mapper in list(Model.registry.mappers):
        if mapper in _watched or not mapper.configured or not _trailed(mapper.class_):
            continue
        _watched.add(mapper)
        for key in column_keys(mapper):
            event.listen(getattr(mapper.class_, key), "set", _record_old_values, active_history=True)


class UntrailedWrite(RuntimeError):
    """A write that would change trailed rows without recording events."""


def _refuse_bulk_writes(execute_state) -> None:
    """ORM bulk INSERT/UPDATE/DELETE statements skip the unit of work, and so
    the trail: refuse them for trailed tables rather than lose the events."""
    if not (execute_state.is_insert or execute_state.is_update or execute_state.is_delete):
        return
    table = getattr(execute_state.statement, "table", None)
    if table is None:
        return
    # The statement's table may be an annotated copy: compare by name.
    for mapper in Model.registry.mappers:
        if _trailed(mapper.class_) and getattr(mapper.local_table, "name", None) == table.name:
            verb = "INSERT" if execute_state.is_insert else "UPDATE" if execute_state.is_update else "DELETE"
            raise UntrailedWrite(
                f"A bulk {verb} on {table.name} would bypass the audit trail; load the records and "
                "change them through the session instead."
            )


_LISTENERS = (
    (Model, "after_insert", _note_written("create"), {"propagate": True}),
    (Model, "after_update", _note_written("update"), {"propagate": True}),
    (Model, "after_delete", _note_deleted, {"propagate": True}),
    (Session, "before_flush", _before_flush, {}),
    (Session, "after_flush", _after_flush, {}),
    (Session, "after_soft_rollback", _forget, {}),
    (Session, "do_orm_execute", _refuse_bulk_writes, {}),
    (Mapper, "after_configured", _watch_old_values, {}),
)


def install() -> None:
    for target, name, listener, options in _LISTENERS:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener, **options)
    _watch_old_values()
