"""The computed sales metrics: pure functions over submitted form data.

Each function takes the data of a period's submissions and returns a number,
or ``None`` when there is nothing to compute from (no value is better than a
misleading zero on a trend chart).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

from plugins.sales.definitions import DELIVERY, LEAD_LOG, SSI_SCALE, SSI_WEIGHTS, SURVEY


def nps(scores: Iterable[int]) -> float | None:
    """Per cent promoters (9–10) minus per cent detractors (0–6)."""
    scores = [s for s in scores if s is not None]
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return (promoters - detractors) * 100 / len(scores)


def weighted_index(answers: list[Mapping], weights: Mapping[str, float], scale_max: int) -> float | None:
    """Σ(weight × factor mean ÷ scale max) × 1000 — the SSI/CSI form.

    A factor nobody rated (e.g. the website, for buyers who never used it)
    is left out and the remaining weights are scaled to add up to 1, so that
    an unanswered optional factor neither drags the index down nor lifts it.
    """
    means = {}
    for factor in weights:
        ratings = [a[factor] for a in answers if a.get(factor) is not None]
        if ratings:
            means[factor] = sum(ratings) / len(ratings)
    if not means:
        return None
    total_weight = sum(weights[factor] for factor in means)
    return sum(weights[factor] * mean / scale_max for factor, mean in means.items()) / total_weight * 1000


def ssi(answers: list[Mapping]) -> float | None:
    return weighted_index(answers, SSI_WEIGHTS, SSI_SCALE[1])


def mean_response_minutes(leads: list[Mapping]) -> float | None:
    minutes = [lead["response_minutes"] for lead in leads if lead.get("response_minutes") is not None]
    return sum(minutes) / len(minutes) if minutes else None


def test_drive_ratio(leads: list[Mapping]) -> float | None:
    """Walk-in visitors who drove ÷ walk-in visitors, per cent: other channels' leads are not showroom visits."""
    visitors = [lead for lead in leads if lead.get("source") == "walk_in"]
    if not visitors:
        return None
    return sum(1 for lead in visitors if lead.get("test_drive") is True) * 100 / len(visitors)


def pdi_defect_rate(deliveries: list[Mapping]) -> float | None:
    inspected = [d for d in deliveries if d.get("pdi_defects_found") is not None]
    if not inspected:
        return None
    return sum(1 for d in inspected if d["pdi_defects_found"] is True) * 100 / len(inspected)


def _day(value) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def order_processing_days(deliveries: list[Mapping]) -> float | None:
    """Mean days from the order (contract) date to the delivery date, over deliveries that give both."""
    spans = [
        (_day(d["delivery_date"]) - _day(d["order_date"])).days
        for d in deliveries
        if d.get("order_date") and d.get("delivery_date")
    ]
    return sum(spans) / len(spans) if spans else None


# 销管办法 Art.16: what each vehicle's buyer receives, by where the vehicle comes from.
COMMON_DOCUMENTS = ("owner_manual", "warranty_manual", "sanbao_certificate")
ORIGIN_DOCUMENTS = {
    "domestic": ("conformity_certificate", "consistency_certificate"),  # Art.16(1), (4)
    "domestic_chassis": ("conformity_certificate", "chassis_certificate", "consistency_certificate"),  # (1), (2), (4)
    "imported": ("import_certificate", "import_inspection_certificate"),  # Art.16(3)
}
# Art.16(4): an imported vehicle has the consistency certificate or the special-certification report.
EITHER_FOR_IMPORTS = ("consistency_certificate", "special_certification_report")


def missing_documents(delivery: Mapping) -> list[str]:
    """The Art.16 documents a delivery did not hand over; a record without an origin (made
    before the field existed) is taken as a vehicle made in China."""
    given = set(delivery.get("documents") or [])
    origin = delivery.get("origin") or "domestic"
    missing = [doc for doc in (*ORIGIN_DOCUMENTS.get(origin, ()), *COMMON_DOCUMENTS) if doc not in given]
    if origin == "imported" and not given & set(EITHER_FOR_IMPORTS):
        missing.insert(2, "consistency_certificate")
    return missing


# metric key → (form it reads, computation)
COMPUTED: dict[str, tuple[str, Callable[[list[Mapping]], float | None]]] = {
    "sales.ssi": (SURVEY, ssi),
    "sales.nps": (SURVEY, lambda answers: nps(a.get("recommend") for a in answers)),
    "sales.lead_response_time": (LEAD_LOG, mean_response_minutes),
    "sales.test_drive_ratio": (LEAD_LOG, test_drive_ratio),
    "sales.pdi_defect_rate": (DELIVERY, pdi_defect_rate),
    "sales.order_processing_days": (DELIVERY, order_processing_days),
}


def compute(metric_key: str, site, period: str) -> float | None:
    from core.plugins import submissions_in_period

    if metric_key not in COMPUTED:
        return None
    form_key, computation = COMPUTED[metric_key]
    value = computation(submissions_in_period(form_key, site, period))
    # One decimal is all a KPI tile shows; storing float noise (856.0000000000001) would only confuse exports.
    return None if value is None else round(value, 1)
