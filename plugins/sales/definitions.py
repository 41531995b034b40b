"""What the sales plugin contributes: checklists, metrics and forms.

References name the clause an auditor can check the answer against: 销管办法 is
汽车销售管理办法 (2017), 三包 is 家用汽车产品修理更换退货责任规定 (2022), PIPL is
个人信息保护法. They stay untranslated so that they can be looked up as written.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.plugins import Checklist, Field, FollowUp, Form, Metric, Question, Section

AREA = "SALES"

# J.D. Power U.S. Sales Satisfaction Index 2017 factor weights; they add up to 1.
SSI_WEIGHTS = {
    "salesperson": 0.28,
    "delivery": 0.21,
    "deal": 0.18,
    "paperwork": 0.16,
    "facility": 0.13,
    "website": 0.04,
}
SSI_SCALE = (1, 10)

LEAD_LOG = "sales.lead_log"
TEST_DRIVE = "sales.test_drive_agreement"
DELIVERY = "sales.delivery_checklist"
SURVEY = "sales.satisfaction_survey"
APPRAISAL = "sales.appraisal"


def showroom_walk() -> Checklist:
    """The daily walk through the showroom before opening (source chapter 3: showroom
    standards), scheduled as a recurring check."""
    return Checklist(
        key="sales.showroom_walk",
        area=AREA,
        title=_l("Daily showroom walk"),
        description=_l("A five-minute walk through the showroom before the doors open."),
        questions=[
            Question(key="entrance", text=_l("Are the entrance, car park and signs clean and lit?")),
            Question(key="cars", text=_l("Are the display cars clean, charged or fuelled, unlocked and priced?")),
            Question(key="reception", text=_l("Is the reception desk staffed, with the visitor log open?")),
            Question(key="lounge", text=_l("Is the customer lounge tidy, with drinks and today's papers?")),
            Question(key="test-drive", text=_l("Is a test-drive car ready, with insurance papers in the car?")),
            Question(
                key="price-notices",
                reference="销管办法 Art.13",
                text=_l("Are prices and fees displayed as the regulations require?"),
            ),
        ],
    )


def checklists() -> list[Checklist]:
    return [
        showroom_walk(),
        Checklist(
            key="sales.compliance",
            # Version 2: the delivery documents as 销管办法 Art.16 lists them.
            version=2,
            area=AREA,
            title=_l("Sales compliance and customer rights"),
            description=_l(
                "Legal duties of a vehicle retailer towards buyers, checked in the showroom and in the sales records."
            ),
            questions=[
                Question(
                    key="prices-displayed",
                    reference="销管办法 Art.10",
                    text=_l(
                        "Are the prices of vehicles, parts and services clearly displayed, and is "
                        "nothing charged above the displayed price?"
                    ),
                    guidance=_l(
                        "Walk the showroom and service reception: every vehicle on show has a price "
                        "sign. Compare five recent invoices with the prices displayed on their "
                        "dates; look for added fees not on any price list."
                    ),
                ),
                Question(
                    key="warranty-displayed",
                    reference="销管办法 Art.11",
                    text=_l("Are the warranty and 三包 policies displayed where buyers can read them?"),
                    guidance=_l(
                        "Look for the notice in the showroom and at the service desk; check that "
                        "it states the current warranty and 三包 periods."
                    ),
                ),
                Question(
                    key="identity-contract-invoice",
                    reference="销管办法 Art.15",
                    text=_l(
                        "Is the buyer's identity verified, a written contract signed and a true "
                        "invoice issued for every sale?"
                    ),
                    guidance=_l(
                        "Sample five deal files: identity document copy, signed contract and an "
                        "invoice whose amount matches the contract."
                    ),
                ),
                Question(
                    key="delivery-documents",
                    reference="销管办法 Art.16",
                    text=_l(
                        "At delivery, does the buyer receive the documents Art.16 lists — the vehicle "
                        "conformity certificate (for a vehicle converted on a Chinese-made chassis also the "
                        "chassis certificate; for an import the goods import certificate and the import "
                        "inspection certificate), the consistency certificate (or an import's "
                        "special-certification report), the Chinese owner's manual, the warranty and "
                        "maintenance manual and the 三包 certificate — and does the configuration match "
                        "what was sold?"
                    ),
                    guidance=_l(
                        "Compare delivery checklists with their contracts: origin, documents ticked for "
                        "that origin, customer signature, configuration and VIN as ordered. The invoice "
                        "is checked under Art.15."
                    ),
                ),
                Question(
                    key="no-tying",
                    reference="销管办法 Art.14",
                    text=_l(
                        "Is the buyer free to choose insurance, finance and accessory providers, with "
                        "nothing made a condition of the sale?"
                    ),
                    guidance=_l(
                        "Interview two consultants and read the contract template; look for "
                        "compulsory packages, service fees for choosing another insurer, or "
                        "discounts withdrawn when the buyer declines a product."
                    ),
                ),
                Question(
                    key="lead-response",
                    reference="Industry practice (web lead within 5 minutes)",
                    text=_l("Are web and phone leads answered within five minutes?"),
                    guidance=_l(
                        "Take the lead log of the last month: check the response minutes against "
                        "the target and ask how leads arriving out of hours are handled."
                    ),
                ),
                Question(
                    key="test-drive-control",
                    reference="SA-PR-001 §4.4",
                    text=_l(
                        "Is every test drive controlled: licence copied, agreement signed, set "
                        "route, damage checked before and after?"
                    ),
                    guidance=_l(
                        "Match the test-drive agreements of one week with the lead log; each has "
                        "a licence copy, insurer, VIN, odometer out and in, and a damage note."
                    ),
                ),
                Question(
                    key="post-delivery-contact",
                    reference="SA-PR-002 §4.6; SSI",
                    text=_l("Is every buyer contacted after delivery to check satisfaction?"),
                    guidance=_l(
                        "For ten recent deliveries find the follow-up call or message within three "
                        "days and what was done with any concern raised."
                    ),
                ),
                Question(
                    key="personal-data-consent",
                    reference="PIPL Art.13, Art.16",
                    text=_l(
                        "Is personal data collected with notice and consent, and is service never "
                        "refused when the buyer declines optional consent?"
                    ),
                    guidance=_l(
                        "Read the privacy notice given to visitors and the consent fields of the "
                        "lead log; check that marketing consent is separate and optional."
                    ),
                ),
                Question(
                    key="ssi-reviewed",
                    reference="ISO 9001 9.1.2",
                    text=_l("Are sales satisfaction results (SSI, NPS) reviewed monthly and acted upon?"),
                    guidance=_l(
                        "Look at the sales meeting minutes of the last three months: SSI and NPS "
                        "discussed, low scores followed up, actions recorded."
                    ),
                ),
            ],
        ),
        Checklist(
            key="sales.process",
            area=AREA,
            # Scored in points like a brand's showroom standard, so the demo shows an audit's score.
            scale="points_0_2",
            pass_threshold=80,
            sections=[
                Section(key="showroom", title=_l("Showroom and consultation")),
                Section(key="test-drive", title=_l("Test drive")),
                Section(key="delivery", title=_l("Order and delivery"), weight=2),
            ],
            title=_l("Showroom, test-drive and delivery process"),
            description=_l(
                "Whether the sales steps of the procedure are followed, observed in the showroom "
                "and traced in the records."
            ),
            questions=[
                Question(
                    key="greeting",
                    section="showroom",
                    reference="SA-PR-001 §4.1",
                    text=_l("Is every visitor greeted promptly and asked how they can be helped?"),
                    guidance=_l(
                        "Observe the entrance for 15 minutes; note the time from arrival to "
                        "greeting and whether the visitor is logged as a lead."
                    ),
                ),
                Question(
                    key="needs-analysis",
                    section="showroom",
                    reference="SA-PR-001 §4.2",
                    text=_l(
                        "Are the customer's needs (use, budget, timing, trade-in) asked and recorded "
                        "before a vehicle is proposed?"
                    ),
                    guidance=_l(
                        "Sample lead records: needs noted; ask a consultant to describe their last needs analysis."
                    ),
                ),
                Question(
                    key="presentation",
                    section="showroom",
                    reference="SA-PR-001 §4.3",
                    text=_l(
                        "Is the vehicle presented against the customer's stated needs, with "
                        "accurate configuration and price information?"
                    ),
                    guidance=_l(
                        "Observe a presentation or run a mystery-shop; compare what was said with "
                        "the configuration sheet and price list."
                    ),
                ),
                Question(
                    key="test-drive-offered",
                    section="test-drive",
                    reference="SA-PR-001 §4.4",
                    text=_l("Is a test drive offered to every serious prospect and recorded?"),
                    guidance=_l(
                        "Compare the test-drive ratio with the target; check lead records for "
                        "test drives offered and declined."
                    ),
                ),
                Question(
                    key="test-drive-agreement",
                    section="test-drive",
                    must_pass=True,
                    reference="SA-PR-001 §4.4",
                    text=_l(
                        "Before each test drive, is the licence checked and copied and the agreement "
                        "signed, with the odometer and existing damage noted?"
                    ),
                    guidance=_l(
                        "Pick three agreements of the last week and check every field; inspect "
                        "the demonstrator's log book."
                    ),
                ),
                Question(
                    key="order-handling",
                    section="delivery",
                    reference="SA-PR-001 §4.5",
                    text=_l(
                        "Are orders confirmed in writing with configuration, price, deposit and "
                        "delivery date, and is the customer told of any change?"
                    ),
                    guidance=_l(
                        "Trace three orders from contract to delivery; look for documented delays "
                        "and the customer's agreement to any change."
                    ),
                ),
                Question(
                    key="pdi",
                    section="delivery",
                    must_pass=True,
                    weight=2,
                    reference="SA-PR-002 §4.2",
                    text=_l(
                        "Is a pre-delivery inspection completed and signed off before every delivery, "
                        "with defects corrected first?"
                    ),
                    guidance=_l(
                        "Compare PDI records with delivery dates; a defect found must show its "
                        "correction before the handover."
                    ),
                ),
                Question(
                    key="handover",
                    section="delivery",
                    reference="SA-PR-002 §4.4; 销管办法 Art.16",
                    text=_l(
                        "At handover, are the features walked through, the documents given and the "
                        "三包 terms explained?"
                    ),
                    guidance=_l(
                        "Read the delivery checklists of the last month: walk-through, documents "
                        "and 三包 explanation ticked and signed by the customer."
                    ),
                ),
                Question(
                    key="service-introduction",
                    section="delivery",
                    reference="SA-PR-002 §4.5",
                    text=_l("Is the customer introduced to service and the first service booked?"),
                    guidance=_l(
                        "Check delivery checklists for the first service date; ask service "
                        "reception whether new buyers arrive expected."
                    ),
                ),
                Question(
                    key="follow-up",
                    section="delivery",
                    reference="SA-PR-002 §4.6",
                    text=_l("Is the customer called within three days of delivery and the satisfaction survey sent?"),
                    guidance=_l(
                        "Compare deliveries with survey responses and follow-up records; ask what "
                        "happens when a customer gives a low score."
                    ),
                ),
            ],
        ),
    ]


# 销管办法 Art.16: the documents handed over with the vehicle.
ORIGINS = [
    ("domestic", _l("Made in China")),
    ("domestic_chassis", _l("Converted on a Chinese-made chassis")),
    ("imported", _l("Imported vehicle")),
]
DOCUMENTS = [
    ("conformity_certificate", _l("Vehicle conformity certificate (整车出厂合格证, made in China)")),
    ("chassis_certificate", _l("Chassis conformity certificate (converted on a Chinese-made chassis)")),
    ("import_certificate", _l("Goods import certificate (imported)")),
    ("import_inspection_certificate", _l("Imported vehicle inspection certificate (imported)")),
    ("consistency_certificate", _l("Vehicle consistency certificate")),
    (
        "special_certification_report",
        _l("Special-certification inspection report (imported, instead of the consistency certificate)"),
    ),
    ("owner_manual", _l("Owner's manual in Chinese")),
    ("warranty_manual", _l("Warranty and maintenance manual")),
    ("sanbao_certificate", _l("三包 certificate")),
]


def metrics() -> list[Metric]:
    return [
        Metric(
            key="sales.ssi",
            area=AREA,
            computed=True,
            inputs=(SURVEY,),
            unit=_l("points"),
            direction="higher",
            target=850,
            warning=800,
            name=_l("Sales satisfaction index (SSI)"),
            formula=_l(
                "Sum over the survey factors of weight times the factor's mean rating divided by the "
                "top of the scale, times 1000. Weights: salesperson 0.28, delivery 0.21, deal 0.18, "
                "paperwork 0.16, facility 0.13, website 0.04; a factor nobody rated is left out and "
                "the other weights are scaled up to add up to 1."
            ),
            description=_l(
                "Scale 0 to 1000 from the sales satisfaction survey's ratings of 1 to 10, so the lowest "
                "possible index is 100. The weights are those of J.D. Power's U.S. Sales Satisfaction "
                "Index study (2017). The default target of 850 and warning of 800 are round starting "
                "values for this index, not J.D. Power figures: J.D. Power's China sales study uses its "
                "own factor model, so its scores cannot be compared with it. Each site sets its own "
                "target from its own baseline."
            ),
        ),
        Metric(
            key="sales.nps",
            area=AREA,
            computed=True,
            inputs=(SURVEY,),
            unit="",
            direction="higher",
            target=50,
            warning=30,
            name=_l("Net promoter score (sales)"),
            formula=_l(
                "Percentage of promoters (9 or 10) minus percentage of detractors (0 to 6) among "
                "the answers to the likelihood to recommend, from -100 to 100."
            ),
            description=_l(
                "From the sales satisfaction survey. The default target of 50 and warning of 30 are common "
                "starting values for car retail, not a published benchmark; each site sets its own."
            ),
        ),
        Metric(
            key="sales.lead_conversion",
            area=AREA,
            unit="%",
            direction="higher",
            target=12,
            warning=10,
            name=_l("Lead conversion"),
            formula=_l("Vehicles sold divided by leads received, in per cent."),
            description=_l(
                "Entered monthly from the dealer management system, since a sale often closes in "
                "a later month than its lead; a typical franchised dealer converts 10 to 15 per "
                "cent."
            ),
        ),
        Metric(
            key="sales.lead_response_time",
            area=AREA,
            computed=True,
            inputs=(LEAD_LOG,),
            unit=_l("minutes"),
            direction="lower",
            target=5,
            warning=15,
            name=_l("Lead response time"),
            formula=_l("Total minutes to first response divided by the number of leads in the lead log."),
            description=_l("Mean minutes from a lead's arrival to the first answer."),
        ),
        Metric(
            key="sales.test_drive_ratio",
            area=AREA,
            computed=True,
            inputs=(LEAD_LOG,),
            unit="%",
            direction="higher",
            target=50,
            warning=35,
            name=_l("Test-drive ratio"),
            formula=_l(
                "Showroom visitors who took a test drive divided by showroom visitors (walk-in leads "
                "of the lead log), in per cent."
            ),
        ),
        Metric(
            key="sales.order_processing_days",
            area=AREA,
            computed=True,
            inputs=(DELIVERY,),
            unit=_l("days"),
            direction="lower",
            target=14,
            warning=21,
            name=_l("Order processing time"),
            formula=_l(
                "Mean of (delivery date − order date) in days over the delivery checklists of the month "
                "that give an order date."
            ),
            description=_l(
                "From the delivery records. The default target of 14 days (warning 21) is a common "
                "dealer standard for vehicles in stock, not a legal limit; a site sets its own, e.g. "
                "longer for vehicles ordered from the factory."
            ),
        ),
        Metric(
            key="sales.pdi_defect_rate",
            area=AREA,
            computed=True,
            inputs=(DELIVERY,),
            unit="%",
            direction="lower",
            target=2,
            warning=5,
            name=_l("Pre-delivery inspection defect rate"),
            formula=_l(
                "Vehicles with a defect found at the pre-delivery inspection divided by vehicles "
                "inspected (delivery checklists), in per cent."
            ),
        ),
    ]


def _rating(key: str, label, *, required: bool = True, help="") -> Field:
    return Field(key=key, label=label, type="rating", scale=SSI_SCALE, required=required, help=help)


def _ability(key: str, label, help) -> Field:
    return Field(key=key, label=label, type="rating", scale=(1, 5), required=True, help=help)


def appraisal() -> Form:
    """The periodic appraisal of a sales consultant (seed chapter 3, §1.1.10–1.1.12): its fields
    follow the five steps of the appraisal process, and its indicators are the seed's three kinds
    (results, ability, attitude)."""
    return Form(
        key=APPRAISAL,
        area=AREA,
        title=_l("Sales consultant appraisal"),
        description=_l(
            "Seed §1.1.12, in five steps: 1. plan (who, which period, the purpose and method); 2. collect the "
            "data (sales reports, customer feedback, colleagues' views); 3. analyse them and rate ability and "
            "attitude; 4. feed the result back to the consultant with suggestions; 5. follow up. The page "
            "Sales figures per consultant starts this form with the consultant's results."
        ),
        fields=[
            # 1. 制定评估计划
            Field(
                key="consultant",
                label=_l("Sales consultant appraised"),
                required=True,
                help=_l("Step 1, plan: the name as dealerqms writes it (the consultant's display name)."),
            ),
            Field(
                key="period",
                label=_l("Period appraised"),
                required=True,
                help=_l("A month (2026-05) or a quarter (2026-Q2)."),
            ),
            Field(key="appraiser", label=_l("Appraiser"), required=True, prefill="me"),
            Field(key="purpose", label=_l("Purpose of the appraisal"), type="textarea"),
            Field(
                key="method",
                label=_l("Appraisal method"),
                type="select",
                required=True,
                choices=[
                    ("quantitative", _l("Quantitative (figures)")),
                    ("qualitative", _l("Qualitative (observation and views)")),
                    ("combined", _l("Combined")),
                ],
                help=_l("Seed §1.1.11: a combined appraisal weighs the figures and the observed behaviour."),
            ),
            # 2. 收集评估数据: the results indicators (业绩指标)
            Field(
                key="units_sold",
                label=_l("Vehicles sold"),
                type="integer",
                required=True,
                min=0,
                help=_l("Step 2, collect the data: results indicators (seed §1.1.10), from the sales reports."),
            ),
            Field(key="units_target", label=_l("Sales target (vehicles)"), type="integer", min=0),
            Field(
                key="conversion",
                label=_l("Lead conversion (%)"),
                type="decimal",
                min=0,
                help=_l("Deliveries divided by leads of the consultant in the period."),
            ),
            Field(key="ssi", label=_l("Sales satisfaction index (SSI)"), type="decimal", min=0, max=1000),
            Field(key="ssi_answers", label=_l("Survey answers behind the SSI"), type="integer", min=0),
            Field(key="market_share", label=_l("Market share (%)"), type="decimal", min=0, max=100),
            Field(
                key="sources",
                label=_l("Data collected"),
                type="multiselect",
                required=True,
                choices=[
                    ("sales_reports", _l("Sales reports")),
                    ("customer_feedback", _l("Customer feedback")),
                    ("colleagues", _l("Colleagues' views")),
                ],
            ),
            # 3. 分析评估数据: ability (能力指标) and attitude (态度指标)
            _ability(
                "sales_skills",
                _l("Sales skills"),
                _l(
                    "Step 3, analyse: rate each indicator from 1 (poor) to 5 (excellent); "
                    "ability indicators, seed §1.1.10."
                ),
            ),
            _ability("market_analysis", _l("Market analysis"), ""),
            _ability("teamwork", _l("Teamwork"), ""),
            _ability("work_attitude", _l("Work attitude"), _l("Attitude indicators, seed §1.1.10.")),
            _ability("dedication", _l("Dedication"), ""),
            _ability("team_spirit", _l("Team spirit"), ""),
            Field(key="strengths", label=_l("Strengths"), type="textarea"),
            Field(key="to_improve", label=_l("Areas to improve"), type="textarea"),
            Field(
                key="overall",
                label=_l("Overall result"),
                type="select",
                required=True,
                choices=[
                    ("exceeds", _l("Exceeds expectations")),
                    ("meets", _l("Meets expectations")),
                    ("partly", _l("Partly meets expectations")),
                    ("below", _l("Below expectations")),
                ],
            ),
            # 4. 反馈评估结果
            Field(
                key="feedback_on",
                label=_l("Feedback given on"),
                type="date",
                help=_l(
                    "Step 4, feed back: the day the result and the suggestions were discussed with the consultant."
                ),
            ),
            Field(key="suggestions", label=_l("Suggestions to the consultant"), type="textarea"),
            Field(key="consultant_comment", label=_l("The consultant's comment"), type="textarea"),
            Field(
                key="acknowledged",
                label=_l("Acknowledged by the consultant"),
                type="boolean",
                help=_l("The consultant has read the appraisal; agreeing with it is not required."),
            ),
            # 5. 持续跟踪
            Field(
                key="actions",
                label=_l("Improvement actions"),
                type="textarea",
                help=_l("Step 5, follow up: what the consultant and the head of sales will do, and by when."),
            ),
            Field(key="next_review_on", label=_l("Next review on"), type="date"),
        ],
    )


def forms() -> list[Form]:
    return [
        Form(
            key=LEAD_LOG,
            area=AREA,
            title=_l("Lead log"),
            description=_l("One entry per enquiry, whatever the channel, recorded when it arrives."),
            fields=[
                Field(key="received_at", label=_l("Received at"), type="datetime", required=True, prefill="now"),
                Field(
                    key="source",
                    label=_l("Source"),
                    type="select",
                    required=True,
                    choices=[
                        ("walk_in", _l("Showroom walk-in")),
                        ("phone", _l("Phone")),
                        ("website", _l("Website")),
                        ("platform", _l("Third-party platform")),
                        ("referral", _l("Referral")),
                        ("event", _l("Event or campaign")),
                    ],
                ),
                Field(key="customer_name", label=_l("Customer name"), required=True),
                Field(key="customer_phone", label=_l("Customer phone"), type="phone"),
                Field(key="consultant", label=_l("Sales consultant"), required=True, prefill="me"),
                Field(key="model", label=_l("Model of interest")),
                Field(
                    key="response_minutes",
                    label=_l("Minutes to first response"),
                    type="integer",
                    required=True,
                    min=0,
                    max=10080,
                    help=_l("For a walk-in, the minutes until the visitor was greeted."),
                ),
                Field(key="test_drive", label=_l("Test drive taken"), type="boolean", required=True),
                Field(key="privacy_notice", label=_l("Privacy notice given"), type="boolean", required=True),
                Field(
                    key="marketing_consent",
                    label=_l("Consents to marketing contact"),
                    type="boolean",
                    help=_l("Optional: declining it must not change how the customer is served."),
                ),
            ],
        ),
        Form(
            key=TEST_DRIVE,
            area=AREA,
            title=_l("Test-drive agreement"),
            description=_l("Signed before the keys are handed over; completed when the vehicle returns."),
            fields=[
                Field(key="customer_name", label=_l("Customer name"), required=True),
                Field(key="licence_number", label=_l("Driving licence number"), required=True),
                Field(key="licence_copied", label=_l("Licence checked and copied"), type="boolean", required=True),
                Field(key="insurer", label=_l("Insurer of the demonstrator"), required=True),
                Field(key="vin", label=_l("VIN"), type="vin", required=True),
                Field(
                    key="route",
                    label=_l("Route"),
                    type="select",
                    required=True,
                    choices=[
                        ("urban", _l("Standard urban route")),
                        ("highway", _l("Standard highway route")),
                        ("agreed", _l("Route agreed with the customer")),
                    ],
                ),
                Field(key="time_out", label=_l("Time out"), type="datetime", required=True, prefill="now"),
                Field(key="odometer_out", label=_l("Odometer out (km)"), type="integer", required=True, min=0),
                Field(
                    key="damage_before",
                    label=_l("Existing damage before the drive"),
                    type="textarea",
                    help=_l("Write 'none' when the vehicle was checked and has none."),
                ),
                Field(key="time_in", label=_l("Time in"), type="datetime"),
                Field(key="odometer_in", label=_l("Odometer in (km)"), type="integer", min=0),
                Field(key="damage_after", label=_l("Damage found after the drive"), type="textarea"),
                Field(key="customer_signed", label=_l("Signed by the customer"), type="boolean", required=True),
                Field(key="consultant", label=_l("Accompanying consultant"), required=True, prefill="me"),
            ],
        ),
        Form(
            key=DELIVERY,
            area=AREA,
            title=_l("Delivery checklist"),
            description=_l("Completed with the customer at handover; the pre-delivery inspection comes first."),
            # Version 2: the vehicle documents as 销管办法 Art.16 lists them by origin, the invoice
            # apart (Art.15), and the order date for the order-processing time.
            version=2,
            fields=[
                Field(key="vin", label=_l("VIN"), type="vin", required=True),
                Field(
                    key="order_date",
                    label=_l("Order date"),
                    type="date",
                    help=_l("The day the sales contract was signed: the order-processing time runs from it."),
                ),
                Field(key="delivery_date", label=_l("Delivery date"), type="date", required=True, prefill="today"),
                Field(key="consultant", label=_l("Sales consultant"), required=True, prefill="me"),
                Field(
                    key="pdi_signed_off", label=_l("Pre-delivery inspection signed off"), type="boolean", required=True
                ),
                Field(
                    key="pdi_defects_found",
                    label=_l("Defects found at the pre-delivery inspection"),
                    type="boolean",
                    required=True,
                ),
                Field(
                    key="pdi_defects",
                    label=_l("Defects found and how they were corrected"),
                    type="textarea",
                    required=True,
                    visible_when=("pdi_defects_found", True),
                ),
                Field(
                    key="origin",
                    label=_l("Vehicle origin"),
                    type="select",
                    required=True,
                    choices=ORIGINS,
                    help=_l("Which certificates 销管办法 Art.16 asks for depends on it."),
                ),
                Field(
                    key="documents",
                    label=_l("Documents handed over"),
                    type="multiselect",
                    required=True,
                    help=_l(
                        "销管办法 Art.16: the certificates that apply to the vehicle's origin, the consistency "
                        "certificate (or an import's special-certification report), the Chinese owner's manual, "
                        "the warranty and maintenance manual and the 三包 certificate."
                    ),
                    choices=DOCUMENTS,
                ),
                Field(
                    key="invoice_issued",
                    label=_l("True sales invoice issued to the buyer"),
                    type="boolean",
                    required=True,
                    help=_l(
                        "销管办法 Art.15: a sales invoice that states the true price; handed over with the "
                        "vehicle's documents (三包规定 Art.13)."
                    ),
                ),
                Field(
                    key="configuration_matches",
                    label=_l("Configuration matches the contract"),
                    type="boolean",
                    required=True,
                ),
                Field(key="feature_walkthrough", label=_l("Features walked through"), type="boolean", required=True),
                Field(key="sanbao_explained", label=_l("三包 terms explained"), type="boolean", required=True),
                Field(key="first_service_booked", label=_l("First service booked"), type="boolean"),
                Field(
                    key="first_service_date",
                    label=_l("First service date"),
                    type="date",
                    visible_when=("first_service_booked", True),
                ),
                Field(key="customer_signed", label=_l("Signed by the customer"), type="boolean", required=True),
            ],
        ),
        Form(
            key=SURVEY,
            area=AREA,
            title=_l("Sales satisfaction survey"),
            # SA-PR-002 §4.6: a factor or the likelihood to recommend at 6 or less goes to the
            # sales manager, who calls the customer within two days.
            follow_up=FollowUp(department=AREA, at_most=6, within_days=2),
            description=_l(
                "Sent to the buyer within a week of delivery; each factor is rated from 1 (very "
                "poor) to 10 (excellent)."
            ),
            fields=[
                Field(key="delivery_date", label=_l("Delivery date"), type="date"),
                Field(key="consultant", label=_l("Sales consultant")),
                _rating("salesperson", _l("Salesperson")),
                _rating("delivery", _l("Delivery")),
                _rating("deal", _l("Deal (price and terms)")),
                _rating("paperwork", _l("Paperwork")),
                _rating("facility", _l("Dealer facility")),
                _rating(
                    "website",
                    _l("Dealer website"),
                    required=False,
                    help=_l("Leave empty if you did not use the website."),
                ),
                Field(
                    key="recommend",
                    label=_l("How likely are you to recommend us to a friend?"),
                    type="rating",
                    scale=(0, 10),
                    required=True,
                ),
                Field(key="comments", label=_l("Comments"), type="textarea"),
            ],
        ),
        appraisal(),
    ]
