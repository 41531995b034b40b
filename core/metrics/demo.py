"""Demo measurements for ``dealerqms init --demo``.

The core cannot know which metrics the installed areas define, so it fills
every registered manual metric at each demo site with 24 months of values
ending last month. The values are made of the things real KPI series show:
a level (the first demo site performs better than the second), a trend (a
few metrics slip at the weaker site, so recent months turn red), seasonality
(the Chinese New Year lull and the autumn peak) and noise. Computed metrics
are left to the areas' demo form submissions, which recompute them.
"""

from __future__ import annotations

import math
import random

from core.accounts.models import Site, User
from core.clock import add_months, last_complete_period
from core.database import db
from core.metrics import services
from core.metrics.models import Measurement, Source
from core.plugin_engine.types import Metric
from core.trail import acting_as

MONTHS = 24
ACTOR = "demo"
# Units counted in whole numbers.
COUNTS = {"incidents", "cases"}


def demo_periods(metric: Metric, months: int = MONTHS) -> list[str]:
    """The metric's periods that start in the ``months`` months ending last month, oldest first."""
    last = last_complete_period()
    window = [add_months(last, -n) for n in range(months - 1, -1, -1)]
    return [month for month in window if services.period_start(metric.period, month) == month]


def populate(sites: list[Site], user: User) -> int:
    """Enter demo values for every manual metric at each site as ``user``; returns how many were added.

    ``sites`` come strongest first. A metric that already has a value at a
    site is left alone there, so a second ``init --demo`` adds nothing.
    """
    added = 0
    with acting_as(ACTOR):
        for rank, site in enumerate(sites):
            measured = set(
                db.session.execute(
                    db.select(Measurement.metric_key).where(Measurement.site_id == site.id).distinct()
                ).scalars()
            )
            for metric in services.definitions():
                if metric.computed or metric.key in measured:
                    continue
                periods = demo_periods(metric)
                for period, value in zip(periods, demo_values(metric, periods, site.code, rank), strict=True):
                    # The demo's quality officer works at one site; the loader enters every site's for them.
                    services.record(None, metric, site, period, value, source=Source.MANUAL, entered_by=user)
                    added += 1
    return added


def _lines(metric: Metric) -> tuple[int, float, float, float]:
    """(sign, good line, bad line, step): ``sign`` 1 when higher is better; a
    value is green on the good side of ``good`` and red beyond ``bad``."""
    sign = 1 if metric.direction == "higher" else -1
    target = float(metric.target)
    warning = None if metric.warning is None else float(metric.warning)
    lines = [target] if warning is None else [target, warning]
    good = max(lines, key=lambda line: sign * line)
    bad = min(lines, key=lambda line: sign * line)
    step = abs(good - bad) or max(abs(target) * 0.1, 1.0)
    return sign, good, bad, step


def demo_values(metric: Metric, periods: list[str], site_code: str, rank: int) -> list[float]:
    """One value per period, seeded by metric and site (the same picture on every installation).

    The position of a value is measured in bands between the red line (0)
    and the green line (1): the stronger site sits well inside green, the
    weaker one near the line; at the weaker site about a third of the
    metrics slide into red over the last months.
    """
    rng = random.Random(f"{metric.key}@{site_code}")
    sign, good, bad, step = _lines(metric)
    level = 1.7 if rank == 0 else 1.05
    slipping = rank > 0 and rng.random() < 0.4
    trend = -1.6 if slipping else rng.uniform(0.0, 0.5)
    phase = rng.uniform(0, 0.6)
    count = len(periods)
    values = []
    for index, period in enumerate(periods):
        month = int(period[5:])
        # February (the New Year holiday) is the low point of the year, September–October the high one.
        season = -0.35 * math.cos(2 * math.pi * (month - 2) / 12 + phase)
        progress = index / max(count - 1, 1)
        slide = trend * max(0.0, progress - 0.6) / 0.4 if slipping else trend * progress
        position = level + slide + season + rng.gauss(0, 0.2)
        value = bad + sign * (position * step) if good != bad else good + sign * (position - 1) * step
        values.append(_shape(metric, value))
    return values


def _shape(metric: Metric, value: float) -> float:
    if str(metric.unit).strip() == "%" or metric.unit == "%":
        value = min(max(value, 0.0), 100.0)
    elif metric.target >= 0 and (metric.warning is None or metric.warning >= 0):
        value = max(value, 0.0)
    if str(metric.unit).strip() in COUNTS:
        return float(round(value))
    return round(value, 1)
