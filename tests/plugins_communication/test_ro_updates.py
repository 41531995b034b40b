"""communication.ro_updates computed from the after-sales repair orders, on hand-worked values."""

import pytest

from core.clock import current_period
from plugins.communication import computations


def repair_order(number, **extra):
    return {
        "ro_number": number,
        "vin": "LSVAU2180N2183294",
        "mileage": 12000,
        "received_at": "2026-03-02T01:30:00",
        "concern": "Service",
        "customer_signed": True,
        "final_check": True,
        "comeback": False,
        **extra,
    }


def test_ro_update_rate_on_hand_worked_values():
    orders = [
        {"customer_updated": True},
        {"customer_updated": True},
        {"customer_updated": False},
        {},  # no update recorded: counts as none
    ]
    # 2 of 4 = 50 %
    assert computations.ro_update_rate(orders) == 50
    assert computations.ro_update_rate([]) is None


def test_ro_updates_follow_the_repair_orders_of_the_site_and_month(app, users, api_as):
    client = api_as("staff")
    for number, updated in (("RO-1", True), ("RO-2", True), ("RO-3", True), ("RO-4", False)):
        response = client.post(
            "/api/v1/forms/aftersales.repair_order/submissions",
            json={"site": "MAIN", "data": repair_order(number, customer_updated=updated)},
        )
        assert response.status_code == 201, response.json
    series = api_as("qo").get("/api/v1/metrics/communication.ro_updates/series?site=MAIN").json
    # 3 of 4 = 75 %: below the 85 % warning
    assert series == [{"period": current_period(), "value": pytest.approx(75.0), "status": "red"}]
