"""The caller's notifications over the API."""

from __future__ import annotations

from marshmallow import Schema, fields

from core.api import PAGE_HEADERS, PageArgs, QueryBoolean, UTCDateTime, api_user, page_headers, token_required
from core.database import commit
from core.notifications import services
from core.notifications.routes import api as bp


class NotificationListArgs(PageArgs):
    unread = QueryBoolean(load_default=False, metadata={"description": "Only those not read yet."})


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    subject = fields.Function(lambda n: services.texts(n)[0])
    message = fields.Function(lambda n: services.texts(n)[1])
    url = fields.String()
    created_at = UTCDateTime()
    read_at = UTCDateTime(allow_none=True)


class ReadSchema(Schema):
    marked = fields.Integer(metadata={"description": "How many were marked read."})


@bp.route("/notifications")
@token_required()
@bp.arguments(NotificationListArgs, location="query")
@bp.response(200, NotificationSchema(many=True), headers=PAGE_HEADERS)
def list_notifications(args):
    """The caller's notifications, newest first."""
    found = services.recent(api_user(), limit=args["limit"], offset=args["offset"], unread_only=args["unread"])
    total = services.unread_count(api_user()) if args["unread"] else services.count(api_user())
    return found, page_headers(total, args)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@token_required()
@bp.response(200, ReadSchema)
def read_notification(notification_id):
    """Mark one notification read (someone else's is not there: 404)."""
    marked = services.mark_read(api_user(), notification_id)
    commit()
    return {"marked": marked}


@bp.route("/notifications/read", methods=["POST"])
@token_required()
@bp.response(200, ReadSchema)
def read_all_notifications():
    """Mark every notification of the caller read."""
    marked = services.mark_read(api_user())
    commit()
    return {"marked": marked}
