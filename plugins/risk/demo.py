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
    local_time,
    submissions_in_period,
    submit_forms,
)

REGISTER, CONSENT = "risk.register_entry", "risk.consent_record"
# The month (of the 24) of the latest reassessment, whose reviews fall due a year later.
REASSESSED = 16
# risk id suffix, risk, category, likelihood, impact, controls, treatment
RISKS = (
    (
        "01",
        "Customer personal data leaked from the DMS or CRM",
        "personal_data",
        3,
        5,
        "Role-based access, quarterly access review, encrypted backups",
        "reduce",
    ),
    (
        "02",
        "Manufacturer volume targets force pre-registration of unsold cars",
        "contract",
        4,
        3,
        "Monthly stock review with the manufacturer; written target agreement",
        "reduce",
    ),
    (
        "03",
        "Price war with the competing dealer across the ring road",
        "competition",
        4,
        4,
        "Weekly price watch; service bundles instead of discounts",
        "reduce",
    ),
    (
        "04",
        "Invoice amounts differ from contract (VAT exposure)",
        "tax",
        2,
        4,
        "Finance checks every invoice against the contract before release",
        "reduce",
    ),
    (
        "05",
        "三包 replacement or refund claim lost in arbitration",
        "product",
        2,
        4,
        "三包 case file with triggers; head of after-sales reviews open cases weekly",
        "reduce",
    ),
    (
        "06",
        "Marketing material uses a brand logo without licence",
        "ip",
        2,
        2,
        "Legal review of every campaign plan",
        "avoid",
    ),
    (
        "07",
        "New-energy vehicle subsidy rules change mid-year",
        "regulatory",
        3,
        3,
        "Subscribe to MIIT notices; quote prices net of subsidy",
        "accept",
    ),
    (
        "08",
        "Demand for petrol models falls faster than stock",
        "demand",
        4,
        3,
        "Order mix reviewed monthly; hybrid share raised",
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
            "risk": text,
            "category": category,
            "likelihood": likelihood,
            "impact": impact,
            "owner": site.heads["RISK"],
            "controls": controls,
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
        }
        if sensitive:
            data["separate_consent"] = True
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
