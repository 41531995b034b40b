"""Two years of showroom records at each demo dealership, for ``init --demo``.

Leads, test-drive agreements, delivery checklists and satisfaction surveys,
shaped so that the computed metrics tell a story: the Beijing showroom is
steady and slowly improving; Shanghai was close to target and has slipped
since its most experienced consultant left (slower responses, fewer test
drives, a lower SSI and NPS in the last months). Busy in autumn, quiet
around the Chinese New Year.

The records name their consultant as the web forms do, by the person's display name, so
that the figures per consultant find the demo's sales people; and the head of sales of each
site has appraised one consultant over the last complete quarter.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from core.plugins import (
    add_months,
    demo_random,
    demo_sites,
    demo_text,
    department_people,
    local_time,
    period_of,
    submissions_between,
    submissions_in_period,
    submit_forms,
)
from plugins.sales.consultants import figures_of, quarter_of
from plugins.sales.definitions import APPRAISAL, AREA, DELIVERY, LEAD_LOG, SURVEY, TEST_DRIVE

# Each in English and as a Chinese showroom writes it (demo_text picks the demo's language).
MODELS = (
    ("Camry 2.0 Hybrid", "凯美瑞 2.0 双擎"),
    ("RAV4 Hybrid", "荣放双擎"),
    ("bZ4X", "bZ4X"),
    ("Corolla Cross", "卡罗拉锐放"),
    ("Highlander", "汉兰达"),
    ("Sienna", "赛那"),
)
INSURERS = (("PICC", "人保财险"), ("Ping An", "平安保险"), ("CPIC", "太平洋保险"))
PDI_DEFECTS = (
    ("Paint chip on the tailgate, touched up before handover.", "尾门漆面有小崩点，交车前已补漆。"),
    ("Infotainment firmware out of date; updated at PDI.", "车机系统版本过旧，PDI时已升级。"),
)
SOURCES = ("walk_in", "walk_in", "walk_in", "walk_in", "walk_in", "phone", "website", "platform", "referral", "event")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超", "霞")
# 销管办法 Art.16 for a vehicle made in China (the invoice is Art.15's, recorded apart).
DOCUMENTS = [
    "conformity_certificate",
    "consistency_certificate",
    "owner_manual",
    "warranty_manual",
    "sanbao_certificate",
]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def populate() -> int:
    added = 0
    for site in demo_sites():
        if submissions_in_period(LEAD_LOG, site, site.months[0]):
            continue
        names = {person.login: person.display_name for person in department_people(AREA, site.code)}
        for index, month in enumerate(site.months):
            added += _month(demo_random("sales", site, month), site, index, month, names)
        added += _appraisal(site, names)
    return added


def quality(site, index: int, month: str) -> float:
    """How well the showroom works that month, about 0 (poor) to 1 (excellent)."""
    if site.rank == 0:
        level = 0.78 + 0.12 * index / 23
    else:
        level = 0.62 - (0.3 * (index - 17) / 6 if index > 17 else 0.0)
    return level - 0.08 * math.cos(2 * math.pi * (int(month[5:]) - 2) / 12)


def _when(rng, month: str) -> datetime:
    """Showroom hours on a day of ``month``, the dealership's time."""
    return local_time(int(month[:4]), int(month[5:]), rng.randint(1, 28), rng.randint(9, 19), rng.randint(0, 59))


def _name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def _vin(rng) -> str:
    return "LVG" + "".join(rng.choice(VIN_CHARS) for _ in range(14))


def _rating(rng, mean: float, low: int = 1, high: int = 10, spread: float = 1.0) -> int:
    return max(low, min(high, round(rng.gauss(mean, spread))))


