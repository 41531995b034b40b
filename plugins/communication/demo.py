"""Two years of internal communication records at each demo dealership, for ``init --demo``.

A monthly coordination meeting whose action log carries open actions over,
sales-to-service handoffs at delivery, and the communication matrix.
Beijing closes its actions on time and introduces every buyer to a service
advisor; Shanghai's actions slip and some handoffs are skipped lately.
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

MEETING, HANDOFF, MATRIX = "communication.meeting", "communication.handoff", "communication.matrix"
# In English and as a Chinese dealership writes them (demo_text picks one).
ACTIONS = (
    ("Share the weekend test-drive rota with after-sales", "把周末试驾排班表发给售后"),
    ("Update the courtesy-car booking sheet", "更新代步车预约登记表"),
    ("Call back every customer who rated service below 7", "回访所有服务评分低于7分的客户"),
    ("Check parts stock for the recall campaign", "核查召回活动所需配件库存"),
    ("Brief reception on the new complaint hotline", "向前台说明新的客户投诉热线"),
    ("Post the campaign calendar on the notice board", "在公告栏张贴活动日历"),
)
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def populate() -> int:
    added = 0
    for site in demo_sites():
        if submissions_in_period(MEETING, site, site.months[0]):
            continue
        added += len(submit_forms([_matrix(site)]))
        for index, month in enumerate(site.months):
            added += len(submit_forms(_month(demo_random("communication", site, month), site, index, month)))
    return added


def _matrix(site) -> dict:
    first = site.months[0]
    start = date(int(first[:4]), int(first[5:]), 2)
    rows = [
        {
            "topic": demo_text(
                "Daily huddle: bookings, deliveries, open complaints", "每日晨会：预约、交车、未结客户投诉"
            ),
            "frequency": "daily",
            "audience": demo_text("Sales and after-sales teams", "销售和售后团队"),
            "external": False,
            "channel": "meeting",
            "responsible": site.heads["COMMS"],
        },
        {
            "topic": demo_text("Monthly KPI report", "月度KPI报告"),
            "frequency": "monthly",
            "audience": demo_text("Department heads", "各部门负责人"),
            "external": False,
            "channel": "report",
            "responsible": site.logins["QUALITY"][0],
        },
        {
            "topic": demo_text("Service reminders and recall notices", "保养提醒与召回通知"),
            "frequency": "event",
            "audience": demo_text("Customers", "客户"),
            "external": True,
            "channel": "sms",
            "responsible": site.heads["AFTERSALES"],
        },
    ]
    return {
        "form_key": MATRIX,
        "site": site.code,
        "submitted_by": site.heads["COMMS"],
        "submitted_at": local_time(start.year, start.month, start.day, 9),
        "data": {
            "valid_from": start.isoformat(),
            "approved_by": site.heads["COMMS"],
            "rows": rows,
            "next_review": (start + timedelta(days=365)).isoformat(),
        },
    }


def _month(rng, site, index: int, month: str) -> list[dict]:
    year, number = int(month[:4]), int(month[5:])
    slipping = site.rank == 1 and index > len(site.months) - 6
    on_time = 0.95 if site.rank == 0 else (0.45 if slipping else 0.82)
    held = date(year, number, 5)
    actions = []
    for n in range(4):
        due = held + timedelta(days=10 + 5 * n)
        done = rng.random() < on_time
        action = {
            "action": demo_text(*ACTIONS[(index + n) % len(ACTIONS)]),
            "owner": rng.choice(sorted(site.heads.values())),
            "due": due.isoformat(),
            "status": "done" if done else "open",
        }
        if done:
            action["closed_on"] = (due - timedelta(days=rng.randint(0, 4))).isoformat()
        actions.append(action)
    batch = [
        {
            "form_key": MEETING,
            "site": site.code,
            "submitted_by": site.heads["COMMS"],
            # The log is written up when the month's actions are due, so it records how they ended.
            "submitted_at": local_time(year, number, 28, 17),
            "data": {
                "meeting_date": held.isoformat(),
                "meeting_type": "coordination",
                "departments": ["SALES", "AFTERSALES", "MARKETING", "QUALITY"],
                "chair": site.heads["COMMS"],
                "decisions": demo_text(
                    "Weekend cover agreed; recall letters go out this week.", "周末值班已安排好；召回通知函本周寄出。"
                ),
                "actions": actions,
            },
        }
    ]
    for n in range(3):
        delivered = date(year, number, 4 + 8 * n)
        introduced = rng.random() < (0.99 if site.rank == 0 else (0.8 if slipping else 0.95))
        data = {
            "delivery_date": delivered.isoformat(),
            "vin": "LVG" + "".join(rng.choice(VIN_CHARS) for _ in range(14)),
            "customer": rng.choice(("王先生", "李女士", "张先生", "刘女士", "陈先生")),
            "sales_consultant": site.logins["SALES"][n % len(site.logins["SALES"])],
            "service_advisor": site.logins["AFTERSALES"][0],
            "service_introduced": introduced,
            "first_service_explained": True,
            "first_service_booked": False,
            "preferred_channel": rng.choice(("phone", "sms", "messaging")),
            "contact_consent": True,
        }
        batch.append(
            {
                "form_key": HANDOFF,
                "site": site.code,
                "submitted_by": data["sales_consultant"],
                "submitted_at": local_time(delivered.year, delivered.month, delivered.day, 16),
                "data": data,
            }
        )
    return batch
