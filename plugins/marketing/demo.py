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
    demo_text,
    local_time,
    submissions_in_period,
    submit_forms,
)

PLAN, EVALUATION = "marketing.campaign_plan", "marketing.campaign_evaluation"
# Each month's campaign, in English and as a Chinese dealership names it (demo_text picks one).
THEMES = (
    ("Spring test-drive weekend", "春季试驾周末"),
    ("May Day trade-in offer", "五一置换优惠"),
    ("Summer air-conditioning check", "夏季空调免费检测"),
    ("Mid-year hybrid bonus", "年中双擎车型购车礼"),
    ("Back-to-school family SUV", "开学季家庭SUV专场"),
    ("National Day sales festival", "国庆购车节"),
    ("Autumn service campaign", "秋季服务月"),
    ("Double Eleven online offer", "双十一线上特惠"),
    ("Winter tyre and battery check", "冬季轮胎及蓄电池检测"),
    ("Year-end clearance", "年末清库促销"),
    ("New Year owner gathering", "新春车主联谊会"),
    ("Lantern Festival showroom event", "元宵节展厅活动"),
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
    english, chinese = THEMES[(number - 1) % 12]
    theme = demo_text(english, chinese)
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
    kind = "service" if "check" in english or "service" in english else "vehicle_sales"
    plan = {
        "campaign": theme,
        "kind": kind,
        "objective": demo_text(
            f"{english}: more showroom visits and test drives than an ordinary month.",
            f"{chinese}：展厅到店和试驾量高于平常月份。",
        ),
        "segment": demo_text("Owners of cars 3–6 years old within 30 km", "30公里内车龄3–6年的车主"),
        "offer": demo_text("Trade-in bonus and free first service", "置换补贴加免费首保"),
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
                "lessons": demo_text(
                    "Platform leads converted best; follow up within the hour.",
                    "汽车平台线索转化最好，需一小时内跟进。",
                ),
            },
        },
    ]
