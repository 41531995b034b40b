"""Every field type's validation through the one path the web form and the API share."""

import pytest

from core.errors import ValidationFailed
from core.forms import services
from core.forms.forms import vin_check_digit, vin_problem
from tests.forms.conftest import GOOD, VIN
from tests.forms.sample_plugin import INSPECTION


def refused(data) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        services.validate_json(INSPECTION, data)
    return {entry["field"]: entry["message"] for entry in caught.value.errors}


def test_valid_data_is_cleaned_into_json_types(ctx):
    data = {
        **GOOD,
        "hours": 1.5,
        "delivered_on": "2026-03-02",
        "appointment": "2026-03-02T09:30:00Z",
        "areas": ["paint", "tyres"],
        "rating": 4,
        "email": "li@example.com",
        "phone": "+86 10 6552 9988",
        "whys": [{"why": "Late", "because": "No parts"}, {"why": "No parts"}],
        "notes": "  ",
    }
    cleaned = services.validate_json(INSPECTION, data)
    assert cleaned == {
        **GOOD,
        "hours": 1.5,
        "delivered_on": "2026-03-02",
        "appointment": "2026-03-02T09:30:00",
        "areas": ["paint", "tyres"],
        "rating": 4,
        "email": "li@example.com",
        "phone": "+86 10 6552 9988",
        "whys": [{"why": "Late", "because": "No parts"}, {"why": "No parts"}],
    }


def test_missing_required_fields_are_each_named(ctx):
    errors = refused({})
    assert set(errors) == {"customer", "mileage", "severity", "complaint", "vin"}


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("mileage", -1, "between 0 and 2000000"),
        ("mileage", 2000001, "between"),
        ("mileage", "many", "whole number"),
        ("mileage", True, "whole number"),
        ("mileage", 1.5, "whole number"),
        ("hours", 100, "between"),
        ("hours", "1,5", "must be a number"),
        ("delivered_on", "02/03/2026", "date"),
        ("delivered_on", 20260302, "must be text"),
        ("appointment", "tomorrow", "datetime"),
        ("severity", "medium", "choice"),
        ("areas", ["paint", "wheels"], "choice"),
        ("areas", "paint", "list of choices"),
        ("complaint", "yes", "true or false"),
        ("rating", 6, "from 1 to 5"),
        ("rating", 0, "from 1 to 5"),
        ("email", "not-an-address", "email"),
        ("phone", "call me", "telephone"),
        ("phone", "12345", "telephone"),
        ("customer", "x" * 1001, "1000"),
        ("vin", "1M8GDM9AXKP04278", "17 characters"),
        ("vin", "1M8GDM9AXKP04278O", "I, O and Q"),
        ("vin", "1M8GDM9A1KP042788", "check digit"),
        ("whys", [{"because": "No parts"}], "required"),
        ("whys", [{"why": str(n)} for n in range(6)], "At most 5"),
        ("whys", [{"why": "x", "who": "y"}], "not a field"),
        ("colour", "red", "not a field"),
    ],
)
def test_bad_values_are_refused_naming_the_field(ctx, field, value, fragment):
    errors = refused({**GOOD, field: value})
    name = next(name for name in errors if name == field or name.startswith(field + "."))
    assert fragment.lower() in errors[name].lower(), errors
    assert set(errors) == {name}


def test_group_rows_are_named_by_index(ctx):
    errors = refused({**GOOD, "whys": [{"why": "ok"}, {"because": "no why"}]})
    assert errors == {"whys.1.why": "This field is required."}


def test_conditional_field_is_required_only_while_shown(ctx):
    assert "complaint_text" in refused({**GOOD, "complaint": True})
    cleaned = services.validate_json(INSPECTION, {**GOOD, "complaint": True, "complaint_text": "Scratch"})
    assert cleaned["complaint_text"] == "Scratch"
    # Hidden: neither required nor stored.
    cleaned = services.validate_json(INSPECTION, {**GOOD, "complaint": False, "complaint_text": "stale"})
    assert "complaint_text" not in cleaned


def test_vin_check_digit_follows_iso_3779():
    assert vin_check_digit(VIN) == "X"
    assert vin_problem(VIN) is None
    assert vin_problem("11111111111111111") is None  # check digit 1
    # Outside North America the check digit is optional.
    assert vin_problem("WVWZZZ1JZXW000001") is None


def test_vin_is_normalised_to_capitals_without_spaces(ctx):
    cleaned = services.validate_json(INSPECTION, {**GOOD, "vin": " 1m8gdm9axkp 042788 "})
    assert cleaned["vin"] == VIN
