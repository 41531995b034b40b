"""Last quarter's management review at each demo dealership, planned and compiled: chaired by
the quality manager with the heads of the areas, so the page shows every input filled from the
demo's NCs, audits, KPIs, objectives and improvements."""

from __future__ import annotations

from datetime import date, timedelta

from audits.reviews import services
from audits.reviews.models import ManagementReview
from core.accounts.services import site_by_code, user_by_login
from core.clock import today
from core.database import commit, db
from core.demo import DEMO_SITES
from core.errors import NotFound

HEADS = ("sales.head", "service.head", "training.head", "marketing.head", "risk.head", "comms.head")


def last_quarter(on: date) -> tuple[date, date]:
    first_of_this = date(on.year, (on.month - 1) // 3 * 3 + 1, 1)
    last = first_of_this - timedelta(days=1)
    return date(last.year, (last.month - 1) // 3 * 3 + 1, 1), last


def populate() -> int:
    if db.session.execute(db.select(ManagementReview.id).limit(1)).first():
        return 0
    period_from, period_to = last_quarter(today())
    added = 0
    for code, _name, prefix in DEMO_SITES:
        try:
            site_by_code(code)
            chair = user_by_login(f"{prefix}.quality.head")
        except NotFound:
            continue
        review = services.plan(
            chair,
            site=code,
            period_from=period_from,
            period_to=period_to,
            planned_date=min(period_to + timedelta(days=10), today()),
            chair=chair.login,
            participants=[f"{prefix}.quality", *(f"{prefix}.{head}" for head in HEADS)],
        )
        services.write_inputs(
            chair,
            review,
            row_version=review.row_version,
            context_changes="新能源车型占比上升，售后技能需更新 More electric models: after-sales skills need updating",
            resources="服务顾问空缺 1 名 One service-advisor post vacant",
            external_providers="配件供应商准时交付率 94% Parts supplier on time 94%",
        )
        services.compile_inputs(chair, review)
        commit()
        added += 1
    return added
