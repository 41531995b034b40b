"""A page of a long list without counting the list.

``db.paginate`` counts every row the filters match to write "page 3 of 66": on a list of tens of
thousands of records the count costs more than the page itself, and it grows with the data. The
lists people page through (audits, nonconformities, procedures) only need to know whether there is
a next page: a :class:`Window` reads the page's rows and one more, and the pager offers "Next"
when that one exists. The offset still grows with the page number, but the page people open is the
first; filters narrow a list long before anyone pages deep into it.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.database import db


@dataclass
class Window:
    items: list
    page: int
    per_page: int
    has_next: bool

    # The pager macro's interface of Flask-SQLAlchemy's Pagination, without the total.
    pages = None
    total = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def __iter__(self):
        return iter(self.items)


# Past any list's end, and small enough for the database's 64-bit OFFSET: a page number typed
# into the address bar is not a server error.
LAST_PAGE = 10**9


def window(query, *, page: int, per_page: int, columns: bool = False) -> Window:
    """Page ``page`` (from 1; a smaller number is the first) of ``query``, an ordered select of
    ORM rows (``columns``: of columns, each item a row of them), reading at most ``per_page + 1``
    rows and counting none."""
    page = min(max(page, 1), LAST_PAGE)
    result = db.session.execute(query.limit(per_page + 1).offset((page - 1) * per_page))
    rows = result.all() if columns else result.scalars().all()
    return Window(items=list(rows[:per_page]), page=page, per_page=per_page, has_next=len(rows) > per_page)
