"""Which trail events of audits, nonconformities and corrective actions a user may read: those
of the records they may read (the ``trail_scope`` hook), selected in SQL like the lists."""

from __future__ import annotations

from sqlalchemy import String, cast, or_, union

from audits.improvements import services as improvements
from audits.improvements.models import Improvement
from audits.inspections import access as inspections
from audits.inspections.models import Inspection, InspectionItem, InspectionSchedule
from audits.models import (
    Audit,
    AuditAuditor,
    AuditChecklist,
    AuditDepartment,
    AuditItem,
    CorrectiveAction,
    Evidence,
    Nonconformity,
    ProgrammeEntry,
    Recheck,
)
from audits.objectives import services as objectives
from audits.objectives.models import Objective, ObjectiveUpdate
from audits.reviews import services as reviews
from audits.reviews.models import ManagementReview, ReviewOutput
from audits.services import actions, audits, nonconformities
from core.accounts.models import User
from core.accounts.permissions import Permission, scope_clause, scope_sites
from core.database import db
from core.plugin_engine.types import TrailSites


def _id(column):
    # The trail keeps ids as text.
    return cast(column, String)


def _pair(first, second):
    # The trail names a row of an association table by its key's parts joined with "/".
    return _id(first) + "/" + _id(second)


def at(site_column, sites) -> list:
    """The condition "at one of ``sites``" (none for every site): narrows a rule's ``within``
    select to the sites its events are kept with, so an index on the site finds its rows."""
    return [] if sites is None else [site_column.in_(sites)]


def _among(column, ids) -> list:
    """The condition "``column`` in ``ids``" (none when ``ids`` is None: every row)."""
    return [] if ids is None else [column.in_(ids)]


def _led_or_audited_by(user: User) -> list:
    """Selects of the ids of the audits ``user`` leads and of those they are an auditor on,
    each found by its index: as one OR the database read every audit of the group to find them."""
    return [
        db.select(Audit.id).where(Audit.lead_auditor_id == user.id),
        db.select(AuditAuditor.audit_id).where(AuditAuditor.user_id == user.id),
    ]


def _audits_to_look_at(user: User, sites):
    """The ids of the audits ``user`` may read or more — those at ``sites``, the sites of their
    scope, and their own — as a union of indexed lookups, or None when their scope is every site.
    A filter to start from; the reader's clause still decides."""
    if sites is None:
        return None
    # One flat union: SQLite takes no parenthesised union inside another.
    return union(db.select(Audit.id).where(Audit.site_id.in_(sites)), *_led_or_audited_by(user))


def _actions_to_look_at(user: User, ncs):
    """The ids of the actions of the NCs ``ncs`` (None: every NC) and of those ``user`` owns,
    as a union of indexed lookups, or None for every action."""
    if ncs is None:
        return None
    return union(
        db.select(CorrectiveAction.id).where(CorrectiveAction.nonconformity_id.in_(ncs)),
        db.select(CorrectiveAction.id).where(CorrectiveAction.owner_id == user.id),
    )


