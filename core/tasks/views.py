"""The inbox page, and "next": from one task of a kind straight to the next one."""

from __future__ import annotations

from types import SimpleNamespace

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.counts import count_text
from core.tasks import services
from core.tasks.routes import pages as bp


def _task_overdue(task) -> bool:
    return services.is_overdue(task)


def _task_url(task) -> str:
    return services.with_task(task.url, task.kind)


def _user():
    return current_user._get_current_object()


@bp.route("/")
def index():
    """The first tasks of each kind under its count; with ``kind``, that kind's tasks a page at a time."""
    kind = request.args.get("kind") or None
    if kind is None:
        windows, total = services.windows(_user())
        return render_template("tasks/inbox.html", windows=windows, total=total, kind=None)
    number = services.page_number(request.args.get("page", 1, type=int))
    shown = services.page(_user(), kind, number)
    pages = SimpleNamespace(
        page=number,
        pages=None,
        has_prev=number > 1,
        prev_num=number - 1,
        has_next=shown.total > number * services.INBOX_SIZE and services.page_number(number + 1) > number,
        next_num=number + 1,
    )
    return render_template("tasks/inbox.html", tasks=shown.tasks, total=shown.total, kind=kind, pages=pages)


@bp.route("/count")
def count():
    """The menu's badge: how many tasks wait, written as the dashboard's and the inbox's
    headings write the same count ("1,000+" past a thousand), so the two never disagree.
    Asked by the browser once the page is there, so that no page waits for every area to
    count its work; asked afresh on each page, so it is right as soon as a task is done."""
    number = services.count(_user())
    text = count_text(number) if number else ""
    return jsonify(count=number, text=text, label=_("%(count)s waiting", count=text) if number else "")


@bp.route("/next")
def next_task():
    """The next task of ``kind``, or the inbox when none is left."""
    kind = request.args.get("kind") or ""
    task = services.next_task(_user(), kind) if kind else None
    if task is None:
        flash(_("Nothing more of this kind is waiting for you."), "success")
        return redirect(url_for(".index"))
    return redirect(services.with_task(task.url, task.kind))


def after_done(default_url: str) -> str:
    """Where a page sends its user once the work is done: the next task of the kind they
    came for from the inbox (``task`` in the form or the address), else ``default_url``."""
    kind = request.values.get("task")
    return url_for("tasks.next_task", kind=kind) if kind else default_url
