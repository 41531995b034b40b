"""The values plugins contribute: plain, typed, immutable.

Every type checks itself when it is built, so a malformed definition fails in
the plugin that wrote it, at start-up, with a message that says what is wrong
(the plugin manager adds the plugin's name). Later parts of the product store,
render and validate against these values; they never need to re-check them.

All fields are keyword-only: ``Question(key="q1", text="…")``. Lists given for
sequence fields are kept as tuples, so a definition cannot change after
start-up.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal
from numbers import Real
from types import MappingProxyType
from typing import Any

from flask_babel import LazyString

# Texts may be translatable (``flask_babel.lazy_gettext``) so that a
# checklist shows in the reader's language.
Text = str | LazyString

FIELD_TYPES = (
    "text",
    "textarea",
    "integer",
    "decimal",
    "date",
    "datetime",
    "select",
    "multiselect",
    "boolean",
    "rating",
    "email",
    "phone",
    "vin",
    "group",
)
NUMERIC_FIELD_TYPES = ("integer", "decimal")
CHOICE_FIELD_TYPES = ("select", "multiselect")
DIRECTIONS = ("higher", "lower")
# What a field may start with when its form is opened empty on the web, and the field types it fits:
# the current time or day on the site's clock, or the signed-in person's name.
PREFILLS = {"now": ("datetime",), "today": ("date",), "me": ("text",)}
PERIODS = ("month", "quarter", "year")
# How a checklist's items are answered: ``grades`` (ISO 19011 grades only, no score)
# or a scored scale the auditor gives points on (``yes_no``: the grade's yes or no).
SCALES = ("grades", "yes_no", "points_0_2", "points_0_3", "percent")
# The highest points an item can be given on each scored scale.
SCALE_MAXIMUM = MappingProxyType({"yes_no": 1, "points_0_2": 2, "points_0_3": 3, "percent": 100})
# The ISO 19011 grades a scored checklist maps onto its scale (N/A is left out of the score).
SCORED_GRADES = ("conforming", "minor_nc", "major_nc", "observation", "ofi")
# What each grade earns of an item's points unless the checklist says otherwise: a conforming
# item or an observation earns all of them, an OFI or a minor nonconformity half, a major none.
# A yes/no checklist has no half: only a nonconformity is a "no".
DEFAULT_GRADE_POINTS = MappingProxyType(
    {
        "yes_no": MappingProxyType(
            {"conforming": 1.0, "observation": 1.0, "ofi": 1.0, "minor_nc": 0.0, "major_nc": 0.0}
        ),
        "points": MappingProxyType(
            {"conforming": 1.0, "observation": 1.0, "ofi": 0.5, "minor_nc": 0.5, "major_nc": 0.0}
        ),
    }
)
PROCEDURE_KINDS = ("manual", "procedure", "work_instruction", "form_template")
ROLES = ("admin", "quality_officer", "department_head", "auditor", "staff")
# The departments every instance has (``dealerqms init`` creates them): the codes an
# ``area``, a procedure's ``department`` and a nonconformity's department name.
# An administrator may add others; start-up warns about a code outside this list.
DEPARTMENTS = MappingProxyType(
    {
        "SALES": "Sales",
        "AFTERSALES": "After-sales",
        "TRAINING": "Training",
        "MARKETING": "Marketing",
        "RISK": "Risk management",
        "COMMS": "Communication",
        "QUALITY": "Quality",
    }
)

# ``<plugin>.<name>``; the manager checks that the first part is the plugin's name.
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$")
# Field keys become form field names and JSON keys.
_FIELD_KEY = re.compile(r"^[a-z_][a-z0-9_]*$")
_QUESTION_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")
_PROCEDURE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9.-]*$")
MAX_KEY_LENGTH = 100
MAX_PROCEDURE_CODE_LENGTH = 32
MAX_TITLE_LENGTH = 300


class DefinitionError(ValueError):
    """A plugin's definition is malformed; the message says where and why."""


def _fail(owner: str, problem: str):
    raise DefinitionError(f"{owner}: {problem}")


def _set(instance, name: str, value) -> None:
    object.__setattr__(instance, name, value)


def _check_text(owner: str, name: str, value, *, required: bool = True, limit: int | None = None) -> None:
    if isinstance(value, LazyString):
        return
    if not isinstance(value, str):
        _fail(owner, f"{name} must be text, not {type(value).__name__}")
    if required and not value.strip():
        _fail(owner, f"{name} is empty")
    if limit is not None and len(value) > limit:
        _fail(owner, f"{name} is longer than {limit} characters")


def _check_key(owner: str, value, pattern: re.Pattern = _KEY, what: str = "key") -> None:
    if not isinstance(value, str) or not value:
        _fail(owner, f"{what} must be a non-empty string, not {value!r}")
    if len(value) > MAX_KEY_LENGTH or not pattern.match(value):
        _fail(
            owner, f"{what} {value!r} is not valid (lower-case letters, digits, '_' and '-', parts separated by dots)"
        )


def _is_number(value) -> bool:
    return isinstance(value, Real | Decimal) and not isinstance(value, bool)


