"""Turns every flush into trail events, so no service has to remember to.

Runs in ``after_flush``: primary keys of new rows are known by then, while
the session still shows what was new, dirty and deleted and the attribute
history of each change. The events go out on the flush's own connection,
inside the same transaction as the change they record.
"""

from __future__ import annotations

import re

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from core.trail.chain import PendingEvent, append, plain
from core.trail.context import current_actor, current_reason

_REDACTED = "***"


def entity_type_of(obj) -> str:
    name = getattr(type(obj), "__trail_entity__", None)
    if name:
        return name
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(obj).__name__).lower()


def entity_id_of(obj) -> str:
    identity = inspect(obj).identity or inspect(obj).mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in identity)


def _column_attrs(obj):
    mapper = inspect(obj).mapper
    version_col = mapper.version_id_col
    for attr in mapper.column_attrs:
        if version_col is not None and version_col in attr.columns:
            continue
        yield attr.key


def _shown(obj, key, value):
    return _REDACTED if key in type(obj).__trail_secret__ and value is not None else plain(value)


def _created(obj) -> dict:
    state = inspect(obj)
    return {key: [None, _shown(obj, key, state.dict.get(key))] for key in _column_attrs(obj)}


def _updated(obj) -> dict:
    state = inspect(obj)
    ignored = type(obj).__trail_ignore__
    changes = {}
    for key in _column_attrs(obj):
        if key in ignored:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if plain(old) == plain(new):
            continue
        changes[key] = [_shown(obj, key, old), _shown(obj, key, new)]
    return changes


def _deleted(obj) -> dict:
    state = inspect(obj)
    return {key: [_shown(obj, key, state.dict.get(key)), None] for key in _column_attrs(obj)}


def _trailed(obj) -> bool:
    return getattr(type(obj), "__trailed__", False)


def collect(session: Session) -> list[PendingEvent]:
    actor, why = current_actor(), current_reason()
    pending = []
    for obj in session.new:
        if _trailed(obj):
            pending.append(PendingEvent("create", entity_type_of(obj), entity_id_of(obj), _created(obj), actor, why))
    for obj in session.dirty:
        if _trailed(obj) and session.is_modified(obj, include_collections=False):
            changes = _updated(obj)
            if changes:
                action = "transition" if "state" in changes else "update"
                pending.append(PendingEvent(action, entity_type_of(obj), entity_id_of(obj), changes, actor, why))
    for obj in session.deleted:
        if _trailed(obj):
            pending.append(PendingEvent("delete", entity_type_of(obj), entity_id_of(obj), _deleted(obj), actor, why))
    # A stable order inside one flush keeps the chain reproducible for the same work.
    pending.sort(key=lambda e: ({"create": 0, "update": 1, "transition": 1, "delete": 2}[e.action], e.entity_type, e.entity_id))
    return pending


def _after_flush(session: Session, _flush_context) -> None:
    events = collect(session)
    if events:
        append(session.connection(), events)


def install() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
