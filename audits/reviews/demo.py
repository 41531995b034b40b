"""Management reviews at each demo dealership: last quarter's, held and signed by the quality
manager with decisions on its inputs and outputs in progress, and this quarter's, planned. The
past review's page and PDF show every input filled from the demo's NCs, audits, KPIs, objectives
and improvements; the next one will list the outputs still open."""

from __future__ import annotations

from datetime import date, timedelta

from audits.improvements import services as improvements
from audits.reviews import services
from audits.reviews.models import ManagementReview
from core.accounts.services import site_by_code, user_by_login
from core.clock import today
from core.database import commit, db
from core.demo import DEMO_PASSWORD, DEMO_SITES, demo_text
from core.errors import NotFound

HEADS = ("sales.head", "service.head", "training.head", "marketing.head", "risk.head", "comms.head")
# Who came to the meeting: the quality manager chairs; two heads sent their apologies.
PRESENT = ("quality.head", "quality", "sales.head", "service.head", "training.head", "risk.head")
# Per input: what was discussed and what was decided, each as (English, Chinese).
DECISIONS = {
    "previous_reviews": (
        ("First management review.", "首次管理评审。"),
        ("Review every quarter from now on.", "以后每季度评审一次。"),
    ),
    "customer_satisfaction": (
        ("After-sales CSI below target; complaints are about waiting time.", "售后 CSI 低于目标，投诉集中在等待时间。"),
        ("Shorten the waiting at handover; follow next quarter.", "缩短交车等待时间，下季度跟踪。"),
    ),
    "nonconformities": (
        ("Showroom reception NCs keep coming back.", "展厅接待类不符合项重复出现。"),
        ("A lunch-break rota in the showroom.", "午休时段安排展厅轮班。"),
    ),
    "audits": (
        ("The audit programme ran as planned.", "审核方案按计划执行。"),
        ("Keep the audit frequency.", "维持当前审核频次。"),
    ),
    "improvements": (
        ("Not enough EV repair skills.", "新能源车型维修能力不足。"),
        ("EV training for the technicians.", "安排技师参加新能源培训。"),
    ),
}


def quarter_of(on: date) -> tuple[date, date]:
    first = date(on.year, (on.month - 1) // 3 * 3 + 1, 1)
    after = date(first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1)
    return first, after - timedelta(days=1)


def last_quarter(on: date) -> tuple[date, date]:
    return quarter_of(quarter_of(on)[0] - timedelta(days=1))


def _held_and_signed(chair, code: str, prefix: str) -> ManagementReview:
    period_from, period_to = last_quarter(today())
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
        context_changes=demo_text(
            "More electric models: after-sales skills need updating", "新能源车型占比上升，售后技能需更新"
        ),
        resources=demo_text("One service-advisor post vacant", "服务顾问空缺 1 名"),
        external_providers=demo_text("Parts supplier on time 94%", "配件供应商准时交付率 94%"),
    )
    services.compile_inputs(chair, review)
    services.record_meeting(
        chair,
        review,
        row_version=review.row_version,
        present=[f"{prefix}.{who}" for who in PRESENT],
        guests=demo_text("General manager", "总经理"),
        decisions={
            key: {"discussion": demo_text(*discussion), "decision": demo_text(*decision)}
            for key, (discussion, decision) in DECISIONS.items()
        },
    )
    services.hold(chair, review)
    rota = services.add_output(
        chair,
        review,
        kind="improvement",
        title=demo_text("A lunch-break rota in the showroom", "展厅午休轮班"),
        description=demo_text("Two consultants on the floor over lunch", "午休时段至少两名销售顾问在岗"),
        department="SALES",
        owner=f"{prefix}.sales.head",
        due_date=today() + timedelta(days=45),
    )
    services.add_output(
        chair,
        review,
        kind="improvement",
        title=demo_text("EV repair training for the technicians", "技师新能源维修培训"),
        description=demo_text("Every technician trained in high-voltage safety", "全部技师完成高压安全培训"),
        department="AFTERSALES",
        owner=f"{prefix}.service.head",
        due_date=today() + timedelta(days=90),
    )
    services.add_output(
        chair,
        review,
        kind="objective",
        title=demo_text("Answer leads within 5 minutes", "线索 5 分钟内响应"),
        description=demo_text("A rota for incoming leads", "制定线索分配轮值表"),
        department="SALES",
        owner=f"{prefix}.sales.head",
        due_date=today() + timedelta(days=180),
        metric="sales.lead_response_time",
        target=5,
    )
    services.sign_minutes(
        chair, review, password=DEMO_PASSWORD, comment=demo_text("Minutes approved", "会议纪要已确认")
    )
    # The rota is under way: its actions written and being done.
    item = improvements.improvement_by_reference(rota.record_reference)
    head = user_by_login(f"{prefix}.sales.head")
    improvements.update_improvement(
        head,
        item,
        row_version=item.row_version,
        actions=demo_text("The rota is published; floor checks at noon", "排班表已发布；每天中午巡查展厅在岗情况"),
    )
    improvements.change_stage(head, item, to="do", row_version=item.row_version)
    return review


def populate() -> int:
    if db.session.execute(db.select(ManagementReview.id).limit(1)).first():
        return 0
    added = 0
    for code, _name, prefix in DEMO_SITES:
        try:
            site_by_code(code)
            chair = user_by_login(f"{prefix}.quality.head")
        except NotFound:
            continue
        _held_and_signed(chair, code, prefix)
        # This quarter's review, planned for ten days after it ends.
        period_from, period_to = quarter_of(today())
        services.plan(
            chair,
            site=code,
            period_from=period_from,
            period_to=period_to,
            planned_date=period_to + timedelta(days=10),
            chair=chair.login,
            participants=[f"{prefix}.quality", *(f"{prefix}.{head}" for head in HEADS)],
        )
        commit()
        added += 1
    return added
