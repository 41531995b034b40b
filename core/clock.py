"""The one clock of the product: every "now", "today" and "this month" comes from here.

Times are stored in UTC. A day or a month that people mean — a KPI period,
a due date, "overdue", "last month" — is the dealership's, in its time zone
(``DEALERQMS_TIME_ZONE``, Asia/Shanghai unless configured): at 2026-12-31
16:30 UTC it is already January 2027 in China, and a survey filled in then
belongs to January.

Everything reads the time through :func:`utcnow`, which is the standard
library's clock, so a test moves it with time-machine (``pytest --clock``)
and the whole product follows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Shanghai"


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC."""
    return datetime.now(UTC)


@lru_cache(maxsize=64)
def zone_named(name: str) -> ZoneInfo:
    """The time zone ``name`` (an IANA name such as ``Asia/Shanghai``); ValueError when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{name!r} is not a time zone name such as Asia/Shanghai") from error


def instance_zone_name() -> str:
    """The instance's time zone name (``DEALERQMS_TIME_ZONE``): a new site's, and the group office's."""
    from flask import current_app, has_app_context

    name = current_app.config.get("DEALERQMS_TIME_ZONE") if has_app_context() else None
    return name or DEFAULT_TIME_ZONE


def local_zone() -> tzinfo:
    """The dealership's time zone: the configured one inside an app, the default outside."""
    return zone_named(instance_zone_name())


def local(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """``moment`` (aware) as the dealership's wall-clock time."""
    return moment.astimezone(zone or local_zone())


def today(zone: tzinfo | None = None) -> date:
    """The dealership's date now."""
    return local(utcnow(), zone).date()


def period_of(moment: datetime, zone: tzinfo | None = None) -> str:
    """The dealership's month (``YYYY-MM``) that ``moment`` (aware) falls in."""
    return local(moment, zone).strftime("%Y-%m")


def current_period(zone: tzinfo | None = None) -> str:
    """The dealership's month now (``YYYY-MM``); it is not complete until it ends."""
    return period_of(utcnow(), zone)


def last_complete_period(zone: tzinfo | None = None) -> str:
    """The dealership's last month that has ended."""
    return add_months(current_period(zone), -1)


def add_months(period: str, months: int) -> str:
    """``period`` (``YYYY-MM``) moved by ``months`` (negative: back)."""
    index = int(period[:4]) * 12 + int(period[5:]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def local_time(year: int, month: int, day: int, hour: int = 0, minute: int = 0, zone: tzinfo | None = None) -> datetime:
    """The moment (aware, UTC) when the dealership's wall clock reads that date and time."""
    return datetime(year, month, day, hour, minute, tzinfo=zone or local_zone()).astimezone(UTC)
