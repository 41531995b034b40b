"""What the communication plugin contributes (source chapter 10; ISO 9001 7.4)."""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

# Lazy, under the name pybabel extracts with a context (pgettext:1c,2): the matrix's column
# headings are short English words other screens use with other meanings (the history's "Who").
from flask_babel import lazy_pgettext as pgettext

from core.plugins import Checklist, Field, Form, Metric, ProcedureTemplate, Question

AREA = "COMMS"
# The after-sales area's repair order, read by key through the core (a plugin imports no other plugin).
REPAIR_ORDER = "aftersales.repair_order"
LIBRARY = Path(__file__).parent / "library"

DEPARTMENTS = [
    ("SALES", _l("Sales")),
    ("AFTERSALES", _l("After-sales")),
    ("MARKETING", _l("Marketing")),
    ("TRAINING", _l("Training")),
    ("QUALITY", _l("Quality")),
    ("RISK", _l("Risk management")),
    ("COMMS", _l("Communication")),
    ("MANAGEMENT", _l("General management")),
]
CHANNELS = [
    ("meeting", _l("Meeting")),
    ("phone", _l("Phone")),
    ("email", _l("E-mail")),
    ("messaging", _l("Instant messaging")),
    ("notice_board", _l("Notice board")),
    ("report", _l("Written report")),
    ("portal", _l("Manufacturer portal")),
    ("sms", _l("Text message")),
]


def checklist() -> Checklist:
    return Checklist(
        key="communication.internal",
        # Version 2: the ISO 10002:2018 clause of complaint decisions.
        version=2,
        area=AREA,
        title=_l("Internal and external communication"),
        description=_l("Channels, cross-department meetings and handoffs (source chapter 10)."),
        questions=[
            Question(
                key="matrix",
                reference="ISO 9001 7.4",
                text=_l("Is there a communication matrix saying what is communicated, when, to whom, how and by whom?"),
                guidance=_l(
                    "Read the current matrix and pick three rows; ask the people named whether it happens as written."
                ),
            ),
            Question(
                key="external",
                reference="ISO 9001 7.4, 8.2.1",
                text=_l(
                    "Does the matrix also cover external parties: the manufacturer, insurers, "
                    "suppliers and authorities?"
                ),
                guidance=_l(
                    "Look for rows on recalls and campaigns from the manufacturer, insurer "
                    "claims and 12315 or regulator enquiries, each with a responsible person."
                ),
            ),
            Question(
                key="policy",
                reference="ISO 9001 5.2.2, 7.3",
                text=_l("Are the quality policy and objectives communicated and understood at every level?"),
                guidance=_l(
                    "Ask three employees of different departments what the quality objectives of their department are."
                ),
            ),
            Question(
                key="handoff",
                reference="ISO 9001 8.2.1; Source ch. 10.2",
                text=_l(
                    "Is every customer handed over from sales to service at delivery, with a "
                    "service advisor introduced and the first service explained?"
                ),
                guidance=_l(
                    "Compare last month's deliveries with the handoff sheets; check the "
                    "introduction and the first-service booking."
                ),
            ),
            Question(
                key="customer_updates",
                reference="ISO 9001 8.2.1",
                text=_l("Are customers updated through the channel they prefer?"),
                guidance=_l(
                    "Compare the preferred channel on the handoff sheet with the contact log of a later repair order."
                ),
            ),
            Question(
                key="meetings",
                reference="Source ch. 10.2",
                text=_l(
                    "Are cross-department coordination meetings held as planned, minuted, with "
                    "actions, owners and due dates?"
                ),
                guidance=_l(
                    "Read the meeting action logs of the last quarter: each action needs an "
                    "owner and a due date, and open actions must be carried over."
                ),
            ),
            Question(
                key="actions_closed",
                reference="ISO 9001 10.2; Source ch. 10.2",
                text=_l("Are meeting actions closed on time, and are late ones escalated?"),
                guidance=_l(
                    "Check the 'meeting actions closed on time' indicator and what was done about overdue actions."
                ),
            ),
            Question(
                key="complaint_decisions",
                reference="ISO 10002:2018 §7.8",
                text=_l("Are complaint decisions shared with the staff involved?"),
                guidance=_l(
                    "Pick two closed complaints and ask the staff involved whether they know the outcome and the cause."
                ),
            ),
            Question(
                key="satisfaction_shared",
                reference="ISO 10004 §7.5",
                text=_l("Are customer satisfaction results shared internally with those who can act on them?"),
                guidance=_l(
                    "Look for CSI, SSI and SERVQUAL results on notice boards or in team meetings of the last quarter."
                ),
            ),
            Question(
                key="management_review",
                reference="ISO 9001 9.3.2 c",
                text=_l("Does management review cover customer satisfaction, complaints and communication problems?"),
                guidance=_l("Read the last management review minutes for these inputs and the decisions taken."),
            ),
            Question(
                key="evaluation",
                reference="Source ch. 10.3",
                text=_l(
                    "Is the effectiveness of internal communication and collaboration evaluated, for "
                    "example by a staff survey?"
                ),
                guidance=_l(
                    "Look at the last internal communication survey, its score and the improvement actions it led to."
                ),
            ),
        ],
    )


