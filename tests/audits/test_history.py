"""A nonconformity's timeline reads as sentences, its changes as "label: before → after"."""

import re
from datetime import timedelta

import pytest

from audits.services import actions
from audits.services import nonconformities as ncs
from core.clock import today
from core.database import commit
from core.times import when
from core.trail import acting_as
from tests.audits.conftest import user

pytestmark = pytest.mark.usefixtures("cast")


def _text(html: str) -> str:
    """What a sighted reader sees: no tags, no screen-reader-only words, one space between words."""
    html = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html[html.index("<main") :])
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" :", ":")


def _worked_nc(app):
    """An NC raised by the auditor, re-planned by the head, contained, with an action the staff member completed."""
    with app.test_request_context():
        with acting_as("auditor"):
            nc = ncs.raise_nonconformity(
                user("auditor"),
                title="Showroom greeting too slow",
                description="Ten minutes",
                severity="major",
                site="MAIN",
                department="SALES",
            )
            commit()
        first_due = nc.due_date
        with acting_as("head"):
            ncs.update_nonconformity(
                user("head"), nc, row_version=nc.row_version, owner="staff", due_date=today() + timedelta(days=10)
            )
            ncs.transition(
                user("head"), nc, to="contained", containment="Receptionist at the door", row_version=nc.row_version
            )
            ncs.transition(
                user("head"),
                nc,
                to="root_cause_identified",
                root_cause={"method": "5why", "chain": [{"why": "Visitors waited", "because": "No rota"}]},
                row_version=nc.row_version,
            )
            action = actions.add_action(
                user("head"), nc, description="Lunch rota", owner="staff", due_date=today() + timedelta(days=14)
            )
            commit()
        with acting_as("staff"):
            actions.complete_action(user("staff"), action, note="Rota posted", row_version=action.row_version)
            commit()
        return nc.reference, when(first_due), when(today() + timedelta(days=10)), when(today() + timedelta(days=14))


def test_an_nc_and_its_action_read_as_sentences_with_the_labels_of_their_forms(app, client_as):
    reference, first_due, new_due, action_due = _worked_nc(app)
    text = _text(client_as("qo").get(f"/nonconformities/{reference}").get_data(as_text=True))
    timeline = text[text.index("Timeline") :]

    assert f"Aiden Auditor created nonconformity {reference}" in timeline
    assert "Severity: Major NC" in timeline and "Title: Showroom greeting too slow" in timeline
    assert f"Hana Head changed nonconformity {reference}" in timeline
    assert "Owner: Hana Head → Sam Staff" in timeline
    assert f"Due date: {first_due} → {new_due}" in timeline
    assert f"Hana Head recorded the containment of nonconformity {reference}" in timeline
    assert "Immediate containment: — → Receptionist at the door" in timeline
    assert f"Hana Head recorded the root cause of nonconformity {reference}" in timeline
    assert f"Hana Head created corrective action {reference}/A1" in timeline
    assert "Description: Lunch rota" in timeline and f"Due date: {action_due}" in timeline
    assert f"Sam Staff completed corrective action {reference}/A1" in timeline
    assert "What was done: — → Rota posted" in timeline
    for raw in ("owner_id", "due_date", "root_cause_identified", "corrective_action", "{", '":'):
        assert raw not in timeline, raw


def test_the_trail_page_shows_the_same_sentences_with_short_hashes(app, client_as):
    reference, *_ = _worked_nc(app)
    page = client_as("qo").get("/trail?entity_type=nonconformity").get_data(as_text=True)
    text = _text(page)
    assert f"Hana Head recorded the containment of nonconformity {reference}" in text
    hashes = re.findall(r'<code title="([0-9a-f]{64})">([0-9a-f]{12})…</code>', page)
    assert hashes and all(full.startswith(short) for full, short in hashes)