def _check_number(owner: str, name: str, value, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not _is_number(value):
        _fail(owner, f"{name} must be a number, not {value!r}")


def _check_code(owner: str, name: str, value, pattern: re.Pattern = _CODE, limit: int = 32) -> None:
    if not isinstance(value, str) or not pattern.match(value) or len(value) > limit:
        _fail(
            owner, f"{name} {value!r} is not a valid code (upper-case letters, digits, '-', at most {limit} characters)"
        )


def _tuple(instance, name: str) -> tuple:
    value = getattr(instance, name)
    if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
        _fail(_describe(instance), f"{name} must be a list, not {type(value).__name__}")
    value = tuple(value)
    _set(instance, name, value)
    return value


def _describe(instance) -> str:
    ident = getattr(instance, "key", None) or getattr(instance, "code", None)
    name = type(instance).__name__
    return f"{name} {ident!r}" if isinstance(ident, str) and ident else name


def _checks_arguments(cls):
    """Report a missing, unknown or misplaced argument as a :class:`DefinitionError` naming the field.

    The dataclass's own ``__init__`` raises a bare ``TypeError`` that names
    neither the definition nor, once the manager has caught it, the field.
    """
    init = cls.__init__
    parameters = [f for f in fields(cls) if f.init]
    names = [f.name for f in parameters]
    required = [f.name for f in parameters if f.default is MISSING and f.default_factory is MISSING]
    keyword_only = all(f.kw_only for f in parameters)

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        owner = _describe_arguments(cls, kwargs)
        if args and keyword_only:
            _fail(owner, f"takes keyword arguments only: {cls.__name__}({names[0]}=…, …)")
        if len(args) > len(names):
            _fail(owner, f"takes at most {len(names)} values, not {len(args)}")
        given = set(names[: len(args)])
        for name in kwargs:
            if name not in names:
                _fail(owner, f"has no field {name!r} (fields: {', '.join(names)})")
            if name in given:
                _fail(owner, f"{name} is given twice")
        missing = [name for name in required if name not in given and name not in kwargs]
        if missing:
            _fail(owner, f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required")
        init(self, *args, **kwargs)

    cls.__init__ = __init__
    return cls


def _describe_arguments(cls, kwargs: dict) -> str:
    for name in ("key", "code", "name", "title", "label"):
        ident = kwargs.get(name)
        if isinstance(ident, str) and ident:
            return f"{cls.__name__} {ident!r}"
    return cls.__name__


def _unique(owner: str, what: str, keys) -> None:
    seen = set()
    for key in keys:
        if key in seen:
            _fail(owner, f"{what} {key!r} appears twice")
        seen.add(key)


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class Question:
    """One checklist question.

    ``reference`` names what the question checks against (a clause such as
    ``ISO 9001 8.5.1`` or a procedure code); ``guidance`` tells the auditor
    what evidence to look for.
    """

    key: str
    text: Text
    reference: Text = ""
    guidance: Text = ""
    # Scoring (checklists with a scored ``scale``): the question's share of its section,
    # the section it belongs to, and whether failing it fails the audit whatever the score.
    weight: float = 1
    section: str = ""
    must_pass: bool = False

    def __post_init__(self):
        owner = f"question {self.key!r}"
        _check_key(owner, self.key, _QUESTION_KEY)
        _check_text(owner, "text", self.text)
        _check_text(owner, "reference", self.reference, required=False)
        _check_text(owner, "guidance", self.guidance, required=False)
        _check_weight(owner, self.weight)
        if not isinstance(self.section, str):
            _fail(owner, f"section must be the key of one of the checklist's sections, not {self.section!r}")
        if not isinstance(self.must_pass, bool):
            _fail(owner, f"must_pass must be True or False, not {self.must_pass!r}")


def _check_weight(owner: str, weight) -> None:
    if not _is_number(weight) or not weight > 0 or weight != weight or weight == float("inf"):
        _fail(owner, f"weight must be a number greater than 0, not {weight!r}")


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class Section:
    """A part of a scored checklist: its questions are scored together, and the
    section counts in the audit's score by its ``weight``."""

    key: str
    title: Text
    weight: float = 1

    def __post_init__(self):
        owner = f"section {self.key!r}"
        _check_key(owner, self.key, _QUESTION_KEY)
        _check_text(owner, "title", self.title, limit=MAX_TITLE_LENGTH)
        _check_weight(owner, self.weight)


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class Checklist:
    """An audit checklist. Recorded audits keep a copy of the questions, so a
    new ``version`` never changes an audit already started.

    Scoring: ``scale`` is ``grades`` (ISO 19011 grades, no score) or a scored
    scale (:data:`SCALES`); ``sections`` group the questions (each question names
    its ``section``); ``pass_threshold`` is the percent an audit needs to pass;
    ``grade_points`` says what fraction of an item's points each grade earns when
    the auditor gives no points (:data:`DEFAULT_GRADE_POINTS` otherwise).
    """

    key: str
    title: Text
    questions: tuple[Question, ...]
    area: str = ""
    version: int = 1
    description: Text = ""
    sections: tuple[Section, ...] = ()
    scale: str = "grades"
    pass_threshold: float | None = None
    grade_points: Mapping[str, float] | None = None

    def __post_init__(self):
        owner = _describe(self)
        _check_key(owner, self.key)
        _check_text(owner, "title", self.title, limit=MAX_TITLE_LENGTH)
        _check_text(owner, "description", self.description, required=False)
        if self.area:
            _check_code(owner, "area", self.area)
        _check_version(owner, self.version)
        questions = _tuple(self, "questions")
        if not questions:
            _fail(owner, "has no questions")
        for question in questions:
            if not isinstance(question, Question):
                _fail(owner, f"questions must be Question values, not {type(question).__name__}")
        _unique(owner, "question key", (q.key for q in questions))
        self._check_scoring(owner)

    def _check_scoring(self, owner: str) -> None:
        if self.scale not in SCALES:
            _fail(owner, f"scale must be one of {', '.join(SCALES)}, not {self.scale!r}")
        sections = _tuple(self, "sections")
        for section in sections:
            if not isinstance(section, Section):
                _fail(owner, f"sections must be Section values, not {type(section).__name__}")
        _unique(owner, "section key", (s.key for s in sections))
        known = {s.key for s in sections}
        for question in self.questions:
            if question.section and question.section not in known:
                if not sections:
                    _fail(
                        owner, f"question {question.key!r} names section {question.section!r} but there are no sections"
                    )
                _fail(
                    owner,
                    f"question {question.key!r} names section {question.section!r}, "
                    f"which is not one of the checklist's sections ({', '.join(sorted(known))})",
                )
            if sections and not question.section:
                _fail(owner, f"question {question.key!r} names no section (the checklist has sections)")
        if self.pass_threshold is not None:
            if not _is_number(self.pass_threshold) or not 0 <= self.pass_threshold <= 100:
                _fail(owner, f"pass_threshold must be a percent from 0 to 100, not {self.pass_threshold!r}")
        if self.grade_points is not None:
            if not isinstance(self.grade_points, Mapping):
                _fail(owner, f"grade_points must map grades to fractions, not {type(self.grade_points).__name__}")
            for grade, fraction in self.grade_points.items():
                if grade not in SCORED_GRADES:
                    _fail(owner, f"grade_points: unknown grade {grade!r} (known: {', '.join(SCORED_GRADES)})")
                if not _is_number(fraction) or not 0 <= fraction <= 1:
                    _fail(owner, f"grade_points: {grade} must be a fraction from 0 to 1, not {fraction!r}")
            _set(self, "grade_points", MappingProxyType(dict(self.grade_points)))
        if self.scale == "grades" and (
            self.pass_threshold is not None
            or self.grade_points is not None
            or any(q.must_pass or q.weight != 1 for q in self.questions)
            or any(s.weight != 1 for s in sections)
        ):
            _fail(owner, "weights, must-pass items, a pass threshold and grade points need a scored scale")

    @property
    def scored(self) -> bool:
        return self.scale != "grades"

    @property
    def points_per_grade(self) -> Mapping[str, float]:
        """What each grade earns of an item's points: the checklist's own mapping over the scale's default."""
        default = DEFAULT_GRADE_POINTS["yes_no" if self.scale == "yes_no" else "points"]
        return MappingProxyType({**default, **(self.grade_points or {})})

    def question(self, key: str) -> Question:
        return next(q for q in self.questions if q.key == key)


def _check_version(owner: str, version) -> None:
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        _fail(owner, f"version must be a whole number from 1, not {version!r}")


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class Metric:
    """A KPI definition.

    ``direction`` says which way is better (``higher`` or ``lower``);
    ``target`` and ``warning`` are thresholds in ``unit``; ``computed``
    metrics get their values from ``compute_metric`` and refuse manual entry,
    ``formula`` says in words how they are computed. ``inputs`` names the
    forms a computed metric reads: a submission of another form then does
    not recompute it (without ``inputs``, every submission at the site does).
    A metric fed by other records names those (``audits.inspections``): no
    submission recomputes it, and its plugin recomputes it when they change.
    ``decimals`` is how many decimals its values are shown with; without it the
    core chooses by unit (``core.metrics.services.decimals``).
    """

    key: str
    name: Text
    unit: Text
    direction: str
    target: float
    warning: float | None = None
    period: str = "month"
    computed: bool = False
    formula: Text = ""
    description: Text = ""
    area: str = ""
    inputs: tuple[str, ...] = ()
    decimals: int | None = None

    def __post_init__(self):
        owner = _describe(self)
        _check_key(owner, self.key)
        _check_text(owner, "name", self.name, limit=MAX_TITLE_LENGTH)
        if self.decimals is not None and (
            isinstance(self.decimals, bool) or not isinstance(self.decimals, int) or not 0 <= self.decimals <= 4
        ):
            _fail(owner, f"decimals must be a whole number from 0 to 4, not {self.decimals!r}")
        object.__setattr__(self, "inputs", tuple(self.inputs))
        for form_key in self.inputs:
            _check_key(owner, form_key)
        if self.inputs and not self.computed:
            _fail(owner, "inputs are the forms a computed metric reads; this metric is entered by hand")
        _check_text(owner, "unit", self.unit, required=False, limit=32)
        if self.direction not in DIRECTIONS:
            _fail(owner, f"direction must be 'higher' or 'lower', not {self.direction!r}")
        _check_number(owner, "target", self.target)
        _check_number(owner, "warning", self.warning, optional=True)
        if self.period not in PERIODS:
            _fail(owner, f"period must be one of {', '.join(PERIODS)}, not {self.period!r}")
        if not isinstance(self.computed, bool):
            _fail(owner, f"computed must be True or False, not {self.computed!r}")
        _check_text(owner, "formula", self.formula, required=False)
        _check_text(owner, "description", self.description, required=False)
        if self.area:
            _check_code(owner, "area", self.area)


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class Field:
    """One field of a form.

    - ``type``: one of :data:`FIELD_TYPES`.
    - ``choices`` (select and multiselect only, required there): values, or
      ``(value, label)`` pairs; kept as pairs.
    - ``min``/``max``: bounds of the value (integer, decimal) or of the number
      of rows (group).
    - ``scale``: ``(lowest, highest)`` of a rating, e.g. ``(1, 5)`` or ``(0, 10)``.
    - ``fields``: the fields of one row of a repeated group.
    - ``visible_when``: ``(other_field_key, value)``: the field shows (and is
      required, if ``required``) only while the earlier field has that value
      (for a multiselect: while that value is among those chosen).
    - ``prefill``: what the field starts with when somebody opens the form
      on the web (never over what they typed; the API and the command line
      take values as given): ``"now"`` (datetime: the current time on the
      site's clock), ``"today"`` (date: the site's day) or ``"me"`` (text:
      the signed-in person's name).
    """

    key: str
    label: Text
    type: str = "text"
    required: bool = False
    choices: tuple[tuple[str, Text], ...] = ()
    min: float | None = None
    max: float | None = None
    help: Text = ""
    scale: tuple[int, int] | None = None
    fields: tuple[Field, ...] = ()
    visible_when: tuple[str, Any] | None = None
    prefill: str | None = None

    def __post_init__(self):
        owner = f"field {self.key!r}"
        _check_key(owner, self.key, _FIELD_KEY)
        _check_text(owner, "label", self.label, limit=MAX_TITLE_LENGTH)
        _check_text(owner, "help", self.help, required=False)
        if self.type not in FIELD_TYPES:
            _fail(owner, f"unknown type {self.type!r} (known: {', '.join(FIELD_TYPES)})")
        if not isinstance(self.required, bool):
            _fail(owner, f"required must be True or False, not {self.required!r}")
        self._check_choices(owner)
        self._check_bounds(owner)
        self._check_scale(owner)
        self._check_group(owner)
        self._check_prefill(owner)
        if self.visible_when is not None:
            condition = self.visible_when
            if isinstance(condition, dict) and len(condition) == 1:
                condition = next(iter(condition.items()))
            if not isinstance(condition, tuple | list) or len(condition) != 2 or not isinstance(condition[0], str):
                _fail(owner, "visible_when must be a pair (field key, value)")
            _set(self, "visible_when", tuple(condition))

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.choices)

    def _check_choices(self, owner: str) -> None:
        choices = _tuple(self, "choices")
        if self.type not in CHOICE_FIELD_TYPES:
            if choices:
                _fail(owner, f"a {self.type} field takes no choices")
            return
        if not choices:
            _fail(owner, f"a {self.type} field needs choices")
        pairs = []
        for choice in choices:
            value, label = (choice, choice) if isinstance(choice, str) else _pair(owner, choice)
            if not isinstance(value, str) or not value:
                _fail(owner, f"choice value {value!r} must be non-empty text")
            _check_text(owner, f"label of choice {value!r}", label)
            pairs.append((value, label))
        _unique(owner, "choice", (value for value, _label in pairs))
        _set(self, "choices", tuple(pairs))

    def _check_bounds(self, owner: str) -> None:
        if self.min is None and self.max is None:
            return
        if self.type == "group":
            for name in ("min", "max"):
                value = getattr(self, name)
                if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                    _fail(owner, f"{name} (number of rows) must be a whole number from 0, not {value!r}")
        elif self.type in NUMERIC_FIELD_TYPES:
            for name in ("min", "max"):
                _check_number(owner, name, getattr(self, name), optional=True)
                value = getattr(self, name)
                if self.type == "integer" and value is not None and value != int(value):
                    _fail(owner, f"{name} of an integer field must be whole, not {value!r}")
        else:
            _fail(owner, f"a {self.type} field takes no min/max (only integer, decimal and group do)")
        if self.min is not None and self.max is not None and self.min > self.max:
            _fail(owner, f"min {self.min!r} is greater than max {self.max!r}")

    def _check_scale(self, owner: str) -> None:
        if self.type != "rating":
            if self.scale is not None:
                _fail(owner, f"a {self.type} field takes no scale (only rating does)")
            return
        scale = self.scale
        if (
            not isinstance(scale, tuple | list)
            or len(scale) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in scale)
        ):
            _fail(owner, f"a rating needs scale=(lowest, highest) in whole numbers, not {scale!r}")
        if scale[0] >= scale[1]:
            _fail(owner, f"scale {tuple(scale)!r} must go from a lower to a higher number")
        _set(self, "scale", tuple(scale))

    def _check_prefill(self, owner: str) -> None:
        if self.prefill is None:
            return
        if self.prefill not in PREFILLS:
            _fail(owner, f"unknown prefill {self.prefill!r} (known: {', '.join(PREFILLS)})")
        fits = PREFILLS[self.prefill]
        if self.type not in fits:
            _fail(owner, f"prefill {self.prefill!r} fits a {' or '.join(fits)} field, not a {self.type} field")

    def _check_group(self, owner: str) -> None:
        fields = _tuple(self, "fields")
        if self.type != "group":
            if fields:
                _fail(owner, f"a {self.type} field takes no fields (only group does)")
            return
        if not fields:
            _fail(owner, "a group needs fields")
        for sub in fields:
            if not isinstance(sub, Field):
                _fail(owner, f"fields must be Field values, not {type(sub).__name__}")
            if sub.type == "group":
                _fail(owner, f"group {sub.key!r} cannot be nested inside another group")
            if sub.visible_when is not None:
                _fail(owner, f"field {sub.key!r} inside a group cannot have visible_when")
            if sub.prefill is not None:
                _fail(owner, f"field {sub.key!r} inside a group cannot have a prefill (rows start empty)")
        _unique(owner, "field key", (sub.key for sub in fields))


