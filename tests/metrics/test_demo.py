"""The demo measurements: two years of every manual metric at each demo site.

The whole demo (with the area plugins' submissions) is tested in
``tests/test_demo_group.py``; here the core's part runs alone, fast.
"""

from core.clock import add_months, current_period, last_complete_period
from core.database import db
from core.metrics import services
from core.metrics.demo import demo_periods, demo_values
from core.metrics.models import Measurement
from core.plugins import Metric, submit_form
from core.trail.models import TrailEvent
from tests.forms.sample_plugin import (
    FIRST_TIME_FIX,
    LEAD_RESPONSE,
    SURVEY_NPS,
    SamplePlugin,
)

QUARTERLY = Metric(
    key="sample.audit_score",
    name="Audit score",
    unit="%",
    direction="higher",
    target=80,
    warning=70,
    period="quarter",
    area="QUALITY",
)


def populate(app):
    from core.demo import populate_demo

    with app.app_context():
        populate_demo()
        db.session.commit()
        db.session.remove()


def rows(app, code):
    from core.accounts.services import site_by_code

    with app.app_context():
        site = site_by_code(code)
        found = db.session.execute(
            db.select(Measurement).filter_by(site_id=site.id).order_by(Measurement.metric_key, Measurement.period)
        ).scalars()
        return [(row.metric_key, row.period, row.value, row.source) for row in found]


def statuses(metric, values):
    thresholds = services.Thresholds(metric.target, metric.warning)
    return [services.status(metric, thresholds, value) for value in values]


def test_demo_fills_every_manual_metric_for_24_months_ending_last_month(app, register_plugin):
    register_plugin(SamplePlugin(metrics=(SURVEY_NPS, FIRST_TIME_FIX, LEAD_RESPONSE, QUARTERLY)), "sample")
    populate(app)
    beijing, shanghai = rows(app, "BJ01"), rows(app, "SH01")
    with app.app_context():
        last = last_complete_period()
        months = [add_months(last, -n) for n in range(23, -1, -1)]
        ftf = [(period, value) for key, period, value, _ in beijing if key == FIRST_TIME_FIX.key]
        assert [period for period, _ in ftf] == months
        assert {source for *_, source in beijing + shanghai} == {"manual"}
        assert not [key for key, *_ in beijing if key == SURVEY_NPS.key], "computed metrics come from forms"
        quarters = [period for key, period, *_ in beijing if key == QUARTERLY.key]
        assert len(quarters) == 8 and all(int(p[5:]) in (1, 4, 7, 10) for p in quarters)
        manual = [str(i) for i in db.session.execute(db.select(Measurement.id)).scalars()]
        actors = set(
            db.session.execute(
                db.select(TrailEvent.actor).where(
                    TrailEvent.entity_type == "measurement", TrailEvent.entity_id.in_(manual)
                )
            ).scalars()
        )
        assert actors == {"demo"}

    populate(app)
    assert rows(app, "BJ01") == beijing and rows(app, "SH01") == shanghai, "a second run adds nothing"


def test_the_first_site_is_green_and_the_second_slips_into_red():
    periods = [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 13)]
    for metric in (FIRST_TIME_FIX, LEAD_RESPONSE, SURVEY_NPS):
        strong = statuses(metric, demo_values(metric, periods, "BJ01", 0))
        weak = statuses(metric, demo_values(metric, periods, "SH01", 1))
        assert strong == ["green"] * 24, metric.key
        assert 0 < weak.count("green") < 24, metric.key
    # Which metrics slip at the weaker site is seeded by key and site: this one does, in its last months.
    slipping = statuses(FIRST_TIME_FIX, demo_values(FIRST_TIME_FIX, periods, "SH01", 1))
    assert slipping[-3:] == ["red"] * 3 and "red" not in slipping[:12]


def test_demo_values_stay_in_shape_and_repeat():
    periods = [f"2025-{m:02d}" for m in range(1, 13)]
    values = demo_values(LEAD_RESPONSE, periods, "SH01", 1)
    assert min(values) >= 0 and values == demo_values(LEAD_RESPONSE, periods, "SH01", 1)
    assert len(set(values)) > 6, "noise and season make the values vary"
    percent = demo_values(FIRST_TIME_FIX, periods, "BJ01", 0)
    assert all(0 <= value <= 100 for value in percent)


def test_demo_periods_of_a_quarterly_metric_are_quarter_starts(app):
    with app.app_context():
        periods = demo_periods(QUARTERLY)
        assert len(periods) == 8 and all(int(p[5:]) in (1, 4, 7, 10) for p in periods)
        assert periods[-1] <= last_complete_period()


def test_submit_form_is_one_business_action_that_recomputes(app, register_plugin):
    from core.accounts.services import site_by_code
    from core.errors import ValidationFailed

    register_plugin(SamplePlugin(), "sample")
    populate(app)
    with app.app_context():
        submission_id = submit_form("sample.survey", {"score": 10}, site="SH01", submitted_by="sh.sales")
        assert submission_id > 0
        db.session.rollback()  # what was committed stays
        site = site_by_code("SH01")
        assert services.find(SURVEY_NPS, site, current_period()).value == 100.0
        try:
            submit_form("sample.survey", {"score": 11}, site="SH01", submitted_by="sh.sales")
        except ValidationFailed as error:
            assert [entry["field"] for entry in error.errors] == ["score"]
        else:
            raise AssertionError("a score of 11 was accepted")
