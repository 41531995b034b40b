"""The procedure tasks are kept from one request to the next (core.answer_cache) under the tables
they are found from: those tables must be every one they read, and a write to any of them —
an approval, an acknowledgement, a change of who heads what — is seen at the next look."""

from __future__ import annotations

from core.answer_cache import forget_kept_answers
from core.testing import TEST_PASSWORD
from tests.procedures.conftest import effective_procedure, user
from tests.procedures.test_task_count import READERS, _in_review, _varied_records


def test_the_tables_the_tasks_are_kept_under_are_all_those_they_read(app, people, north):
    """Under test, an answer computed is checked against the tables it read (core.answer_cache):
    each reader's tasks, found with nothing kept, pass."""
    from procedures import tasks

    with app.app_context():
        _varied_records()
        effective_procedure("SA-PR-301")  # one to read for SALES
    for login in READERS:
        with app.test_request_context():
            forget_kept_answers()
            reader = user(login)
            for limit in (0, 6):
                assert tasks.user_tasks(reader, None, limit).total is not None


def test_an_approval_and_an_acknowledgement_are_seen_at_the_next_look(app, people):
    from core.database import commit, db
    from procedures import services, tasks
    from procedures.models import Revision

    with app.app_context():
        revision_id = _in_review("SA-PR-001").id
        to_read_id = effective_procedure("SA-PR-002").revisions[0].id

    def inbox(login):
        with app.test_request_context():
            found = tasks.user_tasks(user(login), None, 10)
            return {task.record for task in found}, found.total

    head_before = inbox("head")
    staff_before = inbox("staff")
    assert "SA-PR-001 rev 1" in head_before[0] and "SA-PR-002 rev 1" in staff_before[0]
    assert inbox("head") == head_before  # kept: asked again, the same

    with app.app_context():
        services.sign_revision(
            user("head"), db.session.get(Revision, revision_id), meaning="approved", password=TEST_PASSWORD
        )
        commit()
    assert "SA-PR-001 rev 1" not in inbox("head")[0]

    with app.app_context():
        services.sign_revision(
            user("staff"), db.session.get(Revision, to_read_id), meaning="acknowledged", password=TEST_PASSWORD
        )
        commit()
    records, total = inbox("staff")
    assert "SA-PR-002 rev 1" not in records and total == staff_before[1] - 1


def test_the_kept_tasks_are_in_the_readers_language(app, people):
    from flask_babel import force_locale

    from procedures import tasks

    with app.app_context():
        effective_procedure("SA-PR-002")
    with app.test_request_context():
        english = [str(task.kind_label) for task in tasks.user_tasks(user("staff"), None, 5)]
        with force_locale("zh_CN"):
            chinese = [str(task.kind_label) for task in tasks.user_tasks(user("staff"), None, 5)]
    assert english and chinese and english != chinese
