"""Two years of campaigns at each demo dealership, for ``init --demo``.

One campaign a month, planned and then evaluated: spend, leads and sales by
channel, sales against the baseline and the gross profit they added. Beijing
buys its leads on the platforms and search at a steady cost; Shanghai moved
its budget to outdoor advertising last quarter and its cost per lead and
return went the wrong way.
"""

from __future__ import annotations

from datetime import date, timedelta

from core.plugins import (
    demo_random,
    demo_sites,
    local_time,
    submissions_in_period,
    submit_forms,
)

PLAN, EVALUATION = "marketing.campaign_plan", "marketing.campaign_evaluation"
THEMES = (
    "Spring test-drive weekend",
    "May Day trade-in offer",
    "Summer air-conditioning check",
    "Mid-year hybrid bonus",
    "Back-to-school family SUV",
    "National Day sales festival",
    "Autumn service campaign",
    "Double Eleven online offer",
    "Winter tyre and battery check",
    "Year-end clearance",
    "New Year owner gathering",
    "Lantern Festival showroom event",
)


def populate() -> int:
    added = 0
    for site in demo_sites():
        if submissions_in_period(EVALUATION, site, site.months[0]):
            continue
        for index, month in enumerate(site.months):
            added += len(submit_forms(_month(demo_random("marketing", site, month), site, index, month)))
    return added


def _month(rng, site, index: int, month: str) -> list[dict]:
    year, number = int(month[:4]), int(month[5:])
    theme = THEMES[(number - 1) % 12]
    start = date(year, number, 3)
    end = start + timedelta(days=20)
    slipping = site.rank == 1 and index > len(site.months) - 4
    cost_per_lead = rng.gauss(230 if site.rank == 0 else 290, 35) * (1.9 if slipping else 1)
    channels = []
    for source, share in (("platform", 0.45), ("search", 0.25), ("social", 0.2), ("outdoor", 0.1)):
        if slipping:
            share = {"outdoor": 0.55, "platform": 0.2}.get(source, 0.125)
        spend = round(rng.uniform(30000, 42000) * share, 0)
        leads = max(1, round(spend / (cost_per_lead * (2.4 if source == "outdoor" else 1))))
        channels.append(
            {"source": source, "spend": spend, "leads": leads, "sales": round(leads * rng.uniform(0.08, 0.14))}
        )
    spend = sum(row["spend"] for row in channels)
    baseline = rng.randint(28, 36)
    lift = rng.gauss(0.2 if site.rank == 0 else 0.12, 0.06) * (0.2 if slipping else 1)
    by = site.logins["MARKETING"][0]
    kind = "service" if "check" in theme or "service" in theme else "vehicle_sales"
    plan = {
        "campaign": theme,
        "kind": kind,
        "objective": f"{theme}: more showroom visits and test drives than an ordinary month.",
        "segment": "Owners of cars 3–6 years old within 30 km",
        "offer": "Trade-in bonus and free first service",
        "channels": ["platform", "search", "social", "outdoor"],
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "budget": round(spend, 0),
        "target_leads": 140,
        "target_sales": 12,
        "legal_review": True,
        "legal_reviewer": site.heads["RISK"],
    }
    if kind == "service":
        plan["capacity_checked"] = True
    return [
        {
            "form_key": PLAN,
            "site": site.code,
            "submitted_by": by,
            "submitted_at": local_time(year, number, 1, 10),
            "data": plan,
        },
        {
            "form_key": EVALUATION,
            "site": site.code,
            "submitted_by": by,
            "submitted_at": local_time(year, number, 27, 16),
            "data": {
                "campaign": theme,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "channels": channels,
                "showroom_visits": sum(row["leads"] for row in channels) // 2,
                "campaign_sales": round(baseline * (1 + lift)),
                "baseline_sales": baseline,
                "incremental_gross_profit": round(
                    spend * rng.gauss(2.4 if site.rank == 0 else 2.0, 0.3) * (0.45 if slipping else 1), 0
                ),
                "satisfaction": rng.randint(3, 5),
                "lessons": "Platform leads converted best; follow up within the hour.",
            },
        },
    ]
