"""``dealerqms init --demo``: the demo dealer group, as a newcomer finds it.

The demo is built once for the module (it takes a while: two years of
records at two dealerships); every test reads it, and the last one runs
``init --demo`` again to show that it adds nothing.
"""

from __future__ import annotations

import contextlib
import shutil
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from audits.models import Audit, Evidence, Nonconformity, ProgrammeEntry
from core.accounts import organisation
from core.accounts.models import Department, Role, Site, User
from core.clock import last_complete_period, today
from core.database import db
from core.demo import DEMO_PASSWORD, DEMO_SITES, present_demo_sites
from core.forms.models import FormDue, FormSchedule, FormSubmission
from core.metrics import services as metric_services
from core.metrics.models import Measurement
from core.plugin_engine.manager import registry
from core.signatures import signature_matches, signatures_for
from core.trail.chain import verify
from core.trail.models import TrailEvent

AREAS = ("SALES", "AFTERSALES", "TRAINING", "MARKETING", "RISK", "COMMS")
_BUILT: dict[str, tuple] = {}  # on SQLite, by language: the pristine demo's database and instance folder


def _init_demo(app) -> None:
    from core.maintenance import initialise

    with app.app_context():
        initialise(demo=True, admin_password="correct horse battery staple")
        db.session.remove()


@contextlib.contextmanager
def demo_app(template, tmp_path_factory, language: str = "en"):
    """An app on a database where ``init --demo`` has run, on an instance whose language
    (``DEALERQMS_LANGUAGE``: the demo's records are written in it) is ``language``.

    On SQLite the demo is built once per test session and language and copied (database
    and instance folder) for each module that asks; on PostgreSQL each module builds its own.
    """
    from core.accounts import passwords
    from core.testing import _test_app

    with pytest.MonkeyPatch.context() as patch:
        # The suite's cheap argon2 parameters (as core.testing's autouse fixture sets them per test).
        patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        folder = tmp_path_factory.mktemp("demo-group")
        settings = {"BABEL_DEFAULT_LOCALE": language}
        built = _BUILT.get(language) if template[0] == "sqlite" else None
        if built is not None:
            database, instance = built
            target = folder / "copy"
            target.mkdir()
            shutil.copytree(instance, target / "instance")
            shutil.copyfile(database, target / "demo.sqlite3")
            for suffix in ("-wal", "-shm"):
                if database.with_name(database.name + suffix).exists():
                    shutil.copyfile(database.with_name(database.name + suffix), target / f"demo.sqlite3{suffix}")
            with _test_app(
                template,
                folder,
                settings
                | {
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target / 'demo.sqlite3'}",
                    "INSTANCE_PATH": str(target / "instance"),
                },
            ) as app:
                yield app
            return
        with _test_app(template, folder, settings) as app:
            _init_demo(app)
            if template[0] == "sqlite":
                # A pristine copy, before the module's tests write to their own.
                with app.app_context():
                    db.engine.dispose()
                pristine = folder / "pristine"
                pristine.mkdir()
                shutil.copyfile(folder / "dealerqms.sqlite3", pristine / "dealerqms.sqlite3")
                shutil.copytree(folder / "instance", pristine / "instance")
                _BUILT[language] = (pristine / "dealerqms.sqlite3", pristine / "instance")
            yield app


@pytest.fixture(scope="module")
def demo(_database_template, tmp_path_factory):
    with demo_app(_database_template, tmp_path_factory) as app, app.app_context():
        yield app
        db.session.remove()


def _site(code: str) -> Site:
    return db.session.execute(db.select(Site).filter_by(code=code)).scalar_one()


def test_two_dealerships_with_every_role_in_every_department(demo):
    codes = [code for code, *_ in DEMO_SITES]
    assert codes == ["BJ01", "SH01"]
    for code in codes:
        people = db.session.execute(db.select(User).filter_by(site_id=_site(code).id)).scalars().all()
        roles = {role for user in people for role in user.roles}
        assert roles == set(Role), f"{code} lacks a role"
        for area in AREAS:
            in_department = [user for user in people if user.department and user.department.code == area]
            assert any(Role.DEPARTMENT_HEAD in user.roles for user in in_department), (code, area)
            assert any(Role.STAFF in user.roles for user in in_department), (code, area)
        # Auditors come from departments they never audit alone: two departments between them.
        auditor_departments = {user.department.code for user in people if Role.AUDITOR in user.roles}
        assert len(auditor_departments) == 2 and "QUALITY" not in auditor_departments
        assert all("(" in user.display_name and user.display_name.isascii() is False for user in people)
    # Each site's department has its own head, who works at that site.
    for department in db.session.execute(db.select(Department).where(Department.code.in_(AREAS))).scalars():
        for code in codes:
            head = organisation.head_of(department, _site(code))
            assert head is not None and head.site.code == code and head.department_id == department.id, (
                department.code,
                code,
            )


