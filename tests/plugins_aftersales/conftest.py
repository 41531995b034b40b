import pytest

from core.clock import current_period

# A Chinese VIN (the ISO 3779 check digit applies only to North American ones).
VIN = "LSVAU2180N2183294"


def this_month() -> str:
    return current_period()


def submit(client, form, data, site="MAIN"):
    return client.post(f"/api/v1/forms/{form}/submissions", json={"site": site, "data": data})


def series(client, key, site="MAIN"):
    """{period: value} of a metric at a site, through the API."""
    response = client.get(f"/api/v1/metrics/{key}/series?site={site}")
    assert response.status_code == 200, response.json
    return {point["period"]: point["value"] for point in response.json}


def repair_order(number, **overrides):
    data = {
        "ro_number": number,
        "vin": VIN,
        "mileage": 12000,
        "received_at": "2026-03-02T01:30:00",
        "concern": "Squeal from the front brakes when stopping",
        "customer_signed": True,
        "final_check": True,
        "comeback": False,
    }
    data.update(overrides)
    return data


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
