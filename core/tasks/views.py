"""The inbox page, and "next": from one task of a kind straight to the next one."""

from __future__ import annotations

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
    kind = request.args.get("kind") or None
    every = services.inbox(_user())
    # A kind picked: the first of that kind, not only those among the first of all kinds.
    shown = services.inbox(_user(), kind) if kind else every
    return render_template(
        "tasks/inbox.html",
        tasks=shown.tasks,
        total=every.total,
        shown_total=shown.total,
        kinds=services.kinds(every.tasks, complete=every.total <= len(every.tasks)),
        kind=kind,
    )


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
