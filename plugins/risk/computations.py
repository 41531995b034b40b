"""The risk register as it stands: scores, levels, the heat map, overdue reviews.

Pure functions over the stored data of ``risk.register_entry`` submissions.
A re-assessment is a new submission with the same risk ID, so the register is
the latest entry of each ID; a closed risk leaves the register.
"""

from __future__ import annotations

from datetime import date

SCALE = range(1, 6)
# Score bands of the 5 × 5 matrix (possible scores 1–25): the usual dealer-group
# convention of four bands, so that 4 × 4 = 16 is high and only 4 × 5 and 5 × 5 are critical.
LEVELS = (("critical", 20), ("high", 10), ("medium", 5), ("low", 1))


def score(entry: dict) -> int:
    """Likelihood × impact, each rated 1–5."""
    return int(entry["likelihood"]) * int(entry["impact"])


def level(value: int) -> str:
    return next(name for name, lowest in LEVELS if value >= lowest)


def current_register(entries) -> list[dict]:
    """The latest entry of each open risk, in the order the risks were first registered.

    ``entries`` come oldest first.
    """
    latest: dict[str, dict] = {}
    for entry in entries:
        risk_id = str(entry.get("risk_id", "")).strip().upper()
        if not risk_id:
            continue
        if entry.get("status") == "closed":
            latest.pop(risk_id, None)
        else:
            latest[risk_id] = entry
    return list(latest.values())


def matrix(register) -> dict[tuple[int, int], int]:
    """Number of risks in each (likelihood, impact) cell; every cell present."""
    counts = {(likelihood, impact): 0 for likelihood in SCALE for impact in SCALE}
    for entry in register:
        counts[(int(entry["likelihood"]), int(entry["impact"]))] += 1
    return counts


def overdue(register, today: date) -> list[dict]:
    """Open risks whose review date has passed, the longest overdue first."""
    late = [entry for entry in register if date.fromisoformat(entry["review_date"]) < today]
    return sorted(late, key=lambda entry: entry["review_date"])


__all__ = ["LEVELS", "current_register", "level", "matrix", "overdue", "score"]


def register_changes(earlier, in_period) -> tuple[int, int]:
    """(risks added, risks changed) in a period: risk IDs with an entry in it, new or already
    registered before (``earlier``: the entries before the period)."""
    known = {str(entry.get("risk_id", "")).strip().upper() for entry in earlier}
    touched = {str(entry.get("risk_id", "")).strip().upper() for entry in in_period} - {""}
    return len(touched - known), len(touched & known)


def _day(value) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def open_sanbao_cases(entries, on: date) -> list[tuple[str, date]] | None:
    """The 三包 cases open on ``on`` (their latest entry up to that day says "open"), each with the
    day its case file was opened (its earliest entry); ``None`` when no case file was filed at all.

    ``entries`` are the data of the after-sales plugin's 三包 case file (``aftersales.sanbao_case``),
    one submission per update of a case, identified by its case number.
    """
    cases: dict[str, list[dict]] = {}
    for entry in entries:
        number = str(entry.get("case_number") or "").strip().upper()
        recorded = _day(entry.get("record_date"))
        if number and recorded is not None and recorded <= on:
            cases.setdefault(number, []).append(entry)
    if not cases:
        return None
    found = []
    for number, updates in sorted(cases.items()):
        latest = max(updates, key=lambda entry: _day(entry["record_date"]))
        if latest.get("status") == "open":
            found.append((number, min(_day(entry["record_date"]) for entry in updates)))
    return found


def sanbao_days_open(cases: list[tuple[str, date]], on: date) -> float | None:
    """Mean days the open cases have been open on ``on``; ``None`` without an open case."""
    if not cases:
        return None
    return sum((on - opened).days for _number, opened in cases) / len(cases)
