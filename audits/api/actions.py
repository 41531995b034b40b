"""Corrective actions: lists, completion, effectiveness verification, evidence."""

from __future__ import annotations

from audits.api.schemas import (
    ActionCompleteSchema,
    ActionListArgs,
    ActionVerifySchema,
    CorrectiveActionSchema,
    EvidenceSchema,
)
from audits.api.shared import UPLOAD_SCHEMA, _upload, bp
from audits.services import actions as action_services
from audits.services import evidence as evidence_services
from core.accounts.permissions import Permission
from core.api import PAGE_HEADERS, api_user, may_refuse, paginate, token_required
from core.database import commit


def _guard(refusal_of):
    """The guard of an operation on the action the URL names: ``refusal_of(user, action)``."""
    return lambda user, action_id: refusal_of(user, action_services.action_by_id(action_id))


@bp.route("/actions")
@token_required(Permission.READ_RECORDS)
@bp.arguments(ActionListArgs, location="query")
@bp.response(200, CorrectiveActionSchema(many=True), headers=PAGE_HEADERS)
def list_actions(args):
    """Corrective actions by due date; ``mine`` for the caller's unverified ones, ``overdue``."""
    query = action_services.actions_query(
        owner=api_user() if args["mine"] else None,
        open_only=args["mine"],
        overdue=args["overdue"],
        reader=api_user(),
    )
    return paginate(query, args)


@bp.route("/actions/<int:action_id>")
@token_required(Permission.READ_RECORDS)
@bp.response(200, CorrectiveActionSchema)
def get_action(action_id):
    """One corrective action with its evidence and signatures (404 outside one's scope)."""
    action = action_services.action_by_id(action_id)
    action_services.require_visible(api_user(), action)
    return action


@bp.route("/actions/<int:action_id>/complete", methods=["POST"])
@token_required(Permission.OWN_ACTION, guard=_guard(action_services.complete_refusal))
@bp.arguments(ActionCompleteSchema)
@bp.response(200, CorrectiveActionSchema)
@may_refuse(bp, 403, 409)
def complete_action(data, action_id):
    """Open → done, with a note of what was done."""
    action = action_services.action_by_id(action_id)
    action_services.complete_action(api_user(), action, **data)
    commit()
    return action


@bp.route("/actions/<int:action_id>/verify", methods=["POST"])
@token_required(Permission.VERIFY_EFFECTIVENESS, guard=_guard(action_services.verify_refusal))
@bp.arguments(ActionVerifySchema)
@bp.response(200, CorrectiveActionSchema)
@may_refuse(bp, 403, 409)
def verify_action(data, action_id):
    """Done → verified_effective (signed, password) or ineffective; never by the action's owner."""
    action = action_services.action_by_id(action_id)
    action_services.verify_action(api_user(), action, **data)
    commit()
    return action


@bp.route("/actions/<int:action_id>/evidence", methods=["POST"])
@token_required(Permission.READ_RECORDS, guard=_guard(evidence_services.action_evidence_refusal))
@bp.doc(requestBody={"content": UPLOAD_SCHEMA, "required": True})
@bp.response(201, EvidenceSchema)
@may_refuse(bp, 403, 409)
def upload_action_evidence(action_id):
    """Upload a file for the action (multipart, field ``file``)."""
    action = action_services.action_by_id(action_id)
    upload = _upload()
    evidence = evidence_services.attach_to_action(api_user(), action, upload.stream, upload.filename, upload.mimetype)
    commit()
    return evidence, 201
