"""Recording a checklist result is the request field work sends once per
question: it stays a handful of statements, whatever the size of the audit,
and adds to the trail's chain once."""

import re

import pytest

from core.database import db
from tests.audits.conftest import started
from tests.statements import statements

pytestmark = pytest.mark.usefixtures("cast")

# Measured: 14 statements for a plain result, 20 when it raises an NC (23 and 32 before the
# request stopped loading the whole audit), two of them telling the NC's owner (their e-mail
# choice and the notification). The search index follows a raised NC in the same transaction
# (5 statements: read it, remove its old entry from the table and the FTS index, write both).
# The bound leaves room for a plugin's event handler.
MOST_STATEMENTS = 27


def _trail_appends(seen) -> int:
    return sum(1 for s in seen if s.lstrip().upper().startswith("INSERT INTO TRAIL_EVENT"))


@pytest.mark.parametrize(("result", "note"), [("conforming", "Greeted at once"), ("major_nc", "Nobody at the desk")])
def test_recording_a_result_through_the_api_is_a_bounded_number_of_statements(app, api_as, result, note):
    with app.app_context():
        audit = started(checklists=["fieldcheck.showroom", "fieldcheck.workshop"])
        reference, item = audit.reference, audit.items[0]
        item_id, version = item.id, item.row_version
    auditor = api_as("auditor")
    auditor.get("/api/v1/plugins")  # the token's first use is not what is measured
    with statements(app) as seen:
        response = auditor.put(
            f"/api/v1/audits/{reference}/items/{item_id}", json={"result": result, "note": note, "row_version": version}
        )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["result"] == result and response.json["row_version"] == version + 1
    assert (response.json["nonconformity"] or "").startswith("NC-") == (result == "major_nc")
    assert len(seen) <= MOST_STATEMENTS, "\n".join(seen)
    assert _trail_appends(seen) == 1
    assert not any(re.search(r"FROM audit_item\s+WHERE audit_item.audit_id IN", s) for s in seen), (
        "the audit's other items were loaded"
    )


def test_the_trail_still_records_the_item_and_the_nc_it_raised(app, api_as):
    from core.trail.models import TrailEvent

    with app.app_context():
        audit = started()
        reference, item_id, version = audit.reference, audit.items[0].id, audit.items[0].row_version
        before = db.session.execute(db.select(db.func.max(TrailEvent.seq))).scalar()
    response = api_as("auditor").put(
        f"/api/v1/audits/{reference}/items/{item_id}",
        json={"result": "minor_nc", "note": "Late", "row_version": version},
    )
    assert response.status_code == 200
    with app.app_context():
        events = (
            db.session.execute(db.select(TrailEvent).where(TrailEvent.seq > before).order_by(TrailEvent.seq))
            .scalars()
            .all()
        )
        assert {(e.entity_type, e.action) for e in events} >= {("nonconformity", "create"), ("audit_item", "update")}
        from core.trail.chain import verify

        assert verify(db.session.connection()).ok


def test_recording_a_result_on_the_page_is_a_bounded_number_of_statements(app, client_as):
    with app.app_context():
        audit = started()
        reference, item_id, version = audit.reference, audit.items[0].id, audit.items[0].row_version
    client = client_as("auditor")
    page = client.get(f"/audits/{reference}").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    with statements(app) as seen:
        response = client.post(
            f"/audits/{reference}/items/{item_id}",
            data={"csrf_token": token, "result": "major_nc", "note": "Nobody at the desk", "row_version": version},
        )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert len(seen) <= MOST_STATEMENTS, "\n".join(seen)
    assert _trail_appends(seen) == 1