def trail_scope(user: User) -> dict:
    """Entity type → the ids of the records of that type ``user`` may read."""
    # The readable audits, NCs and actions are looked up from the sites and people they may be
    # readable by, then tested against the reader's rule: from the rule alone (an OR the
    # database cannot look up by index) each id-select read every audit, NC and action of the
    # group — the evidence rule 51 ms, the rechecks' 12 ms at the large demo size, for a site's
    # quality officer with no evidence or recheck event at all. The same sites serve the
    # TrailSites rules below: audits, their checklists and items, NCs and their actions by the
    # site their events keep (an item's is its audit's, an action's its NC's).
    audit_sites, whole_audits = scope_sites(user, Permission.READ_DRAFTS, by_department=True)
    ncs_to_look_at = nonconformities.readable_ids(user)
    readable_audits = db.select(Audit.id).where(
        audits.visible_clause(user), *_among(Audit.id, _audits_to_look_at(user, audit_sites))
    )
    readable_items = db.select(AuditItem.id).where(AuditItem.audit_id.in_(readable_audits))
    readable_ncs = db.select(Nonconformity.id).where(
        nonconformities.visible_clause(user), *_among(Nonconformity.id, ncs_to_look_at)
    )
    readable_actions = db.select(CorrectiveAction.id).where(
        actions.visible_clause(user), *_among(CorrectiveAction.id, _actions_to_look_at(user, ncs_to_look_at))
    )
    readable_inspections = db.select(Inspection.id).where(inspections.visible_clause(user))
    readable_inspection_items = db.select(InspectionItem.id).where(
        InspectionItem.inspection_id.in_(readable_inspections)
    )
    readable_improvements = db.select(Improvement.id).where(improvements.visible_clause(user))
    my_audits = union(*_led_or_audited_by(user))
    is_readable = audits.visible_clause(user)
    nc_sites, whole_ncs = scope_sites(user, Permission.READ_RECORDS, by_department=True, by_people=True)
    my_ncs = union(
        db.select(Nonconformity.id).where(Nonconformity.raised_by_id == user.id),
        db.select(Nonconformity.id).where(Nonconformity.owner_id == user.id),
        db.select(CorrectiveAction.nonconformity_id).where(CorrectiveAction.owner_id == user.id),
    )
    return {
        "audit": TrailSites(
            audit_sites,
            within=None
            if whole_audits
            else db.select(_id(Audit.id)).where(*at(Audit.site_id, audit_sites), is_readable),
            plus=db.select(_id(Audit.id)).where(Audit.id.in_(my_audits)),
        ),
        "audit_department": db.select(_pair(AuditDepartment.audit_id, AuditDepartment.department_id)).where(
            AuditDepartment.audit_id.in_(readable_audits)
        ),
        "audit_auditor": db.select(_pair(AuditAuditor.audit_id, AuditAuditor.user_id)).where(
            AuditAuditor.audit_id.in_(readable_audits)
        ),
        "audit_checklist": TrailSites(
            audit_sites,
            within=None
            if whole_audits
            else db.select(_id(AuditChecklist.id))
            .join(AuditChecklist.audit)
            .where(*at(Audit.site_id, audit_sites), is_readable),
            plus=db.select(_id(AuditChecklist.id)).where(AuditChecklist.audit_id.in_(my_audits)),
        ),
        "audit_item": TrailSites(
            audit_sites,
            within=None
            if whole_audits
            else db.select(_id(AuditItem.id)).join(AuditItem.audit).where(*at(Audit.site_id, audit_sites), is_readable),
            plus=db.select(_id(AuditItem.id)).where(AuditItem.audit_id.in_(my_audits)),
        ),
        "nonconformity": TrailSites(
            nc_sites,
            within=None
            if whole_ncs
            else db.select(_id(Nonconformity.id)).where(
                *at(Nonconformity.site_id, nc_sites), nonconformities.visible_clause(user)
            ),
            plus=db.select(_id(Nonconformity.id)).where(Nonconformity.id.in_(my_ncs)),
        ),
        "corrective_action": TrailSites(
            nc_sites,
            within=None
            if whole_ncs
            else db.select(_id(CorrectiveAction.id))
            .join(CorrectiveAction.nonconformity)
            .where(*at(Nonconformity.site_id, nc_sites), actions.visible_clause(user)),
            # Each by its index (as one OR, PostgreSQL read every action).
            plus=union(
                db.select(_id(CorrectiveAction.id)).where(CorrectiveAction.owner_id == user.id),
                db.select(_id(CorrectiveAction.id)).where(CorrectiveAction.nonconformity_id.in_(my_ncs)),
            ),
        ),
        "evidence": db.select(_id(Evidence.id)).where(
            or_(
                Evidence.audit_item_id.in_(readable_items),
                Evidence.nonconformity_id.in_(readable_ncs),
                Evidence.action_id.in_(readable_actions),
                Evidence.inspection_item_id.in_(readable_inspection_items),
                Evidence.improvement_id.in_(readable_improvements),
            )
        ),
        "quality_objective": db.select(_id(Objective.id)).where(objectives.visible_clause(user)),
        "quality_objective_update": db.select(_id(ObjectiveUpdate.id)).where(
            ObjectiveUpdate.objective_id.in_(db.select(Objective.id).where(objectives.visible_clause(user)))
        ),
        "management_review": db.select(_id(ManagementReview.id)).where(reviews.visible_clause(user)),
        "management_review_output": db.select(_id(ReviewOutput.id)).where(
            ReviewOutput.review_id.in_(db.select(ManagementReview.id).where(reviews.visible_clause(user)))
        ),
        "recheck": db.select(_id(Recheck.id)).where(Recheck.nonconformity_id.in_(readable_ncs)),
        "improvement": db.select(_id(Improvement.id)).where(improvements.visible_clause(user)),
        "inspection": db.select(_id(Inspection.id)).where(Inspection.id.in_(readable_inspections)),
        "inspection_item": db.select(_id(InspectionItem.id)).where(InspectionItem.id.in_(readable_inspection_items)),
        # Schedules are read like the programme: in one's scope, a head their department's.
        "inspection_schedule": db.select(_id(InspectionSchedule.id)).where(
            scope_clause(
                user,
                Permission.READ_DRAFTS,
                site_column=InspectionSchedule.site_id,
                department_column=InspectionSchedule.department_id,
            )
        ),
        # The programme is read by who reads audits: in their scope, a head their department's lines.
        "programme_entry": db.select(_id(ProgrammeEntry.id)).where(
            scope_clause(
                user,
                Permission.READ_DRAFTS,
                site_column=ProgrammeEntry.site_id,
                department_column=ProgrammeEntry.department_id,
            )
        ),
    }
