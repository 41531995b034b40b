"""Valid data for any form definition, made from its fields alone.

The generator knows nothing of the areas' forms: it reads each field's type,
choices, bounds, scale, rows and ``visible_when`` and makes a value that the
form's own validation (:func:`core.forms.services.validate_json`) accepts, in
the shape :func:`core.forms.forms.clean_data` stores.
"""

from __future__ import annotations

import random
import string
from datetime import datetime, timedelta

from core.forms.forms import vin_check_digit
from core.plugin_engine.types import Field, Form

WORDS = (
    "customer",
    "vehicle",
    "service",
    "delivery",
    "check",
    "brake",
    "tyre",
    "follow-up",
    "invoice",
    "warranty",
    "parts",
    "appointment",
    "showroom",
    "test drive",
    "finance",
    "insurance",
    "manager",
    "advisor",
    "technician",
    "report",
    "call",
    "quality",
    "training",
    "campaign",
    "complaint",
    "door",
    "engine",
    "noise",
    "paint",
    "wash",
    "waiting",
    "explained",
    "booked",
    "confirmed",
    "repaired",
)
VIN_CHARACTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
OPTIONAL_ANSWERED = 0.8


def _phrase(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize()


def _vin(rng: random.Random) -> str:
    # "L" (China) as the region: no check digit required, but give a right one anyway.
    body = "L" + "".join(rng.choice(VIN_CHARACTERS) for _ in range(16))
    return body[:8] + vin_check_digit(body[:8] + "0" + body[9:]) + body[9:]


def _number_bounds(field: Field) -> tuple[float, float]:
    low, high = field.min, field.max
    if low is None and high is None:
        return 0, 100
    if low is None:
        return high - 100, high
    if high is None:
        return low, low + 100
    return low, high


def _value(field: Field, rng: random.Random, moment: datetime):
    match field.type:
        case "text":
            return _phrase(rng, 2, 5)
        case "textarea":
            return ". ".join(_phrase(rng, 5, 12) for _ in range(rng.randint(1, 3))) + "."
        case "integer":
            low, high = _number_bounds(field)
            return rng.randint(int(low), int(high))
        case "decimal":
            low, high = _number_bounds(field)
            return min(max(round(rng.uniform(low, high), 2), low), high)
        case "date":
            return (moment.date() - timedelta(days=rng.randint(0, 20))).isoformat()
        case "datetime":
            when = moment.replace(tzinfo=None, microsecond=0) - timedelta(minutes=rng.randint(0, 20 * 24 * 60))
            return when.isoformat(timespec="seconds")
        case "select":
            return rng.choice(field.choice_values)
        case "multiselect":
            values = field.choice_values
            return rng.sample(values, rng.randint(1, min(3, len(values))))
        case "boolean":
            return rng.random() < 0.75
        case "rating":
            low, high = field.scale
            # Mostly satisfied customers, a few unhappy ones: the metrics show variation.
            return max(low, min(high, round(rng.triangular(low, high, high - (high - low) / 5))))
        case "email":
            return f"{''.join(rng.choice(string.ascii_lowercase) for _ in range(8))}@example.com"
        case "phone":
            return f"+86 1{rng.randint(30, 99)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
        case "vin":
            return _vin(rng)
        case "group":
            low = max(int(field.min or 0), 1 if field.required else 0)
            high = int(field.max) if field.max is not None else low + 3
            rows = []
            for _ in range(rng.randint(low, max(low, min(high, low + 3)))):
                row = {
                    sub.key: _value(sub, rng, moment)
                    for sub in field.fields
                    if sub.required or rng.random() < OPTIONAL_ANSWERED
                }
                rows.append(row)
            return rows or None
    raise ValueError(f"unknown field type {field.type!r}")


def _visible(field: Field, data: dict) -> bool:
    if field.visible_when is None:
        return True
    other, wanted = field.visible_when
    if other not in data:
        return False
    value = data[other]
    if isinstance(value, list):
        return wanted in value
    return value == wanted if not isinstance(wanted, bool) else value is wanted


def fill(form: Form, rng: random.Random, moment: datetime, given: dict | None = None) -> dict:
    """A submission's data for ``form`` as if entered at ``moment`` (UTC), with the ``given``
    fields' values (a register entry's record and status) where those fields are shown."""
    data: dict = {}
    given = given or {}
    for field in form.fields:
        if not _visible(field, data):
            continue
        if field.key in given:
            data[field.key] = given[field.key]
            continue
        # A group with a minimum number of rows refuses to be left out, required or not.
        needed = field.required or (field.type == "group" and (field.min or 0) > 0)
        if not needed and rng.random() >= OPTIONAL_ANSWERED:
            continue
        value = _value(field, rng, moment)
        if value is not None:
            data[field.key] = value
    return data
