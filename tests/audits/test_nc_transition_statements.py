"""Moving an NC on is what its owner does at every step of the corrective-action cycle:
the request touches the rows it changes and what its answer shows, builds that answer
before the commit, and adds to the trail's chain once."""

import re
from datetime import timedelta

import pytest

from tests.audits.conftest import record, started, user
from tests.audits.test_hot_path import _trail_appends, statements

pytestmark = pytest.mark.usefixtures("cast")

# Measured: 15 statements for a raised NC moved to contained, 17 for an audit's NC with an
# action moved to actions planned (19 and 31 before the answer was built before the commit
# from rows loaded with the NC); the search index follows the NC in the same transaction (5
# statements: read it, remove its old entry from the table and the FTS index, write both). The
# bound leaves room for a plugin's event handler.
MOST_STATEMENTS = 25

FIVE_WHY = {"method": "5why", "chain": [{"why": "Desk empty", "because": "No rota"}]}


def _manual_nc():
    from audits.services import nonconformities as ncs

    return ncs.raise_nonconformity(
        user("qo"),
        title="Dirty workshop",
        description="Oil on the floor",
        severity="minor",
        site="MAIN",
        department="AFTERSALES",
    )


def _audit_nc_with_an_action():
    from audits.services import actions
    from audits.services import nonconformities as ncs
    from core.clock import today
    from core.database import commit

    item = record(started(), 0, "major_nc", "Nobody at the desk")
    nc = ncs.nc_for_item(item)
    ncs.transition(user("qo"), nc, to="contained", containment="Desk staffed", row_version=nc.row_version)
    ncs.transition(user("qo"), nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
    commit()
    actions.add_action(user("qo"), nc, description="Rota", owner="staff", due_date=today() + timedelta(days=5))
    return nc


@pytest.mark.parametrize(
    ("make", "move"),
    [
        (_manual_nc, {"to": "contained", "containment": "Floor cleaned"}),
        (_audit_nc_with_an_action, {"to": "actions_planned", "comment": "Rota planned"}),
    ],
)
def test_an_nc_transition_is_a_bounded_number_of_statements(app, api_as, make, move):
    from core.database import commit

    with app.app_context():
        nc = make()
        commit()
        reference, version = nc.reference, nc.row_version
    qo = api_as("qo")
    qo.get("/api/v1/plugins")  # the token's first use is not what is measured
    with statements(app) as seen:
        response = qo.post(f"/api/v1/nonconformities/{reference}/transition", json={**move, "row_version": version})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["state"] == move["to"] and response.json["row_version"] == version + 1
    assert len(seen) <= MOST_STATEMENTS, "\n".join(seen)
    assert _trail_appends(seen) == 1
    assert not any(re.search(r"FROM nonconformity\s+WHERE nonconformity.id = \?", s) for s in seen), (
        "the answer was read again after the commit"
    )
    assert not any("FROM audit_department" in s or "FROM audit_auditor" in s for s in seen), (
        "the NC's audit was loaded whole for its reference"
    )


def test_the_answer_shows_the_change_and_its_history(app, api_as):
    from core.database import commit

    with app.app_context():
        nc = _audit_nc_with_an_action()
        commit()
        reference, version = nc.reference, nc.row_version
    qo = api_as("qo")
    moved = qo.post(
        f"/api/v1/nonconformities/{reference}/transition",
        json={"to": "actions_planned", "comment": "Rota planned", "row_version": version},
    ).json
    assert moved == qo.get(f"/api/v1/nonconformities/{reference}").json
    assert moved["history"][-1]["reason"] == "Rota planned" and moved["actions"][0]["owner"] == "staff"
    assert moved["links"]["audit"].endswith(moved["audit"])
