"""``dealerqms demo-data``: the quality bar's sizes, an intact trail, pages
that work on the data, and no second helping on an instance in use."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.database import db
from core.errors import Conflict
from core.scaledata import SCALES
from core.scaledata.generate import DEMO_PASSWORD, generate

SMALL = SCALES["small"]


def _count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


@pytest.fixture
def small(app):
    """A small instance, generated once per test (a couple of seconds)."""
    with app.app_context():
        report = generate("small", seed=7)
    return report


def test_small_has_the_sizes_of_the_quality_bar_and_a_trail_that_verifies(app, small):
    from audits.models import Audit, AuditItem, CorrectiveAction, Nonconformity
    from core.accounts.models import Site, User
    from core.forms.models import FormSubmission
    from core.metrics.models import Measurement
    from core.trail.chain import verify
    from procedures.models import Procedure, Revision

    with app.app_context():
        assert _count(Site) == SMALL.sites
        assert _count(User) == SMALL.users
        assert _count(Procedure) == SMALL.procedures
        assert _count(Revision) == SMALL.revisions
        assert _count(Audit, Audit.started_at.is_not(None)) == SMALL.audits
        assert _count(AuditItem) == SMALL.audit_items
        assert _count(Nonconformity) == SMALL.nonconformities
        assert _count(CorrectiveAction) == SMALL.actions
        assert _count(FormSubmission) == SMALL.submissions
        assert _count(Measurement, Measurement.source == "manual") == SMALL.measurements
        # Computed metrics were computed from the submissions, as submitting through the service does.
        assert _count(Measurement, Measurement.source == "computed") > 0
        result = verify(db.session.connection())
    assert result.ok, result.problem
    assert result.events >= small.events > 4 * 1000
    assert small.verified.ok


def test_the_generated_events_keep_the_sites_of_their_records(app, small):
    """Written around the recorder, the events get their records' sites at the end, as the
    recorder would have given them: the site readers' trail pages are found by it."""
    from sqlalchemy import text

    with app.app_context():
        unstamped = db.session.execute(
            text(
                "SELECT count(*) FROM trail_event e JOIN measurement m ON e.entity_type = 'measurement' "
                "AND e.entity_id = CAST(m.id AS VARCHAR(20)) WHERE e.site_id IS NULL OR e.site_id <> m.site_id"
            )
        ).scalar()
        stamped_items = db.session.execute(
            text("SELECT count(*) FROM trail_event WHERE entity_type = 'audit_item' AND site_id IS NOT NULL")
        ).scalar()
    assert unstamped == 0
    assert stamped_items > 0


def test_every_state_is_represented(app, small):
    from audits.models import Audit, CorrectiveAction, Nonconformity
    from procedures.models import Revision

    with app.app_context():
        audit_states = set(db.session.execute(select(Audit.state).distinct()).scalars())
        nc_states = set(db.session.execute(select(Nonconformity.state).distinct()).scalars())
        action_states = set(db.session.execute(select(CorrectiveAction.state).distinct()).scalars())
        revision_states = set(db.session.execute(select(Revision.state).distinct()).scalars())
    assert {"planned", "in_progress", "reported", "closed"} <= audit_states
    assert {"open", "contained", "actions_planned", "verifying", "closed"} <= nc_states
    assert {"open", "done", "verified_effective"} <= action_states
    assert {"effective", "superseded"} <= revision_states


def test_generated_submissions_pass_their_forms_own_validation(app, small):
    from core.forms.models import FormSubmission
    from core.forms.services import definition, validate_json

    with app.test_request_context():
        from core.plugin_engine.manager import registry

        keys = sorted(db.session.execute(select(FormSubmission.form_key).distinct()).scalars())
        assert keys == sorted(registry().forms)
        for key in keys:
            for data in db.session.execute(select(FormSubmission.data).filter_by(form_key=key).limit(5)).scalars():
                assert validate_json(definition(key), data) == data


