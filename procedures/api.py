"""Document control as JSON: the procedure endpoints of the API."""

from __future__ import annotations

from flask import Response, url_for
from marshmallow import Schema, fields, validate

from core.accounts.models import Role
from core.accounts.permissions import Permission
from core.accounts.services import department_by_code
from core.api import (
    PAGE_HEADERS,
    Date,
    Integer,
    NonEmptyString,
    PageArgs,
    QueryBoolean,
    QueryInteger,
    UTCDateTime,
    api_user,
    loaded,
    may_refuse,
    paginate,
    token_required,
)
from core.api.schemas import Pattern, SignatureSchema
from core.database import commit
from core.errors import NotFound, ValidationFailed
from core.signatures import signatures_for
from procedures import diff as diffing
from procedures import services
from procedures.markdown import render
from procedures.models import Kind, RevisionState
from procedures.pdf import controlled_copy_pdf
from procedures.routes import api as bp


class DistributionSchema(Schema):
    departments = fields.List(NonEmptyString(), load_default=list)
    roles = fields.List(fields.String(validate=validate.OneOf([role.value for role in Role])), load_default=list)


class RevisionSummarySchema(Schema):
    number = fields.Integer()
    state = fields.String()
    title = fields.String()
    change_summary = fields.String(allow_none=True)
    effective_date = fields.Date(allow_none=True)
    author = fields.Function(lambda r: r.author.login if r.author else None)
    approved_by_system = fields.Boolean()
    row_version = fields.Integer()


class RevisionSchema(RevisionSummarySchema):
    procedure = fields.Function(lambda r: r.procedure.code)
    body = fields.String()
    body_sha256 = fields.String()
    html = fields.Function(lambda r: str(render(r.body)))
    submitted_at = UTCDateTime(allow_none=True)
    approved_at = UTCDateTime(allow_none=True)
    effective_at = UTCDateTime(allow_none=True)
    superseded_at = UTCDateTime(allow_none=True)
    rejection_comment = fields.String(allow_none=True)
    signatures = fields.Function(lambda r: SignatureSchema(many=True).dump(signatures_for(r)))


class ProcedureSchema(Schema):
    code = fields.String()
    title = fields.String()
    department = fields.Function(lambda p: p.department.code)
    kind = fields.String()
    review_interval_months = fields.Integer()
    distribution = fields.Nested(DistributionSchema)
    origin_plugin = fields.String(allow_none=True)
    next_review_due = fields.Date(allow_none=True)
    withdrawn = fields.Boolean()
    withdrawal_reason = fields.String(allow_none=True)
    effective_revision = fields.Function(lambda p: p.effective_revision.number if p.effective_revision else None)
    row_version = fields.Integer()


class ReadableRevisions(fields.List):
    """The procedure's revisions; drafts and those in review only for a caller who may read its drafts.

    Serialising the draft for anyone else would show what they may not read.
    """

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(RevisionSummarySchema), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and not services.can_read_drafts(api_user(), obj):
            value = [r for r in value if r.state in (RevisionState.EFFECTIVE, RevisionState.SUPERSEDED)]
        return super()._serialize(value, attr, obj, **kwargs)


class ProcedureDetailSchema(ProcedureSchema):
    revisions = ReadableRevisions()


class ProcedureListArgs(PageArgs):
    department = NonEmptyString()
    state = fields.String(validate=validate.OneOf([s.value for s in RevisionState] + ["withdrawn"]))
    q = fields.String(metadata={"description": "Text in the code, title or effective body."})
    overdue = QueryBoolean(metadata={"description": "Only procedures whose periodic review is overdue."})


class ProcedureCreateSchema(Schema):
    # Either case: the service stores codes in capitals.
    code = fields.String(
        required=True,
        validate=Pattern(
            r"^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$", error="use 2–32 capital letters, digits, '.', '-' or '_'"
        ),
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    department = NonEmptyString(required=True)
    kind = fields.String(load_default=Kind.PROCEDURE.value, validate=validate.OneOf([k.value for k in Kind]))
    review_interval_months = Integer(load_default=12, validate=validate.Range(min=1, max=120))
    body = NonEmptyString(required=True)
    distribution = fields.Nested(DistributionSchema, load_default=None)


class ProcedureUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=300))
    review_interval_months = Integer(validate=validate.Range(min=1, max=120))
    distribution = fields.Nested(DistributionSchema)
    row_version = Integer(required=True)


class DraftCreateSchema(Schema):
    body = NonEmptyString(metadata={"description": "Defaults to the effective text."})
    change_summary = fields.String()


class DraftUpdateSchema(Schema):
    body = NonEmptyString()
    title = fields.String(validate=validate.Length(min=1, max=300))
    change_summary = fields.String()
    row_version = Integer(required=True)


