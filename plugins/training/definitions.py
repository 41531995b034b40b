"""What the training plugin contributes: checklist, metrics, forms, procedure template.

Content from source chapter 8 (training plans, delivery, evaluation, career
paths) and ISO 9001 7.2 (competence) and 7.3 (awareness).
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core.plugins import Checklist, Field, Form, Metric, ProcedureTemplate, Question

AREA = "TRAINING"
ROSTER = "training.technician_roster"
# Not a form: document control's read-and-understood records, which recompute the metric naming them.
ACKNOWLEDGEMENTS = "procedures.acknowledgements"
LIBRARY = Path(__file__).parent / "library"

CHECKLISTS = [
    Checklist(
        key="training.competence",
        area=AREA,
        title=_l("Competence, training and awareness"),
        description=_l(
            "Whether staff are competent for their roles and whether training works (ISO 9001 7.2, "
            "7.3; training and development)."
        ),
        questions=[
            Question(
                key="roles",
                reference="ISO 9001 7.2 a",
                text=_l(
                    "Is the competence needed for each role (sales consultant, service advisor, technician, …) defined?"
                ),
                guidance=_l(
                    "Ask for the role profiles or competence matrix; check that three roles chosen "
                    "at random have required knowledge, skills and certifications written down."
                ),
            ),
            Question(
                key="needs",
                reference="ISO 9001 7.2 b",
                text=_l(
                    "Are training needs analysed against those competences and is the annual training plan approved?"
                ),
                guidance=_l(
                    "Look at the training needs matrix: gaps, actions and due dates per role. The "
                    "plan should state objectives, participants, content, method, timing and "
                    "evaluation, and carry management's approval."
                ),
            ),
            Question(
                key="delivery",
                reference="ISO 9001 7.2 c",
                text=_l("Is planned training delivered on time, with a prepared trainer, venue and materials?"),
                guidance=_l(
                    "Compare five planned courses with their training records: date, trainer, "
                    "hours, attendance list. Ask how the trainer and materials were chosen."
                ),
            ),
            Question(
                key="effectiveness",
                reference="ISO 9001 7.2 c",
                text=_l("Is the effectiveness of training evaluated (reaction, learning, behaviour, results)?"),
                guidance=_l(
                    "Look for reaction ratings and test scores on training records, and for a "
                    "later check of behaviour (mystery shop, observation) or results (CSI, SSI, "
                    "first-time fix) for the main courses. Ask what changed after a poor result."
                ),
            ),
            Question(
                key="records",
                reference="ISO 9001 7.2 d",
                text=_l("Are records kept as evidence of each person's competence?"),
                guidance=_l(
                    "Pick three staff members and trace their training records and certificates; "
                    "check that expired certificates were renewed."
                ),
            ),
            Question(
                key="awareness",
                reference="ISO 9001 7.3",
                text=_l(
                    "Do staff know the quality policy, the quality objectives relevant to them and "
                    "what happens when they do not follow the procedures?"
                ),
                guidance=_l(
                    "Interview two people from sales and two from the workshop; compare their "
                    "answers with the quality manual and their department's objectives."
                ),
            ),
            Question(
                key="ev",
                reference="ISO 9001 7.2; brand launch standards",
                text=_l(
                    "Do sales and service staff receive product training, including high-voltage "
                    "safety for electric vehicles, before a new model is launched?"
                ),
                guidance=_l(
                    "Take the last model launch: compare its launch date with the dates of the "
                    "product and high-voltage training records of the staff who sold or serviced "
                    "it."
                ),
            ),
            Question(
                key="warranty",
                reference="ISO 9001 7.2; 家用汽车三包规定",
                text=_l(
                    "Are service advisors and warranty staff trained on the warranty and 三包 "
                    "(repair, replacement, refund) procedure?"
                ),
                guidance=_l(
                    "Ask a service advisor when a 三包 replacement or refund is due; check their "
                    "training record for the warranty course and its test score."
                ),
            ),
            Question(
                key="certification",
                reference="ISO 9001 7.2",
                text=_l("Do technicians hold the certifications their work requires, and are expiry dates tracked?"),
                guidance=_l(
                    "Compare the certificate register with the workshop roster; look for "
                    "certificates past their expiry date and for work assigned to uncertified "
                    "technicians."
                ),
            ),
            Question(
                key="careers",
                reference="Training and development: career paths",
                text=_l(
                    "Are career paths defined and reviewed with staff, with the training that leads to each next step?"
                ),
                guidance=_l(
                    "Ask for the career path descriptions (promotion and lateral moves) and for "
                    "the notes of the last development review of two employees."
                ),
            ),
        ],
    ),
]

METRICS = [
    Metric(
        key="training.mandatory_completion",
        area=AREA,
        inputs=("training.record",),
        name=_l("Mandatory training completion"),
        unit="%",
        direction="higher",
        target=100,
        warning=95,
        computed=True,
        formula=_l(
            "Attendees who completed a mandatory course ÷ attendees required to attend it × 100, from "
            "the month's training records."
        ),
    ),
    Metric(
        key="training.reaction_score",
        area=AREA,
        inputs=("training.record",),
        name=_l("Training reaction score (Kirkpatrick L1)"),
        unit="/5",
        direction="higher",
        target=4.2,
        warning=3.8,
        computed=True,
        formula=_l("Mean of the attendees' reaction ratings (1–5) on the month's training records."),
    ),
    Metric(
        key="training.test_pass_rate",
        area=AREA,
        inputs=("training.record",),
        name=_l("Training test pass rate (Kirkpatrick L2)"),
        unit="%",
        direction="higher",
        target=90,
        warning=80,
        computed=True,
        formula=_l(
            "Attendees scoring at least the course's pass mark ÷ attendees tested × 100, from the "
            "month's training records."
        ),
    ),
    Metric(
        key="training.behaviour_change",
        area=AREA,
        name=_l("Behaviour change after training (Kirkpatrick L3)"),
        unit=_l("points"),
        direction="higher",
        target=5,
        warning=0,
        period="quarter",
        formula=_l(
            "Mystery-shop or observation score of trained staff after training − before training, in "
            "points; entered each quarter."
        ),
    ),
    Metric(
        key="training.result_change",
        area=AREA,
        name=_l("Result change after training (Kirkpatrick L4)"),
        unit=_l("points"),
        direction="higher",
        target=10,
        warning=0,
        period="quarter",
        formula=_l(
            "Change of the business result the training aimed at (CSI, SSI or first-time fix rate) "
            "since the training, in points; entered each quarter."
        ),
    ),
    Metric(
        key="training.certified_technicians",
        area=AREA,
        name=_l("Certified technician ratio"),
        unit="%",
        direction="higher",
        target=80,
        warning=60,
        computed=True,
        inputs=(ROSTER,),
        formula=_l(
            "Technicians on the month's latest technician roster holding a brand or high-voltage "
            "certification valid on the roster's date ÷ technicians on it × 100."
        ),
        description=_l(
            "Computed from the technician roster; months entered by hand before keep their values until a "
            "roster of that month is filed."
        ),
    ),
    Metric(
        key="training.procedure_acknowledgement",
        area=AREA,
        name=_l("Procedure acknowledgement completion"),
        unit="%",
        direction="higher",
        target=100,
        warning=90,
        computed=True,
        inputs=(ACKNOWLEDGEMENTS,),
        formula=_l(
            "Read-and-understood acknowledgements given ÷ acknowledgements due × 100 at the end of the month "
            "(now, for the current month): each person at the site owes one for the revision in force of each "
            "procedure distributed to their department or role."
        ),
        description=_l(
            "Computed from the document control records as acknowledgements are signed; months entered by hand "
            "before keep their values until they are recomputed."
        ),
    ),
]

_COURSE_TYPES = [
    ("product", _l("Product knowledge")),
    ("ev_safety", _l("Electric vehicle and high-voltage safety")),
    ("sales_process", _l("Sales process and customer contact")),
    ("service_process", _l("After-sales service process")),
    ("technical", _l("Technical repair skills")),
    ("warranty", _l("Warranty and 三包")),
    ("quality", _l("Quality policy and procedures")),
    ("compliance", _l("Legal and data protection")),
    ("management", _l("Management and leadership")),
]

_METHODS = [
    ("classroom", _l("Classroom")),
    ("online", _l("Online")),
    ("on_the_job", _l("On the job")),
    ("external", _l("External course")),
    ("manufacturer", _l("Manufacturer academy")),
]

FORMS = [
    Form(
        key=ROSTER,
        area=AREA,
        title=_l("Technician roster"),
        description=_l(
            "The workshop's technicians at a date, with their certifications' expiry dates; filed each month "
            "(the latest roster of the month counts)."
        ),
        fields=[
            Field(key="roster_date", label=_l("Roster date"), type="date", required=True, prefill="today"),
            Field(
                key="technicians",
                label=_l("Technicians"),
                type="group",
                required=True,
                max=200,
                fields=[
                    Field(key="name", label=_l("Technician's name"), required=True),
                    Field(key="brand_certified_until", label=_l("Brand certification valid until"), type="date"),
                    Field(key="hv_certified_until", label=_l("High-voltage certification valid until"), type="date"),
                ],
            ),
        ],
    ),
    Form(
        key="training.needs_matrix",
        area=AREA,
        title=_l("Training needs matrix"),
        description=_l("One line per role and competence gap: what is missing, what will close it, by when."),
        fields=[
            Field(
                key="role",
                label=_l("Job role"),
                type="select",
                required=True,
                choices=[
                    ("sales_consultant", _l("Sales consultant")),
                    ("service_advisor", _l("Service advisor")),
                    ("technician", _l("Technician")),
                    ("parts", _l("Parts staff")),
                    ("warranty", _l("Warranty administrator")),
                    ("customer_care", _l("Customer care")),
                    ("manager", _l("Manager")),
                    ("other", _l("Other")),
                ],
            ),
            Field(key="employee", label=_l("Employee (if the need is individual)")),
            Field(
                key="competence",
                label=_l("Competence required"),
                required=True,
                help=_l("As written in the role's profile, e.g. high-voltage isolation procedure."),
            ),
            Field(
                key="current_level",
                label=_l("Current level"),
                type="rating",
                scale=(1, 5),
                required=True,
                help=_l("1 = not able, 5 = able to teach others."),
            ),
            Field(key="required_level", label=_l("Required level"), type="rating", scale=(1, 5), required=True),
            Field(
                key="gap",
                label=_l("Competence gap"),
                type="textarea",
                required=True,
                help=_l(
                    "What the person or role cannot yet do, and how it was found (appraisal, audit, "
                    "complaint, new model)."
                ),
            ),
            Field(key="action", label=_l("Action"), type="select", required=True, choices=_METHODS),
            Field(key="course_type", label=_l("Subject"), type="select", choices=_COURSE_TYPES),
            Field(key="due_date", label=_l("Due date"), type="date", required=True),
            Field(key="responsible", label=_l("Responsible")),
            Field(
                key="status",
                label=_l("Status"),
                type="select",
                required=True,
                choices=[
                    ("planned", _l("Planned")),
                    ("in_progress", _l("In progress")),
                    ("done", _l("Done")),
                    ("cancelled", _l("Cancelled")),
                ],
            ),
        ],
    ),
    Form(
        key="training.record",
        area=AREA,
        title=_l("Training record"),
        description=_l("One course session with its attendees and the Kirkpatrick evaluation results."),
        fields=[
            Field(key="course", label=_l("Course"), required=True),
            Field(key="course_type", label=_l("Subject"), type="select", required=True, choices=_COURSE_TYPES),
            Field(
                key="mandatory",
                label=_l("Mandatory course"),
                type="boolean",
                required=True,
                help=_l("Mandatory: everyone listed below was required to attend."),
            ),
            Field(key="method", label=_l("Method"), type="select", required=True, choices=_METHODS),
            Field(key="date", label=_l("Date"), type="date", required=True),
            Field(key="hours", label=_l("Hours"), type="decimal", required=True, min=0.5, max=200),
            Field(key="trainer", label=_l("Trainer"), required=True),
            Field(
                key="pass_mark",
                label=_l("Pass mark (of 100)"),
                type="integer",
                min=0,
                max=100,
                help=_l("Leave empty when the course has no test."),
            ),
            Field(
                key="attendees",
                label=_l("Attendees"),
                type="group",
                required=True,
                min=1,
                max=100,
                fields=[
                    Field(key="name", label=_l("Person"), required=True),
                    Field(key="role", label=_l("Job role"), required=True),
                    Field(key="completed", label=_l("Completed"), type="boolean", required=True),
                    Field(key="score", label=_l("Test score"), type="decimal", min=0, max=100),
                    Field(key="reaction", label=_l("Reaction (1–5)"), type="rating", scale=(1, 5)),
                ],
            ),
            Field(
                key="behaviour_plan",
                label=_l("Behaviour follow-up (Kirkpatrick L3)"),
                type="textarea",
                help=_l("How and when the use of what was learnt will be checked, e.g. mystery shop in 60 days."),
            ),
            Field(
                key="result_measure",
                label=_l("Result to watch (Kirkpatrick L4)"),
                type="select",
                choices=[
                    ("csi", "CSI"),
                    ("ssi", "SSI"),
                    ("first_time_fix", _l("First-time fix rate")),
                    ("nps", "NPS"),
                    ("other", _l("Other")),
                    ("none", _l("None")),
                ],
            ),
            Field(key="notes", label=_l("Notes"), type="textarea"),
        ],
    ),
    Form(
        key="training.certificate",
        area=AREA,
        title=_l("Certificate register entry"),
        description=_l("A certification held by an employee, with its expiry date."),
        fields=[
            Field(key="employee", label=_l("Employee"), required=True),
            Field(key="role", label=_l("Job role"), required=True),
            Field(
                key="certificate",
                label=_l("Certificate"),
                required=True,
                help=_l("e.g. brand master technician, high-voltage electrician, sales consultant level 2."),
            ),
            Field(key="issuer", label=_l("Issued by"), required=True),
            Field(key="number", label=_l("Certificate number")),
            Field(key="issued", label=_l("Issued on"), type="date", required=True),
            Field(key="expires", label=_l("Expires on"), type="date"),
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
        code="TR-PR-002",
        title=_l("Career development paths"),
        department=AREA,
        body=_body("TR-PR-002-career-paths.md"),
        distribution_roles=("department_head",),
    ),
]