def _pair(owner: str, choice) -> tuple:
    if not isinstance(choice, tuple | list) or len(choice) != 2:
        _fail(owner, f"a choice must be a value or a (value, label) pair, not {choice!r}")
    return tuple(choice)


def _whole(owner: str, name: str, value, lowest: int, highest: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not lowest <= value <= highest:
        _fail(owner, f"{name} must be a whole number from {lowest} to {highest}, not {value!r}")


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class FollowUp:
    """What a low score on a survey form sets going (``Form.follow_up``): a follow-up for the
    head of ``department`` at the site, due ``within_days`` after the site's day of the answer.

    A score is low when a watched rating is ``at_most`` or less; ``fields`` names the watched
    ratings (empty: every rating field of the form). An instance may set its own threshold for
    every follow-up of a plugin's forms: ``plugin_config(<plugin>)["follow_up_at_most"]``.
    """

    department: str
    at_most: int = 6
    within_days: int = 2
    fields: tuple[str, ...] = ()

    def __post_init__(self):
        owner = "FollowUp"
        _check_code(owner, "department", self.department)
        _whole(owner, "at_most", self.at_most, -1000, 1000)
        _whole(owner, "within_days", self.within_days, 0, 365)
        watched = _tuple(self, "fields")
        for key in watched:
            _check_key(owner, key, _FIELD_KEY, "field")
        _unique(owner, "field", watched)


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class Register:
    """What makes a form a register of records (``Form.register``): each submission is an entry of
    the record its ``key`` field names (a complaint's ID, a risk's; compared without surrounding
    spaces and case), and a record is closed once its current entry's ``status`` (a select field)
    is one of ``closed``. The current entry is the last submitted, or with ``current_by`` (a date
    field: the date of the update, typed in late at times) the one of the latest date, the last
    submitted of that date. ``open_records_between`` then reads the entries of the open records
    only, and the demo-data generator makes records that are opened, updated and closed (with
    the first of ``closed``).
    """

    key: str
    status: str = "status"
    closed: tuple[str, ...] = ("closed",)
    current_by: str = ""

    def __post_init__(self):
        owner = "Register"
        _check_key(owner, self.key, _FIELD_KEY, "field")
        _check_key(owner, self.status, _FIELD_KEY, "field")
        if self.current_by:
            _check_key(owner, self.current_by, _FIELD_KEY, "field")
        values = _tuple(self, "closed")
        if not values or not all(isinstance(value, str) and value for value in values):
            _fail(owner, "closed must name at least one status value")


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class Form:
    """A form definition. Submissions keep the ``version`` they were made
    with, so a new version never invalidates what is already stored.
    ``follow_up`` (a :class:`FollowUp`) makes a low rating a task for a head; ``register`` (a
    :class:`Register`) makes each submission an entry of a record that is open until closed."""

    key: str
    title: Text
    fields: tuple[Field, ...]
    version: int = 1
    description: Text = ""
    area: str = ""
    follow_up: FollowUp | None = None
    register: Register | None = None

    def __post_init__(self):
        owner = _describe(self)
        _check_key(owner, self.key)
        _check_text(owner, "title", self.title, limit=MAX_TITLE_LENGTH)
        _check_text(owner, "description", self.description, required=False)
        _check_version(owner, self.version)
        if self.area:
            _check_code(owner, "area", self.area)
        fields = _tuple(self, "fields")
        if not fields:
            _fail(owner, "has no fields")
        earlier: dict[str, Field] = {}
        for item in fields:
            if not isinstance(item, Field):
                _fail(owner, f"fields must be Field values, not {type(item).__name__}")
            if item.key in earlier:
                _fail(owner, f"field key {item.key!r} appears twice")
            if item.visible_when is not None:
                _check_condition(owner, item, earlier)
            earlier[item.key] = item
        if self.follow_up is not None:
            self._check_follow_up(owner, earlier)
        if self.register is not None:
            self._check_register(owner, earlier)

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    @property
    def watched_ratings(self) -> tuple[Field, ...]:
        """The rating fields whose low score starts a follow-up (none without ``follow_up``)."""
        if self.follow_up is None:
            return ()
        if self.follow_up.fields:
            return tuple(self.field(key) for key in self.follow_up.fields)
        return tuple(item for item in self.fields if item.type == "rating")

    def _check_register(self, owner: str, by_key: dict[str, Field]) -> None:
        if not isinstance(self.register, Register):
            _fail(owner, f"register must be a Register value, not {type(self.register).__name__}")
        for role in ("key", "status", "current_by"):
            name = getattr(self.register, role)
            if name and name not in by_key:
                _fail(owner, f"register's {role} {name!r} is not a field of the form")
        if self.register.current_by and by_key[self.register.current_by].type != "date":
            _fail(owner, f"register's current_by {self.register.current_by!r} must be a date field")
        status = by_key[self.register.status]
        if status.type != "select" or not set(self.register.closed) <= set(status.choice_values):
            closed = list(self.register.closed)
            _fail(owner, f"register's status {status.key!r} must be a select field offering {closed}")

    def _check_follow_up(self, owner: str, by_key: dict[str, Field]) -> None:
        if not isinstance(self.follow_up, FollowUp):
            _fail(owner, f"follow_up must be a FollowUp value, not {type(self.follow_up).__name__}")
        for key in self.follow_up.fields:
            if key not in by_key:
                _fail(owner, f"follow_up watches {key!r}, which is not a field of the form")
            if by_key[key].type != "rating":
                _fail(owner, f"follow_up watches {key!r}, a {by_key[key].type} field; only ratings have scores")
        watched = self.watched_ratings
        if not watched:
            _fail(owner, "has a follow_up but no rating field to watch")
        for item in watched:
            # A threshold at or above a rating's top would follow up every answer.
            if self.follow_up.at_most >= item.scale[1]:
                _fail(owner, f"follow_up at_most {self.follow_up.at_most} is not below the top of {item.key!r}")


def _check_condition(owner: str, item: Field, earlier: dict[str, Field]) -> None:
    other_key, value = item.visible_when
    other = earlier.get(other_key)
    if other is None:
        _fail(owner, f"field {item.key!r} is visible_when {other_key!r}, which is not an earlier field")
    if other.type == "group":
        _fail(owner, f"field {item.key!r} cannot depend on the group {other_key!r}")
    if other.type == "boolean" and not isinstance(value, bool):
        _fail(owner, f"field {item.key!r} depends on the yes/no field {other_key!r}; give True or False")
    if other.type in CHOICE_FIELD_TYPES and value not in other.choice_values:
        _fail(owner, f"field {item.key!r} depends on {other_key!r} being {value!r}, which is not one of its choices")


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class ProcedureTemplate:
    """A starter procedure, offered as the starting point of a new one.

    ``department`` is the owning department's code; ``body`` is Markdown, or a
    mapping of language (``en``, ``zh_CN``) to Markdown when the document is
    written in several — a new procedure starts from the one in its author's
    language (:meth:`body_in`); ``distribution_departments``/``distribution_roles``
    say who must read and acknowledge it.
    """

    code: str
    title: Text
    department: str
    body: str | Mapping[str, str]
    kind: str = "procedure"
    review_interval_months: int = 12
    distribution_departments: tuple[str, ...] = ()
    distribution_roles: tuple[str, ...] = ()

    def __post_init__(self):
        owner = _describe(self)
        _check_code(owner, "code", self.code, _PROCEDURE_CODE, MAX_PROCEDURE_CODE_LENGTH)
        _check_text(owner, "title", self.title, limit=MAX_TITLE_LENGTH)
        _check_code(owner, "department", self.department)
        if isinstance(self.body, Mapping):
            if not self.body:
                _fail(owner, "body has no language")
            for language, text in self.body.items():
                _check_text(owner, f"body[{language!r}]", text)
            object.__setattr__(self, "body", MappingProxyType(dict(self.body)))
        else:
            _check_text(owner, "body", self.body)
        if self.kind not in PROCEDURE_KINDS:
            _fail(owner, f"kind must be one of {', '.join(PROCEDURE_KINDS)}, not {self.kind!r}")
        interval = self.review_interval_months
        if not isinstance(interval, int) or isinstance(interval, bool) or not 1 <= interval <= 120:
            _fail(owner, f"review_interval_months must be a whole number from 1 to 120, not {interval!r}")
        for department in _tuple(self, "distribution_departments"):
            _check_code(owner, "distribution department", department)
        for role in _tuple(self, "distribution_roles"):
            if role not in ROLES:
                _fail(owner, f"unknown role {role!r} in distribution_roles (known: {', '.join(ROLES)})")

    def body_in(self, language: str) -> str:
        """The Markdown in ``language`` (``zh_CN``; ``zh`` matches it too), else in English, else the first."""
        if isinstance(self.body, str):
            return self.body
        for candidate in (language, language.split("_")[0], "en"):
            for key, text in self.body.items():
                if key == candidate or key.split("_")[0] == candidate:
                    return text
        return next(iter(self.body.values()))


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class MenuLink:
    """A navigation entry: a URL, or the endpoint of a view (``usedcars.index``)."""

    label: Text
    url: str | None = None
    endpoint: str | None = None

    def __post_init__(self):
        _check_text("menu link", "label", self.label)
        if (self.url is None) == (self.endpoint is None):
            _fail(f"menu link {self.label!r}", "give either url or endpoint")
        if self.url is not None:
            _check_text(f"menu link {self.label!r}", "url", self.url)
            if self.url.lower().lstrip().startswith(("javascript:", "data:", "vbscript:")):
                _fail(f"menu link {self.label!r}", f"url {self.url!r} is not a link")
        if self.endpoint is not None:
            _check_text(f"menu link {self.label!r}", "endpoint", self.endpoint)


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class DashboardPanel:
    """A dashboard panel: a title with either HTML or a chart.

    ``html`` is inserted as given (escape what comes from users with
    ``markupsafe.escape``; the page's CSP allows no inline scripts or styles).
    ``chart`` is the key of a metric; the dashboard draws its trend for the
    site shown.
    """

    title: Text
    html: str | None = None
    chart: str | None = None

    def __post_init__(self):
        _check_text("dashboard panel", "title", self.title, limit=MAX_TITLE_LENGTH)
        owner = f"dashboard panel {self.title!r}"
        if (self.html is None) == (self.chart is None):
            _fail(owner, "give either html or chart")
        if self.html is not None:
            _check_text(owner, "html", self.html)
        if self.chart is not None:
            _check_key(owner, self.chart, what="chart metric key")


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class PackSection:
    """An extra section of an audit's evidence pack (print-ready HTML: fixed
    table layout, no flexbox, no scripts)."""

    title: Text
    html: str

    def __post_init__(self):
        _check_text("pack section", "title", self.title, limit=MAX_TITLE_LENGTH)
        _check_text(f"pack section {self.title!r}", "html", self.html)


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class JobKind:
    """A kind of background job (``register_job_kinds``): what ``run`` does in a worker process.

    ``run(context)`` gets a ``JobContext`` (``params``, ``folder``,
    ``progress(done, total, message)``) and returns the name of the file it
    wrote into ``context.folder``; raising fails the job (a
    ``core.errors.DomainError``'s detail is shown as it is). ``title`` names
    the kind on the job pages; ``describe(params)`` says what one job is about.
    """

    name: str
    run: Callable
    title: Text = ""
    describe: Callable[[dict], str] | None = None

    def __post_init__(self):
        owner = f"job kind {self.name!r}"
        _check_key(owner, self.name, what="name")
        if not callable(self.run):
            _fail(owner, "run must be a function of the job's context")
        if self.describe is not None and not callable(self.describe):
            _fail(owner, "describe must be a function of the job's parameters")
        _check_text(owner, "title", self.title, required=False, limit=MAX_TITLE_LENGTH)

    def subject(self, params: dict) -> str:
        return self.describe(params) if self.describe else ""


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class NotificationKind:
    """A kind of notification (``register_notification_kinds``): an event that needs a person.

    ``title`` names the kind on the preferences page; ``subject`` and ``message`` are
    ``%``-format texts (mark them with ``lazy_gettext``) filled with a notification's
    parameters in the recipient's language: the in-app line and the e-mail's subject, and
    the e-mail's text above the link to the record. A ``mandatory`` kind (a signature asked
    of someone) cannot be turned off; the others can be sent at once, in a daily digest, or
    not by e-mail.
    """

    key: str
    title: Text
    subject: Text
    message: Text = ""
    mandatory: bool = False

    def __post_init__(self):
        owner = f"notification kind {self.key!r}"
        _check_key(owner, self.key)
        _check_text(owner, "title", self.title, limit=MAX_TITLE_LENGTH)
        _check_text(owner, "subject", self.subject, limit=MAX_TITLE_LENGTH)
        _check_text(owner, "message", self.message, required=False)


@_checks_arguments
@dataclass(frozen=True)
class Task:
    """A piece of work waiting for a user, in their inbox (``user_tasks``).

    ``kind`` is a namespaced key (``procedures.approve``) that groups tasks for the
    inbox's filter and for "next"; ``kind_label`` names the kind for people. ``title``
    says what is to be done, ``record`` which record, ``why`` why it is this user's;
    ``url`` opens the page where it is done. ``due`` (a date, or None for no deadline)
    sorts the inbox; a task past it is shown overdue.
    """

    kind: str
    kind_label: Text
    title: Text
    url: str
    why: Text
    due: date | None = None
    record: str = ""


class TaskList(list):
    """The first tasks of a source (earliest due first) and ``total``, how many it has in all:
    the count in the navigation is the sum of the totals, without listing every task.

    ``kind_totals`` says how many there are of each kind (``{kind: total}``), when the source
    knows: the inbox page shows the first few of each kind under its count."""

    def __init__(self, items=(), total: int | None = None, kind_totals: dict[str, int | None] | None = None):
        super().__init__(items)
        self.total = len(self) if total is None else total
        self.kind_totals = dict(kind_totals or {})

    @classmethod
    def joined(cls, parts: dict[str, TaskList]) -> TaskList:
        """One list of the sources in ``parts`` (``{kind: its tasks}``), each kind's total kept."""
        return cls(
            [task for part in parts.values() for task in part],
            total=sum(part.total for part in parts.values()),
            kind_totals={kind: part.total for kind, part in parts.items()},
        )


@_checks_arguments
@dataclass(frozen=True)
class OverdueItem:
    """One overdue piece of work on the dashboard (``dashboard_overdue``)."""

    kind: str
    label: str
    url: str
    due: date
    owner: str | None = None


class OverdueList(list):
    """The earliest overdue items of a source and ``total``, how many it has in all.

    A source with hundreds of items returns only its earliest (the dashboard
    shows ``OVERDUE_SHOWN`` in all) and says how many there are.
    """

    def __init__(self, items=(), total: int | None = None):
        super().__init__(items)
        self.total = len(self) if total is None else total


@_checks_arguments
@dataclass(frozen=True)
class RiskFactor:
    """What a plugin knows that makes a department riskier to leave unaudited
    (``audit_risk_factors``): points towards more audits a year, and why, in words."""

    points: int
    reason: str

    def __post_init__(self):
        owner = "RiskFactor"
        if not isinstance(self.points, int) or isinstance(self.points, bool) or not 0 <= self.points <= 10:
            _fail(owner, f"points must be a whole number from 0 to 10, not {self.points!r}")
        _check_text(owner, "reason", self.reason)


@_checks_arguments
@dataclass(frozen=True)
class ReviewInput:
    """A section a plugin adds to a management review's inputs (``review_inputs``): a title
    and (label, value) rows of text and numbers, kept as compiled."""

    key: str
    title: str
    rows: tuple = ()

    def __post_init__(self):
        owner = "ReviewInput"
        _check_key(owner, self.key)
        _check_text(owner, "title", self.title, limit=200)
        rows = _tuple(self, "rows")
        for row in rows:
            if not isinstance(row, list | tuple) or len(row) != 2:
                _fail(owner, f"each row must be a (label, value) pair, not {row!r}")
            label, value = row
            _check_text(owner, "a row's label", label, limit=300)
            if not (value is None or isinstance(value, str | LazyString) or _is_number(value)):
                _fail(owner, f"the value of {str(label)!r} must be text or a number, not {type(value).__name__}")
        _set(self, "rows", tuple(tuple(row) for row in rows))


@_checks_arguments
@dataclass(frozen=True)
class Kpi:
    """A KPI tile on the dashboard (``dashboard_kpis``)."""

    label: str
    value: str
    url: str | None = None
    unit: str = ""
    period: str = ""
    # green, amber or red, as the metric series reports it.
    status: str | None = None
    # The heading the tile is grouped under (an area); tiles without one come first.
    group: str = ""
    # A small trend chart (SVG), when there is a history to draw.
    sparkline: str | None = None


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class PluginPermission:
    """A permission a plugin declares (``register_permissions``) and the roles that hold it.

    ``key`` is ``<plugin>.<name>``; ``description`` says what it allows as
    the end of "you may …" (``"appraise trade-ins"``), for refusals;
    ``roles`` are role names from :data:`ROLES`. The plugin checks it with
    ``can(user, key)`` or ``require(user, key)``.
    """

    key: str
    description: Text
    roles: tuple[str, ...]

    def __post_init__(self):
        owner = _describe(self)
        _check_key(owner, self.key)
        _check_text(owner, "description", self.description, limit=MAX_TITLE_LENGTH)
        roles = _tuple(self, "roles")
        if not roles:
            _fail(owner, "names no roles; give at least one of " + ", ".join(ROLES))
        for role in roles:
            if role not in ROLES:
                _fail(owner, f"unknown role {role!r} (known: {', '.join(ROLES)})")
        _unique(owner, "role", roles)


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class PublicForm:
    """A form customers fill in on a public page, without logging in (``register_public_forms``).

    ``form`` is the key of one of the plugin's forms; what the customer sends is
    validated and stored by the same rules as the staff page, so its computed metrics
    update as if staff had typed it in. How the customer reaches it:

    - ``after``: the key of a transaction form (a delivery, a repair order): each of
      its submissions issues a one-time link with a QR code (``/s/<token>``) for one
      answer of this form. ``carry`` copies fields of the transaction into the answer
      (``{"consultant": "consultant"}``: the survey's field from the delivery's), so
      that results can later be read per consultant or order; carried fields are not
      asked.
    - ``walk_in``: also offered at the site's link, without a token (a walk-in customer).
    - ``complaint``: the site's complaint intake (``/c/<site>``); each gets a reference
      number ``<prefix>-<site>-<year>-<number>``, written into ``reference_field``.

    ``asks`` names the fields shown to the customer (empty: every field not carried,
    fixed or set by the intake); ``fixed`` sets the others a staff member would choose
    (``{"channel": "web"}``); ``received_field`` (a field key, or a tuple of them) is
    set to when the customer sent it: a date field to the day on the site's clock, a
    date-time field to the moment (a complaint's 24 hours start then). ``personal``
    names the fields that hold personal data (a name, a phone number): the page shows
    the PIPL notice, and they are stored only with the customer's explicit consent.
    ``handled_within_days`` is what the acknowledgement promises. ``labels`` words a
    field for the customer where its staff label would read oddly
    (``{"customer": _l("Your name")}``).
    """

    form: str
    after: str = ""
    carry: Any = dataclass_field(default_factory=dict)
    walk_in: bool = False
    complaint: bool = False
    asks: tuple[str, ...] = ()
    fixed: Any = dataclass_field(default_factory=dict)
    reference_field: str = ""
    received_field: Any = ""
    personal: tuple[str, ...] = ()
    labels: Any = dataclass_field(default_factory=dict)
    prefix: str = "CP"
    handled_within_days: int = 7

    @property
    def key(self) -> str:
        return self.form

    def __post_init__(self):
        owner = f"PublicForm {self.form!r}"
        _check_key(owner, self.form, what="form")
        if self.after:
            _check_key(owner, self.after, what="after")
        if not (self.after or self.walk_in or self.complaint):
            _fail(owner, "is reachable by no link: give after, walk_in or complaint")
        if self.complaint and self.after:
            _fail(owner, "a complaint is made at the site's link, not after a transaction")
        if not isinstance(self.carry, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.carry.items()
        ):
            _fail(owner, "carry must map the form's field keys to the transaction's field keys")
        if self.carry and not self.after:
            _fail(owner, "carry needs after: it copies fields of the transaction")
        if not isinstance(self.fixed, dict):
            _fail(owner, "fixed must map field keys to values")
        if not isinstance(self.labels, dict):
            _fail(owner, "labels must map field keys to texts")
        for key, label in self.labels.items():
            _check_text(owner, f"label of {key!r}", label, limit=MAX_TITLE_LENGTH)
        received = (self.received_field,) if isinstance(self.received_field, str) else self.received_field
        if not isinstance(received, tuple | list) or not all(isinstance(key, str) for key in received):
            _fail(owner, "received_field must be a field key or a tuple of field keys")
        _set(self, "received_field", tuple(key for key in received if key))
        _unique(owner, "asked field", _tuple(self, "asks"))
        _unique(owner, "personal field", _tuple(self, "personal"))
        if self.complaint and not self.reference_field:
            _fail(owner, "a complaint needs reference_field, the field that receives its reference number")
        _check_code(owner, "prefix", self.prefix, limit=8)
        if isinstance(self.handled_within_days, bool) or not isinstance(self.handled_within_days, int):
            _fail(owner, "handled_within_days must be a whole number")
        if self.handled_within_days < 1:
            _fail(owner, "handled_within_days must be at least 1")


__all__ = [
    "CHOICE_FIELD_TYPES",
    "DEPARTMENTS",
    "DIRECTIONS",
    "FIELD_TYPES",
    "NUMERIC_FIELD_TYPES",
    "PERIODS",
    "PROCEDURE_KINDS",
    "ROLES",
    "Checklist",
    "DashboardPanel",
    "DefinitionError",
    "Field",
    "Form",
    "JobKind",
    "Kpi",
    "MenuLink",
    "Metric",
    "OverdueItem",
    "OverdueList",
    "PackSection",
    "PluginPermission",
    "PublicForm",
    "ProcedureTemplate",
    "Question",
]


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class SearchDocument:
    """One record as search indexes it (what a ``SearchSource``'s ``documents`` yields).

    ``key`` is the record's id within its kind, as text; ``title`` and ``reference`` (a code,
    a number) rank above ``body``; ``url`` is the path of the record's page; ``site_id`` the
    site the record belongs to (None for the group's).
    """

    key: str
    title: str
    url: str
    reference: str = ""
    body: str = ""
    site_id: int | None = None

    def __post_init__(self):
        owner = f"SearchDocument {self.key!r}"
        if not isinstance(self.key, str) or not self.key or len(self.key) > 100:
            _fail(owner, "key must be non-empty text of at most 100 characters")
        _check_text(owner, "title", self.title, required=False)
        _check_text(owner, "url", self.url, limit=500)
        _check_text(owner, "reference", self.reference, required=False, limit=100)
        _check_text(owner, "body", self.body, required=False)
        if self.site_id is not None and not isinstance(self.site_id, int):
            _fail(owner, f"site_id must be an int or None, not {self.site_id!r}")


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class SearchSource:
    """A kind of record search finds (``search_sources``): how to index it and who may read it.

    ``kind`` names the kind (``nonconformity``; unique across plugins), ``label`` shows on
    results. ``documents(keys)`` yields a :class:`SearchDocument` for each record of ``keys``
    that still exists and is to be found (every such record when ``keys`` is None); a key it
    does not yield leaves the index. ``models`` are the mapped classes whose changes alter
    those documents, and ``keys_of(obj)`` the keys a changed ``obj`` of one of them touches: the
    index follows each commit through them. ``readable(user)`` is a SQL ``select`` of the keys
    (as text) of the records ``user`` may open — the same rule as the record's page; search
    shows nothing else.
    """

    kind: str
    label: Text
    documents: Callable
    readable: Callable
    models: tuple = ()
    keys_of: Callable | None = None

    def __post_init__(self):
        owner = f"SearchSource {self.kind!r}"
        _check_key(owner, self.kind, what="kind")
        _check_text(owner, "label", self.label, limit=100)
        for name in ("documents", "readable"):
            if not callable(getattr(self, name)):
                _fail(owner, f"{name} must be callable")
        models = _tuple(self, "models")
        if models and not callable(self.keys_of):
            _fail(owner, "keys_of is required with models: it names the records a change touches")
        for model in models:
            if not isinstance(model, type):
                _fail(owner, f"models must be mapped classes, not {model!r}")


def _text_mapping(owner: str, name: str, value) -> MappingProxyType:
    if not isinstance(value, dict | MappingProxyType):
        _fail(owner, f"{name} must be a mapping, not {type(value).__name__}")
    for key, text in value.items():
        _check_text(owner, f"{name}[{key!r}]", text)
    return MappingProxyType(dict(value))


@_checks_arguments
@dataclass(frozen=True, kw_only=True)
class TrailEntity:
    """How one kind of record reads in its history (``register_trail_entities``).

    The trail stores what the database held: ``department_id: 3 → 5``, states such as
    ``in_review``. This says it in the words of the record's pages. ``entity_type`` is
    the trail's name of the record (``procedure_revision``; a model's ``__trail_entity__``
    or its class name in snake case); ``label`` what people call one (``revision``).

    ``fields`` gives each column the label of its form field (``{"due_date": _l("Due
    date")}``); an unlisted column shows as its key in words (``due date``), and a key of a
    JSON column's value is labelled as ``"<column>.<key>"``. ``values``
    translates stored values per column (``{"state": {"open": _l("open")}}``). ``hidden``
    columns are bookkeeping nobody reads (ids, hashes, the moment a row was created: the
    event has it). ``long_text`` columns (a procedure's body) are summarised as characters
    added and removed instead of printed. ``references`` name the entity type a column
    points to (``{"owner_id": "user"}``), so the value shows as that record's name.

    ``actions`` replace the sentence of a creation, change or deletion (``{"create":
    _l("%(who)s gave %(record)s")}``). ``transitions`` are the sentences of a change of
    ``state`` by its new value,
    ``%``-format texts with ``%(who)s`` and ``%(record)s`` (``{"closed": _l("%(who)s
    closed %(record)s")}``); other state changes read "moved … from … to …". ``name``
    returns how people call the record with the given id (``revision 2 of SA-PR-001``),
    or None when it is gone; ``link`` its page, or None; ``compare`` the page that shows
    how its long text changed (a procedure revision's diff), or None.
    """

    entity_type: str
    label: Text
    fields: Any = dataclass_field(default_factory=dict)
    values: Any = dataclass_field(default_factory=dict)
    hidden: Any = frozenset()
    long_text: Any = frozenset()
    references: Any = dataclass_field(default_factory=dict)
    actions: Any = dataclass_field(default_factory=dict)
    transitions: Any = dataclass_field(default_factory=dict)
    name: Callable[[str], Any] | None = None
    link: Callable[[str], str | None] | None = None
    compare: Callable[[str], str | None] | None = None

    def __post_init__(self):
        owner = f"trail entity {self.entity_type!r}"
        _check_key(owner, self.entity_type, _FIELD_KEY, "entity_type")
        _check_text(owner, "label", self.label)
        _set(self, "fields", _text_mapping(owner, "fields", self.fields))
        _set(self, "transitions", _text_mapping(owner, "transitions", self.transitions))
        _set(self, "actions", _text_mapping(owner, "actions", self.actions))
        unknown = set(self.actions) - {"create", "update", "delete"}
        if unknown:
            _fail(owner, f"actions has {', '.join(sorted(unknown))}: only create, update and delete have sentences")
        if not isinstance(self.values, dict | MappingProxyType):
            _fail(owner, f"values must be a mapping, not {type(self.values).__name__}")
        _set(
            self,
            "values",
            MappingProxyType(
                {column: _text_mapping(owner, f"values[{column!r}]", words) for column, words in self.values.items()}
            ),
        )
        if not isinstance(self.references, dict | MappingProxyType):
            _fail(owner, f"references must be a mapping, not {type(self.references).__name__}")
        _set(self, "references", MappingProxyType(dict(self.references)))
        for name in ("hidden", "long_text"):
            value = getattr(self, name)
            if isinstance(value, str) or not hasattr(value, "__iter__"):
                _fail(owner, f"{name} must be a set of column names, not {type(value).__name__}")
            _set(self, name, frozenset(value))
        for name in ("name", "link", "compare"):
            if getattr(self, name) is not None and not callable(getattr(self, name)):
                _fail(owner, f"{name} must be a function of the record's id")


@dataclass(frozen=True)
class TrailSites:
    """A ``trail_scope`` answer for one entity type, read from the events themselves: the
    records at ``sites``, plus those ``plus`` selects wherever they are.

    Each trail event keeps the site of its record (see "The trail knows its site" in
    ``docs/writing-plugins.md``), so this rule is a test of the event's own columns that an
    index serves, where an id-select makes the database look up every event it passes: a
    reader's page stays as fast with a million events as with a thousand.

    ``sites``: site ids (``None`` in it for the records of the group itself, which have no
    site), or ``None`` for every site. ``within``: optional ``select`` of ids (as text) the
    records at those sites must also be in — a rule the site alone does not make, e.g. a
    department head's department. ``plus``: optional ``select`` of ids (as text) readable
    wherever they are, e.g. the records the reader entered themselves.
    """

    sites: Any
    within: Any = None
    plus: Any = None

    def __post_init__(self):
        if self.sites is not None:
            if isinstance(self.sites, str | bytes) or not hasattr(self.sites, "__iter__"):
                _fail("TrailSites", f"sites must be site ids or None, not {type(self.sites).__name__}")
            object.__setattr__(self, "sites", tuple(self.sites))
