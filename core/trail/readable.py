"""The trail in people's words: each event a sentence, each change "label: before → after".

The trail keeps what the database held (``core.trail.recorder``), hashed exactly as
stored; nothing here changes it. Reading it is another matter: ``department_id: 3 → 5``
and ``in_review`` are the database showing through. Each area says how its records read
(``register_trail_entities``: the labels of its forms, the words of its states, what to
call a record and where its page is); a type nobody describes still reads, with its
column names in words.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.accounts.models import User
from core.database import db
from core.plugin_engine import manager
from core.plugin_engine.types import TrailEntity
from core.times import when
from core.trail.models import TrailEvent

# Columns every record has that nobody reads in a history: the event names the record
# and carries the moment it was created.
ALWAYS_HIDDEN = frozenset({"id", "created_at", "updated_at"})
# A value longer than this is a text, not a field: shortened in a list of changes.
SHORT_VALUE = 160
# How hashes are shown in tables: enough to compare by eye, the full value on hover.
SHORT_HASH = 12
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REDACTED = "***"

SENTENCES = {
    "create": _l("%(who)s created %(record)s"),
    "update": _l("%(who)s changed %(record)s"),
    "delete": _l("%(who)s deleted %(record)s"),
}
MOVED = _l("%(who)s moved %(record)s from %(before)s to %(after)s")
# What a signature says it does, by its meaning; any other meaning reads "signed".
SIGNED = {
    "approved": _l("%(who)s approved %(record)s"),
    "reviewed": _l("%(who)s reviewed %(record)s"),
    "rejected": _l("%(who)s rejected %(record)s"),
    "acknowledged": _l("%(who)s confirmed reading %(record)s"),
    "periodic-review": _l("%(who)s confirmed %(record)s still valid"),
    "report-issued": _l("%(who)s issued the report of %(record)s"),
    "verified-effective": _l("%(who)s verified %(record)s effective"),
}


@dataclass(frozen=True)
class Change:
    """One column's change, in words: ``label: before → after`` (``summary`` for a long text)."""

    label: str
    before: str | None
    after: str | None
    summary: str | None = None
    # For a long text: the page that shows what changed in it.
    link: str | None = None


@dataclass(frozen=True)
class ReadableEvent:
    """A trail event as people read it; ``event`` is the stored one, hashes and all."""

    event: TrailEvent
    who: str
    record: str
    link: str | None
    sentence: Markup
    note: str | None = None
    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def seq(self) -> int:
        return self.event.seq

    @property
    def at(self) -> datetime:
        return self.event.at

    @property
    def text(self) -> str:
        """The sentence without markup: for a PDF cell or a test."""
        return self.sentence.striptags()


def entities() -> MappingProxyType:
    return MappingProxyType(manager.registry().trail_entities)


def words(key: str) -> str:
    """A column name people can read: ``due_date`` → ``Due date``, ``owner_id`` → ``Owner``."""
    text = key.removesuffix("_id").replace("_", " ").strip() or key
    return text[:1].upper() + text[1:]


def entity_label(entity_type: str) -> str:
    entity = entities().get(entity_type)
    return str(entity.label) if entity else words(entity_type).lower()


def record(model, entity_id: str):
    """The row of ``model`` a trail event is about, or None once it is gone (or the id is no row's)."""
    return db.session.get(model, int(entity_id)) if entity_id.isdigit() else None


def of_record(model, make: Callable[[Any], Any]) -> Callable[[str], Any]:
    """A :class:`TrailEntity`'s ``name``, ``link`` or ``compare`` from a function of the record:
    ``name=of_record(Audit, lambda audit: audit.reference)``; None once the record is gone."""

    def of(entity_id: str):
        found = record(model, entity_id)
        return None if found is None else make(found)

    of.model = model  # for readable(), which reads a page's records of the model at once
    return of


def record_name(entity_type: str, entity_id: str) -> str:
    """How people call a record (``revision 2 of SA-PR-001``); its kind and id when nobody says."""
    entity = entities().get(entity_type)
    name = entity.name(str(entity_id)) if entity and entity.name else None
    return str(name) if name else f"{entity_label(entity_type)} {entity_id}"


def record_link(entity_type: str, entity_id: str) -> str | None:
    entity = entities().get(entity_type)
    return entity.link(str(entity_id)) if entity and entity.link else None


def short_hash(value: str | None) -> str:
    return (value or "")[:SHORT_HASH]


