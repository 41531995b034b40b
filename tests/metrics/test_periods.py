"""Quarterly and yearly computed metrics: recomputed from every submission of their quarter or year."""

from datetime import UTC, datetime

import pytest

from core.database import commit
from core.errors import ValidationFailed
from core.forms import services as forms
from core.metrics import services
from core.plugins import Metric, hookimpl, submissions_in_period
from tests.forms.sample_plugin import SURVEY, SamplePlugin
from tests.metrics.conftest import site, user

QUARTERLY = Metric(
    key="periods.surveys_quarter",
    name="Surveys per quarter",
    unit="",
    direction="higher",
    target=3,
    period="quarter",
    computed=True,
    area="AFTERSALES",
)
YEARLY = Metric(
    key="periods.mean_score_year",
    name="Mean score of the year",
    unit="",
    direction="higher",
    target=8,
    warning=6,
    period="year",
    computed=True,
    area="AFTERSALES",
)


class PeriodPlugin:
    @hookimpl
    def register_metrics(self):
        return [QUARTERLY, YEARLY]

    @hookimpl
    def compute_metric(self, metric, site, period):
        answers = submissions_in_period("sample.survey", site, period, metric.period)
        if metric.key == QUARTERLY.key:
            return len(answers) or None
        if metric.key == YEARLY.key:
            return sum(a["score"] for a in answers) / len(answers) if answers else None
        return None


@pytest.fixture
def periods(app, register_plugin):
    register_plugin(SamplePlugin(metrics=()), "sample")
    return register_plugin(PeriodPlugin(), "periods")


def survey(score, when):
    forms.submit(user("staff"), SURVEY, site(), {"score": score}, submitted_at=when)
    commit()


@pytest.mark.parametrize(
    ("span", "month", "start"),
    [
        ("month", "2025-05", "2025-05"),
        ("quarter", "2025-05", "2025-04"),
        ("quarter", "2025-12", "2025-10"),
        ("quarter", "2025-01", "2025-01"),
        ("year", "2025-11", "2025-01"),
    ],
)
def test_a_month_belongs_to_the_period_that_starts_at(span, month, start):
    assert services.period_start(span, month) == start
    assert month in services.months_of(span, start)


def test_quarterly_and_yearly_metrics_are_recomputed_by_each_submission(app, users, periods, ctx):
    survey(10, datetime(2024, 4, 3, 9, tzinfo=UTC))
    assert services.find(QUARTERLY, site(), "2024-04").value == 1
    survey(6, datetime(2024, 5, 20, 9, tzinfo=UTC))
    # 23:00 on 30 June in China (UTC+8) is still the second quarter there ...
    survey(8, datetime(2024, 6, 30, 15, tzinfo=UTC))
    # ... and 00:30 on 1 July is the third, while UTC still reads 30 June: the dealership's quarter counts.
    # A submission of the next quarter starts the next quarter's value and leaves this one alone.
    survey(4, datetime(2024, 6, 30, 16, 30, tzinfo=UTC))
    assert [(p.period, p.value, p.status) for p in services.series(QUARTERLY, site())] == [
        ("2024-04", 3.0, "green"),
        ("2024-07", 1.0, "red"),
    ]
    # The year covers all four submissions, stored on January.
    assert [(p.period, p.value, p.status) for p in services.series(YEARLY, site())] == [("2024-01", 7.0, "amber")]


def test_a_computed_quarter_is_recomputed_on_demand_for_its_first_month_only(app, users, periods, ctx):
    survey(9, datetime(2024, 2, 14, 12, tzinfo=UTC))
    assert services.recompute_on_demand(user("qo"), QUARTERLY, site(), "2024-01").value == 1
    with pytest.raises(ValidationFailed):
        services.recompute_on_demand(user("qo"), QUARTERLY, site(), "2024-02")


def test_a_submission_cannot_be_dated_in_the_future(app, users, periods, ctx):
    with pytest.raises(ValidationFailed):
        survey(9, datetime(2999, 1, 1, tzinfo=UTC))