class SubmitSchema(Schema):
    effective_date = Date(load_default=None, metadata={"description": "Defaults to the day both approvals are in."})
    row_version = Integer(required=True, metadata={"description": "The version of the draft you read."})


class SignSchema(Schema):
    meaning = fields.String(required=True, validate=validate.OneOf(services.SIGNING_MEANINGS))
    password = fields.String(required=True, load_only=True)
    comment = fields.String(load_default=None)


class SignResultSchema(Schema):
    signature = fields.Nested(SignatureSchema)
    revision = fields.Nested(RevisionSchema)
    became_effective = fields.Boolean()


class WithdrawSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1))
    row_version = Integer(required=True, metadata={"description": "The version of the procedure you read."})


class DiffArgs(Schema):
    from_ = QueryInteger(required=True, data_key="from", validate=validate.Range(min=1))
    to = QueryInteger(required=True, validate=validate.Range(min=1))


class DiffSchema(Schema):
    procedure = fields.String()
    from_ = fields.Integer(data_key="from")
    to = fields.Integer()
    inserted_words = fields.Integer()
    deleted_words = fields.Integer()
    chunks = fields.List(fields.Dict())
    html = fields.String(metadata={"description": "The Markdown source with <ins> and <del> around changed words."})
    rendered_html = fields.String(
        metadata={
            "description": "The new revision's rendered document: each top-level block in a div of class "
            "diff-same, diff-changed, diff-inserted or diff-deleted, changed words in <ins> and <del>; sanitised."
        }
    )


def _procedure(code):
    return loaded(services.procedure_by_code, code)


def _on_procedure(refusal_of):
    """The guard of an operation on the procedure the URL names: ``refusal_of(user, procedure)``."""
    return lambda user, code: refusal_of(user, _procedure(code))


def _on_revision(refusal_of):
    """The guard of an operation on the revision the URL names: ``refusal_of(user, revision)``."""
    return lambda user, code, number: refusal_of(user, services.revision_by_number(_procedure(code), number))


def _department_in_body(code: str):
    # An unknown code is a wrong value in the body (422), not a missing resource at the address (404).
    try:
        return department_by_code(code.upper())
    except NotFound as error:
        raise ValidationFailed.field("department", error.detail) from None


@bp.route("/procedures")
@token_required()
@bp.arguments(ProcedureListArgs, location="query")
@bp.response(200, ProcedureSchema(many=True), headers=PAGE_HEADERS)
def list_procedures(args):
    """Procedures the caller may see; filters: department, state, overdue review, text."""
    query = services.list_query(
        api_user(),
        department=args.get("department"),
        state=args.get("state"),
        q=args.get("q"),
        overdue=args.get("overdue", False),
    )
    return paginate(query, args)


@bp.route("/procedures", methods=["POST"])
@token_required(Permission.EDIT_DRAFT)
@bp.arguments(ProcedureCreateSchema)
@bp.response(201, ProcedureDetailSchema)
def create_procedure(data):
    """A new procedure; its revision 1 is a draft."""
    procedure = services.create_procedure(
        api_user(),
        code=data["code"],
        title=data["title"],
        department=_department_in_body(data["department"]),
        body=data["body"],
        kind=data["kind"],
        review_interval_months=data["review_interval_months"],
        distribution=data.get("distribution"),
    )
    commit()
    return procedure, 201, {"Location": url_for(".get_procedure", code=procedure.code)}


@bp.route("/procedures/<code>")
@token_required()
@bp.response(200, ProcedureDetailSchema)
def get_procedure(code):
    """The procedure with its revisions (drafts only for those who may read them)."""
    procedure = _procedure(code)
    services.readable_revision(api_user(), procedure, None)
    return procedure


@bp.route("/procedures/<code>", methods=["PATCH"])
@token_required(Permission.EDIT_DRAFT, guard=_on_procedure(services.edit_refusal))
@bp.arguments(ProcedureUpdateSchema)
@bp.response(200, ProcedureDetailSchema)
@may_refuse(bp, 403, 409)
def update_procedure(data, code):
    """Title, review interval or distribution."""
    procedure = _procedure(code)
    services.update_procedure(
        api_user(),
        procedure,
        title=data.get("title"),
        review_interval_months=data.get("review_interval_months"),
        distribution=data.get("distribution"),
        row_version=data["row_version"],
    )
    commit()
    return procedure


