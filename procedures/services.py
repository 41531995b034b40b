"""Document-control rules, shared by the web pages, the API and the CLI."""

from __future__ import annotations

import calendar
import json
import re
import time
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import String, Text, and_, cast, func, null, or_, true, union_all
from sqlalchemy.orm import contains_eager, defer, joinedload, selectinload

from core.accounts import organisation
from core.accounts.models import Department, Role, Site, User, UserRole
from core.accounts.permissions import Permission, can, in_group_office, require, scope_clause, scope_sites
from core.answer_cache import kept_records
from core.clock import add_months as add_months_to_period
from core.clock import current_period, local, local_time, period_of, today, utcnow
from core.counts import capped_count
from core.database import commit, db, write_intent
from core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Refusal,
    TooLarge,
    ValidationFailed,
    conflict,
    enforce,
    require_row_version,
)
from core.metrics import services as metric_services
from core.metrics.models import Measurement
from core.plugin_engine.manager import notify_after_commit
from core.plugin_engine.types import TrailSites
from core.session_memory import since_last_write
from core.signatures import Signature, sign, signature_matches, signatures_for
from core.signatures.service import MEANINGS, content_hash
from core.times import zone_of
from core.trail import acting_as
from core.trail import reason as trail_reason
from core.trail.queries import history_of_all
from procedures import notices
from procedures.labels import revision_state
from procedures.markdown import body_sha256, render
from procedures.models import Kind, Procedure, Revision, RevisionState, procedure_reader

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,31}$")
MAX_BODY_BYTES = 512 * 1024
OPEN_STATES = (RevisionState.DRAFT, RevisionState.IN_REVIEW, RevisionState.APPROVED)
SIGNING_MEANINGS = ("approved", "rejected", "periodic-review", "acknowledged")


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


# Look-ups ------------------------------------------------------------------------


def procedure_by_code(code: str) -> Procedure:
    procedure = db.session.execute(
        db.select(Procedure)
        .filter_by(code=code.upper())
        # Each revision's author is on the page: one statement for all, not one per author.
        .options(selectinload(Procedure.revisions).selectinload(Revision.author))
    ).scalar_one_or_none()
    if procedure is None:
        raise NotFound(_("There is no procedure with code '%(code)s'.", code=code))
    return procedure


def revision_by_number(procedure: Procedure, number: int) -> Revision:
    for revision in procedure.revisions:
        if revision.number == number:
            return revision
    raise NotFound(_("%(code)s has no revision %(number)s.", code=procedure.code, number=number))


def scope(procedure: Procedure) -> dict:
    """What the permission check needs to know of ``procedure``: its department,
    and its site (none for a group-wide procedure: read and written at every site)."""
    return {"department_id": procedure.department_id, "site_id": procedure.site_id}


def can_read_drafts(user: User, procedure: Procedure) -> bool:
    """Whether ``user`` may read the drafts, the history and the trail of ``procedure``."""
    return can(user, Permission.READ_DRAFTS, **scope(procedure))


def drafts_scope(user: User):
    """SQL: the procedures whose drafts ``user`` may read (the rule of :func:`can_read_drafts`)."""
    return scope_clause(
        user,
        Permission.READ_DRAFTS,
        # A group-wide procedure (no site) is in everyone's site scope: coalesce
        # makes its missing site compare equal to the user's own.
        site_column=func.coalesce(Procedure.site_id, user.site_id) if user.site_id is not None else None,
        department_column=Procedure.department_id,
    )


def trail_scope(user: User) -> dict:
    """The procedures and revisions whose trail events ``user`` may read (their drafts' scope)."""
    readable = drafts_scope(user)
    # By the site each event keeps (a revision's is its procedure's): the rule of drafts_scope
    # with the site taken out, the group-wide procedures (no site) in every site's scope.
    sites, whole = scope_sites(user, Permission.READ_DRAFTS, by_department=True)
    if sites:
        sites = (*sites, None)
    return {
        "procedure": TrailSites(sites, within=None if whole else db.select(cast(Procedure.id, String)).where(readable)),
        "procedure_revision": TrailSites(
            sites,
            within=None if whole else db.select(cast(Revision.id, String)).join(Revision.procedure).where(readable),
        ),
    }


PUBLIC_STATES = (RevisionState.EFFECTIVE, RevisionState.SUPERSEDED)


def applies_to(user: User, procedure: Procedure) -> bool:
    """Whether ``procedure`` applies to ``user``: a group-wide one to everyone, a
    site's own to the people of that site and of the group office (and administrators)."""
    return (
        procedure.site_id is None
        or in_group_office(user)
        or user.site_id == procedure.site_id
        or Role.ADMIN in user.roles
    )


def applies_clause(user: User):
    """SQL: the procedures that apply to ``user`` (the rule of :func:`applies_to`)."""
    if in_group_office(user) or Role.ADMIN in user.roles:
        return true()
    return or_(Procedure.site_id.is_(None), Procedure.site_id == user.site_id)


def is_public(revision: Revision) -> bool:
    """The effective and superseded revisions: readable by everyone who reads procedures."""
    return revision.state in PUBLIC_STATES


def readable_revision(user: User, procedure: Procedure, number: int | None) -> Revision:
    """The revision a user asked for (the effective one by default), if they may see it.

    A draft (or a revision in review or approved) that the user may not read is
    not there for them: 404, its existence not told.
    """
    require(user, Permission.READ_EFFECTIVE_PROCEDURES)
    require_visible_procedure(user, procedure)
    if number is None:
        revision = procedure.effective_revision
        if revision is None:
            if not can_read_drafts(user, procedure):
                raise NotFound(_("%(code)s has no effective revision yet.", code=procedure.code))
            revision = procedure.latest_revision
        return revision
    revision = revision_by_number(procedure, number)
    if not is_public(revision) and not can_read_drafts(user, procedure):
        raise NotFound(_("%(code)s has no revision %(number)s.", code=procedure.code, number=number))
    return revision


