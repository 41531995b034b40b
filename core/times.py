"""How a time shows: in the reader's time zone, formatted for their language.

Times are stored in UTC (aware datetimes from :mod:`core.database`). A page
shows them on the wall clock of whoever reads it — the signed-in user's
site, or the instance's zone (``DEALERQMS_TIME_ZONE``) for the group office
and for signed-out pages. A printed record (a PDF, a signature on it) is
about one site and is read later by people anywhere, so it shows the
record's site's zone and names it (``UTC+08:00``).

Dates (a due date, a KPI month) are already the site's days: they are
formatted, never shifted. Year-month-day order in every language: auditors
compare dates across languages and sort them by eye.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, tzinfo

from babel.dates import format_date, format_datetime, get_timezone_location
from flask import has_request_context
from flask_babel import get_locale
from flask_login import current_user

from core.clock import instance_zone_name, local_zone, today, utcnow, zone_named

DATE = "yyyy-MM-dd"
MINUTES = "yyyy-MM-dd HH:mm"
SECONDS = "yyyy-MM-dd HH:mm:ss"


# A document about one site's records (an evidence pack) shows them on that site's clock, whoever
# renders it and wherever: set for the rendering with :func:`shown_in`.
_shown_zone: ContextVar[tzinfo | None] = ContextVar("shown_zone", default=None)


@contextmanager
def shown_in(zone: tzinfo):
    """Times shown in ``zone`` while the block runs, whoever the reader is."""
    token = _shown_zone.set(zone)
    try:
        yield
    finally:
        _shown_zone.reset(token)


def viewer_zone() -> tzinfo:
    """The zone the current reader sees times in: a document's (:func:`shown_in`), else their
    site's, else the instance's."""
    forced = _shown_zone.get()
    if forced is not None:
        return forced
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        site = getattr(current_user, "site", None)
        if site is not None and site.time_zone:
            return zone_named(site.time_zone)
    return local_zone()


def zone_of(site) -> tzinfo:
    """A record's site's zone; the instance's for a record of the group (no site)."""
    return zone_named(site.time_zone) if site is not None and site.time_zone else local_zone()


def site_today(site, now: datetime | None = None) -> date:
    """The day at ``site`` now (or at ``now``): a due date there means that site's day, which in
    Shanghai may already be tomorrow while it is still today in Los Angeles."""
    zone = zone_of(site)
    return now.astimezone(zone).date() if now is not None else today(zone)


def days_at_sites(now: datetime | None = None):
    """``day(time_zone)``: the day now (or at ``now``) at a site of that time zone (None: the
    instance's), worked out once per zone — a list judging each row's due date by its site's day
    asks it for every row, and its sites share a few zones."""
    days: dict[str | None, date] = {}

    def day(time_zone: str | None) -> date:
        if time_zone not in days:
            zone = zone_named(time_zone) if time_zone else local_zone()
            days[time_zone] = now.astimezone(zone).date() if now is not None else today(zone)
        return days[time_zone]

    return day


def before_site_today(site_id_column, date_column, now: datetime | None = None, days: int = 0):
    """SQL: ``date_column`` is before the day (now, or at ``now``) at the row's site — or, with
    ``days``, before that many days after it (``days=8``: due within the coming week).

    One condition per time zone among the sites (a group has few), so a list of records over many
    sites judges each on its own clock; a row with no site is the group's, on the instance's clock.
    With a single zone it is a plain comparison, which keeps the date index usable.
    """
    from sqlalchemy import and_, false, or_, select

    from core.accounts.models import Site
    from core.database import db

    instance = instance_zone_name()
    by_zone: dict[str, list[int]] = {}
    for site_id, name in db.session.execute(select(Site.id, Site.time_zone)):
        by_zone.setdefault(name or instance, []).append(site_id)

    def day_in(name: str) -> date:
        zone = zone_named(name)
        return (now.astimezone(zone).date() if now is not None else today(zone)) + timedelta(days=days)

    if set(by_zone) <= {instance}:
        return date_column < day_in(instance)
    conditions = []
    for name, site_ids in sorted(by_zone.items()):
        at_sites = site_id_column.in_(site_ids)
        if name == instance:
            at_sites = or_(at_sites, site_id_column.is_(None))
        conditions.append(and_(at_sites, date_column < day_in(name)))
    if instance not in by_zone:
        conditions.append(and_(site_id_column.is_(None), date_column < day_in(instance)))
    return or_(*conditions) if conditions else false()


def offset_label(zone: tzinfo, at: datetime | None = None) -> str:
    """``UTC+08:00``: the zone's offset at ``at`` (now by default), unambiguous in every language."""
    offset = (at or utcnow()).astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_label(zone: tzinfo | None = None) -> str:
    """``Shanghai (UTC+08:00)``, ``上海 (UTC+08:00)``: the footer's and a PDF's statement of the
    zone, its city in the reader's language (Babel's CLDR names) rather than the tz database's key."""
    zone = zone or viewer_zone()
    try:
        city = get_timezone_location(zone, locale=get_locale() or "en", return_city=True)
    except (LookupError, ValueError):
        city = getattr(zone, "key", None) or str(zone)
    return f"{city} ({offset_label(zone)})"


def when(
    value: datetime | date | None,
    zone: tzinfo | None = None,
    *,
    named: bool = False,
    seconds: bool = False,
) -> str:
    """A stored time on the wall clock of ``zone`` (the reader's by default), or a date as it is.

    ``named`` adds the offset (``2027-01-01 00:30 UTC+08:00``): for what is
    printed, signed or read outside the app. A naive datetime is UTC, as
    older stored values are.
    """
    if value is None:
        return ""
    locale = get_locale() or "en"
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        zone = zone or viewer_zone()
        text = format_datetime(moment, SECONDS if seconds else MINUTES, tzinfo=zone, locale=locale)
        return f"{text} {offset_label(zone, moment)}" if named else text
    return format_date(value, DATE, locale=locale)


def parse_stored(text: str) -> datetime | None:
    """A datetime form value as stored (ISO 8601; naive means UTC), aware; None if it is not one."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def wall_clock(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` as the naive wall-clock time a ``datetime-local`` input shows at ``zone``."""
    return moment.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def from_wall_clock(value: datetime, zone: tzinfo) -> datetime:
    """What a ``datetime-local`` input's naive value means at ``zone``, as an aware UTC time."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return value.replace(tzinfo=zone).astimezone(UTC)


def init_app(app) -> None:
    app.jinja_env.filters["when"] = when
    app.jinja_env.globals["when"] = when
    app.jinja_env.globals["zone_label"] = zone_label
