"""The audit trail through the API: a record's history, paging, verification."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from sqlalchemy import text

from core.accounts import services
from core.database import db


def next_link(response) -> str | None:
    for part in response.headers.get("Link", "").split(","):
        if part.strip().endswith('rel="next"'):
            url = urlsplit(part.strip().split(";")[0].strip("<> "))
            return f"{url.path}?{url.query}"
    return None


def _all_seqs(app) -> list[int]:
    with app.app_context():
        return list(db.session.execute(text("SELECT seq FROM trail_event ORDER BY seq")).scalars())


def test_a_records_history_shows_each_change_with_actor_and_values(app, users, api_as):
    admin = api_as("admin")
    admin.post("/api/v1/sites", json={"code": "NORTH", "name": "North"})
    admin.patch("/api/v1/sites/NORTH", json={"name": "North dealership", "row_version": 1})
    with app.app_context():
        site_id = services.site_by_code("NORTH").id

    events = api_as("auditor").get(f"/api/v1/trail?entity_type=site&entity_id={site_id}").json
    assert [(e["action"], e["actor"]) for e in events] == [("create", "admin"), ("update", "admin")]
    assert events[1]["changes"] == {"name": ["North", "North dealership"]}
    assert events[0]["changes"]["code"] == [None, "NORTH"]
    assert events[1]["prev_hash"] != events[1]["hash"] and len(events[1]["hash"]) == 64
    assert events[0]["at"].endswith("Z") and events[0]["seq"] < events[1]["seq"]

    newest_first = api_as("qo").get(f"/api/v1/trail?entity_type=site&entity_id={site_id}&order=desc").json
    assert [e["seq"] for e in newest_first] == [e["seq"] for e in reversed(events)]
    assert [e["entity_type"] for e in api_as("qo").get("/api/v1/trail?actor=admin").json] == ["site", "site"]


def test_secrets_never_leave_through_the_trail(app, users, api_as):
    api_as("admin").put("/api/v1/users/staff/password", json={"password": "a brand new secret"})
    events = api_as("admin").get("/api/v1/trail?actor=admin").json
    [change] = [e["changes"] for e in events if "password_hash" in e["changes"]]
    assert change["password_hash"] == ["***", "***"]


def test_cursor_pages_cover_the_trail_once_in_either_order(app, users, api_as):
    api = api_as("auditor")
    everything = _all_seqs(app)
    assert len(everything) > 10
    for order, expected in (("asc", everything), ("desc", everything[::-1])):
        seen, url, pages = [], f"/api/v1/trail?limit=4&order={order}", 0
        while url:
            response = api.get(url)
            assert response.status_code == 200
            seen += [event["seq"] for event in response.json]
            url, pages = next_link(response), pages + 1
        assert seen == expected
        assert pages == math.ceil(len(expected) / 4)  # and no empty page at the end


def test_entity_id_needs_entity_type(users, api_as):
    response = api_as("qo").get("/api/v1/trail?entity_id=1")
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "entity_id", "message": "needs entity_type as well"}]


def test_verify_reports_an_intact_chain(app, users, api_as):
    result = api_as("auditor").get("/api/v1/trail/verify").json
    assert result == {"ok": True, "events": len(_all_seqs(app)), "first_bad_seq": None, "problem": None}


def test_verify_names_the_first_tampered_event(app, users, api_as):
    api = api_as("auditor")
    # Someone with direct database access, the append-only trigger out of the way.
    with app.app_context(), db.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER trail_event_no_update")
        else:
            connection.exec_driver_sql("DROP TRIGGER trail_event_append_only ON trail_event")
        connection.execute(text("UPDATE trail_event SET actor = 'mallory' WHERE seq = 3"))
    result = api.get("/api/v1/trail/verify").json
    assert (result["ok"], result["first_bad_seq"], result["events"]) == (False, 3, 2)
    assert "altered" in result["problem"]
