"""What the risk plugin contributes: checklist, metrics, forms, procedure template.

Content from source chapter 11 (legal risks: contract, intellectual property,
tax; market risks: price, demand, competition), ISO 9001 6.1, the automobile
sales regulation (汽车销售管理办法, 2017), the Personal Information Protection
Law (PIPL, 2021) and the car-data rules (汽车数据安全管理若干规定, 2021).
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core.plugins import Checklist, Field, Form, Metric, ProcedureTemplate, Question, Register

AREA = "RISK"
# The after-sales area's 三包 case file, read by key through the core (a plugin imports no other plugin).
SANBAO_CASE = "aftersales.sanbao_case"
LIBRARY = Path(__file__).parent / "library"

CHECKLISTS = [
    Checklist(
        key="risk.compliance",
        # Version 2: PIPL Art.23 and 广告法 Art.43 questions, the Art.28 list, the 三包 articles.
        version=2,
        area=AREA,
        title=_l("Legal, market and data risk"),
        description=_l(
            "Regulatory compliance of the dealership and the coverage of its risk register "
            "(ISO 9001 6.1; risk prevention and response)."
        ),
        questions=[
            Question(
                key="filing",
                reference="销管办法 Art.27",
                text=_l(
                    "Was the dealership's basic information filed in the national automobile "
                    "circulation information system within 90 days of its business licence, and kept "
                    "up to date?"
                ),
                guidance=_l(
                    "Compare the date on the business licence with the filing receipt; check that "
                    "later changes (address, brands) were filed too."
                ),
            ),
            Question(
                key="authorisation",
                reference="销管办法 Art.12",
                text=_l("Does the dealership claim only the supplier authorisations it holds?"),
                guidance=_l(
                    "Compare the brand signs, website and advertisements with the authorisation "
                    "letters and their validity dates."
                ),
            ),
            Question(
                key="prices",
                reference="销管办法 Art.10",
                text=_l(
                    "Are vehicles, parts and services sold at the displayed prices, with no mark-up "
                    "or extra charge beyond them?"
                ),
                guidance=_l(
                    "Take five recent invoices and compare each line with the price list shown on "
                    "that date; look for unlisted fees (service, PDI, 'handling')."
                ),
            ),
            Question(
                key="delivery_documents",
                reference="销管办法 Art.16",
                text=_l(
                    "Does every buyer receive at delivery the documents Art.16 lists for the vehicle's origin "
                    "(conformity certificate; chassis certificate for a vehicle converted on a Chinese-made "
                    "chassis; import certificate and import inspection certificate for an import), the "
                    "consistency certificate or an import's special-certification report, the Chinese "
                    "owner's manual, the warranty and maintenance manual and the 三包 certificate?"
                ),
                guidance=_l(
                    "Sample five delivery files for the signed document list, checked against each vehicle's "
                    "origin; ask a recent buyer if possible. The true invoice is Art.15's rule."
                ),
            ),
            Question(
                key="sanbao",
                reference="家用汽车三包规定 (2022) Art.18, Art.21–24, Art.40",
                text=_l("Are open 三包 cases monitored against the replacement and refund triggers?"),
                guidance=_l(
                    "Look at the 三包 ledger: periods counted from the invoice date, or the delivery date "
                    "where it differs (Art.18); repair days per case, a repair under 24 hours counting as "
                    "one day (Art.40; trigger over 30, Art.24(4)); repairs of the same fault (over 4); "
                    "serious safety faults after 2 repairs; a major unit or the same main part of the "
                    "engine, transmission, traction battery, drive motor, steering, brakes, suspension, "
                    "drivetrain, pollution-control device or body replaced twice (Art.24(2), (3)); a loan "
                    "car or transport compensation from the 6th day of a repair over 5 days (Art.21). "
                    "Check that cases near a trigger were escalated."
                ),
            ),
            Question(
                key="legal_basis",
                reference="PIPL Art.13, Art.17",
                text=_l(
                    "Is each use of customers' personal information mapped to a legal basis, with a "
                    "notice given when it is collected?"
                ),
                guidance=_l(
                    "Ask for the personal information inventory; pick three uses (lead follow-up, "
                    "marketing texts, vehicle data) and find their legal basis and the notice "
                    "text; sample consent records."
                ),
            ),
            Question(
                key="sensitive",
                reference="PIPL Art.28, Art.29, Art.31",
                text=_l(
                    "Is separate consent obtained before sensitive personal information is processed: "
                    "biometrics, religious belief, specific identity, medical and health data, financial "
                    "accounts, whereabouts, and any personal information of a minor under 14 (with a "
                    "parent's or guardian's consent)?"
                ),
                guidance=_l(
                    "Sample consent records that involve finance, face recognition, vehicle location, "
                    "health information or a child's data; each must show a separate consent, and a "
                    "minor's the guardian's."
                ),
            ),
            Question(
                key="third_party",
                reference="PIPL Art.23",
                text=_l(
                    "Before personal information is given to another processor (the manufacturer, a "
                    "finance or insurance partner), is the customer told the recipient's name, contact, "
                    "purpose, processing method and data items, and is their separate consent obtained?"
                ),
                guidance=_l(
                    "Take the data flows to the manufacturer and partners in the inventory; sample consent "
                    "records of customers whose data went to them: each must show the separate consent and "
                    "name the recipient."
                ),
            ),
            Question(
                key="electronic_ads",
                reference="广告法 Art.43",
                text=_l(
                    "Are advertisements sent by text, e-mail or instant message only to people who agreed "
                    "or asked for them, with the sender's true identity and contact and a way to refuse "
                    "further messages?"
                ),
                guidance=_l(
                    "Take three recent campaign messages: check the recipients' consent records, the "
                    "sender's name and contact in the message and a working opt-out."
                ),
            ),
            Question(
                key="car_data",
                reference="汽车数据安全管理若干规定 Art.6",
                text=_l(
                    "Is vehicle data handled by the car-data principles: nothing collected by "
                    "default, minimal precision and range, desensitised where possible?"
                ),
                guidance=_l(
                    "Ask how connected-car data, dash-cam footage and diagnostic downloads are "
                    "collected, stored and deleted; check the default settings of the showroom "
                    "and workshop tools."
                ),
            ),
            Question(
                key="contracts",
                reference="ISO 9001 6.1; risk prevention and response: legal risk",
                text=_l(
                    "Are sales, finance and supplier contract templates reviewed for legality before "
                    "use and when the law changes?"
                ),
                guidance=_l(
                    "Look for the legal review record of each template in use and its date; check "
                    "one recent contract against the approved template."
                ),
            ),
            Question(
                key="register",
                reference="ISO 9001 6.1.1",
                text=_l(
                    "Does the risk register cover contract, intellectual property, tax, price, demand "
                    "and competition risks, each with an owner and controls?"
                ),
                guidance=_l(
                    "Read the register and the risk matrix; check every category has been "
                    "considered and that high risks have controls and a residual rating."
                ),
            ),
            Question(
                key="review",
                reference="ISO 9001 6.1.2, 9.3.2 e",
                text=_l(
                    "Are risks reviewed by their review date, and is the effectiveness of the actions "
                    "evaluated in management review?"
                ),
                guidance=_l(
                    "Look at the risks flagged past their review date on the dashboard and at the "
                    "last management review minutes."
                ),
            ),
        ],
    ),
]

METRICS = [
    Metric(
        key="risk.compliance_score",
        area=AREA,
        name=_l("Compliance score"),
        unit="%",
        direction="higher",
        target=100,
        warning=90,
        period="quarter",
        formula=_l("Conforming checklist items ÷ applicable items × 100 in the quarter's compliance audits."),
    ),
    Metric(
        key="risk.hotline_complaints",
        area=AREA,
        name=_l("Consumer-hotline complaints per 1,000 sales"),
        unit="‰",
        direction="lower",
        target=1,
        warning=3,
        formula=_l(
            "Complaints received through the consumer hotline (12315) or the regulator ÷ vehicles sold × 1,000."
        ),
    ),
    Metric(
        key="risk.open_sanbao_cases",
        area=AREA,
        name=_l("Open 三包 cases"),
        unit=_l("cases"),
        direction="lower",
        target=0,
        warning=2,
        computed=True,
        inputs=(SANBAO_CASE,),
        formula=_l(
            "三包 cases whose latest case-file entry up to the end of the month (today, for the current "
            "month) has the status open."
        ),
        description=_l(
            "Computed from the 三包 case files of the after-sales area; months entered by hand before "
            "keep their values until a case file of that month is filed."
        ),
    ),
    Metric(
        key="risk.sanbao_days_open",
        area=AREA,
        name=_l("Average days open of 三包 cases"),
        unit=_l("days"),
        direction="lower",
        target=10,
        warning=20,
        computed=True,
        inputs=(SANBAO_CASE,),
        formula=_l(
            "Sum over the open 三包 cases of the days from the first entry of the case file to the end of "
            "the month (today, for the current month) ÷ open cases."
        ),
        description=_l(
            "Computed from the 三包 case files of the after-sales area; months entered by hand before "
            "keep their values until a case file of that month is filed."
        ),
    ),
    Metric(
        key="risk.data_incidents",
        area=AREA,
        name=_l("Personal data incidents"),
        unit=_l("incidents"),
        direction="lower",
        target=0,
        formula=_l("Personal information leaks, losses or unlawful uses found in the month."),
    ),
]

CATEGORIES = [
    ("contract", _l("Contract")),
    ("ip", _l("Intellectual property")),
    ("tax", _l("Tax")),
    ("price", _l("Price")),
    ("demand", _l("Demand")),
    ("competition", _l("Competition")),
    ("regulatory", _l("Regulatory compliance")),
    ("personal_data", _l("Personal data")),
    ("product", _l("Product and 三包")),
    ("other", _l("Other")),
]

# PIPL Art.28: the sensitive personal information it names.
SENSITIVE_KINDS = [
    ("biometrics", _l("Biometrics (face, fingerprint, voice)")),
    ("religion", _l("Religious belief")),
    ("specific_identity", _l("Specific identity")),
    ("medical_health", _l("Medical and health data")),
    ("financial_accounts", _l("Financial accounts, credit")),
    ("whereabouts", _l("Whereabouts and location tracks")),
    ("minor", _l("Personal information of a minor under 14")),
]

FORMS = [
    Form(
        key="risk.register_entry",
        area=AREA,
        # Each entry re-assesses the risk its ID names, open until an entry closes it.
        register=Register(key="risk_id"),
        title=_l("Risk register entry"),
        description=_l(
            "A risk with its rating. To re-assess or close a risk, submit a new entry with the same "
            "risk ID; the latest entry counts."
        ),
        fields=[
            Field(key="risk_id", label=_l("Risk ID"), required=True, help=_l("e.g. RK-2026-004.")),
            Field(key="risk", label=_l("Risk"), required=True, help=_l("What could happen, and what it would cause.")),
            Field(key="category", label=_l("Category"), type="select", required=True, choices=CATEGORIES),
            Field(
                key="likelihood",
                label=_l("Likelihood"),
                type="rating",
                scale=(1, 5),
                required=True,
                help=_l("1 = rare, 5 = almost certain."),
            ),
            Field(
                key="impact",
                label=_l("Impact"),
                type="rating",
                scale=(1, 5),
                required=True,
                help=_l(
                    "1 = negligible, 5 = severe (e.g. a PIPL fine of up to RMB 50 million or 5 percent of "
                    "turnover, loss of the franchise)."
                ),
            ),
            Field(key="owner", label=_l("Owner"), required=True),
            Field(
                key="controls",
                label=_l("Controls"),
                type="textarea",
                required=True,
                help=_l("What is in place or planned to prevent it or limit its effect."),
            ),
            Field(
                key="treatment",
                label=_l("Treatment"),
                type="select",
                required=True,
                choices=[
                    ("reduce", _l("Reduce")),
                    ("avoid", _l("Avoid")),
                    ("transfer", _l("Transfer (insurance, contract)")),
                    ("accept", _l("Accept")),
                ],
            ),
            Field(
                key="residual_likelihood",
                label=_l("Residual likelihood"),
                type="rating",
                scale=(1, 5),
                help=_l("Expected once the controls work."),
            ),
            Field(key="residual_impact", label=_l("Residual impact"), type="rating", scale=(1, 5)),
            Field(key="review_date", label=_l("Review date"), type="date", required=True),
            Field(
                key="status",
                label=_l("Status"),
                type="select",
                required=True,
                choices=[
                    ("open", _l("Open")),
                    ("closed", _l("Closed")),
                ],
            ),
        ],
    ),
    Form(
        key="risk.consent_record",
        area=AREA,
        title=_l("Consent record"),
        description=_l("What a customer was told and agreed to about their personal information (PIPL)."),
        # Version 2: the sensitive categories as PIPL Art.28 lists them, a minor's guardian (Art.31),
        # and giving the information to another processor only with separate consent (Art.23).
        version=2,
        fields=[
            Field(key="customer", label=_l("Customer"), required=True),
            Field(key="phone", label=_l("Phone"), type="phone"),
            Field(
                key="notice_given",
                label=_l("Notice given before collection"),
                type="boolean",
                required=True,
                help=_l("PIPL Art.17: who collects, for what, how long it is kept, how to withdraw."),
            ),
            Field(key="notice_version", label=_l("Notice version")),
            Field(
                key="purposes",
                label=_l("Purposes agreed"),
                type="multiselect",
                required=True,
                choices=[
                    ("sales_contact", _l("Sales follow-up")),
                    ("service_reminders", _l("Service reminders")),
                    ("marketing", _l("Marketing calls and texts")),
                    ("finance", _l("Finance and credit check")),
                    ("vehicle_data", _l("Connected-vehicle data")),
                ],
                help=_l(
                    "Giving the information to the manufacturer or a partner is not a purpose here: it "
                    "needs the separate consent below (PIPL Art.23)."
                ),
            ),
            Field(
                key="sensitive",
                label=_l("Sensitive information involved"),
                type="boolean",
                required=True,
                help=_l(
                    "Biometrics, religious belief, specific identity, medical and health data, financial "
                    "accounts, whereabouts, or any personal information of a minor under 14 (PIPL Art.28)."
                ),
            ),
            Field(
                key="sensitive_kinds",
                label=_l("Sensitive information"),
                type="multiselect",
                choices=SENSITIVE_KINDS,
                visible_when=("sensitive", True),
            ),
            Field(
                key="separate_consent",
                label=_l("Separate consent obtained for it"),
                type="boolean",
                required=True,
                visible_when=("sensitive", True),
            ),
            Field(
                key="guardian_consent",
                label=_l("Consent of the parent or guardian"),
                type="boolean",
                required=True,
                visible_when=("sensitive_kinds", "minor"),
                help=_l("A minor under 14's information needs the consent of a parent or guardian (PIPL Art.31)."),
            ),
            Field(
                key="third_party_consent",
                label=_l("Separate consent to give the information to another processor"),
                type="boolean",
                required=True,
                help=_l(
                    "PIPL Art.23: the customer was told the recipient's name and contact, the purpose, the "
                    "processing method and the data items, and agreed to this transfer separately. "
                    "Without it, no recipient can be recorded."
                ),
            ),
            Field(
                key="recipients",
                label=_l("Recipients (name and contact)"),
                type="textarea",
                required=True,
                visible_when=("third_party_consent", True),
                help=_l("e.g. the manufacturer's customer centre, the finance company; one per line."),
            ),
            Field(
                key="transfer_purpose",
                label=_l("Purpose and data items given"),
                type="textarea",
                required=True,
                visible_when=("third_party_consent", True),
            ),
            Field(
                key="channel",
                label=_l("Channel"),
                type="select",
                required=True,
                choices=[
                    ("paper", _l("Signed paper form")),
                    ("app", _l("App or website")),
                    ("phone", _l("Phone call")),
                    ("showroom_tablet", _l("Showroom tablet")),
                ],
            ),
            Field(key="given_at", label=_l("Consent given at"), type="datetime", required=True, prefill="now"),
            Field(key="withdrawn", label=_l("Consent withdrawn"), type="boolean"),
            Field(key="withdrawn_on", label=_l("Consent withdrawn on"), type="date", visible_when=("withdrawn", True)),
        ],
    ),
]


def _body(name: str) -> dict[str, str]:
    """A template's Markdown in each language it is written in: English, and Chinese from ``library/zh_CN``."""
    return {
        "en": (LIBRARY / name).read_text(encoding="utf-8"),
        "zh_CN": (LIBRARY / "zh_CN" / name).read_text(encoding="utf-8"),
    }


PROCEDURE_TEMPLATES = [
    ProcedureTemplate(
        code="RK-PR-002",
        title=_l("Personal information and consent"),
        department=AREA,
        body=_body("RK-PR-002-personal-information.md"),
        distribution_departments=("SALES", "AFTERSALES", "MARKETING", "RISK"),
    ),
]
