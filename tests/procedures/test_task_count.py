"""The navigation counts one's approvals and periodic reviews on every page: counted in the
database by the rules the signing page applies, never by loading every revision waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.accounts.services import site_by_code
from core.answer_cache import forget_kept_answers
from core.clock import today
from core.testing import TEST_PASSWORD
from tests.procedures.conftest import approve, effective_procedure, make_procedure, user
from tests.statements import loaded, statements

READERS = ("admin", "qo", "qo2", "head", "servicehead", "staff", "auditor", "northhead", "northqo")


def _in_review(code, author="qo2", edited_by=None, **kwargs):
    from core.database import commit
    from procedures import services

    procedure = make_procedure(code, author=author, **kwargs)
    revision = procedure.revisions[0]
    if edited_by:
        services.edit_draft(
            user(edited_by), revision, row_version=revision.row_version, body=revision.body + "\nOne more line.\n"
        )
        commit()
    services.submit(user(author), revision, row_version=revision.row_version)
    commit()
    return revision


def _review_due(procedure, days=0):
    from core.database import commit

    procedure.next_review_due = today() + timedelta(days=days)
    commit()


def _varied_records():
    """Revisions in review and procedures due for review that some readers may sign and others not."""
    from core.database import commit
    from procedures import services

    _in_review("SA-PR-001")
    _in_review("SA-PR-002", site=site_by_code("MAIN"))
    _in_review("SA-PR-003", author="qo")  # its author may not approve it
    _in_review("SA-PR-004", edited_by="head")  # nor whoever changed its text
    approve(_in_review("SA-PR-005"), "head")  # the head has approved it: only a quality officer is still asked
    approve(_in_review("SA-PR-006", site=site_by_code("MAIN")), "qo")
    # Approved by the head, rejected, submitted again: the head's approval was of the text before.
    resubmitted = _in_review("SA-PR-007")
    approve(resubmitted, "head")
    services.sign_revision(
        user("qo"), resubmitted, meaning="rejected", password=TEST_PASSWORD, comment="Name who greets"
    )
    commit()
    services.submit(user("qo2"), resubmitted, row_version=resubmitted.row_version)
    commit()
    _in_review("AS-PR-001", department="AFTERSALES")
    _in_review("AS-PR-002", department="AFTERSALES", site=site_by_code("MAIN"))
    _in_review("SA-PR-101", author="northqo", site=site_by_code("NORTH"))
    _in_review("SA-PR-102", author="northhead", site=site_by_code("NORTH"))
    _review_due(effective_procedure("SA-PR-201"), days=3)
    _review_due(effective_procedure("SA-PR-202", site=site_by_code("MAIN")), days=-10)
    _review_due(effective_procedure("SA-PR-203"))
    _review_due(effective_procedure("SA-PR-204"), days=90)  # not yet within the notice
    withdrawn = effective_procedure("SA-PR-205")
    services.withdraw(user("qo"), withdrawn, reason="Replaced", row_version=withdrawn.row_version)
    commit()
    _review_due(withdrawn)  # even with a date left, a withdrawn procedure is not reviewed
    _review_due(make_procedure("SA-PR-206"))  # no effective revision: nothing to review yet


def _approvable_by_the_signing_rule(reader):
    """What the signing page would let ``reader`` approve, asked revision by revision."""
    from core.database import db
    from procedures import services
    from procedures.models import Revision, RevisionState

    waiting = db.session.execute(db.select(Revision).where(Revision.state == RevisionState.IN_REVIEW)).scalars()
    return {
        f"{revision.procedure.code} rev {revision.number}"
        for revision in waiting
        if services.can_read_drafts(reader, revision.procedure) and services.approve_refusal(reader, revision) is None
    }


def _reviewable_by_the_signing_rule(reader):
    from core.database import db
    from procedures import services
    from procedures.models import Procedure
    from procedures.tasks import REVIEW_NOTICE

    return {
        procedure.code
        for procedure in db.session.execute(db.select(Procedure)).scalars()
        if procedure.next_review_due is not None
        and procedure.next_review_due <= today() + REVIEW_NOTICE
        and procedure.effective_revision is not None
        and services.can_read_drafts(reader, procedure)
        and services.review_refusal(reader, procedure.effective_revision) is None
    }


def test_the_counted_approvals_and_reviews_are_those_the_signing_page_allows(app, people, north):
    from procedures import tasks

    with app.app_context():
        _varied_records()
    shown = {}
    for login in READERS:
        with app.test_request_context():
            reader = user(login)
            approvable = _approvable_by_the_signing_rule(reader)
            reviewable = _reviewable_by_the_signing_rule(reader)
            counted = tasks.user_tasks(reader, tasks.APPROVE, 0)
            listed = tasks.user_tasks(reader, tasks.APPROVE, 100)
            assert counted.total == listed.total == len(approvable), login
            assert {task.record for task in listed} == approvable, login
            counted = tasks.user_tasks(reader, tasks.REVIEW, 0)
            listed = tasks.user_tasks(reader, tasks.REVIEW, 100)
            assert counted.total == listed.total == len(reviewable), login
            assert {task.record for task in listed} == reviewable, login
            shown[login] = (len(approvable), len(reviewable))
            if login == "head":
                assert "SA-PR-007 rev 1" in approvable and "SA-PR-005 rev 1" not in approvable
    # The set is varied: the rules leave different work to different people, and some to nobody.
    assert shown["qo"] != shown["head"] != shown["northhead"] and shown["staff"] == (0, 0)
    assert shown["qo2"][0] < shown["qo"][0] and shown["head"][0] > 0 and shown["servicehead"][0] > 0


def test_the_inbox_lists_the_first_approvals_and_counts_them_all(app, people):
    from procedures import tasks

    with app.app_context():
        for number in range(1, 6):
            _in_review(f"SA-PR-{number:03d}")
    with app.test_request_context():
        found = tasks.user_tasks(user("qo"), tasks.APPROVE, 2)
        assert [task.record for task in found] == ["SA-PR-001 rev 1", "SA-PR-002 rev 1"]
        assert found.total == 5


@pytest.mark.parametrize("login", ["qo", "head"])
def test_the_task_count_reads_no_revision_however_many_wait(app, people, login):
    """A quality officer of a large group had 515 revisions to approve: the menu built and
    checked all of them on every page. The count now costs the same with 5 or 60 waiting."""
    from core.database import db
    from core.tasks import services as tasks
    from procedures.models import Procedure, Revision

    def counted() -> tuple[int, int, int]:
        with app.test_request_context():
            db.session.expunge_all()
            forget_kept_answers()  # measured as the first look after a write
            reader = user(login)
            with statements(app) as seen, loaded(Revision, Procedure) as objects:
                number = tasks.count(reader)
            return number, len(seen), len(objects)

    with app.app_context():
        for number in range(1, 6):
            _in_review(f"SA-PR-{number:03d}")
            _review_due(effective_procedure(f"SA-PR-{100 + number:03d}"))
    few, few_statements, few_loaded = counted()
    with app.app_context():
        for number in range(6, 61):
            _in_review(f"SA-PR-{number:03d}")
            _review_due(effective_procedure(f"SA-PR-{100 + number:03d}"))
    many, many_statements, many_loaded = counted()
    # Each procedure added one approval and one review (and, to the head of SALES, one to read).
    assert many - few >= 2 * 55
    assert many_statements == few_statements
    assert few_loaded == many_loaded == 0
