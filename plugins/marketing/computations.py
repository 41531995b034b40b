"""The computed marketing metrics, over the campaign evaluations of a period.

Sums are taken over all of the month's campaigns before dividing, so a large
campaign weighs more than a small one (the mean of per-campaign ratios would
let a tiny test campaign swing the month).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from plugins.marketing.definitions import EVALUATION


def _rows(evaluations: list[Mapping]) -> list[Mapping]:
    return [row for evaluation in evaluations for row in evaluation.get("channels") or []]


def _total(rows, key: str) -> float:
    return sum(float(row.get(key) or 0) for row in rows)


def _ratio(numerator: float, denominator: float, factor: float = 1) -> float | None:
    return None if not denominator else numerator * factor / denominator


def sales_lift(evaluations: list[Mapping]) -> float | None:
    sold, baseline = _total(evaluations, "campaign_sales"), _total(evaluations, "baseline_sales")
    return _ratio(sold - baseline, baseline, 100)


def cost_per_lead(evaluations: list[Mapping]) -> float | None:
    rows = _rows(evaluations)
    return _ratio(_total(rows, "spend"), _total(rows, "leads"))


def cost_per_sale(evaluations: list[Mapping]) -> float | None:
    rows = _rows(evaluations)
    return _ratio(_total(rows, "spend"), _total(rows, "sales"))


def roi(evaluations: list[Mapping]) -> float | None:
    spend = _total(_rows(evaluations), "spend")
    return _ratio(_total(evaluations, "incremental_gross_profit") - spend, spend, 100)


def cost_per_sale_by_source(totals: Mapping[str, tuple[float, float]]) -> dict[str, tuple[float, int, float | None]]:
    """source → (spend, sales, cost per sale or None when nothing was sold), from each source's
    summed spend and sales (``table_totals`` of the evaluations' channels)."""
    return {source: (spend, int(sales), _ratio(spend, sales)) for source, (spend, sales) in totals.items()}


COMPUTED: dict[str, Callable[[list[Mapping]], float | None]] = {
    "marketing.sales_lift": sales_lift,
    "marketing.cost_per_lead": cost_per_lead,
    "marketing.cost_per_sale": cost_per_sale,
    "marketing.roi": roi,
}


def compute(metric_key: str, site, period: str) -> float | None:
    from core.plugins import submissions_in_period

    if metric_key not in COMPUTED:
        return None
    value = COMPUTED[metric_key](submissions_in_period(EVALUATION, site, period))
    # One decimal is all a KPI tile shows; float noise would only confuse exports.
    return None if value is None else round(value, 1)
