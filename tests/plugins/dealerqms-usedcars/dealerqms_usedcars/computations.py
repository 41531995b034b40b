"""The arithmetic of the used-car metrics, kept pure so that it can be tested
on hand-worked examples without an app or a database."""

from __future__ import annotations

from datetime import date


def history_checked_rate(records: list[dict]) -> float | None:
    """Share of appraisal records whose service history was checked, in %."""
    if not records:
        return None
    checked = sum(1 for record in records if record.get("history_checked") is True)
    return round(checked * 100 / len(records), 1)


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


def reconditioning_days(records: list[dict]) -> float | None:
    """Mean days from appraisal to ready-for-sale over the cars that became ready.

    Cars still in the workshop have no ready date and are left out: counting
    them as zero would flatter the figure.
    """
    spans = []
    for record in records:
        appraised, ready = _day(record.get("appraised_on")), _day(record.get("ready_for_sale_on"))
        if appraised and ready:
            spans.append((ready - appraised).days)
    if not spans:
        return None
    return round(sum(spans) / len(spans), 1)
