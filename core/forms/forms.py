"""One form definition, one WTForms form class: the web page, the API and
the stored data all go through it, so a value the page refuses the API
refuses too, with the same message.

:func:`form_class` builds (and caches) the class of a definition;
:func:`clean_data` turns a validated form into the JSON stored with the
submission; :func:`formdata_from_json` feeds an API body to the same class.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from core.clock import utcnow
from core.i18n import current_locale
from core.plugin_engine.types import Field, Form
from core.times import from_wall_clock, wall_clock

TEXT_LIMIT = 1000
TEXTAREA_LIMIT = 10000
# Digits with the usual separators and an optional leading +; 6 to 20 digits.
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{4,28}[0-9]$")
PHONE_DIGITS = (6, 20)
YES, NO = "yes", "no"


# VIN --------------------------------------------------------------------------------

VIN_CHARACTERS = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# World manufacturer identifiers start with a region letter; North American
# ones (1–5) must carry the ISO 3779 check digit in position 9, elsewhere it is optional.
CHECK_DIGIT_REGIONS = tuple("12345")


def vin_check_digit(vin: str) -> str:
    total = sum(_TRANSLITERATION[char] * weight for char, weight in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_problem(vin: str) -> str | None:
    """Why ``vin`` is not a valid vehicle identification number, or None."""
    if len(vin) != 17:
        return str(_l("A VIN has 17 characters; this one has %(count)s.", count=len(vin)))
    if not VIN_CHARACTERS.match(vin):
        return str(_l("A VIN has only digits and capital letters other than I, O and Q."))
    if vin[0] in CHECK_DIGIT_REGIONS and vin[8] != vin_check_digit(vin):
        return str(_l("The check digit (9th character) does not match; the VIN has a typing error."))
    return None


class VinValidator:
    def __call__(self, form, field):
        if field.data:
            problem = vin_problem(field.data)
            if problem:
                raise ValidationError(problem)


class VinField(StringField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data:
            self.data = re.sub(r"\s+", "", self.data).upper()


# Field kinds ------------------------------------------------------------------------


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RatingField(RadioField):
    """A radio row over the declared scale; refuses a value off the scale by name."""

    def __init__(self, label=None, validators=None, scale=(1, 5), **kwargs):
        low, high = scale
        super().__init__(
            label, validators, choices=[SelectChoice(n, str(n)) for n in range(low, high + 1)], coerce=int, **kwargs
        )
        self.invalid_choice_message = _l("Choose a whole number from %(low)s to %(high)s.", low=low, high=high)

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(str(self.invalid_choice_message)) from None


class YesNoField(RadioField):
    """A question answered yes or no; unanswered stays None (not "no")."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(
            label, validators, choices=[SelectChoice(YES, _l("Yes")), SelectChoice(NO, _l("No"))], **kwargs
        )

    @property
    def answer(self) -> bool | None:
        return {YES: True, NO: False}.get(self.data)


class GroupField(FieldList):
    """Rows of a repeated group; rows left entirely blank are not rows."""

    def __init__(self, unbound, min_rows: int | None = None, max_rows: int | None = None, required=False, **kwargs):
        super().__init__(unbound, **kwargs)
        self.min_rows = max(min_rows or 0, 1 if required else 0)
        self.max_rows = max_rows

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if formdata:
            self.entries = [entry for entry in self.entries if _row_has_input(entry)]

    def validate(self, form, extra_validators=()):
        valid = super().validate(form, extra_validators)
        count = len(self.entries)
        if count < self.min_rows:
            self.errors = [str(_l("Add at least %(count)s row(s).", count=self.min_rows))]
            return False
        if self.max_rows is not None and count > self.max_rows:
            self.errors = [str(_l("At most %(count)s row(s) are allowed.", count=self.max_rows))]
            return False
        return valid


def _row_has_input(entry) -> bool:
    return any(raw for sub in entry.form for raw in (sub.raw_data or []) if str(raw).strip())


def _bounds(field: Field) -> list:
    if field.min is None and field.max is None:
        return []
    low, high = field.min, field.max
    if field.type == "decimal":
        low = None if low is None else Decimal(str(low))
        high = None if high is None else Decimal(str(high))
    return [NumberRange(min=low, max=high)]


def _presence(field: Field, *, collection: bool = False) -> list:
    if not field.required:
        return [Optional()]
    return [DataRequired()] if collection else [InputRequired()]


