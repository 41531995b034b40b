"""What the after-sales plugin contributes: checklists, metrics, forms and starter procedures.

Written from the source document's chapters 4 (satisfaction surveys,
complaints), 6 (after-sales policy, standards, process, monitoring) and 7
(SERVQUAL gap model), and from the rules its references name.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core.plugins import Checklist, Field, FollowUp, Form, Metric, ProcedureTemplate, Question, Register

AREA = "AFTERSALES"
LIBRARY = Path(__file__).parent / "library"


def workshop_5s_checklist() -> Checklist:
    """The weekly 5S round of the workshop (source chapter 6: workshop standards)."""
    return Checklist(
        key="aftersales.workshop_5s",
        area=AREA,
        title=_l("Weekly workshop 5S check"),
        description=_l("Sort, set in order, shine, standardise, sustain — and safety — in the workshop bays."),
        questions=[
            Question(key="sort", text=_l("Sort: is nothing in the bays that the jobs of the day do not need?")),
            Question(key="order", text=_l("Set in order: are tools on their shadow boards and parts labelled?")),
            Question(key="shine", text=_l("Shine: are floors, lifts and benches clean, with no oil or fluid spills?")),
            Question(key="standardise", text=_l("Standardise: are the bay checklists posted and filled in?")),
            Question(key="sustain", text=_l("Sustain: were last week's findings put right?")),
            Question(
                key="safety",
                text=_l("Safety: are extinguishers checked, exits clear and protective equipment worn?"),
            ),
        ],
    )


def service_checklist() -> Checklist:
    return Checklist(
        key="aftersales.service",
        area=AREA,
        # Version 2: the 三包 ledger question as SAMR Order No. 43 has the rules.
        version=2,
        title=_l("After-sales service process"),
        description=_l("Workshop reception to vehicle return, warranty and 三包 records (source chapter 6)."),
        questions=[
            Question(
                key="guarantee",
                reference="机动车维修管理规定 Art.38",
                text=_l(
                    "Do the repair guarantee periods given to customers meet the legal minimum "
                    "(overhaul 20,000 km or 100 days; level-2 maintenance 5,000 km or 30 days; minor "
                    "repair 2,000 km or 10 days)?"
                ),
                guidance=_l(
                    "Read the guarantee terms printed on invoices and repair orders and compare "
                    "them with the minimum for each kind of work."
                ),
            ),
            Question(
                key="parts",
                reference="销管办法 Art.17",
                text=_l(
                    "Are parts marked as original, quality-equivalent, remanufactured or used, and is "
                    "the customer told before a non-original part is fitted?"
                ),
                guidance=_l(
                    "Sample repair orders with non-original parts and look for the customer's "
                    "recorded agreement; check the labels in the parts store."
                ),
            ),
            Question(
                key="estimate",
                reference="ISO 9001 8.2.3; 机动车维修管理规定",
                text=_l("Does the customer sign the estimate and the promised time before work starts?"),
                guidance=_l(
                    "Take ten repair orders of the last month: each should carry the estimate, "
                    "the promised time and the customer's signature dated before the job was "
                    "clocked on."
                ),
            ),
            Question(
                key="final_check",
                reference="ISO 9001 8.6",
                text=_l("Is a final quality check recorded before the vehicle is returned?"),
                guidance=_l(
                    "Look for the inspector's name and result on the same repair orders; ask who may release a vehicle."
                ),
            ),
            Question(
                key="updates",
                reference="ISO 9001 8.2.1",
                text=_l("Is the customer kept informed during the service, especially of extra work and delays?"),
                guidance=_l(
                    "Check the contact log of open jobs; extra work needs the customer's consent before it is done."
                ),
            ),
            Question(
                key="comebacks",
                reference="ISO 9001 10.2",
                text=_l("Are comebacks (returns for the same concern) logged and reviewed for their cause?"),
                guidance=_l(
                    "Compare the comeback list with repair orders of the same VIN within 30 "
                    "days; each comeback should have a cause and an action."
                ),
            ),
            Question(
                key="sanbao_ledger",
                reference="家用汽车三包规定 (2022) Art.18, Art.21, Art.24, Art.40",
                text=_l(
                    "Does a 三包 ledger per VIN track, from the invoice or delivery date, the repair days "
                    "(a repair under 24 hours is one day), the repairs per fault, the replacements per main "
                    "part and the loan car owed for a repair of more than 5 days?"
                ),
                guidance=_l(
                    "Pick two vehicles with repeat repairs and rebuild their repair days from the agreed "
                    "and completed times on the repair orders, their repair counts and their main parts "
                    "replaced; compare with the ledger, and check a loan car or transport compensation "
                    "was given from the 6th day of every repair over 5 days."
                ),
            ),
            Question(
                key="warranty_claims",
                reference="Manufacturer warranty policy",
                text=_l("Are warranty claims complete: the concern, the customer's signature and the true mileage?"),
                guidance=_l(
                    "Sample rejected claims and their reasons; check mileage against the "
                    "odometer photo or the repair order."
                ),
            ),
            Question(
                key="request_handling",
                reference="Source ch. 6.2",
                text=_l(
                    "Is each service request received, confirmed, assigned, carried out, surveyed "
                    "and reviewed as the after-sales procedure says?"
                ),
                guidance=_l(
                    "Follow one request from the booking to the satisfaction call and the "
                    "monthly review; note any step without a record."
                ),
            ),
            Question(
                key="satisfaction",
                reference="ISO 10004 §6–7; ISO 9001 9.1.2, 9.3.2 c",
                text=_l("Is customer satisfaction monitored to a plan and are the results reviewed by management?"),
                guidance=_l(
                    "Look at the survey plan, the CSI and SERVQUAL results of the last quarter "
                    "and the management review minutes that discuss them."
                ),
            ),
            Question(
                key="competence",
                reference="ISO 9001 7.2",
                text=_l(
                    "Are technicians trained and authorised for the work they do, including "
                    "high-voltage work on electric vehicles?"
                ),
                guidance=_l(
                    "Compare the job allocation of a day with the technicians' training and authorisation records."
                ),
            ),
        ],
    )


def complaint_checklist() -> Checklist:
    return Checklist(
        key="aftersales.complaints",
        area=AREA,
        # Version 2: clause numbers as ISO 10002:2018 has them. Version 3: acknowledgement
        # checked against the recorded times and the 24-hour metric.
        version=3,
        title=_l("Complaint handling"),
        description=_l("Complaints handled as ISO 10002 describes (source chapter 4.3)."),
        questions=[
            Question(
                key="channels",
                reference="ISO 10002:2018 §4.5, §4.8, §7.1",
                text=_l("Are complaint channels publicised, easy to reach and free of charge?"),
                guidance=_l(
                    "Look for the channels on the website, at reception and on invoices; try the phone number."
                ),
            ),
            Question(
                key="commitment",
                reference="ISO 10002:2018 §5.2–5.4",
                text=_l("Has management set a complaint-handling policy with named responsibilities?"),
                guidance=_l(
                    "Read the policy and the complaint procedure; ask the complaint owner what they may decide."
                ),
            ),
            Question(
                key="registration",
                reference="ISO 10002:2018 §7.2",
                text=_l(
                    "Does every complaint get a unique ID and is it registered with the channel, "
                    "category and the remedy sought?"
                ),
                guidance=_l(
                    "Compare complaints received by phone and through the manufacturer with the "
                    "register for the same weeks."
                ),
            ),
            Question(
                key="acknowledgement",
                reference="ISO 10002:2018 §7.4",
                text=_l("Is each complaint acknowledged promptly (target: within 24 hours)?"),
                guidance=_l(
                    "Compare the received and acknowledged times of a sample of complaints with the "
                    "month's 'Complaints acknowledged within 24 hours'."
                ),
            ),
            Question(
                key="triage",
                reference="ISO 10002:2018 §7.5",
                text=_l(
                    "Is each complaint triaged for severity, and are high-severity complaints "
                    "escalated as nonconformities?"
                ),
                guidance=_l(
                    "Check that high-severity complaints of the period each have a nonconformity with a root cause."
                ),
            ),
            Question(
                key="investigation",
                reference="ISO 10002:2018 §7.6",
                text=_l("Is each complaint investigated and its root cause recorded before it is answered?"),
                guidance=_l(
                    'Read the root cause and action of five closed complaints; are they more than "customer informed"?'
                ),
            ),
            Question(
                key="response",
                reference="ISO 10002:2018 §7.7–7.9",
                text=_l(
                    "Is the decision communicated to the customer and the complaint formally closed "
                    "with the customer's response recorded?"
                ),
                guidance=_l("Look for the closing date, the remedy given and whether the customer accepted it."),
            ),
            Question(
                key="timeliness",
                reference="ISO 10002:2018 §4.15, §7.3",
                text=_l("Are complaints closed by the agreed date (typically within 7 days)?"),
                guidance=_l(
                    "Check the complaint closure on-time rate and the mean resolution time of "
                    "the last three months against their targets."
                ),
            ),
            Question(
                key="analysis",
                reference="ISO 10002:2018 §8.2, §8.6; ISO 9001 9.3.2 c",
                text=_l("Are complaints analysed for trends and reviewed by management?"),
                guidance=_l(
                    "Look for a monthly complaint analysis by category and its discussion in management review."
                ),
            ),
            Question(
                key="fairness",
                reference="Source ch. 4.3; ISO 10002:2018 §4.7, §4.10",
                text=_l(
                    "Is the complaint handled fairly and confidentially, with the customer's personal data protected?"
                ),
                guidance=_l(
                    "Check who can read the register and that personal data is used only for handling the complaint."
                ),
            ),
        ],
    )


def metrics() -> list[Metric]:
    return [
        Metric(
            key="aftersales.csi",
            area=AREA,
            inputs=("aftersales.csi_survey",),
            name=_l("Customer service index (CSI)"),
            unit="",
            direction="higher",
            target=800,
            warning=750,
            computed=True,
            formula=_l(
                "Σ(weight × factor mean ÷ 10) × 1000 over the CSI survey answers of the month; "
                "weights: service quality 32 %, advisor 19 %, vehicle pick-up 19 %, facility 15 %, "
                "service initiation 15 %."
            ),
            description=_l(
                "Scale 0 to 1000 from five ratings of 1 to 10 each, so the lowest possible index is 100. "
                "The weights are those of J.D. Power's U.S. Customer Service Index study (2022). The "
                "default target of 800 and warning of 750 are round starting values for this index, not "
                "J.D. Power figures: J.D. Power's China after-sales study uses its own factor model, so "
                "its averages (759 in 2023, 773 in 2024) cannot be compared with it. Each site sets its "
                "own target from its own baseline."
            ),
        ),
        Metric(
            key="aftersales.first_time_fix",
            area=AREA,
            inputs=("aftersales.repair_order",),
            name=_l("First-time fix rate"),
            unit="%",
            direction="higher",
            target=90,
            warning=85,
            computed=True,
            formula=_l(
                "Repair orders of the month not marked as a comeback for the same concern within "
                "30 days ÷ repair orders of the month × 100."
            ),
        ),
        Metric(
            key="aftersales.on_time_delivery",
            area=AREA,
            inputs=("aftersales.repair_order",),
            name=_l("Vehicles ready on time"),
            unit="%",
            direction="higher",
            target=95,
            warning=90,
            computed=True,
            formula=_l(
                "Repair orders of the month whose vehicle was ready by the promised time ÷ repair orders "
                "of the month that give both times × 100."
            ),
            description=_l(
                "From the repair orders' promised and completion times. The default target of 95 % "
                "(warning 90 %) is a common workshop standard, not a legal or brand figure; a site sets its own."
            ),
        ),
        Metric(
            key="aftersales.service_retention",
            area=AREA,
            name=_l("Service retention"),
            unit="%",
            direction="higher",
            target=85,
            warning=73,
            formula=_l("Vehicles sold that return for service ÷ vehicles sold × 100."),
            description=_l("Typical targets by vehicle age, years 1 to 5: 92, 85, 73, 54 and 45 %."),
        ),
        Metric(
            key="aftersales.technician_productivity",
            area=AREA,
            name=_l("Technician productivity"),
            unit="%",
            direction="higher",
            target=95,
            warning=85,
            formula=_l("Hours clocked on jobs ÷ hours available × 100."),
        ),
        Metric(
            key="aftersales.technician_efficiency",
            area=AREA,
            inputs=("aftersales.repair_order",),
            name=_l("Technician efficiency"),
            unit="%",
            direction="higher",
            target=105,
            warning=95,
            computed=True,
            formula=_l("Σ hours sold ÷ Σ hours clocked × 100 over the repair orders of the month that give both."),
        ),
        Metric(
            key="aftersales.warranty_rejection",
            area=AREA,
            name=_l("Warranty claim rejection rate"),
            unit="%",
            direction="lower",
            target=2,
            warning=5,
            formula=_l("Warranty claims rejected ÷ warranty claims submitted × 100."),
        ),
        Metric(
            key="aftersales.complaints_on_time",
            area=AREA,
            inputs=("aftersales.complaint",),
            name=_l("Complaints closed on time"),
            unit="%",
            direction="higher",
            target=90,
            warning=80,
            computed=True,
            formula=_l(
                "Complaints closed by their agreed date (7 days after receipt when none was "
                "agreed) ÷ complaints closed × 100, from the complaint register entries of the "
                "month with status closed."
            ),
        ),
        Metric(
            key="aftersales.complaints_acknowledged_24h",
            area=AREA,
            inputs=("aftersales.complaint",),
            name=_l("Complaints acknowledged within 24 hours"),
            unit="%",
            direction="higher",
            target=95,
            warning=85,
            computed=True,
            formula=_l(
                "Complaints received in the month whose complainant a person contacted within 24 hours "
                "of receipt ÷ complaints received in the month × 100, leaving out those still inside "
                "their first 24 hours and not yet acknowledged."
            ),
            description=_l(
                "ISO 10002:2018 §7.4: acknowledge each complaint promptly; 24 hours is the usual internal "
                "target. Receipt is the time of receipt on the register, or the start of the day of receipt "
                "when the complaint was registered on a later day; the public page's automatic receipt is not an "
                "acknowledgement. Where only a date is known (entries before version 3 of the register), a "
                "contact on the day of receipt or the next counts as within 24 hours. A contact recorded "
                "after the month has ended counts once the month is recomputed."
            ),
        ),
        Metric(
            key="aftersales.complaint_resolution_days",
            area=AREA,
            inputs=("aftersales.complaint",),
            name=_l("Mean complaint resolution time"),
            unit=_l("days"),
            direction="lower",
            target=5,
            warning=7,
            computed=True,
            formula=_l(
                "Mean of (closed on − received on) in days over the complaint register entries of "
                "the month with status closed."
            ),
        ),
        *[
            Metric(
                key=f"aftersales.servqual_{dimension}",
                area=AREA,
                inputs=("aftersales.servqual",),
                name=name,
                unit=_l("points"),
                direction="higher",
                target=0,
                warning=-1,
                computed=True,
                formula=_l(
                    "Mean of perception − expectation over the items of this dimension in the "
                    "SERVQUAL surveys of the month (7-point scale); below zero is a shortfall."
                ),
            )
            for dimension, name in SERVQUAL_DIMENSION_NAMES.items()
        ],
    ]


SERVQUAL_DIMENSION_NAMES = {
    "tangibles": _l("SERVQUAL gap: tangibles"),
    "reliability": _l("SERVQUAL gap: reliability"),
    "responsiveness": _l("SERVQUAL gap: responsiveness"),
    "assurance": _l("SERVQUAL gap: assurance"),
    "empathy": _l("SERVQUAL gap: empathy"),
}

# The 22 SERVQUAL statements (Parasuraman, Zeithaml and Berry 1988), worded for a dealership.
SERVQUAL_ITEMS = (
    _l("The dealership has modern-looking equipment and tools."),
    _l("The reception, lounge and workshop are visually appealing."),
    _l("The staff are neat in appearance."),
    _l("Estimates, invoices and brochures are clear and look professional."),
    _l("When the dealership promises to do something by a certain time, it does so."),
    _l("When a customer has a problem, the dealership shows a sincere interest in solving it."),
    _l("The dealership performs the service right the first time."),
    _l("The vehicle is ready at the time promised."),
    _l("Repair orders, invoices and records are free of errors."),
    _l("Staff tell customers exactly when the work will be done."),
    _l("Staff give customers prompt service."),
    _l("Staff are always willing to help customers."),
    _l("Staff are never too busy to respond to customers' requests."),
    _l("The behaviour of staff instils confidence in customers."),
    _l("Customers feel safe leaving their vehicle and dealing with the dealership."),
    _l("Staff are consistently courteous."),
    _l("Staff have the knowledge to answer customers' questions."),
    _l("The dealership gives customers individual attention."),
    _l("The opening hours are convenient for customers."),
    _l("Staff give customers personal attention."),
    _l("The dealership has its customers' best interests at heart."),
    _l("Staff understand the specific needs of their customers."),
)

SEVEN_POINT = (1, 7)

SEVERITIES = [("low", _l("Low")), ("medium", _l("Medium")), ("high", _l("High"))]
PARTS_TYPES = [
    ("original", _l("Original (OE)")),
    ("equivalent", _l("Quality-equivalent")),
    ("remanufactured", _l("Remanufactured")),
    ("used", _l("Used")),
]
SYSTEMS = [
    ("engine", _l("Engine")),
    ("transmission", _l("Transmission")),
    ("traction_battery", _l("Traction battery")),
    ("drive_motor", _l("Drive motor")),
    ("steering", _l("Steering")),
    ("brakes", _l("Brakes")),
    ("suspension", _l("Suspension")),
    ("drivetrain", _l("Drivetrain (传动系统)")),
    ("pollution_control", _l("Pollution-control device")),
    ("body", _l("Body structure")),
    ("fuel_system", _l("Fuel system")),
    ("electrical", _l("Electrical")),
    ("other", _l("Other")),
]


def repair_order() -> Form:
    return Form(
        key="aftersales.repair_order",
        area=AREA,
        # Version 2: the completion time, for the on-time delivery rate.
        version=2,
        title=_l("Repair order"),
        fields=[
            Field(key="ro_number", label=_l("Repair order number"), required=True),
            Field(key="vin", label=_l("VIN"), type="vin", required=True),
            Field(key="mileage", label=_l("Mileage (km)"), type="integer", min=0, max=2_000_000, required=True),
            Field(key="received_at", label=_l("Vehicle received"), type="datetime", required=True, prefill="now"),
            Field(key="concern", label=_l("Concern in the customer's words"), type="textarea", required=True),
            Field(
                key="existing_damage",
                label=_l("Existing damage"),
                type="textarea",
                help=_l("Scratches, dents, warning lights on, items left in the car."),
            ),
            Field(key="estimate", label=_l("Estimate (CNY)"), type="decimal", min=0),
            Field(key="promised_at", label=_l("Promised time"), type="datetime"),
            Field(
                key="completed_at",
                label=_l("Vehicle ready for the customer at"),
                type="datetime",
                help=_l("When the work and the final check were finished: compared with the promised time."),
            ),
            Field(key="parts_types", label=_l("Parts used"), type="multiselect", choices=PARTS_TYPES),
            Field(
                key="non_original_agreed",
                label=_l("Customer agreed to non-original parts"),
                type="boolean",
                help=_l("Required by 销管办法 Art.17 when any part is not original."),
            ),
            Field(
                key="customer_signed",
                label=_l("Customer signed the estimate and promised time"),
                type="boolean",
                required=True,
            ),
            Field(key="customer_updated", label=_l("Customer updated during the service"), type="boolean"),
            Field(key="final_check", label=_l("Final quality check done"), type="boolean", required=True),
            Field(
                key="comeback",
                label=_l("Comeback: return for the same concern within 30 days"),
                type="boolean",
                required=True,
            ),
            Field(key="hours_sold", label=_l("Labour hours sold"), type="decimal", min=0, max=500),
            Field(key="hours_clocked", label=_l("Labour hours clocked"), type="decimal", min=0, max=500),
        ],
    )


def complaint_register() -> Form:
    return Form(
        key="aftersales.complaint",
        area=AREA,
        # Each entry is of the complaint its ID names, open until an entry closes it.
        register=Register(key="complaint_id"),
        # 2: the customer's phone, for complaints customers make on the public page.
        # 3: the time of receipt and of the first contact, to measure acknowledgement in hours.
        version=3,
        title=_l("Complaint register entry"),
        description=_l(
            "Register a new complaint, or record its progress and closure under the same ID. "
            "A new high-severity complaint raises a nonconformity."
        ),
        fields=[
            Field(key="complaint_id", label=_l("Complaint ID"), required=True),
            Field(
                key="entry",
                label=_l("Entry"),
                type="select",
                required=True,
                choices=[("new", _l("New complaint")), ("update", _l("Update of a registered complaint"))],
            ),
            Field(key="received_on", label=_l("Received on"), type="date", required=True),
            Field(
                key="received_at",
                label=_l("Received at"),
                type="datetime",
                prefill="now",
                help=_l("When the complaint reached the dealership; the clock for the 24-hour acknowledgement."),
            ),
            Field(
                key="channel",
                label=_l("Channel"),
                type="select",
                required=True,
                choices=[
                    ("phone", _l("Phone")),
                    ("in_person", _l("In person")),
                    ("email", _l("E-mail")),
                    ("web", _l("Website or app")),
                    ("social", _l("Social media")),
                    ("manufacturer", _l("Via the manufacturer")),
                    ("hotline", _l("Consumer hotline (12315)")),
                ],
            ),
            Field(
                key="category",
                label=_l("Category"),
                type="select",
                required=True,
                choices=[
                    ("repair_quality", _l("Repair quality")),
                    ("waiting_time", _l("Waiting time")),
                    ("price", _l("Price or invoice")),
                    ("attitude", _l("Staff attitude")),
                    ("parts", _l("Parts")),
                    ("warranty", _l("Warranty or 三包")),
                    ("sales", _l("Sales or delivery")),
                    ("other", _l("Other")),
                ],
            ),
            Field(
                key="severity",
                label=_l("Severity"),
                type="select",
                required=True,
                choices=SEVERITIES,
                help=_l("High: safety, legal or 三包 exposure, media attention, or a customer lost."),
            ),
            Field(key="customer", label=_l("Customer"), required=True),
            Field(key="customer_phone", label=_l("Customer's phone"), type="phone"),
            Field(key="vin", label=_l("VIN"), type="vin"),
            Field(key="description", label=_l("What the customer says"), type="textarea", required=True),
            Field(key="remedy_sought", label=_l("Remedy sought"), type="textarea"),
            Field(key="owner", label=_l("Owner"), required=True),
            Field(
                key="acknowledged_at",
                label=_l("Acknowledged at"),
                type="datetime",
                # Not prefilled: the metric counts this moment, so it is typed when it happened.
                help=_l(
                    "When a person first contacted the complainant (a call, a visit, a message); for "
                    "a complaint made in person or by phone, the time of that conversation. Leave it "
                    "empty until then."
                ),
            ),
            Field(
                key="agreed_close_by",
                label=_l("Agreed to close by"),
                type="date",
                help=_l("Seven days after receipt when left empty."),
            ),
            Field(key="root_cause", label=_l("Root cause"), type="textarea"),
            Field(key="action", label=_l("Action taken"), type="textarea"),
            Field(
                key="status",
                label=_l("Status"),
                type="select",
                required=True,
                choices=[("open", _l("Open")), ("closed", _l("Closed"))],
            ),
            Field(
                key="closed_on", label=_l("Closed on"), type="date", required=True, visible_when=("status", "closed")
            ),
            Field(
                key="customer_satisfied",
                label=_l("Customer satisfied with the outcome"),
                type="boolean",
                visible_when=("status", "closed"),
            ),
        ],
    )


def sanbao_case() -> Form:
    # Version 2: the periods' start (Art.18), the repair's agreed and completed times (Art.40),
    # the loan car (Art.21), the unit and the main part replaced (Art.24(2), (3)).
    return Form(
        key="aftersales.sanbao_case",
        area=AREA,
        # Each entry updates the case its number names; the update of the latest date is its state
        # (updates may be typed in late). Closed, replaced or refunded ends the case.
        register=Register(key="case_number", current_by="record_date", closed=("closed", "replaced", "refunded")),
        version=2,
        title=_l("三包 case file"),
        description=_l(
            "One case per vehicle under 三包 (家用汽车产品修理更换退货责任规定, SAMR Order No. 43, "
            "2022). Submit it again with every repair; the dashboard warns as the case nears a "
            "replacement or refund trigger, and when a repair passes 5 days."
        ),
        fields=[
            Field(key="case_number", label=_l("Case number"), required=True),
            Field(key="vin", label=_l("VIN"), type="vin", required=True),
            Field(key="customer", label=_l("Customer"), required=True),
            Field(
                key="purchase_date",
                label=_l("Purchase invoice date"),
                type="date",
                required=True,
                help=_l("The 三包 period and the repair warranty run from this date (Art.18)."),
            ),
            Field(
                key="delivery_date",
                label=_l("Delivery date, if not the invoice date"),
                type="date",
                help=_l(
                    "Where the vehicle was delivered on another day than the invoice's, the periods run "
                    "from the delivery (Art.18)."
                ),
            ),
            Field(key="record_date", label=_l("Date of this update"), type="date", required=True),
            Field(key="mileage", label=_l("Mileage now (km)"), type="integer", min=0, max=2_000_000, required=True),
            Field(
                key="repairs",
                label=_l("Repairs"),
                type="group",
                min=1,
                max=50,
                fields=[
                    Field(key="date_in", label=_l("Date in"), type="date", required=True),
                    Field(key="date_out", label=_l("Date out"), type="date"),
                    Field(
                        key="agreed_at",
                        label=_l("Repair agreed with the customer at"),
                        type="datetime",
                        help=_l("Art.40: a repair's time runs from this moment to its completion."),
                    ),
                    Field(key="completed_at", label=_l("Repair completed at"), type="datetime"),
                    Field(
                        key="days_off_road",
                        label=_l("Days off the road"),
                        type="integer",
                        min=0,
                        max=365,
                        help=_l(
                            "Counted from the two times above when both are given: every 24 hours "
                            "begun is a day, so a repair shorter than 24 hours is one day (Art.40)."
                        ),
                    ),
                    Field(key="mileage", label=_l("Mileage (km)"), type="integer", min=0, max=2_000_000),
                    Field(
                        key="fault",
                        label=_l("Fault"),
                        required=True,
                        help=_l("Describe the same fault in the same words each time: repairs are counted per fault."),
                    ),
                    Field(key="system", label=_l("System"), type="select", required=True, choices=SYSTEMS),
                    Field(
                        key="serious_safety",
                        label=_l("Serious safety fault"),
                        type="boolean",
                        help=_l(
                            "Steering or brake failure, body cracking, fuel leak, battery fire, or any fault "
                            "that endangers life."
                        ),
                    ),
                    Field(
                        key="unit_replaced",
                        label=_l("Whole major unit replaced"),
                        type="boolean",
                        help=_l(
                            "The engine, transmission, traction battery or drive motor itself (Art.24(2)); "
                            "not added to its main parts' replacements."
                        ),
                    ),
                    Field(key="main_part_replaced", label=_l("Main part replaced"), type="boolean"),
                    Field(
                        key="main_part",
                        label=_l("Main part"),
                        help=_l(
                            "Name the main part the same way each time: replacements are counted per main "
                            "part, not per system (Art.24(3))."
                        ),
                    ),
                    Field(key="parts", label=_l("Parts replaced")),
                    Field(
                        key="loan_car",
                        label=_l("Loan car or transport compensation given"),
                        type="boolean",
                        help=_l("Owed from the 6th day of a repair of more than 5 days (Art.21)."),
                    ),
                ],
            ),
            Field(
                key="status",
                label=_l("Status"),
                type="select",
                required=True,
                choices=[
                    ("open", _l("Open")),
                    ("replaced", _l("Vehicle replaced")),
                    ("refunded", _l("Refunded")),
                    ("closed", _l("Closed")),
                ],
            ),
            Field(
                key="clause",
                label=_l("Clause triggered"),
                type="select",
                choices=[
                    ("seven_day", _l("Art.22 — 7 days: major unit or its main part to be replaced")),
                    ("sixty_day", _l("Art.23 — 60 days / 3,000 km: serious safety fault")),
                    ("serious_safety", _l("Art.24(1) — serious safety fault after 2 repairs")),
                    ("unit_replaced", _l("Art.24(2) — major unit replaced twice")),
                    ("part_replaced", _l("Art.24(3) — same main part replaced twice")),
                    ("repair_days", _l("Art.24(4) — repairs over 30 days in total")),
                    ("same_fault", _l("Art.24(4) — same fault repaired more than 4 times")),
                ],
            ),
            Field(key="notes", label=_l("Notes"), type="textarea"),
        ],
    )


def servqual_survey() -> Form:
    fields = [Field(key="respondent", label=_l("Respondent (optional)"))]
    for number, item in enumerate(SERVQUAL_ITEMS, start=1):
        fields.append(
            Field(
                key=f"e{number}",
                type="rating",
                scale=SEVEN_POINT,
                required=True,
                label=_l("Expectation %(number)s: %(item)s", number=number, item=item),
            )
        )
    for number, item in enumerate(SERVQUAL_ITEMS, start=1):
        fields.append(
            Field(
                key=f"p{number}",
                type="rating",
                scale=SEVEN_POINT,
                required=True,
                label=_l("Perception %(number)s: %(item)s", number=number, item=item),
            )
        )
    return Form(
        key="aftersales.servqual",
        area=AREA,
        title=_l("SERVQUAL survey"),
        fields=fields,
        description=_l(
            "22 statements, each rated twice from 1 (strongly disagree) to 7 (strongly "
            "agree): what an excellent dealership would do (expectation) and what this "
            "dealership does (perception)."
        ),
    )


def csi_survey() -> Form:
    def factor(key, label, help_text):
        return Field(key=key, label=label, type="rating", scale=(1, 10), required=True, help=help_text)

    return Form(
        key="aftersales.csi_survey",
        area=AREA,
        title=_l("Service satisfaction survey (CSI)"),
        # A factor rated 6 or less: the after-sales manager calls the customer within two days.
        follow_up=FollowUp(department=AREA, at_most=6, within_days=2),
        fields=[
            Field(key="ro_number", label=_l("Repair order number")),
            factor("initiation", _l("Service initiation"), _l("Booking, ease of arranging the visit, welcome.")),
            factor("advisor", _l("Service advisor"), _l("Courtesy, explanation of the work, keeping you informed.")),
            factor("facility", _l("Service facility"), _l("Cleanliness, comfort, convenience.")),
            factor("pickup", _l("Vehicle pick-up"), _l("Ready on time, explanation of the invoice, car clean.")),
            factor("service_quality", _l("Service quality"), _l("Work done right, completed in good time.")),
            Field(key="comment", label=_l("Comment"), type="textarea"),
        ],
    )


def forms() -> list[Form]:
    return [repair_order(), complaint_register(), sanbao_case(), servqual_survey(), csi_survey()]


def procedure_templates() -> list[ProcedureTemplate]:
    def template(code, title, body_file, kind="procedure"):
        return ProcedureTemplate(
            code=code,
            title=title,
            department=AREA,
            kind=kind,
            body=_body(body_file),
            distribution_departments=(AREA,),
            distribution_roles=("department_head", "quality_officer"),
        )

    return [
        template(
            "AS-WI-001",
            _l("三包 case handling"),
            "AS-WI-001-sanbao-cases.md",
            kind="work_instruction",
        ),
        template(
            "AS-PR-003",
            _l("Service satisfaction measurement and SERVQUAL gap analysis"),
            "AS-PR-003-satisfaction-measurement.md",
        ),
    ]


def _body(name: str) -> dict[str, str]:
    """A template's Markdown in each language it is written in: English, and Chinese from ``library/zh_CN``."""
    return {
        "en": (LIBRARY / name).read_text(encoding="utf-8"),
        "zh_CN": (LIBRARY / "zh_CN" / name).read_text(encoding="utf-8"),
    }
