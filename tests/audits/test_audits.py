"""Audits: planning and impartiality, the checklist snapshot, results and their NCs, report and close."""

import pytest

from audits.models import Audit, AuditItem, Nonconformity
from audits.services import audits
from audits.services import nonconformities as ncs
from core.database import commit, db
from core.errors import Conflict, Forbidden, ValidationFailed
from core.plugin_engine import manager
from core.signatures import signature_matches, signatures_for
from core.testing import TEST_PASSWORD
from tests.audits.conftest import planned, record, started, user

pytestmark = pytest.mark.usefixtures("cast", "ctx")


def test_planning_gives_a_yearly_reference_and_records_the_team():
    first, second = planned(), planned(title="Second")
    year = first.planned_date.year
    assert (first.reference, second.reference) == (f"IA-{year}-001", f"IA-{year}-002")
    assert first.state == "planned" and first.department_codes == ["SALES"]
    assert [u.login for u in first.team] == ["auditor", "qo"]


def test_an_unknown_checklist_is_refused_naming_it():
    with pytest.raises(ValidationFailed, match="'nope.missing'") as caught:
        planned(checklists=["fieldcheck.showroom", "nope.missing"])
    assert caught.value.errors[0]["field"] == "checklists"
    db.session.rollback()
    assert db.session.execute(db.select(Audit)).first() is None


@pytest.mark.parametrize("role", ["lead_auditor", "auditors"])
def test_an_auditor_of_the_audited_department_is_refused_with_the_reason(role):
    team = (
        {"lead_auditor": "salesauditor", "auditors": []} if role == "lead_auditor" else {"auditors": ["salesauditor"]}
    )
    with pytest.raises(ValidationFailed, match=r"own department \(ISO 9001 9\.2\.2 c\)") as caught:
        planned(**team)
    assert caught.value.errors[0]["field"] == role


def test_an_auditor_may_not_record_on_an_audit_of_their_own_department():
    audit = started(starter="qo", departments=["TRAINING"], lead_auditor="qo", auditors=[])
    with pytest.raises(Forbidden, match="own department"):
        audits.record_result(
            user("auditor"), audit, audit.items[0], result="conforming", row_version=audit.items[0].row_version
        )


def test_staff_may_not_plan_and_outsiders_of_the_team_may_not_record():
    with pytest.raises(Forbidden):
        planned(actor="staff")
    audit = started()
    with pytest.raises(Forbidden, match="not on the audit team"):
        audits.record_result(
            user("qo2"), audit, audit.items[0], result="conforming", row_version=audit.items[0].row_version
        )


def test_starting_snapshots_the_checklist_and_survives_plugin_upgrade_and_removal(app, fieldcheck):
    audit = started()
    texts = [item.text for item in audit.items]
    assert texts[0] == "Is every visitor greeted within two minutes?"
    assert audit.checklists[0].plugin == "fieldcheck" and audit.checklists[0].version == 1
    # The plugin changes its questions, then disappears altogether.
    fieldcheck.version = 2
    manager.unregister("fieldcheck", app=app)
    db.session.expire_all()
    again = audits.audit_by_reference(audit.reference)
    assert [item.text for item in again.items] == texts
    record(again, 0, "conforming")
    assert again.items[0].result == "conforming"


def test_starting_refuses_when_the_plugin_is_gone(app):
    audit = planned()
    manager.unregister("fieldcheck", app=app)
    with pytest.raises(ValidationFailed, match="fieldcheck.showroom"):
        audits.start_audit(user("auditor"), audit, row_version=audit.row_version)


def test_start_twice_is_a_conflict():
    audit = started()
    with pytest.raises(Conflict):
        audits.start_audit(user("auditor"), audit, row_version=audit.row_version)


def test_criteria_record_the_revision_in_force_on_the_audit_date():
    from core.accounts.services import department_by_code
    from procedures import services as procedure_services

    procedure = procedure_services.create_procedure(
        user("qo2"), code="SA-PR-001", title="Reception", department=department_by_code("SALES"), body="# Reception\n"
    )
    commit()
    revision = procedure.revisions[0]
    procedure_services.submit(user("qo2"), revision, row_version=revision.row_version)
    commit()
    for login in ("head", "qo"):
        procedure_services.sign_revision(user(login), revision, meaning="approved", password=TEST_PASSWORD)
        commit()
    with pytest.raises(ValidationFailed, match="XX-PR-9"):
        planned(criteria=["XX-PR-9"])
    db.session.rollback()
    audit = started(criteria=["sa-pr-001"])
    assert audit.criteria_revisions == {
        "SA-PR-001": {"revision": 1, "title": "Reception", "body_sha256": revision.body_sha256}
    }


def test_a_major_finding_raises_one_nc_linked_to_the_item():
    audit = started()
    item = record(audit, 0, "major_nc", "Two visitors waited ten minutes")
    nc = ncs.nc_for_item(item)
    assert (nc.severity, nc.source, nc.state, nc.audit_id) == ("major", "audit", "open", audit.id)
    assert nc.department.code == "SALES" and nc.owner.login == "head"
    assert nc.source_ref == f"{audit.reference}#item-{item.id}"


def test_an_nc_finding_needs_a_note():
    audit = started()
    with pytest.raises(ValidationFailed) as caught:
        audits.record_result(
            user("auditor"), audit, audit.items[0], result="minor_nc", note=" ", row_version=audit.items[0].row_version
        )
    assert caught.value.errors[0]["field"] == "note"


