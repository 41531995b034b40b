"""Revision workflow: draft → in review → approved → effective → superseded, and every refusal."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core.clock import today
from core.database import commit, db
from core.errors import Conflict, Forbidden, TooLarge, ValidationFailed
from core.testing import TEST_PASSWORD
from procedures import services
from procedures.models import RevisionState
from tests.procedures.conftest import approve, effective_procedure, make_procedure, user

pytestmark = pytest.mark.usefixtures("people", "ctx")


def test_new_procedure_starts_as_draft_revision_one():
    procedure = make_procedure()
    [revision] = procedure.revisions
    assert (revision.number, revision.state, revision.author.login) == (1, "draft", "qo2")
    assert procedure.effective_revision is None
    assert procedure.distribution == {"departments": ["SALES"], "roles": []}


def test_two_approvals_by_head_and_quality_officer_make_it_effective():
    procedure = make_procedure()
    revision = procedure.revisions[0]
    services.submit(user("qo2"), revision, row_version=revision.row_version)
    commit()
    first = approve(revision, "head")
    assert not first.became_effective and revision.state == "in_review"
    second = approve(revision, "qo")
    assert second.became_effective
    assert revision.state == "effective" and revision.effective_date == today()
    assert procedure.next_review_due == services.add_months(today(), 12)
    meanings = [(s.signer_login, s.meaning) for s in services.signatures_for(revision)]
    assert meanings == [("head", "approved"), ("qo", "approved")]


def test_two_quality_officers_are_not_enough_without_the_head():
    procedure = make_procedure(author="head")
    revision = procedure.revisions[0]
    services.submit(user("head"), revision, row_version=revision.row_version)
    commit()
    approve(revision, "qo", "qo2")
    assert revision.state == "in_review"


def test_the_author_may_not_approve():
    procedure = make_procedure(author="head")
    revision = procedure.revisions[0]
    services.submit(user("head"), revision, row_version=revision.row_version)
    commit()
    with pytest.raises(Forbidden, match="author"):
        services.sign_revision(user("head"), revision, meaning="approved", password=TEST_PASSWORD)


def test_a_second_approval_by_the_same_person_is_refused():
    procedure = make_procedure()
    revision = procedure.revisions[0]
    services.submit(user("qo2"), revision, row_version=revision.row_version)
    commit()
    approve(revision, "qo")
    with pytest.raises(Conflict, match="already approved"):
        services.sign_revision(user("qo"), revision, meaning="approved", password=TEST_PASSWORD)


def test_head_of_another_department_may_not_approve():
    procedure = make_procedure()
    revision = procedure.revisions[0]
    services.submit(user("qo2"), revision, row_version=revision.row_version)
    commit()
    with pytest.raises(Forbidden):
        services.sign_revision(user("servicehead"), revision, meaning="approved", password=TEST_PASSWORD)


def test_wrong_password_records_nothing():
    from core.signatures import Signature

    procedure = make_procedure()
    revision = procedure.revisions[0]
    services.submit(user("qo2"), revision, row_version=revision.row_version)
    commit()
    with pytest.raises(ValidationFailed, match="password is not the one of your account"):
        services.sign_revision(user("qo"), revision, meaning="approved", password="not my password")
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count(Signature.id))).scalar_one() == 0
    assert revision.state == "in_review"


def test_rejection_returns_to_draft_with_the_comment_and_resets_approvals():
    procedure = make_procedure()
    revision = procedure.revisions[0]
    services.submit(user("qo2"), revision, row_version=revision.row_version)
    commit()
    approve(revision, "head")
    with pytest.raises(ValidationFailed):
        services.sign_revision(user("qo"), revision, meaning="rejected", password=TEST_PASSWORD)
    db.session.rollback()
    services.sign_revision(
        user("qo"), revision, meaning="rejected", password=TEST_PASSWORD, comment="Step 2 contradicts the hygiene rules"
    )
    commit()
    assert revision.state == "draft" and revision.rejection_comment == "Step 2 contradicts the hygiene rules"
    services.submit(user("qo2"), revision, row_version=revision.row_version)
    commit()
    assert services.current_approvals(revision) == []
    approve(revision, "qo")
    assert revision.state == "in_review", "the head's approval of the earlier round must not count"


def test_only_drafts_are_editable_and_effective_text_is_immutable():
    procedure = effective_procedure()
    revision = procedure.revisions[0]
    with pytest.raises(Conflict, match="only a draft"):
        services.edit_draft(user("qo2"), revision, row_version=revision.row_version, body="changed")
    db.session.rollback()
    # Even code that bypasses the service cannot change an effective text.
    revision.body = "sneaky change"
    with pytest.raises(Conflict, match="can no longer be changed"):
        db.session.flush()
    db.session.rollback()
    assert services.procedure_by_code("SA-PR-001").revisions[0].body.startswith("# Showroom reception")


def test_stale_row_version_is_refused():
    procedure = make_procedure()
    revision = procedure.revisions[0]
    stale = revision.row_version
    services.edit_draft(user("qo2"), revision, row_version=stale, body="first edit")
    commit()
    with pytest.raises(Conflict, match="changed by someone else"):
        services.edit_draft(user("qo2"), revision, row_version=stale, body="second edit on an old copy")
    db.session.rollback()
    assert revision.body == "first edit"


def test_new_draft_starts_from_effective_text_and_needs_a_change_summary():
    procedure = effective_procedure()
    draft = services.new_draft(user("head"), procedure)
    commit()
    assert (draft.number, draft.body) == (2, procedure.revisions[0].body)
    with pytest.raises(Conflict, match="already has revision 2"):
        services.new_draft(user("head"), procedure)
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="change summary"):
        services.submit(user("head"), draft, row_version=draft.row_version)
    db.session.rollback()
    services.edit_draft(
        user("head"),
        draft,
        row_version=draft.row_version,
        body=draft.body + "3. Walk around\n",
        change_summary="Adds the walk-around",
    )
    services.submit(user("head"), draft, row_version=draft.row_version)
    commit()
    approve(draft, "qo", "qo2")
    assert draft.state == "in_review", "two quality officers do not replace the head"


def test_superseding_happens_with_the_new_revision_in_one_step():
    procedure = effective_procedure()
    first = procedure.revisions[0]
    draft = services.new_draft(user("qo2"), procedure, change_summary="Tighter greeting time")
    services.edit_draft(user("qo2"), draft, row_version=draft.row_version, body=first.body.replace("two", "one"))
    services.submit(user("qo2"), draft, row_version=draft.row_version)
    commit()
    approve(draft, "head", "qo")
    assert (first.state, draft.state) == ("superseded", "effective")
    assert procedure.effective_revision is draft


def test_future_effective_date_waits_until_its_day():
    procedure = make_procedure()
    revision = procedure.revisions[0]
    tomorrow = today() + timedelta(days=1)
    services.submit(user("qo2"), revision, row_version=revision.row_version, effective_date=tomorrow)
    commit()
    outcome = approve(revision, "head", "qo")
    assert not outcome.became_effective and revision.state == "approved"
    assert services.apply_due(today()) == []
    assert services.apply_due(tomorrow) == [revision]
    commit()
    assert revision.state == "effective"


def test_past_effective_date_is_refused():
    revision = make_procedure().revisions[0]
    with pytest.raises(ValidationFailed, match="Effective date"):
        services.submit(
            user("qo2"), revision, row_version=revision.row_version, effective_date=today() - timedelta(days=1)
        )


def test_database_refuses_a_second_effective_revision():
    procedure = effective_procedure()
    draft = services.new_draft(user("qo2"), procedure, change_summary="x")
    commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE procedure_revision SET state = 'effective' WHERE id = :id"), {"id": draft.id})
        db.session.flush()
    db.session.rollback()


def test_periodic_review_moves_the_next_review_date():
    procedure = effective_procedure()
    procedure.next_review_due = today() - timedelta(days=3)
    commit()
    assert procedure in services.overdue_reviews()
    services.sign_revision(
        user("head"),
        procedure.effective_revision,
        meaning="periodic-review",
        password=TEST_PASSWORD,
        comment="Still valid",
    )
    commit()
    assert procedure.next_review_due == services.add_months(today(), 12)
    assert procedure not in services.overdue_reviews()
    assert len(procedure.revisions) == 1


def test_withdrawal_needs_a_reason_and_a_quality_officer():
    procedure = effective_procedure()
    with pytest.raises(Forbidden):
        services.withdraw(user("head"), procedure, reason="No longer used", row_version=procedure.row_version)
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        services.withdraw(user("qo"), procedure, reason=" ", row_version=procedure.row_version)
    db.session.rollback()
    services.withdraw(user("qo"), procedure, reason="Replaced by SA-PR-002", row_version=procedure.row_version)
    commit()
    assert procedure.withdrawn and procedure.withdrawal_reason == "Replaced by SA-PR-002"
    with pytest.raises(Conflict, match="withdrawn"):
        services.new_draft(user("qo2"), procedure)


def test_staff_and_auditors_may_not_edit():
    with pytest.raises(Forbidden):
        make_procedure(author="staff")
    db.session.rollback()
    procedure = make_procedure()
    with pytest.raises(Forbidden):
        services.edit_draft(user("auditor"), procedure.revisions[0], row_version=None, body="x")


def test_head_may_only_edit_own_department():
    with pytest.raises(Forbidden, match="own department"):
        make_procedure(author="servicehead", department="SALES")


def test_body_too_large_is_refused():
    with pytest.raises(TooLarge):
        make_procedure(body="x" * (services.MAX_BODY_BYTES + 1))


def test_duplicate_code_names_the_field():
    make_procedure()
    with pytest.raises(ValidationFailed) as refused:
        make_procedure()
    assert refused.value.errors[0]["field"] == "code"


def test_revision_effective_event_fires_after_commit(app, register_plugin):
    from core.plugins import hookimpl

    heard = []

    class Listener:
        @hookimpl
        def revision_effective(self, revision):
            heard.append((revision.procedure.code, revision.number, revision.state))

    register_plugin(Listener(), name="listener")
    effective_procedure()
    assert heard == [("SA-PR-001", 1, RevisionState.EFFECTIVE.value)]
