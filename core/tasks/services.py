"""What waits for a user: every area's tasks (the ``user_tasks`` hook), earliest due first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import g

from core.accounts.models import User
from core.clock import today
from core.plugin_engine import manager
from core.plugin_engine.types import Task
from core.times import viewer_zone

# The inbox page lists this many at most (of a kind, when one is picked); the count says how
# many there are in all. Each area lists this many of each kind before they are merged, so the
# page's cost follows it: 200 made the large demo quality officer's inbox 87 KB and 7× small.
INBOX_SIZE = 50
# The API pages through at most this many (each area lists up to it before they are merged).
INBOX_LIMIT = 10_000


@dataclass(frozen=True)
class Inbox:
    tasks: list[Task]
    total: int


def _sort_key(task: Task):
    # No deadline goes last; then by title, so the order holds from one view to the next.
    return (task.due is None, task.due or date.max, str(task.title))


def inbox(user: User, kind: str | None = None, limit: int = INBOX_SIZE) -> Inbox:
    """``user``'s tasks (of ``kind``), earliest due first, at most ``limit``, and how many in all."""
    tasks, total = manager.user_tasks(user, kind, limit)
    return Inbox(sorted(tasks, key=_sort_key)[:limit], total)


def count(user: User) -> int:
    """How many tasks wait for ``user`` (once per request: the navigation asks on every page)."""
    counted = g.setdefault("dealerqms_task_counts", {})
    if user.id not in counted:
        counted[user.id] = manager.user_tasks(user, None, 0)[1]
    return counted[user.id]


def is_overdue(task: Task) -> bool:
    # A task is the reader's own work: late when its day has passed on their site's clock.
    return task.due is not None and task.due < today(viewer_zone())


def kinds(tasks: list[Task], complete: bool = True) -> list[tuple[str, str, int | None]]:
    """The kinds among ``tasks``: key, label and how many, in the order they first appear.

    When ``tasks`` are only the first of the reader's tasks (not ``complete``), the number is
    None: counted among the listed ones it would be wrong, and counting every kind in full
    would cost every area's count again; the kind's own page says how many it has."""
    seen: dict[str, list] = {}
    for task in tasks:
        entry = seen.setdefault(task.kind, [str(task.kind_label), 0])
        entry[1] += 1
    return [(key, label, number if complete else None) for key, (label, number) in seen.items()]


def with_task(url: str, kind: str) -> str:
    """``url`` with ``task=<kind>``: the page where the work is done knows it came from the
    inbox, and offers the next task of the same kind once it is done."""
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query) if name != "task"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("task", kind)])))


def next_task(user: User, kind: str) -> Task | None:
    """The first task of ``kind`` still waiting for ``user``."""
    found = inbox(user, kind, limit=1).tasks
    return found[0] if found else None
