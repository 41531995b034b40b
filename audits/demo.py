"""Demo audits, nonconformities and corrective actions for ``dealerqms init --demo``.

At each demo dealership (``core.demo``), everything goes through the
services as that site's demo users, so the trail names who did what and the
signatures are real ones made with the demo password. Audits use the area
plugins' checklists, carry findings with evidence files (a photo and a
scanned record, generated here), and their nonconformities stand at every
stage from raised to closed. Each scenario is recognised by its title at its
site and skipped when it exists, so a second ``init --demo`` adds nothing.

Audits need checklists, which the area plugins contribute; with none
installed only the nonconformities raised outside audits are added.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from datetime import timedelta

from audits.models import Audit, Nonconformity, ProgrammeEntry
from audits.services import actions as action_services
from audits.services import audits as audit_services
from audits.services import evidence as evidence_services
from audits.services import nonconformities as nc_services
from audits.services import programme as programme_services
from core.accounts.services import department_by_code, site_by_code, user_by_login
from core.checklists import catalog
from core.clock import today
from core.database import commit, db
from core.demo import DEMO_PASSWORD, DEMO_SITES, demo_text
from core.errors import NotFound
from core.trail import acting_as
from core.trail import reason as trail_reason


@dataclass(frozen=True)
class People:
    """The logins of one demo site's people who take part in its audits and NCs."""

    quality: str
    auditor: str  # from training
    auditor2: str  # from risk
    sales_head: str
    service_head: str
    marketing_head: str
    training_head: str
    staff: str  # a sales consultant
    service_staff: str

    @classmethod
    def at(cls, prefix: str) -> People:
        suffixes = {
            "quality": "quality",
            "auditor": "auditor",
            "auditor2": "auditor2",
            "sales_head": "sales.head",
            "service_head": "service.head",
            "marketing_head": "marketing.head",
            "training_head": "training.head",
            "staff": "sales",
            "service_staff": "service",
        }
        return cls(**{role: f"{prefix}.{suffix}" for role, suffix in suffixes.items()})


def populate() -> int:
    """Add the demo scenarios missing at the demo sites; returns how many were added."""
    with_checklists = bool(catalog.checklists())
    added = 0
    for code, _name, prefix in DEMO_SITES:
        try:
            site = site_by_code(code)
        except NotFound:
            continue
        for (title_en, title_zh), scenario, needs_checklists in SCENARIOS[prefix]:
            title = demo_text(title_en, title_zh)
            if (needs_checklists and not with_checklists) or _exists(site, title):
                continue
            scenario(site.code, title, People.at(prefix))
            added += 1
    from audits import demo_brand  # it builds on this module's helpers

    return added + demo_brand.populate()


def _exists(site, title: str) -> bool:
    for model in (Audit, Nonconformity):
        if db.session.execute(db.select(model.id).filter_by(site_id=site.id, title=title)).first():
            return True
    return False


def _as(login: str, action, *args, **kwargs):
    """One business action by a demo user, committed (so after-commit events fire)."""
    with acting_as(login):
        result = action(user_by_login(login), *args, **kwargs)
        commit()
    return result


def _password() -> str:
    return DEMO_PASSWORD


def _png(rgb: tuple[int, int, int], width: int = 64, height: int = 48) -> bytes:
    """A small solid-colour PNG: a stand-in for a photo taken during the audit."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _pdf(text: str) -> bytes:
    """A one-page PDF with one line of text: a stand-in for a scanned record."""
    stream = f"BT /F1 14 Tf 56 780 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>"
        ),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _photo(login: str, item, name: str, rgb=(200, 120, 60)) -> None:
    _as(login, evidence_services.attach_to_item, item, io.BytesIO(_png(rgb)), name, "image/png")


def _scan(login: str, attach, record, name: str, text: str) -> None:
    _as(login, attach, record, io.BytesIO(_pdf(text)), name, "application/pdf")


def _checklists_for(department: str) -> list[str]:
    """The plugin checklists meant for the department, else the first installed one (the
    imported brand standard has audits of its own: audits.demo_brand)."""
    known = {key: checklist for key, checklist in catalog.checklists().items() if catalog.plugin_of(key)}
    chosen = [key for key in sorted(known) if known[key].area == department]
    return chosen[:2] or sorted(known)[:1]


def _programme_entry(site: str, department: str, year: int) -> ProgrammeEntry | None:
    """The starter programme's line the audit carries out, so the programme shows it as covered."""
    return (
        db.session.execute(
            db.select(ProgrammeEntry)
            .filter_by(year=year, department_id=department_by_code(department).id, site_id=site_by_code(site).id)
            .order_by(ProgrammeEntry.month)
        )
        .scalars()
        .first()
    )


