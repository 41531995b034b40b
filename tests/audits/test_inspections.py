"""Recurring checks: a daily showroom walk is scheduled, each tick creates the day's check
once, in the site's time zone; the department's staff find it in their tasks and record it on
a tablet; a point not OK raises a nonconformity; the month's completion rate is a KPI."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from audits.inspections import services
from audits.inspections.models import Inspection, InspectionSchedule
from core.clock import today, utcnow
from core.database import commit, db
from core.rhythm import falls_on
from tests.audits.conftest import JPEG, PNG, user

pytestmark = pytest.mark.usefixtures("cast")


def _schedule(app, **overrides):
    with app.app_context():
        fields = dict(site="MAIN", checklist="fieldcheck.showroom", frequency="daily", title="Daily showroom walk")
        fields.update(overrides)
        actor = fields.pop("actor", "head")
        schedule = services.create_schedule(user(actor), **fields)
        commit()
        return schedule.id


def _tick(app, now):
    with app.app_context():
        created = services.create_due(now)
        commit()
        return created


def test_the_days_a_schedule_falls_on():
    weekly = InspectionSchedule(frequency="weekly", weekdays=[0, 3], starts_on=date(2026, 11, 30))
    assert [d.day for d in (date(2026, 11, 30) + timedelta(days=n) for n in range(14)) if falls_on(weekly, d)] == [
        30,
        3,
        7,
        10,
    ]
    monthly = InspectionSchedule(frequency="monthly", day_of_month=31, starts_on=date(2026, 1, 1))
    assert falls_on(monthly, date(2027, 2, 28)) and not falls_on(monthly, date(2027, 2, 27))
    daily = InspectionSchedule(frequency="daily", starts_on=date(2026, 12, 5))
    assert not falls_on(daily, date(2026, 12, 4)) and falls_on(daily, date(2026, 12, 5))


def test_each_tick_creates_the_days_checks_once_in_the_sites_time_zone(app):
    with app.app_context():
        from core.accounts.services import site_by_code

        site_by_code("MAIN").time_zone = "Asia/Shanghai"
        commit()
    _schedule(app, starts_on=date(2026, 12, 1))
    # 17:00 UTC on 4 December is already 5 December in Shanghai.
    evening = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert _tick(app, evening) == 5
    assert _tick(app, evening) == 0 and _tick(app, evening + timedelta(minutes=1)) == 0
    with app.app_context():
        days = db.session.execute(db.select(Inspection.occurs_on).order_by(Inspection.occurs_on)).scalars().all()
        assert days == [date(2026, 12, day) for day in range(1, 6)]
        [first] = db.session.execute(db.select(Inspection).limit(1)).scalars().all()
        assert [item.text for item in first.items][0] == "Is every visitor greeted within two minutes?"


def test_who_may_schedule_and_who_does_it(app, make_user, api_as):
    make_user("north.qo", "quality_officer", department="QUALITY", site=None)
    make_user("service.head", "department_head", department="AFTERSALES")
    body = {"site": "MAIN", "checklist": "fieldcheck.showroom", "frequency": "daily"}
    for who, status in [("staff", 403), ("service.head", 403), ("head", 201), ("qo", 201)]:
        assert api_as(who).post("/api/v1/inspection-schedules", json=body).status_code == status, who
    bad = api_as("qo").post("/api/v1/inspection-schedules", json={**body, "frequency": "weekly"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "weekdays"
    unknown = api_as("qo").post("/api/v1/inspection-schedules", json={**body, "checklist": "nope.nothing"})
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "checklist"


def test_staff_record_it_from_their_tasks_and_a_failed_point_raises_an_nc(app, client_as, api_as, make_user):
    make_user("service.staff", "staff", department="AFTERSALES")
    _schedule(app, starts_on=today())
    _tick(app, utcnow())
    tasks = api_as("staff").get("/api/v1/tasks?kind=audits.inspection").get_json()
    assert [t["title"] for t in tasks] == ["Daily showroom walk — MAIN"]
    inspection_id = int(tasks[0]["url"].rsplit("/", 1)[1])
    assert api_as("service.staff").get(f"/api/v1/inspections/{inspection_id}").status_code == 404
    assert api_as("service.staff").get("/api/v1/tasks?kind=audits.inspection").get_json() == []

    client = client_as("staff")
    page = client.get(tasks[0]["url"] + "?task=audits.inspection").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    items = [int(n) for n in re.findall(r'name="item-(\d+)" value="ok"', page)]
    form = {"csrf_token": token, "row_version": "1", "task": "audits.inspection"}
    # Nothing chosen: every point is asked for, nothing is recorded.
    refused = client.post(f"/inspections/{inspection_id}", data=form)
    assert refused.status_code == 422 and "choose OK, not OK or not applicable" in refused.get_data(as_text=True)
    answers = {f"item-{item}": "ok" for item in items}
    answers[f"item-{items[1]}"] = "not_ok"
    refused = client.post(f"/inspections/{inspection_id}", data={**form, **answers})
    assert refused.status_code == 422 and "say what was wrong" in refused.get_data(as_text=True)
    done = client.post(
        f"/inspections/{inspection_id}", data={**form, **answers, f"note-{items[1]}": "No test-drive car ready"}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/tasks/next?kind=audits.inspection")
    recorded = api_as("qo").get(f"/api/v1/inspections/{inspection_id}").get_json()
    assert recorded["state"] == "done" and recorded["items"][1]["note"] == "No test-drive car ready"
    ncs = api_as("head").get("/api/v1/nonconformities?source=inspection").get_json()
    assert len(ncs) == 1 and ncs[0]["owner"] == "head" and "1 point(s) not OK" in ncs[0]["title"]
    again = api_as("staff").put(
        f"/api/v1/inspections/{inspection_id}",
        json={"row_version": recorded["row_version"], "items": [{"id": i, "result": "ok"} for i in items]},
    )
    assert again.status_code == 422
    with app.app_context():
        from core.accounts.services import site_by_code

        assert services.completion_rate(site_by_code("MAIN"), f"{today():%Y-%m}") == 100.0
    [schedule] = api_as("head").get("/api/v1/inspection-schedules").get_json()
    assert (schedule["done_this_month"], schedule["due_this_month"], schedule["completion_this_month"]) == (1, 1, 100.0)
    assert "1 of 1 done (100%)" in client_as("head").get("/inspections/").get_data(as_text=True)


def test_a_stopped_schedule_creates_no_more_checks(app, api_as):
    schedule_id = _schedule(app, starts_on=today())
    assert api_as("staff").delete(f"/api/v1/inspection-schedules/{schedule_id}").status_code == 404
    assert api_as("head").delete(f"/api/v1/inspection-schedules/{schedule_id}").status_code == 204
    assert _tick(app, utcnow()) == 0
    assert api_as("head").get("/api/v1/inspection-schedules").get_json() == []


def test_photos_taken_on_the_points_go_with_the_nc_they_raise(app, client_as, api_as, make_user):
    make_user("service.staff", "staff", department="AFTERSALES")
    _schedule(app, starts_on=today())
    _tick(app, utcnow())
    [task] = api_as("staff").get("/api/v1/tasks?kind=audits.inspection").get_json()
    inspection_id = int(task["url"].rsplit("/", 1)[1])
    client = client_as("staff")
    page = client.get(task["url"]).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'capture="environment"' in page
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    items = [int(n) for n in re.findall(r'name="item-(\d+)" value="ok"', page)]
    answers = {f"item-{item}": "ok" for item in items}
    answers.update({f"item-{items[1]}": "not_ok", f"note-{items[1]}": "Brochure stand empty"})
    form = {"csrf_token": token, "row_version": "1", **answers}

    # A photo the store refuses names its point, and nothing of the check is recorded.
    refused = client.post(
        f"/inspections/{inspection_id}",
        data={**form, f"photo-{items[1]}": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 60), "stand.png")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "stand.png: " in refused.get_data(as_text=True)
    assert api_as("qo").get(f"/api/v1/inspections/{inspection_id}").get_json()["state"] == "open"

    # A photo added over the API while the check is open, then one with the recorded result.
    added = api_as("staff").post(
        f"/api/v1/inspections/{inspection_id}/items/{items[0]}/evidence",
        data={"file": (io.BytesIO(PNG), "entrance.png")},
        content_type="multipart/form-data",
    )
    assert added.status_code == 201 and added.get_json()["name"] == "entrance.png"
    done = client.post(
        f"/inspections/{inspection_id}",
        data={**form, f"photo-{items[1]}": (io.BytesIO(JPEG), "stand.jpg")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302
    recorded = api_as("qo").get(f"/api/v1/inspections/{inspection_id}").get_json()
    assert [[e["name"] for e in item["evidence"]] for item in recorded["items"][:2]] == [
        ["entrance.png"],
        ["stand.jpg"],
    ]
    stand = recorded["items"][1]["evidence"][0]
    shown = client.get(f"/inspections/{inspection_id}").get_data(as_text=True)
    assert f'src="/evidence/{stand["id"]}"' in shown and 'name="photo-' not in shown

    # The NC raised for the failed point carries its photo (the same bytes), not the passed point's.
    [nc] = api_as("head").get("/api/v1/nonconformities?source=inspection").get_json()
    nc_files = api_as("head").get(f"/api/v1/nonconformities/{nc['reference']}").get_json()["evidence"]
    assert [(f["name"], f["sha256"]) for f in nc_files] == [("stand.jpg", stand["sha256"])]
    assert api_as("head").get(f"/api/v1/evidence/{stand['id']}/content").data == JPEG
    # Outside the check's department the photo does not exist; after recording, no more photos.
    assert api_as("service.staff").get(f"/api/v1/evidence/{stand['id']}/content").status_code == 404
    late = api_as("staff").post(
        f"/api/v1/inspections/{inspection_id}/items/{items[0]}/evidence",
        data={"file": (io.BytesIO(PNG), "late.png")},
        content_type="multipart/form-data",
    )
    assert late.status_code == 409
