"""The audit trail as JSON: events, and verification of the hash chain."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.accounts.permissions import Permission
from core.api import CURSOR_HEADERS, NonEmptyString, QueryInteger, UTCDateTime, api_user, token_required
from core.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, link_header, page_url
from core.database import db, read_only
from core.trail.chain import verify
from core.trail.queries import events_query
from core.trail.routes import api as bp


class TrailEventSchema(Schema):
    seq = fields.Integer(metadata={"description": "Position in the chain, from 1."})
    at = UTCDateTime()
    actor = fields.String(metadata={"description": "Login of who acted, or `system` / `cli`."})
    action = fields.String(metadata={"description": "`create`, `update`, `transition` or `delete`."})
    entity_type = fields.String()
    entity_id = fields.String()
    changes = fields.Dict(
        attribute="changed_fields",
        metadata={"description": "Changed fields: `{field: [old, new]}`; secrets show as `***`."},
    )
    reason = fields.String(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String(metadata={"description": "SHA-256 over the canonical encoding of the event."})


class TrailArgs(Schema):
    entity_type = NonEmptyString(metadata={"description": "E.g. `user_account`, `site`, `procedure`."})
    entity_id = NonEmptyString(metadata={"description": "The record's id; needs `entity_type`."})
    actor = NonEmptyString(metadata={"description": "Login of who acted."})
    order = fields.String(
        load_default="asc",
        validate=validate.OneOf(["asc", "desc"]),
        metadata={"description": "`asc`: oldest first; `desc`: newest first."},
    )
    cursor = QueryInteger(
        validate=validate.Range(min=0),
        metadata={"description": "Continue after this `seq` (in the chosen order); from the `next` link."},
    )
    limit = QueryInteger(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT))

    @validates_schema
    def _entity_id_needs_type(self, data, **_kwargs):
        if "entity_id" in data and "entity_type" not in data:
            raise ValidationError("needs entity_type as well", field_name="entity_id")


class VerifySchema(Schema):
    ok = fields.Boolean(metadata={"description": "Whether the whole chain is intact."})
    events = fields.Integer(metadata={"description": "Events verified (before the first broken one)."})
    first_bad_seq = fields.Integer(allow_none=True, metadata={"description": "The first broken event, or null."})
    problem = fields.String(allow_none=True, metadata={"description": "What is wrong with it, or null."})


@bp.route("")
@token_required(Permission.READ_TRAIL)
@bp.arguments(TrailArgs, location="query")
@bp.response(200, TrailEventSchema(many=True), headers=CURSOR_HEADERS)
def list_events(args):
    """Trail events, filtered by record or actor.

    Pages by cursor: the `next` link continues after the last `seq` of this
    page, as fast on the millionth event as on the first.
    """
    ascending = args["order"] == "asc"
    cursor = args.get("cursor")
    limit = args["limit"]
    query = events_query(
        entity_type=args.get("entity_type"),
        entity_id=args.get("entity_id"),
        actor=args.get("actor"),
        user=api_user(),
        # Oldest first from the beginning is "after 0".
        after=(cursor or 0) if ascending else None,
        before=None if ascending else cursor,
        limit=limit + 1,
    )
    events = list(db.session.execute(query).scalars())
    links = {}
    if len(events) > limit:
        events = events[:limit]
        links["next"] = page_url(cursor=events[-1].seq, limit=limit)
    return events, link_header(links)


@bp.route("/verify")
@token_required(Permission.READ_TRAIL)
@bp.response(200, VerifySchema)
def verify_chain():
    """Verify the whole hash chain, as `dealerqms trail verify` does.

    `ok` is false when an event was edited, deleted, inserted or reordered;
    `first_bad_seq` names the first such event.
    """
    # Its own read-only connection: a long walk must not hold SQLite's write lock.
    with read_only(), db.engine.connect() as connection:
        result = verify(connection)
    return result.as_dict()
