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
from core.demo import DEMO_SITES
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
            title="销售满意度 SSI 达到 880 分 Sales satisfaction (SSI) at 880",
            why="质量方针：让每位购车顾客满意 Quality policy: every buyer satisfied",
            metric=SSI,
            baseline=840,
            target=880,
            owner=f"{prefix}.sales.head",
            plan_what=(
                "交车回访 48 小时内完成；每月分析低分问卷 "
                "Follow-up call within 48 h of delivery; low scores reviewed monthly"
            ),
            plan_resources="客服专员 1 名 One customer-care assistant",
            plan_who="销售经理 Sales manager",
            plan_when="每月 Monthly",
            **common,
        )
        services.create(
            quality,
            department="AFTERSALES",
            title="一次修复率 ≥ 92% First-time fix at 92% or better",
            why="返修投诉占投诉总数的三分之一 Repeat repairs are a third of complaints",
            metric=FIRST_TIME_FIX,
            baseline=86,
            target=92,
            owner=f"{prefix}.service.head",
            plan_what="疑难故障技术会诊；返修 8D 分析 Technical huddle on hard faults; 8D on every comeback",
            plan_who="服务经理 Service manager",
            plan_when="每周 Weekly",
            **common,
        )
        certified = services.create(
            quality,
            department="TRAINING",
            title="销售顾问 100% 持证上岗 Every sales consultant certified",
            measure="持证销售顾问占比 Share of sales consultants certified",
            unit="%",
            direction="higher",
            baseline=60,
            target=100,
            owner=f"{prefix}.training.head",
            plan_what="每月两期认证培训 Two certification courses a month",
            plan_resources="厂家培训师 The manufacturer's trainer",
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
                certified.owner, certified, value=value, period=month, comment=f"{value}% 已持证 certified"
            )
        commit()
        added += 1
    return added
