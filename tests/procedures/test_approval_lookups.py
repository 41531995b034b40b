"""The revisions a head may approve are found by seeks (issue #20): from their department's
procedures, each one's revisions in review by one seek, and the revisions they edited from their
own rows of the editor table. Each procedure's revisions were all read, superseded ones included
(2,862 rows for a department's 717 procedures at the large demo size), and the editor table whole."""

from __future__ import annotations

from core.accounts import organisation
from core.database import commit, db
from procedures import services, tasks
from tests.procedures.conftest import make_procedure, user
from tests.query_plans import postgres_plan, sqlite_plan

# What ANALYZE keeps of the large demo's procedures and revisions: the plan the query gets there,
# where this test's few rows would make reading them all as good as any way.
LARGE_STATISTICS = [
    ("procedure", "ix_procedure_department_id", "5010 716"),
    ("procedure", "ix_procedure_site_id", "5010 5010"),
    ("procedure", "ix_procedure_next_review_due", "5010 13"),
    ("procedure", "sqlite_autoindex_procedure_1", "5010 1"),
    ("procedure_revision", "ix_procedure_revision_state_submitted", "20010 5003 2"),
    ("procedure_revision", "ix_procedure_revision_procedure_state_effective", "20010 4 2 2"),
    ("procedure_revision", "uq_procedure_revision_one_effective", "5010 1"),
    ("procedure_revision", "sqlite_autoindex_procedure_revision_1", "20010 4 1"),
    ("procedure_revision_editor", "ix_procedure_revision_editor_user_revision", "20010 100 1"),
    ("procedure_revision_editor", "sqlite_autoindex_procedure_revision_editor_1", "20010 1 1"),
]
# A procedure's revisions in one state, by one seek.
BY_PROCEDURE_AND_STATE = (
    "SEARCH procedure_revision USING INDEX ix_procedure_revision_procedure_state_effective (procedure_id=? AND state=?)"
)


def _submitted(code, author="qo2"):
    procedure = make_procedure(code, author=author)
    revision = procedure.revisions[0]
    services.submit(user(author), revision, row_version=revision.row_version)
    commit()
    return revision


def _approvals_listing(login):
    with organisation.headships_remembered():
        query = tasks._headed(user(login), tasks._approvable_query(user(login)))
    return str(query.limit(20).compile(db.engine, compile_kwargs={"literal_binds": True}))


def test_a_head_approves_their_departments_revisions_in_review_but_none_they_edited(app, people):
    with app.app_context():
        _submitted("SA-PR-001")
        _submitted("SA-PR-002", author="head")
        make_procedure("SA-PR-003")  # a draft: nothing to approve yet
        listed = tasks.user_tasks(user("head"), tasks.APPROVE, 20)
        assert [task.record for task in listed] == ["SA-PR-001 rev 1"]
        assert listed.total == 1


def test_the_revisions_to_approve_are_found_by_seeks_not_by_reading_every_revision(app, people):
    with app.app_context():
        _submitted("SA-PR-001")
        listing = _approvals_listing("head")
        if db.engine.dialect.name == "sqlite":
            plan = sqlite_plan(listing, LARGE_STATISTICS)
            assert BY_PROCEDURE_AND_STATE in plan, plan
            assert (
                "SEARCH procedure_revision_editor USING COVERING INDEX"
                " ix_procedure_revision_editor_user_revision (user_id=?)" in plan
            ), plan
            assert not [step for step in plan if step.startswith("SCAN")], plan
        else:
            plan = postgres_plan(listing)
            assert "ix_procedure_revision_editor_user_revision" in plan, plan
            assert "Seq Scan" not in plan, plan


def test_a_quality_officers_first_revisions_to_approve_come_in_submission_order_from_the_index(app, people):
    """A quality officer approves every department's revisions: the first few waiting, by the time
    they were submitted, come from the (state, submitted at) index — sorting them read each
    candidate's text on SQLite, whose rows hold the text before the dates (253 at the large demo
    size; migration proc_0006)."""
    with app.app_context():
        _submitted("SA-PR-001")
        _submitted("SA-PR-002")
        listed = tasks.user_tasks(user("qo"), tasks.APPROVE, 20)
        assert [task.record for task in listed] == ["SA-PR-001 rev 1", "SA-PR-002 rev 1"]
        with organisation.headships_remembered():
            query = tasks._headed(user("qo"), tasks._approvable_query(user("qo")))
        query = query.order_by(tasks.Revision.submitted_at, tasks.Revision.id).limit(6)
        listing = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if db.engine.dialect.name == "sqlite":
            plan = sqlite_plan(listing, LARGE_STATISTICS)
            assert "SEARCH procedure_revision USING INDEX ix_procedure_revision_state_submitted (state=?)" in plan, plan
            assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