def _unbound(field: Field):
    """The WTForms field for one definition field."""
    options = {"label": str(field.label), "description": str(field.help) if field.help else ""}
    match field.type:
        case "text":
            return StringField(validators=[*_presence(field), Length(max=TEXT_LIMIT)], **options)
        case "textarea":
            return TextAreaField(
                validators=[*_presence(field), Length(max=TEXTAREA_LIMIT)], render_kw={"rows": 4}, **options
            )
        case "integer":
            return IntegerField(validators=[*_presence(field), *_bounds(field)], **options)
        case "decimal":
            return DecimalField(validators=[*_presence(field), *_bounds(field)], places=None, **options)
        case "date":
            return DateField(validators=_presence(field), **options)
        case "datetime":
            return DateTimeLocalField(
                validators=_presence(field),
                format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
                **options,
            )
        case "select":
            return SelectField(
                validators=_presence(field),
                choices=[SelectChoice("", "—")] + [SelectChoice(value, str(label)) for value, label in field.choices],
                **options,
            )
        case "multiselect":
            return CheckboxesField(
                validators=_presence(field, collection=True),
                choices=[SelectChoice(value, str(label)) for value, label in field.choices],
                **options,
            )
        case "boolean":
            return YesNoField(validators=_presence(field), **options)
        case "rating":
            return RatingField(validators=_presence(field), scale=field.scale, **options)
        case "email":
            return EmailField(
                validators=[*_presence(field), Length(max=254), Email(check_deliverability=False)], **options
            )
        case "phone":
            return TelField(
                validators=[
                    *_presence(field),
                    Regexp(
                        PHONE,
                        message=_l(
                            "Enter a telephone number: digits, spaces, brackets, dashes and an optional leading +."
                        ),
                    ),
                    PhoneDigits(),
                ],
                **options,
            )
        case "vin":
            return VinField(
                validators=[*_presence(field), VinValidator()],
                render_kw={"autocapitalize": "characters", "spellcheck": "false"},
                **options,
            )
        case "group":
            row = type(f"Row_{field.key}", (PlainForm,), {sub.key: _unbound(sub) for sub in field.fields})
            return GroupField(
                FormField(row), min_rows=field.min, max_rows=field.max, required=field.required, **options
            )
    raise ValueError(f"unknown field type {field.type!r}")


class PhoneDigits:
    def __call__(self, form, field):
        if field.data:
            digits = sum(char.isdigit() for char in field.data)
            low, high = PHONE_DIGITS
            if not low <= digits <= high:
                raise ValidationError(str(_l("A telephone number has %(low)s to %(high)s digits.", low=low, high=high)))


class SubmissionForm(FlaskForm):
    """The base of every generated form: conditional fields count only while shown."""

    definition: Form

    def visible(self, field: Field) -> bool:
        if field.visible_when is None:
            return True
        other_key, wanted = field.visible_when
        other = self.definition.field(other_key)
        if not self.visible(other):
            return False
        control = self[other_key]
        if other.type == "boolean":
            return control.answer is wanted
        if other.type == "multiselect":
            return wanted in (control.data or [])
        return control.data == wanted

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        # Hidden fields are neither required nor checked: what the user cannot see cannot be wrong.
        for field in self.definition.fields:
            if not self.visible(field):
                self[field.key].errors = []
        self._errors = None
        return not self.errors


_classes: dict[tuple, tuple[Form, type]] = {}


def form_class(definition: Form, csrf: bool = True) -> type[SubmissionForm]:
    """The WTForms class of a form definition, in the current language.

    Definitions are immutable, so the class is built once per definition
    object and language (labels are translated when the class is built).
    """
    from flask import has_request_context

    cache_key = (id(definition), csrf, current_locale() if has_request_context() else None)
    cached = _classes.get(cache_key)
    if cached is not None and cached[0] is definition:
        return cached[1]
    built = _build_class(definition, csrf)
    _classes[cache_key] = (definition, built)
    return built


def _build_class(definition: Form, csrf: bool) -> type[SubmissionForm]:
    attributes = {field.key: _unbound(field) for field in definition.fields}
    attributes["definition"] = definition
    if not csrf:
        attributes["Meta"] = type("Meta", (), {"csrf": False})
    return type(f"Form_{definition.key.replace('.', '_')}_v{definition.version}", (SubmissionForm,), attributes)


def start_with(form: SubmissionForm, args) -> None:
    """A form opened by a link that names values (``/forms/<key>/new?consultant=…&units_sold=12``)
    starts with them, read as typed values are: a page that computed figures hands them over
    instead of asking someone to copy them. Nothing is validated or stored until it is sent."""
    for field in form.definition.fields:
        if field.type != "group" and field.key in args:
            form[field.key].process(MultiDict([(field.key, value) for value in args.getlist(field.key)]))


def prefill(form: SubmissionForm, zone: tzinfo, person_name: str) -> None:
    """A form opened empty starts with what its fields' ``prefill`` asks for: now or today on the
    site's clock (most records are logged as they happen), the signed-in person's name. Only the
    web page calls this, and only before anything is typed."""
    moment = utcnow()
    values = {
        "now": wall_clock(moment, zone),
        "today": moment.astimezone(zone).date(),
        "me": person_name,
    }
    for field in form.definition.fields:
        if field.prefill is not None and form[field.key].data in (None, ""):
            form[field.key].data = values[field.prefill]