def test_demo_users_log_in_with_the_printed_password(demo):
    client = demo.test_client()
    from core.testing import csrf_token

    token = csrf_token(client)
    response = client.post("/login", data={"login": "sh.quality", "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    refused = demo.test_client()
    response = refused.post(
        "/login", data={"login": "sh.quality", "password": "wrong-password", "csrf_token": csrf_token(refused)}
    )
    assert response.status_code != 302


def test_every_demo_person_finds_work_in_their_inbox(demo):
    from core.accounts.services import user_by_login
    from core.tasks import services as tasks

    with demo.test_request_context():
        kinds = {}
        for person in db.session.execute(db.select(User).where(User.site_id.is_not(None))).scalars():
            inbox = tasks.inbox(person)
            assert inbox.total > 0, person.login
            kinds[person.login] = {task.kind for task in inbox.tasks}
        # The head of sales has a site procedure to approve and NCs to work on; staff have procedures to read.
        for prefix in ("bj", "sh"):
            assert {"procedures.approve", "audits.nonconformity"} <= kinds[f"{prefix}.sales.head"]
            assert "procedures.acknowledge" in kinds[f"{prefix}.sales"]
            assert "audits.verify" in kinds[f"{prefix}.quality"]
        assert "audits.complete" in kinds["bj.service.head"]
        assert tasks.count(user_by_login("bj.auditor")) > 0


def test_a_week_of_scheduled_checks_done_in_beijing_and_partly_missed_in_shanghai(demo):
    from audits.inspections.models import Inspection
    from core.metrics import services as metrics

    for code, recorded_all in (("BJ01", True), ("SH01", False)):
        rows = db.session.execute(db.select(Inspection).filter_by(site_id=_site(code).id)).scalars().all()
        walks = [row for row in rows if row.checklist_key == "sales.showroom_walk"]
        assert len(walks) == 7 and any(row.checklist_key == "aftersales.workshop_5s" for row in rows)
        past = [row for row in rows if row.occurs_on < max(walk.occurs_on for walk in walks)]
        assert all(row.state == "done" for row in past) is recorded_all, code
    # Beijing did yesterday's (today's may not be done yet, and today may start a month).
    yesterday = today() - timedelta(days=1)
    done = metrics.find(metrics.definition("audits.inspection_completion"), _site("BJ01"), f"{yesterday:%Y-%m}")
    assert done is not None and done.value > 0
    sh_ncs = (
        db.session.execute(
            db.select(Nonconformity).where(
                Nonconformity.source == "inspection", Nonconformity.site_id == _site("SH01").id
            )
        )
        .scalars()
        .all()
    )
    assert sh_ncs and "not OK" in sh_ncs[0].title


def test_weekly_meeting_logs_written_up_in_beijing_and_the_latest_missed_in_shanghai(demo):
    from core.accounts.services import user_by_login
    from core.rhythm import site_today
    from core.tasks import services as tasks

    for code, missed in (("BJ01", 0), ("SH01", 1)):
        site = _site(code)
        dues = (
            db.session.execute(db.select(FormDue).filter_by(site_id=site.id).order_by(FormDue.occurs_on))
            .scalars()
            .all()
        )
        assert len(dues) == 3 and {due.occurs_on.weekday() for due in dues} == {0}, code
        past = [due for due in dues if due.occurs_on < site_today(site)]
        assert [due.state for due in past].count("open") == missed, code
        assert all(due.submission.form_key == "communication.meeting" for due in past if due.state == "done")
    with demo.test_request_context():
        waiting = tasks.inbox(user_by_login("sh.comms"), "core.forms.fill").tasks
        assert any(tasks.is_overdue(task) for task in waiting)
        assert not any(
            tasks.is_overdue(task) for task in tasks.inbox(user_by_login("bj.comms"), "core.forms.fill").tasks
        )


def test_the_historys_low_survey_scores_were_followed_up_but_the_newest_and_the_last_few_days(demo):
    from core.accounts.services import user_by_login
    from core.forms import follow_ups
    from core.forms.models import SurveyFollowUp
    from core.times import site_today

    rows = db.session.execute(db.select(SurveyFollowUp)).scalars().all()
    # Two years of answers hold low scores at both sites, in sales and in the workshop.
    assert {(row.site.code, row.department.code) for row in rows} == {
        (site, area) for site in ("BJ01", "SH01") for area in ("SALES", "AFTERSALES")
    }
    still_open = [row for row in rows if row.is_open]
    assert len(still_open) < len(rows) / 10
    # Open: the last few days', and each head's newest, a call still to make (late: the history
    # ends last month), so that the demo shows one waiting in each head's tasks.
    newest = {}
    for row in sorted(rows, key=lambda row: row.id):
        newest[(row.site_id, row.department_id)] = row
    assert all(row in newest.values() or row.due_on >= site_today(row.site) - timedelta(days=2) for row in still_open)
    assert all(row.is_open for row in newest.values())
    done = [row for row in rows if not row.is_open]
    assert {row.result for row in done} == set(follow_ups.RESULTS)
    # Called the day after the answer, by the head of the department there.
    assert all(row.recorded_at <= row.submission.submitted_at + timedelta(days=1) for row in done)
    assert all(row.recorded_by.department_id == row.department_id for row in done)
    # The heads' inboxes hold only the recent ones.
    head = user_by_login("bj.sales.head")
    assert db.session.execute(
        db.select(db.func.count()).select_from(follow_ups.to_do_query(head).subquery())
    ).scalar() == len([row for row in still_open if row.site.code == "BJ01" and row.department.code == "SALES"])


def test_objectives_at_both_sites_with_their_status_from_the_data(demo):
    from audits.objectives import services as objectives
    from audits.objectives.models import Objective
    from core.accounts.services import user_by_login
    from core.tasks import services as tasks

    with demo.test_request_context():
        every = db.session.execute(db.select(Objective)).scalars().all()
        # Besides the objectives of the year, each site's last management review set one (why: the review).
        assert sorted(o.site.code for o in every if o.why.startswith("MR-")) == ["BJ01", "SH01"]
        status = {
            (o.site.code, o.department.code): objectives.progress(o).status
            for o in every
            if not o.why.startswith("MR-")
        }
        assert len(status) == 6 and status[("SH01", "TRAINING")] == "at_risk"
        assert status[("SH01", "SALES")] in ("at_risk", "missed")
        # Shanghai's head of training still owes last month's word; Beijing's gave it.
        owed = {
            login: [t.kind for t in tasks.inbox(user_by_login(login)).tasks if t.kind == "audits.objective_update"]
            for login in ("sh.training.head", "bj.training.head")
        }
        assert owed == {"sh.training.head": ["audits.objective_update"], "bj.training.head": []}


def test_plugins_see_the_demo_sites_strongest_first(demo):
    sites = present_demo_sites()
    assert [(site.code, site.rank) for site in sites] == [("BJ01", 0), ("SH01", 1)]
    last = last_complete_period()
    assert len(sites[0].months) == 24 and sites[0].months[-1] == last
    assert sites[1].logins["SALES"] == ("sh.sales", "sh.sales2") and sites[1].heads["RISK"] == "sh.risk.head"


def test_24_months_of_submissions_of_every_area_at_both_sites(demo):
    months = present_demo_sites()[0].months
    # The area plugins' history; the weekly meeting logs that closed a recurring form's due are this month's.
    recurring = db.select(FormDue.submission_id).where(FormDue.submission_id.is_not(None))
    rows = db.session.execute(
        db.select(FormSubmission.form_key, Site.code, FormSubmission.period)
        .join(Site, Site.id == FormSubmission.site_id)
        .where(FormSubmission.id.not_in(recurring))
    ).all()
    assert 1500 <= len(rows) <= 5000, "a few thousand submissions"
    for area in ("sales", "aftersales", "training", "marketing", "risk", "communication"):
        for code in ("BJ01", "SH01"):
            periods = {period for key, site, period in rows if key.startswith(area + ".") and site == code}
            assert set(months) <= periods, f"{area} at {code} misses months"
    assert max(period for *_rest, period in rows) == months[-1], "nothing in the current month"


def _status(key: str, code: str, period: str) -> str | None:
    metric = metric_services.definition(key)
    site = _site(code)
    found = metric_services.find(metric, site, period)
    return (
        None
        if found is None
        else metric_services.status(metric, metric_services.thresholds_for(metric, site), found.value)
    )


def test_metrics_have_two_years_some_red_and_some_green_last_month(demo):
    last = present_demo_sites()[0].months[-1]
    statuses = Counter()
    for metric in metric_services.definitions():
        for code in ("BJ01", "SH01"):
            series = metric_services.series(metric, _site(code))
            if metric.key == "audits.inspection_completion":
                # Recurring checks start with the demo's week of them.
                assert 1 <= len(series) <= 2, f"{metric.key} at {code} has {len(series)} months"
            elif metric.key == "training.procedure_acknowledgement":
                # Computed from the read-and-understood records: the starter procedures take effect at init.
                assert len(series) == 1, f"{metric.key} at {code} has {len(series)} months"
            elif metric.period == "month":
                assert len(series) == 24, f"{metric.key} at {code} has {len(series)} months"
            statuses[code, _status(metric.key, code, last)] += 1
    assert statuses["SH01", "red"] >= 5 and statuses["BJ01", "green"] >= 20
    assert statuses["BJ01", "green"] > statuses["SH01", "green"], "Beijing performs better than Shanghai"
    # The computed ones come from the forms: the survey scores, complaints, repairs and training records.
    for key in (
        "sales.nps",
        "sales.ssi",
        "aftersales.csi",
        "aftersales.complaint_resolution_days",
        "aftersales.first_time_fix",
        "training.mandatory_completion",
        "aftersales.servqual_responsiveness",
    ):
        assert {row.source for row in metric_services.series_rows(metric_services.definition(key), _site("SH01"))} == {
            "computed"
        }
        recent = {
            code: [point.value for point in metric_services.series(metric_services.definition(key), _site(code))][-6:]
            for code in ("BJ01", "SH01")
        }
        better = 1 if metric_services.definition(key).direction == "higher" else -1
        assert better * sum(recent["BJ01"]) > better * sum(recent["SH01"]), key
    # A month of five or six survey answers can dip to amber at the stronger site, never to red.
    for key in ("sales.nps", "sales.ssi", "aftersales.csi"):
        assert _status(key, "BJ01", last) != "red", key
        assert _status(key, "SH01", last) == "red", key


def test_seasonality_and_trend_show_in_a_manual_metric(demo):
    metric = metric_services.definition("aftersales.service_retention")
    values = [point.value for point in metric_services.series(metric, _site("SH01"))]
    assert len(set(values)) > 12, "the values vary"
    beijing = [point.value for point in metric_services.series(metric, _site("BJ01"))]
    assert sum(beijing) / len(beijing) > sum(values) / len(values)


def test_behaviours_show_a_complaint_nc_a_sanbao_case_and_overdue_risks(demo):
    from plugins.aftersales.plugin import open_sanbao_cases
    from plugins.risk import computations as risk
    from plugins.risk.plugin import register_of, today

    complaint_ncs = db.session.execute(db.select(Nonconformity).filter_by(source="complaint")).scalars().all()
    raised = [nc for nc in complaint_ncs if nc.title.startswith("High-severity complaint")]
    assert len(raised) == 1 and raised[0].site.code == "SH01" and raised[0].severity == "major"
    cases = open_sanbao_cases(_site("SH01"))
    assert len(cases) == 1
    assert {flag.rule for flag in cases[0][1]} >= {"repair_days", "same_fault"}
    assert all(flag.level == "warning" for flag in cases[0][1]), "near a trigger, not past it"
    assert open_sanbao_cases(_site("BJ01")) == []
    assert len(risk.overdue(register_of(_site("SH01")), today())) == 3
    assert len(risk.overdue(register_of(_site("BJ01")), today())) == 1


def test_audits_at_both_sites_in_every_state_with_findings_and_evidence(demo):
    audits = db.session.execute(db.select(Audit)).scalars().all()
    for code in ("BJ01", "SH01"):
        states = {audit.state for audit in audits if audit.site.code == code}
        assert states == {"planned", "in_progress", "reported", "closed"}, code
    used = {key for audit in audits for key in audit.checklist_keys}
    assert {key.split(".")[0] for key in used} >= {"sales", "aftersales", "marketing", "training", "risk"}
    evidence = db.session.execute(db.select(Evidence)).scalars().all()
    assert {item.media_type for item in evidence} == {"image/png", "application/pdf"}
    sites = {audit.id: audit.site.code for audit in audits}
    assert {sites[item.audit_id] for item in evidence if item.audit_id} == {"BJ01", "SH01"}
    for audit in audits:
        if audit.state in ("reported", "closed"):
            report = signatures_for(audit)[0]
            assert report.meaning == "report-issued" and signature_matches(report, audit)
    # Each audit carries out a line of its year's programme (last year's, for one planned before New Year).
    for audit in audits:
        entry = audit.programme_entry
        assert entry is not None and entry.year == audit.planned_date.year, ("planned from the programme", audit)
        assert entry.site_id == audit.site_id and entry.department in audit.departments


def test_the_example_brand_standard_is_imported_and_audited_at_both_sites_with_different_scores(demo):
    from audits import scoring
    from core.checklists import catalog
    from core.checklists.models import ChecklistVersion

    (version,) = db.session.execute(db.select(ChecklistVersion)).scalars().all()
    assert (version.key, version.version, version.imported_by.login) == ("brand.showroom", 1, "group.quality")
    assert catalog.origin("brand.showroom") == "import"
    audits = {
        audit.site.code: audit
        for audit in db.session.execute(db.select(Audit)).scalars()
        if "brand.showroom" in audit.checklist_keys
    }
    assert set(audits) == {"BJ01", "SH01"}
    beijing, shanghai = scoring.score_audit(audits["BJ01"]), scoring.score_audit(audits["SH01"])
    assert audits["BJ01"].state == "closed" and beijing.passed and 88 <= beijing.overall <= 98
    assert audits["SH01"].state == "reported" and shanghai.passed is False
    assert shanghai.overall < beijing.overall
    (failed,) = shanghai.failed_must_pass
    assert failed.question_key == "sr-01" and failed.result == "major_nc"
    nc = db.session.execute(db.select(Nonconformity).filter_by(audit_item_id=failed.id)).scalar_one()
    assert nc.severity == "major" and nc.owner.login == "sh.sales.head"
    (snapshot,) = audits["SH01"].checklists
    assert (snapshot.version, snapshot.plugin) == (1, "import")


def test_nonconformities_at_every_stage_with_all_three_analyses(demo):
    ncs = db.session.execute(db.select(Nonconformity)).scalars().all()
    assert {nc.state for nc in ncs} >= {
        "open",
        "contained",
        "root_cause_identified",
        "actions_planned",
        "verifying",
        "closed",
    }
    assert {nc.root_cause["method"] for nc in ncs if nc.root_cause} == {"5why", "fishbone", "8d"}
    closed = [nc for nc in ncs if nc.state == "closed"]
    assert {nc.site.code for nc in closed} == {"BJ01", "SH01"}
    for nc in closed:
        action = nc.actions[0]
        assert action.state == "verified_effective"
        signature = signatures_for(action)[0]
        assert signature.meaning == "verified-effective" and signature.signer_login.endswith(".quality")
        assert action.verified_by_id != action.owner_id
    # Each site's NCs are worked on by that site's people.
    actors = set(
        db.session.execute(
            db.select(TrailEvent.actor).where(TrailEvent.entity_type.in_(["nonconformity", "corrective_action"]))
        ).scalars()
    )
    assert {"bj.quality", "sh.quality", "bj.sales", "sh.service", "sh.marketing.head"} <= actors
    # Shanghai's NCs and actions are owned by Shanghai's people, Beijing's by Beijing's.
    for nc in ncs:
        assert nc.owner is not None and nc.owner.site_id in (nc.site_id, None), (nc.reference, nc.owner.login)
        for action in nc.actions:
            assert action.owner.site_id in (nc.site_id, None), (nc.reference, action.owner.login)
    assert {nc.owner.login for nc in ncs if nc.site.code == "SH01"} & {"sh.sales.head", "sh.service.head"}


def test_the_starter_programme_covers_the_six_areas_at_each_site(demo):
    # This year's programme (early in January the demo also puts last year's in place, for audits planned then).
    entries = db.session.execute(db.select(ProgrammeEntry).filter_by(year=today().year)).scalars().all()
    for code in ("MAIN", "BJ01", "SH01"):
        departments = {entry.department.code for entry in entries if entry.site.code == code}
        assert departments >= set(AREAS) | {"QUALITY"}, code
    months = {
        code: sorted(entry.month for entry in entries if entry.site.code == code and entry.department.code == "SALES")
        for code in ("BJ01", "SH01")
    }
    assert months == {"BJ01": [3], "SH01": [4]}, "the second site is audited a month later"


def test_the_improvement_register_has_audit_findings_suggestions_and_a_dmaic_project(demo):
    from audits.improvements import services as improvements
    from audits.improvements.models import Improvement

    for code in ("BJ01", "SH01"):
        items = db.session.execute(db.select(Improvement).filter_by(site_id=_site(code).id)).scalars().all()
        sources = Counter(item.source for item in items)
        assert sources["suggestion"] == 2 and sources["audit_observation"] + sources["audit_ofi"] >= 1, code
        assert all(item.owner is not None for item in items), code
    beijing = db.session.execute(db.select(Improvement).filter_by(site_id=_site("BJ01").id, stage="act")).scalars()
    assert [item.source for item in beijing] == ["audit_observation"]
    [project] = db.session.execute(db.select(Improvement).filter_by(method="dmaic")).scalars().all()
    baseline, current = improvements.sixsigma_figures(project)
    assert (project.site.code, project.source, project.phase) == ("SH01", "red_kpi", "control")
    assert current.sigma > baseline.sigma and improvements.control_points(project)


def test_the_trail_is_intact_after_the_demo(demo):
    result = verify(db.session.connection())
    assert result.ok and result.events > 3000


def test_every_record_of_the_demo_reads_in_its_history_with_the_labels_of_its_pages(demo):
    """No column name shows through: every kind of record the demo writes says what its fields
    are called (or hides what nobody reads), and every event names its record in words."""
    from flask_babel import force_locale

    from core.trail import readable

    described = readable.entities()
    unlabelled = defaultdict(set)
    events = db.session.execute(db.select(TrailEvent)).scalars().all()
    for event in events:
        entity = described.get(event.entity_type)
        for key in event.changed_fields or {}:
            if entity is None or key not in {*entity.fields, *entity.hidden, *readable.ALWAYS_HIDDEN}:
                unlabelled[event.entity_type].add(key)
    assert not unlabelled
    with demo.test_request_context(), force_locale("zh_CN"):
        kinds = {event.entity_type: event for event in events}
        names = {kind: readable.record_name(kind, str(event.entity_id)) for kind, event in kinds.items()}
    assert names["form_submission"].endswith("号提交") and names["measurement"].startswith(("BJ01", "SH01"))
    assert not [name for kind, name in names.items() if name.startswith(kind.replace("_", " "))]


def test_a_second_init_demo_adds_nothing(demo):
    def counts():
        return {
            model.__name__: db.session.execute(db.select(db.func.count()).select_from(model)).scalar()
            for model in (
                User,
                Site,
                FormSubmission,
                FormSchedule,
                FormDue,
                Measurement,
                Audit,
                Nonconformity,
                Evidence,
                ProgrammeEntry,
                TrailEvent,
            )
        }

    before = counts()
    db.session.remove()
    _init_demo(demo)
    assert counts() == before
    assert registry().checklists, "the area plugins are loaded"


def test_last_quarters_management_review_is_held_and_signed_at_both_sites_and_the_next_is_planned(demo):
    from audits.reviews import inputs, services
    from audits.reviews.models import ManagementReview

    found = defaultdict(list)
    for review in db.session.execute(db.select(ManagementReview).order_by(ManagementReview.period_to)).scalars():
        found[review.site.code].append(review)
    assert sorted(found) == ["BJ01", "SH01"]
    for past, upcoming in found.values():
        assert past.state == "signed" and past.inputs_sha256 == inputs.sha256_of(past.inputs)
        assert past.period_to < past.planned_date or past.planned_date == past.period_to
        keys = [section["key"] for section in past.inputs["sections"]]
        assert {"nonconformities", "audits", "objectives", "aftersales.complaints", "risk.register"} <= set(keys)
        signature, intact = services.chair_signature(past)
        assert signature.signer_login == past.chair.login and signature.meaning == "approved" and intact
        states = [(output.kind, services.output_state(output)) for output in services.outputs_of(past)]
        # Outputs in progress: the rota being done, the training planned, the objective measured by its KPI.
        assert [kind for kind, _state in states] == ["improvement", "improvement", "objective"]
        assert states[0][1] == ("do", True) and states[1][1] == ("plan", True) and states[2][1][1]
        assert len(past.decisions) >= 5 and set(past.present) <= {past.chair.login, *past.participants}
        assert upcoming.state == "planned" and upcoming.period_from == past.period_to + timedelta(days=1)
        assert upcoming.planned_date > upcoming.period_to
