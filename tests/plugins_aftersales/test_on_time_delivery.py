"""aftersales.on_time_delivery from the repair orders' promised and completion times, on hand-worked values."""

import pytest

from plugins.aftersales import computations
from tests.plugins_aftersales.conftest import repair_order, series, submit, this_month


def test_on_time_delivery_on_hand_worked_values():
    orders = [
        {"promised_at": "2026-03-02T08:00:00", "completed_at": "2026-03-02T07:30:00"},  # early
        {"promised_at": "2026-03-02T08:00:00", "completed_at": "2026-03-02T08:00:00"},  # to the minute: on time
        {"promised_at": "2026-03-02T08:00:00", "completed_at": "2026-03-02T08:01:00"},  # a minute late
        {"promised_at": "2026-03-02T08:00:00"},  # not completed yet: left out
        {"completed_at": "2026-03-02T08:00:00"},  # no promise: left out
    ]
    # 2 of 3 = 66.7 %
    assert computations.on_time_delivery_rate(orders) == pytest.approx(200 / 3)
    assert computations.on_time_delivery_rate([{"promised_at": "2026-03-02T08:00:00"}]) is None


def test_on_time_delivery_follows_the_repair_orders_of_the_site_and_month(app, users, api_as):
    client = api_as("staff")
    for number, completed in (("RO-1", "05:00"), ("RO-2", "06:00"), ("RO-3", "06:30"), ("RO-4", "09:00")):
        data = repair_order(number, promised_at="2026-03-02T06:00:00", completed_at=f"2026-03-02T{completed}:00")
        assert submit(client, "aftersales.repair_order", data).status_code == 201
    # 2 of 4 on time = 50 %
    assert series(api_as("qo"), "aftersales.on_time_delivery")[this_month()] == 50
