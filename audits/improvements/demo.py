"""The demo's improvement register, at each demo dealership, through the services as the site's
demo people: the audits' observations and OFIs are already in it (recording them raised them),
and Beijing's first observation is taken round PDCA; two staff suggestions, one taken up; and at
Shanghai, whose KPIs slipped, mandatory training red two months running, raised as the scheduler
raises it and run as a DMAIC project with its baseline and current figures. The observation's
check keeps its sample (a one-page PDF, as the audits demo's scans) as evidence of the result.

The other red KPIs and SERVQUAL gaps are the scheduler's: its first tick raises them (the
after-sales figures are not even there yet when this runs). Each step is recognised by what it
leaves (a title, a stage, a DMAIC project at the site), so a second ``init --demo`` adds nothing.
"""

from __future__ import annotations

import io
from datetime import timedelta

from audits.demo import _pdf as one_page_pdf
from audits.improvements import kpis, services
from audits.improvements.models import Improvement, Method, Source, Stage
from core.accounts.models import Site
from core.accounts.services import site_by_code, user_by_login
from core.clock import add_months, period_of, today, utcnow
from core.database import commit, db
from core.demo import DEMO_SITES, demo_text
from core.errors import NotFound
from core.metrics import services as metrics
from core.trail import acting_as

# Who suggests, in which department, the title and the description (each in English and Chinese).
SUGGESTIONS = (
    (
        "service",
        "AFTERSALES",
        ("Text the customer when the car is ready", "车辆修好后短信通知客户取车"),
        (
            "Customers phone the service desk to ask whether their car is done; advisors break off to answer. "
            "A text message with the pick-up time, sent when the final check is signed, would spare both.",
            "客户常打电话到服务前台询问车辆是否修好，服务顾问只能中断手头工作接听。"
            "若在终检签字后即发送一条附取车时间的短信，双方都省事。",
        ),
    ),
    (
        "sales",
        "SALES",
        ("A children's corner in the showroom", "展厅设立儿童游乐区"),
        (
            "Parents cut the test drive short when the children grow restless. A small play corner in sight of "
            "the sales desks would let them take their time.",
            "孩子坐不住时，家长往往会缩短试驾。在销售洽谈区视线范围内设一个小型儿童游乐角，家长就能从容看车、试驾。",
        ),
    ),
)
# A KPI with a countable defect: a required course not completed in time. Shanghai's slips most
# months, not every month: on a date when it was not red twice running, another red KPI is the project.
DMAIC_METRIC = "training.mandatory_completion"
# The project's expected benefit and actions, each in English and Chinese.
STORIES = {
    DMAIC_METRIC: (
        ("Every required course done on time, and kept so.", "所有必修课程按时完成，并保持下去。"),
        (
            "Define: a required course not completed by its due date is a defect. Measure: three months of "
            "training records. Analyse: Pareto of the reasons (rota clashes first). Improve: courses booked into "
            "the rota, a reminder a week ahead. Control: the KPI watched every month.",
            "定义：必修课程未在到期日前完成即为一个缺陷。测量：收集 3 个月的培训记录。"
            "分析：对原因做帕累托分析（排班冲突居首）。改进：将课程排入排班表，提前一周提醒。"
            "控制：每月跟踪该 KPI。",
        ),
    ),
}
ANY_STORY = (
    ("Back on target within three months, and kept there.", "3 个月内恢复达标，并保持稳定。"),
    (
        "Define: what counts as a defect, on which units. Measure: three months of records. Analyse: Pareto of "
        "the causes. Improve: the changes the analysis points to. Control: the KPI watched every month.",
        "定义：明确缺陷的判定标准及统计单位。测量：收集 3 个月的记录。分析：对原因做帕累托分析。"
        "改进：实施分析所指向的改进措施。控制：每月跟踪该 KPI。",
    ),
)


def _as(login: str, action, *args, **kwargs):
    """One business action by a demo person, committed."""
    with acting_as(login):
        result = action(user_by_login(login), *args, **kwargs)
        commit()
    return result


def populate() -> int:
    added = 0
    for code, _name, prefix in DEMO_SITES:
        try:
            site = site_by_code(code)
        except NotFound:
            continue
        added += _suggestions(site, prefix)
        if prefix == "bj":
            added += _finding_taken_round(site)
        if prefix == "sh":
            added += _dmaic_project(site, prefix)
    return added


def _exists(site: Site, title: str) -> bool:
    return db.session.execute(db.select(Improvement.id).filter_by(site_id=site.id, title=title)).first() is not None


