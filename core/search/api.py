"""``GET /api/v1/search``: the records the caller may read that match the words, best first."""

from __future__ import annotations

from marshmallow import Schema, fields

from core.api import PAGE_HEADERS, NonEmptyString, PageArgs, api_user, page_headers, token_required
from core.search import query as search
from core.search.routes import api as bp


class SearchArgs(PageArgs):
    kind = NonEmptyString(metadata={"description": "Only records of this kind, e.g. `procedure`, `nonconformity`."})
    q = fields.String(
        required=True,
        metadata={
            "description": "Words to find, Chinese or English (at most 200 characters); every one must be in a hit."
        },
    )


class HitSchema(Schema):
    kind = fields.String(metadata={"description": "`procedure`, `procedure_draft`, `audit`, `nonconformity`, …"})
    kind_label = fields.String()
    reference = fields.String(metadata={"description": "The record's code or reference, e.g. `NC-2026-0042`."})
    title = fields.String()
    snippet = fields.String(metadata={"description": "Text around the first word found."})
    url = fields.String(metadata={"description": "The record's page."})
    site = fields.String(allow_none=True, metadata={"description": "The site's code, or null for the group's."})


@bp.route("/search")
@token_required()
@bp.arguments(SearchArgs, location="query")
@bp.response(200, HitSchema(many=True), headers=PAGE_HEADERS)
def search_records(args):
    """Records of every kind whose text has the words, ranked (title above body); only those the caller may open.

    `X-Total-Count` stops counting at 1,000 (`1001` means more).
    """
    results = search.search(api_user(), args["q"], limit=args["limit"], offset=args["offset"], kind=args.get("kind"))
    total = results.total + (1 if results.capped else 0)
    return results.hits, page_headers(total, args)