def metrics() -> list[Metric]:
    return [
        Metric(
            key="communication.actions_on_time",
            area=AREA,
            inputs=("communication.meeting",),
            name=_l("Meeting actions closed on time"),
            unit="%",
            direction="higher",
            target=90,
            warning=75,
            computed=True,
            formula=_l(
                "Actions in the month's meeting action logs that were due by the end of the month and "
                "done by their due date ÷ those actions × 100 (each action counted once, as the "
                "latest meeting recorded it)."
            ),
        ),
        Metric(
            key="communication.handoff_rate",
            area=AREA,
            inputs=("communication.handoff",),
            name=_l("Deliveries with a service introduction"),
            unit="%",
            direction="higher",
            target=100,
            warning=90,
            computed=True,
            formula=_l(
                "Handoff sheets of the month with a service advisor introduced ÷ handoff sheets of the month × 100."
            ),
        ),
        Metric(
            key="communication.ro_updates",
            area=AREA,
            name=_l("Repair orders with a customer update"),
            unit="%",
            direction="higher",
            target=95,
            warning=85,
            computed=True,
            inputs=(REPAIR_ORDER,),
            formula=_l(
                "Repair orders of the month marked “customer updated during the service” ÷ repair orders of "
                "the month × 100 (a repair order that records no update counts as one without)."
            ),
            description=_l(
                "Computed from the after-sales area's repair orders; months entered by hand before keep "
                "their values until a repair order of that month is filed."
            ),
        ),
        Metric(
            key="communication.survey_score",
            area=AREA,
            name=_l("Internal communication survey score"),
            unit=_l("points"),
            direction="higher",
            target=4,
            warning=3.5,
            period="quarter",
            formula=_l("Mean answer of the staff survey on internal communication and collaboration (1 to 5)."),
            description=_l("Source chapter 10.3: communication efficiency, collaboration and staff satisfaction."),
        ),
    ]


def matrix_form() -> Form:
    return Form(
        key="communication.matrix",
        area=AREA,
        title=_l("Communication matrix"),
        description=_l(
            "What is communicated, when, with whom, how and by whom (ISO 9001 7.4). Submit the "
            "whole matrix again when it changes."
        ),
        fields=[
            Field(key="valid_from", label=_l("Valid from"), type="date", required=True),
            Field(key="approved_by", label=_l("Approved by"), required=True),
            Field(
                key="rows",
                label=_l("Communications"),
                type="group",
                min=1,
                max=100,
                fields=[
                    Field(key="topic", label=pgettext("communication matrix", "What"), required=True),
                    Field(
                        key="frequency",
                        label=pgettext("communication matrix", "When"),
                        type="select",
                        required=True,
                        choices=[
                            ("daily", _l("Daily")),
                            ("weekly", _l("Weekly")),
                            ("monthly", _l("Monthly")),
                            ("quarterly", _l("Quarterly")),
                            ("yearly", _l("Yearly")),
                            ("event", _l("When it happens")),
                        ],
                    ),
                    Field(key="audience", label=pgettext("communication matrix", "With whom"), required=True),
                    Field(key="external", label=_l("External party"), type="boolean"),
                    Field(
                        key="channel",
                        label=pgettext("communication matrix", "How"),
                        type="select",
                        required=True,
                        choices=CHANNELS,
                    ),
                    Field(key="responsible", label=pgettext("communication matrix", "Who"), required=True),
                ],
            ),
            Field(key="next_review", label=_l("Next review"), type="date"),
        ],
    )


