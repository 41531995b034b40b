"""Who must read each procedure (issue #20): one row per department or role its distribution
names, kept in the same flush as the distribution, so the revisions a person owes are found
through an index by their department and roles. It read every effective revision's distribution
(5,010 at the large demo size) on every dashboard and tasks page."""

from __future__ import annotations

from core.database import commit, db
from procedures import services
from procedures.models import Procedure, procedure_reader, readers_of
from tests.procedures.conftest import effective_procedure, make_procedure, user


def _kept() -> set[tuple]:
    return set(db.session.execute(db.select(procedure_reader)).all())


def _recounted() -> set[tuple]:
    procedures = db.session.execute(db.select(Procedure)).scalars()
    return {(kind, name, p.id) for p in procedures for kind, name in readers_of(p.distribution)}


def _update(code, **changes):
    procedure = services.procedure_by_code(code)
    services.update_procedure(user("qo"), procedure, row_version=procedure.row_version, **changes)
    commit()


def test_the_readers_equal_a_recount_of_the_distributions_after_each_kind_of_write(app, people):
    with app.app_context():
        # Created with the department's default distribution, with departments and with roles.
        make_procedure("SA-PR-001")
        make_procedure("SA-PR-002", distribution={"departments": ["SALES", "AFTERSALES"]})
        make_procedure("SA-PR-003", distribution={"roles": ["quality_officer", "department_head"]})
        assert _kept() == _recounted()
        assert len(_kept()) == 5
        # Changed, to roles only and back; a change of something else keeps them.
        _update("SA-PR-002", distribution={"roles": ["staff"]})
        assert _kept() == _recounted()
        _update("SA-PR-003", distribution={"departments": ["TRAINING"], "roles": ["auditor"]})
        assert _kept() == _recounted()
        _update("SA-PR-001", title="Showroom reception, revised")
        assert _kept() == _recounted()
        # A change rolled back leaves them as they were.
        before = _kept()
        procedure = services.procedure_by_code("SA-PR-001")
        services.update_procedure(
            user("qo"), procedure, distribution={"roles": ["auditor"]}, row_version=procedure.row_version
        )
        assert _kept() == _recounted() != before
        db.session.rollback()
        assert _kept() == before == _recounted()


def test_what_a_person_owes_follows_the_distribution_they_are_in(app, people):
    with app.app_context():
        effective_procedure("SA-PR-001")
        effective_procedure("SA-PR-002", distribution={"roles": ["quality_officer"]})
        assert [r.procedure.code for r in services.to_read(user("staff"))] == ["SA-PR-001"]
        assert [r.procedure.code for r in services.to_read(user("qo"))] == ["SA-PR-002"]
        _update("SA-PR-002", distribution={"roles": ["quality_officer", "staff"]})
        assert services.to_read_count(user("staff")) == 2
        assert [r.procedure.code for r in services.to_read(user("staff"))] == ["SA-PR-001", "SA-PR-002"]
        # A SALES head is in SALES's distribution by department; the AFTERSALES head is not.
        assert services.to_read_count(user("head")) == 1
        assert services.to_read_count(user("servicehead")) == 0


def test_the_revisions_to_read_are_found_through_the_readers_index(app, people):
    with app.app_context():
        effective_procedure("SA-PR-001")
        query = services._to_read_query(user("staff"))
        listing = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        connection = db.session.connection()
        if db.engine.dialect.name == "sqlite":
            plan = [str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {listing}")]
            assert any(step.startswith("SEARCH procedure_reader USING COVERING INDEX") for step in plan), plan
            # No distribution's JSON is read.
            assert not [step for step in plan if "VIRTUAL TABLE" in step or step.startswith("SCAN")], plan
        else:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {listing.replace('%', '%%')}"))
            assert "pk_procedure_reader" in plan and "json" not in plan.lower(), plan
            assert "Seq Scan" not in plan, plan


def test_the_first_revisions_to_read_are_sorted_on_the_index_that_holds_their_effective_date(app, people):
    """The inbox lists a person's first revisions to read by effective date. A revision's row holds
    its text before its dates, so sorting on the rows read each owed revision's text (700 for
    everyone at the large demo size, 3.2 ms of each dashboard); the index that finds a procedure's
    effective revision holds the date (migration proc_0006)."""
    from tests.procedures.test_approval_lookups import BY_PROCEDURE_AND_STATE, LARGE_STATISTICS
    from tests.query_plans import sqlite_plan

    with app.app_context():
        effective_procedure("SA-PR-001")
        revisions = services.first_to_read(user("staff"), 5)
        assert [revision.procedure.code for revision in revisions] == ["SA-PR-001"]
        db.session.info.clear()
        query = (
            services._to_read_query(user("staff"))
            .order_by(services.Revision.effective_date.is_(None), services.Revision.effective_date)
            .limit(5)
        )
        listing = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        # PostgreSQL keeps long text out of the row (TOAST): reading a date never reads the text.
        if db.engine.dialect.name == "sqlite":
            assert BY_PROCEDURE_AND_STATE in sqlite_plan(listing, LARGE_STATISTICS)
