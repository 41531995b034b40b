"""Two years of training records at each demo dealership, for ``init --demo``.

Two courses a month (one of them mandatory) with attendees, scores and
reaction ratings, and a training needs matrix at the start of each year.
Beijing keeps its mandatory training complete; Shanghai lets it slip in the
busy months and, since its trainer left, its pass rate has dropped.
"""

from __future__ import annotations

from datetime import date

from core.plugins import (
    demo_random,
    demo_sites,
    demo_text,
    local_time,
    submissions_in_period,
    submit_forms,
)

RECORD, NEEDS, ROSTER = "training.record", "training.needs_matrix", "training.technician_roster"
# Titles and roles in English and as a Chinese dealership writes them (demo_text picks one).
COURSES = (
    (("New model launch: bZ4X", "新车型上市培训：bZ4X"), "product", False, "manufacturer"),
    (("High-voltage safety for EV service", "新能源车维修高压安全"), "ev_safety", True, "classroom"),
    (("Showroom reception and needs analysis", "展厅接待与需求分析"), "sales_process", False, "on_the_job"),
    (("Service reception and walk-around", "售后接待与环车检查"), "service_process", False, "classroom"),
    (("Warranty and 三包 rules", "保修与三包政策"), "warranty", True, "online"),
    (("Personal information protection (PIPL)", "个人信息保护（PIPL）"), "compliance", True, "online"),
    (("Complaint handling (ISO 10002)", "客户投诉处理（ISO 10002）"), "quality", True, "classroom"),
    (("Diagnosis of CAN bus faults", "CAN总线故障诊断"), "technical", False, "manufacturer"),
)
ROLES = (
    (("Sales consultant", "销售顾问"), "sales_consultant"),
    (("Service advisor", "服务顾问"), "service_advisor"),
    (("Technician", "维修技师"), "technician"),
    (("Customer care", "客服专员"), "customer_care"),
)
PEOPLE = ("王芳", "李强", "张伟", "刘敏", "陈磊", "杨洋", "赵静", "黄勇", "吴娜", "周杰", "徐涛", "孙艳")


def populate() -> int:
    added = 0
    for site in demo_sites():
        if submissions_in_period(RECORD, site, site.months[0]):
            continue
        for index, month in enumerate(site.months):
            batch = _month(demo_random("training", site, month), site, index, month)
            batch.append(_roster(site, index, month))
            added += len(submit_forms(batch))
    return added


TECHNICIANS = ("张伟", "李强", "陈磊", "黄勇", "周杰", "徐涛", "孙浩", "马超", "朱军", "胡斌")


def _roster(site, index: int, month: str) -> dict:
    """The month's technician roster: Beijing keeps nine in ten certified; Shanghai's two new
    technicians of half a year ago are not yet, and one certification lapsed. Drawn from its own
    generator, so the training records stay as they were."""
    rng = demo_random("training-roster", site, month)
    year, number = int(month[:4]), int(month[5:])
    on = date(year, number, 25)
    uncertified = 1 if site.rank == 0 else (2 if index < 17 else 4)
    rows = []
    for position, name in enumerate(TECHNICIANS):
        row = {"name": name}
        if position >= uncertified:
            row["brand_certified_until"] = date(on.year + 1 + rng.randint(0, 1), rng.randint(1, 12), 1).isoformat()
            if position % 3 == 0:
                row["hv_certified_until"] = date(on.year + 2, number, 1).isoformat()
        rows.append(row)
    return {
        "form_key": ROSTER,
        "site": site.code,
        "submitted_by": site.heads["TRAINING"],
        "submitted_at": local_time(year, number, 25, 11),
        "data": {"roster_date": on.isoformat(), "technicians": rows},
    }


def quality(site, index: int) -> float:
    if site.rank == 0:
        return 0.85 + 0.1 * index / 23
    return 0.7 - (0.3 * (index - 17) / 6 if index > 17 else 0.0)


def _month(rng, site, index: int, month: str) -> list[dict]:
    q = quality(site, index)
    year, number = int(month[:4]), int(month[5:])
    by = site.heads["TRAINING"]
    batch = []
    # The course plan follows the calendar, not the window of demo history.
    serial = year * 12 + number
    for slot, course in enumerate((COURSES[serial % 4 + 4], COURSES[(serial * 3) % 8])):
        title, course_type, mandatory, method = course
        mandatory = mandatory or slot == 0
        day = date(year, number, 6 + 10 * slot)
        attendees = []
        for seat, person in enumerate(rng.sample(PEOPLE, 6)):
            role = demo_text(*rng.choice(ROLES)[0])
            # The first seat always completes: reaction and pass rate have someone to measure every month.
            completed = seat == 0 or rng.random() < (0.93 + 0.07 * q if site.rank == 0 else 0.55 + 0.45 * q)
            row = {"name": person, "role": role, "completed": completed}
            if completed:
                row["score"] = round(min(100, max(30, rng.gauss(62 + 32 * q, 8))), 0)
                row["reaction"] = max(1, min(5, round(rng.gauss(3.2 + 1.5 * q, 0.6))))
            attendees.append(row)
        batch.append(
            {
                "form_key": RECORD,
                "site": site.code,
                "submitted_by": by,
                "submitted_at": local_time(year, number, day.day, 17),
                "data": {
                    "course": demo_text(*title),
                    "course_type": course_type,
                    "mandatory": mandatory,
                    "method": method,
                    "date": day.isoformat(),
                    "hours": rng.choice((2, 3.5, 4, 7)),
                    "trainer": by,
                    "pass_mark": 80,
                    "attendees": attendees,
                    "behaviour_plan": demo_text(
                        "Supervisor observes two customer contacts within a month.",
                        "一个月内由主管现场观察两次客户接待。",
                    ),
                    "result_measure": "csi" if course_type == "service_process" else "none",
                },
            }
        )
    if number == 1:
        for role, key in ROLES:
            batch.append(
                {
                    "form_key": NEEDS,
                    "site": site.code,
                    "submitted_by": by,
                    "submitted_at": local_time(year, 1, 3, 10),
                    "data": {
                        "role": key,
                        "competence": demo_text(
                            f"{role[0]}: product and process knowledge", f"{role[1]}：产品与流程知识"
                        ),
                        "current_level": rng.randint(2, 4),
                        "required_level": 4,
                        "gap": demo_text("New models and the updated 三包 rules.", "新车型及新版三包规定。"),
                        "action": "manufacturer" if key == "technician" else "classroom",
                        "course_type": "product",
                        "due_date": date(year, 6, 30).isoformat(),
                        "responsible": by,
                        "status": "done" if index < len(site.months) - 10 else "planned",
                    },
                }
            )
    return batch