def _suggestions(site: Site, prefix: str) -> int:
    added = 0
    for number, (person, department, titles, descriptions) in enumerate(SUGGESTIONS):
        title, description = demo_text(*titles), demo_text(*descriptions)
        if _exists(site, title):
            continue
        item = _as(
            f"{prefix}.{person}",
            services.raise_improvement,
            title=title,
            description=description,
            site=site,
            department=department,
        )
        added += 1
        if number == 0 and item.owner is not None:
            # The head takes the first one up at once.
            _as(
                item.owner.login,
                services.update_improvement,
                item,
                row_version=item.row_version,
                expected_benefit=demo_text(
                    "Fewer calls at the service desk; customers collect on time.",
                    "服务前台来电减少；客户按时取车。",
                ),
                actions=demo_text(
                    "Add the text message to the final-check step of the repair order; try it for a month.",
                    "在维修工单的终检步骤中增加短信通知；试行一个月。",
                ),
                due_date=today() + timedelta(days=30),
            )
            _as(item.owner.login, services.change_stage, item, to=Stage.DO.value, row_version=item.row_version)
    return added


def _finding_taken_round(site: Site) -> int:
    """The earliest audit observation still untouched (the test-drive log kept twice, in Beijing's
    spring sales audit) is planned, done and checked by its owner."""
    item = db.session.execute(
        db.select(Improvement)
        .filter_by(site_id=site.id, source=Source.AUDIT_OBSERVATION.value, stage=Stage.PLAN.value)
        .where(Improvement.actions.is_(None), Improvement.owner_id.is_not(None))
        .order_by(Improvement.id)
        .limit(1)
    ).scalar_one_or_none()
    if (
        item is None
        or db.session.execute(
            db.select(Improvement.id).filter_by(site_id=site.id, source=Source.AUDIT_OBSERVATION.value, stage="act")
        ).first()
    ):
        return 0
    owner = item.owner.login
    _as(
        owner,
        services.update_improvement,
        item,
        row_version=item.row_version,
        expected_benefit=demo_text(
            "One record of each test drive, found in one place.", "每次试驾只留一份记录，集中在一处可查。"
        ),
        actions=demo_text("Retire the paper log; the CRM entry is the record.", "停用纸质台账，以 CRM 系统登记为准。"),
        due_date=today() + timedelta(days=14),
    )
    _as(owner, services.change_stage, item, to=Stage.DO.value, row_version=item.row_version)
    _as(owner, services.change_stage, item, to=Stage.CHECK.value, row_version=item.row_version)
    _as(
        owner,
        services.update_improvement,
        item,
        row_version=item.row_version,
        result=demo_text(
            "Four weeks on, every test drive sampled (20) is in the CRM with the licence copy attached.",
            "实施 4 周后抽查 20 次试驾，全部已在 CRM 系统中登记并附有驾驶证复印件。",
        ),
    )
    _as(
        owner,
        services.attach_evidence,
        item,
        io.BytesIO(one_page_pdf("Check of the test-drive records: 20 of 20 sampled are in the CRM")),
        demo_text("test-drive-sample.pdf", "试驾记录抽查.pdf"),
        "application/pdf",
    )
    _as(owner, services.change_stage, item, to=Stage.ACT.value, row_version=item.row_version)
    return 1


def _dmaic_project(site: Site, prefix: str) -> int:
    """Last month's red mandatory-training KPI (another red one on a date it was not), run as a DMAIC
    project in its control phase."""
    if db.session.execute(db.select(Improvement.id).filter_by(site_id=site.id, method=Method.DMAIC.value)).first():
        return 0
    period = add_months(period_of(utcnow(), site.zone), -1)
    item = _open_red_kpi(site)
    for key in [DMAIC_METRIC, *(metric.key for metric in metrics.definitions())] if item is None else []:
        raised = kpis.raise_for_red_kpis(site, period, keys=[key])
        commit()
        if raised:
            item = raised[0]
            break
    if item is None:
        return 0
    metric_key = (item.source_ref or "").removeprefix("metric:").rsplit("/", 2)[0]
    benefit, actions = (demo_text(*words) for words in STORIES.get(metric_key, ANY_STORY))
    owner = item.owner.login if item.owner else f"{prefix}.quality"
    _as(
        owner,
        services.update_improvement,
        item,
        row_version=item.row_version,
        expected_benefit=benefit,
        actions=actions,
        due_date=today() + timedelta(days=90),
    )
    _as(owner, services.change_stage, item, to=Stage.DO.value, row_version=item.row_version)
    _as(
        owner,
        services.set_dmaic,
        item,
        row_version=item.row_version,
        phase="control",
        defect_metric=metric_key,
        opportunities=1,
        baseline_defects=46,
        baseline_units=380,
        current_defects=21,
        current_units=402,
    )
    return 1


def _open_red_kpi(site: Site) -> Improvement | None:
    """A red KPI's item the scheduler raised already (a tick ran before this init), the training one first."""
    rows = db.session.execute(
        db.select(Improvement)
        .filter_by(site_id=site.id, source=Source.RED_KPI.value, stage=Stage.PLAN.value)
        .order_by(Improvement.id)
    ).scalars()
    found = list(rows)
    preferred = [item for item in found if (item.source_ref or "").startswith(f"metric:{DMAIC_METRIC}/")]
    return (preferred or found or [None])[0]
