"""Audit scores compared across sites: the scored checklist versions, and per version the sites'
ranking and their scores over time. The rules are in :mod:`audits.services.score_comparison`;
the schemas live here, as only these operations use them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from audits.api.shared import bp
from audits.services import score_comparison
from core.accounts.permissions import Permission
from core.api import Date, QueryInteger, api_user, token_required

# A checklist's version is a whole number from 1 (its column is a 32-bit integer).
VERSIONS = validate.Range(min=1, max=2**31 - 1)


class ScoredChecklistSchema(Schema):
    checklist = fields.String(attribute="key", metadata={"description": "The checklist's key."})
    version = fields.Integer()
    title = fields.String(metadata={"description": "In the caller's language."})
    area = fields.String()
    pass_threshold = fields.Float(allow_none=True, metadata={"description": "percent; null without a pass mark"})
    audits = fields.Integer(metadata={"description": "Reported or closed audits of this version, at every site."})


class RankedSiteSchema(Schema):
    rank = fields.Integer(metadata={"description": "1 = best; equal scores share a rank."})
    site = fields.Function(lambda row: row.site.code)
    score = fields.Float(allow_none=True, metadata={"description": "percent, one decimal"})
    passed = fields.Boolean(allow_none=True)
    must_pass_failed = fields.Integer(metadata={"description": "How many must-pass items failed."})
    audit = fields.String(
        allow_none=True,
        metadata={
            "description": "The reference of the site's latest counted audit; null if the caller may not read it."
        },
    )
    date = Date(metadata={"description": "The day its fieldwork started, on the site's clock."})


class ScorePointSchema(Schema):
    audit = fields.String(allow_none=True, metadata={"description": "null when the caller may not read the audit."})
    date = Date()
    score = fields.Float(allow_none=True)
    passed = fields.Boolean(allow_none=True)


class SiteHistorySchema(Schema):
    site = fields.Function(lambda line: line.site.code)
    points = fields.List(fields.Nested(ScorePointSchema), metadata={"description": "Oldest first."})


class ScoreComparisonSchema(Schema):
    checklist = fields.String(attribute="key")
    version = fields.Integer()
    title = fields.String(attribute="checklist.title", metadata={"description": "In the caller's language."})
    pass_threshold = fields.Float(
        attribute="checklist.pass_threshold", allow_none=True, metadata={"description": "percent; null without one"}
    )
    ranking = fields.List(fields.Nested(RankedSiteSchema))
    history = fields.List(fields.Nested(SiteHistorySchema))


class ScoreComparisonArgs(Schema):
    version = QueryInteger(
        validate=VERSIONS, metadata={"description": "Default: the newest version with reported or closed audits."}
    )


@bp.route("/audit-scores")
@token_required(Permission.READ_DRAFTS)
@bp.response(200, ScoredChecklistSchema(many=True))
def list_scored_checklists():
    """The scored checklist versions with reported or closed audits at any site, the most recently
    audited first. A ranking is always of one version."""
    return score_comparison.scored_checklists(api_user())


@bp.route("/audit-scores/<key>")
@token_required(Permission.READ_DRAFTS)
@bp.arguments(ScoreComparisonArgs, location="query")
@bp.response(200, ScoreComparisonSchema)
def get_score_comparison(args, key):
    """The sites ranked on one checklist version by their latest reported or closed audit (best
    first), and each site's scores over time on that version. Every site of the group is ranked (a
    score is published like a KPI value); an audit's reference is given only to callers who may
    read that audit. 404 when no audit was ever scored on that checklist (version)."""
    return score_comparison.comparison(api_user(), key, args.get("version"))