def _plan(
    site: str,
    title: str,
    department: str,
    days_from_today: int,
    scope: str,
    *,
    planner: str,
    lead: str,
    team: list[str],
    checklists: list[str] | None = None,
) -> Audit:
    planned = today() + timedelta(days=days_from_today)
    # In early January an audit of 90 days ago belongs to last year's programme: put it in place too.
    programme_services.load_starter_programme(planned.year)
    return _as(
        planner,
        audit_services.plan_audit,
        title=title,
        site=site,
        departments=[department],
        scope=scope,
        lead_auditor=lead,
        auditors=team,
        planned_date=planned,
        checklists=checklists or _checklists_for(department),
        programme_entry=_programme_entry(site, department, planned.year),
    )


def _record_all(audit: Audit, findings: dict[int, tuple[str, str]], auditor: str, answered: int | None = None) -> None:
    """Results for the first ``answered`` items (all by default): ``findings`` by position, else conforming."""
    for index, item in enumerate(audit.items[:answered]):
        result, note = findings.get(index, ("conforming", None))
        _as(auditor, audit_services.record_result, audit, item, result=result, note=note, row_version=item.row_version)


def _nc_of(audit: Audit, position: int, people: People, owner: str) -> Nonconformity | None:
    """The NC a finding raised, owned by the head of the department at the audited site.

    A finding's NC goes to the department's official head, who works at the
    group's first site; at the other site its own head takes it over.
    """
    nc = nc_services.nc_for_item(audit.items[position])
    if nc is not None and (nc.owner is None or nc.owner.login != owner):
        _as(people.quality, nc_services.update_nonconformity, nc, row_version=nc.row_version, owner=owner)
    return nc


def _close_with_verified_action(
    nc: Nonconformity,
    people: People,
    *,
    containment: str,
    root_cause: dict,
    action: str,
    owner: str,
    completion: str,
    verification: str,
) -> None:
    manager = nc.owner.login if nc.owner else people.quality
    _as(manager, nc_services.transition, nc, to="contained", containment=containment, row_version=nc.row_version)
    _as(
        manager,
        nc_services.transition,
        nc,
        to="root_cause_identified",
        root_cause=root_cause,
        row_version=nc.row_version,
    )
    planned = _as(
        manager, action_services.add_action, nc, description=action, owner=owner, due_date=today() + timedelta(days=14)
    )
    _as(manager, nc_services.transition, nc, to="actions_planned", row_version=nc.row_version)
    _as(owner, action_services.complete_action, planned, note=completion, row_version=planned.row_version)
    _scan(
        owner,
        evidence_services.attach_to_action,
        planned,
        demo_text("completion-record.pdf", "整改完成记录.pdf"),
        "Corrective action completed - record of the change",
    )
    _as(manager, nc_services.transition, nc, to="verifying", row_version=nc.row_version)
    _as(
        people.quality,
        action_services.verify_action,
        planned,
        effective=True,
        note=verification,
        password=_password(),
        row_version=planned.row_version,
    )
    _as(
        people.quality,
        nc_services.transition,
        nc,
        to="closed",
        comment=demo_text("Action verified effective.", "纠正措施经验证有效。"),
        row_version=nc.row_version,
    )


# Audits -----------------------------------------------------------------------------------
# Beijing audits its sales and after-sales processes, Shanghai its complaint
# handling, marketing, training and risk: between them every area plugin's
# checklists are in use. Auditors never audit their own department.


