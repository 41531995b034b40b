"""The world the access matrix is checked in: two sites, ten identities and,
at each site, one record of every kind (procedure, audits, NC, action,
submission, measurement, evidence, job, check and form schedules)."""

from __future__ import annotations

import io
import sqlite3
from dataclasses import dataclass, field
from datetime import timedelta

from core.plugins import Field, Form, hookimpl
from core.testing import TEST_PASSWORD

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
FORM_KEY = "matrix.visit"
METRIC_KEY = "sales.lead_conversion"  # a manual metric of SALES (built-in)
CHECKLIST_KEY = "sales.process"
IMPORTED_CHECKLIST = "brand.matrix"  # an imported checklist library, version 1
PERIOD = "2025-06"
FIVE_WHY = {"method": "5why", "chain": [{"why": "Visitors waited", "because": "No rota for lunch breaks"}]}


class MatrixPlugin:
    """A form of SALES with one field, so that a valid submission is one line."""

    @hookimpl
    def register_forms(self):
        return [
            Form(
                key=FORM_KEY,
                title="Showroom visit",
                version=1,
                area="SALES",
                fields=[Field(key="note", label="Note", type="text", required=True)],
            )
        ]


class NoRunner:
    """Jobs stay queued: the matrix asks who may see them, not what they produce."""

    def __init__(self, app):
        self.app = app

    def submit(self, job_id: str) -> None:
        return None


@dataclass(frozen=True)
class Identity:
    name: str
    roles: frozenset[str]
    department: str | None
    site: str | None  # None: the group office

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


IDENTITIES = [
    Identity("admin", frozenset({"admin"}), "QUALITY", None),
    Identity("qo", frozenset({"quality_officer"}), "QUALITY", "MAIN"),
    Identity("group_qo", frozenset({"quality_officer"}), "QUALITY", None),
    Identity("head", frozenset({"department_head"}), "SALES", "MAIN"),
    Identity("head_other_dept", frozenset({"department_head"}), "AFTERSALES", "MAIN"),
    Identity("head_other_site", frozenset({"department_head"}), "SALES", "NORTH"),
    Identity("auditor", frozenset({"auditor"}), "TRAINING", "MAIN"),
    Identity("auditor_other_site", frozenset({"auditor"}), "TRAINING", "NORTH"),
    Identity("staff", frozenset({"staff"}), "SALES", "MAIN"),
    Identity("staff_other", frozenset({"staff"}), "SALES", "MAIN"),
]
BY_NAME = {identity.name: identity for identity in IDENTITIES}


@dataclass
class SiteRecords:
    """The records of one site, all of SALES, and who is involved in them."""

    site: str
    department: str = "SALES"
    procedure: str = ""
    effective: int = 1
    draft: int = 2
    audit_planned: str = ""
    audit: str = ""  # in progress, with checklist items and evidence
    item: int = 0
    evidence: int = 0
    team: frozenset[str] = frozenset()
    lead: str = ""
    inspection: int = 0
    inspection_item: int = 0
    improvement: str = ""
    improvement_people: frozenset[str] = frozenset()  # raised it or owns it
    improvement_owner: str = ""
    objective: int = 0
    review: str = ""
    review_chair: str = ""
    review_people: frozenset[str] = frozenset()  # its chair and participants
    schedule: int = 0
    nc: str = ""
    nc_people: frozenset[str] = frozenset()  # raised it, owns it, or owns one of its actions
    action: int = 0
    action_owner: str = ""
    submission: int = 0
    submitted_by: str = ""
    measured_by: str = ""
    job: str = ""
    job_by: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class World:
    sites: dict[str, SiteRecords]
    spare_token: int  # an API token of staff_other's (a token id nobody else owns)
    spare_token_plain: str = ""
    spare_session: int = 0  # a browser session of staff_other's
    spare_notification: int = 0  # a notification of staff_other's


def _user(login):
    from core.accounts.services import user_by_login

    return user_by_login(login)


