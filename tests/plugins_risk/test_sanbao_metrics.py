"""risk.open_sanbao_cases and risk.sanbao_days_open, computed from the after-sales 三包 case
files (one submission per update of a case) instead of being typed in, on hand-worked values."""

from datetime import date

import time_machine

from core.clock import local_time
from plugins.risk import computations

URL = "/api/v1/forms/aftersales.sanbao_case/submissions"


def case(number, recorded, status="open"):
    return {
        "case_number": number,
        "vin": "LSVAU2180N2183294",
        "customer": "Li Wei",
        "purchase_date": "2025-06-01",
        "record_date": recorded,
        "mileage": 12000,
        "repairs": [{"date_in": "2026-02-20", "days_off_road": 2, "fault": "Gearbox judder", "system": "transmission"}],
        "status": status,
    }


def test_open_cases_and_their_days_on_hand_worked_values():
    entries = [
        case("SB-1", "2026-03-02"),
        case("SB-2", "2026-03-05"),
        case("sb-1 ", "2026-03-10"),  # the same case, however it is typed
        case("SB-3", "2026-03-12"),
        case("SB-2", "2026-03-15", status="closed"),
        case("SB-4", "2026-03-25"),  # after the day asked about
    ]
    on = date(2026, 3, 20)
    # Open on 20 March: SB-1 (opened 2 March: 18 days) and SB-3 (12 March: 8 days); SB-2 closed on the 15th.
    found = computations.open_sanbao_cases(entries, on)
    assert found == [("SB-1", date(2026, 3, 2)), ("SB-3", date(2026, 3, 12))]
    # (18 + 8) / 2 = 13 days
    assert computations.sanbao_days_open(found, on) == 13
    # On 10 March SB-2 was still open: SB-1 (8 days) and SB-2 (5 days), mean 6.5.
    earlier = computations.open_sanbao_cases(entries, date(2026, 3, 10))
    assert [number for number, _opened in earlier] == ["SB-1", "SB-2"]
    assert computations.sanbao_days_open(earlier, date(2026, 3, 10)) == 6.5


def test_no_case_file_is_no_value_and_no_open_case_no_mean():
    assert computations.open_sanbao_cases([], date(2026, 3, 20)) is None
    closed = computations.open_sanbao_cases([case("SB-1", "2026-03-02", "closed")], date(2026, 3, 20))
    assert closed == [] and computations.sanbao_days_open(closed, date(2026, 3, 20)) is None


def series(client, key):
    response = client.get(f"/api/v1/metrics/{key}/series?site=MAIN")
    assert response.status_code == 200, response.json
    return {point["period"]: point["value"] for point in response.json}


def test_the_metrics_follow_the_case_files_of_the_site_and_month(app, users, api_as):
    with time_machine.travel(local_time(2026, 3, 20, 10), tick=False):
        client = api_as("staff")
        for data in (
            case("SB-1", "2026-03-02"),
            case("SB-2", "2026-03-05"),
            case("SB-1", "2026-03-10"),
            case("SB-3", "2026-03-12"),
            case("SB-2", "2026-03-15", status="closed"),
        ):
            assert client.post(URL, json={"site": "MAIN", "data": data}).status_code == 201
        qo = api_as("qo")
        # Today is 20 March: SB-1 open 18 days, SB-3 8 days.
        assert series(qo, "risk.open_sanbao_cases") == {"2026-03": 2}
        assert series(qo, "risk.sanbao_days_open") == {"2026-03": 13}


def test_the_metrics_take_no_values_by_hand_any_more(app, users, api_as):
    response = api_as("qo").post(
        "/api/v1/metrics/risk.open_sanbao_cases/measurements", json={"site": "MAIN", "period": "2026-01", "value": 3}
    )
    assert response.status_code == 409 and "computed" in response.json["detail"]


def test_values_typed_before_the_metric_was_computed_stay_in_its_series(app, users, api_as):
    from core.accounts.models import Site
    from core.database import commit, db
    from core.metrics.models import Measurement, Source

    with app.app_context():
        site = db.session.execute(db.select(Site).filter_by(code="MAIN")).scalar_one()
        db.session.add(
            Measurement(metric_key="risk.open_sanbao_cases", site=site, period="2026-01", value=4, source=Source.MANUAL)
        )
        commit()
    with time_machine.travel(local_time(2026, 3, 20, 10), tick=False):
        assert api_as("staff").post(URL, json={"site": "MAIN", "data": case("SB-1", "2026-03-02")}).status_code == 201
        # January keeps its typed value (no case file then to compute from); March is computed.
        assert series(api_as("qo"), "risk.open_sanbao_cases") == {"2026-01": 4, "2026-03": 1}
