"""A submission marks its computed metrics instead of recomputing its month from every row
(issue #20, writes flat in data size): the next read that shows the value computes it, once
for any number of submissions, and tick computes what nobody read. Nothing is lost when a
computation fails, and two drainers at once store one value."""

from __future__ import annotations

import threading
import time

import pytest

from core.clock import current_period, utcnow
from core.database import commit, db
from core.forms import services as forms
from core.metrics import services
from core.metrics.models import Measurement, PendingRecompute
from core.plugin_engine import manager
from core.plugins import hookimpl
from tests.forms.sample_plugin import SURVEY, SURVEY_NPS, SamplePlugin
from tests.metrics.conftest import site, user
from tests.statements import statements


class CountingPlugin(SamplePlugin):
    """The sample NPS, counting its computations; ``failing`` makes the next ones raise,
    ``meanwhile`` is called once a value is computed (what happens before it is stored)."""

    def __init__(self):
        super().__init__()
        self.computations, self.failing, self.pause, self.meanwhile = 0, False, 0.0, None

    @hookimpl
    def compute_metric(self, metric, site, period):
        if metric.key != SURVEY_NPS.key:
            return None
        self.computations += 1
        if self.failing:
            raise RuntimeError("the survey service is down")
        time.sleep(self.pause)
        value = super().compute_metric(metric, site, period)
        if self.meanwhile:
            self.meanwhile(site, period)
        return value


@pytest.fixture
def counting(app, register_plugin):
    return register_plugin(CountingPlugin(), "sample")


def _marks():
    return db.session.execute(
        db.select(PendingRecompute.metric_key, PendingRecompute.period, PendingRecompute.generation)
    ).all()


def _stored_nps():
    return db.session.execute(db.select(Measurement.value).filter_by(metric_key=SURVEY_NPS.key)).scalars().all()


def test_a_survey_shows_in_its_kpi_on_the_next_page_and_api_read(app, users, counting, api_as, client_as):
    staff = api_as("staff")
    for score in (10, 10, 3):
        assert staff.post("/api/v1/forms/sample.survey/submissions", json={"site": "MAIN", "data": {"score": score}})
    with app.app_context():
        # The submissions did not compute the month: they left one mark.
        assert _marks() == [(SURVEY_NPS.key, current_period(), 3)] and _stored_nps() == []
    page = client_as("qo").get("/metrics/sample.nps?site=MAIN")
    assert page.status_code == 200 and "33.3" in page.get_data(as_text=True)
    with app.app_context():
        # The page's read stored it for everyone after: the mark is gone.
        assert _marks() == [] and _stored_nps() == [33.3]
    staff.post("/api/v1/forms/sample.survey/submissions", json={"site": "MAIN", "data": {"score": 0}})
    series = api_as("qo").get("/api/v1/metrics/sample.nps/series?site=MAIN").json
    assert series == [{"period": current_period(), "value": 0.0, "status": "red"}]
    assert counting.computations == 2


def test_many_submissions_are_one_computation(app, users, counting, ctx):
    for score in (10, 9, 7, 3, 10):
        forms.submit(user("staff"), SURVEY, site(), {"score": score})
        commit()
    assert _marks() == [(SURVEY_NPS.key, current_period(), 5)]
    assert counting.computations == 0
    assert services.find(SURVEY_NPS, site(), current_period()).value == 40.0
    assert counting.computations == 1
    # Stored by the system, not by whoever happened to read it first.
    from core.trail.models import TrailEvent

    actors = db.session.execute(db.select(TrailEvent.actor).filter_by(entity_type="measurement")).scalars().all()
    assert actors == ["system"]
    # Read again with nothing pending: nothing computed again.
    assert [point.value for point in services.series(SURVEY_NPS, site())] == [40.0]
    assert counting.computations == 1


def test_a_failed_computation_stays_pending_and_tick_computes_it(app, users, counting, ctx):
    forms.submit(user("staff"), SURVEY, site(), {"score": 10})
    commit()
    counting.failing = True
    # The reader sees no value rather than an error page; the mark waits.
    assert services.series(SURVEY_NPS, site()) == []
    commit()
    assert _marks() == [(SURVEY_NPS.key, current_period(), 1)]
    counting.failing = False
    assert "core.metrics: computed metric values updated: 1" in manager.tick(utcnow())
    assert _marks() == [] and _stored_nps() == [100.0]
    assert "computed metric values updated" not in " ".join(manager.tick(utcnow()))


