"""Manual, corrected, imported and computed measurements; RAG status; site targets."""

import pytest

from core.database import commit, db
from core.errors import Conflict, Forbidden, ValidationFailed
from core.forms import services as forms
from core.metrics import services
from core.metrics.models import Measurement
from core.trail.models import TrailEvent
from tests.forms.sample_plugin import FIRST_TIME_FIX, LEAD_RESPONSE, SURVEY, SURVEY_NPS
from tests.metrics.conftest import site, user


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        (FIRST_TIME_FIX, 95, "green"),
        (FIRST_TIME_FIX, 90, "green"),
        (FIRST_TIME_FIX, 87, "amber"),
        (FIRST_TIME_FIX, 85, "amber"),
        (FIRST_TIME_FIX, 84.9, "red"),
        (LEAD_RESPONSE, 20, "green"),
        (LEAD_RESPONSE, 30, "green"),
        (LEAD_RESPONSE, 45, "amber"),
        (LEAD_RESPONSE, 61, "red"),
    ],
)
def test_status_follows_direction_target_and_warning(metric, value, expected):
    assert services.status(metric, services.Thresholds(metric.target, metric.warning), value) == expected


def test_warning_on_the_good_side_of_the_target_reads_the_same_way():
    # target 80 is the red line, 85 the early warning
    thresholds = services.Thresholds(80, 85)
    assert [services.status(FIRST_TIME_FIX, thresholds, v) for v in (86, 82, 79)] == ["green", "amber", "red"]
    assert services.status(FIRST_TIME_FIX, services.Thresholds(90, None), 89) == "red"


def test_one_measurement_per_metric_site_and_period(app, users, sample, ctx):
    services.record(user("qo"), FIRST_TIME_FIX, site(), "2026-03", 88)
    commit()
    with pytest.raises(Conflict) as caught:
        services.record(user("qo"), FIRST_TIME_FIX, site(), "2026-03", 91)
    assert "PUT /api/v1/metrics/sample.first_time_fix/measurements/MAIN/2026-03" in caught.value.detail
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count(Measurement.id))).scalar() == 1


def test_a_correction_changes_the_row_and_leaves_a_reason_in_the_trail(app, users, sample, ctx):
    measurement = services.record(user("qo"), FIRST_TIME_FIX, site(), "2026-03", 88)
    commit()
    with pytest.raises(ValidationFailed):
        services.correct(user("qo"), measurement, 91, reason=" ", row_version=1)
    db.session.rollback()
    services.correct(user("qo"), measurement, 91, reason="Typing error in the workshop report", row_version=1)
    commit()
    with pytest.raises(Conflict):
        services.correct(user("qo"), measurement, 92, reason="again", row_version=1)
    db.session.rollback()
    event = (
        db.session.execute(db.select(TrailEvent).filter_by(entity_type="measurement", action="update")).scalars().one()
    )
    assert event.reason == "Typing error in the workshop report"
    assert [float(v) for v in event.changed_fields["value"]] == [88.0, 91.0]
    assert db.session.execute(db.select(db.func.count(Measurement.id))).scalar() == 1


@pytest.mark.parametrize("period", ["2026-3", "2026-13", "03-2026", "2026/03", ""])
def test_a_period_must_be_year_and_month(app, users, sample, ctx, period):
    with pytest.raises(ValidationFailed) as caught:
        services.record(user("qo"), FIRST_TIME_FIX, site(), period, 88)
    assert caught.value.errors[0]["field"] == "period"


def test_who_may_enter_measurements(app, users, sample, ctx):
    with pytest.raises(Forbidden):
        services.record(user("staff"), FIRST_TIME_FIX, site(), "2026-03", 88)
    # The head of SALES enters SALES metrics, not AFTERSALES ones.
    with pytest.raises(Forbidden):
        services.record(user("head"), FIRST_TIME_FIX, site(), "2026-03", 88)
    services.record(user("head"), LEAD_RESPONSE, site(), "2026-03", 25)


