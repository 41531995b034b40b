"""The forms of the improvement pages. They read what the browser sent; the rules (what is
required, who may, at which stage) are the services', which name the field to blame."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from audits.forms import RELOAD


class SuggestionForm(FlaskForm):
    title = StringField()
    description = TextAreaField()
    site = StringField()
    department = StringField()


class _Versioned(FlaskForm):
    row_version = IntegerField(validators=[InputRequired(message=RELOAD)])


class UpdateForm(_Versioned):
    title = StringField()
    description = TextAreaField()
    owner = StringField()
    due_date = DateField(validators=[Optional()])
    action_type = StringField()
    expected_benefit = TextAreaField()
    actions = TextAreaField()
    result = TextAreaField()


class StageForm(_Versioned):
    to = StringField()
    reason = TextAreaField()


class DmaicForm(_Versioned):
    method = StringField()
    phase = StringField()
    defect_metric = StringField()
    # Counts stay text here: the service names a bad one better than "not a valid integer".
    opportunities = StringField()
    baseline_defects = StringField()
    baseline_units = StringField()
    current_defects = StringField()
    current_units = StringField()
