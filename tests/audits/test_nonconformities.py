"""Nonconformities and corrective actions: every transition, its content and its refusals."""

import threading
import time
from datetime import timedelta

import pytest

from audits.models import Nonconformity
from audits.services import actions
from audits.services import nonconformities as ncs
from core.clock import today
from core.database import commit, db
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.plugins import hookimpl, raise_nonconformity
from core.signatures import signatures_for
from core.testing import TEST_PASSWORD
from tests.audits.conftest import user

pytestmark = pytest.mark.usefixtures("cast", "ctx")
FIVE_WHY = {
    "method": "5why",
    "chain": [
        {"why": "Visitors waited", "because": "Nobody at the desk"},
        {"why": "Nobody at the desk", "because": "No rota for lunch breaks"},
    ],
}


def raised(**overrides):
    fields = dict(
        title="Showroom greeting too slow", description="Ten minutes", severity="major", site="MAIN", department="SALES"
    )
    fields.update(overrides)
    nc = ncs.raise_nonconformity(user(fields.pop("actor", "qo")), **fields)
    commit()
    return nc


def to_actions_planned(nc, owner="staff"):
    ncs.transition(user("head"), nc, to="contained", containment="Receptionist at the door", row_version=nc.row_version)
    ncs.transition(user("head"), nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
    action = actions.add_action(
        user("head"), nc, description="Lunch rota", owner=owner, due_date=today() + timedelta(days=14)
    )
    ncs.transition(user("head"), nc, to="actions_planned", row_version=nc.row_version)
    commit()
    return action


def test_raising_numbers_defaults_owner_and_due_date_and_fires_after_commit(app, register_plugin):
    heard = []

    class Listener:
        @hookimpl
        def nonconformity_raised(self, nc):
            heard.append(nc.reference)

    register_plugin(Listener(), "listener")
    nc = ncs.raise_nonconformity(
        user("auditor"),
        title="Scratched car delivered",
        description="",
        severity="minor",
        site="MAIN",
        department="SALES",
    )
    assert heard == []
    commit()
    assert heard == [nc.reference] and nc.reference == f"NC-{today().year}-0001"
    assert nc.owner.login == "head" and nc.due_date == today() + timedelta(days=60)


@pytest.mark.parametrize(
    "field, overrides",
    [
        ("title", {"title": " "}),
        ("severity", {"severity": "critical"}),
        ("site", {"site": "NOWHERE"}),
        ("department", {"department": "NOPE"}),
        ("source", {"source": "gossip"}),
        ("source", {"source": "audit"}),
        ("due_date", {"due_date": today() - timedelta(days=1)}),
    ],
)
def test_raising_with_bad_fields_names_the_field(field, overrides):
    with pytest.raises(ValidationFailed) as caught:
        raised(**overrides)
    assert caught.value.errors[0]["field"] == field
    db.session.rollback()
    assert db.session.execute(db.select(Nonconformity)).first() is None


def test_the_whole_way_to_closed_with_a_verified_action(app, register_plugin):
    closed = []

    class Listener:
        @hookimpl
        def nonconformity_closed(self, nc):
            closed.append(nc.reference)

    register_plugin(Listener(), "listener")
    nc = raised()
    action = to_actions_planned(nc)
    assert nc.state == "actions_planned"
    actions.complete_action(user("staff"), action, note="Rota posted in the staff room", row_version=action.row_version)
    ncs.transition(user("head"), nc, to="verifying", row_version=nc.row_version)
    commit()
    actions.verify_action(
        user("qo"),
        action,
        effective=True,
        note="No waits observed over 2 weeks",
        password=TEST_PASSWORD,
        row_version=action.row_version,
    )
    commit()
    [signature] = signatures_for(action)
    assert (signature.meaning, signature.signer_login) == ("verified-effective", "qo")
    ncs.transition(user("head"), nc, to="closed", row_version=nc.row_version)
    commit()
    assert nc.state == "closed" and nc.closed_at is not None and closed == [nc.reference]


@pytest.mark.parametrize(
    "to, content, field",
    [
        ("contained", {"containment": " "}, "containment"),
    ],
)
def test_a_transition_without_its_content_names_the_field(to, content, field):
    nc = raised()
    with pytest.raises(ValidationFailed) as caught:
        ncs.transition(user("head"), nc, to=to, **content, row_version=nc.row_version)
    assert caught.value.errors[0]["field"] == field


@pytest.mark.parametrize(
    "root_cause, field",
    [
        (None, "root_cause"),
        ({"method": "guess"}, "root_cause.method"),
        ({"method": "5why", "chain": []}, "root_cause.chain"),
        ({"method": "5why", "chain": [{"why": "x", "because": ""}]}, "root_cause.chain[0].because"),
        ({"method": "fishbone", "causes": {"money": ["x"]}}, "root_cause.causes.money"),
        ({"method": "fishbone", "causes": {"man": []}}, "root_cause.causes"),
        ({"method": "8d", "d0": "a", "d1": "b", "d2": "c", "d3": "d"}, "root_cause.d4"),
    ],
)
def test_root_cause_is_validated_per_method(root_cause, field):
    nc = raised()
    ncs.transition(user("head"), nc, to="contained", containment="Done", row_version=nc.row_version)
    commit()
    with pytest.raises(ValidationFailed) as caught:
        ncs.transition(user("head"), nc, to="root_cause_identified", root_cause=root_cause, row_version=nc.row_version)
    assert caught.value.errors[0]["field"] == field
    db.session.rollback()
    assert db.session.get(Nonconformity, nc.id).state == "contained"


@pytest.mark.parametrize(
    "analysis",
    [
        {"method": "fishbone", "causes": {"man": ["New receptionist"], "method": ["No rota", " "]}},
        {"method": "8d", **{f"d{n}": f"section {n}" for n in range(5)}},
    ],
)
def test_fishbone_and_8d_are_stored_structured(analysis):
    nc = raised()
    ncs.transition(user("head"), nc, to="contained", containment="Done", row_version=nc.row_version)
    ncs.transition(user("head"), nc, to="root_cause_identified", root_cause=analysis, row_version=nc.row_version)
    commit()
    db.session.expire_all()
    stored = db.session.get(Nonconformity, nc.id).root_cause
    assert stored["method"] == analysis["method"]
    if analysis["method"] == "fishbone":
        assert stored["causes"]["method"] == ["No rota"] and stored["causes"]["machine"] == []
    else:
        assert stored["d4"] == "section 4" and stored["d8"] == ""


@pytest.mark.parametrize("to", ["root_cause_identified", "actions_planned", "verifying", "closed"])
def test_a_transition_from_the_wrong_state_is_a_conflict(to):
    nc = raised()
    with pytest.raises(Conflict):
        ncs.transition(user("head"), nc, to=to, root_cause=FIVE_WHY, row_version=nc.row_version)


def test_unknown_target_state_is_invalid():
    with pytest.raises(ValidationFailed):
        ncs.transition(user("head"), raised(), to="done", row_version=1)


def test_planning_needs_an_action_and_verifying_needs_them_done():
    nc = raised()
    ncs.transition(user("head"), nc, to="contained", containment="x", row_version=nc.row_version)
    ncs.transition(user("head"), nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
    commit()
    with pytest.raises(ValidationFailed, match="at least one"):
        ncs.transition(user("head"), nc, to="actions_planned", row_version=nc.row_version)
    db.session.rollback()
    action = actions.add_action(
        user("head"), nc, description="Rota", owner="staff", due_date=today() + timedelta(days=3)
    )
    ncs.transition(user("head"), nc, to="actions_planned", row_version=nc.row_version)
    commit()
    with pytest.raises(ValidationFailed, match=action.label):
        ncs.transition(user("head"), nc, to="verifying", row_version=nc.row_version)


def test_only_qo_owner_or_head_manage_an_nc():
    nc = raised()
    # Staff who neither raised it nor work on it do not see it: it is not there for them.
    with pytest.raises(NotFound):
        ncs.transition(user("staff"), nc, to="contained", containment="x", row_version=nc.row_version)
    with pytest.raises(Forbidden, match="Only a quality officer"):
        ncs.transition(user("auditor"), nc, to="contained", containment="x", row_version=nc.row_version)


def test_the_owner_may_not_verify_their_own_action_and_others_need_the_password():
    nc = raised()
    action = to_actions_planned(nc, owner="head")
    actions.complete_action(user("head"), action, note="Done", row_version=action.row_version)
    commit()
    with pytest.raises(Forbidden, match="owner"):
        actions.verify_action(
            user("head"), action, effective=True, note="ok", password=TEST_PASSWORD, row_version=action.row_version
        )
    with pytest.raises(ValidationFailed, match="password"):
        actions.verify_action(
            user("qo"), action, effective=True, note="ok", password="wrong", row_version=action.row_version
        )
    db.session.rollback()
    assert action.state == "done" and signatures_for(action) == []


def test_staff_complete_only_their_own_actions_and_verification_needs_a_done_action():
    nc = raised()
    action = to_actions_planned(nc, owner="qo2")
    with pytest.raises(NotFound):
        actions.complete_action(user("staff"), action, note="x", row_version=action.row_version)
    with pytest.raises(Conflict):
        actions.verify_action(
            user("qo"), action, effective=True, note="x", password=TEST_PASSWORD, row_version=action.row_version
        )


def test_an_ineffective_action_sends_the_nc_back_to_planning_and_closing_needs_all_effective():
    nc = raised()
    action = to_actions_planned(nc)
    actions.complete_action(user("staff"), action, note="Rota posted", row_version=action.row_version)
    ncs.transition(user("head"), nc, to="verifying", row_version=nc.row_version)
    commit()
    actions.verify_action(
        user("qo"),
        action,
        effective=False,
        note="Still waits at lunch",
        password=TEST_PASSWORD,
        row_version=action.row_version,
    )
    commit()
    assert (action.state, nc.state) == ("ineffective", "actions_planned")
    with pytest.raises(ValidationFailed):
        ncs.transition(user("head"), nc, to="verifying", row_version=nc.row_version)
    db.session.rollback()
    second = actions.add_action(
        user("head"),
        nc,
        description="Second receptionist at lunch",
        owner="staff",
        due_date=today() + timedelta(days=7),
    )
    actions.complete_action(user("staff"), second, note="Hired", row_version=second.row_version)
    ncs.transition(user("head"), nc, to="verifying", row_version=nc.row_version)
    commit()
    with pytest.raises(ValidationFailed, match=second.label):
        ncs.transition(user("head"), nc, to="closed", row_version=nc.row_version)
    db.session.rollback()
    actions.verify_action(
        user("qo"), second, effective=True, note="Fine now", password=TEST_PASSWORD, row_version=second.row_version
    )
    ncs.transition(user("head"), nc, to="closed", row_version=nc.row_version)
    commit()
    assert nc.state == "closed"


def test_an_action_owner_must_be_allowed_to_own_actions_and_due_dates_are_checked():
    nc = raised()
    ncs.transition(user("head"), nc, to="contained", containment="x", row_version=nc.row_version)
    ncs.transition(user("head"), nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
    commit()
    with pytest.raises(ValidationFailed) as caught:
        actions.add_action(user("head"), nc, description="x", owner="auditor", due_date=today())
    assert caught.value.errors[0]["field"] == "owner"
    with pytest.raises(ValidationFailed) as caught:
        actions.add_action(user("head"), nc, description="x", owner="staff", due_date=today() - timedelta(days=1))
    assert caught.value.errors[0]["field"] == "due_date"


def test_overdue_lists_and_my_actions():
    nc = raised(due_date=today())
    action = to_actions_planned(nc)
    nc.due_date = today() - timedelta(days=1)
    action.due_date = today() - timedelta(days=2)
    commit()
    assert ncs.overdue_nonconformities() == [nc]
    assert actions.overdue_actions() == [action]
    assert actions.my_actions(user("staff")) == [action]
    assert actions.my_actions(user("qo")) == []
    assert [n.reference for n in db.session.execute(ncs.list_query(user("staff"), overdue=True)).scalars()] == [
        nc.reference
    ]


def test_similar_ncs_of_the_department_in_the_last_12_months():
    first = raised()
    second = raised(title="Handover without checklist")
    other = raised(department="AFTERSALES", title="Torque wrench")
    assert ncs.similar(second) == [first]
    assert ncs.similar(other) == []


def test_plugins_raise_ncs_through_the_public_capability():
    reference = raise_nonconformity(
        title="Complaint: rude advisor",
        description="Customer complaint #12",
        severity="major",
        site="MAIN",
        department="AFTERSALES",
        source="plugin:aftersales",
        source_ref="form-submission:12",
        raised_by=None,
    )
    commit()
    nc = ncs.nc_by_reference(reference)
    assert (nc.source, nc.source_ref, nc.raised_by, nc.owner) == ("plugin:aftersales", "form-submission:12", None, None)
    with pytest.raises(ValidationFailed):
        raise_nonconformity(title="x", severity="major", site="MAIN", department="NOPE")


def _raise_when_told(app, first_written: threading.Event, references: list, errors: list) -> None:
    with app.app_context():
        first_written.wait()
        try:
            references.append(raised(title="Second finding").reference)
        except Exception as error:  # every failure is a finding, not a crash of the thread
            errors.append(repr(error))
        db.session.remove()


def test_two_ncs_raised_at_once_get_the_next_two_numbers(app):
    """Under load on PostgreSQL the second of two NCs raised at once took the number the first
    had not committed yet, and its insert failed on the unique reference: a 500 to its user."""
    first_written, references, errors = threading.Event(), [], []
    other = threading.Thread(target=_raise_when_told, args=(app, first_written, references, errors))
    other.start()
    first = ncs.raise_nonconformity(
        user("qo"), title="First finding", description="", severity="minor", site="MAIN", department="SALES"
    )
    db.session.flush()  # numbered and inserted, not committed: the other raise starts now
    first_written.set()
    time.sleep(0.3)
    commit()
    other.join()
    assert errors == []
    year, number = first.reference.rsplit("-", 1)
    assert references == [f"{year}-{int(number) + 1:04d}"]
