"""The risk register and consent records of each demo dealership, for ``init --demo``.

Each site registered its risks two years ago and reassessed them eight
months ago; Shanghai has let three reviews lapse and Beijing one, so the
dashboard flags them.
Consent records arrive every month with new customers.
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

REGISTER, CONSENT = "risk.register_entry", "risk.consent_record"
# The month (of the 24) of the latest reassessment, whose reviews fall due a year later.
REASSESSED = 16
# risk id suffix, risk, category, likelihood, impact, controls, treatment; the texts in English and as a
# Chinese dealership writes them (demo_text picks one)
RISKS = (
    (
        "01",
        ("Customer personal data leaked from the DMS or CRM", "客户个人信息从DMS或CRM系统泄露"),
        "personal_data",
        3,
        5,
        ("Role-based access, quarterly access review, encrypted backups", "按岗位分配权限，每季度复核权限，备份加密"),
        "reduce",
    ),
    (
        "02",
        (
            "Manufacturer volume targets force pre-registration of unsold cars",
            "厂家销量任务压力下，未售车辆被迫提前上牌",
        ),
        "contract",
        4,
        3,
        (
            "Monthly stock review with the manufacturer; written target agreement",
            "每月与厂家核对库存；销量任务书面确认",
        ),
        "reduce",
    ),
    (
        "03",
        ("Price war with the competing dealer across the ring road", "与环路对面的竞品经销店打价格战"),
        "competition",
        4,
        4,
        ("Weekly price watch; service bundles instead of discounts", "每周监测竞品价格；用服务套餐代替直接降价"),
        "reduce",
    ),
    (
        "04",
        ("Invoice amounts differ from contract (VAT exposure)", "发票金额与合同不一致（增值税风险）"),
        "tax",
        2,
        4,
        ("Finance checks every invoice against the contract before release", "财务开票前逐张与合同核对"),
        "reduce",
    ),
    (
        "05",
        ("三包 replacement or refund claim lost in arbitration", "三包换车或退车争议在仲裁中败诉"),
        "product",
        2,
        4,
        (
            "三包 case file with triggers; head of after-sales reviews open cases weekly",
            "三包案件建档并标明触发条件；售后经理每周复核未结案件",
        ),
        "reduce",
    ),
    (
        "06",
        ("Marketing material uses a brand logo without licence", "宣传物料未经授权使用品牌标识"),
        "ip",
        2,
        2,
        ("Legal review of every campaign plan", "每个活动方案都经法务审核"),
        "avoid",
    ),
    (
        "07",
        ("New-energy vehicle subsidy rules change mid-year", "新能源汽车补贴政策年中调整"),
        "regulatory",
        3,
        3,
        ("Subscribe to MIIT notices; quote prices net of subsidy", "关注工信部通知；报价按扣除补贴后的价格"),
        "accept",
    ),
    (
        "08",
        ("Demand for petrol models falls faster than stock", "燃油车需求下滑快于库存消化"),
        "demand",
        4,
        3,
        ("Order mix reviewed monthly; hybrid share raised", "每月复核订车结构；提高混动车型占比"),
        "reduce",
    ),
)


def populate() -> int:
    added = 0
    for site in demo_sites():
        if submissions_in_period(CONSENT, site, site.months[0]):
            continue
        for index, month in enumerate(site.months):
            added += len(submit_forms(_month(demo_random("risk", site, month), site, index, month)))
    return added


def _entry(site, risk, year: int, month: int, review: date, rng) -> dict:
    suffix, text, category, likelihood, impact, controls, treatment = risk
    # Controls bring most risks down a notch over time; a few stay where they were.
    likelihood = max(1, likelihood - (rng.random() < 0.4))
    return {
        "form_key": REGISTER,
        "site": site.code,
        "submitted_by": site.heads["RISK"],
        "submitted_at": local_time(year, month, 10, 11),
        "data": {
            "risk_id": f"R-{site.code}-{suffix}",
            "risk": demo_text(*text),
            "category": category,
            "likelihood": likelihood,
            "impact": impact,
            "owner": site.heads["RISK"],
            "controls": demo_text(*controls),
            "treatment": treatment,
            "residual_likelihood": max(1, likelihood - 1),
            "residual_impact": impact,
            "review_date": review.isoformat(),
            "status": "open",
        },
    }


def _month(rng, site, index: int, month: str) -> list[dict]:
    year, number = int(month[:4]), int(month[5:])
    batch = []
    if index in (0, REASSESSED):
        for position, risk in enumerate(RISKS):
            review = date(year + 1, number, 10)
            # Three of Shanghai's second-year reviews (one of Beijing's) were set for earlier and not done.
            if index == REASSESSED and position in ((0, 2, 4) if site.rank else (6,)):
                review = date(year, number, 10) + timedelta(days=90 + 15 * position)
            batch.append(_entry(site, risk, year, number, review, rng))
    for _ in range(2):
        sensitive = rng.random() < 0.15
        given = local_time(year, number, rng.randint(1, 28), rng.randint(9, 18))
        data = {
            "customer": rng.choice(("王先生", "李女士", "张先生", "刘女士", "陈先生", "杨女士")),
            "notice_given": True,
            "notice_version": "2024-01",
            "purposes": rng.sample(["sales_contact", "service_reminders", "marketing", "finance"], 2),
            "sensitive": sensitive,
            "channel": rng.choice(("paper", "showroom_tablet", "app")),
            "given_at": given.isoformat(),
            "third_party_consent": False,
        }
        if sensitive:
            data["separate_consent"] = True
            data["sensitive_kinds"] = ["financial_accounts"]
        if "finance" in data["purposes"]:
            # The finance company is another processor: its own separate consent (PIPL Art.23).
            data["third_party_consent"] = True
            data["recipients"] = demo_text("Brand finance company, 400 hotline", "品牌汽车金融公司，400 客服热线")
            data["transfer_purpose"] = demo_text(
                "Credit check for the loan: name, ID number, income", "贷款征信审核：姓名、身份证号、收入"
            )
        batch.append(
            {
                "form_key": CONSENT,
                "site": site.code,
                "submitted_by": site.logins["SALES"][0],
                "submitted_at": given,
                "data": data,
            }
        )
    return batch
