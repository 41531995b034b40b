"""``init --demo``: a year of measurements of every registered metric at the demo site."""

from datetime import timedelta

from core.database import db, utcnow
from core.forms.models import FormSubmission
from core.metrics import services
from core.metrics.demo import demo_values
from core.metrics.models import Measurement
from core.plugins import Metric, hookimpl
from core.trail.models import TrailEvent
from tests.forms.sample_plugin import FIRST_TIME_FIX, LEAD_RESPONSE, SURVEY, SURVEY_NPS, SamplePlugin

QUARTERLY = Metric(key="sample.audit_score", name="Audit score", unit="%", direction="higher", target=80,
                   warning=70, period="quarter", area="QUALITY")


class DemoSurveys(SamplePlugin):
    """The sample plugin, adding its own demo surveys as an area plugin would."""

    @hookimpl
    def populate_instance(self, demo):
        from core.accounts.services import site_by_code, user_by_login
        from core.forms.services import submit

        if not demo:
            return
        site = site_by_code("DEMO")
        if db.session.execute(db.select(FormSubmission.id).filter_by(site_id=site.id)).first():
            return
        # Three surveys last month and one today, so two months of NPS.
        last_month = utcnow().replace(day=1) - timedelta(days=3)
        for score, when in ((10, last_month), (9, last_month), (3, last_month), (10, utcnow())):
            submit(user_by_login("staff"), SURVEY, site, {"score": score}, submitted_at=when)


def init_demo(app):
    from core.maintenance import initialise

    with app.app_context():
        initialise(demo=True, admin_password="correct horse battery staple")
        db.session.remove()


def demo_rows(app):
    from core.accounts.services import site_by_code

    with app.app_context():
        site = site_by_code("DEMO")
        rows = db.session.execute(db.select(Measurement).filter_by(site_id=site.id)
                                  .order_by(Measurement.metric_key, Measurement.period)).scalars()
        return [(row.metric_key, row.period, row.value, row.source) for row in rows]


def test_init_demo_fills_every_metric_once(app, register_plugin):
    register_plugin(DemoSurveys(metrics=(SURVEY_NPS, FIRST_TIME_FIX, LEAD_RESPONSE, QUARTERLY)), "sample")
    init_demo(app)
    rows = demo_rows(app)
    with app.app_context():
        months = [services.add_months(services.current_period(), -n) for n in range(11, -1, -1)]
        ftf = [(period, value) for key, period, value, source in rows if key == FIRST_TIME_FIX.key]
        assert [period for period, _ in ftf] == months
        assert {source for key, *_, source in rows if key != SURVEY_NPS.key} == {"manual"}
        thresholds = services.Thresholds(FIRST_TIME_FIX.target, FIRST_TIME_FIX.warning)
        statuses = [services.status(FIRST_TIME_FIX, thresholds, value) for _, value in ftf]
        assert statuses.count("green") >= 8 and "amber" in statuses and "red" in statuses
        assert all(0 <= value <= 100 for _, value in ftf)
        quarters = [period for key, period, *_ in rows if key == QUARTERLY.key]
        assert len(quarters) == 4 and all(int(p[5:]) in (1, 4, 7, 10) for p in quarters)
        # NPS is computed from the plugin's surveys: 2 promoters, 1 detractor of 3; then 1 promoter of 1.
        assert [(period, value, source) for key, period, value, source in rows if key == SURVEY_NPS.key] == [
            (months[-2], 33.3, "computed"), (months[-1], 100.0, "computed")]
        manual = [str(i) for i in db.session.execute(db.select(Measurement.id).filter_by(source="manual")).scalars()]
        actors = set(db.session.execute(db.select(TrailEvent.actor).where(
            TrailEvent.entity_type == "measurement", TrailEvent.entity_id.in_(manual))).scalars())
        assert actors == {"demo"}

    init_demo(app)
    assert demo_rows(app) == rows, "a second init --demo adds nothing"
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(FormSubmission.id))).scalar() == 4


def test_demo_values_keep_lower_is_better_metrics_in_shape():
    values = demo_values(LEAD_RESPONSE, 12)
    thresholds = services.Thresholds(LEAD_RESPONSE.target, LEAD_RESPONSE.warning)
    statuses = [services.status(LEAD_RESPONSE, thresholds, value) for value in values]
    assert statuses.count("green") == 10 and statuses.count("amber") == 1 and statuses.count("red") == 1
    assert min(values) >= 0 and values == demo_values(LEAD_RESPONSE, 12), "the same picture every time"
