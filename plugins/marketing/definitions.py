"""What the marketing plugin contributes: a checklist, metrics and the campaign forms.

References stay untranslated so that they can be looked up as written: 销管办法 is
汽车销售管理办法 (2017), 广告法 is 中华人民共和国广告法, PIPL is 个人信息保护法.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.plugins import Checklist, Field, Form, Metric, Question

AREA = "MARKETING"
PLAN = "marketing.campaign_plan"
EVALUATION = "marketing.campaign_evaluation"

CHANNELS = (
    ("website", _l("Dealer website")),
    ("platform", _l("Third-party car platform")),
    ("social", _l("Social media")),
    ("search", _l("Search advertising")),
    ("outdoor", _l("Print and outdoor")),
    ("event", _l("Event or roadshow")),
    ("direct", _l("Text, e-mail or WeChat messages to consenting customers")),
    ("referral", _l("Referral programme")),
)


def checklists() -> list[Checklist]:
    return [
        Checklist(
            key="marketing.promotions",
            # Version 2: the 广告法 Art.43 question.
            version=2,
            area=AREA,
            title=_l("Marketing and promotions"),
            description=_l("From market analysis to the post-campaign review: planned, lawful, measured."),
            questions=[
                Question(
                    key="market-analysis",
                    reference="ISO 9001 4.1, 4.2; seed ch. 9 §1",
                    text=_l("Is each campaign based on a documented market analysis and a defined target segment?"),
                    guidance=_l(
                        "Ask for the analysis behind the last two campaigns: demand, competitors' "
                        "offers and prices, the segment chosen and why."
                    ),
                ),
                Question(
                    key="objectives",
                    reference="ISO 9001 6.2; seed ch. 9 §2",
                    text=_l("Are measurable objectives (leads, sales, cost per sale) set before launch?"),
                    guidance=_l(
                        "Compare campaign plans with their launch dates: objectives with numbers, "
                        "budget and KPIs approved before the first advertisement."
                    ),
                ),
                Question(
                    key="prices-match",
                    reference="销管办法 Art.10",
                    text=_l(
                        "Do promotional prices match the prices displayed in the showroom, with no hidden charges?"
                    ),
                    guidance=_l(
                        "Compare two current advertisements with the showroom price signs and two "
                        "invoices of buyers who came through the campaign."
                    ),
                ),
                Question(
                    key="no-tying",
                    reference="销管办法 Art.14",
                    text=_l(
                        "Are offers free of conditions tying them to the dealer's own finance, insurance "
                        "or accessories?"
                    ),
                    guidance=_l(
                        "Read the offer terms in the advertisement and the plan; ask a consultant what "
                        "a buyer who pays cash and insures elsewhere gets."
                    ),
                ),
                Question(
                    key="advertising-law",
                    reference="广告法 Art.4, Art.9, Art.28",
                    text=_l(
                        "Are advertising claims checked before publication: true, provable, no absolute "
                        "terms such as 'best' or 'number one'?"
                    ),
                    guidance=_l(
                        "Find the legal review record in each plan and the evidence kept for claims "
                        "about fuel use, range, prices and rankings."
                    ),
                ),
                Question(
                    key="electronic-ads",
                    reference="广告法 Art.43",
                    text=_l(
                        "Are advertisements sent by text, e-mail or WeChat message only to people who agreed "
                        "to or asked for them, showing the sender's true identity and contact and a way to "
                        "refuse further messages?"
                    ),
                    guidance=_l(
                        "Take the last message campaign: its plan must confirm the recipients' consent and "
                        "give the sender's identity and the opt-out; compare with a message actually sent "
                        "and try the opt-out."
                    ),
                ),
                Question(
                    key="consent",
                    reference="PIPL Art.13, Art.14, Art.24",
                    text=_l(
                        "Do marketing calls and messages go only to people who consented, with an easy way to opt out?"
                    ),
                    guidance=_l(
                        "Trace ten recipients of the last message campaign to their consent record; "
                        "check that the message says how to stop receiving them."
                    ),
                ),
                Question(
                    key="lead-source",
                    reference="ISO 9001 9.1.3",
                    text=_l("Are leads tagged by source, and is the cost per sale reviewed by source?"),
                    guidance=_l(
                        "Look at the lead log's source field and the latest evaluation's cost per "
                        "sale by channel; ask what was changed because of it."
                    ),
                ),
                Question(
                    key="workshop-capacity",
                    reference="ISO 9001 8.2.3, 8.1",
                    text=_l(
                        "Before a service campaign, is workshop and parts capacity checked for the expected demand?"
                    ),
                    guidance=_l(
                        "Check the capacity note in the plans of service campaigns and waiting times "
                        "during the last one."
                    ),
                ),
                Question(
                    key="staff-briefed",
                    reference="seed ch. 9 §2 (execution)",
                    text=_l(
                        "Are sales and service staff briefed on the offer and its terms before launch, "
                        "so that every promised benefit is honoured?"
                    ),
                    guidance=_l(
                        "Ask two consultants and a service advisor to explain the current offer; compare with the plan."
                    ),
                ),
                Question(
                    key="contingency",
                    reference="seed ch. 9 §2 (planning)",
                    text=_l(
                        "Does each campaign plan say what is done if stock, capacity or demand differ "
                        "from the forecast?"
                    ),
                    guidance=_l("Read the contingency section of the last three plans."),
                ),
                Question(
                    key="post-campaign-review",
                    reference="ISO 9001 9.1.3; seed ch. 9 §3",
                    text=_l(
                        "Is every campaign evaluated afterwards (sales, cost, ROI, satisfaction, share) "
                        "and the lessons used in the next plan?"
                    ),
                    guidance=_l("Match campaign plans with evaluations; look for lessons quoted in later plans."),
                ),
            ],
        )
    ]


def metrics() -> list[Metric]:
    return [
        Metric(
            key="marketing.sales_lift",
            area=AREA,
            computed=True,
            inputs=(EVALUATION,),
            unit="%",
            direction="higher",
            target=15,
            warning=5,
            name=_l("Campaign sales lift"),
            formula=_l(
                "(Units sold during the campaigns minus baseline units) divided by baseline units, "
                "in per cent, over the campaign evaluations of the month."
            ),
        ),
        Metric(
            key="marketing.cost_per_lead",
            area=AREA,
            computed=True,
            inputs=(EVALUATION,),
            unit=_l("CNY"),
            direction="lower",
            target=300,
            warning=500,
            name=_l("Cost per lead"),
            formula=_l(
                "Campaign spend divided by the leads the campaigns brought, over the campaign evaluations of the month."
            ),
        ),
        Metric(
            key="marketing.cost_per_sale",
            area=AREA,
            computed=True,
            inputs=(EVALUATION,),
            unit=_l("CNY"),
            direction="lower",
            target=3000,
            warning=5000,
            name=_l("Cost per sale"),
            formula=_l(
                "Campaign spend divided by the sales attributed to the campaigns' channels; the "
                "dashboard shows it by lead source."
            ),
        ),
        Metric(
            key="marketing.roi",
            area=AREA,
            computed=True,
            inputs=(EVALUATION,),
            unit="%",
            direction="higher",
            target=100,
            warning=0,
            name=_l("Campaign return on investment"),
            formula=_l("(Incremental gross profit minus campaign spend) divided by campaign spend, in per cent."),
        ),
        Metric(
            key="marketing.market_share",
            area=AREA,
            unit="%",
            direction="higher",
            target=10,
            warning=8,
            period="quarter",
            name=_l("Market share"),
            formula=_l(
                "The dealer's registrations divided by all registrations of the brand's segment in "
                "its area, in per cent."
            ),
            description=_l("Entered each quarter from registration statistics."),
        ),
    ]


def forms() -> list[Form]:
    return [
        Form(
            key=PLAN,
            area=AREA,
            title=_l("Campaign plan"),
            description=_l("Approved before launch; the legal review comes before any advertisement is published."),
            # Version 2: a plan that advertises by text, e-mail or WeChat message states what
            # 广告法 Art.43 requires of electronic advertising.
            version=2,
            fields=[
                Field(key="campaign", label=_l("Campaign name"), required=True),
                Field(
                    key="kind",
                    label=_l("Kind of campaign"),
                    type="select",
                    required=True,
                    choices=[
                        ("vehicle_sales", _l("Vehicle sales")),
                        ("service", _l("Service campaign")),
                        ("brand", _l("Brand awareness")),
                        ("event", _l("Event")),
                    ],
                ),
                Field(key="objective", label=_l("Objective"), type="textarea", required=True),
                Field(key="segment", label=_l("Target segment"), required=True),
                Field(key="offer", label=_l("Offer and its terms"), type="textarea", required=True),
                Field(key="channels", label=_l("Channels"), type="multiselect", required=True, choices=CHANNELS),
                # 广告法 Art.43: no advertisement by electronic message without the recipient's consent
                # or request; each message shows the sender's true identity and contact and a way to refuse.
                Field(
                    key="message_consent",
                    label=_l("Recipients of the messages"),
                    type="select",
                    required=True,
                    visible_when=("channels", "direct"),
                    choices=[
                        (
                            "confirmed",
                            _l("Only people who agreed to or asked for these messages (广告法 Art.43)"),
                        )
                    ],
                    help=_l("Advertising by text, e-mail or WeChat message needs the recipient's consent or request."),
                ),
                Field(
                    key="sender_identity",
                    label=_l("Sender's true identity and contact shown in each message"),
                    required=True,
                    visible_when=("channels", "direct"),
                    help=_l("e.g. the dealership's registered name and its service telephone (广告法 Art.43)."),
                ),
                Field(
                    key="opt_out",
                    label=_l("How a recipient refuses further messages"),
                    required=True,
                    visible_when=("channels", "direct"),
                    help=_l("e.g. reply TD, an unsubscribe link, a WeChat setting (广告法 Art.43)."),
                ),
                Field(key="start_date", label=_l("Start date"), type="date", required=True),
                Field(key="end_date", label=_l("End date"), type="date", required=True),
                Field(key="budget", label=_l("Budget (CNY)"), type="decimal", required=True, min=0),
                Field(key="target_leads", label=_l("Target leads"), type="integer", required=True, min=0),
                Field(key="target_sales", label=_l("Target sales (units)"), type="integer", required=True, min=0),
                Field(
                    key="legal_review",
                    label=_l("Offer and advertisements reviewed for legal compliance"),
                    type="boolean",
                    required=True,
                    help=_l("Advertising Law, displayed prices (销管办法 Art.10), no tied products."),
                ),
                Field(
                    key="legal_reviewer", label=_l("Reviewed by"), required=True, visible_when=("legal_review", True)
                ),
                Field(
                    key="capacity_checked",
                    label=_l("Workshop and parts capacity checked"),
                    type="boolean",
                    required=True,
                    visible_when=("kind", "service"),
                ),
                Field(
                    key="contingency",
                    label=_l("Contingency plan"),
                    type="textarea",
                    help=_l("What is done if stock, capacity or demand differ from the forecast."),
                ),
            ],
        ),
        Form(
            key=EVALUATION,
            area=AREA,
            title=_l("Campaign evaluation"),
            description=_l("Completed after the campaign ends; the month's evaluations compute the marketing metrics."),
            fields=[
                Field(key="campaign", label=_l("Campaign name"), required=True),
                Field(key="start_date", label=_l("Start date"), type="date", required=True),
                Field(key="end_date", label=_l("End date"), type="date", required=True),
                Field(
                    key="channels",
                    label=_l("Results by lead source"),
                    type="group",
                    required=True,
                    min=1,
                    max=len(CHANNELS),
                    fields=[
                        Field(key="source", label=_l("Lead source"), type="select", required=True, choices=CHANNELS),
                        Field(key="spend", label=_l("Spend (CNY)"), type="decimal", required=True, min=0),
                        Field(key="leads", label=_l("Leads"), type="integer", required=True, min=0),
                        Field(key="sales", label=_l("Sales (units)"), type="integer", required=True, min=0),
                    ],
                ),
                Field(key="showroom_visits", label=_l("Showroom visits"), type="integer", min=0),
                Field(
                    key="campaign_sales",
                    label=_l("Units sold during the campaign"),
                    type="integer",
                    required=True,
                    min=0,
                ),
                Field(
                    key="baseline_sales",
                    label=_l("Baseline units"),
                    type="integer",
                    required=True,
                    min=1,
                    help=_l("Units sold in a comparable period without the campaign."),
                ),
                Field(
                    key="incremental_gross_profit",
                    label=_l("Incremental gross profit (CNY)"),
                    type="decimal",
                    required=True,
                ),
                Field(
                    key="satisfaction", label=_l("Customer satisfaction with the campaign"), type="rating", scale=(1, 5)
                ),
                Field(key="lessons", label=_l("Lessons for the next campaign"), type="textarea", required=True),
            ],
        ),
    ]
