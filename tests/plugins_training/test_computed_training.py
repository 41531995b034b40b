"""training.certified_technicians computed from the technician roster, on hand-worked values."""

import pytest

from core.clock import current_period, today
from plugins.training import computations


def test_certified_ratio_on_hand_worked_values():
    roster = {
        "roster_date": "2026-03-25",
        "technicians": [
            {"name": "Zhang Wei", "brand_certified_until": "2027-01-01"},  # valid
            {"name": "Li Qiang", "hv_certified_until": "2026-03-25"},  # valid to the day
            {"name": "Chen Lei", "brand_certified_until": "2026-03-24"},  # lapsed the day before
            {"name": "Huang Yong"},  # none
        ],
    }
    # 2 of 4 = 50 %
    assert computations.certified_ratio([roster]) == 50
    # An earlier roster of the month does not count: the latest does.
    earlier = {
        "roster_date": "2026-03-01",
        "technicians": [{"name": "Zhang Wei", "brand_certified_until": "2027-01-01"}],
    }
    assert computations.certified_ratio([roster, earlier]) == 50
    assert computations.certified_ratio([earlier]) == 100
    assert computations.certified_ratio([]) is None


def test_the_ratio_is_computed_per_site_and_month(app, users, api_as):
    on = today()
    valid, lapsed = f"{on.year + 1}-01-01", f"{on.year - 1}-01-01"
    roster = {
        "roster_date": on.isoformat(),
        "technicians": [
            {"name": "A", "brand_certified_until": valid},
            {"name": "B", "hv_certified_until": valid},
            {"name": "C", "brand_certified_until": valid},
            {"name": "D", "brand_certified_until": lapsed},
            {"name": "E"},
        ],
    }
    response = api_as("head").post(
        "/api/v1/forms/training.technician_roster/submissions", json={"site": "MAIN", "data": roster}
    )
    assert response.status_code == 201, response.json
    series = api_as("qo").get("/api/v1/metrics/training.certified_technicians/series?site=MAIN").json
    # 3 of 5 certified = 60 %: at the warning line, short of the 80 % target
    assert series == [{"period": current_period(), "value": pytest.approx(60.0), "status": "amber"}]
