"""Two years of workshop records at each demo dealership, for ``init --demo``.

Repair orders, CSI and SERVQUAL surveys and the complaint register, shaped
so that the computed metrics show what a service manager would recognise:
Beijing's workshop is steady; Shanghai lost two senior technicians half a
year ago, so comebacks rose, efficiency fell and complaints take longer to
close. Also one high-severity complaint last month (it raises a
nonconformity through ``form_submitted``) and an open 三包 case in Shanghai
approaching the replacement-or-refund triggers.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from core.plugins import (
    demo_random,
    demo_sites,
    demo_text,
    local_time,
    submissions_in_period,
    submit_forms,
)

REPAIR_ORDER, CSI, COMPLAINT, SERVQUAL, SANBAO = (
    "aftersales.repair_order",
    "aftersales.csi_survey",
    "aftersales.complaint",
    "aftersales.servqual",
    "aftersales.sanbao_case",
)
# What customers and advisors write, in English and as a Chinese workshop writes it (demo_text picks one).
CONCERNS = (
    ("10,000 km service", "1万公里保养"),
    ("20,000 km service", "2万公里保养"),
    ("Brake noise when stopping", "刹车时有异响"),
    ("Air conditioning not cold", "空调不制冷"),
    ("Warning light on the dashboard", "仪表盘故障灯亮"),
    ("Rattle from the dashboard", "仪表台有异响"),
    ("Tyre pressure warning", "胎压报警"),
    ("Infotainment screen freezes", "中控屏死机"),
    ("Oil leak under the engine", "发动机底部漏油"),
    ("Battery does not hold charge", "蓄电池亏电"),
)
COMPLAINTS = (
    (
        "waiting_time",
        "Car was ready two hours after the promised time; nobody called.",
        "比承诺的交车时间晚了两个小时，也没人打电话通知。",
    ),
    ("repair_quality", "The same noise came back a week after the repair.", "修完一周后，同样的异响又出现了。"),
    (
        "price",
        "The invoice was higher than the estimate without a call first.",
        "结算金额比估价高，事先没有打电话确认。",
    ),
    ("attitude", "The service advisor was dismissive on the phone.", "服务顾问在电话里态度敷衍。"),
    ("parts", "The part was on back order for ten days.", "配件缺货，等了十天。"),
    ("warranty", "Warranty repair refused without a written reason.", "保修被拒，也没有给书面理由。"),
)
CUSTOMERS = ("王先生", "李女士", "张先生", "刘女士", "陈先生", "杨女士", "赵先生", "黄女士", "周先生", "吴女士")
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def populate() -> int:
    added = 0
    for site in demo_sites():
        if submissions_in_period(REPAIR_ORDER, site, site.months[0]):
            continue
        for index, month in enumerate(site.months):
            added += len(submit_forms(_month(demo_random("aftersales", site, month), site, index, month)))
        added += len(submit_forms(_sanbao_history(site)))
        added += len(submit_forms(_recent_cases(site)))
    return added


def quality(site, index: int, month: str) -> float:
    """How well the workshop works that month, about 0 (poor) to 1 (excellent)."""
    if site.rank == 0:
        level = 0.8 + 0.1 * index / 23
    else:
        # Steep enough that the last month is red whatever its season and its six surveys.
        level = 0.68 - (0.45 * (index - 17) / 6 if index > 17 else 0.0)
    # Before the New Year every owner wants the car serviced at once.
    return level - 0.07 * math.cos(2 * math.pi * (int(month[5:]) - 1) / 12)


def _when(rng, month: str, last_day: int = 28) -> datetime:
    """Workshop hours on a day of ``month``, the dealership's time."""
    return local_time(int(month[:4]), int(month[5:]), rng.randint(1, last_day), rng.randint(8, 17), rng.randint(0, 59))


def _vin(rng) -> str:
    return "LFV" + "".join(rng.choice(VIN_CHARS) for _ in range(14))


def _rating(rng, mean: float, low: int, high: int) -> int:
    return max(low, min(high, round(rng.gauss(mean, 0.9))))


