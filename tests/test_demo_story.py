"""The demo's story holds on every date: the area plugins' demo records are
drawn month by month, so whatever the last complete month is, every month
of every computed metric at both demo sites has a value, and Shanghai's
slide shows against Beijing's steadiness in that last month.

Only the area plugins' form generators run here (no audits, procedures or
manual metrics), at twelve consecutive month-ends, each at the moment the
month has ended in China but not yet in UTC (16:30 UTC on its last day).
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

import pytest
import time_machine

from core.accounts.models import Site
from core.clock import add_months, current_period, last_complete_period
from core.database import db
from core.demo import add_demo_group, present_demo_sites
from core.metrics import services as metric_services
from core.plugin_engine import manager
from plugins.aftersales import demo as aftersales_demo
from plugins.communication import demo as communication_demo
from plugins.marketing import demo as marketing_demo
from plugins.risk import demo as risk_demo
from plugins.sales import demo as sales_demo
from plugins.training import demo as training_demo

GENERATORS = (sales_demo, aftersales_demo, training_demo, marketing_demo, risk_demo, communication_demo)
MONTH_ENDS = 12


def _month_end(back: int) -> datetime:
    """16:30 UTC on the last day of the month ``back`` months before the current one: 00:30 the next day in China."""
    period = add_months(current_period(), -back)
    year, month = int(period[:4]), int(period[5:])
    return datetime(year, month, calendar.monthrange(year, month)[1], 16, 30, tzinfo=UTC)


# The twelve month-ends up to the end of the current month: the window moves with the real calendar.
@pytest.fixture(params=range(MONTH_ENDS), ids=lambda back: _month_end(back).strftime("%Y-%m-end"))
def demo_forms_at(request, app):
    moment = _month_end(request.param)
    with time_machine.travel(moment, tick=False), app.app_context():
        add_demo_group()
        db.session.commit()
        for generator in GENERATORS:
            generator.populate()
        yield moment


def _site(code: str) -> Site:
    return db.session.execute(db.select(Site).filter_by(code=code)).scalar_one()


def test_every_month_of_every_computed_metric_has_a_value_and_the_story_shows(demo_forms_at):
    sites = present_demo_sites()
    months = sites[0].months
    # At 16:30 UTC on the last day it is already the next month in China: the month that just ended is the last.
    assert months[-1] == demo_forms_at.strftime("%Y-%m") == last_complete_period()
    # Computed from the forms' two years of submissions; the recurring checks' rate starts with the demo's week,
    # the procedure acknowledgements' with the starter procedures (document control's records, not forms).
    computed = [
        metric
        for metric in metric_services.definitions()
        if metric.computed and metric.key not in ("audits.inspection_completion", "training.procedure_acknowledgement")
    ]
    assert len(computed) >= 20
    red = {}
    for site in sites:
        row = _site(site.code)
        red[site.code] = 0
        for metric in computed:
            values = {point.period: point for point in metric_services.series(metric, row)}
            expected = [month for month in months if metric_services.period_start(metric.period, month) == month]
            missing = [month for month in expected if month not in values]
            assert not missing, f"{metric.key} at {site.code} has no value for {', '.join(missing)}"
            red[site.code] += values[months[-1]].status == "red"
    assert red["SH01"] >= 5 and red["SH01"] > 2 * red["BJ01"], red
    # The satisfaction scores a dealer principal looks at first: Shanghai red, Beijing not.
    for key in ("sales.nps", "sales.ssi", "aftersales.csi"):
        metric = metric_services.definition(key)
        last = {code: metric_services.series(metric, _site(code))[-1] for code in ("BJ01", "SH01")}
        assert last["SH01"].status == "red" and last["BJ01"].status != "red", (key, last)
    # Each stored value is what the plugin computes from the month's records now: a metric's declared
    # inputs are all it reads, so submissions of other forms could leave it alone.
    for site in sites:
        row = _site(site.code)
        for metric in computed:
            for month in months[-3:]:
                period = metric_services.period_start(metric.period, month)
                stored = metric_services.find(metric, row, period)
                assert stored.value == pytest.approx(manager.compute_metric(metric, row, period)), metric.key


def test_computed_metrics_of_the_areas_name_the_forms_they_read(app):
    with app.app_context():
        forms = manager.registry().forms
        registry = manager.registry()
        for metric in metric_services.definitions():
            # The audit area's completion rate of recurring checks reads inspections, not forms; the
            # procedure acknowledgement reads document control's records.
            if metric.computed and registry.plugin_of("metrics", metric.key) != "audits":
                assert metric.inputs and set(metric.inputs) <= {*forms, "procedures.acknowledgements"}, metric.key
