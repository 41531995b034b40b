"""The communication numbers, as plain functions of submitted form data."""

from __future__ import annotations

import calendar
from datetime import date


def _day(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def period_end(period: str) -> date:
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


def latest_actions(meetings: list[dict]) -> list[dict]:
    """Every action of the meeting logs once, as the latest meeting recorded it.

    Logs carry open actions over from meeting to meeting; an action is the same
    when its text (ignoring case and spacing) and its due date are.
    """
    latest: dict[tuple, tuple[date, dict]] = {}
    for meeting in meetings:
        held = _day(meeting.get("meeting_date")) or date.min
        for action in meeting.get("actions") or []:
            key = (" ".join(str(action.get("action") or "").lower().split()), str(action.get("due") or ""))
            if key not in latest or held >= latest[key][0]:
                latest[key] = (held, action)
    return [action for _held, action in latest.values()]


def actions_on_time_rate(meetings: list[dict], period: str) -> float | None:
    """Actions due by the end of the period that were done by their due date ÷ those actions, %."""
    end = period_end(period)
    due = [a for a in latest_actions(meetings) if _day(a.get("due")) and _day(a["due"]) <= end]
    if not due:
        return None
    on_time = sum(
        1
        for a in due
        if a.get("status") == "done" and _day(a.get("closed_on")) and _day(a["closed_on"]) <= _day(a["due"])
    )
    return on_time / len(due) * 100


def overdue_actions(meetings: list[dict], today: date) -> list[dict]:
    """Open actions whose due date has passed, the longest overdue first."""
    late = [
        a
        for a in latest_actions(meetings)
        if a.get("status") != "done" and _day(a.get("due")) and _day(a["due"]) < today
    ]
    return sorted(late, key=lambda a: _day(a["due"]))


def handoff_rate(handoffs: list[dict]) -> float | None:
    """Deliveries whose customer was introduced to a service advisor ÷ deliveries handed over, %."""
    if not handoffs:
        return None
    return sum(1 for h in handoffs if h.get("service_introduced")) / len(handoffs) * 100


def ro_update_rate(repair_orders: list[dict]) -> float | None:
    """Repair orders whose customer was updated during the service ÷ repair orders, %; a repair
    order that does not record an update counts as one without."""
    if not repair_orders:
        return None
    return sum(1 for ro in repair_orders if ro.get("customer_updated") is True) / len(repair_orders) * 100