def _closed_audit(site: str, title: str, people: People) -> None:
    """Closed: one minor finding with a photo, contained, analysed with a
    5-why, its action verified effective, the report signed, the audit closed."""
    audit = _plan(
        site,
        title,
        "SALES",
        -90,
        demo_text("Showroom, test drives and vehicle handover", "展厅接待、试乘试驾及交车"),
        planner=people.quality,
        lead=people.auditor,
        team=[people.quality],
    )
    _as(people.auditor, audit_services.start_audit, audit, row_version=audit.row_version)
    _record_all(
        audit,
        {
            0: (
                "minor_nc",
                demo_text(
                    "Two of five visitors waited more than five minutes without a greeting.",
                    "抽查 5 批来店客户，其中 2 批等候超过 5 分钟无人接待。",
                ),
            ),
            1: (
                "observation",
                demo_text(
                    "The test-drive log is kept on paper and on the CRM.",
                    "试驾登记同时记录在纸质台账和 CRM 系统中，重复登记。",
                ),
            ),
        },
        people.auditor,
    )
    _photo(people.auditor, audit.items[0], demo_text("reception-desk-unattended.png", "前台无人接待.png"))
    _as(
        people.auditor,
        audit_services.report_audit,
        audit,
        summary=demo_text(
            "The sales process is followed; one minor nonconformity at reception.",
            "销售流程总体得到执行；展厅前台接待存在一项轻微不符合项。",
        ),
        conclusion=demo_text("Effective, with one correction to make.", "体系运行有效，有一项需整改。"),
        password=_password(),
        row_version=audit.row_version,
    )
    nc = _nc_of(audit, 0, people, people.sales_head)
    if nc is not None:
        _close_with_verified_action(
            nc,
            people,
            containment=demo_text(
                "A second consultant now covers reception during the Saturday peak.",
                "周六客流高峰时段已增派一名销售顾问协助前台接待。",
            ),
            root_cause={
                "method": "5why",
                "chain": [
                    {
                        "why": demo_text("Why were visitors not greeted?", "为什么来店客户无人接待？"),
                        "because": demo_text("Nobody was at the reception desk.", "当时前台没有人。"),
                    },
                    {
                        "why": demo_text("Why was nobody at the desk?", "为什么前台没有人？"),
                        "because": demo_text(
                            "The receptionist was covering test drives.", "前台接待员临时顶岗陪同试驾。"
                        ),
                    },
                    {
                        "why": demo_text(
                            "Why was the receptionist covering test drives?", "为什么前台接待员要顶岗陪同试驾？"
                        ),
                        "because": demo_text(
                            "The weekend rota has no test-drive cover.", "周末排班表中没有安排试驾专人。"
                        ),
                    },
                ],
            },
            action=demo_text("Add test-drive cover to the weekend rota.", "在周末排班表中增设试驾专人。"),
            owner=people.staff,
            completion=demo_text(
                "Rota changed from this month; the team was briefed.", "自本月起已调整排班，并已向团队宣贯。"
            ),
            verification=demo_text(
                "Four weekends observed: every visitor was greeted within two minutes.",
                "连续观察 4 个周末：所有来店客户均在 2 分钟内得到接待。",
            ),
        )
    _as(people.auditor, audit_services.close_audit, audit, row_version=audit.row_version)


