"""The checklist for the quality system itself: what an internal audit of the QUALITY department
asks (ISO 9001 clauses 4–10 as a dealership's quality office lives them), so that the starter
programme's QUALITY audit has something to run."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.plugins import Checklist, Question

QUALITY_SYSTEM = "audits.quality_system"


def quality_system() -> Checklist:
    return Checklist(
        key=QUALITY_SYSTEM,
        area="QUALITY",
        title=_l("Quality management system"),
        description=_l(
            "Document control, the audit programme and its impartiality, management review, objectives, "
            "nonconformities, customer feedback and competence: checked in dealerqms and in the quality office."
        ),
        questions=[
            Question(
                key="document-control",
                reference="ISO 9001 7.5.2, 7.5.3",
                text=_l(
                    "Are the procedures in use the effective revisions, approved by a second person and "
                    "reviewed by their due date?"
                ),
                guidance=_l(
                    "Pick five procedures: compare the copy used at the workplace with the effective revision, "
                    "check the approvals and the review dates; look for printed copies of superseded revisions."
                ),
            ),
            Question(
                key="read-and-understood",
                reference="ISO 9001 7.3",
                text=_l("Have the staff who apply each procedure acknowledged its effective revision?"),
                guidance=_l("Compare the acknowledgement list of three procedures with the staff of their department."),
            ),
            Question(
                key="records",
                reference="ISO 9001 7.5.3.2",
                text=_l("Are quality records kept, protected and retrievable for their retention period?"),
                guidance=_l(
                    "Ask for the records of a closed audit and of a closed NC from last year; verify the trail."
                ),
            ),
            Question(
                key="audit-programme",
                reference="ISO 9001 9.2.2 a",
                text=_l(
                    "Does the audit programme cover every department, with frequencies set from the importance "
                    "of its processes and the results of previous audits?"
                ),
                guidance=_l("Compare this year's programme with last year's findings and the coverage achieved."),
            ),
            Question(
                key="impartiality",
                reference="ISO 9001 9.2.2 c; ISO 19011 4",
                text=_l("Were the auditors objective and impartial: did nobody audit their own work?"),
                guidance=_l("For each audit of the year, compare the team with the department audited."),
            ),
            Question(
                key="management-review",
                reference="ISO 9001 9.3",
                text=_l(
                    "Was the management review held as planned, with all the inputs of 9.3.2, and are its "
                    "outputs tracked to completion?"
                ),
                guidance=_l("Read the last review's record: inputs, decisions, owners and due dates of its outputs."),
            ),
            Question(
                key="objectives",
                reference="ISO 9001 6.2",
                text=_l(
                    "Are quality objectives set for the relevant departments, measurable, monitored, and planned "
                    "(what, who, with what resources, by when)?"
                ),
            ),
            Question(
                key="risks",
                reference="ISO 9001 6.1",
                text=_l("Are risks and opportunities identified and assessed, and are the actions on them planned?"),
            ),
            Question(
                key="kpis",
                reference="ISO 9001 9.1.1, 9.1.3",
                text=_l("Are the process KPIs measured against their targets, and are red ones acted upon?"),
                guidance=_l("Take the KPIs red for two months or more: is there an NC, an action or an objective?"),
            ),
            Question(
                key="nc-corrective-action",
                reference="ISO 9001 10.2",
                text=_l(
                    "Are nonconformities contained, their root causes analysed, and the actions taken verified "
                    "as effective by someone other than their owner?"
                ),
                guidance=_l("Sample five closed NCs: containment, root cause, actions, verification, re-check."),
            ),
            Question(
                key="customer-feedback",
                reference="ISO 9001 9.1.2; ISO 10002",
                text=_l(
                    "Is customer satisfaction monitored (SSI, CSI, NPS), and are complaints acknowledged and "
                    "closed on time?"
                ),
            ),
            Question(
                key="competence",
                reference="ISO 9001 7.2",
                text=_l("Are the competences of each role defined, and are training records and certificates current?"),
                guidance=_l("Sample staff of three departments: compare their records with the training matrix."),
            ),
            Question(
                key="improvement",
                reference="ISO 9001 10.1, 10.3",
                text=_l("Are opportunities for improvement collected and followed through to a result?"),
            ),
        ],
    )
