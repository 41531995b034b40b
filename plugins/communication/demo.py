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
    local_time,
    submissions_in_period,
    submit_forms,
)

MEETING, HANDOFF, MATRIX = "communication.meeting", "communication.handoff", "communication.matrix"
ACTIONS = (
    "Share the weekend test-drive rota with after-sales",
    "Update the courtesy-car booking sheet",
    "Call back every customer who rated service below 7",
    "Check parts stock for the recall campaign",
    "Brief reception on the new complaint hotline",
    "Post the campaign calendar on the notice board",
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
            "topic": "Daily huddle: bookings, deliveries, open complaints",
            "frequency": "daily",
            "audience": "Sales and after-sales teams",
            "external": False,
            "channel": "meeting",
            "responsible": site.heads["COMMS"],
        },
        {
            "topic": "Monthly KPI report",
            "frequency": "monthly",
            "audience": "Department heads",
            "external": False,
            "channel": "report",
            "responsible": site.logins["QUALITY"][0],
        },
        {
            "topic": "Service reminders and recall notices",
            "frequency": "event",
            "audience": "Customers",
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
            "action": ACTIONS[(index + n) % len(ACTIONS)],
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
                "decisions": "Weekend cover agreed; recall letters go out this week.",
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
