"""Local time: stored in UTC, shown on the reader's clock, typed on the site's.

At 16:30 UTC on 31 December it is already 00:30 on 1 January 2027 in China:
the moment that finds a page, a PDF or a form still thinking in UTC.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.accounts import services as accounts
from core.database import commit, db
from core.forms.models import FormSubmission
from tests.forms.conftest import token
from tests.procedures.conftest import effective_procedure, people  # noqa: F401  (a fixture)

MONTH_END = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
LEAD = {
    "source": "walk_in",
    "customer_name": "Wang Fang",
    "consultant": "Li Lei",
    "response_minutes": "3",
    "test_drive": "no",
    "privacy_notice": "yes",
    "marketing_consent": "no",
}


@pytest.fixture
def month_end():
    with time_machine.travel(MONTH_END, tick=False):
        yield


@pytest.fixture
def berlin(app, make_user):
    """A second dealership, in Berlin, with a salesperson; and a quality officer of the group office."""
    with app.app_context():
        accounts.create_site(None, "BER", "Berlin", "Europe/Berlin")
        commit()
    make_user("ber.sales", "staff", site="BER")
    make_user("group.qo", "quality_officer", department="QUALITY", site=None)


def log_lead(client, site: str, received_at: str):
    data = {"csrf_token": token(client), "site": site, "received_at": received_at, **LEAD}
    return client.post("/forms/sales.lead_log/new", data=data)


def stored(app) -> FormSubmission:
    with app.app_context():
        submission = db.session.execute(db.select(FormSubmission).order_by(FormSubmission.id.desc())).scalars().first()
        db.session.expunge(submission)
        return submission


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.mark.usefixtures("month_end")
def test_a_lead_logged_at_the_utc_month_end_is_new_year_at_a_shanghai_site(app, client_as):
    client = client_as("staff")
    # The form opens on the site's clock, not UTC's.
    form = client.get("/forms/sales.lead_log/new").get_data(as_text=True)
    assert re.search(r'name="received_at"[^>]*value="2027-01-01T00:30"', form)

    response = log_lead(client, "MAIN", "2027-01-01T00:30")
    assert response.status_code == 302
    submission = stored(app)
    assert submission.data["received_at"] == "2026-12-31T16:30:00"  # UTC, as the API has always given it
    assert submission.period == "2027-01"  # a lead of January at the site, not of December

    page = text_of(client.get(response.headers["Location"]))
    assert "Submitted 2027-01-01 00:30 by Sam Staff" in page
    assert "2027-01-01 00:30" in page.split("Received at", 1)[1][:200]
    assert "T00:30" not in page and "16:30" not in page
    assert "Times in Shanghai (UTC+08:00)." in page


@pytest.mark.usefixtures("month_end", "berlin")
def test_each_reader_sees_their_own_sites_clock_and_the_group_office_the_instances(app, client_as):
    response = log_lead(client_as("ber.sales"), "BER", "2026-12-31T17:30")
    assert response.status_code == 302
    assert stored(app).data["received_at"] == "2026-12-31T16:30:00"
    assert stored(app).period == "2026-12"  # still December in Berlin
    path = response.headers["Location"]

    in_berlin = text_of(client_as("ber.sales").get(path))
    assert "Submitted 2026-12-31 17:30" in in_berlin
    assert "Times in Berlin (UTC+01:00)." in in_berlin

    at_the_group_office = text_of(client_as("group.qo").get(path))
    assert "Submitted 2027-01-01 00:30" in at_the_group_office
    assert "Times in Shanghai (UTC+08:00)." in at_the_group_office

    # A day asked for is the site's day: 31 December in Berlin, 1 January at the group office.
    listing = "/forms/sales.lead_log/submissions?from={day}&to={day}&site={site}"
    group = client_as("group.qo")
    assert path in group.get(listing.format(day="2026-12-31", site="BER")).get_data(as_text=True)
    assert path not in group.get(listing.format(day="2027-01-01", site="BER")).get_data(as_text=True)
    assert path in group.get(listing.format(day="2027-01-01", site="")).get_data(as_text=True)


@pytest.mark.usefixtures("month_end")
def test_the_api_keeps_utc_and_takes_any_offset(app, api_as):
    api = api_as("staff")
    body = {**LEAD, "response_minutes": 3, "test_drive": False, "privacy_notice": True, "marketing_consent": False}
    for sent in ("2027-01-01T00:30:00+08:00", "2026-12-31T16:30:00Z", "2026-12-31T16:30:00"):
        response = api.post(
            "/api/v1/forms/sales.lead_log/submissions", json={"site": "MAIN", "data": {**body, "received_at": sent}}
        )
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["data"]["received_at"] == "2026-12-31T16:30:00"
        assert response.get_json()["submitted_at"] == "2026-12-31T16:30:00.000000Z"


@pytest.mark.usefixtures("month_end")
def test_the_footer_names_the_zone_in_chinese(app, client_as):
    client = client_as("staff")
    client.post("/language", data={"csrf_token": token(client, "/account"), "locale": "zh_CN"})
    page = text_of(client.get("/account"))
    assert "所示时间为 上海 (UTC+08:00) 时间。" in page


@pytest.mark.usefixtures("month_end", "people")
def test_the_controlled_copy_prints_the_sites_time_with_its_offset(app, tmp_path):
    with app.test_request_context():
        from procedures.pdf import controlled_copy_pdf

        procedure = effective_procedure()
        path = tmp_path / "copy.pdf"
        path.write_bytes(controlled_copy_pdf(procedure.effective_revision))
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    text = re.sub(r"\s+", " ", text)
    # The approvals in the header and in the signature table, and when it was printed.
    assert "Hana Head — Approved — 2027-01-01 00:30:00 UTC+08:00" in text
    assert "printed 2027-01-01 00:30 UTC+08:00" in text
    assert "16:30" not in text and " UTC " not in text + " "


@pytest.mark.usefixtures("month_end", "people")
def test_signatures_on_a_page_name_the_readers_offset(app, client_as):
    with app.test_request_context():
        effective_procedure()
        site = accounts.site_by_code("MAIN")
        site.time_zone = "Europe/Berlin"
        commit()
    page = text_of(client_as("quality_officer").get("/procedures/SA-PR-001"))
    assert re.search(r"<td>Hana Head</td><td>Approved</td><td[^>]*>2026-12-31 17:30:00 UTC\+01:00</td>", page)


def test_when_formats_dates_as_they_are_and_times_on_the_zones_clock(app):
    from datetime import date

    from core.times import offset_label, when

    with app.test_request_context():
        assert when(date(2027, 1, 1)) == "2027-01-01"
        assert when(MONTH_END) == "2027-01-01 00:30"
        assert when(MONTH_END, ZoneInfo("Europe/Berlin"), named=True, seconds=True) == "2026-12-31 17:30:00 UTC+01:00"
        assert when(MONTH_END.replace(tzinfo=None)) == "2027-01-01 00:30"  # naive is UTC
        assert when(None) == ""
        assert offset_label(ZoneInfo("America/St_Johns"), MONTH_END) == "UTC-03:30"