def test_computed_metrics_refuse_manual_values(app, users, sample, ctx):
    with pytest.raises(Conflict):
        services.record(user("qo"), SURVEY_NPS, site(), "2026-03", 50)


def test_nps_is_recomputed_when_a_survey_of_the_month_arrives(app, users, sample, ctx):
    for score in (10, 9, 7):
        forms.submit(user("staff"), SURVEY, site(), {"score": score})
        commit()
    period = services.current_period()
    nps = services.find(SURVEY_NPS, site(), period)
    assert (nps.value, nps.source) == (66.7, "computed")
    forms.submit(user("staff"), SURVEY, site(), {"score": 0})
    commit()
    assert services.find(SURVEY_NPS, site(), period).value == 25.0
    assert [p.status for p in services.series(SURVEY_NPS, site())] == ["red"]
    # Still one row: a recomputation updates it.
    assert db.session.execute(db.select(db.func.count(Measurement.id))).scalar() == 1
    assert services.recompute_on_demand(user("qo"), SURVEY_NPS, site(), period).value == 25.0


def test_site_target_override_is_for_quality_officers_and_trailed(app, users, sample, north, make_user, ctx):
    # A quality officer enters values only at their site: NORTH's are the group office's.
    make_user("group.qo", "quality_officer", department="QUALITY", site=None)
    with pytest.raises(Forbidden):
        services.set_site_target(user("head"), LEAD_RESPONSE, site(), target=20, warning=40, reason="busy")
    db.session.rollback()
    services.set_site_target(
        user("qo"), FIRST_TIME_FIX, site(), target=80, warning=75, reason="New workshop, first year"
    )
    commit()
    services.record(user("qo"), FIRST_TIME_FIX, site(), "2026-03", 82)
    services.record(user("group.qo"), FIRST_TIME_FIX, site("NORTH"), "2026-03", 82)
    commit()
    assert services.series(FIRST_TIME_FIX, site())[0].status == "green"
    assert services.series(FIRST_TIME_FIX, site("NORTH"))[0].status == "red"
    event = db.session.execute(db.select(TrailEvent).filter_by(entity_type="metric_site_target")).scalars().one()
    assert event.reason == "New workshop, first year"
    ranked = services.comparison(FIRST_TIME_FIX, "2026-03")
    assert [(item.site.code, item.status) for item in ranked] == [("MAIN", "green"), ("NORTH", "red")]


CSV_WITH_ERRORS = """metric,site,period,value
sample.first_time_fix,MAIN,2026-01,91
sample.first_time_fix,MAIN,2026-13,91
sample.unknown,MAIN,2026-02,1
sample.first_time_fix,NOWHERE,2026-02,1
sample.first_time_fix,MAIN,2026-02,lots
sample.nps,MAIN,2026-02,40
sample.first_time_fix,MAIN,2026-01,92
"""


def test_csv_import_reports_each_bad_row_and_imports_nothing(app, users, sample, ctx):
    report = services.import_csv(user("qo"), CSV_WITH_ERRORS)
    commit()
    assert (report.rows, report.imported) == (7, 0)
    assert [(e["row"], e["column"]) for e in report.errors] == [
        (3, "period"),
        (4, "metric"),
        (5, "site"),
        (6, "value"),
        (7, "metric"),
        (8, "period"),
    ]
    assert db.session.execute(db.select(db.func.count(Measurement.id))).scalar() == 0


def test_csv_import_of_the_valid_rows_when_asked(app, users, sample, ctx):
    report = services.import_csv(user("qo"), CSV_WITH_ERRORS, import_valid_rows=True)
    commit()
    assert report.imported == 1
    assert services.find(FIRST_TIME_FIX, site(), "2026-01").source == "import"


def test_csv_without_the_columns_is_refused(app, users, sample, ctx):
    with pytest.raises(ValidationFailed) as caught:
        services.import_csv(user("qo"), "kpi,value\nx,1\n")
    assert "metric" in caught.value.detail
