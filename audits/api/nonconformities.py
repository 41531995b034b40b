"""Nonconformities: raising, editing, the state machine, actions and evidence on them."""

from __future__ import annotations

from flask import jsonify, url_for

from audits.api.schemas import (
    ActionCreateSchema,
    CorrectiveActionSchema,
    EvidenceSchema,
    NcCreateSchema,
    NcListArgs,
    NcTransitionSchema,
    NcUpdateSchema,
    NonconformityDetailSchema,
    NonconformitySchema,
)
from audits.api.shared import UPLOAD_SCHEMA, _upload, bp
from audits.services import actions as action_services
from audits.services import evidence as evidence_services
from audits.services import nonconformities as nc_services
from core.accounts.permissions import Permission
from core.api import PAGE_HEADERS, api_user, loaded, may_refuse, paginate, token_required
from core.database import commit


def _guard(refusal_of, loader=nc_services.nc_by_reference):
    """The guard of an operation on the NC the URL names: ``refusal_of(user, nc)``."""
    return lambda user, reference: refusal_of(user, loaded(loader, reference))


@bp.route("/nonconformities")
@token_required(Permission.READ_RECORDS)
@bp.arguments(NcListArgs, location="query")
@bp.response(200, NonconformitySchema(many=True), headers=PAGE_HEADERS)
def list_nonconformities(args):
    """NCs, newest first; filters: state (or not_closed), site, department, overdue, source, owner."""
    query = nc_services.list_query(
        api_user(),
        state=args.get("state"),
        site=args.get("site"),
        department=args.get("department"),
        overdue=args.get("overdue", False),
        source=args.get("source"),
        owner=args.get("owner"),
    )
    return paginate(query, args)


@bp.route("/nonconformities", methods=["POST"])
@token_required(Permission.READ_RECORDS, guard=lambda user: nc_services.raise_refusal(user))
@bp.arguments(NcCreateSchema)
@bp.response(201, NonconformityDetailSchema)
def raise_nonconformity(data):
    """Raise an NC; owner defaults to the department's head, the due date to 30 (major) or 60 (minor) days."""
    nc = nc_services.raise_nonconformity(api_user(), **data)
    commit()
    return nc, 201, {"Location": url_for(".get_nonconformity", reference=nc.reference)}


@bp.route("/nonconformities/<reference>")
@token_required(Permission.READ_RECORDS)
@bp.response(200, NonconformityDetailSchema)
def get_nonconformity(reference):
    """The NC with its actions, evidence, links, similar NCs and history."""
    nc = nc_services.nc_by_reference(reference)
    nc_services.require_visible(api_user(), nc)
    return nc


@bp.route("/nonconformities/<reference>", methods=["PATCH"])
@token_required(Permission.READ_RECORDS, guard=_guard(nc_services.manage_refusal))
@bp.arguments(NcUpdateSchema)
@bp.response(200, NonconformityDetailSchema)
@may_refuse(bp, 403, 409)
def update_nonconformity(data, reference):
    """Title, description, owner or due date of an NC that is not closed."""
    nc = loaded(nc_services.nc_by_reference, reference)
    nc_services.update_nonconformity(api_user(), nc, **data)
    commit()
    return nc


@bp.route("/nonconformities/<reference>/transition", methods=["POST"])
@token_required(Permission.READ_RECORDS, guard=_guard(nc_services.manage_refusal, nc_services.nc_to_change))
@bp.arguments(NcTransitionSchema)
@bp.response(200, NonconformityDetailSchema)
@may_refuse(bp, 403, 409)
def transition_nonconformity(data, reference):
    """Move the NC on: contained (containment), root_cause_identified (root_cause),
    actions_planned, verifying, closed."""
    nc = loaded(nc_services.nc_to_change, reference)
    nc_services.transition(api_user(), nc, **data)
    # Serialised before the commit expires what the answer shows, which would load it all again.
    body = NonconformityDetailSchema().dump(nc)
    commit()
    return jsonify(body)


@bp.route("/nonconformities/<reference>/actions", methods=["POST"])
@token_required(Permission.READ_RECORDS, guard=_guard(action_services.plan_refusal))
@bp.arguments(ActionCreateSchema)
@bp.response(201, CorrectiveActionSchema)
@may_refuse(bp, 403, 409)
def add_action(data, reference):
    """Plan a corrective action (once the root cause is identified)."""
    nc = loaded(nc_services.nc_by_reference, reference)
    action = action_services.add_action(api_user(), nc, **data)
    commit()
    return action, 201


@bp.route("/nonconformities/<reference>/evidence", methods=["POST"])
@token_required(Permission.READ_RECORDS, guard=_guard(evidence_services.nc_evidence_refusal))
@bp.doc(requestBody={"content": UPLOAD_SCHEMA, "required": True})
@bp.response(201, EvidenceSchema)
@may_refuse(bp, 403, 409)
def upload_nc_evidence(reference):
    """Upload a file for the NC (multipart, field ``file``)."""
    nc = loaded(nc_services.nc_by_reference, reference)
    upload = _upload()
    evidence = evidence_services.attach_to_nonconformity(
        api_user(), nc, upload.stream, upload.filename, upload.mimetype
    )
    commit()
    return evidence, 201