@bp.route("/procedures/<code>/withdraw", methods=["POST"])
@token_required(Permission.APPROVE_REVISION, guard=_on_procedure(services.withdraw_refusal))
@bp.arguments(WithdrawSchema)
@bp.response(200, ProcedureDetailSchema)
@may_refuse(bp, 403, 409)
def withdraw_procedure(data, code):
    """Withdraw a procedure as obsolete, with a reason (quality officer)."""
    procedure = _procedure(code)
    services.withdraw(api_user(), procedure, reason=data["reason"], row_version=data["row_version"])
    commit()
    return procedure


@bp.route("/procedures/<code>/revisions", methods=["POST"])
@token_required(Permission.EDIT_DRAFT, guard=_on_procedure(services.edit_refusal))
@bp.arguments(DraftCreateSchema)
@bp.response(201, RevisionSchema)
@may_refuse(bp, 403, 409)
def create_revision(data, code):
    """A new draft from the effective text."""
    procedure = _procedure(code)
    revision = services.new_draft(
        api_user(), procedure, body=data.get("body"), change_summary=data.get("change_summary")
    )
    commit()
    return revision, 201, {"Location": url_for(".get_revision", code=procedure.code, number=revision.number)}


@bp.route("/procedures/<code>/revisions/<int:number>")
@token_required()
@bp.response(200, RevisionSchema)
@may_refuse(bp, 403)
def get_revision(code, number):
    """Body, rendered HTML, state, row_version and signatures of one revision."""
    return services.readable_revision(api_user(), _procedure(code), number)


@bp.route("/procedures/<code>/revisions/<int:number>", methods=["PATCH"])
@token_required(Permission.EDIT_DRAFT, guard=_on_revision(services.draft_edit_refusal))
@bp.arguments(DraftUpdateSchema)
@bp.response(200, RevisionSchema)
@may_refuse(bp, 403, 409)
def update_revision(data, code, number):
    """Edit a draft; a stale row_version or a non-draft is refused with 409."""
    revision = services.readable_revision(api_user(), _procedure(code), number)
    services.edit_draft(
        api_user(),
        revision,
        row_version=data["row_version"],
        body=data.get("body"),
        title=data.get("title"),
        change_summary=data.get("change_summary"),
    )
    commit()
    return revision


@bp.route("/procedures/<code>/revisions/<int:number>/submit", methods=["POST"])
@token_required(Permission.EDIT_DRAFT, guard=_on_revision(services.draft_edit_refusal))
@bp.arguments(SubmitSchema)
@bp.response(200, RevisionSchema)
@may_refuse(bp, 403, 409)
def submit_revision(data, code, number):
    """Draft → in review."""
    revision = services.readable_revision(api_user(), _procedure(code), number)
    services.submit(api_user(), revision, row_version=data["row_version"], effective_date=data.get("effective_date"))
    commit()
    return revision


@bp.route("/procedures/<code>/revisions/<int:number>/signatures", methods=["POST"])
@token_required(guard=_on_revision(services.signing_refusal))
@bp.arguments(SignSchema)
@bp.response(201, SignResultSchema)
@may_refuse(bp, 403, 409)
def sign_revision(data, code, number):
    """Sign with the password: approved, rejected (with a comment), periodic-review, acknowledged."""
    procedure = _procedure(code)
    revision = services.readable_revision(api_user(), procedure, number)
    outcome = services.sign_revision(
        api_user(), revision, meaning=data["meaning"], password=data["password"], comment=data.get("comment")
    )
    commit()
    return outcome, 201


@bp.route("/procedures/<code>/revisions/<int:number>/pdf")
@token_required()
@bp.response(200, {"format": "binary", "type": "string"}, content_type="application/pdf")
@may_refuse(bp, 403)
def revision_pdf(code, number):
    """The controlled copy as PDF."""
    procedure = _procedure(code)
    revision = services.readable_revision(api_user(), procedure, number)
    pdf = controlled_copy_pdf(revision)
    filename = f"{procedure.code}-rev{revision.number}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.route("/procedures/<code>/diff")
@token_required(guard=_on_procedure(services.invisible_refusal))
@bp.arguments(DiffArgs, location="query")
@bp.response(200, DiffSchema)
@may_refuse(bp, 403)
def diff_revisions(args, code):
    """Word-level differences between two revisions."""
    procedure = _procedure(code)
    old = services.readable_revision(api_user(), procedure, args["from_"])
    new = services.readable_revision(api_user(), procedure, args["to"])
    chunks = diffing.word_diff(old.body, new.body)
    return {
        "procedure": procedure.code,
        "from_": old.number,
        "to": new.number,
        **diffing.stats(chunks),
        "chunks": [{"op": c.op, "text": c.text} for c in chunks],
        "html": str(diffing.render_inline(chunks)),
        "rendered_html": str(diffing.rendered_html(diffing.rendered_diff(render(old.body), render(new.body)))),
    }