# ---------------------------------------------------------------- values


def _moment(text: str) -> datetime | date | None:
    if _DATETIME.match(text):
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # As the database hands times back: aware, in UTC.
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    if _DATE.match(text):
        return date.fromisoformat(text)
    return None


def value_words(entity: TrailEntity | None, key: str, value) -> str | None:
    """One stored value as the record's page would show it; None for no value."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if value == REDACTED:
        return _("(not shown)")
    if entity is not None and key in entity.references:
        return record_name(entity.references[key], str(value))
    if entity is not None and key in entity.values and str(value) in entity.values[key]:
        return str(entity.values[key][str(value)])
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        labels = entity.fields if entity is not None else {}
        parts = [
            f"{labels.get(f'{key}.{k}') or words(k)}: {value_words(entity, f'{key}.{k}', v) or '—'}"
            for k, v in value.items()
        ]
        return "; ".join(parts) or None
    if isinstance(value, list):
        return ", ".join(value_words(entity, key, v) or "—" for v in value) or None
    if isinstance(value, str):
        moment = _moment(value)
        if moment is not None:
            return when(moment)
        if len(value) > SHORT_VALUE:
            return value[: SHORT_VALUE - 1].rstrip() + "…"
    return str(value)


def text_summary(before: str | None, after: str | None) -> str:
    """A long text's change in numbers: characters added and removed, by changed line."""
    old, new = (before or "").splitlines(), (after or "").splitlines()
    added = removed = 0
    for line in difflib.unified_diff(old, new, lineterm="", n=0):
        if line.startswith(("+++", "---", "@@")):
            continue
        if line.startswith("+"):
            added += len(line) - 1
        elif line.startswith("-"):
            removed += len(line) - 1
    if before is None:
        return _("text written (%(count)d characters)", count=len(after or ""))
    if after is None:
        return _("text removed (%(count)d characters)", count=len(before))
    return _("text changed (+%(added)d / −%(removed)d characters)", added=added, removed=removed)


def changes_of(event: TrailEvent, entity: TrailEntity | None, links: bool = False) -> tuple[Change, ...]:
    hidden = ALWAYS_HIDDEN | (entity.hidden if entity else frozenset())
    labels = entity.fields if entity else {}
    long_text = entity.long_text if entity else frozenset()
    found = []
    for key, (before, after) in event.changed_fields.items():
        if key in hidden:
            continue
        value = after if before is None else before
        if event.action in ("create", "delete") and (value is False or value_words(entity, key, value) is None):
            continue  # an empty field of a new or deleted record says nothing
        label = str(labels[key]) if key in labels else words(key)
        if key in long_text:
            compare = entity.compare(str(event.entity_id)) if links and entity and entity.compare else None
            found.append(Change(label, None, None, summary=text_summary(before, after), link=compare))
        else:
            found.append(Change(label, value_words(entity, key, before), value_words(entity, key, after)))
    # Labelled fields first, in the order the area gave them; then the others by label.
    order = {key: i for i, key in enumerate(labels)}
    keys = {str(labels[k]) if k in labels else words(k): order.get(k, len(order)) for k in event.changed_fields}
    return tuple(sorted(found, key=lambda change: (keys.get(change.label, len(order)), change.label)))


# ---------------------------------------------------------------- sentences


def _people(events) -> dict[str, str]:
    logins = {event.actor for event in events}
    if not logins:
        return {}
    rows = db.session.execute(db.select(User.login, User.display_name).where(User.login.in_(logins)))
    return {login: name for login, name in rows}


# Who acted when no person did: the names the trail stores for the system's own hands.
SYSTEM_ACTORS = {
    "system": _l("The system"),
    "init": _l("Installation (dealerqms init)"),
    "cli": _l("An administrator's command"),
    "scheduler": _l("The scheduler"),
    "demo-data": _l("The demo data generator"),
    "public": _l("A customer (public page)"),
}


def actor_names(events) -> dict[str, str]:
    """Who acted in each of ``events``, by the trail's actor (a login, or the system's hands), in words."""
    people = _people(events)
    return {event.actor: _who(event.actor, people) for event in events}


def _who(actor: str, people: dict[str, str]) -> str:
    if actor in SYSTEM_ACTORS and actor not in people:
        return str(SYSTEM_ACTORS[actor])
    return people.get(actor) or actor


