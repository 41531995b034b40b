"""Reading the trail: a record's history, filtered lists."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, and_, cast, false, or_, true

from core.accounts.models import Role, User
from core.database import db
from core.plugin_engine import manager
from core.plugin_engine.types import TrailSites
from core.signatures.models import Signature
from core.trail.models import TrailEvent
from core.trail.recorder import entity_id_of, entity_type_of


def history(entity_type: str, entity_id: str, *, limit: int = 500) -> list[TrailEvent]:
    return list(
        db.session.execute(
            db.select(TrailEvent)
            .where(TrailEvent.entity_type == entity_type, TrailEvent.entity_id == str(entity_id))
            .order_by(TrailEvent.seq)
            .limit(limit)
        ).scalars()
    )


def history_of(record, *, limit: int = 500) -> list[TrailEvent]:
    return history(entity_type_of(record), entity_id_of(record), limit=limit)


def history_of_all(records, *, limit: int = 500) -> list[TrailEvent]:
    """The events of several records in one query, in order (at most ``limit`` per record)."""
    ids_by_type: dict[str, list[str]] = {}
    for record in records:
        ids_by_type.setdefault(entity_type_of(record), []).append(entity_id_of(record))
    if not ids_by_type:
        return []
    return list(
        db.session.execute(
            db.select(TrailEvent)
            .where(
                db.or_(
                    *(
                        db.and_(TrailEvent.entity_type == entity_type, TrailEvent.entity_id.in_(ids))
                        for entity_type, ids in ids_by_type.items()
                    )
                )
            )
            .order_by(TrailEvent.seq)
            .limit(limit * sum(len(ids) for ids in ids_by_type.values()))
        ).scalars()
    )


def events_query(
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    user: User | None = None,
):
    """A select of events, newest first, for paginated lists; those ``user`` may read when given."""
    query = db.select(TrailEvent)
    if user is not None:
        query = query.where(visible_to(user))
    if entity_type:
        query = query.where(TrailEvent.entity_type == entity_type)
    if entity_id:
        query = query.where(TrailEvent.entity_id == str(entity_id))
    if actor:
        query = query.where(TrailEvent.actor == actor)
    return query.order_by(TrailEvent.seq.desc())


def history_with_parts(record, part_type: str, *, limit: int = 500) -> list[TrailEvent]:
    """The events of ``record`` and of its parts, in order.

    A part is a row of its own whose id starts with the record's id and a
    slash: a user's roles (entity ``user_role``, id ``<user id>/<role>``), so
    that granting or taking a role, which shows up only there, is in the
    user's history.
    """
    parts = db.session.execute(
        db.select(TrailEvent)
        .where(TrailEvent.entity_type == part_type, TrailEvent.entity_id.startswith(f"{entity_id_of(record)}/"))
        .order_by(TrailEvent.seq)
        .limit(limit)
    ).scalars()
    return sorted([*history_of(record, limit=limit), *parts], key=lambda event: event.seq)[-limit:]


def _at_sites(sites) -> ColumnElement[bool]:
    """SQL: the events kept with one of ``sites`` (None in it: of no site; ``sites`` None: any)."""
    if sites is None:
        return true()
    ids = [site for site in sites if site is not None]
    at = [TrailEvent.site_id.in_(ids)] if ids else []
    if None in sites:
        at.append(TrailEvent.site_id.is_(None))
    return or_(false(), *at)


def _readable(rule) -> ColumnElement[bool]:
    """SQL: the events of one type one ``trail_scope`` rule lets read."""
    if isinstance(rule, TrailSites):
        kept = _at_sites(rule.sites)
        if rule.within is not None:
            kept = and_(kept, TrailEvent.entity_id.in_(rule.within))
        return or_(kept, TrailEvent.entity_id.in_(rule.plus)) if rule.plus is not None else kept
    return TrailEvent.entity_id.in_(rule)


def _signatures_on(entity_type: str, rules: list) -> ColumnElement[bool]:
    """SQL: the events of the signatures on records of ``entity_type`` one may read: a
    signature's event tells who signed what, so it is as readable as what was signed. A
    signature's event keeps the site of what was signed, so a rule by site reads it as is."""
    signed = db.select(cast(Signature.id, String)).where(Signature.entity_type == entity_type)
    parts = []
    for rule in rules:
        if isinstance(rule, TrailSites):
            kept = _at_sites(rule.sites)
            if rule.within is not None:
                kept = and_(kept, TrailEvent.entity_id.in_(signed.where(Signature.entity_id.in_(rule.within))))
            if rule.plus is not None:
                kept = or_(kept, TrailEvent.entity_id.in_(signed.where(Signature.entity_id.in_(rule.plus))))
            parts.append(kept)
        else:
            parts.append(TrailEvent.entity_id.in_(signed.where(Signature.entity_id.in_(rule))))
    if any(isinstance(rule, TrailSites) for rule in rules):
        # Only the signatures on this type: the site alone would let through those on others.
        parts.append(TrailEvent.entity_id.in_(signed))
    return and_(*parts)


def visible_to(user: User) -> ColumnElement[bool]:
    """SQL: the trail events ``user`` may read.

    An administrator reads every event. For everyone else, the events of the
    entity types a plugin scopes (``trail_scope`` hook: procedures, revisions …)
    are those of the records the plugin says the user may read: an id-select, or
    a :class:`TrailSites` rule tested on the event's own site. A quality
    officer or an auditor also reads the events of the types nobody scopes
    (accounts, sites …); a department head does not: only their records.
    """
    if Role.ADMIN in user.roles:
        return true()
    scopes = manager.trail_scope(user)
    scoped = [
        and_(TrailEvent.entity_type == entity_type, *(_readable(rule) for rule in rules))
        for entity_type, rules in scopes.items()
    ]
    if scopes:
        signatures = [_signatures_on(entity_type, rules) for entity_type, rules in scopes.items()]
        scoped.append(and_(TrailEvent.entity_type == "signature", or_(*signatures)))
    if user.has_role(Role.QUALITY_OFFICER, Role.AUDITOR):
        unscoped = [*scopes, "signature"] if scopes else []
        scoped.append(TrailEvent.entity_type.not_in(unscoped) if scopes else true())
    return or_(false(), *scoped)