def _month(rng, site, index: int, month: str) -> list[dict]:
    q = quality(site, index, month)
    advisors, heads = site.logins["AFTERSALES"], site.heads["AFTERSALES"]
    prefix = site.code[:2]
    batch = []

    def add(form_key, data, by, when):
        batch.append({"form_key": form_key, "data": data, "site": site.code, "submitted_by": by, "submitted_at": when})

    # Comebacks follow the workshop's quality as a count, not a coin per car, so that six
    # months of ten repair orders show the slide instead of a run of luck.
    expected = 10 * (0.01 + 0.3 * (1 - q) ** 2)
    comebacks = int(expected) + (rng.random() < expected - int(expected))
    for number in range(10):
        when = _when(rng, month)
        by = rng.choice(advisors)
        sold = round(rng.uniform(0.8, 4.0), 1)
        add(
            REPAIR_ORDER,
            {
                "ro_number": f"RO-{prefix}-{month.replace('-', '')}-{number + 1:03d}",
                "vin": _vin(rng),
                "mileage": rng.randint(3000, 120000),
                "received_at": when.isoformat(),
                "concern": demo_text(*rng.choice(CONCERNS)),
                "estimate": round(sold * 380 + rng.uniform(0, 900), 2),
                "promised_at": (when + timedelta(hours=6)).isoformat(),
                "completed_at": (when + timedelta(hours=6) + _lateness(site, month, number, q)).isoformat(),
                "parts_types": ["original"],
                "customer_signed": True,
                "customer_updated": rng.random() < 0.6 + 0.4 * q,
                "final_check": True,
                "comeback": number < comebacks,
                "hours_sold": sold,
                "hours_clocked": round(sold / (0.72 + 0.5 * q + rng.gauss(0, 0.05)), 1),
            },
            by,
            when,
        )
        if number < 6:
            answered = when + timedelta(hours=5)
            mean = 6.0 + 3.6 * q
            add(
                CSI,
                {
                    "ro_number": f"RO-{prefix}-{month.replace('-', '')}-{number + 1:03d}",
                    **{
                        factor: _rating(rng, mean + shift, 1, 10)
                        for factor, shift in (
                            ("initiation", 0.3),
                            ("advisor", 0.2),
                            ("facility", 0.5),
                            ("pickup", -0.2),
                            ("service_quality", -0.1),
                        )
                    },
                },
                by,
                answered,
            )
    for _survey in range(2):
        when = _when(rng, month, 24)
        # Expectations stay high; what customers perceive follows the workshop's quality.
        answers = {f"e{n}": _rating(rng, 6.2, 1, 7) for n in range(1, 23)}
        answers |= {
            f"p{n}": _rating(rng, 4.6 + 2.0 * q - (0.5 if 10 <= n <= 13 and site.rank else 0), 1, 7)
            for n in range(1, 23)
        }
        add(SERVQUAL, {"respondent": rng.choice(CUSTOMERS), **answers}, rng.choice(advisors), when)
    for number in range(1 + (rng.random() < 0.5)):
        received = _when(rng, month, 15)
        category, *description = rng.choice(COMPLAINTS)
        complaint_id = f"C-{prefix}-{month.replace('-', '')}-{number + 1:02d}"
        base = {
            "complaint_id": complaint_id,
            "received_on": received.date().isoformat(),
            "channel": rng.choice(("phone", "in_person", "web", "hotline")),
            "category": category,
            "severity": rng.choice(("low", "low", "medium")),
            "customer": rng.choice(CUSTOMERS),
            "description": demo_text(*description),
            "owner": heads,
        }
        add(COMPLAINT, {**base, "entry": "new", "status": "open", "received_at": received.isoformat()}, heads, received)
        days = max(1, round(rng.gauss(2.5 + 9 * (1 - q), 1.5)))
        closed = received + timedelta(days=min(days, 12))
        # The first call to the customer, recorded when it was made (before the complaint is closed).
        wait = min(_contact_delay(site, month, number, q, index), closed - received - timedelta(hours=1))
        contacted = received + wait
        add(
            COMPLAINT,
            {**base, "entry": "update", "status": "open", "acknowledged_at": contacted.isoformat()},
            heads,
            contacted,
        )
        add(
            COMPLAINT,
            {
                **base,
                "entry": "update",
                "status": "closed",
                "closed_on": closed.date().isoformat(),
                "root_cause": demo_text("Explained to the customer and corrected.", "已向客户解释并整改。"),
                "action": demo_text("Advisor briefed; follow-up call made.", "已提醒服务顾问，并完成电话回访。"),
                "customer_satisfied": days < 8,
            },
            heads,
            closed,
        )
    if index == len(site.months) - 1 and site.rank == 1:
        # Last month a customer's brakes failed again after a repair: a high-severity complaint.
        received = _when(rng, month, 20)
        add(
            COMPLAINT,
            {
                "complaint_id": f"C-{prefix}-{month.replace('-', '')}-90",
                "entry": "new",
                "received_on": received.date().isoformat(),
                "channel": "hotline",
                "category": "repair_quality",
                "severity": "high",
                "customer": "周先生",
                "vin": "LFV3A28K9M3012345",
                "owner": heads,
                "status": "open",
                "description": demo_text(
                    "Brake pedal went soft on the ring road two days after the brake service; "
                    "the customer stopped safely and had the car towed in.",
                    "刹车保养两天后，在环路上刹车踏板发软，客户安全停车后叫拖车拖回店里。",
                ),
                "remedy_sought": demo_text(
                    "Full inspection, written explanation, compensation for the tow.",
                    "全面检查车辆，给出书面说明，并赔偿拖车费。",
                ),
                "received_at": received.isoformat(),
                "acknowledged_at": (received + timedelta(hours=3)).isoformat(),
            },
            heads,
            received,
        )
    if index == len(site.months) - 1:
        batch += _open_complaints(site, month, prefix, heads)
    return batch


