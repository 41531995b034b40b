from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import CheckboxInput, ListWidget

from procedures.models import Kind

KIND_LABELS = {
    Kind.MANUAL.value: _l("Manual"),
    Kind.PROCEDURE.value: _l("Procedure"),
    Kind.WORK_INSTRUCTION.value: _l("Work instruction"),
    Kind.FORM_TEMPLATE.value: _l("Form template"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProcedureForm(FlaskForm):
    template = SelectField(
        _l("Start from a template"),
        choices=[],
        validators=[Optional()],
        description=_l("Procedure templates contributed by the area plugins."),
    )
    code = StringField(
        _l("Code"), validators=[DataRequired(), Length(max=32)], description=_l("For example AS-PR-003.")
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    department = SelectField(_l("Owning department"), choices=[], validators=[DataRequired()])
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()],
        default=Kind.PROCEDURE.value,
    )
    review_interval_months = IntegerField(
        _l("Review interval (months)"), default=12, validators=[InputRequired(), NumberRange(min=1, max=120)]
    )
    distribution_departments = MultiCheckboxField(_l("Departments who must read it"), choices=[])
    distribution_roles = MultiCheckboxField(_l("Roles who must read it"), choices=[])
    body = TextAreaField(_l("Text (Markdown)"), validators=[Optional()], render_kw={"rows": 22})


class DraftForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    change_summary = TextAreaField(
        _l("Change summary"),
        validators=[Optional(), Length(max=4000)],
        render_kw={"rows": 3},
        description=_l("What changed and why; required from revision 2 on."),
    )
    body = TextAreaField(_l("Text (Markdown)"), validators=[DataRequired()], render_kw={"rows": 26})
    row_version = HiddenField()


class SubmitForm(FlaskForm):
    effective_date = DateField(
        _l("Effective date"),
        validators=[Optional()],
        description=_l("Leave empty to take effect as soon as both approvals are in."),
    )
    row_version = HiddenField()


class SignForm(FlaskForm):
    meaning = HiddenField(validators=[DataRequired()])
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
        description=_l("Signing asks for your password again (21 CFR Part 11)."),
    )
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 3})


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for withdrawal"), validators=[DataRequired(), Length(max=4000)], render_kw={"rows": 3}
    )
    row_version = HiddenField()


class NewDraftForm(FlaskForm):
    pass
