from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FileField,
    FloatField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.fields import BooleanField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from wtforms.widgets import HiddenInput

from core.web.forms_support import VersionedForm

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
PERIOD_MESSAGE = _l("Write the period as YYYY-MM.")


class MeasurementForm(FlaskForm):
    site = HiddenField(validators=[DataRequired()])
    period = StringField(
        _l("Period"),
        validators=[DataRequired(), Regexp(PERIOD_PATTERN, message=PERIOD_MESSAGE)],
        render_kw={"placeholder": "2026-03", "inputmode": "numeric"},
    )
    value = FloatField(_l("Value"), validators=[InputRequired()])


class CorrectionForm(VersionedForm):
    value = FloatField(_l("Corrected value"), validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason for the correction"), validators=[DataRequired(), Length(max=4000)], render_kw={"rows": 3}
    )


class RecomputeForm(FlaskForm):
    site = HiddenField(validators=[DataRequired()])
    period = StringField(_l("Period"), validators=[DataRequired(), Regexp(PERIOD_PATTERN, message=PERIOD_MESSAGE)])


class TargetForm(FlaskForm):
    target = FloatField(_l("Target"), validators=[InputRequired()])
    warning = FloatField(_l("Warning threshold"), validators=[Optional()])
    reason = TextAreaField(
        _l("Why this site's target differs"), validators=[DataRequired(), Length(max=4000)], render_kw={"rows": 3}
    )
    # Empty while the site has no override of its own; the service asks for it once one exists.
    row_version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file (metric,site,period,value)"), validators=[DataRequired()])
    import_valid_rows = BooleanField(_l("Import the valid rows even if others have errors"))
