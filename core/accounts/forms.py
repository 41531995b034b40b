"""Forms of the accounts pages. They check the shape of the input; the rules
(who may do what, what a valid login is) stay in the services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
)
from wtforms.widgets import CheckboxInput, ListWidget

from core.accounts.models import Role
from core.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from core.i18n import LANGUAGE_NAMES, supported_locales
from core.web.forms_support import VersionedForm

# Only the shape: whether an address really receives mail is for the mail server to say.
EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address such as name@example.com."))


# The new-password fields check only that something was typed: the policy
# (core.accounts.passwords) answers in the service, the same for every way in.
PASSWORD_HELP = _l(
    "At least %(min)d and at most %(max)d characters, not a common password, and without the login name.",
    min=MIN_LENGTH,
    max=MAX_LENGTH,
)

ROLE_LABELS = {
    Role.ADMIN.value: _l("Administrator"),
    Role.QUALITY_OFFICER.value: _l("Quality officer"),
    Role.DEPARTMENT_HEAD.value: _l("Department head"),
    Role.AUDITOR.value: _l("Auditor"),
    Role.STAFF.value: _l("Staff"),
}


def role_choices():
    return [SelectChoice(role.value, ROLE_LABELS[role.value]) for role in Role]


class CheckboxList(SelectMultipleField):
    """Several choices as checkboxes: easier to tap on a tablet than a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    login = StringField(
        _l("Login"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=1024)], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), validators=[DataRequired()])
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = [SelectChoice(code, LANGUAGE_NAMES.get(code, code)) for code in supported_locales()]


class ProfileForm(VersionedForm):
    display_name = StringField(
        _l("Display name"), validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "name"}
    )
    email = StringField(
        _l("E-mail"),
        validators=[Optional(), EMAIL, Length(max=254)],
        render_kw={"autocomplete": "email", "type": "email"},
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired()],
        description=PASSWORD_HELP,
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[Optional(), Length(max=100)],
        description=_l("What the token is for, e.g. the system that uses it."),
    )


class UserForm(VersionedForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("E-mail"), validators=[Optional(), EMAIL, Length(max=254)], render_kw={"type": "email"})
    roles = CheckboxList(_l("Roles"), choices=role_choices(), validators=[DataRequired()])
    department = SelectField(
        _l("Department"), validators=[Optional()], description=_l("A department head heads this department.")
    )
    site = SelectField(_l("Site"), validators=[Optional()])
    active = BooleanField(_l("Active (may log in)"), default=True)


class NewUserForm(UserForm):
    row_version = None
    active = None
    login = StringField(
        _l("Login"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[Optional()],
        description=_l("Leave empty to generate a temporary password, shown once."),
        render_kw={"autocomplete": "new-password"},
    )


class SetPasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired()],
        description=PASSWORD_HELP,
        render_kw={"autocomplete": "new-password"},
    )


class SiteForm(VersionedForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    time_zone = StringField(
        _l("Time zone"),
        validators=[Optional(), Length(max=64)],
        description=_l("The dealership's clock, e.g. Asia/Shanghai: its days, months and the times shown there."),
    )
    active = BooleanField(_l("Active"), default=True)


class NewSiteForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("Capital letters, digits, '-' or '_'; cannot be changed later."),
        render_kw={"autocapitalize": "characters"},
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    time_zone = StringField(
        _l("Time zone"),
        validators=[Optional(), Length(max=64)],
        description=_l("The dealership's clock, e.g. Asia/Shanghai: its days, months and the times shown there."),
    )


class DepartmentForm(VersionedForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class HeadshipForm(FlaskForm):
    """The head and deputy of a department at one site, or group-wide; prefixed
    with the site's code (or "group") so that a page can hold one per site."""

    head = SelectField(
        _l("Head"),
        validators=[Optional()],
        description=_l("Active department heads of this department who work there."),
    )
    deputy = SelectField(_l("Deputy"), validators=[Optional()], description=_l("Acts while the head is away."))
    row_version = HiddenField()


class NewDepartmentForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=32)],
        description=_l("Capital letters, digits, '-' or '_'; cannot be changed later."),
        render_kw={"autocapitalize": "characters"},
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
