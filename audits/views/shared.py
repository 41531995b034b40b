"""What every page module of :mod:`audits.views` shares: the blueprint and its helpers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import request
from flask_login import current_user
from flask_wtf import FlaskForm

from audits.labels import RESULT_LABELS, SOURCE_LABELS, STATE_LABELS, source_reference
from audits.routes import pages as bp  # noqa: F401  (the modules' routes are confirmed on it)
from core.accounts.models import Role, User
from core.clock import today
from core.database import db
from core.errors import DomainError
from core.web.forms_support import FormOutcome, run_form

PER_PAGE = 50


def user() -> User:
    return current_user._get_current_object()


def users(*roles: Role) -> list[User]:
    rows = db.session.execute(db.select(User).where(User.active.is_(True)).order_by(User.display_name)).scalars()
    return [u for u in rows if not roles or u.has_role(*roles)]


def resolved(labels: dict) -> dict:
    """``labels`` in the reader's language, each translated once for the page: a lazy label is
    translated anew wherever a row shows it, 3 labels × 50 rows on a list page."""
    return {key: str(label) for key, label in labels.items()}


def common() -> dict:
    return {
        "result_labels": resolved(RESULT_LABELS),
        "state_labels": resolved(STATE_LABELS),
        "source_labels": resolved(SOURCE_LABELS),
        "source_reference": source_reference,
        "today": today(),
    }


def audit_filters() -> dict:
    """The audit list's filters as the page's query string gives them (the list and its export)."""
    return {
        "state": request.args.get("state") or None,
        "site": request.args.get("site") or None,
        "year": request.args.get("year", type=int),
    }


def nonconformity_filters() -> dict:
    """The NC list's filters as the page's query string gives them (the list and its export)."""
    filters = {key: request.args.get(key) or None for key in ("state", "site", "department", "source", "owner")}
    filters["overdue"] = request.args.get("overdue") == "1"
    return filters


def _root(name: str) -> str:
    """``root_cause.chain[2]`` → ``root_cause``: the input a nested complaint belongs to."""
    return name.split(".")[0].split("[")[0]


def submit(form: FlaskForm, action: Callable[[], object]) -> FormOutcome:
    """:func:`run_form`, with a service's complaint about a nested field put on the input it came from."""

    def rooted():
        try:
            return action()
        except DomainError as error:
            for item in error.errors:
                if "field" in item:
                    item["field"] = _root(item["field"])
            raise

    return run_form(form, rooted)


HIDDEN = ("csrf_token", "row_version")


def errors_of(form: FlaskForm, prefix: str = "") -> dict:
    """The form's complaints by input name, as the templates show them; those
    about hidden inputs (an old page) and about no input go above the form, under ""."""
    errors: dict[str, list] = {}
    for name, field in form._fields.items():
        if field.errors:
            errors.setdefault("" if name in HIDDEN else prefix + name, []).extend(str(e) for e in field.errors)
    if form.form_errors:
        errors.setdefault("", []).extend(str(e) for e in form.form_errors)
    return errors


def upload_errors(error: DomainError) -> dict:
    """An evidence upload's refusal, next to the file input (uploads come in request.files, not in a form)."""
    return {"file": [item["message"] for item in error.errors] or [error.detail]}


def _shown(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def typed(form: FlaskForm, *, lists: bool = False) -> dict:
    """What the form holds, as the templates fill their inputs: what was typed
    when it was sent (even when it was not valid), else its data; each value a
    list of strings with ``lists``, else one string."""
    values = {}
    for name, field in form._fields.items():
        if name in HIDDEN:
            continue
        if form.is_submitted() and field.raw_data is not None:
            shown = [str(v) for v in field.raw_data]
        elif isinstance(field.data, (list, tuple)):
            shown = [_shown(v) for v in field.data]
        else:
            shown = [] if field.data is None else [_shown(field.data)]
        values[name] = shown if lists else (shown[0] if shown else "")
    return values
