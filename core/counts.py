"""Counts that stop at 1,000: what a page shows as "1,000+".

A page that says how many records wait (the dashboard's headings, the tasks badge) counted
them all, and counting is a read of every one: the one part of those pages whose cost grew
with the data. Past a thousand nobody works through the list one by one, so the count stops
there — the database reads at most 1,001 rows — and the page writes "1,000+", in Chinese as
in English (the digits and the plus sign read the same).
"""

from __future__ import annotations

from flask_babel import format_decimal

from core.database import db

COUNT_CAP = 1000


def capped_count(query, cap: int = COUNT_CAP) -> int:
    """How many rows ``query`` (a select) returns, counting at most ``cap + 1``: a result above
    ``cap`` means "more than ``cap``" (:func:`count_text` writes it so)."""
    limited = query.order_by(None).limit(cap + 1).subquery()
    return db.session.execute(db.select(db.func.count()).select_from(limited)).scalar_one()


def count_text(count: int | None, cap: int = COUNT_CAP) -> str:
    """A count as a page shows it, in the reader's locale: ``1,000+`` above ``cap``."""
    if count is None:
        return ""
    if count > cap:
        return f"{format_decimal(cap)}+"
    return format_decimal(count)


def init_app(app) -> None:
    app.jinja_env.filters["capped"] = count_text