def _sentence(template, who: str, record: str, link: str | None, **more) -> Markup:
    shown = Markup('<a href="%s">%s</a>') % (link, record) if link else Markup("<span>%s</span>") % record
    if str(template).startswith("%(record)s"):
        # The record opens the sentence: "Revision 2 of … became effective".
        record = record[:1].upper() + record[1:]
        shown = Markup('<a href="%s">%s</a>') % (link, record) if link else Markup("<span>%s</span>") % record
    arguments = {"who": Markup("<strong>%s</strong>") % who, "record": shown, **more}
    return escape(str(template)) % arguments


def _signature(event: TrailEvent, who: str, links: bool) -> ReadableEvent:
    from core.signatures.service import MEANINGS

    if event.action != "create":
        return _plain(event, who, entities().get("signature"), links)
    values = {key: pair[1] if pair[1] is not None else pair[0] for key, pair in event.changed_fields.items()}
    signer = values.get("signer_name") or who
    signed_type, signed_id = values.get("entity_type"), values.get("entity_id")
    record = record_name(signed_type, signed_id) if signed_type else record_name("signature", event.entity_id)
    link = record_link(signed_type, signed_id) if signed_type and links else None
    meaning = values.get("meaning") or ""
    template = SIGNED.get(meaning, _l("%(who)s signed %(record)s"))
    note = _("meaning: %(meaning)s", meaning=MEANINGS.get(meaning, meaning))
    if values.get("comment"):
        note += " · " + _("comment: %(comment)s", comment=values["comment"])
    return ReadableEvent(
        event=event, who=signer, record=record, link=link, sentence=_sentence(template, signer, record, link), note=note
    )


def _plain(event: TrailEvent, who: str, entity: TrailEntity | None, links: bool) -> ReadableEvent:
    record = record_name(event.entity_type, event.entity_id)
    link = record_link(event.entity_type, event.entity_id) if links else None
    changes = changes_of(event, entity, links)
    fields = event.changed_fields
    if event.action == "transition" and "state" in fields:
        before, after = fields["state"]
        template = entity.transitions.get(str(after)) if entity else None
        if template is None:
            sentence = _sentence(
                MOVED,
                who,
                record,
                link,
                before=value_words(entity, "state", before) or "—",
                after=value_words(entity, "state", after) or "—",
            )
        else:
            sentence = _sentence(template, who, record, link)
        # The state is the sentence; the rest (dates set on the way) stays below it.
        state_label = str(entity.fields["state"]) if entity and "state" in entity.fields else words("state")
        changes = tuple(change for change in changes if change.label != state_label)
    else:
        own = entity.actions.get(event.action) if entity else None
        sentence = _sentence(own or SENTENCES.get(event.action, SENTENCES["update"]), who, record, link)
    note = _("Reason: %(reason)s", reason=event.reason) if event.reason else None
    return ReadableEvent(event=event, who=who, record=record, link=link, sentence=sentence, note=note, changes=changes)


def readable(events, *, links: bool = True) -> list[ReadableEvent]:
    """``events`` (trail events, in the order given) as sentences with their changes.

    ``links=False`` for a document made outside a request (the evidence pack built by a
    worker): no pages to link to, and no request to build their addresses from.
    """
    events = list(events)
    people = _people(events)
    known = entities()
    # Held until the sentences are made: the session keeps rows only while something refers to
    # them, so each name and link read its record anew (100 statements for a page of 50 events).
    records = _records(events, known)  # noqa: F841
    found = []
    for event in events:
        who = _who(event.actor, people)
        if event.entity_type == "signature":
            found.append(_signature(event, who, links))
        else:
            found.append(_plain(event, who, known.get(event.entity_type), links))
    return found


def _records(events, known) -> list:
    """The records ``events`` are about whose names come from :func:`of_record`, one query per kind."""
    wanted: dict[Any, set[int]] = {}
    for event in events:
        entity = known.get(event.entity_type)
        model = getattr(entity.name, "model", None) if entity else None
        if model is not None and str(event.entity_id).isdigit():
            wanted.setdefault(model, set()).add(int(event.entity_id))
    return [
        row
        for model, ids in wanted.items()
        for row in db.session.execute(db.select(model).where(db.inspect(model).primary_key[0].in_(ids))).scalars()
    ]


def init_app(app) -> None:
    app.jinja_env.filters["readable"] = readable
    app.jinja_env.filters["short_hash"] = short_hash
