"""The navigation counts the corrective actions one may verify on every page: counted in the
database by the rule the verification page applies, never by loading every done action."""

from __future__ import annotations

import pytest

from core.answer_cache import forget_kept_answers
from core.database import commit
from tests.audits.test_nonconformities import raised, to_actions_planned
from tests.statements import loaded, statements

pytestmark = pytest.mark.usefixtures("cast")

READERS = ("admin", "qo", "qo2", "head", "staff", "auditor", "salesauditor")


def _done(title, owner="staff", completed_by=None):
    from audits.services import actions
    from tests.audits.conftest import user

    action = to_actions_planned(raised(title=title), owner=owner)
    actions.complete_action(user(completed_by or owner), action, note="Done", row_version=action.row_version)
    commit()
    return action


def _verifiable_by_the_page_rule(reader):
    """What the action page would let ``reader`` verify, asked action by action."""
    from audits.models import CorrectiveAction
    from audits.services import actions
    from core.database import db

    return {
        action.label
        for action in db.session.execute(db.select(CorrectiveAction)).scalars()
        if actions.verify_refusal(reader, action) is None
    }


def test_the_counted_verifications_are_those_the_action_page_allows(app):
    from audits import tasks
    from tests.audits.conftest import user

    with app.app_context():
        _done("Greeting too slow")
        _done("Brochures missing", owner="head")  # its owner may not verify it
        _done("Test drive keys", completed_by="qo")  # nor whoever completed it
        _done("Coffee machine", owner="qo2", completed_by="qo2")
        to_actions_planned(raised(title="Still open"), owner="staff")  # not done: nothing to verify
    shown = {}
    for login in READERS:
        with app.test_request_context():
            reader = user(login)
            verifiable = _verifiable_by_the_page_rule(reader)
            counted = tasks.user_tasks(reader, tasks.VERIFY, 0)
            listed = tasks.user_tasks(reader, tasks.VERIFY, 100)
            assert counted.total == listed.total == len(verifiable), login
            assert {task.record for task in listed} == verifiable, login
            shown[login] = len(verifiable)
    # The set is varied: the rules leave different actions to different people.
    assert shown["qo"] == 3 and shown["qo2"] == 3 and shown["head"] == 3 and shown["staff"] == 0


def test_the_verification_count_reads_no_action_however_many_wait(app):
    """Every page counts these: with 3 or 12 done actions waiting, the count takes the same
    statements and loads none of them."""
    from audits.models import CorrectiveAction, Nonconformity
    from core.database import db
    from core.tasks import services as tasks
    from tests.audits.conftest import user

    def counted() -> tuple[int, int, int]:
        with app.test_request_context():
            db.session.expunge_all()
            forget_kept_answers()  # measured as the first look after a write
            reader = user("qo")
            with statements(app) as seen, loaded(CorrectiveAction, Nonconformity) as objects:
                number = tasks.count(reader)
            return number, len(seen), len(objects)

    with app.app_context():
        for number in range(3):
            _done(f"Greeting too slow {number}")
    few, few_statements, few_loaded = counted()
    with app.app_context():
        for number in range(3, 12):
            _done(f"Greeting too slow {number}")
    many, many_statements, many_loaded = counted()
    assert many - few == 9
    assert many_statements == few_statements
    assert few_loaded == many_loaded == 0