def _month(rng, site, index: int, month: str, names: dict[str, str]) -> int:
    q = quality(site, index, month)
    consultants = site.logins["SALES"]
    busy = 1 + 0.25 * math.cos(2 * math.pi * (int(month[5:]) - 10) / 12)
    batch = []

    def add(form_key, data, by, when):
        batch.append({"form_key": form_key, "data": data, "site": site.code, "submitted_by": by, "submitted_at": when})

    for lead in range(round(9 * busy)):
        when = _when(rng, month)
        by = rng.choice(consultants)
        # Two walk-ins a month at least, so the test-drive ratio has visitors to count every month.
        source = "walk_in" if lead < 2 else rng.choice(SOURCES)
        # Most test drives start from a showroom visit.
        drove = rng.random() < (0.3 + 0.5 * q if source == "walk_in" else 0.15)
        # Minutes to first response: a walk-in is greeted at once, remote leads wait.
        minutes = rng.randint(1, 4) if source == "walk_in" else max(1, round(rng.expovariate(1 / (2 + 14 * (1 - q)))))
        add(
            LEAD_LOG,
            {
                "received_at": when.isoformat(),
                "source": source,
                "customer_name": _name(rng),
                "customer_phone": f"13{rng.randint(100000000, 999999999)}",
                "consultant": names.get(by, by),
                "model": demo_text(*rng.choice(MODELS)),
                "response_minutes": minutes,
                "test_drive": drove,
                "privacy_notice": True,
                "marketing_consent": rng.random() < 0.6,
            },
            by,
            when,
        )
        if drove and rng.random() < 0.3:
            out = when + timedelta(minutes=20)
            add(
                TEST_DRIVE,
                {
                    "customer_name": _name(rng),
                    "licence_number": str(rng.randint(110000, 659999) * 10**12 + rng.randint(10**11, 10**12 - 1)),
                    "licence_copied": True,
                    "insurer": demo_text(*rng.choice(INSURERS)),
                    "vin": _vin(rng),
                    "route": rng.choice(("urban", "highway", "agreed")),
                    "time_out": out.isoformat(),
                    "odometer_out": rng.randint(200, 9000),
                    "time_in": (out + timedelta(minutes=35)).isoformat(),
                    "customer_signed": True,
                    "consultant": names.get(by, by),
                },
                by,
                out,
            )
    for delivery in range(round(7 * busy)):
        when = _when(rng, month)
        by = rng.choice(consultants)
        defects = rng.random() < 0.01 + 0.12 * (1 - q) ** 2
        vin = _vin(rng)
        data = {
            "vin": vin,
            # 3 to 22 days from the contract, from the VIN rather than the generator: the other
            # records of the month stay as they were.
            "order_date": (when - timedelta(days=3 + sum(map(ord, vin)) % 20)).date().isoformat(),
            "delivery_date": when.date().isoformat(),
            "consultant": names.get(by, by),
            "pdi_signed_off": True,
            "pdi_defects_found": defects,
            "origin": "domestic",
            "documents": DOCUMENTS,
            "invoice_issued": True,
            "configuration_matches": True,
            "feature_walkthrough": True,
            "sanbao_explained": True,
            "first_service_booked": rng.random() < 0.7,
            "customer_signed": True,
        }
        if defects:
            data["pdi_defects"] = demo_text(*rng.choice(PDI_DEFECTS))
        if data["first_service_booked"]:
            data["first_service_date"] = (when + timedelta(days=180)).date().isoformat()
        add(DELIVERY, data, by, when)
        # About four buyers in five answer the survey a few days after delivery, and three
        # a month at least (by construction: SSI and NPS have answers in every month).
        if delivery < 3 or rng.random() < 0.8:
            answered = when + timedelta(days=3)
            if period_of(answered) != month:
                answered = when + timedelta(hours=3)
            mean = 6.6 + 3.0 * q
            survey = {
                factor: _rating(rng, mean + shift)
                for factor, shift in (
                    ("salesperson", 0.3),
                    ("delivery", 0.1),
                    ("deal", -0.4),
                    ("paperwork", -0.2),
                    ("facility", 0.4),
                )
            }
            if rng.random() < 0.4:
                survey["website"] = _rating(rng, mean - 0.5)
            # The steady showroom's promoters are steady too: five answers cannot tip its NPS into red.
            spread = 0.6 if site.rank == 0 else 1.0
            survey.update(
                delivery_date=when.date().isoformat(),
                consultant=names.get(by, by),
                recommend=_rating(rng, 4.0 + 6.0 * q, 0, 10, spread=spread),
            )
            add(SURVEY, survey, by, answered)
    submit_forms(batch)
    return len(batch)


def _appraisal(site, names: dict[str, str]) -> int:
    """The head of sales' appraisal of the site's first consultant over the last complete quarter,
    with the figures the page per consultant shows copied in (seed §1.1.12's five steps)."""
    login, head = site.logins["SALES"][0], site.heads.get("SALES")
    if head is None:
        return 0
    last = site.months[-1]
    # The quarter that ends with the last demo month, or the one before it.
    end = last if int(last[5:]) % 3 == 0 else add_months(last, -(int(last[5:]) % 3))
    first = add_months(end, -2)
    name = names.get(login, login)
    rows = {kind: submissions_between(form, site, first, end) for kind, form in _APPRAISED}
    mine = {kind: [r for r in records if r.get("consultant") == name] for kind, records in rows.items()}
    figures = figures_of(name, **mine)
    strong = site.rank == 0
    on = local_time(int(end[:4]), int(end[5:]), 28, 16)
    data = {
        "consultant": name,
        "period": quarter_of(end),
        "appraiser": names.get(head, head),
        "purpose": demo_text("Quarterly appraisal.", "季度绩效评估。"),
        "method": "combined",
        "units_sold": figures.deliveries,
        "units_target": figures.deliveries + (0 if strong else 3),
        "sources": ["sales_reports", "customer_feedback", "colleagues"],
        "sales_skills": 4 if strong else 3,
        "market_analysis": 3,
        "teamwork": 4,
        "work_attitude": 5 if strong else 3,
        "dedication": 4 if strong else 3,
        "team_spirit": 4,
        "overall": "meets" if strong else "partly",
        "strengths": demo_text("Warm reception; buyers name them in the survey.", "接待热情，客户在问卷中点名表扬。"),
        "feedback_on": f"{end}-28",
        "suggestions": demo_text("Offer a test drive to every showroom visitor.", "为每位到店客户主动提供试驾。"),
        "consultant_comment": demo_text(
            "Agreed; I will ask the lead desk to page me.", "同意，我会请线索专员及时提醒我。"
        ),
        "acknowledged": True,
        "actions": demo_text(
            "Answer web leads within five minutes; review weekly with the head of sales.",
            "网络线索五分钟内响应；每周与销售经理复盘。",
        ),
        "next_review_on": f"{add_months(end, 3)}-28",
    }
    if not strong:
        data["to_improve"] = demo_text("Web leads wait too long for a first answer.", "网络线索的首次响应太慢。")
    for key, value in (("conversion", figures.conversion), ("ssi", figures.ssi)):
        if value is not None:
            data[key] = value
    data["ssi_answers"] = figures.answers
    submit_forms([{"form_key": APPRAISAL, "data": data, "site": site.code, "submitted_by": head, "submitted_at": on}])
    return 1


_APPRAISED = (("leads", LEAD_LOG), ("deliveries", DELIVERY), ("answers", SURVEY))