# Stored data ------------------------------------------------------------------------


def _clean_value(field: Field, wtf_field, zone: tzinfo):
    data = wtf_field.data
    match field.type:
        case "boolean":
            return wtf_field.answer
        case "decimal":
            return None if data is None else float(data)
        case "date":
            return None if data is None else data.isoformat()
        case "datetime":
            # Stored in UTC, without an offset, as datetime values always were.
            return None if data is None else from_wall_clock(data, zone).replace(tzinfo=None).isoformat("T", "seconds")
        case "multiselect":
            return list(data or []) or None
        case "group":
            rows = []
            for entry in wtf_field.entries:
                row = {sub.key: _clean_value(sub, entry.form[sub.key], zone) for sub in field.fields}
                rows.append({key: value for key, value in row.items() if value is not None})
            return rows or None
        case "text" | "textarea" | "email" | "phone" | "vin" | "select":
            return (data or "").strip() or None
    return data


def clean_data(form: SubmissionForm, zone: tzinfo = UTC) -> dict:
    """The submission as stored: visible, answered fields only, in JSON types.

    A date-time is typed on the wall clock of ``zone`` (the site's, on the
    web page; UTC through the API) and stored in UTC.
    """
    cleaned = {}
    for field in form.definition.fields:
        if not form.visible(field):
            continue
        value = _clean_value(field, form[field.key], zone)
        if value is not None:
            cleaned[field.key] = value
    return cleaned


def field_errors(form: SubmissionForm) -> list[dict]:
    """``[{"field", "message"}]`` with dotted names for group rows (``attendees.0.name``)."""
    found = []
    for field in form.definition.fields:
        errors = form[field.key].errors
        if field.type == "group" and errors and isinstance(errors[0], dict | list):
            for index, row_errors in enumerate(errors):
                for sub_key, messages in (row_errors or {}).items():
                    found.extend({"field": f"{field.key}.{index}.{sub_key}", "message": str(m)} for m in messages)
        else:
            found.extend({"field": field.key, "message": str(message)} for message in errors)
    return found


# API bodies -------------------------------------------------------------------------

TEXT_TYPES = ("text", "textarea", "email", "phone", "vin", "select", "date", "datetime")


def _json_type_problem(field: Field, value) -> str | None:
    if field.type in TEXT_TYPES and not isinstance(value, str):
        return str(_l("must be text"))
    if field.type in ("integer", "rating") and (isinstance(value, bool) or not isinstance(value, int)):
        return str(_l("must be a whole number"))
    if field.type == "decimal" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return str(_l("must be a number"))
    if field.type == "boolean" and not isinstance(value, bool):
        return str(_l("must be true or false"))
    if field.type == "multiselect" and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
        return str(_l("must be a list of choices"))
    if field.type == "group" and (not isinstance(value, list) or not all(isinstance(v, dict) for v in value)):
        return str(_l("must be a list of rows"))
    return None


def _as_form_text(field: Field, value) -> list[str]:
    if field.type == "boolean":
        return [YES if value else NO]
    if field.type == "multiselect":
        return [str(v) for v in value]
    if field.type == "datetime":
        # The API's times are UTC: a value with an offset is moved to UTC, one without is UTC already.
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return [value]
        if moment.tzinfo is not None:
            return [moment.astimezone(UTC).replace(tzinfo=None).isoformat("T", "seconds")]
        return [value]
    return [str(value)]


def formdata_from_json(definition: Form, data) -> tuple[MultiDict, list[dict]]:
    """An API body's ``data`` as the form post a browser would send, and the JSON type errors."""
    errors: list[dict] = []
    if not isinstance(data, dict):
        return MultiDict(), [{"field": "data", "message": str(_l("must be an object of field values"))}]
    known = {field.key: field for field in definition.fields}
    formdata = MultiDict()
    for key, value in data.items():
        field = known.get(key)
        if field is None:
            errors.append({"field": key, "message": str(_l("is not a field of this form"))})
            continue
        if value is None:
            continue
        problem = _json_type_problem(field, value)
        if problem:
            errors.append({"field": key, "message": problem})
            continue
        if field.type == "group":
            subfields = {sub.key: sub for sub in field.fields}
            for index, row in enumerate(value):
                for sub_key, sub_value in row.items():
                    name = f"{key}.{index}.{sub_key}"
                    sub = subfields.get(sub_key)
                    if sub is None:
                        errors.append({"field": name, "message": str(_l("is not a field of this form"))})
                    elif sub_value is not None:
                        if problem := _json_type_problem(sub, sub_value):
                            errors.append({"field": name, "message": problem})
                        else:
                            for text in _as_form_text(sub, sub_value):
                                formdata.add(f"{key}-{index}-{sub_key}", text)
            continue
        for text in _as_form_text(field, value):
            formdata.add(key, text)
    return formdata, errors