def test_approvals_are_real_signatures_over_the_revision(app, small):
    from core.signatures import signatures_for
    from core.signatures.service import signature_matches
    from procedures.models import Revision

    with app.app_context():
        revision = db.session.execute(select(Revision).filter_by(state="effective").limit(1)).scalar_one()
        approvals = [s for s in signatures_for(revision) if s.meaning == "approved"]
        assert len(approvals) == 2
        assert all(signature_matches(s, revision) for s in approvals)


def test_pages_work_on_the_data_for_a_quality_officer(app, small, csrf_token):
    from audits.models import Audit, Nonconformity
    from procedures.models import Procedure

    client = app.test_client()
    response = client.post(
        "/login", data={"login": "qo0001", "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
    with app.app_context():
        procedure = db.session.execute(select(Procedure.code).limit(1)).scalar()
        # A quality officer reads the audits and NCs of their site (their scope).
        from core.accounts.services import user_by_login

        site_id = user_by_login("qo0001").site_id
        audit = db.session.execute(select(Audit.reference).filter_by(state="closed", site_id=site_id).limit(1)).scalar()
        nc = db.session.execute(
            select(Nonconformity.reference).filter_by(state="closed", site_id=site_id).limit(1)
        ).scalar()
    for path in (
        "/",
        "/procedures/",
        f"/procedures/{procedure}",
        "/audits/",
        f"/audits/{audit}",
        "/nonconformities/",
        f"/nonconformities/{nc}",
        "/metrics/sales.lead_conversion",
        "/metrics/sales.nps",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
    assert audit in client.get(f"/audits/{audit}").get_data(as_text=True)
    # The generated records are found by search like any other (the loader writes around the ORM).
    found = client.get("/search", query_string={"q": nc})
    assert found.status_code == 200 and f'href="/nonconformities/{nc}"' in found.get_data(as_text=True)


def test_the_api_serves_the_data(app, small):
    from core.accounts import services

    with app.app_context():
        _token, plain = services.create_token(None, services.user_by_login("qo0001"), "test")
        db.session.commit()
        site = db.session.execute(
            select(__import__("core.accounts.models", fromlist=["Site"]).Site.code).limit(1)
        ).scalar()
    headers = {"Authorization": f"Bearer {plain}"}
    client = app.test_client()
    series = client.get(f"/api/v1/metrics/sales.lead_conversion/series?site={site}", headers=headers)
    assert series.status_code == 200 and series.json
    assert client.get("/api/v1/trail/verify", headers=headers).json["ok"] is True
    assert client.get("/api/v1/nonconformities", headers=headers).status_code == 200


def test_an_instance_in_use_is_refused_and_nothing_is_written(app, users):
    from core.trail.models import TrailEvent

    with app.app_context():
        before = _count(TrailEvent)
        with pytest.raises(Conflict, match="already holds users"):
            generate("small")
        db.session.rollback()
        assert _count(TrailEvent) == before


def test_the_command_refuses_in_one_sentence(app, users):
    result = app.test_cli_runner().invoke(args=["demo-data", "--scale", "small"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: This instance already holds users")
    assert "Traceback" not in result.output


def test_the_command_reports_counts_and_the_verified_trail(app):
    result = app.test_cli_runner().invoke(args=["demo-data", "--scale", "small", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "form_submission" in result.output and "2,000" in result.output
    assert "Audit trail verified" in result.output


def test_dashboard_lists_show_their_first_rows_and_count_them_all(app, small):
    """The dashboard's lists stay short on big data; their counts still say how many there are."""
    from audits.services import actions, nonconformities
    from core.accounts.models import User
    from core.accounts.services import user_by_login
    from procedures import services as procedures

    with app.app_context():
        owing = 0
        for user in db.session.execute(select(User)).scalars():
            everything = procedures.to_read(user)
            owing += len(everything) >= 2
            assert procedures.to_read(user, limit=1) == everything[:1]
            assert procedures.to_read_count(user) == len(everything)
            assert [r.procedure.code for r in everything] == sorted(r.procedure.code for r in everything)
        assert owing, "someone owes several acknowledgements in the generated data"
        officer = user_by_login("qo0001")
        waiting = actions.awaiting_verification(officer)
        assert len(waiting) > 2
        assert actions.awaiting_verification(officer, limit=2) == waiting[:2]
        assert actions.awaiting_verification_count(officer) == len(waiting)
        overdue = nonconformities.overdue_nonconformities()
        assert overdue and nonconformities.overdue_count() == len(overdue)
        assert nonconformities.overdue_nonconformities(limit=1) == overdue[:1]
        late = actions.overdue_actions()
        assert actions.overdue_actions_count() == len(late)
        assert actions.overdue_actions(limit=1) == late[:1]


def test_the_xlarge_scale_is_offered_by_the_command(app, users):
    """``--scale xlarge`` is a choice of the command (refused here only because the instance is in use)."""
    result = app.test_cli_runner().invoke(args=["demo-data", "--scale", "xlarge"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: This instance already holds users")
    assert "xlarge" in app.test_cli_runner().invoke(args=["demo-data", "--help"]).output


def test_who_must_read_each_generated_procedure_is_kept_as_by_the_services(app, small):
    """The generator inserts procedures without the ORM: it writes who must read them itself."""
    from procedures.models import Procedure, procedure_reader, readers_of

    with app.app_context():
        kept = set(db.session.execute(db.select(procedure_reader)).all())
        procedures = db.session.execute(db.select(Procedure)).scalars()
        recounted = {(kind, name, p.id) for p in procedures for kind, name in readers_of(p.distribution)}
        assert kept and kept == recounted


def test_each_sites_departments_have_their_own_head_who_owns_the_sites_ncs_of_them(app, small):
    """A site's department has its own head, who owns its NCs there (product rule). The generator
    made one head of each department for the group, so the first one owned every site's NCs of it
    (9,000 actions for ``head0001`` at ``large``)."""
    from audits.models import Nonconformity
    from core.accounts.models import Department, DepartmentHead, Site, User

    with app.app_context():
        heads = {
            (row.site_id, row.department_id): row.head_id
            for row in db.session.execute(select(DepartmentHead)).scalars()
        }
        sites = set(db.session.execute(select(Site.id)).scalars())
        headed = set(db.session.execute(select(Department.id).where(Department.code != "QUALITY")).scalars())
        assert set(heads) == {(site, department) for site in sites for department in headed}
        for head_id in heads.values():
            head = db.session.get(User, head_id)
            assert (head.site_id, head.department_id) in heads and heads[(head.site_id, head.department_id)] == head_id
        owned = 0
        for nc in db.session.execute(select(Nonconformity)).scalars():
            if (nc.site_id, nc.department_id) in heads:
                assert nc.owner_id == heads[(nc.site_id, nc.department_id)], nc.reference
                owned += 1
        assert owned > SMALL.nonconformities // 2


def test_register_entries_are_records_that_close_except_the_last_two_months(app, small):
    """A register form's generated entries (``Form.register``) name records of their site and
    month, about two entries a record, and the records of all but the last two months are closed:
    each entry a record of its own and half of them open for ever made the open backlog grow with
    the history."""
    from core.forms.models import FormSubmission
    from core.plugin_engine import manager

    with app.app_context():
        registers = {key: form.register for key, form in manager.registry().forms.items() if form.register}
        assert {"aftersales.complaint", "risk.register_entry"} <= set(registers)
        months = sorted(set(db.session.execute(select(FormSubmission.period)).scalars()))
        for key, register in registers.items():
            latest: dict[tuple[int, str], tuple[str, str]] = {}
            entries = db.session.execute(
                select(FormSubmission).filter_by(form_key=key).order_by(FormSubmission.submitted_at, FormSubmission.id)
            ).scalars()
            for entry in entries:
                record = entry.data[register.key]
                assert record.startswith(f"{entry.site.code}-{entry.period}-"), record
                latest[(entry.site_id, record)] = (entry.period, entry.data[register.status])
            assert len(latest) < SMALL.submissions / len(manager.registry().forms)
            still_open = [period for period, status in latest.values() if status not in register.closed]
            assert all(period >= months[-2] for period in still_open), key
