"""The search page (``/search?q=``), which the box in every page's header opens."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from core.errors import ValidationFailed
from core.search import query as search
from core.search.routes import pages as bp

PER_PAGE = 20


def _highlighted(piece: str, words: list[str]):
    return search.highlighted(piece, words)


@bp.route("")
def index():
    q = request.args.get("q")
    kind = request.args.get("kind") or None
    page = max(request.args.get("page", 1, type=int), 1)
    results, problem = None, None
    if q is not None:
        try:
            results = search.search(
                current_user._get_current_object(), q, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, kind=kind
            )
        except ValidationFailed as error:
            problem = error.errors[0]["message"] if error.errors else str(error)
    status = 422 if problem else 200
    return render_template(
        "search/index.html", q=q or "", results=results, problem=problem, page=page, per_page=PER_PAGE
    ), status
