"""A year's objectives at each demo dealership, nine months in: satisfaction and
first-time fixes measured by their KPIs, certification kept by hand with the owners' monthly
words — Beijing achieved or on track, Shanghai at risk on the KPIs that slipped and one word owed."""

from __future__ import annotations

from datetime import date, timedelta

from audits.objectives import services
from audits.objectives.models import Objective
from core.accounts.services import site_by_code, user_by_login
from core.clock import add_months, last_complete_period, today
from core.database import commit, db
from core.demo import DEMO_SITES, demo_text
from core.errors import NotFound
from core.metrics.services import definitions_by_key

SSI, FIRST_TIME_FIX = "sales.ssi", "aftersales.first_time_fix"


def populate() -> int:
    if not {SSI, FIRST_TIME_FIX} <= set(definitions_by_key()):
        return 0
    if db.session.execute(db.select(Objective.id).limit(1)).first():
        return 0
    # A year of objectives, nine months gone whatever the day the demo is made.
    first = add_months(f"{today():%Y-%m}", -9)
    year_start = date(int(first[:4]), int(first[5:]), 1)
    year_end = date(year_start.year + 1, year_start.month, 1) - timedelta(days=1)
    added = 0
    for code, _name, prefix in DEMO_SITES:
        try:
            site_by_code(code)
            quality = user_by_login(f"{prefix}.quality")
        except NotFound:
            continue
        common = dict(site=code, starts_on=year_start, due_date=year_end)
        services.create(
            quality,
            department="SALES",
            title=demo_text("Sales satisfaction (SSI) at 880", "销售满意度 SSI 达到 880 分"),
            why=demo_text("Quality policy: every buyer satisfied", "质量方针：让每位购车客户满意"),
            metric=SSI,
            baseline=840,
            target=880,
            owner=f"{prefix}.sales.head",
            plan_what=demo_text(
                "Follow-up call within 48 h of delivery; low scores reviewed monthly",
                "交车后 48 小时内完成回访；每月分析低分问卷",
            ),
            plan_resources=demo_text("One customer-care assistant", "客服专员 1 名"),
            plan_who=demo_text("Sales manager", "销售经理"),
            plan_when=demo_text("Monthly", "每月"),
            **common,
        )
        services.create(
            quality,
            department="AFTERSALES",
            title=demo_text("First-time fix at 92% or better", "一次修复率 ≥ 92%"),
            why=demo_text("Repeat repairs are a third of complaints", "返修投诉占投诉总数的三分之一"),
            metric=FIRST_TIME_FIX,
            baseline=86,
            target=92,
            owner=f"{prefix}.service.head",
            plan_what=demo_text(
                "Technical huddle on hard faults; 8D on every comeback", "疑难故障组织技术会诊；每次返修做 8D 分析"
            ),
            plan_who=demo_text("Service manager", "服务经理"),
            plan_when=demo_text("Weekly", "每周"),
            **common,
        )
        certified = services.create(
            quality,
            department="TRAINING",
            title=demo_text("Every sales consultant certified", "销售顾问 100% 持证上岗"),
            measure=demo_text("Share of sales consultants certified", "持证销售顾问占比"),
            unit="%",
            direction="higher",
            baseline=60,
            target=100,
            owner=f"{prefix}.training.head",
            plan_what=demo_text("Two certification courses a month", "每月举办两期认证培训"),
            plan_resources=demo_text("The manufacturer's trainer", "厂家培训师"),
            **common,
        )
        commit()
        # The owner's words on the months so far (the last one still owed in Shanghai).
        period, words = last_complete_period(), []
        while period >= f"{year_start:%Y-%m}" and len(words) < 3:
            words.append(period)
            period = add_months(period, -1)
        for back, month in enumerate(reversed(words)):
            if prefix == "sh" and month == last_complete_period():
                continue
            value = 86 + 6 * back if prefix == "bj" else 62 + 8 * back
            services.record_update(
                certified.owner,
                certified,
                value=value,
                period=month,
                comment=demo_text(f"{value}% certified", f"已持证 {value}%"),
            )
        commit()
        added += 1
    return added