def meeting_form() -> Form:
    return Form(
        key="communication.meeting",
        area=AREA,
        title=_l("Meeting action log"),
        description=_l(
            "Minutes of a cross-department meeting: decisions and actions. Carry open actions "
            "over to the next meeting's log with their status."
        ),
        fields=[
            Field(key="meeting_date", label=_l("Meeting date"), type="date", required=True, prefill="today"),
            Field(
                key="meeting_type",
                label=_l("Meeting"),
                type="select",
                required=True,
                choices=[
                    ("huddle", _l("Daily huddle")),
                    ("coordination", _l("Sales and after-sales coordination")),
                    ("quality", _l("Monthly quality meeting")),
                    ("management_review", _l("Management review")),
                    ("project", _l("Cross-department project team")),
                    ("other", _l("Other")),
                ],
            ),
            Field(
                key="departments",
                label=_l("Departments present"),
                type="multiselect",
                required=True,
                choices=DEPARTMENTS,
            ),
            Field(key="chair", label=_l("Chair"), required=True),
            Field(key="decisions", label=_l("Decisions"), type="textarea"),
            Field(
                key="actions",
                label=_l("Actions"),
                type="group",
                max=100,
                fields=[
                    Field(key="action", label=_l("Action"), required=True),
                    Field(key="owner", label=_l("Owner"), required=True),
                    Field(key="due", label=_l("Due"), type="date", required=True),
                    Field(
                        key="status",
                        label=_l("Status"),
                        type="select",
                        required=True,
                        choices=[("open", _l("Open")), ("done", _l("Done"))],
                    ),
                    Field(key="closed_on", label=_l("Done on"), type="date"),
                ],
            ),
        ],
    )


def handoff_form() -> Form:
    return Form(
        key="communication.handoff",
        area=AREA,
        title=_l("Sales-to-service handoff"),
        description=_l("Filled in at delivery: the customer meets the service team before leaving."),
        fields=[
            Field(key="delivery_date", label=_l("Delivery date"), type="date", required=True, prefill="today"),
            Field(key="vin", label=_l("VIN"), type="vin", required=True),
            Field(key="customer", label=_l("Customer"), required=True),
            Field(key="sales_consultant", label=_l("Sales consultant"), required=True, prefill="me"),
            Field(key="service_advisor", label=_l("Service advisor"), required=True),
            Field(
                key="service_introduced",
                label=_l("Service advisor introduced in person"),
                type="boolean",
                required=True,
            ),
            Field(
                key="first_service_explained",
                label=_l("First service interval and warranty explained"),
                type="boolean",
                required=True,
            ),
            Field(key="first_service_booked", label=_l("First service booked"), type="boolean"),
            Field(
                key="first_service_date",
                label=_l("First service date"),
                type="date",
                visible_when=("first_service_booked", True),
            ),
            Field(
                key="preferred_channel",
                label=_l("Customer's preferred channel for updates"),
                type="select",
                required=True,
                choices=[
                    ("phone", _l("Phone")),
                    ("sms", _l("Text message")),
                    ("messaging", _l("Instant messaging")),
                    ("email", _l("E-mail")),
                ],
            ),
            Field(
                key="contact_consent",
                label=_l("Customer consented to service reminders"),
                type="boolean",
                required=True,
                help=_l("Separate, optional consent (PIPL Art.13-14): service is not refused without it."),
            ),
            Field(
                key="open_items",
                label=_l("Open items for the service team"),
                type="textarea",
                help=_l("Accessories to fit, promises made at sale, anything the customer is waiting for."),
            ),
        ],
    )


def forms() -> list[Form]:
    return [matrix_form(), meeting_form(), handoff_form()]


def procedure_templates() -> list[ProcedureTemplate]:
    def template(code, title, body_file, kind="procedure", departments=(AREA,)):
        return ProcedureTemplate(
            code=code,
            title=title,
            department=AREA,
            kind=kind,
            body=_body(body_file),
            distribution_departments=departments,
            distribution_roles=("department_head",),
        )

    return [
        template(
            "CM-WI-001",
            _l("Sales-to-service handoff at delivery"),
            "CM-WI-001-handoff.md",
            kind="work_instruction",
            departments=("SALES", "AFTERSALES"),
        ),
        template(
            "CM-PR-002",
            _l("Cross-department meetings and action tracking"),
            "CM-PR-002-meetings.md",
            departments=("SALES", "AFTERSALES", "MARKETING", "TRAINING"),
        ),
    ]


def _body(name: str) -> dict[str, str]:
    """A template's Markdown in each language it is written in: English, and Chinese from ``library/zh_CN``."""
    return {
        "en": (LIBRARY / name).read_text(encoding="utf-8"),
        "zh_CN": (LIBRARY / "zh_CN" / name).read_text(encoding="utf-8"),
    }