def _closed_complaints_audit(site: str, title: str, people: People) -> None:
    """Closed: complaint handling, a minor finding closed with an 8D-free 5-why."""
    audit = _plan(
        site,
        title,
        "AFTERSALES",
        -120,
        demo_text("Complaint register, acknowledgement and closure", "投诉登记、受理回复及结案"),
        planner=people.quality,
        lead=people.auditor,
        team=[people.quality],
    )
    _as(people.auditor, audit_services.start_audit, audit, row_version=audit.row_version)
    _record_all(
        audit,
        {
            1: (
                "minor_nc",
                demo_text(
                    "Four of twelve complaints were acknowledged after more than two days.",
                    "抽查 12 起投诉，其中 4 起超过 2 天才受理回复。",
                ),
            ),
            3: (
                "ofi",
                demo_text(
                    "A short SMS on receipt would reassure customers.",
                    "收到投诉后即发短信告知客户已受理，能让客户更安心。",
                ),
            ),
        },
        people.auditor,
    )
    _photo(people.auditor, audit.items[1], demo_text("complaint-register-page.png", "投诉登记表.png"), (90, 140, 200))
    _as(
        people.auditor,
        audit_services.report_audit,
        audit,
        summary=demo_text(
            "Complaints are recorded and closed; acknowledgement is sometimes late.",
            "投诉均已登记并结案，但受理回复有时不及时。",
        ),
        conclusion=demo_text("Effective, with one correction to make.", "体系运行有效，有一项需整改。"),
        password=_password(),
        row_version=audit.row_version,
    )
    nc = _nc_of(audit, 1, people, people.service_head)
    if nc is not None:
        _close_with_verified_action(
            nc,
            people,
            containment=demo_text(
                "Every open complaint was acknowledged the same day the finding was made.",
                "发现问题当天，已对所有未结投诉逐一回复客户。",
            ),
            root_cause={
                "method": "5why",
                "chain": [
                    {
                        "why": demo_text("Why were complaints acknowledged late?", "为什么投诉受理回复不及时？"),
                        "because": demo_text("The hotline inbox is read weekly.", "投诉热线信箱每周才查看一次。"),
                    },
                    {
                        "why": demo_text("Why weekly?", "为什么每周才查看一次？"),
                        "because": demo_text(
                            "Nobody was named to read it when the coordinator left.",
                            "原客服协调员离职后，没有指定专人负责查看。",
                        ),
                    },
                ],
            },
            action=demo_text(
                "Name a deputy for the hotline inbox and read it daily.", "指定投诉热线信箱的代理负责人，每天查看。"
            ),
            owner=people.service_staff,
            completion=demo_text(
                "Deputy named; daily check added to the reception checklist.",
                "已指定代理负责人；每日查看已列入前台检查清单。",
            ),
            verification=demo_text(
                "Eight weeks sampled: every complaint acknowledged within one working day.",
                "抽查 8 周记录：所有投诉均在 1 个工作日内受理回复。",
            ),
        )
    _as(people.auditor, audit_services.close_audit, audit, row_version=audit.row_version)


def _reported_audit(site: str, title: str, people: People, department: str = "AFTERSALES") -> None:
    """Reported: a major finding under analysis (fishbone), its action still
    open; the report is signed, the audit waits for its NC to close."""
    head = people.service_head if department == "AFTERSALES" else people.marketing_head
    audit = _plan(
        site,
        title,
        department,
        -30,
        demo_text("Service reception, workshop and vehicle return", "服务接待、车间维修及交车")
        if department == "AFTERSALES"
        else demo_text("Campaign planning, legal review and evaluation", "活动策划、合规审查及效果评估"),
        planner=people.quality,
        lead=people.auditor,
        team=[people.quality],
    )
    _as(people.auditor, audit_services.start_audit, audit, row_version=audit.row_version)
    finding = (
        demo_text(
            "Three of ten job cards had no customer authorisation for extra work.",
            "抽查 10 张维修工单，其中 3 张的增项维修没有客户授权签字。",
        )
        if department == "AFTERSALES"
        else demo_text(
            "Two of six campaign plans went out without the legal review the procedure requires.",
            "抽查 6 份活动方案，其中 2 份未按程序要求经合规审查即已发布。",
        )
    )
    _record_all(
        audit,
        {
            0: ("major_nc", finding),
            1: (
                "ofi",
                demo_text(
                    "Photos at vehicle reception would settle later disputes.", "接车时拍照留存，可避免日后发生纠纷。"
                )
                if department == "AFTERSALES"
                else demo_text(
                    "Evaluate campaigns by channel, not only in total.", "活动效果应按渠道分别评估，而不只看总量。"
                ),
            ),
        },
        people.auditor,
    )
    _photo(people.auditor, audit.items[0], demo_text("sampled-records.png", "抽查记录.png"), (160, 60, 60))
    _as(
        people.auditor,
        audit_services.report_audit,
        audit,
        summary=demo_text("The key control is not reliably applied.", "关键控制点未得到有效执行。")
        if department != "AFTERSALES"
        else demo_text(
            "Customer authorisation for additional work is not reliably recorded.", "增项维修的客户授权未能可靠记录。"
        ),
        conclusion=demo_text(
            "Not effective until the major nonconformity is corrected.", "严重不符合项整改完成前，判定为运行无效。"
        ),
        password=_password(),
        row_version=audit.row_version,
    )
    nc = _nc_of(audit, 0, people, head)
    if nc is None:
        return
    _as(
        head,
        nc_services.transition,
        nc,
        to="contained",
        containment=demo_text(
            "Every open record was checked and corrected; the people concerned were informed.",
            "已逐一检查并更正所有未结记录，并已通知相关人员。",
        ),
        row_version=nc.row_version,
    )
    _scan(
        head,
        evidence_services.attach_to_nonconformity,
        nc,
        demo_text("containment-check.pdf", "围堵措施检查清单.pdf"),
        "Containment: list of records checked and corrected",
    )
    _as(
        head,
        nc_services.transition,
        nc,
        to="root_cause_identified",
        root_cause={
            "method": "fishbone",
            "causes": {
                "man": [demo_text("New staff not trained on the step", "新员工未接受该步骤的培训")],
                "method": [demo_text("The procedure does not say when to ask again", "程序文件未规定何时需再次确认")],
                "machine": [
                    demo_text("The system lets a record close without the step", "系统允许未完成该步骤即关闭记录")
                ],
            },
        },
        row_version=nc.row_version,
    )
    _as(
        head,
        action_services.add_action,
        nc,
        owner=head,
        due_date=today() + timedelta(days=21),
        description=demo_text(
            "Make the step required in the system and train everyone who does it.",
            "在系统中将该步骤设为必填项，并对所有相关人员进行培训。",
        ),
    )
    _as(head, nc_services.transition, nc, to="actions_planned", row_version=nc.row_version)


