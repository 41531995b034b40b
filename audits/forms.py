"""The forms of the audit, nonconformity and corrective-action pages.

They read and convert what the browser sent; the rules (what is required,
who may, in which state) are the services', which answer with the field to
blame. So most fields are optional here, and a select offers no fixed
choices: the service names an unknown code better than a generic "not a
valid choice" would. The templates write the inputs out by hand, with the
same names.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from audits.services import rootcause

WHY_ROWS = 5
RELOAD = _l("The page is out of date: reload it and try again.")


class ListField(SelectMultipleField):
    """The values of a repeated input (checkboxes), checked by the service, not against choices."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=[], validate_choice=False, **kwargs)


def _row_version():
    """The version of the record the page showed: every change of an editable record sends it."""
    return IntegerField(validators=[InputRequired(message=RELOAD)])


class ProgrammeEntryForm(FlaskForm):
    month = IntegerField(validators=[Optional()])
    department = StringField()
    area = StringField()
    note = StringField()


class _AuditPlanFields(FlaskForm):
    title = StringField()
    scope = TextAreaField()
    criteria = StringField(description=_l("Procedure codes, separated by spaces or commas."))
    lead_auditor = StringField()
    auditors = ListField()
    planned_date = DateField(validators=[Optional()])
    checklists = ListField()

    @property
    def criteria_codes(self) -> list[str]:
        return [code for code in (self.criteria.data or "").replace(",", " ").split() if code]


class AuditPlanForm(_AuditPlanFields):
    site = StringField()
    departments = ListField()


class AuditReplanForm(_AuditPlanFields):
    row_version = _row_version()


class AuditStateForm(FlaskForm):
    """Start or close: nothing to fill in but the version of the audit shown."""

    row_version = _row_version()


class AuditCancelForm(FlaskForm):
    reason = TextAreaField()
    row_version = _row_version()


class ResultForm(FlaskForm):
    """One checklist item's result: the button pressed and the note typed."""

    result = StringField()
    note = TextAreaField()
    # On a checklist scored in points or percent: what the auditor gives beside the grade.
    points = StringField()
    row_version = _row_version()


class ReportForm(FlaskForm):
    summary = TextAreaField()
    conclusion = TextAreaField()
    password = PasswordField()
    row_version = _row_version()
    items = StringField()  # no input: where "items without a result" is shown


class NonconformityForm(FlaskForm):
    title = StringField()
    description = TextAreaField()
    severity = StringField()
    site = StringField()
    department = StringField()
    owner = StringField()
    due_date = DateField(validators=[Optional()])
    source = StringField()
    source_ref = StringField()


class TransitionForm(FlaskForm):
    """Moving an NC on, with the content the next state needs (a root-cause analysis by its method)."""

    to = StringField()
    containment = TextAreaField()
    comment = TextAreaField()
    method = StringField()
    row_version = _row_version()
    # No inputs of their own: where the service's complaints about the analysis
    # as a whole, or about the NC's actions, are shown.
    root_cause = StringField()
    actions = StringField()

    def analysis(self) -> dict:
        method = self.method.data
        if method == "5why":
            chain = [
                {"why": self[f"why_{n}"].data or "", "because": self[f"because_{n}"].data or ""}
                for n in range(1, WHY_ROWS + 1)
            ]
            return {
                "method": "5why",
                "chain": [step for step in chain if step["why"].strip() or step["because"].strip()],
            }
        if method == "fishbone":
            return {
                "method": "fishbone",
                "causes": {
                    category: [
                        line.strip() for line in (self[f"fishbone_{category}"].data or "").splitlines() if line.strip()
                    ]
                    for category in rootcause.FISHBONE_CATEGORIES
                },
            }
        if method == "8d":
            return {"method": "8d", **{key: self[f"8d_{key}"].data or "" for key in rootcause.EIGHT_D}}
        return {"method": method}


# The analysis' inputs are named after its steps ("why_1", "fishbone_man", "8d_d4"): added by name,
# as some are no Python identifiers.
for _n in range(1, WHY_ROWS + 1):
    setattr(TransitionForm, f"why_{_n}", StringField())
    setattr(TransitionForm, f"because_{_n}", StringField())
for _category in rootcause.FISHBONE_CATEGORIES:
    setattr(TransitionForm, f"fishbone_{_category}", TextAreaField())
for _key in rootcause.EIGHT_D:
    setattr(TransitionForm, f"8d_{_key}", TextAreaField())


class ActionForm(FlaskForm):
    description = TextAreaField()
    owner = StringField()
    due_date = DateField(validators=[Optional()])


class CompleteActionForm(FlaskForm):
    note = TextAreaField()
    row_version = _row_version()


class VerifyActionForm(FlaskForm):
    effective = StringField()
    verification_note = TextAreaField()
    password = PasswordField()
    row_version = _row_version()
