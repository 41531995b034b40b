"""Demo measurements for ``dealerqms init --demo``.

The core cannot know which metrics the installed areas define, so it fills
every registered one: twelve months of plausible values around the target
for manual metrics (mostly on target, some amber and red, so the dashboard
shows every status), and a recomputation of computed metrics over the forms
the areas submitted in their ``populate_instance``.
"""

from __future__ import annotations

import random

from core.accounts.models import Site, User
from core.database import db
from core.metrics import services
from core.metrics.models import Measurement, Source
from core.plugins.types import Metric
from core.trail import acting_as

MONTHS = 12
ACTOR = "demo"


def populate(site: Site, user: User) -> int:
    """Enter demo values for every metric at ``site`` as ``user``; returns how many were added.

    A metric that already has a value at the site is left alone, so a
    second ``init --demo`` adds nothing (nor does one a month later).
    """
    measured = set(db.session.execute(db.select(Measurement.metric_key).where(Measurement.site_id == site.id)
                                      .distinct()).scalars())
    added = 0
    with acting_as(ACTOR):
        for metric in services.definitions():
            periods = services.recent_periods(metric, MONTHS)
            if metric.computed:
                for period in periods:
                    services.recompute(metric, site, period)
                continue
            if metric.key in measured:
                continue
            for period, value in zip(periods, demo_values(metric, len(periods)), strict=True):
                services.record(user, metric, site, period, value, source=Source.MANUAL)
                added += 1
    return added


def demo_values(metric: Metric, count: int) -> list[float]:
    """``count`` values around the target: green mostly, one amber (when there is a warning band) and one red.

    Seeded by the metric key, so the demo shows the same picture on every installation.
    """
    rng = random.Random(metric.key)
    sign = 1 if metric.direction == "higher" else -1
    target = float(metric.target)
    warning = None if metric.warning is None else float(metric.warning)
    lines = [target] if warning is None else [target, warning]
    good = max(lines, key=lambda line: sign * line)
    bad = min(lines, key=lambda line: sign * line)
    step = abs(good - bad) or max(abs(target) * 0.1, 1.0)
    statuses = [services.GREEN] * count
    if count >= 3:
        amber, red = rng.sample(range(count), 2)
        statuses[amber] = services.AMBER if warning is not None and warning != target else services.RED
        statuses[red] = services.RED
    values = []
    for status in statuses:
        if status == services.GREEN:
            value = good + sign * rng.uniform(0.1, 1.0) * step
        elif status == services.AMBER:
            value = bad + rng.uniform(0.2, 0.8) * (good - bad)
        else:
            value = bad - sign * rng.uniform(0.2, 1.0) * step
        values.append(round(_clamp(metric, value), 1))
    return values


def _clamp(metric: Metric, value: float) -> float:
    if str(metric.unit).strip() == "%":
        return min(max(value, 0.0), 100.0)
    if metric.target >= 0 and (metric.warning is None or metric.warning >= 0):
        return max(value, 0.0)
    return value