def test_a_rolled_back_drain_leaves_the_mark(app, users, counting, ctx):
    forms.submit(user("staff"), SURVEY, site(), {"score": 10})
    commit()
    assert services.drain() == 1
    db.session.rollback()  # a crash before the commit
    assert _marks() == [(SURVEY_NPS.key, current_period(), 1)]
    assert services.drain_all() == 1
    assert _marks() == [] and _stored_nps() == [100.0]


def test_a_submission_during_the_computation_keeps_its_mark(app, users, counting, ctx):
    forms.submit(user("staff"), SURVEY, site(), {"score": 10})
    commit()
    # A survey's mark arrives after the value was read from the records: it must outlive this drain.
    counting.meanwhile = lambda site_row, period: services.mark_site_period(site_row, period, forms={SURVEY.key})
    assert services.drain() == 1
    counting.meanwhile = None
    assert _marks() == [(SURVEY_NPS.key, current_period(), 2)]


def test_the_plugin_batch_marks_each_site_and_month_once(app, users, counting, ctx):
    from core.plugins import submit_forms

    submit_forms(
        [{"form_key": SURVEY.key, "data": {"score": s}, "site": "MAIN", "submitted_by": "staff"} for s in (10, 0)]
    )
    assert _marks() == [(SURVEY_NPS.key, current_period(), 1)]
    assert services.find(SURVEY_NPS, site(), current_period()).value == 0.0


def _drainer(app, barrier, done, errors):
    with app.app_context():
        barrier.wait()
        try:
            done.append(services.drain_all())
        except Exception as error:  # every failure is a finding, not a crash of the thread
            errors.append(repr(error))
        db.session.remove()


def test_two_drainers_at_once_store_one_value(app, users, counting, ctx, caplog):
    forms.submit(user("staff"), SURVEY, site(), {"score": 10})
    commit()
    db.session.remove()
    counting.pause = 0.3  # long enough for the second drainer to come while the first computes
    barrier, done, errors = threading.Barrier(2), [], []
    threads = [threading.Thread(target=_drainer, args=(app, barrier, done, errors)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Neither tripped over the other's row (a failed computation is logged and left pending).
    assert [record.getMessage() for record in caplog.records if record.levelname == "ERROR"] == []
    assert sorted(done) == [0, 1]
    assert _marks() == [] and _stored_nps() == [100.0]


def test_a_submission_costs_the_same_in_a_full_month(app, users, counting, api_as):

    staff = api_as("staff")

    def submit():
        assert staff.post("/api/v1/forms/sample.survey/submissions", json={"site": "MAIN", "data": {"score": 9}})

    def statements_of_one():
        with statements(app) as seen:
            submit()
        return seen

    submit()  # the form's version and the token's first use are not what is measured
    first = statements_of_one()
    for _ in range(30):
        submit()
    later = statements_of_one()
    assert len(later) == len(first)
    assert counting.computations == 0, "a submission computed its month"


def _tick_when_told(app, written: threading.Event, errors: list) -> None:
    with app.app_context():
        written.wait()
        try:
            services.drain_all()
        except Exception as error:  # every failure is a finding, not a crash of the thread
            errors.append(repr(error))
        db.session.remove()


def test_a_write_showing_its_kpi_and_tick_computing_it_meanwhile_both_finish(app, users, counting, ctx, caplog):
    """Under load on PostgreSQL a write held the trail's lock (it had appended) and waited for a
    metric's lock that a drainer held, while the drainer waited for the trail's to store the value:
    a deadlock, one of them a 500."""
    forms.submit(user("staff"), SURVEY, site(), {"score": 10})
    commit()
    db.session.remove()
    counting.pause = 0.3  # tick would still be computing when the write reads the KPI
    written, errors = threading.Event(), []
    tick = threading.Thread(target=_tick_when_told, args=(app, written, errors))
    tick.start()
    forms.submit(user("staff"), SURVEY, site(), {"score": 0})
    db.session.flush()  # appended to the trail: this transaction holds its lock until the commit
    written.set()
    time.sleep(0.1)
    try:
        services.refresh(sites=[site().id])
        commit()
    except Exception as error:
        errors.append(repr(error))
    tick.join()
    assert errors == []
    assert [record.getMessage() for record in caplog.records if record.levelname == "ERROR"] == []
    assert _marks() == [] and _stored_nps() == [0.0]
