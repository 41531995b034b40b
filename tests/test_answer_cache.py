"""Answers kept across requests (core.answer_cache) are given again only while no table they were
read from has been written, however the write was made; on SQLite and PostgreSQL alike."""

import pytest
from sqlalchemy import text

from tests.statements import statements

COUNT_SQL = "FROM department"


def _department_count(app):
    from core.accounts.models import Department
    from core.counts import capped_count
    from core.database import db

    with app.test_request_context():
        count = capped_count(db.select(Department))
        db.session.rollback()
        return count


def _counted_again(app) -> tuple[int, bool]:
    """The count, and whether the database was asked for it."""
    with statements(app) as seen:
        count = _department_count(app)
    return count, any("count(" in statement and COUNT_SQL in statement for statement in seen)


def test_a_count_is_kept_between_requests_until_its_table_is_written(app):
    from core.accounts.models import Department
    from core.database import commit, db

    first = _department_count(app)
    assert _counted_again(app) == (first, False)

    with app.app_context():
        db.session.add(Department(code="BODYSHOP", name="Body shop"))
        commit()
    assert _counted_again(app) == (first + 1, True)
    assert _counted_again(app) == (first + 1, False)

    # A write to another table leaves it kept.
    with app.app_context():
        db.session.execute(text("UPDATE site SET name = name"))
        commit()
    assert _counted_again(app) == (first + 1, False)


def test_a_write_on_a_bare_connection_or_in_text_sql_is_seen_too(app):
    from core.database import db

    first = _department_count(app)
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("INSERT INTO department (code, name, row_version) VALUES ('PDI', 'Pre-delivery', 1)"))
    assert _counted_again(app) == (first + 1, True)

    # SQL whose table cannot be read from it renews every table's token.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            text(
                "WITH gone AS (SELECT id FROM department WHERE code = 'PDI') "
                "DELETE FROM department WHERE id IN (SELECT id FROM gone)"
            )
        )
    assert _counted_again(app) == (first, True)


def test_a_rolled_back_write_changes_nothing_kept(app):
    from core.database import db
    from core.generations import read_tokens

    first = _department_count(app)
    with app.app_context():
        before = read_tokens(db.session)
        db.session.execute(text("INSERT INTO department (code, name, row_version) VALUES ('GONE', 'Gone', 1)"))
        db.session.rollback()
        assert read_tokens(db.session) == before
    assert _counted_again(app) == (first, False)


def test_a_transaction_that_has_written_counts_its_own_rows(app):
    from core.accounts.models import Department
    from core.counts import capped_count
    from core.database import db

    first = _department_count(app)
    with app.test_request_context():
        db.session.add(Department(code="FLEET", name="Fleet sales"))
        db.session.flush()
        assert capped_count(db.select(Department)) == first + 1
        db.session.rollback()
    assert _counted_again(app) == (first, False)


def test_records_are_kept_by_key_and_entities_are_refused_as_rows(app):
    from core.accounts.models import Department
    from core.answer_cache import kept_records, kept_rows
    from core.database import db

    with app.test_request_context():
        query = db.select(Department).order_by(Department.code).limit(2)
        first = kept_records(query, Department)
        assert [d.code for d in first] == [d.code for d in db.session.execute(query).scalars()]
        assert all(isinstance(d, Department) for d in first)
        with pytest.raises(ValueError, match="ORM entity"):
            kept_rows(db.select(Department))


def test_the_tokens_are_not_backed_up():
    from core.backup import NOT_BACKED_UP

    assert "table_generation" in NOT_BACKED_UP


def test_under_test_an_answer_that_reads_a_table_it_is_not_kept_under_fails(app):
    from core.accounts.models import Department
    from core.answer_cache import kept
    from core.database import db

    with app.test_request_context():
        with pytest.raises(AssertionError, match="department"):
            kept(("departments", 1), ("site",), lambda: db.session.execute(db.select(Department.code)).all())


def test_rows_the_database_deletes_with_their_parent_renew_their_tables_token(app):
    """An audit deleted takes its departments with it by the foreign key's ON DELETE CASCADE, a
    write nobody states: the departments' token is renewed all the same."""
    from core.database import db
    from core.generations import read_tokens

    with app.app_context():
        before = read_tokens(db.session).get("audit_department")
        db.session.execute(text("DELETE FROM audit WHERE id = -1"))
        db.session.commit()
        assert read_tokens(db.session).get("audit_department") not in (None, before)
