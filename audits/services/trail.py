"""Which trail events of audits, nonconformities and corrective actions a user may read: those
of the records they may read (the ``trail_scope`` hook), selected in SQL like the lists."""

from __future__ import annotations

from sqlalchemy import String, cast, or_

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
from core.accounts.permissions import Permission, scope_clause
from core.database import db


def _id(column):
    # The trail keeps ids as text.
    return cast(column, String)


def _pair(first, second):
    # The trail names a row of an association table by its key's parts joined with "/".
    return _id(first) + "/" + _id(second)


def trail_scope(user: User) -> dict:
    """Entity type → the ids of the records of that type ``user`` may read."""
    readable_audits = db.select(Audit.id).where(audits.visible_clause(user))
    readable_items = db.select(AuditItem.id).where(AuditItem.audit_id.in_(readable_audits))
    readable_ncs = db.select(Nonconformity.id).where(nonconformities.visible_clause(user))
    readable_actions = db.select(CorrectiveAction.id).where(actions.visible_clause(user))
    readable_inspections = db.select(Inspection.id).where(inspections.visible_clause(user))
    readable_inspection_items = db.select(InspectionItem.id).where(
        InspectionItem.inspection_id.in_(readable_inspections)
    )
    readable_improvements = db.select(Improvement.id).where(improvements.visible_clause(user))
    return {
        "audit": db.select(_id(Audit.id)).where(Audit.id.in_(readable_audits)),
        "audit_department": db.select(_pair(AuditDepartment.audit_id, AuditDepartment.department_id)).where(
            AuditDepartment.audit_id.in_(readable_audits)
        ),
        "audit_auditor": db.select(_pair(AuditAuditor.audit_id, AuditAuditor.user_id)).where(
            AuditAuditor.audit_id.in_(readable_audits)
        ),
        "audit_checklist": db.select(_id(AuditChecklist.id)).where(AuditChecklist.audit_id.in_(readable_audits)),
        "audit_item": db.select(_id(AuditItem.id)).where(AuditItem.id.in_(readable_items)),
        "nonconformity": db.select(_id(Nonconformity.id)).where(Nonconformity.id.in_(readable_ncs)),
        "corrective_action": db.select(_id(CorrectiveAction.id)).where(CorrectiveAction.id.in_(readable_actions)),
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
