"""Showing a service's refusal on the form that asked for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput

from core.database import commit, db
from core.errors import Conflict, DomainError, ValidationFailed


class VersionedForm(FlaskForm):
    """An edit form of a record with a row version: the version the user saw
    travels with the form, so that an edit made on a stale copy is refused."""

    row_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


def _hidden(field) -> bool:
    return getattr(field.widget, "input_type", None) == "hidden"


def refusal_status(form: FlaskForm, error: DomainError, aliases: dict[str, str] | None = None) -> int:
    """Roll back, put the service's complaint next to the field it names (or
    above the form) and return the status the page answers with.

    Refusals that are not about the input (forbidden, not found) are not the
    form's business: they propagate to the error page. ``aliases`` maps the
    service's field names to the form's where they differ.
    """
    if not isinstance(error, (ValidationFailed, Conflict)):
        raise error
    db.session.rollback()
    placed = False
    for item in error.errors:
        name = item.get("field", "")
        field = form._fields.get((aliases or {}).get(name, name))
        # A complaint about a hidden field (the row version) would be shown
        # next to nothing: it goes above the form with the rest.
        if field is not None and not _hidden(field):
            field.errors = [*field.errors, item["message"]]
            placed = True
    if not placed:
        form.form_errors.append(error.detail)
    return error.status


@dataclass(frozen=True)
class FormOutcome:
    done: bool
    status: int
    result: object = None


def run_form(form: FlaskForm, action: Callable[[], object], aliases: dict[str, str] | None = None) -> FormOutcome:
    """Validate ``form``; when valid, run ``action`` (the service call) and commit it.

    ``done`` is true once the action committed; otherwise ``status`` is what
    the page answers with: 200 for a form not yet sent, 422 for invalid
    input, or the service's refusal, placed on the form by :func:`refusal_status`.
    """
    if not form.validate_on_submit():
        return FormOutcome(False, 422 if form.is_submitted() else 200)
    try:
        result = action()
        commit()
    except DomainError as error:
        return FormOutcome(False, refusal_status(form, error, aliases))
    return FormOutcome(True, 200, result)
