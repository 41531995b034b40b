"""The ``int`` of every route (``/tokens/<int:token_id>``), for the pages and the API alike.

Werkzeug's accepts any number of digits, in any script, and hands the view a
number no database column can hold: the lookup then failed with an
OverflowError on SQLite, "integer out of range" on PostgreSQL (a 500 both).
This one matches ASCII digits up to the largest id an integer column holds
(``ID_MAX``, PostgreSQL's ``integer``); anything else matches no route, a 404
like any unknown id.

The bound is in the regular expression, not only in ``to_python``: when a
conversion fails, werkzeug answers 405 if another method's rule matched
the same address (``PATCH …/revisions/9223372036854775808`` → "allowed:
GET"), where no rule matching at all is the 404 it is.
"""

from __future__ import annotations

from werkzeug.routing import BaseConverter, IntegerConverter

# The largest id of a record: its column is an ``integer``, 32 bits on PostgreSQL,
# which refuses a larger number even to compare ("integer out of range").
ID_MAX = 2**31 - 1


def at_most(limit: int) -> str:
    """A regular expression for the decimal numbers from 0 to ``limit`` (leading zeros allowed)."""
    digits = str(limit)
    choices = ["0"]
    if len(digits) > 1:
        choices.append(f"[1-9][0-9]{{0,{len(digits) - 2}}}")
    # Same length as the limit: its first i digits, then a smaller one, then any.
    for i, digit in enumerate(digits):
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            rest = len(digits) - i - 1
            choices.append(f"{digits[:i]}[{lowest}-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    choices.append(digits)
    return f"0*(?:{'|'.join(choices)})"


class IdConverter(IntegerConverter):
    regex = at_most(ID_MAX)
    signed_regex = f"-?{regex}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = ID_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class PluginKeyConverter(BaseConverter):
    """A plugin's key (``<plugin>.<name>``, ``sales.nps``) as a path segment.

    Only a dotted segment matches, so ``/metrics/<key>`` leaves fixed
    siblings such as ``/metrics/imports`` alone: otherwise the key route
    would answer GET there as well, and ``Allow`` would list it.
    """

    regex = r"[^/.]+\.[^/]+"
    part_isolating = True


def plugin_key_schema(_converter) -> dict:
    return {"type": "string", "pattern": r"^[^/.]+\.[^/]+$"}


class PeriodConverter(BaseConverter):
    """A month as ``YYYY-MM``: an address naming something else is no measurement's (404)."""

    regex = r"[0-9]{4}-(?:0[1-9]|1[0-2])"
    part_isolating = True


def period_schema(_converter) -> dict:
    return {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])$"}


def init_app(app) -> None:
    """Before any route is added: a rule binds its converter when it is registered."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["plugin_key"] = PluginKeyConverter
    app.url_map.converters["period"] = PeriodConverter