def invisible_refusal(user: User, procedure: Procedure) -> Refusal | None:
    """A 404 refusal when ``user`` may see nothing of ``procedure``: nothing in force
    (effective or superseded) and drafts they may not read."""
    if can_read_drafts(user, procedure):
        return None
    if not applies_to(user, procedure) or not any(is_public(r) for r in procedure.revisions):
        return Refusal(_("There is no procedure with code %(code)s.", code=procedure.code), NotFound)
    return None


def require_visible_procedure(user: User, procedure: Procedure) -> None:
    enforce(invisible_refusal(user, procedure))


def revision_invisible_refusal(user: User, revision: Revision) -> Refusal | None:
    """A 404 refusal when ``user`` may not read ``revision``: a draft (or one in review or
    approved) they may not read is not there for them, as its procedure may not be."""
    procedure = revision.procedure
    refusal = invisible_refusal(user, procedure)
    if refusal is None and not is_public(revision) and not can_read_drafts(user, procedure):
        refusal = Refusal(
            _("%(code)s has no revision %(number)s.", code=procedure.code, number=revision.number), NotFound
        )
    return refusal


def history(user: User, procedure: Procedure) -> list:
    """The trail events of ``procedure`` and its revisions, in order, for who may read them."""
    require_visible_procedure(user, procedure)
    require(user, Permission.READ_TRAIL, **scope(procedure))
    # Read-and-understood signatures have a page of their own: by the hundred, they would bury the approvals.
    signed = [s for s in revision_signatures(procedure.revisions).values() if s.meaning != "acknowledged"]
    return history_of_all([procedure, *procedure.revisions, *signed])


def revision_signatures(revisions) -> dict[int, Signature]:
    """The signatures on ``revisions`` (approvals, rejections, reviews, read-and-understood), by id, oldest first."""
    ids = [str(r.id) for r in revisions]
    if not ids:
        return {}
    found = db.session.execute(
        db.select(Signature)
        .where(Signature.entity_type == "procedure_revision", Signature.entity_id.in_(ids))
        .order_by(Signature.signed_at, Signature.id)
    ).scalars()
    return {s.id: s for s in found}


def approvals_by_revision(revisions) -> dict[int, list[Signature]]:
    """Each revision's approving and rejecting signatures, for the table of revisions."""
    found: dict[int, list[Signature]] = {r.id: [] for r in revisions}
    for signature in revision_signatures(revisions).values():
        if signature.meaning in ("approved", "rejected"):
            found[int(signature.entity_id)].append(signature)
    return found


def visible_revisions(user: User, procedure: Procedure) -> list[Revision]:
    """The revisions of ``procedure`` that ``user`` may read, oldest first."""
    if can_read_drafts(user, procedure):
        return list(procedure.revisions)
    return [r for r in procedure.revisions if is_public(r)]


def list_query(
    user: User,
    *,
    department: str | None = None,
    state: str | None = None,
    q: str | None = None,
    overdue: bool = False,
    include_withdrawn: bool = False,
):
    """Procedures the user may see, filtered; a select for pagination."""
    require(user, Permission.READ_EFFECTIVE_PROCEDURES)
    query = db.select(Procedure).join(Procedure.department).options(selectinload(Procedure.revisions))
    if department:
        query = query.where(Department.code == department.upper())
    if not include_withdrawn and state != "withdrawn":
        query = query.where(Procedure.withdrawn_at.is_(None))
    readable_drafts = drafts_scope(user)
    if state == "withdrawn":
        query = query.where(Procedure.withdrawn_at.is_not(None))
    elif state:
        if state not in {s.value for s in RevisionState}:
            raise ValidationFailed.field("state", _("unknown state %(state)s", state=repr(state)))
        query = query.where(Procedure.revisions.any(Revision.state == state))
        if state not in PUBLIC_STATES:
            # Which procedures have a draft is itself what a draft tells.
            query = query.where(readable_drafts)
    if overdue:
        query = query.where(Procedure.next_review_due < today())
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(
            or_(
                Procedure.code.ilike(pattern),
                Procedure.title.ilike(pattern),
                Procedure.revisions.any((Revision.state == RevisionState.EFFECTIVE) & Revision.body.ilike(pattern)),
            )
        )
    # Procedures whose drafts one may read, and elsewhere what is in force.
    query = query.where(
        or_(readable_drafts, and_(applies_clause(user), Procedure.revisions.any(Revision.state.in_(PUBLIC_STATES))))
    )
    return query.order_by(Procedure.code)


# Checks ---------------------------------------------------------------------------


