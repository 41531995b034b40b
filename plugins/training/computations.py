"""Training metrics from training records (Kirkpatrick levels 1 and 2, mandatory completion).

Pure functions over the stored data of ``training.record`` submissions, so the
formulas are tested without a database.
"""

from __future__ import annotations

from datetime import date


def _attendees(records):
    for record in records:
        for row in record.get("attendees") or ():
            yield record, row


def mandatory_completion(records) -> float | None:
    """Completed ÷ required × 100 over the attendees of mandatory courses.

    Everyone listed on a mandatory course was required to attend it; those
    marked ``completed`` count as done. ``None`` without any mandatory course.
    """
    required = completed = 0
    for record, row in _attendees(records):
        if record.get("mandatory") is True:
            required += 1
            completed += row.get("completed") is True
    return completed / required * 100 if required else None


def reaction_score(records) -> float | None:
    """Kirkpatrick level 1: the mean reaction rating (1–5) of the attendees who gave one."""
    ratings = [row["reaction"] for _record, row in _attendees(records) if row.get("reaction") is not None]
    return sum(ratings) / len(ratings) if ratings else None


def pass_rate(records) -> float | None:
    """Kirkpatrick level 2: attendees scoring at least the course's pass mark ÷ attendees tested × 100.

    Only attendees with a score were tested; a course without a pass mark has
    no test and is left out.
    """
    tested = passed = 0
    for record, row in _attendees(records):
        pass_mark = record.get("pass_mark")
        if pass_mark is None or row.get("score") is None:
            continue
        tested += 1
        passed += row["score"] >= pass_mark
    return passed / tested * 100 if tested else None


def _day(value):
    return date.fromisoformat(str(value)[:10]) if value else None


def certified_ratio(rosters) -> float | None:
    """Technicians of the latest roster with a brand or high-voltage certification valid on the
    roster's date ÷ technicians on it × 100; ``None`` without a roster or a technician on it."""
    dated = [roster for roster in rosters if _day(roster.get("roster_date"))]
    if not dated:
        return None
    latest = max(dated, key=lambda roster: _day(roster["roster_date"]))
    on = _day(latest["roster_date"])
    people = latest.get("technicians") or []
    if not people:
        return None
    certified = sum(
        1
        for person in people
        if any((_day(person.get(key)) or date.min) >= on for key in ("brand_certified_until", "hv_certified_until"))
    )
    return certified / len(people) * 100


def acknowledgement_completion(due: int, given: int) -> float | None:
    """Acknowledgements given ÷ due × 100; ``None`` when nobody owed any (no procedure is
    distributed to the site's people): nothing to complete is not 100 %."""
    return round(given / due * 100, 1) if due else None


__all__ = ["acknowledgement_completion", "certified_ratio", "mandatory_completion", "pass_rate", "reaction_score"]