def _contact_delay(site, month: str, number: int, q: float, index: int) -> timedelta:
    """How long a complainant waited for a first call. Drawn from its own generator, so the month's
    other records stay as they were; the weaker the month, the more wait over 24 hours. Last month
    Beijing called everyone in time and Shanghai missed its first complaint."""
    rng = demo_random("aftersales-acknowledgement", site, f"{month}-{number}")
    last = index == len(site.months) - 1
    late = (site.rank == 1 and number == 0) if last else rng.random() < 0.03 + 0.9 * (1 - q) ** 2
    if late:
        return timedelta(hours=rng.randint(26, 60), minutes=rng.randint(0, 59))
    return timedelta(hours=rng.randint(0, 20), minutes=rng.randint(5, 59))


def _open_complaints(site, month: str, prefix: str, heads: str) -> list[dict]:
    """Last month's complaints still open, for the ageing panel: in Beijing a part on back order
    with a closing date agreed with the customer; in Shanghai one made on the public page that
    nobody has called back yet, past its week."""
    received = local_time(int(month[:4]), int(month[5:]), 18, 10, 20)
    complaint = {
        "complaint_id": f"C-{prefix}-{month.replace('-', '')}-80",
        "entry": "new",
        "received_on": received.date().isoformat(),
        "status": "open",
    }
    if site.rank == 0:
        complaint |= {
            "received_at": received.isoformat(),
            "channel": "phone",
            "category": "parts",
            "severity": "low",
            "customer": "刘女士",
            "description": demo_text(*COMPLAINTS[4][1:]),
            "owner": heads,
            "acknowledged_at": (received + timedelta(hours=1)).isoformat(),
            "agreed_close_by": (received + timedelta(days=30)).date().isoformat(),
        }
    else:
        # As the public page registers it: the day only, a fixed severity, nobody assigned.
        complaint |= {
            "channel": "web",
            "category": "attitude",
            "severity": "medium",
            "customer": "吴女士",
            "description": demo_text(*COMPLAINTS[3][1:]),
            "owner": "待分派",
        }
    return [
        {"form_key": COMPLAINT, "data": complaint, "site": site.code, "submitted_by": heads, "submitted_at": received}
    ]


def _lateness(site, month: str, number: int, q: float) -> timedelta:
    """How much later than promised a repair order's car was ready (negative: early). Drawn from its
    own generator, so the month's other records stay as they were; the weaker the month, the more
    cars are late."""
    rng = demo_random("aftersales-completion", site, f"{month}-{number}")
    if rng.random() < 0.02 + 0.3 * (1 - q):
        return timedelta(minutes=rng.randint(20, 240))
    return -timedelta(minutes=rng.randint(0, 90))


SANBAO_FAULTS = (
    ("Infotainment screen freezes", "中控屏死机"),
    ("Window regulator noise", "车窗升降异响"),
    ("Air conditioning weak", "空调制冷弱"),
    ("Door seal wind noise", "门密封条风噪"),
    ("Parking sensor false alarm", "倒车雷达误报"),
    ("Wiper judder", "雨刮抖动"),
)