def _audit_in_progress(site: str, title: str, people: People, department: str = "SALES") -> None:
    """In progress: half of the items answered, a minor NC just raised."""
    # The auditor from risk audits training; the one from training audits the others.
    lead = people.auditor2 if department == "TRAINING" else people.auditor
    audit = _plan(
        site,
        title,
        department,
        -2,
        demo_text("Follow-up of customers and records", "客户跟进及相关记录"),
        planner=people.quality,
        lead=lead,
        team=[people.quality],
    )
    _as(lead, audit_services.start_audit, audit, row_version=audit.row_version)
    answered = max(1, len(audit.items) // 2)
    _record_all(
        audit,
        {0: ("minor_nc", demo_text("Records of last week were not complete.", "上周记录不完整。"))},
        lead,
        answered=answered,
    )
    _photo(lead, audit.items[0], demo_text("records-sampled.png", "记录抽查.png"), (120, 160, 90))


def _planned_audit(site: str, title: str, people: People, department: str = "AFTERSALES") -> None:
    """Planned for next month."""
    lead = people.auditor2 if department == "TRAINING" else people.auditor
    if department == "RISK":
        lead = people.auditor
    _plan(
        site,
        title,
        department,
        30,
        demo_text("Records and controls of the area", "本区域的记录与控制措施"),
        planner=people.quality,
        lead=lead,
        team=[people.quality],
    )


# Nonconformities outside audits ---------------------------------------------------------------


def _overdue_complaint(site: str, title: str, people: People) -> None:
    """Contained, overdue: its due date has passed without a root cause."""
    nc = _as(
        people.quality,
        nc_services.raise_nonconformity,
        title=title,
        severity="minor",
        site=site,
        department="SALES",
        owner=people.sales_head,
        source="complaint",
        source_ref=f"complaint:{site}-0007",
        description=demo_text(
            "The customer was not told how the trade-in value of their car was worked out.",
            "未向客户说明其旧车置换评估价的计算依据。",
        ),
    )
    _as(
        people.sales_head,
        nc_services.transition,
        nc,
        to="contained",
        containment=demo_text(
            "The valuation was explained to the customer by phone; they accepted it.",
            "已电话向客户解释评估价，客户表示认可。",
        ),
        row_version=nc.row_version,
    )
    with trail_reason(
        demo_text(
            "Demo data: the due date is set in the past to show an overdue nonconformity.",
            "演示数据：将到期日设为过去的日期，以展示逾期的不符合项。",
        )
    ):
        _as(
            people.quality,
            nc_services.update_nonconformity,
            nc,
            row_version=nc.row_version,
            due_date=today() - timedelta(days=5),
        )


def _eight_d_in_planning(site: str, title: str, people: People) -> None:
    """Root cause by 8D, a corrective action planned and open."""
    nc = _as(
        people.quality,
        nc_services.raise_nonconformity,
        title=title,
        severity="major",
        site=site,
        department="AFTERSALES",
        owner=people.service_head,
        source="manual",
        description=demo_text(
            "A customer's car came back twice for the same air-conditioning fault.",
            "一位客户的车辆因同一空调故障两次返修。",
        ),
    )
    _as(
        people.service_head,
        nc_services.transition,
        nc,
        to="contained",
        containment=demo_text(
            "The car was repaired by the master technician and road-tested with the customer.",
            "由首席技师修复车辆，并与客户一起路试确认。",
        ),
        row_version=nc.row_version,
    )
    _as(
        people.service_head,
        nc_services.transition,
        nc,
        to="root_cause_identified",
        root_cause={
            "method": "8d",
            "d0": demo_text("Repeat repair reported by the customer.", "客户反映车辆返修。"),
            "d1": demo_text("Service head, master technician.", "服务经理、首席技师。"),
            "d2": demo_text(
                "Air-conditioning leak not found at the first two visits.", "前两次进店维修均未查出空调泄漏点。"
            ),
            "d3": demo_text("Repaired by the master technician; customer informed.", "由首席技师修复，已告知客户。"),
            "d4": demo_text(
                "The leak test was skipped because the UV dye kit was missing.", "因缺少荧光检漏工具，检漏步骤被跳过。"
            ),
            "d5": demo_text(
                "Keep two UV dye kits and add the leak test to the job card.",
                "配备两套荧光检漏工具，并将检漏步骤写入维修工单。",
            ),
        },
        row_version=nc.row_version,
    )
    _as(
        people.service_head,
        action_services.add_action,
        nc,
        owner=people.service_head,
        due_date=today() + timedelta(days=30),
        description=demo_text(
            "Buy a second UV dye kit and add the leak test to the air-conditioning job card.",
            "再购置一套荧光检漏工具，并将检漏步骤写入空调维修工单。",
        ),
    )
    _as(people.service_head, nc_services.transition, nc, to="actions_planned", row_version=nc.row_version)


def _root_cause_found(site: str, title: str, people: People) -> None:
    """Root cause identified (5-why), no action planned yet, and overdue."""
    nc = _as(
        people.quality,
        nc_services.raise_nonconformity,
        title=title,
        severity="minor",
        site=site,
        department="TRAINING",
        owner=people.training_head,
        source="metric",
        source_ref="metric:training.mandatory_completion",
        description=demo_text(
            "Mandatory training completion fell to two thirds last month.", "上月必修培训完成率降至三分之二。"
        ),
    )
    _as(
        people.training_head,
        nc_services.transition,
        nc,
        to="contained",
        containment=demo_text(
            "Everyone who missed a mandatory course was booked on the next session.",
            "所有缺训人员均已安排参加下一期必修课程。",
        ),
        row_version=nc.row_version,
    )
    _as(
        people.training_head,
        nc_services.transition,
        nc,
        to="root_cause_identified",
        root_cause={
            "method": "5why",
            "chain": [
                {
                    "why": demo_text("Why were mandatory courses missed?", "为什么有人缺席必修课程？"),
                    "because": demo_text("Sessions clashed with the sales festival.", "培训场次与购车节活动撞期。"),
                },
                {
                    "why": demo_text("Why did they clash?", "为什么会撞期？"),
                    "because": demo_text(
                        "The training plan is not checked against the campaign calendar.",
                        "制定培训计划时没有对照市场活动日历。",
                    ),
                },
            ],
        },
        row_version=nc.row_version,
    )
    with trail_reason(
        demo_text(
            "Demo data: the due date is set in the past to show an overdue nonconformity.",
            "演示数据：将到期日设为过去的日期，以展示逾期的不符合项。",
        )
    ):
        _as(
            people.quality,
            nc_services.update_nonconformity,
            nc,
            row_version=nc.row_version,
            due_date=today() - timedelta(days=3),
        )


def _waiting_for_verification(site: str, title: str, people: People) -> None:
    """Verifying: the action is done and waits for its effectiveness check."""
    nc = _as(
        people.sales_head,
        nc_services.raise_nonconformity,
        title=title,
        severity="minor",
        site=site,
        department="SALES",
        owner=people.sales_head,
        source="manual",
        description=demo_text(
            "Two test drives in March have no copy of the driving licence on file.",
            "3 月有 2 次试驾未留存驾驶证复印件。",
        ),
    )
    _as(
        people.sales_head,
        nc_services.transition,
        nc,
        to="contained",
        containment=demo_text(
            "Both customers were asked for a copy; the files are complete.", "已联系两位客户补交复印件，档案已补齐。"
        ),
        row_version=nc.row_version,
    )
    _as(
        people.sales_head,
        nc_services.transition,
        nc,
        to="root_cause_identified",
        root_cause={
            "method": "5why",
            "chain": [
                {
                    "why": demo_text("Why is the copy missing?", "为什么缺少复印件？"),
                    "because": demo_text("The consultant forgot to scan it.", "销售顾问忘记扫描存档。"),
                },
                {
                    "why": demo_text("Why could the test drive start without it?", "为什么没有复印件也能开始试驾？"),
                    "because": demo_text("The key is handed out without a check.", "发放试驾车钥匙时没有核查。"),
                },
            ],
        },
        row_version=nc.row_version,
    )
    action = _as(
        people.sales_head,
        action_services.add_action,
        nc,
        owner=people.staff,
        due_date=today() + timedelta(days=10),
        description=demo_text(
            "Hand out test-drive keys only against a scanned licence.", "须凭已扫描存档的驾驶证方可领取试驾车钥匙。"
        ),
    )
    _as(people.sales_head, nc_services.transition, nc, to="actions_planned", row_version=nc.row_version)
    _as(
        people.staff,
        action_services.complete_action,
        action,
        note=demo_text(
            "Key cabinet now opens only from the CRM after the scan.", "钥匙柜现已改为扫描驾驶证后由 CRM 系统开启。"
        ),
        row_version=action.row_version,
    )
    _as(people.sales_head, nc_services.transition, nc, to="verifying", row_version=nc.row_version)


def _variant(scenario, **fixed):
    def run(site: str, title: str, people: People) -> None:
        scenario(site, title, people, **fixed)

    run.__doc__ = scenario.__doc__
    return run


# Per site: title in English and Chinese (the demo's language's is what a second run looks for),
# scenario, whether it needs a checklist.
SCENARIOS = {
    "bj": [
        (("Sales process audit (spring)", "销售流程审核（春季）"), _closed_audit, True),
        (("After-sales process audit", "售后服务流程审核"), _reported_audit, True),
        (("Sales follow-up audit", "销售客户跟进审核"), _audit_in_progress, True),
        (("After-sales audit (autumn)", "售后服务审核（秋季）"), _planned_audit, True),
        (
            ("Customer complaint: trade-in valuation not explained", "客户投诉：未向客户解释旧车置换评估价"),
            _overdue_complaint,
            False,
        ),
        (("Repeat repair on the same vehicle within 30 days", "同一车辆 30 天内重复返修"), _eight_d_in_planning, False),
        (("Test-drive licence check not recorded", "试驾驾驶证查验未记录"), _waiting_for_verification, False),
    ],
    "sh": [
        (("Complaint handling audit", "投诉处理审核"), _closed_complaints_audit, True),
        (
            ("Marketing and promotions audit", "市场营销与促销活动审核"),
            _variant(_reported_audit, department="MARKETING"),
            True,
        ),
        (
            ("Training and competence audit", "培训与能力审核"),
            _variant(_audit_in_progress, department="TRAINING"),
            True,
        ),
        (("Risk and compliance audit", "风险与合规审核"), _variant(_planned_audit, department="RISK"), True),
        (("Mandatory training completion below target", "必修培训完成率未达标"), _root_cause_found, False),
        (("Test-drive licence check not recorded", "试驾驾驶证查验未记录"), _waiting_for_verification, False),
    ],
}
