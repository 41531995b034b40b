"""What the audit area's list pages and an audit's results read as a spreadsheet: tables of the
reader's words (labels, states by their names, times on their clock), written by
:mod:`core.exports`, which neutralises formula-looking cells.

Each table is built from the same query as its page, so an export holds exactly the rows the
page's filters select and the reader may see.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from audits import scoring
from audits.labels import RESULT_LABELS, SEVERITY_LABELS, SOURCE_LABELS, state_label
from audits.models import Audit
from audits.services import actions as action_services
from audits.services import audits as audit_services
from audits.services import nonconformities as nc_services
from core.accounts.models import User
from core.database import db
from core.exports import Sheet


def _name(user: User | None) -> str:
    return user.display_name if user is not None else ""


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def audits_sheet(reader: User, **filters) -> Sheet:
    query = audit_services.list_query(reader, **filters).options(selectinload(Audit.items))
    header = [
        _("Reference"),
        _("Title"),
        _("Site"),
        _("Departments"),
        _("Planned date"),
        _("Lead auditor"),
        _("Auditors"),
        _("State"),
        _("Answered"),
        _("Checklist items"),
        _("Started"),
        _("Reported"),
        _("Closed"),
    ]

    def rows():
        for audit in db.session.execute(query).scalars():
            answered, total = audit.progress
            yield [
                audit.reference,
                audit.title,
                audit.site.code,
                ", ".join(audit.department_codes),
                audit.planned_date,
                _name(audit.lead_auditor),
                ", ".join(user.display_name for user in audit.auditors),
                state_label(audit.state),
                answered,
                total,
                audit.started_at,
                audit.reported_at,
                audit.closed_at,
            ]

    return Sheet(_("Audits"), header, rows())


def nonconformities_sheet(reader: User, **filters) -> Sheet:
    query = nc_services.list_query(reader, **filters)
    header = [
        _("Reference"),
        _("Title"),
        _("Severity"),
        _("Site"),
        _("Department"),
        _("Owner"),
        _("Due"),
        _("Overdue now"),
        _("Source"),
        _("Audit"),
        _("State"),
        _("Raised at"),
        _("Raised by"),
        _("Closed at"),
    ]

    def rows():
        for nc in db.session.execute(query).scalars():
            yield [
                nc.reference,
                nc.shown("title"),
                str(SEVERITY_LABELS.get(nc.severity, nc.severity)),
                nc.site.code,
                nc.department.code,
                _name(nc.owner),
                nc.due_date,
                _yes_no(nc_services.is_overdue(nc)),
                str(SOURCE_LABELS.get(nc.source, nc.source)),
                nc.audit.reference if nc.audit is not None else "",
                state_label(nc.state),
                nc.raised_at,
                _name(nc.raised_by),
                nc.closed_at,
            ]

    return Sheet(_("Nonconformities"), header, rows())


def my_actions_sheet(reader: User) -> Sheet:
    """The two lists of "My actions" in one table, each row saying which list it is on."""
    nc_services.require_read(reader)
    header = [
        _("Action"),
        _("Nonconformity"),
        _("Description"),
        _("Owner"),
        _("Due"),
        _("Overdue now"),
        _("State"),
        _("Completed at"),
        _("Listed as"),
    ]
    lists = (
        (_("Assigned to me"), action_services.my_actions(reader)),
        (_("Waiting for my effectiveness verification"), action_services.awaiting_verification(reader)),
    )

    def rows():
        for listed_as, actions in lists:
            for action in actions:
                yield [
                    action.label,
                    action.nonconformity.shown("title"),
                    action.description,
                    _name(action.owner),
                    action.due_date,
                    _yes_no(action_services.is_overdue(action)),
                    state_label(action.state),
                    action.completed_at,
                    listed_as,
                ]

    return Sheet(_("My actions"), header, rows())


def results_sheets(audit: Audit) -> list[Sheet]:
    """An audit's results, one row per checklist item, in the reader's language (the snapshot's
    translations), then the sheets of its score (XLSX only: CSV holds the first table)."""
    header = [
        _("Checklist"),
        _("Position"),
        _("Question"),
        _("Reference"),
        _("Result"),
        _("Note"),
        _("Answered by"),
        _("Answered at"),
        _("Nonconformity"),
        _("Nonconformity state"),
    ]

    def rows():
        for checklist in audit.checklists:
            for item in checklist.items:
                nc = item.nonconformity
                yield [
                    checklist.shown("title"),
                    item.position,
                    item.shown("text"),
                    item.shown("reference"),
                    str(RESULT_LABELS.get(item.result, item.result or "")),
                    item.note or "",
                    _name(item.answered_by),
                    item.answered_at,
                    nc.reference if nc is not None else "",
                    state_label(nc.state) if nc is not None else "",
                ]

    return [Sheet(audit.reference, header, rows()), *score_sheets(audit)]


def score_sheets(audit: Audit) -> list[Sheet]:
    """The audit's score as a sheet (overall, per checklist and per section, with pass or fail),
    once one of its checklists is scored; none for an audit answered by grades alone."""
    score = scoring.score_audit(audit)
    if not score.scored:
        return []
    header = [_("Checklist"), _("Section"), _("Weight"), _("Score (%)"), _("Points"), _("Of"), _("Result")]

    def verdict(passed: bool | None) -> str:
        return "" if passed is None else _("Passed") if passed else _("Failed")

    def rows():
        yield [_("Overall"), "", "", _percent(score.overall), "", "", verdict(score.passed)]
        for checklist in score.checklists:
            title = checklist.checklist.shown("title")
            yield [title, "", "", _percent(checklist.score), "", "", verdict(checklist.passed)]
            for section in checklist.sections:
                yield [title, section.title, section.weight, _percent(section.score), section.earned, section.possible]
        for item in score.failed_must_pass:
            yield [item.checklist.shown("title"), _("Must-pass item failed"), "", "", "", "", item.shown("text")]

    return [Sheet(_("Score"), header, rows())]


def _percent(value: float | None) -> float | str:
    return "" if value is None else round(value, 1)