def _sanbao_history(site) -> list[dict]:
    """三包 case files opened and updated month by month, so that the open-case metrics have a value
    every month: at least one case is open at every month's end, and the weaker site opens more.
    Each update repeats the case's repairs so far; no repair comes near a trigger, so none of these
    cases shows on the dashboard."""
    cases: list[dict] = []
    batch = []

    def update(case, year, number, rng):
        case["months"] -= 1
        day = date(year, number, rng.randint(11, 26))
        fault = SANBAO_FAULTS[len(case["repairs"]) % len(SANBAO_FAULTS)]
        case["repairs"].append(
            {
                "date_in": (day - timedelta(days=2)).isoformat(),
                "days_off_road": rng.randint(1, 3),
                "mileage": 8000 + 1500 * len(case["repairs"]),
                "fault": demo_text(*fault),
                "system": "electrical",
                "loan_car": False,
            }
        )
        batch.append(
            {
                "form_key": SANBAO,
                "site": site.code,
                "submitted_by": site.heads["AFTERSALES"],
                "submitted_at": local_time(year, number, day.day, 16),
                "data": {
                    "case_number": case["case_number"],
                    "vin": case["vin"],
                    "customer": case["customer"],
                    "purchase_date": case["purchase_date"],
                    "record_date": day.isoformat(),
                    "mileage": 8000 + 1500 * len(case["repairs"]),
                    "repairs": list(case["repairs"]),
                    "status": "open" if case["months"] > 0 else "closed",
                },
            }
        )

    for month in site.months:
        rng = demo_random("aftersales-sanbao", site, month)
        year, number = int(month[:4]), int(month[5:])
        for case in [case for case in cases if case["months"] > 0]:
            update(case, year, number, rng)
        if rng.random() < (0.3 if site.rank == 0 else 0.5) or not any(case["months"] > 0 for case in cases):
            case = {
                "case_number": f"SB-{site.code}-{month.replace('-', '')}",
                "vin": "LFV2B25G" + "".join(rng.choice(VIN_CHARS) for _ in range(9)),
                "customer": rng.choice(CUSTOMERS),
                "purchase_date": (date(year, number, 1) - timedelta(days=rng.randint(120, 500))).isoformat(),
                # Updated in this month and the next one to three, closed at the last update.
                "months": rng.randint(2, 4),
                "repairs": [],
            }
            cases.append(case)
            update(case, year, number, rng)
    return batch


def _recent_cases(site) -> list[dict]:
    """An open 三包 case in its last update, near its triggers at the weaker site."""
    if site.rank == 0:
        return []
    month = site.months[-1]
    last = date(int(month[:4]), int(month[5:]), 20)
    purchase = last - timedelta(days=300)
    repairs = []
    for n, (days_ago, off_road) in enumerate(((200, 6), (120, 8), (40, 9))):
        day_in = last - timedelta(days=days_ago)
        repairs.append(
            {
                "date_in": day_in.isoformat(),
                "date_out": (day_in + timedelta(days=off_road)).isoformat(),
                "days_off_road": off_road,
                "mileage": 6000 + 3500 * n,
                "fault": demo_text("Transmission judders when pulling away", "起步时变速箱抖动"),
                "system": "transmission",
                "serious_safety": False,
                "main_part_replaced": False,
                "loan_car": True,
                "parts": demo_text("Valve body, fluid", "阀体、变速箱油"),
            }
        )
    return [
        {
            "form_key": SANBAO,
            "site": site.code,
            "submitted_by": site.heads["AFTERSALES"],
            "submitted_at": local_time(last.year, last.month, last.day, 15),
            "data": {
                "case_number": f"SB-{site.code}-{month[:4]}-003",
                "vin": "LFV2B25G8L5098765",
                "customer": "孙女士",
                "purchase_date": purchase.isoformat(),
                "record_date": last.isoformat(),
                "mileage": 13500,
                "repairs": repairs,
                "status": "open",
                "notes": demo_text(
                    "Third repair of the same judder; the customer asks about replacement.",
                    "同一抖动问题第三次维修，客户询问能否换车。",
                ),
            },
        }
    ]
