"""Root cause analyses, stored as structured data and checked per method.

- ``5why``: ``{"method": "5why", "chain": [{"why": …, "because": …}, …]}``
- ``fishbone``: ``{"method": "fishbone", "causes": {"man": […], "machine": […], …}}``
- ``8d``: ``{"method": "8d", "d0": …, …, "d8": …}`` (D0–D4 required by the
  time the cause is identified; D5–D8 may follow as the work goes on)
"""

from __future__ import annotations

from flask_babel import gettext as _

from core.errors import ValidationFailed

METHODS = ("5why", "fishbone", "8d")
FISHBONE_CATEGORIES = ("man", "machine", "method", "material", "measurement", "environment")
EIGHT_D = tuple(f"d{n}" for n in range(9))
EIGHT_D_REQUIRED = EIGHT_D[:5]
MAX_WHYS = 10
MAX_TEXT = 4000


def _text(value, field: str, required: bool = True) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationFailed.field(field, _("must be text"))
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed.required(field)
    if len(text) > MAX_TEXT:
        raise ValidationFailed.field(field, _("is longer than %(limit)s characters", limit=MAX_TEXT))
    return text


def validate(data) -> dict:
    """The analysis in its canonical form, or ValidationFailed naming the bad part."""
    if not isinstance(data, dict):
        raise ValidationFailed.field("root_cause", _("is required: an object with a method"))
    method = data.get("method")
    if method not in METHODS:
        raise ValidationFailed.field("root_cause.method", _("one of %(known)s", known=", ".join(METHODS)))
    if method == "5why":
        return _five_why(data)
    if method == "fishbone":
        return _fishbone(data)
    return _eight_d(data)


def _unknown(data: dict, allowed) -> None:
    extra = sorted(set(data) - set(allowed) - {"method"})
    if extra:
        raise ValidationFailed.field(f"root_cause.{extra[0]}", _("is not part of this method"))


def _five_why(data: dict) -> dict:
    _unknown(data, ("chain",))
    chain = data.get("chain")
    if not isinstance(chain, list) or not chain:
        raise ValidationFailed.field("root_cause.chain", _("give at least one why and because"))
    if len(chain) > MAX_WHYS:
        raise ValidationFailed.field("root_cause.chain", _("at most %(count)s steps", count=MAX_WHYS))
    steps = []
    for index, step in enumerate(chain):
        if not isinstance(step, dict):
            raise ValidationFailed.field(f"root_cause.chain[{index}]", _("must have why and because"))
        steps.append(
            {
                "why": _text(step.get("why"), f"root_cause.chain[{index}].why"),
                "because": _text(step.get("because"), f"root_cause.chain[{index}].because"),
            }
        )
    return {"method": "5why", "chain": steps}


def _fishbone(data: dict) -> dict:
    _unknown(data, ("causes",))
    causes = data.get("causes")
    if not isinstance(causes, dict):
        raise ValidationFailed.field(
            "root_cause.causes", _("an object with lists under %(known)s", known=", ".join(FISHBONE_CATEGORIES))
        )
    unknown = sorted(set(causes) - set(FISHBONE_CATEGORIES))
    if unknown:
        raise ValidationFailed.field(
            f"root_cause.causes.{unknown[0]}",
            _("not a fishbone category (one of %(known)s)", known=", ".join(FISHBONE_CATEGORIES)),
        )
    clean = {}
    for category in FISHBONE_CATEGORIES:
        values = causes.get(category) or []
        if not isinstance(values, list):
            raise ValidationFailed.field(f"root_cause.causes.{category}", _("must be a list of causes"))
        clean[category] = [
            _text(v, f"root_cause.causes.{category}[{i}]")
            for i, v in enumerate(values)
            if not (isinstance(v, str) and not v.strip())
        ]
    if not any(clean.values()):
        raise ValidationFailed.field("root_cause.causes", _("name at least one cause"))
    return {"method": "fishbone", "causes": clean}


def _eight_d(data: dict) -> dict:
    _unknown(data, EIGHT_D)
    return {
        "method": "8d",
        **{key: _text(data.get(key), f"root_cause.{key}", key in EIGHT_D_REQUIRED) for key in EIGHT_D},
    }


def summary(root_cause: dict | None) -> str:
    """One line for lists: the last answer of a 5-why, the D4 of an 8D …"""
    if not root_cause:
        return ""
    if root_cause["method"] == "5why":
        return root_cause["chain"][-1]["because"]
    if root_cause["method"] == "8d":
        return root_cause.get("d4", "")
    return "; ".join(cause for values in root_cause["causes"].values() for cause in values)
