"""Reading the trail: a record's history, filtered lists."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, String, and_, case, cast, false, literal, or_, true, union_all

from core.accounts.models import Role, User
from core.database import Model, db
from core.plugin_engine import manager
from core.plugin_engine.types import TrailSites
from core.signatures.models import Signature
from core.trail.models import TrailEvent
from core.trail.recorder import class_entity_type, entity_id_of, entity_type_of


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
    before: int | None = None,
    after: int | None = None,
    limit: int | None = None,
):
    """A select of events, newest first (oldest first from ``after``), for pages keyed on
    ``seq``; those ``user`` may read when given.

    A reader's events are the union of a few branches — one per type, site or rule, each
    served by an index in ``seq`` order (see :func:`_branches`) — each cut to ``limit`` before
    the union: a page reads about ``limit`` events per branch however long the trail is,
    where one OR of every rule made the database walk the trail backwards (or gather every
    readable event and sort them) until a page was found.
    """
    filters = []
    if entity_type:
        filters.append(TrailEvent.entity_type == entity_type)
    if entity_id:
        filters.append(TrailEvent.entity_id == str(entity_id))
    if actor:
        filters.append(TrailEvent.actor == actor)
    if after is not None:
        filters.append(TrailEvent.seq > after)
    elif before is not None:
        filters.append(TrailEvent.seq < before)
    order = TrailEvent.seq if after is not None else TrailEvent.seq.desc()
    branches = None if user is None else _branches(user, entity_type)
    query = db.select(TrailEvent).where(*filters)
    if branches is not None:
        if not branches:
            query = query.where(false())
        elif limit is None:
            query = query.where(or_(*(_condition(branch) for branch in branches)))
        else:
            # Each branch its own subquery: a compound SELECT takes no ORDER BY/LIMIT per member.
            cut = [_newest(branch, filters, after is not None, limit) for branch in branches]
            newest = union_all(*(db.select(part.c.seq) for part in cut))
            query = db.select(TrailEvent).where(TrailEvent.seq.in_(newest))
    query = query.order_by(order)
    return query if limit is None else query.limit(limit)


def _condition(branch):
    return branch.condition if isinstance(branch, _Few) else branch


def _newest(branch, filters: list, ascending: bool, limit: int):
    """The seqs of the first ``limit`` events of one branch, in page order."""
    seq = TrailEvent.seq
    if isinstance(branch, _Few):
        # An expression, not the column: no index gives its order, so the database finds the
        # few events by id and sorts them, instead of walking every event of the type.
        seq = TrailEvent.seq + 0
    order = seq if ascending else seq.desc()
    return db.select(TrailEvent.seq).where(_condition(branch), *filters).order_by(order).limit(limit).subquery()


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


def _signature_row():
    """SQL: the signature a "signature" event is of, found by its primary key (the event's id
    read as a number only for signature events: other types' ids need not be numbers)."""
    as_number = case((TrailEvent.entity_type == "signature", cast(TrailEvent.entity_id, Integer)))
    return db.select(Signature.id).where(Signature.id == as_number)


class _Few:
    """A branch of few events found by their ids (one's own records, signatures found by id):
    read through the (entity_type, entity_id) index and sorted, not walked in ``seq`` order."""

    def __init__(self, condition):
        self.condition = condition


def trailed_types() -> set[str]:
    """Every entity type the installed code records or names."""
    types = {
        class_entity_type(mapper.class_)
        for mapper in Model.registry.mappers
        if getattr(mapper.class_, "__trailed__", False)
    }
    return types | set(manager.registry().trail_entities)


def _rule_branches(rules: list) -> list[ColumnElement[bool]]:
    """The conditions, each served by an index in ``seq`` order, whose union is what ``rules``
    (of one type) let read."""
    if len(rules) != 1 or not isinstance(rules[0], TrailSites):
        return [and_(*(_readable(rule) for rule in rules))]
    (rule,) = rules
    within = [] if rule.within is None else [TrailEvent.entity_id.in_(rule.within)]
    if rule.sites is None:
        branches = [and_(true(), *within)]
    else:
        branches = [
            and_(TrailEvent.site_id.is_(None) if site is None else TrailEvent.site_id == site, *within)
            for site in dict.fromkeys(rule.sites)
        ]
    if rule.plus is not None:
        branches.append(_Few(TrailEvent.entity_id.in_(rule.plus)))
    return branches


def _signature_branches(entity_type: str, rules: list) -> list:
    """The branches of the signature events on ``entity_type`` one may read (a rule by site)."""
    (rule,) = rules
    on_type = Signature.entity_type == entity_type
    signed_here = [_signature_row().where(on_type).exists()]
    if rule.within is not None:
        signed_here.append(_signature_row().where(on_type, Signature.entity_id.in_(rule.within)).exists())
    sites = [None] if rule.sites is None else list(dict.fromkeys(rule.sites))
    branches = [
        and_(
            true()
            if rule.sites is None
            else TrailEvent.site_id.is_(None)
            if site is None
            else TrailEvent.site_id == site,
            *signed_here,
        )
        for site in sites
    ]
    if rule.plus is not None:
        mine = db.select(cast(Signature.id, String)).where(on_type, Signature.entity_id.in_(rule.plus))
        branches.append(_Few(TrailEvent.entity_id.in_(mine)))
    return branches


def _signed_types(scopes: dict) -> set[str]:
    """The scoped types with signatures at all: one index probe each, in one query, saves
    looking for signatures on every type (most are never signed)."""
    if not scopes:
        return set()
    probes = [
        db.select(literal(entity_type).label("entity_type")).where(
            db.select(Signature.id).where(Signature.entity_type == entity_type).exists()
        )
        for entity_type in scopes
    ]
    return set(db.session.execute(union_all(*probes)).scalars())


def _branches(user: User, entity_type: str | None = None) -> list | None:
    """The trail events ``user`` may read as a union of conditions (None: every event), only
    those of ``entity_type`` when given: the rule of :func:`visible_to`, cut so that an index
    serves each part. A :class:`_Few` branch is read by id rather than walked."""
    if Role.ADMIN in user.roles:
        return None
    scopes = manager.trail_scope(user)
    branches = []

    def add(of_type: str, conditions) -> None:
        if entity_type is None or entity_type == of_type:
            for condition in conditions:
                if isinstance(condition, _Few):
                    branches.append(_Few(and_(TrailEvent.entity_type == of_type, condition.condition)))
                else:
                    branches.append(and_(TrailEvent.entity_type == of_type, condition))

    signed = _signed_types(scopes)
    by_site = {
        t: rules for t, rules in scopes.items() if t in signed and len(rules) == 1 and isinstance(rules[0], TrailSites)
    }
    by_id = {t: rules for t, rules in scopes.items() if t in signed and t not in by_site}
    for scoped_type, rules in scopes.items():
        add(scoped_type, _rule_branches(rules))
    for scoped_type, rules in by_site.items():
        add("signature", _signature_branches(scoped_type, rules))
    if by_id:
        # The signatures on records read by id: one select of their ids, few enough to look up.
        on_readable = [
            and_(Signature.entity_type == t, *(Signature.entity_id.in_(rule) for rule in rules))
            for t, rules in by_id.items()
        ]
        signed = db.select(cast(Signature.id, String)).where(or_(*on_readable))
        add("signature", [_Few(TrailEvent.entity_id.in_(signed))])
    if user.has_role(Role.QUALITY_OFFICER, Role.AUDITOR):
        unscoped = {entity_type} if entity_type else trailed_types()
        for other in sorted(unscoped - set(scopes) - ({"signature"} if scopes else set())):
            add(other, [true()])
    return branches


def visible_to(user: User) -> ColumnElement[bool]:
    """SQL: the trail events ``user`` may read.

    An administrator reads every event. For everyone else, the events of the
    entity types a plugin scopes (``trail_scope`` hook: procedures, revisions …)
    are those of the records the plugin says the user may read: an id-select, or
    a :class:`TrailSites` rule tested on the event's own site. A quality
    officer or an auditor also reads the events of the other types the installed
    code records (accounts, sites …); a department head does not: only their records.
    """
    branches = _branches(user)
    return true() if branches is None else or_(false(), *(_condition(branch) for branch in branches))
