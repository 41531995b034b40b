"""The delivery checklist against 汽车销售管理办法 (2017): the documents Art.16 lists by the
vehicle's origin, the invoice under Art.15 apart; and the order-processing time computed from
the delivery records, on hand-worked values."""

import pytest

from plugins.sales import computations
from tests.plugins_sales.test_sales import DELIVERY, nonconformities, post

DOMESTIC = [
    "conformity_certificate",
    "consistency_certificate",
    "owner_manual",
    "warranty_manual",
    "sanbao_certificate",
]


def test_art_16_a_vehicle_made_in_china_needs_its_conformity_and_consistency_certificates():
    assert computations.missing_documents({"origin": "domestic", "documents": DOMESTIC}) == []
    assert computations.missing_documents({"origin": "domestic", "documents": DOMESTIC[1:]}) == [
        "conformity_certificate"
    ]


def test_art_16_2_a_vehicle_on_a_chinese_chassis_also_needs_the_chassis_certificate():
    data = {"origin": "domestic_chassis", "documents": DOMESTIC}
    assert computations.missing_documents(data) == ["chassis_certificate"]
    assert computations.missing_documents({**data, "documents": [*DOMESTIC, "chassis_certificate"]}) == []


def test_art_16_3_and_4_an_import_needs_its_import_papers_and_either_certificate():
    common = ["owner_manual", "warranty_manual", "sanbao_certificate"]
    imports = ["import_certificate", "import_inspection_certificate"]
    assert (
        computations.missing_documents(
            {"origin": "imported", "documents": [*imports, "special_certification_report", *common]}
        )
        == []
    )
    assert (
        computations.missing_documents(
            {"origin": "imported", "documents": [*imports, "consistency_certificate", *common]}
        )
        == []
    )
    assert computations.missing_documents({"origin": "imported", "documents": common}) == [
        "import_certificate",
        "import_inspection_certificate",
        "consistency_certificate",
    ]
    # No domestic conformity certificate is asked of an import.
    assert "conformity_certificate" not in computations.missing_documents({"origin": "imported", "documents": []})


def test_art_15_no_invoice_is_its_own_nonconformity(app, users, api_as):
    api = api_as("staff")
    assert post(api, "sales.delivery_checklist", {**DELIVERY, "invoice_issued": False}).status_code == 201
    [nc] = nonconformities(api_as("qo"))
    assert nc["title"].endswith("(销管办法 Art.15)")
    detail = api_as("qo").get(f"/api/v1/nonconformities/{nc['reference']}").json
    assert "no true sales invoice issued (Art.15)" in detail["description"]


def test_art_16_the_invoice_is_no_longer_one_of_the_documents(app, users, api_as):
    response = post(api_as("staff"), "sales.delivery_checklist", {**DELIVERY, "documents": [*DOMESTIC, "invoice"]})
    assert response.status_code == 422
    assert [error["field"] for error in response.json["errors"]] == ["documents"]


def test_order_processing_days_on_hand_worked_values():
    deliveries = [
        {"order_date": "2026-03-01", "delivery_date": "2026-03-08"},  # 7 days
        {"order_date": "2026-02-20", "delivery_date": "2026-03-10"},  # 18 days (across the month end)
        {"order_date": "2026-03-15", "delivery_date": "2026-03-15"},  # 0 days: a car from stock, same day
        {"delivery_date": "2026-03-20"},  # no order date: left out
    ]
    # (7 + 18 + 0) / 3 = 8.33
    assert computations.order_processing_days(deliveries) == pytest.approx(25 / 3)
    assert computations.order_processing_days([{"delivery_date": "2026-03-20"}]) is None


def test_order_processing_days_is_computed_per_site_and_month(app, users, api_as):
    from core.clock import current_period

    api = api_as("staff")
    month = current_period()
    for order, delivered in (("01", "05"), ("02", "12")):  # 4 and 10 days: mean 7
        data = {**DELIVERY, "order_date": f"{month}-{order}", "delivery_date": f"{month}-{delivered}"}
        assert post(api, "sales.delivery_checklist", data).status_code == 201
    series = api_as("qo").get("/api/v1/metrics/sales.order_processing_days/series?site=MAIN").json
    assert {point["period"]: point["value"] for point in series}[month] == 7
