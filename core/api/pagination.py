"""Paginated lists: a JSON array in the body, the way on in the headers.

Offset lists (``limit``, ``offset``) answer ``X-Total-Count`` and an RFC 8288
``Link`` header with ``rel="next"`` / ``rel="prev"``. Long, append-only lists
(the audit trail) page by a cursor instead, so that the millionth page costs
what the first does: ``Link: <…?cursor=N>; rel="next"``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request
from marshmallow import Schema, validate

from core.api.schemas import QueryInteger
from core.database import db

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

LINK_HEADER = {
    "description": 'RFC 8288 links to the neighbouring pages (`rel="next"`, `rel="prev"`), when there are any.',
    "schema": {"type": "string"},
}
PAGE_HEADERS = {
    "X-Total-Count": {"description": "How many items the whole list has.", "schema": {"type": "integer"}},
    "Link": LINK_HEADER,
}
CURSOR_HEADERS = {"Link": LINK_HEADER}


class PageArgs(Schema):
    limit = QueryInteger(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Items per page (1–{MAX_LIMIT})."},
    )
    offset = QueryInteger(
        load_default=0, validate=validate.Range(min=0), metadata={"description": "How many items to skip."}
    )


def page_url(**changes) -> str:
    """This request's path and query string with some parameters replaced."""
    params = request.args.to_dict(flat=False)
    for name, value in changes.items():
        params[name] = [str(value)]
    return f"{request.path}?{urlencode(params, doseq=True)}"


def link_header(links: dict[str, str]) -> dict[str, str]:
    if not links:
        return {}
    return {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())}


def paginate(query, args: dict) -> tuple[list, dict]:
    """One page of a select's rows, and the headers that describe the page."""
    limit, offset = args["limit"], args["offset"]
    total = db.session.execute(db.select(db.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    items = list(db.session.execute(query.limit(limit).offset(offset)).scalars())
    return items, page_headers(total, args)


def page_headers(total: int, args: dict) -> dict:
    """``X-Total-Count`` and the ``Link`` header of the page ``args`` asks for in a list of ``total``."""
    limit, offset = args["limit"], args["offset"]
    links = {}
    if offset + limit < total:
        links["next"] = page_url(offset=offset + limit, limit=limit)
    if offset > 0:
        links["prev"] = page_url(offset=max(offset - limit, 0), limit=limit)
    return {"X-Total-Count": str(total), **link_header(links)}