def test_editing_results_keeps_one_nc_per_finding():
    audit = started()
    item = record(audit, 0, "minor_nc", "Slow greeting")
    nc = ncs.nc_for_item(item)
    record(audit, 0, "major_nc", "Very slow greeting")
    assert ncs.nc_for_item(item).id == nc.id and nc.severity == "major" and nc.description == "Very slow greeting"
    record(audit, 0, "conforming")
    assert nc.state == "cancelled"
    record(audit, 0, "minor_nc", "Slow after all")
    assert nc.state == "open" and nc.severity == "minor"
    assert db.session.execute(db.select(db.func.count(Nonconformity.id))).scalar() == 1


def test_a_finding_whose_nc_is_being_worked_on_cannot_change():
    audit = started()
    item = record(audit, 0, "major_nc", "Slow greeting")
    nc = ncs.nc_for_item(item)
    ncs.transition(
        user("head"), nc, to="contained", containment="Receptionist posted at the door", row_version=nc.row_version
    )
    commit()
    with pytest.raises(Conflict, match="already contained"):
        audits.record_result(user("auditor"), audit, item, result="conforming", row_version=item.row_version)
    db.session.rollback()
    assert db.session.get(AuditItem, item.id).result == "major_nc"


def test_results_need_an_audit_in_progress_and_a_known_grade():
    audit = planned()
    with pytest.raises(Conflict):
        audits.record_result(user("auditor"), audit, AuditItem(id=1), result="conforming", row_version=1)
    audit = started(title="Another")
    with pytest.raises(ValidationFailed, match="one of"):
        audits.record_result(
            user("auditor"), audit, audit.items[0], result="great", row_version=audit.items[0].row_version
        )


def _answer_all(audit, result="conforming"):
    for position in range(len(audit.items)):
        record(audit, position, result)


def test_report_needs_every_item_summary_conclusion_and_the_lead_auditors_password():
    audit = started()
    record(audit, 0, "observation", "Brochures out of date")
    with pytest.raises(ValidationFailed, match="2 checklist item"):
        audits.report_audit(
            user("auditor"), audit, summary="s", conclusion="c", password=TEST_PASSWORD, row_version=audit.row_version
        )
    db.session.rollback()
    _answer_all(audits.audit_by_reference(audit.reference))
    audit = audits.audit_by_reference(audit.reference)
    with pytest.raises(ValidationFailed) as caught:
        audits.report_audit(
            user("auditor"), audit, summary="", conclusion="c", password=TEST_PASSWORD, row_version=audit.row_version
        )
    assert caught.value.errors[0]["field"] == "summary"
    db.session.rollback()
    with pytest.raises(Forbidden, match="lead auditor"):
        audits.report_audit(
            user("qo"), audit, summary="s", conclusion="c", password=TEST_PASSWORD, row_version=audit.row_version
        )
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="password"):
        audits.report_audit(
            user("auditor"), audit, summary="s", conclusion="c", password="wrong", row_version=audit.row_version
        )
    db.session.rollback()
    assert db.session.get(Audit, audit.id).state == "in_progress"
    assert signatures_for(audit) == []


def test_report_is_signed_and_announced_after_commit(app, register_plugin):
    heard = []

    class Listener:
        @hookimpl_marker()
        def audit_reported(self, audit):
            heard.append(audit.reference)

    register_plugin(Listener(), "listener")
    audit = started()
    _answer_all(audit)
    audits.report_audit(
        user("auditor"),
        audit,
        summary="All good",
        conclusion="Effective",
        password=TEST_PASSWORD,
        row_version=audit.row_version,
    )
    assert heard == []
    commit()
    assert heard == [audit.reference]
    [signature] = signatures_for(audit)
    assert (signature.meaning, signature.signer_login) == ("report-issued", "auditor")
    assert signature_matches(signature, audit)
    audits.close_audit(user("auditor"), audit, row_version=audit.row_version)
    commit()
    assert audit.state == "closed" and signature_matches(signature, audit)


def hookimpl_marker():
    from core.plugins import hookimpl

    return hookimpl


def test_closing_waits_for_every_nc_and_names_the_open_ones():
    audit = started()
    record(audit, 0, "major_nc", "Slow greeting")
    record(audit, 1, "minor_nc", "No test drive record")
    record(audit, 2, "conforming")
    audits.report_audit(
        user("auditor"),
        audit,
        summary="Two findings",
        conclusion="Partly effective",
        password=TEST_PASSWORD,
        row_version=audit.row_version,
    )
    commit()
    refs = [nc.reference for nc in audits.nonconformities_of(audit)]
    with pytest.raises(Conflict) as caught:
        audits.close_audit(user("qo"), audit, row_version=audit.row_version)
    assert all(ref in caught.value.detail for ref in refs)
    assert audit.state == "reported" or db.session.rollback() is None


def test_cancel_needs_a_reason_and_no_raised_nc():
    audit = planned()
    with pytest.raises(ValidationFailed):
        audits.cancel_audit(user("qo"), audit, reason="", row_version=audit.row_version)
    db.session.rollback()
    audits.cancel_audit(user("qo"), audit, reason="Site closed for renovation", row_version=audit.row_version)
    commit()
    assert audit.state == "cancelled"
    running = started(title="Running")
    record(running, 0, "minor_nc", "x")
    with pytest.raises(Conflict, match="raised nonconformities"):
        audits.cancel_audit(user("qo"), running, reason="changed my mind", row_version=running.row_version)


def test_the_quality_system_has_a_checklist_so_the_starter_programmes_quality_audit_runs(app, cast, ctx):
    from audits.services.programme import suggested_checklists

    assert suggested_checklists("QUALITY") == ["audits.quality_system"]
    audit = started(
        title="Quality system audit", departments=["QUALITY"], auditors=[], checklists=suggested_checklists("QUALITY")
    )
    references = [item.reference for item in audit.items]
    assert len(references) == 13 and "ISO 9001 9.3" in references and "ISO 9001 9.2.2 c; ISO 19011 4" in references
    assert any("impartial" in item.text for item in audit.items)
