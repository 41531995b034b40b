"""Where nonconformities come from, counted for a Pareto chart (ISO 9001 10.3): the fishbone
categories NCs were traced to, and the last "because" of their 5-why chains, most frequent
first, with each bar's cumulative share and the vital few that make up 80 %.

Counted over the NCs of a window (the last 12 months by default), optionally of one site and
one department (area); the register page shows it, and the management review asks it too.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from audits.models import NcState, Nonconformity
from audits.services import nonconformities
from audits.services.rootcause import FISHBONE_CATEGORIES
from core.accounts.models import Department, Site, User
from core.clock import utcnow
from core.database import db

WINDOW_DAYS = 365
VITAL_SHARE = 80.0
# Causes written in words differ in a thousand ways; the chart shows the commonest, the rest as one bar.
MOST_CAUSES = 10
OTHER = ""


@dataclass(frozen=True)
class Bar:
    """One bar: a fishbone category's key, or a cause as first written (``OTHER``: the rest)."""

    key: str
    count: int
    share: float
    cumulative: float
    vital: bool


@dataclass(frozen=True)
class RootCauses:
    fishbone: list[Bar]
    five_why: list[Bar]
    # NCs analysed with a fishbone or a 5-why in the window (8D analyses are read as text, not counted).
    analysed: int


def cause_key(text: str) -> str:
    """Causes that differ only in case, spacing or closing punctuation are the same cause."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".。!！;；").casefold()


def _ranked(counts: Counter) -> list[tuple[str, int]]:
    """Most frequent first; ties in a fixed order, so the chart does not reshuffle between visits."""
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def _bars(counts: list[tuple[str, int]], total: int) -> list[Bar]:
    bars, running, reached = [], 0, False
    for key, count in counts:
        running += count
        share, cumulative = 100.0 * count / total, 100.0 * running / total
        # The vital few: every bar up to and including the one that reaches 80 %.
        bars.append(Bar(key, count, round(share, 1), round(cumulative, 1), not reached))
        reached = reached or cumulative >= VITAL_SHARE
    return bars


def root_causes(
    reader: User | None = None,
    *,
    site: Site | None = None,
    department: Department | None = None,
    since: datetime | None = None,
) -> RootCauses:
    """The Pareto counts of the NCs ``reader`` may read (every NC when None: the system asking)."""
    query = (
        db.select(Nonconformity.root_cause)
        .where(
            Nonconformity.root_cause.is_not(None),
            Nonconformity.state != NcState.CANCELLED.value,
            Nonconformity.raised_at >= (since or utcnow() - timedelta(days=WINDOW_DAYS)),
        )
        # The earliest wording of a cause is the one shown.
        .order_by(Nonconformity.raised_at, Nonconformity.id)
    )
    if reader is not None:
        query = query.where(nonconformities.visible_clause(reader))
    if site is not None:
        query = query.where(Nonconformity.site_id == site.id)
    if department is not None:
        query = query.where(Nonconformity.department_id == department.id)
    categories, causes, written, analysed = Counter(), Counter(), {}, 0
    for (analysis,) in db.session.execute(query):
        method = (analysis or {}).get("method")
        if method == "fishbone":
            found = [key for key in FISHBONE_CATEGORIES if (analysis.get("causes") or {}).get(key)]
            categories.update(found)
            analysed += bool(found)
        elif method == "5why" and analysis.get("chain"):
            because = str(analysis["chain"][-1].get("because") or "").strip()
            if because:
                key = cause_key(because)
                written.setdefault(key, because.rstrip(".。"))
                causes[key] += 1
                analysed += 1
    common = _ranked(causes)[:MOST_CAUSES]
    rest = sum(causes.values()) - sum(count for _key, count in common)
    why_counts = [(written[key], count) for key, count in common] + ([(OTHER, rest)] if rest else [])
    return RootCauses(
        fishbone=_bars(_ranked(categories), sum(categories.values())),
        five_why=_bars(why_counts, sum(causes.values())),
        analysed=analysed,
    )
