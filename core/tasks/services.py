"""What waits for a user: every area's tasks (the ``user_tasks`` hook), earliest due first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import g, has_request_context

from core.accounts.models import User
from core.clock import today
from core.plugin_engine import manager
from core.plugin_engine.types import Task
from core.times import viewer_zone

# A kind's page lists this many at a time, a page after another; the count says how many there
# are in all. Each area lists this many of the kind, so the page's cost follows it: 200 made the
# large demo quality officer's inbox 87 KB and 7× small.
INBOX_SIZE = 50
# The inbox page shows the first of each kind, under the kind's count and a link to the kind's
# own pages. The first 50 of all kinds merged had each area build 50 of each of its kinds (the
# large demo's quality officer: 206 built, 50 shown, 2× the small demo's page): now 5 of each.
KIND_SHOWN = 5
# The API pages through at most this many (each area lists up to it before they are merged).
INBOX_LIMIT = 10_000


@dataclass(frozen=True)
class Inbox:
    tasks: list[Task]
    total: int


@dataclass(frozen=True)
class KindWindow:
    """The first tasks of a kind and how many there are (None: its area does not say)."""

    kind: str
    label: str
    tasks: list[Task]
    total: int | None

    @property
    def complete(self) -> bool:
        return self.total is not None and self.total <= len(self.tasks)


def _sort_key(task: Task):
    # No deadline goes last; then by title, so the order holds from one view to the next.
    return (task.due is None, task.due or date.max, str(task.title))


def inbox(user: User, kind: str | None = None, limit: int = INBOX_SIZE) -> Inbox:
    """``user``'s tasks (of ``kind``), earliest due first, at most ``limit``, and how many in all."""
    tasks, total = manager.user_tasks(user, kind, limit)
    return Inbox(sorted(tasks, key=_sort_key)[:limit], total)


def windows(user: User, shown: int = KIND_SHOWN) -> tuple[list[KindWindow], int]:
    """The first ``shown`` tasks of each kind waiting for ``user``, kinds by their earliest due
    task, and how many tasks there are in all."""
    tasks, total = manager.user_tasks(user, None, shown)
    by_kind: dict[str, list[Task]] = {}
    for task in sorted(tasks, key=_sort_key):
        by_kind.setdefault(task.kind, []).append(task)
    return [
        KindWindow(kind, str(listed[0].kind_label), listed[:shown], tasks.kind_totals.get(kind))
        for kind, listed in by_kind.items()
    ], total


def page_number(asked: int | None) -> int:
    """A kind's page number as asked, within the pages there can be (the areas list at most
    ``INBOX_LIMIT`` of a kind)."""
    return max(1, min(asked or 1, INBOX_LIMIT // INBOX_SIZE))


def page(user: User, kind: str, number: int) -> Inbox:
    """The ``number``-th page (from 1) of the tasks of ``kind``, and how many there are: every
    task of a kind can be reached, a page after another."""
    found = inbox(user, kind, limit=number * INBOX_SIZE)
    return Inbox(found.tasks[(number - 1) * INBOX_SIZE :], found.total)


def count(user: User) -> int:
    """How many tasks wait for ``user`` (once per request: the navigation asks on every page)."""
    counted = g.setdefault("dealerqms_task_counts", {})
    if user.id not in counted:
        counted[user.id] = manager.user_tasks(user, None, 0)[1]
    return counted[user.id]


def is_overdue(task: Task) -> bool:
    # A task is the reader's own work: late when its day has passed on their site's clock.
    return task.due is not None and task.due < viewer_today()


def viewer_today() -> date:
    """The reader's day, found once a request: the inbox asks it for each of its tasks."""
    if not has_request_context():  # a job's app context may outlive the day
        return today(viewer_zone())
    day = g.get("dealerqms_viewer_today")
    if day is None:
        day = g.dealerqms_viewer_today = today(viewer_zone())
    return day


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
