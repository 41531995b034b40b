"""``GET /api/v1/tasks``: the caller's inbox, a page at a time."""

from __future__ import annotations

from marshmallow import Schema, fields

from core.api import PAGE_HEADERS, NonEmptyString, PageArgs, api_user, page_headers, token_required
from core.tasks import services
from core.tasks.routes import api as bp


class TaskListArgs(PageArgs):
    kind = NonEmptyString(metadata={"description": "Only tasks of this kind (e.g. `procedures.acknowledge`)."})


class TaskSchema(Schema):
    kind = fields.String(metadata={"description": "The kind's key."})
    kind_label = fields.Function(lambda task: str(task.kind_label))
    title = fields.Function(lambda task: str(task.title))
    record = fields.String()
    why = fields.Function(lambda task: str(task.why))
    url = fields.String(metadata={"description": "The page where the work is done."})
    due = fields.Date(allow_none=True)
    overdue = fields.Function(services.is_overdue, metadata={"type": "boolean"})


@bp.route("/tasks")
@token_required()
@bp.arguments(TaskListArgs, location="query")
@bp.response(200, TaskSchema(many=True), headers=PAGE_HEADERS)
def list_tasks(args):
    """The caller's tasks, earliest due first (no due date last); ``kind`` filters."""
    offset, limit = args["offset"], args["limit"]
    # Pages are cut from the merged list: past its end there is nothing, whatever the offset.
    inbox = services.inbox(api_user(), args.get("kind"), limit=min(offset + limit, services.INBOX_LIMIT))
    return inbox.tasks[offset : offset + limit], page_headers(inbox.total, args)