def _check_body(body: str | None) -> str:
    if body is None or not body.strip():
        raise ValidationFailed.required("body")
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise TooLarge(
            _("The text is larger than the limit of %(limit)s KiB: shorten it.", limit=MAX_BODY_BYTES // 1024)
        )
    return body.replace("\r\n", "\n")


def _check_distribution(distribution: dict | None, department: Department) -> dict:
    distribution = distribution or {}
    departments = sorted({code.upper() for code in distribution.get("departments", []) if code})
    roles = sorted({role for role in distribution.get("roles", []) if role})
    known = set(db.session.execute(db.select(Department.code)).scalars())
    for code in departments:
        if code not in known:
            raise ValidationFailed.field("distribution", _("unknown department %(code)s", code=repr(code)))
    for role in roles:
        if role not in {r.value for r in Role}:
            raise ValidationFailed.field("distribution", _("unknown role %(role)s", role=repr(role)))
    if not departments and not roles:
        departments = [department.code]
    return {"departments": departments, "roles": roles}


def _permission_refusal(user: User, permission: Permission, **scope) -> Refusal | None:
    try:
        require(user, permission, **scope)
    except Forbidden as error:
        return Refusal(error.detail)
    return None


def edit_refusal(user: User, procedure: Procedure) -> Refusal | None:
    """Why ``user`` may not write revisions of ``procedure``, or None."""
    refusal = invisible_refusal(user, procedure) or _permission_refusal(user, Permission.EDIT_DRAFT, **scope(procedure))
    if refusal:
        return refusal
    if procedure.withdrawn:
        return conflict(_("%(code)s is withdrawn; it can no longer be revised.", code=procedure.code))
    return None


def _require_edit(actor: User, procedure: Procedure) -> None:
    enforce(edit_refusal(actor, procedure))


def draft_edit_refusal(user: User, revision: Revision) -> Refusal | None:
    """Why ``user`` may not edit or submit ``revision``, or None (its state is the service's to say)."""
    return revision_invisible_refusal(user, revision) or edit_refusal(user, revision.procedure)


def signing_refusal(user: User, revision: Revision) -> Refusal | None:
    """Who may sign ``revision`` at all, before knowing what they sign: a revision not in force
    is signed only by its reviewers (approved or rejected); one in force by those who read it."""
    refusal = revision_invisible_refusal(user, revision)
    if refusal is None and not is_public(revision):
        refusal = decide_refusal(user, revision)
    return refusal


def withdraw_refusal(user: User, procedure: Procedure) -> Refusal | None:
    """Why ``user`` may not withdraw ``procedure``, or None: a quality officer, once."""
    refusal = invisible_refusal(user, procedure) or _permission_refusal(
        user, Permission.APPROVE_REVISION, **scope(procedure)
    )
    if refusal:
        return refusal
    if Role.QUALITY_OFFICER not in user.roles:
        return Refusal(_("Only a quality officer may withdraw a procedure from the library."))
    if procedure.withdrawn:
        return conflict(_("%(code)s is already withdrawn.", code=procedure.code))
    return None


# Creating and editing ---------------------------------------------------------


def create_procedure(
    actor: User | None,
    *,
    code: str,
    title: str,
    department: Department,
    body: str,
    kind: str = Kind.PROCEDURE.value,
    review_interval_months: int = 12,
    distribution: dict | None = None,
    origin_plugin: str | None = None,
    site: Site | None = None,
) -> Procedure:
    """A new procedure with revision 1 as a draft. ``actor`` None: the installation itself.

    ``site``: the dealership it is written for; none for a group-wide procedure.
    """
    if actor is not None:
        require(actor, Permission.EDIT_DRAFT, department_id=department.id, site_id=site.id if site else None)
    code = (code or "").strip().upper()
    if not CODE_PATTERN.match(code):
        raise ValidationFailed.field("code", _("use 2–32 capital letters, digits, '.', '-' or '_'"))
    if db.session.execute(db.select(Procedure.id).filter_by(code=code)).first():
        raise ValidationFailed.field(
            "code", _("%(code)s is already used by another procedure; choose another code", code=code)
        )
    if not (title or "").strip():
        raise ValidationFailed.required("title")
    if kind not in {k.value for k in Kind}:
        raise ValidationFailed.field("kind", _("one of %(known)s", known=", ".join(k.value for k in Kind)))
    if not 1 <= int(review_interval_months) <= 120:
        raise ValidationFailed.field("review_interval_months", _("must be between 1 and 120"))
    body = _check_body(body)
    procedure = Procedure(
        code=code,
        title=title.strip(),
        department=department,
        site=site,
        kind=kind,
        review_interval_months=int(review_interval_months),
        distribution=_check_distribution(distribution, department),
        origin_plugin=origin_plugin,
    )
    db.session.add(procedure)
    db.session.flush()
    revision = Revision(
        procedure=procedure,
        number=1,
        title=procedure.title,
        body=body,
        body_sha256=body_sha256(body),
        author=actor,
        state=RevisionState.DRAFT.value,
    )
    _note_editor(revision, actor)
    db.session.add(revision)
    db.session.flush()
    return procedure


def update_procedure(
    actor: User,
    procedure: Procedure,
    *,
    title: str | None = None,
    review_interval_months: int | None = None,
    distribution: dict | None = None,
    row_version: int,
) -> Procedure:
    """Metadata of the procedure (not its text: that is revised through drafts)."""
    _require_edit(actor, procedure)
    require_row_version(procedure, row_version)
    if title is not None:
        if not title.strip():
            raise ValidationFailed.required("title")
        procedure.title = title.strip()
    if review_interval_months is not None:
        if not 1 <= int(review_interval_months) <= 120:
            raise ValidationFailed.field("review_interval_months", _("must be between 1 and 120"))
        procedure.review_interval_months = int(review_interval_months)
    if distribution is not None:
        procedure.distribution = _check_distribution(distribution, procedure.department)
    db.session.flush()
    return procedure


def open_revision(procedure: Procedure) -> Revision | None:
    return next((r for r in procedure.revisions if r.state in OPEN_STATES), None)


def new_draft(
    actor: User, procedure: Procedure, *, body: str | None = None, change_summary: str | None = None
) -> Revision:
    """Revision n+1 as a draft, starting from the effective text."""
    _require_edit(actor, procedure)
    pending = open_revision(procedure)
    if pending is not None:
        raise Conflict(
            _(
                "%(code)s already has revision %(number)s, which is %(state)s; finish or reject it first.",
                code=procedure.code,
                number=pending.number,
                state=revision_state(pending.state),
            )
        )
    base = procedure.effective_revision or procedure.latest_revision
    text = _check_body(body) if body is not None else base.body
    revision = Revision(
        procedure=procedure,
        number=procedure.latest_revision.number + 1,
        title=procedure.title,
        body=text,
        body_sha256=body_sha256(text),
        change_summary=(change_summary or "").strip() or None,
        author=actor,
    )
    _note_editor(revision, actor)
    db.session.add(revision)
    db.session.flush()
    return revision


def edit_draft(
    actor: User,
    revision: Revision,
    *,
    row_version: int,
    body: str | None = None,
    title: str | None = None,
    change_summary: str | None = None,
) -> Revision:
    _require_edit(actor, revision.procedure)
    if not revision.editable:
        raise Conflict(
            _(
                "Revision %(number)s of %(code)s is %(state)s; only a draft can be edited.",
                number=revision.number,
                code=revision.procedure.code,
                state=revision_state(revision.state),
            )
        )
    require_row_version(revision, row_version)
    # Saving checks what submitting will, before anything changes: a draft that
    # could not be submitted as saved is refused while its author has the form open.
    summary = (change_summary.strip() or None) if change_summary is not None else revision.change_summary
    _require_change_summary(revision.number, summary)
    text_before = (revision.title, revision.body)
    if body is not None:
        revision.body = _check_body(body)
        revision.body_sha256 = body_sha256(revision.body)
    if title is not None:
        if not title.strip():
            raise ValidationFailed.required("title")
        revision.title = title.strip()
    if change_summary is not None:
        revision.change_summary = summary
    if (revision.title, revision.body) != text_before:
        _note_editor(revision, actor)
    db.session.flush()
    return revision


def _require_change_summary(number: int, summary: str | None) -> None:
    """Revision 2 and later say what changed and why: readers and approvers see it first."""
    if number > 1 and not summary:
        raise ValidationFailed.about(
            "change_summary",
            _("Say what changed and why: revision %(number)s needs a change summary.", number=number),
        )


def preview(actor: User, body: str, *, revision: Revision | None = None) -> Markup:
    """``body`` rendered exactly as the controlled copy will show it, for the editor's
    live preview: for whoever may edit ``revision`` (a draft), or write a new procedure."""
    if revision is None:
        require(actor, Permission.EDIT_DRAFT)
    else:
        enforce(draft_edit_refusal(actor, revision))
        if not revision.editable:
            raise Conflict(
                _(
                    "Revision %(number)s is %(state)s; only a draft can be edited.",
                    number=revision.number,
                    state=revision_state(revision.state),
                )
            )
    if not (body or "").strip():
        return Markup("")
    return render(_check_body(body), cache=False)


def _note_editor(revision: Revision, actor: User | None) -> None:
    """Remember that ``actor`` wrote (some of) the text of ``revision``: they may not approve it."""
    if actor is not None and actor not in revision.editors:
        revision.editors.append(actor)


def wrote_text_of(user: User, revision: Revision) -> bool:
    """Whether ``user`` created ``revision`` or changed its text at any point."""
    return revision.author_id == user.id or any(editor.id == user.id for editor in revision.editors)


def submit(actor: User, revision: Revision, *, row_version: int, effective_date: date | None = None) -> Revision:
    _require_edit(actor, revision.procedure)
    if revision.state != RevisionState.DRAFT:
        raise Conflict(
            _(
                "Revision %(number)s is %(state)s; only a draft can be submitted.",
                number=revision.number,
                state=revision_state(revision.state),
            )
        )
    require_row_version(revision, row_version)
    _require_change_summary(revision.number, revision.change_summary)
    if effective_date is not None and effective_date < today():
        raise ValidationFailed.field("effective_date", _("cannot be in the past"))
    revision.effective_date = effective_date
    revision.state = RevisionState.IN_REVIEW.value
    revision.submitted_at = utcnow()
    revision.rejection_comment = None
    db.session.flush()
    notices.approval_asked(revision, approve_refusal)
    return revision


def withdraw(actor: User, procedure: Procedure, *, reason: str, row_version: int) -> Procedure:
    refusal = withdraw_refusal(actor, procedure)
    if refusal is not None and refusal.error is not Conflict:
        enforce(refusal)
    require_row_version(procedure, row_version)
    enforce(refusal)
    if not (reason or "").strip():
        raise ValidationFailed.required("reason")
    with trail_reason(reason.strip()):
        procedure.withdrawn_at = utcnow()
        procedure.withdrawal_reason = reason.strip()
        procedure.next_review_due = None
        db.session.flush()
    _refresh_where_it_applies(procedure)
    return procedure


# Signing -----------------------------------------------------------------------


def is_head_of(user: User, procedure: Procedure) -> bool:
    """Whether ``user`` signs ``procedure`` as the head of its department (at its site, or group-wide)."""
    return organisation.approves_as_head(user, procedure.department_id, procedure.site_id)


def current_approvals(revision: Revision, signatures: list[Signature] | None = None) -> list[Signature]:
    """Approvals given since the revision was last submitted, on its present text.

    ``signatures``: the revision's signatures (:func:`approvals_of`), when the caller read them already.
    """
    return [
        s
        for s in (signatures_for(revision) if signatures is None else signatures)
        if s.meaning == "approved"
        and revision.submitted_at
        and s.signed_at >= revision.submitted_at
        and signature_matches(s, revision)
    ]


def approvals_of(revisions: list[Revision]) -> dict[int, list[Signature]]:
    """The ``approved`` signatures of ``revisions`` in one query: revision id → signatures, in signing order."""
    found: dict[int, list[Signature]] = {revision.id: [] for revision in revisions}
    if found:
        for signature in db.session.execute(
            db.select(Signature)
            .where(
                Signature.entity_type == "procedure_revision",
                Signature.entity_id.in_([str(revision_id) for revision_id in found]),
                Signature.meaning == "approved",
            )
            .order_by(Signature.signed_at, Signature.id)
        ).scalars():
            found[int(signature.entity_id)].append(signature)
    return found


def approval_complete(revision: Revision, approvals: list[Signature]) -> bool:
    signers = {s.signer_id: s.signer for s in approvals}
    heads = {uid for uid, u in signers.items() if is_head_of(u, revision.procedure)}
    officers = {uid for uid, u in signers.items() if Role.QUALITY_OFFICER in u.roles}
    return any(h != q for h in heads for q in officers)


@dataclass(frozen=True)
class SignOutcome:
    signature: Signature
    revision: Revision
    became_effective: bool


def sign_revision(
    actor: User, revision: Revision, *, meaning: str, password: str, comment: str | None = None
) -> SignOutcome:
    if meaning not in SIGNING_MEANINGS:
        raise ValidationFailed.field("meaning", _("one of %(known)s", known=", ".join(SIGNING_MEANINGS)))
    procedure = revision.procedure
    if meaning in ("approved", "rejected"):
        return _sign_review(actor, revision, meaning, password, comment)
    if revision.state != RevisionState.EFFECTIVE:
        raise Conflict(
            _(
                "Only the effective revision can be signed for a periodic review or an acknowledgement; "
                "revision %(number)s is %(state)s.",
                number=revision.number,
                state=revision_state(revision.state),
            )
        )
    if meaning == "periodic-review":
        enforce(review_refusal(actor, revision))
        signature = sign(revision, signer=actor, password=password, meaning=meaning, comment=comment)
        procedure.next_review_due = add_months(today(), procedure.review_interval_months)
        db.session.flush()
        return SignOutcome(signature, revision, False)
    # acknowledged
    require(actor, Permission.READ_EFFECTIVE_PROCEDURES)
    if any(s.signer_id == actor.id for s in acknowledgements(revision)):
        raise Conflict(
            _(
                "You have already acknowledged revision %(number)s of %(code)s.",
                number=revision.number,
                code=procedure.code,
            )
        )
    signature = sign(revision, signer=actor, password=password, meaning=meaning, comment=comment)
    if actor.site is not None:
        refresh_acknowledgement_metrics(actor.site, [current_period(zone_of(actor.site))])
    return SignOutcome(signature, revision, False)


def decide_refusal(user: User, revision: Revision) -> Refusal | None:
    """Why ``user`` may not reject ``revision`` (review it as head or quality officer), or None."""
    procedure = revision.procedure
    refusal = _permission_refusal(user, Permission.APPROVE_REVISION, **scope(procedure))
    if refusal:
        return refusal
    if revision.state != RevisionState.IN_REVIEW:
        return conflict(
            _(
                "Revision %(number)s of %(code)s is %(state)s, not in review.",
                number=revision.number,
                code=procedure.code,
                state=revision_state(revision.state),
            )
        )
    if wrote_text_of(user, revision):
        return Refusal(
            _(
                "The author of a revision, or whoever changed its text, may not approve or reject it; "
                "two other people must."
            )
        )
    if not (is_head_of(user, procedure) or Role.QUALITY_OFFICER in user.roles):
        if procedure.site is not None:
            return Refusal(
                _(
                    "Only the head of %(department)s at %(site)s or a quality officer may approve %(code)s.",
                    department=procedure.department.code,
                    site=procedure.site.code,
                    code=procedure.code,
                )
            )
        return Refusal(
            _(
                "Only the head of %(department)s or a quality officer may approve %(code)s.",
                department=procedure.department.code,
                code=procedure.code,
            )
        )
    return None


def approve_refusal(user: User, revision: Revision, approvals: list[Signature] | None = None) -> Refusal | None:
    """Why ``user`` may not approve ``revision``, or None: as :func:`decide_refusal`, and not twice.

    ``approvals``: the revision's current approvals, when the caller has them already.
    """
    refusal = decide_refusal(user, revision)
    if refusal:
        return refusal
    approvals = current_approvals(revision) if approvals is None else approvals
    if any(s.signer_id == user.id for s in approvals):
        return conflict(_("You have already approved this revision; a second approver must be someone else."))
    return None


def review_refusal(user: User, revision: Revision) -> Refusal | None:
    """Why ``user`` may not sign ``revision`` as periodically reviewed ("still valid"), or None."""
    procedure = revision.procedure
    if revision.state != RevisionState.EFFECTIVE:
        return conflict(
            _(
                "Only the effective revision can be signed as %(meaning)s; revision %(number)s is %(state)s.",
                meaning=MEANINGS["periodic-review"],
                number=revision.number,
                state=revision_state(revision.state),
            )
        )
    refusal = _permission_refusal(user, Permission.APPROVE_REVISION, **scope(procedure))
    if refusal:
        return refusal
    if procedure.withdrawn:
        return conflict(_("%(code)s is withdrawn; it is no longer reviewed.", code=procedure.code))
    return None


def sign_refusal(user: User, revision: Revision, meaning: str) -> Refusal | None:
    """Why ``user`` may not sign ``revision`` with ``meaning``, or None (the signing page asks it
    before it shows the text to sign)."""
    if meaning == "approved":
        return approve_refusal(user, revision)
    if meaning == "rejected":
        return decide_refusal(user, revision)
    if meaning == "periodic-review":
        return review_refusal(user, revision)
    refusal = _permission_refusal(user, Permission.READ_EFFECTIVE_PROCEDURES)
    if refusal:
        return refusal
    if revision.state != RevisionState.EFFECTIVE:
        return conflict(
            _(
                "Only the effective revision can be signed as %(meaning)s; revision %(number)s is %(state)s.",
                meaning=MEANINGS.get(meaning, meaning),
                number=revision.number,
                state=revision_state(revision.state),
            )
        )
    return None


def _sign_review(actor, revision, meaning, password, comment) -> SignOutcome:
    approvals = current_approvals(revision)
    enforce(approve_refusal(actor, revision, approvals) if meaning == "approved" else decide_refusal(actor, revision))
    if meaning == "rejected":
        if not (comment or "").strip():
            raise ValidationFailed.field("comment", _("a rejection needs a comment for the author"))
        signature = sign(revision, signer=actor, password=password, meaning=meaning, comment=comment)
        with trail_reason(comment.strip()):
            revision.state = RevisionState.DRAFT.value
            revision.rejection_comment = comment.strip()
            db.session.flush()
        notices.rejected(revision, actor, comment.strip(), signature.id)
        return SignOutcome(signature, revision, False)
    signature = sign(revision, signer=actor, password=password, meaning=meaning, comment=comment)
    became_effective = False
    if approval_complete(revision, approvals + [signature]):
        revision.state = RevisionState.APPROVED.value
        revision.approved_at = utcnow()
        revision.effective_date = revision.effective_date or today()
        db.session.flush()
        if revision.effective_date <= today():
            make_effective(revision)
            became_effective = True
    return SignOutcome(signature, revision, became_effective)


def make_effective(revision: Revision) -> None:
    """Approved → effective; the one before → superseded; one transaction."""
    # Serialise concurrent activations of one procedure (SQLite already holds
    # its write lock; PostgreSQL locks the procedure row).
    db.session.execute(db.select(Procedure.id).where(Procedure.id == revision.procedure_id).with_for_update())
    db.session.refresh(revision)
    if revision.state != RevisionState.APPROVED:
        raise Conflict(
            _(
                "Revision %(number)s is %(state)s; only an approved revision takes effect.",
                number=revision.number,
                state=revision_state(revision.state),
            )
        )
    procedure = revision.procedure
    now = utcnow()
    current = db.session.execute(
        db.select(Revision).where(Revision.procedure_id == procedure.id, Revision.state == RevisionState.EFFECTIVE)
    ).scalar_one_or_none()
    if current is not None and current.id != revision.id:
        current.state = RevisionState.SUPERSEDED.value
        current.superseded_at = now
        # Written first, so the one-effective index never sees two.
        db.session.flush()
    revision.state = RevisionState.EFFECTIVE.value
    revision.effective_at = now
    procedure.next_review_due = add_months(
        revision.effective_date or local(now).date(), procedure.review_interval_months
    )
    db.session.flush()
    _refresh_where_it_applies(procedure)
    notices.effective(revision)
    _announce_effective(revision)


def _announce_effective(revision: Revision) -> None:
    notify_after_commit("revision_effective", revision=revision)


_last_due_check: list[float] = [0.0]
DUE_CHECK_SECONDS = 60


def apply_due_if_any() -> None:
    """On a request: let revisions whose date has come take effect (checked at most once a minute)."""
    now = time.monotonic()
    if now - _last_due_check[0] < DUE_CHECK_SECONDS:
        return
    _last_due_check[0] = now
    waiting = db.session.execute(
        db.select(Revision.id)
        .where(Revision.state == RevisionState.APPROVED, Revision.effective_date <= today())
        .limit(1)
    ).first()
    if waiting is None:
        return
    with write_intent(), acting_as("scheduler"):
        apply_due()
        commit()


def content_sha256(revision: Revision) -> str:
    return content_hash(revision)


def apply_due(on: date | None = None) -> list[Revision]:
    """Approved revisions whose effective date has come take effect (scheduled or on request)."""
    on = on or today()
    due = list(
        db.session.execute(
            db.select(Revision)
            .where(Revision.state == RevisionState.APPROVED, Revision.effective_date <= on)
            .order_by(Revision.effective_date, Revision.id)
        ).scalars()
    )
    for revision in due:
        make_effective(revision)
    return due


# Read-and-understood -------------------------------------------------------------


def distribution_users_query(procedure: Procedure):
    return (
        db.select(User)
        .outerjoin(User.department)
        .where(User.active.is_(True))
        .where(
            or_(
                Department.code.in_(procedure.distribution_departments or [""]),
                User.role_rows.any(UserRole.role.in_(procedure.distribution_roles or [""])),
            )
        )
        .order_by(User.display_name)
    )


def acknowledgements(revision: Revision) -> list[Signature]:
    return [s for s in signatures_for(revision) if s.meaning == "acknowledged"]


@dataclass(frozen=True)
class AckStatus:
    revision: Revision
    owed: list[User]
    done: dict[int, Signature]

    @property
    def pending(self) -> list[User]:
        return [u for u in self.owed if u.id not in self.done]

    @property
    def percent(self) -> int:
        return 100 if not self.owed else round(100 * sum(u.id in self.done for u in self.owed) / len(self.owed))

    def by_department(self) -> dict[str, tuple[int, int]]:
        result: dict[str, tuple[int, int]] = {}
        for user in self.owed:
            code = user.department.code if user.department else "—"
            done, total = result.get(code, (0, 0))
            result[code] = (done + (user.id in self.done), total + 1)
        return result


def acknowledgement_status(actor: User, procedure: Procedure) -> AckStatus | None:
    require_visible_procedure(actor, procedure)
    require(actor, Permission.READ_DRAFTS, **scope(procedure))
    revision = procedure.effective_revision
    if revision is None:
        return None
    owed = list(db.session.execute(distribution_users_query(procedure)).scalars())
    done = {s.signer_id: s for s in acknowledgements(revision)}
    return AckStatus(revision, owed, done)


def _distributed_to_clause(user: User):
    """SQL: the procedure's distribution names one of ``user``'s roles or their department —
    through :data:`procedure_reader`'s index, so that what a user owes is found without reading
    every effective revision's distribution (thousands in a large instance)."""
    named = [and_(procedure_reader.c.kind == "roles", procedure_reader.c.name.in_(sorted(r.value for r in user.roles)))]
    if user.department is not None:
        named.append(and_(procedure_reader.c.kind == "departments", procedure_reader.c.name == user.department.code))
    return Revision.procedure_id.in_(db.select(procedure_reader.c.procedure_id).where(or_(*named)))


def _to_read_query(user: User):
    acknowledged = db.select(Signature.id).where(
        Signature.entity_type == "procedure_revision",
        Signature.entity_id == cast(Revision.id, String),
        Signature.signer_id == user.id,
        Signature.meaning == "acknowledged",
    )
    return (
        db.select(Revision)
        .join(Revision.procedure)
        .where(
            Revision.state == RevisionState.EFFECTIVE,
            Procedure.withdrawn_at.is_(None),
            # Another site's own procedures are not theirs to read, whatever the distribution says.
            applies_clause(user),
            _distributed_to_clause(user),
            ~acknowledged.exists(),
        )
    )


def to_read(user: User, limit: int | None = None) -> list[Revision]:
    """Effective revisions the user is in the distribution of and has not acknowledged, by procedure
    code, without their text (read on first use): the lists name them, and SQLite read every one's
    body to sort them (an auditor's 714 at large)."""
    query = (
        _to_read_query(user).options(contains_eager(Revision.procedure), defer(Revision.body)).order_by(Procedure.code)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())


# How many of the revisions a person is to read are found and kept at least: the inbox and the
# dashboard's panel show different numbers of them, and share the one window.
TO_READ_WINDOW = 10


def first_to_read(user: User, limit: int) -> list[Revision]:
    """The first ``limit`` revisions ``user`` is to read, the earliest in force first (the inbox's
    order: each is due a fortnight after it takes effect), without their text — the inbox names
    them, and SQLite read each of the reader's revisions' body to sort them (hundreds at a large
    group).

    Finding them sorts every revision the reader owes (714 for a head at large), and the dashboard
    asks twice (its inbox, then the to-read panel): a session answers a window no larger than one
    it found since its last write from that one, as :func:`core.counts.capped_count` does counts."""
    remembered = since_last_write(db.session(), "first_to_read")
    found = remembered.get(user.id)
    if found is not None and (found[0] >= limit or len(found[1]) < found[0]):
        return found[1][:limit]
    # Which ones kept from one request to the next until a procedure, a revision, a reader or a
    # signature is written (core.answer_cache); then the few found, loaded by key.
    revisions = kept_records(
        _to_read_query(user)
        .order_by(Revision.effective_date.is_(None), Revision.effective_date, Procedure.code)
        .limit(max(limit, TO_READ_WINDOW)),
        Revision,
        joinedload(Revision.procedure),
        defer(Revision.body),
        first=limit,
    )
    remembered[user.id] = (limit, revisions)
    return revisions


def to_read_count(user: User) -> int:
    return capped_count(_to_read_query(user))


def _month_end(site: Site, period: str) -> datetime:
    """The moment the month ``period`` ends at ``site``: midnight of the next month's first day on its clock."""
    following = add_months_to_period(period, 1)
    return local_time(int(following[:4]), int(following[5:7]), 1, zone=zone_of(site))


def acknowledgement_completion(site: Site, period: str) -> tuple[int, int]:
    """``(due, given)`` at ``site`` at the end of the month ``period`` (now, for a month not over):
    each active person working at the site owes an acknowledgement of each revision then in force
    of a procedure that applies there and is distributed to their department or one of their
    roles (the rule of :func:`to_read`); given means signed by then."""
    end = _month_end(site, period)
    # A month not over yet is counted with everything so far, up to this very moment.
    at = end if end <= utcnow() else None

    def by_then(column):
        return true() if at is None else column < at

    def still_then(column):
        return column.is_(None) if at is None else or_(column.is_(None), column >= at)

    in_force = and_(
        Revision.state.in_((RevisionState.EFFECTIVE.value, RevisionState.SUPERSEDED.value)),
        Revision.effective_at.is_not(None),
        by_then(Revision.effective_at),
        still_then(Revision.superseded_at),
        still_then(Procedure.withdrawn_at),
        or_(Procedure.site_id.is_(None), Procedure.site_id == site.id),
    )
    # Who worked there is known only as it is now: the site, department and roles people have today.
    people = list(
        db.session.execute(
            db.select(User)
            .options(selectinload(User.department))
            .where(User.site_id == site.id, User.active.is_(True), by_then(User.created_at))
        ).scalars()
    )
    if not people:
        return 0, 0
    named: dict[tuple[str, str], set[int]] = {}
    for person in people:
        if person.department is not None:
            named.setdefault(("departments", person.department.code), set()).add(person.id)
        for role in person.roles:
            named.setdefault(("roles", role.value), set()).add(person.id)
    readers_of: dict[str | None, frozenset[int]] = {}

    def readers(distribution_text: str | None) -> frozenset[int]:
        """The site's people a distribution names (by department or role, each counted once)."""
        if distribution_text not in readers_of:
            distribution = (json.loads(distribution_text) if distribution_text else None) or {}
            readers_of[distribution_text] = frozenset(
                person_id
                for kind in ("departments", "roles")
                for value in distribution.get(kind) or ()
                for person_id in named.get((kind, value), ())
            )
        return readers_of[distribution_text]

    # A group has thousands of revisions in force but only a few distinct distributions: the
    # database counts the revisions of each, and a few rows come back however many revisions
    # there are (it still scans them, about ten times faster than reading them into Python).
    # Cast to text: PostgreSQL cannot group json; equal lists written differently merely make
    # two groups.
    revisions = (
        db.select(Revision.id, cast(Procedure.distribution, Text).label("distribution"))
        .join(Procedure, Revision.procedure_id == Procedure.id)
        .where(in_force)
        .cte("in_force")
    )
    due_by_distribution = db.select(revisions.c.distribution, null(), func.count()).group_by(revisions.c.distribution)
    # Each acknowledgement by the site's people of a revision in force counts if the revision's
    # distribution names the signer (a signature for a revision not theirs to read does not):
    # counted per signer and distribution, so that a few rows come back however many they signed.
    given_by_signer = (
        db.select(revisions.c.distribution, Signature.signer_id, func.count(Signature.entity_id.distinct()))
        .join(revisions, Signature.entity_id == cast(revisions.c.id, String))
        .where(
            Signature.entity_type == "procedure_revision",
            Signature.signer_id.in_([person.id for person in people]),
            Signature.meaning == "acknowledged",
            by_then(Signature.signed_at),
        )
        .group_by(revisions.c.distribution, Signature.signer_id)
    )
    due = done = 0
    # One statement, so that the revisions in force are read once.
    for text, signer_id, count in db.session.execute(union_all(due_by_distribution, given_by_signer)):
        if signer_id is None:
            due += count * len(readers(text))
        elif signer_id in readers(text):
            done += count
    return int(due), int(done)


# The name a computed metric gives in its ``inputs`` to be fed by read-and-understood records:
# no form submission recomputes it; document control does, as acknowledgements come in.
ACKNOWLEDGEMENTS = "procedures.acknowledgements"


def _acknowledgement_metrics() -> list:
    return [m for m in metric_services.definitions() if m.computed and ACKNOWLEDGEMENTS in m.inputs]


def refresh_acknowledgement_metrics(site: Site, periods: list[str]) -> None:
    """Recompute the metrics fed by read-and-understood records at ``site`` for those months."""
    for metric in _acknowledgement_metrics():
        for period in periods:
            metric_services.recompute(metric, site, metric_services.period_start(metric.period, period))


def _has_figures(metric, site: Site) -> bool:
    """Whether ``site`` has a series of ``metric`` yet: it starts with the first acknowledgement
    signed there, so that ``init``'s starter procedures alone leave a new instance without one."""
    found = db.select(Measurement.id).where(Measurement.metric_key == metric.key, Measurement.site_id == site.id)
    return db.session.execute(found.limit(1)).first() is not None


def _refresh_where_it_applies(procedure: Procedure) -> None:
    """This month's figures of the sites ``procedure`` applies to: its own, or every one for the group's."""
    metrics = _acknowledgement_metrics()
    if not metrics:
        return
    sites = (
        [procedure.site]
        if procedure.site is not None
        else db.session.execute(db.select(Site).filter_by(active=True).order_by(Site.code)).scalars()
    )
    for site in sites:
        period = current_period(zone_of(site))
        for metric in metrics:
            if _has_figures(metric, site):
                metric_services.recompute(metric, site, metric_services.period_start(metric.period, period))


def start_acknowledgement_months(now: datetime, *, everywhere: bool = False) -> None:
    """A site's series goes on into a month where nobody has signed yet: the month's first tick
    gives it its figure, which signing and revisions taking effect then keep up to date. Only at
    sites with a series already (``everywhere``: at every site, for the demo)."""
    for metric in _acknowledgement_metrics():
        for site in db.session.execute(db.select(Site).filter_by(active=True).order_by(Site.code)).scalars():
            period = metric_services.period_start(metric.period, period_of(now, zone_of(site)))
            if metric_services.find(metric, site, period) is None and (everywhere or _has_figures(metric, site)):
                metric_services.recompute(metric, site, period)


def overdue_reviews_query(user: User):
    """SQL: the procedures whose periodic review is overdue and whose drafts ``user`` may read,
    the most overdue first (through the index on the review date, so that a window of them
    reads a few rows however many are overdue)."""
    return (
        db.select(Procedure)
        .where(Procedure.withdrawn_at.is_(None), Procedure.next_review_due < today(), drafts_scope(user))
        .order_by(Procedure.next_review_due, Procedure.id)
    )


def most_overdue_reviews(user: User, limit: int) -> tuple[list[Procedure], int]:
    """The ``limit`` most overdue periodic reviews ``user`` may see and how many there are (capped;
    counted only when the window is full: a count costs as much as a small page's query)."""
    query = overdue_reviews_query(user)
    shown = list(db.session.execute(query.limit(limit)).scalars())
    return shown, capped_count(query) if len(shown) == limit else len(shown)


def overdue_reviews(on: date | None = None) -> list[Procedure]:
    on = on or today()
    return list(
        db.session.execute(
            db.select(Procedure)
            .where(Procedure.withdrawn_at.is_(None), Procedure.next_review_due < on)
            .order_by(Procedure.next_review_due)
        ).scalars()
    )
