"""How often something recurs at a site — every day, on given weekdays, on one day of the month —
and the days it falls on, in the site's own time zone. Recurring checks and recurring forms
share it, so "weekly on Monday" means the same thing to both."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.accounts import organisation
from core.accounts.models import Role, Site, User
from core.accounts.permissions import works_at
from core.clock import local, utcnow, zone_named
from core.errors import ValidationFailed

# A schedule started (or a scheduler stopped) long ago catches up this many days, not years.
CATCH_UP_DAYS = 7


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"  # on the weekdays listed (Monday is 0)
    MONTHLY = "monthly"  # on one day of the month (the last day in a shorter month)


FREQUENCY_LABELS = {
    Frequency.DAILY.value: _l("Every day"),
    Frequency.WEEKLY.value: _l("Every week, on the days ticked"),
    Frequency.MONTHLY.value: _l("Every month, on one day"),
}
WEEKDAY_LABELS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
# As a history reads a stored list of weekday numbers.
WEEKDAY_WORDS = {str(day): label for day, label in enumerate(WEEKDAY_LABELS)}


def may_schedule_at_all(user: User) -> bool:
    """Quality officers and department heads schedule recurring work; nobody else does."""
    return bool(user.roles & {Role.QUALITY_OFFICER, Role.DEPARTMENT_HEAD})


def may_schedule(user: User, site_id: int, department_id: int) -> bool:
    """Who schedules a department's recurring work at a site: a quality officer in scope, or the
    head of that department at that site (checks and forms alike)."""
    if Role.QUALITY_OFFICER in user.roles and works_at(user, site_id):
        return True
    return organisation.is_head_of(user, department_id, site_id)


class Rhythm(Protocol):
    frequency: str
    weekdays: list
    day_of_month: int | None
    starts_on: date


def falls_on(rhythm: Rhythm, day: date) -> bool:
    if day < rhythm.starts_on:
        return False
    if rhythm.frequency == Frequency.DAILY:
        return True
    if rhythm.frequency == Frequency.WEEKLY:
        return day.weekday() in (rhythm.weekdays or [])
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day == min(rhythm.day_of_month or 1, last)


def site_today(site: Site, now: datetime | None = None) -> date:
    """The date at ``site`` (its own time zone, else the instance's)."""
    zone = zone_named(site.time_zone) if site.time_zone else None
    return local(now or utcnow(), zone).date()


def days_due(rhythm: Rhythm, last_day: date, *, catch_up: int = CATCH_UP_DAYS) -> list[date]:
    """The days up to ``last_day`` (at most ``catch_up`` back) that ``rhythm`` falls on."""
    day = max(rhythm.starts_on, last_day - timedelta(days=catch_up))
    days = []
    while day <= last_day:
        if falls_on(rhythm, day):
            days.append(day)
        day += timedelta(days=1)
    return days


def checked(frequency: str, weekdays: list[int] | None, day_of_month: int | None) -> dict:
    """The rhythm's fields as a schedule stores them; ValidationFailed naming the field that is wrong."""
    if frequency not in tuple(Frequency):
        raise ValidationFailed.field("frequency", _("one of %(known)s", known=", ".join(Frequency)))
    weekdays = sorted(set(weekdays or []))
    if frequency == Frequency.WEEKLY and (not weekdays or any(d not in range(7) for d in weekdays)):
        raise ValidationFailed.field("weekdays", _("choose the weekdays, Monday 0 to Sunday 6"))
    if frequency == Frequency.MONTHLY and (day_of_month is None or not 1 <= day_of_month <= 31):
        raise ValidationFailed.field("day_of_month", _("choose a day from 1 to 31"))
    return {
        "frequency": frequency,
        "weekdays": weekdays if frequency == Frequency.WEEKLY else [],
        "day_of_month": day_of_month if frequency == Frequency.MONTHLY else None,
    }
