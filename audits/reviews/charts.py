"""The charts of a review's compiled inputs, drawn from the inputs as kept (not from today's data):
the satisfaction KPIs' trends, the Pareto of root causes and the audit findings by grade. The
review's page and its PDF show the same ones."""

from __future__ import annotations

from collections import defaultdict

from flask_babel import force_locale

from audits.reviews import inputs
from core import charts
from core.metrics import services as metrics

VITAL_SHARE = 80.0


def _satisfaction_charts(section: dict) -> list:
    """A trend per satisfaction KPI and site, with the KPI's target and bands."""
    # The inputs name KPIs as compiled: in English.
    with force_locale("en"):
        by_name = {str(metric.name): metric for metric in metrics.definitions_by_key().values()}
    series: dict[tuple[str, str], list] = defaultdict(list)
    for table in section["tables"]:
        for kpi, site, month, value, status in table["rows"] if table["key"] == "kpi_months" else []:
            if value is not None:
                series[(kpi, site)].append((month, value, status or None))
    drawn = []
    for (kpi, site), points in series.items():
        metric = by_name.get(kpi)
        if metric is None:
            continue
        title = f"{inputs.label(kpi)} · {site}"
        drawn.append(
            (
                title,
                charts.trend_svg(
                    title=title,
                    periods=[month for month, _value, _status in points],
                    values=[value for _month, value, _status in points],
                    target=float(metric.target),
                    warning=None if metric.warning is None else float(metric.warning),
                    direction=metric.direction,
                    unit=str(metric.unit),
                    statuses=[status for *_rest, status in points],
                ),
            )
        )
    return drawn


def _shortened(text: str, most: int = 36) -> str:
    """A cause as a bar's label: the table below the chart has it whole."""
    return text if len(text) <= most else text[: most - 1] + "…"


def _pareto_chart(table: dict):
    """Root causes, most frequent first; the vital few (to 80 % of all) in red."""
    if not table["rows"]:
        return None
    statuses, before = [], 0.0
    for _cause, _count, cumulative in table["rows"]:
        statuses.append("red" if before < VITAL_SHARE else None)
        before = cumulative
    return inputs.label(table["key"]), charts.counts_svg(
        title=inputs.label(table["key"]),
        labels=[f"{_shortened(inputs.label(cause))} · {cumulative:g} %" for cause, _count, cumulative in table["rows"]],
        counts=[count for _cause, count, _cumulative in table["rows"]],
        statuses=statuses,
    )


def _findings_chart(table: dict):
    rows = [(grade, count) for grade, count in table["rows"] if count]
    if not rows:
        return None
    colours = {"conforming": "green", "observation": "amber", "ofi": "amber", "minor_nc": "red", "major_nc": "red"}
    return inputs.label(table["key"]), charts.counts_svg(
        title=inputs.label(table["key"]),
        labels=[inputs.label(grade) for grade, _count in rows],
        counts=[count for _grade, count in rows],
        statuses=[colours.get(grade) for grade, _count in rows],
    )


def section_charts(section: dict) -> list[tuple[str, object]]:
    """The charts of a section of the inputs, each with its title."""
    if section["key"] == "customer_satisfaction":
        return _satisfaction_charts(section)
    drawn = []
    for table in section["tables"]:
        if table["key"] in ("root_cause_categories", "root_cause_causes"):
            drawn.append(_pareto_chart(table))
        elif table["key"] == "findings":
            drawn.append(_findings_chart(table))
    return [chart for chart in drawn if chart is not None]
