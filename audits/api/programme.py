"""The audit programme: a site's year of planned audits."""

from __future__ import annotations

from types import SimpleNamespace

from marshmallow import Schema, fields, validate

from audits.api.schemas import (
    ProgrammeArgs,
    ProgrammeEntryCreateSchema,
    ProgrammeEntrySchema,
    ProgrammeSchema,
)
from audits.api.shared import bp
from audits.services import programme as programme_services
from audits.services import proposal
from audits.services.common import site_named
from core.accounts.permissions import Permission
from core.api import Integer, NonEmptyString, api_user, may_refuse, token_required
from core.database import commit
from core.errors import enforce


def _entry_row(entry, status, audit) -> SimpleNamespace:
    return SimpleNamespace(id=entry.id, year=entry.year, month=entry.month, status=status, entry=entry, audit=audit)


@bp.route("/audit-programme")
@token_required(Permission.READ_DRAFTS)
@bp.arguments(ProgrammeArgs, location="query")
@bp.response(200, ProgrammeSchema)
def get_programme(args):
    """A site's programme for a year, with each entry's status, and departments not audited in 12 months."""
    site = site_named(args["site"])
    rows = programme_services.coverage(site, args["year"])
    return {
        "entries": [_entry_row(c.entry, c.status, c.audit) for c in rows],
        "not_audited_in_12_months": [d.code for d, _ in programme_services.not_audited_recently(site)],
    }


@bp.route("/audit-programme", methods=["POST"])
@token_required(Permission.RUN_AUDITS)
@bp.arguments(ProgrammeEntryCreateSchema)
@bp.response(201, ProgrammeEntrySchema)
def add_programme_entry(data):
    """Plan a department's audit in a month of the site's programme."""
    entry = programme_services.add_entry(api_user(), **data)
    commit()
    return _entry_row(entry, "planned", None), 201


class ProposalLineSchema(Schema):
    department = fields.Function(lambda line: line.department.code)
    points = fields.Integer()
    reasons = fields.List(fields.String())
    audits_a_year = fields.Integer()
    months = fields.Function(lambda line: line.months(), metadata={"type": "array", "items": {"type": "integer"}})
    last_audit = fields.Function(lambda line: line.last_audit.reference if line.last_audit else None)


class ProposalAcceptSchema(Schema):
    site = NonEmptyString(required=True)
    year = Integer(required=True)
    audits_a_year = fields.Dict(
        keys=fields.String(),
        values=Integer(validate=validate.OneOf(proposal.CHOICES)),
        load_default=None,
        metadata={"description": "Changes to the proposal: department code → 0 to 4 audits a year."},
    )


@bp.route("/audit-programme/proposal")
@token_required(guard=lambda user: proposal.role_refusal(user))
@bp.arguments(ProgrammeArgs, location="query")
@bp.response(200, ProposalLineSchema(many=True))
@may_refuse(bp, 403)
def get_programme_proposal(args):
    """The risk-based programme proposed for a site and year: points, reasons and audits a year per department."""
    site = site_named(args["site"])
    enforce(proposal.refusal(api_user(), site))
    return proposal.propose(site, args["year"])


@bp.route("/audit-programme/proposal", methods=["POST"])
@token_required(guard=lambda user: proposal.role_refusal(user, accepting=True))
@bp.arguments(ProposalAcceptSchema)
@bp.response(201, ProgrammeSchema)
@may_refuse(bp, 403)
def accept_programme_proposal(data):
    """Accept the proposal (with changes): its lines replace the year's entries no audit was planned from."""
    proposal.accept(api_user(), site=data["site"], year=data["year"], audits_a_year=data["audits_a_year"])
    commit()
    site = site_named(data["site"])
    rows = programme_services.coverage(site, data["year"])
    return {
        "entries": [_entry_row(c.entry, c.status, c.audit) for c in rows],
        "not_audited_in_12_months": [d.code for d, _ in programme_services.not_audited_recently(site)],
    }, 201
