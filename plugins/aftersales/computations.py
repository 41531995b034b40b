"""The after-sales numbers, as plain functions of submitted form data.

Kept free of Flask and the database so that each formula can be checked on a
hand-worked example.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

# J.D. Power U.S. Customer Service Index study 2022: factor weights.
CSI_WEIGHTS = {"service_quality": 0.32, "advisor": 0.19, "pickup": 0.19, "facility": 0.15, "initiation": 0.15}
CSI_SCALE_MAX = 10

# SERVQUAL (Parasuraman, Zeithaml and Berry 1988): 22 items in five dimensions.
SERVQUAL_DIMENSIONS = {
    "tangibles": range(1, 5),
    "reliability": range(5, 10),
    "responsiveness": range(10, 14),
    "assurance": range(14, 18),
    "empathy": range(18, 23),
}

# A complaint without an agreed closing date is due a week after it arrived.
DEFAULT_COMPLAINT_DAYS = 7


def weighted_index(answers: list[dict], weights: dict[str, float], scale_max: int) -> float | None:
    """Σ(weight × factor mean ÷ scale max) × 1000, over the factors answered.

    A factor nobody answered leaves its weight out and the others are scaled
    up, so one skipped question does not drag the index down.
    """
    total = weight_used = 0.0
    for factor, weight in weights.items():
        ratings = [a[factor] for a in answers if a.get(factor) is not None]
        if ratings:
            total += weight * (sum(ratings) / len(ratings)) / scale_max
            weight_used += weight
    if not weight_used:
        return None
    return total / weight_used * 1000


def servqual_gaps(answers: list[dict]) -> dict[str, float]:
    """Mean of perception − expectation per dimension, over every answered item pair.

    Negative means the service falls short of what customers expect.
    """
    gaps = {}
    for dimension, items in SERVQUAL_DIMENSIONS.items():
        differences = [
            a[f"p{n}"] - a[f"e{n}"]
            for a in answers
            for n in items
            if a.get(f"p{n}") is not None and a.get(f"e{n}") is not None
        ]
        if differences:
            gaps[dimension] = sum(differences) / len(differences)
    return gaps


def _day(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _closed(complaints: list[dict]) -> list[dict]:
    return [
        c for c in complaints if c.get("status") == "closed" and _day(c.get("closed_on")) and _day(c.get("received_on"))
    ]


def mean_resolution_days(complaints: list[dict]) -> float | None:
    """Mean of (closed on − received on) in days over the closed complaints."""
    closed = _closed(complaints)
    if not closed:
        return None
    return sum((_day(c["closed_on"]) - _day(c["received_on"])).days for c in closed) / len(closed)


def closed_on_time_rate(complaints: list[dict]) -> float | None:
    """Closed complaints closed by the agreed date (default: 7 days after receipt) ÷ closed complaints, %."""
    closed = _closed(complaints)
    if not closed:
        return None
    on_time = 0
    for complaint in closed:
        due = _day(complaint.get("agreed_close_by")) or (
            _day(complaint["received_on"]) + timedelta(days=DEFAULT_COMPLAINT_DAYS)
        )
        on_time += _day(complaint["closed_on"]) <= due
    return on_time / len(closed) * 100


def first_time_fix_rate(repair_orders: list[dict]) -> float | None:
    """Repair orders that are not a comeback for the same concern within 30 days ÷ repair orders, %."""
    if not repair_orders:
        return None
    fixed = sum(1 for ro in repair_orders if not ro.get("comeback"))
    return fixed / len(repair_orders) * 100


def technician_efficiency(repair_orders: list[dict]) -> float | None:
    """Σ hours sold ÷ Σ hours clocked, %, over repair orders that give both."""
    rows = [ro for ro in repair_orders if ro.get("hours_sold") is not None and ro.get("hours_clocked")]
    clocked = sum(float(ro["hours_clocked"]) for ro in rows)
    if not clocked:
        return None
    return sum(float(ro["hours_sold"]) for ro in rows) / clocked * 100


def on_time_delivery_rate(repair_orders: list[dict]) -> float | None:
    """Repair orders ready by the promised time ÷ repair orders that give both times, %."""
    timed = [
        (_moment(ro["promised_at"]), _moment(ro["completed_at"]))
        for ro in repair_orders
        if ro.get("promised_at") and ro.get("completed_at")
    ]
    if not timed:
        return None
    return sum(1 for promised, completed in timed if completed <= promised) / len(timed) * 100


# 家用汽车产品修理更换退货责任规定 (SAMR Order No. 43, in force 2022-01-01): the periods and the triggers.
SANBAO_YEARS = 2  # Art.18: the 三包 period, at least 2 years or 50,000 km, whichever comes first
SANBAO_KM = 50_000
WARRANTY_YEARS = 3  # Art.18: the repair warranty (包修期), at least 3 years or 60,000 km
WARRANTY_KM = 60_000
# Art.22 and Art.24(2): the major units. Art.24 ¶2: a unit's own replacements and those of its
# main parts are counted apart, never added together.
MAJOR_UNITS = ("engine", "transmission", "traction_battery", "drive_motor")
# Art.24(3): the systems in which the same main part replaced twice triggers replacement or refund.
MAIN_PART_SYSTEMS = (*MAJOR_UNITS, "steering", "brakes", "suspension", "drivetrain", "pollution_control", "body")
SIXTY_DAY_SYSTEMS = ("steering", "brakes", "body", "fuel_system", "traction_battery")  # Art.23
REPAIR_DAYS_LIMIT = 30  # Art.24(4): more than 30 days of repairs in total
REPAIR_DAYS_WARNING = 20
SAME_FAULT_LIMIT = 4  # Art.24(4): the same fault repaired more than 4 times
SAME_FAULT_WARNING = 3
SAFETY_REPAIRS_LIMIT = 2  # Art.24(1): a serious safety fault still there after 2 repairs
REPLACEMENTS_LIMIT = 2  # Art.24(2), (3): a major unit, or the same main part, replaced twice
LOAN_CAR_DAYS = 5  # Art.21: one repair of more than 5 days owes a loan car or transport costs from day 6
HOURS_PER_DAY = 24


@dataclass(frozen=True)
class SanbaoFlag:
    """One rule a 三包 case has reached (``trigger``) or is close to (``warning``).

    ``rule`` names the rule; ``count`` and ``limit`` are in the rule's unit
    (days or repairs); ``subject`` is the fault, system or main part concerned.
    """

    rule: str
    level: str
    count: int
    limit: int
    subject: str = ""


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _moment(value) -> datetime | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def repair_days(started, completed) -> int | None:
    """Art.40: a single repair's time runs from when the customer and the repairer agree on the
    repair to when it is completed, counted in hours: each full 24 hours is one day and a
    remainder under 24 hours is one more day. So 23 h 59 is 1 day, 24 h is 1 day, 24 h 01 is 2."""
    start, end = _moment(started), _moment(completed)
    if start is None or end is None or end < start:
        return None
    return max(1, math.ceil((end - start).total_seconds() / (HOURS_PER_DAY * 3600)))


def days_of(repair: dict) -> int:
    """A repair's days off the road: from its agreed and completed times (Art.40) when it has
    both, else as typed on the case file."""
    counted = repair_days(repair.get("agreed_at"), repair.get("completed_at"))
    return counted if counted is not None else int(repair.get("days_off_road") or 0)


def period_start(case: dict) -> date | None:
    """Art.18 ¶2: the periods run from the date on the purchase invoice; where the vehicle was
    delivered on another day, from the delivery date."""
    return _day(case.get("delivery_date")) or _day(case.get("purchase_date"))


def _within(start: date, repair: dict, case_mileage, years: int, km: int) -> bool:
    repaired = _day(repair.get("date_in"))
    mileage = repair.get("mileage") if repair.get("mileage") is not None else case_mileage
    if repaired is None or repaired > _add_years(start, years):
        return False
    return mileage is None or mileage <= km


def _words(text) -> str:
    return " ".join(str(text or "").lower().split())


def _fault(repair: dict) -> str:
    return _words(repair.get("fault"))


def _main_part(repair: dict) -> str:
    """The main part replaced, in the words of the case file (the part's own field, else the
    parts replaced): replacements of one part are matched by these words."""
    return _words(repair.get("main_part") or repair.get("parts"))


def sanbao_flags(case: dict) -> list[SanbaoFlag]:
    """The 三包 rules a case has triggered or is approaching, most serious first.

    Replacement and refund rules count only repairs inside the 三包 period (Art.18: 2 years /
    50,000 km from the invoice date, or the delivery date where it differs); the loan-car rule
    (Art.21) every repair inside the repair warranty (3 years / 60,000 km). Faults are "the
    same" when their descriptions match ignoring case and spacing, and main parts likewise, so
    the case file asks for the same words each time.
    """
    start = period_start(case)
    if start is None:
        return []
    mileage_now = case.get("mileage")
    repairs = [r for r in case.get("repairs") or [] if _within(start, r, mileage_now, SANBAO_YEARS, SANBAO_KM)]
    flags: list[SanbaoFlag] = []

    def rate(rule, count, limit, warning_at, subject="", over=True):
        reached = count > limit if over else count >= limit
        if reached:
            flags.append(SanbaoFlag(rule, "trigger", count, limit, subject))
        elif count >= warning_at:
            flags.append(SanbaoFlag(rule, "warning", count, limit, subject))

    for repair in case.get("repairs") or []:
        # Art.21: a compensation the repairer owes, not a replacement trigger: a warning until the
        # case file records it given.
        days = days_of(repair)
        owed = days > LOAN_CAR_DAYS and not repair.get("loan_car")
        if owed and _within(start, repair, mileage_now, WARRANTY_YEARS, WARRANTY_KM):
            flags.append(SanbaoFlag("loan_car", "warning", days, LOAN_CAR_DAYS, _fault(repair)))

    for repair in repairs:
        days = (_day(repair["date_in"]) - start).days
        mileage = repair.get("mileage") if repair.get("mileage") is not None else mileage_now
        replaced = repair.get("unit_replaced") or repair.get("main_part_replaced")
        if repair.get("system") in MAJOR_UNITS and replaced and days <= 7:  # Art.22
            flags.append(SanbaoFlag("seven_day", "trigger", days, 7, repair["system"]))
        if (
            repair.get("serious_safety")
            and repair.get("system") in SIXTY_DAY_SYSTEMS
            and days <= 60
            and (mileage is None or mileage <= 3000)
        ):  # Art.23
            flags.append(SanbaoFlag("sixty_day", "trigger", days, 60, repair["system"]))

    rate("repair_days", sum(days_of(r) for r in repairs), REPAIR_DAYS_LIMIT, REPAIR_DAYS_WARNING)
    by_fault: dict[str, list[dict]] = {}
    for repair in repairs:
        if _fault(repair):
            by_fault.setdefault(_fault(repair), []).append(repair)
    for fault, same in sorted(by_fault.items()):
        rate("same_fault", len(same), SAME_FAULT_LIMIT, SAME_FAULT_WARNING, fault)
    # The rule counts every serious safety repair, not only those of one fault:
    # a new serious safety fault after two repairs triggers it as well.
    safety = sum(1 for r in repairs if r.get("serious_safety"))
    if safety:
        rate("serious_safety", safety, SAFETY_REPAIRS_LIMIT, 1, over=False)
    # Art.24(2): a major unit itself replaced twice.
    units: dict[str, int] = {}
    for repair in repairs:
        if repair.get("unit_replaced") and repair.get("system") in MAJOR_UNITS:
            units[repair["system"]] = units.get(repair["system"], 0) + 1
    for system, count in sorted(units.items()):
        rate("unit_replaced", count, REPLACEMENTS_LIMIT, 1, system, over=False)
    # Art.24(3): the same main part replaced twice; two different parts of one system are two
    # first replacements. A replacement whose part is not named cannot be matched with another.
    parts: dict[tuple[str, str], int] = {}
    for repair in repairs:
        if repair.get("main_part_replaced") and repair.get("system") in MAIN_PART_SYSTEMS and _main_part(repair):
            key = (repair["system"], _main_part(repair))
            parts[key] = parts.get(key, 0) + 1
    for (_system, part), count in sorted(parts.items()):
        rate("part_replaced", count, REPLACEMENTS_LIMIT, 1, part, over=False)
    flags.sort(key=lambda flag: flag.level != "trigger")
    return flags


def latest_cases(entries: list[dict]) -> list[dict]:
    """The newest entry of each 三包 case (by case number, then the date of the update)."""
    latest: dict[str, dict] = {}
    for entry in entries:
        number = str(entry.get("case_number") or "").strip().upper()
        if not number:
            continue
        known = latest.get(number)
        if known is None or (_day(entry.get("record_date")) or date.min) >= (
            _day(known.get("record_date")) or date.min
        ):
            latest[number] = entry
    return [latest[number] for number in sorted(latest)]


@dataclass(frozen=True)
class ComplaintFigures:
    """What a management review asks of the complaint register for a period."""

    received_by_category: dict[str, int]
    closed: int
    mean_days_to_close: float | None


def complaint_figures(entries: list[dict], first: date, last: date) -> ComplaintFigures:
    """Complaints received from ``first`` to ``last`` by category (their registration entry),
    and those closed in it with the mean days from receipt to closing (their latest entry)."""
    received: dict[str, int] = {}
    latest: dict[str, dict] = {}
    for entry in entries:
        complaint = str(entry.get("complaint_id") or "").strip().upper()
        if not complaint:
            continue
        latest[complaint] = entry
        received_on = _day(entry.get("received_on"))
        if entry.get("entry") == "new" and received_on is not None and first <= received_on <= last:
            category = entry.get("category") or "other"
            received[category] = received.get(category, 0) + 1
    closed = [c for c in _closed(list(latest.values())) if first <= _day(c["closed_on"]) <= last]
    return ComplaintFigures(received, len(closed), mean_resolution_days(closed) if closed else None)


# ISO 10002:2018 §7.4 asks for prompt acknowledgement; the usual internal target is a person's
# contact within 24 hours of receipt (areas.md).
ACKNOWLEDGE_WITHIN = timedelta(hours=24)
# The panel's ages since receipt, in calendar days on the site's clock: ≤ 1, 2–7, 8–30, > 30.
AGE_BANDS = (1, 7, 30)


def _instant(value) -> datetime | None:
    """A stored date-time as an aware moment (a naive one is UTC, as the forms store it)."""
    moment = _moment(value)
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _start_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


@dataclass(frozen=True)
class Complaint:
    """One complaint as its register entries tell it.

    ``received`` is the moment of receipt when the register knows it (the time it
    was registered, or the start of ``received_on`` on the site's clock when that
    day is earlier: registered late); None when only the day is known (the public
    page, older entries). ``acknowledged`` likewise: the first time a person
    contacted the complainant, or None when only the day (``acknowledged_on``) or
    nothing is known. ``latest`` is the newest entry: its status, severity, owner.
    """

    complaint_id: str
    received_on: date
    received: datetime | None
    acknowledged_on: date | None
    acknowledged: datetime | None
    latest: dict

    @property
    def is_open(self) -> bool:
        return self.latest.get("status") == "open"

    def acknowledgement_due(self, zone: tzinfo) -> datetime:
        """The moment after which an unacknowledged complaint is late: 24 h after receipt; with only
        the day of receipt known, the end of the next day (a date counts as within 24 h only
        when it is the day of receipt or the next)."""
        if self.received is not None:
            return self.received + ACKNOWLEDGE_WITHIN
        return _start_of(self.received_on + timedelta(days=2), zone)

    def acknowledged_in_time(self) -> bool | None:
        """Whether the first contact came within 24 h of receipt; None when there was none."""
        if self.acknowledged_on is None:
            return None
        if self.received is not None and self.acknowledged is not None:
            return self.acknowledged - self.received <= ACKNOWLEDGE_WITHIN
        return (self.acknowledged_on - self.received_on).days <= 1

    def unacknowledged_late(self, now: datetime, zone: tzinfo) -> bool:
        return self.acknowledged_on is None and now > self.acknowledgement_due(zone)

    def close_by(self) -> date:
        """The agreed closing date, else 7 days after receipt (as the on-time rate counts it)."""
        return _day(self.latest.get("agreed_close_by")) or self.received_on + timedelta(days=DEFAULT_COMPLAINT_DAYS)


def _local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def complaints(entries: list[dict], zone: tzinfo) -> list[Complaint]:
    """The complaints of register entries (oldest first), those with a ``new`` entry, by ID.

    The receipt comes from the ``new`` entry; the acknowledgement is the earliest any entry
    records (``acknowledged_at``, or ``acknowledged_on`` of form version 2, a day only);
    the newest entry gives the state.
    """
    registered: dict[str, dict] = {}
    latest: dict[str, dict] = {}
    contacts: dict[str, list] = {}
    for entry in entries:
        complaint_id = str(entry.get("complaint_id") or "").strip().upper()
        if not complaint_id:
            continue
        latest[complaint_id] = entry
        if entry.get("entry") == "new" and _day(entry.get("received_on")) and complaint_id not in registered:
            registered[complaint_id] = entry
        moment = _instant(entry.get("acknowledged_at"))
        day = _local_day(moment, zone) if moment else _day(entry.get("acknowledged_on"))
        if day is not None:
            contacts.setdefault(complaint_id, []).append((day, moment))
    found = []
    for complaint_id, new in registered.items():
        received_on = _day(new["received_on"])
        received = _instant(new.get("received_at"))
        if received is not None and _local_day(received, zone) > received_on:
            received = _start_of(received_on, zone).astimezone(UTC)
        # The first contact; a day-only one earlier than every timed one leaves the hour unknown.
        known = contacts.get(complaint_id)
        first = min(known, key=lambda contact: (contact[0], contact[1] is None, contact[1])) if known else (None, None)
        found.append(Complaint(complaint_id, received_on, received, first[0], first[1], latest[complaint_id]))
    return found


def acknowledged_within_rate(entries: list[dict], period: str, zone: tzinfo, now: datetime) -> float | None:
    """Complaints received in ``period`` (the site's month) acknowledged within 24 h of receipt ÷
    complaints received in it, %, leaving out those still inside their first 24 h and unacknowledged."""
    within = counted = 0
    for complaint in complaints(entries, zone):
        if complaint.received_on.strftime("%Y-%m") != period:
            continue
        in_time = complaint.acknowledged_in_time()
        if in_time is None and not complaint.unacknowledged_late(now, zone):
            continue
        counted += 1
        within += bool(in_time)
    return within / counted * 100 if counted else None


def age_band(days: int) -> int:
    """The panel's column of a complaint ``days`` old: 0 (≤ 1 day) to 3 (over 30 days)."""
    return next((band for band, limit in enumerate(AGE_BANDS) if days <= limit), len(AGE_BANDS))


@dataclass(frozen=True)
class OpenComplaint:
    complaint: Complaint
    age_days: int
    overdue: bool
    unacknowledged: bool


def open_complaints(entries: list[dict], zone: tzinfo, now: datetime) -> list[OpenComplaint]:
    """The open complaints, oldest first, with their age in days since receipt on the site's
    clock, whether they are past their closing date, and whether they wait for a first contact
    after 24 h."""
    today = _local_day(now, zone)
    found = [
        OpenComplaint(
            complaint,
            (today - complaint.received_on).days,
            today > complaint.close_by(),
            complaint.unacknowledged_late(now, zone),
        )
        for complaint in complaints(entries, zone)
        if complaint.is_open
    ]
    found.sort(key=lambda item: (item.complaint.received_on, item.complaint.complaint_id))
    return found