def build(app) -> World:
    from audits.improvements import services as improvements
    from audits.inspections import services as inspections
    from audits.inspections.models import Inspection
    from audits.objectives import services as objectives
    from audits.reviews import services as reviews
    from audits.services import actions, audits, evidence
    from audits.services import nonconformities as ncs
    from core.accounts import organisation, services
    from core.accounts.models import Site, UserSession
    from core.clock import today, utcnow
    from core.database import commit, db
    from core.forms import schedules as form_schedules
    from core.forms import services as forms
    from core.forms.models import SurveyFollowUp
    from core.jobs.models import Job
    from core.jobs.services import new_job_id
    from core.metrics import services as metrics
    from core.notifications.models import Notification
    from core.notifications.services import notify
    from procedures import services as procedures

    with app.app_context():
        services.create_site(None, "NORTH", "North dealership")
        commit()
        for identity in IDENTITIES:
            services.create_user(
                None,
                login=identity.name,
                display_name=identity.name.replace("_", " ").title(),
                roles=sorted(identity.roles),
                password=TEST_PASSWORD,
                department=services.department_by_code(identity.department) if identity.department else None,
                site=services.site_by_code(identity.site) if identity.site else None,
            )
        commit()
        sales = services.department_by_code("SALES")
        for login, site in (("head", "MAIN"), ("head_other_site", "NORTH")):
            row = organisation.headship(sales.id, services.site_by_code(site).id)
            organisation.set_heads(
                None,
                sales,
                services.site_by_code(site),
                head=_user(login),
                deputy=None,
                row_version=row.row_version if row is not None else None,
            )
        commit()

        sites = {}
        plan = {
            "MAIN": dict(qo="qo", head="head", lead="auditor", team=("qo", "group_qo"), owner="staff", raiser="qo"),
            "NORTH": dict(
                qo="group_qo",
                head="head_other_site",
                lead="auditor_other_site",
                team=("group_qo",),
                owner="head_other_site",
                raiser="group_qo",
            ),
        }
        for site, who in plan.items():
            records = SiteRecords(site=site)
            site_row = services.site_by_code(site)
            # A procedure of the site: revision 1 effective, revision 2 a draft.
            code = f"SA-{site}-001"
            procedure = procedures.create_procedure(
                None, code=code, title=f"Showroom reception at {site}", department=sales, body="# Reception\n\nGreet."
            )
            procedure.site_id = site_row.id
            commit()
            revision = procedure.revisions[0]
            procedures.submit(_user(who["qo"]), revision, row_version=revision.row_version)
            commit()
            for signer in (who["head"], who["qo"]):
                procedures.sign_revision(_user(signer), revision, meaning="approved", password=TEST_PASSWORD)
                commit()
            assert procedure.effective_revision is not None, f"{code} did not become effective"
            procedures.new_draft(_user(who["qo"]), procedure, body="# Reception\n\nGreet warmly.", change_summary="x")
            commit()
            records.procedure = code

            # Audits: one planned, one in progress with an item's evidence.
            refs = []
            for _ in range(2):
                audit = audits.plan_audit(
                    _user(who["qo"]),
                    title=f"Sales audit at {site}",
                    site=site,
                    departments=["SALES"],
                    scope="Showroom",
                    criteria=[],
                    lead_auditor=who["lead"],
                    auditors=list(who["team"]),
                    planned_date=today() + timedelta(days=3),
                    checklists=[CHECKLIST_KEY],
                )
                commit()
                refs.append(audit)
            planned, running = refs
            audits.start_audit(_user(who["lead"]), running, row_version=running.row_version)
            commit()
            item = running.items[0]
            found = evidence.attach_to_item(_user(who["lead"]), item, io.BytesIO(JPEG), "photo.jpg")
            commit()
            records.audit_planned, records.audit, records.item, records.evidence = (
                planned.reference,
                running.reference,
                item.id,
                found.id,
            )
            records.team = frozenset({who["lead"], *who["team"]})
            records.lead = who["lead"]

            # An NC with one corrective action.
            nc = ncs.raise_nonconformity(
                _user(who["raiser"]),
                title=f"Visitors wait at {site}",
                description="Seen on the floor",
                severity="minor",
                site=site,
                department="SALES",
            )
            commit()
            assert nc.owner is not None and nc.owner.login == who["head"], nc.owner
            head = _user(who["head"])
            ncs.transition(head, nc, to="contained", containment="Door watch", row_version=nc.row_version)
            ncs.transition(head, nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
            action = actions.add_action(
                head, nc, description="Lunch rota", owner=who["owner"], due_date=today() + timedelta(days=14)
            )
            ncs.transition(head, nc, to="actions_planned", row_version=nc.row_version)
            commit()
            records.nc, records.action, records.action_owner = nc.reference, action.id, who["owner"]
            records.nc_people = frozenset({who["raiser"], who["head"], who["owner"]})

            # A form submission and a measurement.
            submitter = "staff" if site == "MAIN" else "group_qo"
            submission = forms.submit(_user(submitter), forms.definition(FORM_KEY), site_row, {"note": "Busy"})
            commit()
            records.submission, records.submitted_by = submission.id, submitter
            # A customer's one-time survey link, as a repair order issues (core.intake).
            from core.intake.models import SurveyToken

            link = f"matrix-survey-link-{site.lower()}"
            db.session.add(
                SurveyToken(
                    token=link,
                    form_key="aftersales.csi_survey",
                    site_id=site_row.id,
                    source_submission_id=submission.id,
                    created_at=utcnow(),
                    expires_at=utcnow() + timedelta(days=60),
                )
            )
            commit()
            records.extra["survey"] = link
            # A customer's low score on the sales survey: the follow-up of SALES's head at the site.
            low = forms.validate_json(
                forms.definition("sales.satisfaction_survey"),
                {
                    **{factor: 4 for factor in ("salesperson", "delivery", "deal", "paperwork", "facility")},
                    "recommend": 3,
                },
            )
            answer = forms.submit_public(forms.definition("sales.satisfaction_survey"), site_row, low)
            commit()
            follow_up = db.session.execute(db.select(SurveyFollowUp).filter_by(submission_id=answer.id)).scalar_one()
            records.extra["follow_up"], records.extra["follow_up_survey"] = follow_up.id, answer.id
            metrics.record(_user(who["qo"]), metrics.definition(METRIC_KEY), site_row, PERIOD, 11.5)
            commit()
            records.measured_by = who["qo"]

            # An evidence pack job (queued: nothing runs it).
            job = Job(
                id=new_job_id(),
                kind="audits.pack",
                params={"audit": running.reference},
                state="queued",
                created_by_id=_user(who["qo"]).id,
            )
            db.session.add(job)
            commit()
            records.job, records.job_by = job.id, who["qo"]
            # A daily check of SALES at the site, for anyone of the department there.
            schedule = inspections.create_schedule(
                _user(who["qo"]), site=site, checklist="sales.process", frequency="daily", starts_on=today()
            )
            commit()
            records.schedule = schedule.id
            inspections.create_due(utcnow())
            commit()
            records.inspection = db.session.execute(
                db.select(Inspection.id).join(Inspection.site).where(Site.code == site)
            ).scalar_one()
            # A daily form of SALES at the site, due for anyone of the department there.
            form_schedule = form_schedules.create_schedule(
                _user(who["qo"]), site=site, form=FORM_KEY, frequency="daily", starts_on=today()
            )
            commit()
            records.form_schedule = form_schedule.id
            form_schedules.create_due(utcnow())
            commit()
            records.inspection_item = db.session.get(Inspection, records.inspection).items[0].id
            # An objective of SALES at the site, owned by the department's head there.
            objective = objectives.create(
                _user(who["qo"]),
                site=site,
                department="SALES",
                title=f"Convert more leads at {site}",
                measure="Leads converted",
                unit="%",
                direction="higher",
                target=20,
                due_date=today() + timedelta(days=200),
                owner=who["head"],
                plan_what="Call back within the hour",
            )
            commit()
            records.objective = objective.id
            # A management review of the site: chaired by its quality officer, with the head of SALES there.
            review = reviews.plan(
                _user(who["qo"]),
                site=site,
                period_from=today() - timedelta(days=90),
                period_to=today() - timedelta(days=1),
                planned_date=today(),
                chair=who["qo"],
                participants=[who["head"]],
            )
            commit()
            records.review, records.review_chair = review.reference, who["qo"]
            records.review_people = frozenset({who["qo"], who["head"]})
            # An improvement of SALES at the site: at MAIN a suggestion of staff's, handed back to them to
            # carry out; at NORTH the quality officer's own, owned by the head of SALES there.
            if site == "MAIN":
                improvement = improvements.raise_improvement(
                    _user("staff"), title="Greet with the visitor's name", site=site, department="SALES"
                )
                commit()
                improvements.update_improvement(
                    _user("qo"), improvement, row_version=improvement.row_version, owner="staff"
                )
                people = frozenset({"staff"})
            else:
                improvement = improvements.raise_improvement(
                    _user("group_qo"),
                    title="Greet with the visitor's name",
                    site=site,
                    department="SALES",
                    source="manual",
                )
                people = frozenset({"group_qo", "head_other_site"})
            commit()
            records.improvement, records.improvement_people = improvement.reference, people
            records.improvement_owner = improvement.owner.login
            sites[site] = records

        _import_checklist()
        token, plain = services.create_token(None, _user("staff_other"), "spare")
        session = UserSession(key="0" * 64, user_id=_user("staff_other").id, user_agent="a browser elsewhere")
        db.session.add(session)
        notify([_user("staff_other")], "procedures.effective", {}, url="/", event="matrix")
        commit()
        notification = db.session.execute(db.select(Notification).filter_by(event="matrix")).scalar_one()
        return World(
            sites=sites,
            spare_token=token.id,
            spare_token_plain=plain,
            spare_session=session.id,
            spare_notification=notification.id,
        )


def _import_checklist() -> None:
    from core.checklists import services as checklists
    from core.database import commit

    text = f"""
key: {IMPORTED_CHECKLIST}
title: {{en: Matrix standard, zh_CN: 矩阵标准}}
departments: [SALES]
scale: yes_no
questions:
  - key: q1
    text: {{en: "Is it there?", zh_CN: 是否具备？}}
"""
    checklists.import_file(_user("admin"), "matrix.yaml", text.encode("utf-8"))
    commit()


# Saving and restoring the database around writes that went through -----------------


def sqlite_path(app) -> str | None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    return uri.removeprefix("sqlite:///") if uri.startswith("sqlite:///") else None


def _copy(source: str, target: str) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _server(app):
    """(the server's administrative engine, this app's database name) on PostgreSQL."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    return create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT"), url.database


def _disconnect(app) -> None:
    from core.database import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def snapshot(app, target: str) -> None:
    """Keep the world as built: a file copy on SQLite, a template database on PostgreSQL."""
    from sqlalchemy import text

    _disconnect(app)
    path = sqlite_path(app)
    if path is not None:
        _copy(path, target)
        return
    admin, name = _server(app)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}_saved"'))
        connection.execute(text(f'CREATE DATABASE "{name}_saved" TEMPLATE "{name}"'))
    admin.dispose()


def restore(app, source: str) -> None:
    """Put the world back as :func:`snapshot` kept it."""
    from sqlalchemy import text

    _disconnect(app)
    path = sqlite_path(app)
    if path is not None:
        _copy(source, path)
        return
    admin, name = _server(app)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{name}_saved"'))
    admin.dispose()


def drop_snapshot(app) -> None:
    if sqlite_path(app) is not None:
        return
    from sqlalchemy import text

    admin, name = _server(app)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}_saved" WITH (FORCE)'))
    admin.dispose()


def trail_head(app) -> int:
    """The sequence number of the last trail event (every change writes one)."""
    from sqlalchemy import text

    from core.database import db

    with app.app_context():
        value = db.session.execute(text("SELECT COALESCE(MAX(seq), 0) FROM trail_event")).scalar()
        db.session.remove()
    return value
