"""The lead log opens with who and when filled in: the signed-in consultant, now on the site's clock."""

import re
from datetime import UTC, datetime

import time_machine

from core.accounts.services import site_by_code
from core.database import commit

# 02:30 on 15 June in Urumqi (UTC+6), still 14 June in UTC.
MOMENT = datetime(2026, 6, 14, 20, 30, tzinfo=UTC)


def value_of(page: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert tag, name
    found = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return found.group(1) if found else None


def test_the_lead_log_opens_with_the_consultant_and_the_local_time(app, users, make_user, client_as, csrf_token):
    with app.app_context():
        site_by_code("MAIN").time_zone = "Asia/Urumqi"
        commit()
    make_user("li.lei", "staff", department="SALES", display_name="Li Lei")
    client = client_as("li.lei")
    with time_machine.travel(MOMENT, tick=False):
        page = client.get("/forms/sales.lead_log/new").get_data(as_text=True)
    assert value_of(page, "consultant") == "Li Lei"
    assert value_of(page, "received_at") == "2026-06-15T02:30"
    # Fields without a prefill start empty.
    assert not value_of(page, "customer_name")
    # A delivery is recorded on the day it happens there.
    with time_machine.travel(MOMENT, tick=False):
        page = client.get("/forms/sales.delivery_checklist/new").get_data(as_text=True)
    assert value_of(page, "delivery_date") == "2026-06-15"
    assert value_of(page, "consultant") == "Li Lei"

    # What was typed stays, even where it was cleared, when the page comes back with errors.
    with time_machine.travel(MOMENT, tick=False):
        again = client.post(
            "/forms/sales.lead_log/new",
            data={"csrf_token": csrf_token(client), "site": "MAIN", "consultant": "Han Mei", "received_at": ""},
        )
    assert again.status_code == 422
    page = again.get_data(as_text=True)
    assert value_of(page, "consultant") == "Han Mei"
    assert not value_of(page, "received_at")


def test_the_api_takes_values_as_given(app, users, api_as):
    answer = api_as("staff").post(
        "/api/v1/forms/sales.lead_log/submissions",
        json={"site": "MAIN", "data": {"source": "phone", "customer_name": "Wang Fang", "response_minutes": 3}},
    )
    assert answer.status_code == 422
    refused = {error["field"] for error in answer.json["errors"]}
    assert {"received_at", "consultant"} <= refused
