"""Management reviews (ISO 9001 9.3): who plans and reads them, planning one, the inputs only
people can give, and compiling the others from the data (:mod:`audits.reviews.inputs`).
Re-compiling replaces the inputs until the review is held.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from audits.reviews import inputs as compiled
from audits.reviews.labels import STATE_LABELS as STATE_LABELS  # the pages and the PDF read them here
from audits.reviews.models import ManagementReview, OutputKind, ReviewOutput, ReviewState
from audits.services.common import (
    department_named,
    head_of,
    next_sequence,
    optional_text,
    required_text,
    site_named,
    user_named,
)
from core.accounts.models import Role, Site, User
from core.accounts.permissions import in_group_office, works_at
from core.clock import local, utcnow
from core.database import db
from core.errors import NotFound, Refusal, ValidationFailed, conflict, enforce, require_row_version
from core.signatures import sign, signature_matches, signatures_for

# The longest period one review covers: a year and a bit, for a review that slipped.
MAX_PERIOD_DAYS = 31 * 15
EDITABLE_STATES = (ReviewState.PLANNED.value, ReviewState.COMPILED.value)

# Who may ------------------------------------------------------------------------------------


def planner_refusal(user: User) -> Refusal | None:
    """Whether ``user`` plans reviews at all: quality officers."""
    if Role.QUALITY_OFFICER in user.roles:
        return None
    return Refusal(_("Only a quality officer plans a management review."))


def plan_refusal(user: User, site_id: int | None) -> Refusal | None:
    """A quality officer of the group office plans the group's reviews and any site's; a site's
    quality officer plans that site's."""
    refusal = planner_refusal(user)
    if refusal:
        return refusal
    if works_at(user, site_id):
        return None
    if site_id is None:
        return Refusal(_("A review of the group is planned by a quality officer of the group office."))
    return Refusal(_("A quality officer plans the reviews of their own site."))


def _people(review: ManagementReview) -> set[str]:
    return {review.chair.login, *(review.participants or [])}


def is_visible(user: User, review: ManagementReview) -> bool:
    """The chair and participants read it; quality officers and auditors in its scope."""
    if user.login in _people(review):
        return True
    return bool(user.roles & {Role.QUALITY_OFFICER, Role.AUDITOR}) and (
        in_group_office(user) or (review.site_id is not None and user.site_id == review.site_id)
    )


def visible_clause(user: User):
    """SQL: the reviews ``user`` may read (the rule of :func:`is_visible`)."""
    clauses = [
        ManagementReview.chair_id == user.id,
        # A JSON list of logins: matched as text, which both SQLite and PostgreSQL can do.
        db.cast(ManagementReview.participants, db.Text).like(f'%"{_like_escaped(user.login)}"%', escape="\\"),
    ]
    if user.roles & {Role.QUALITY_OFFICER, Role.AUDITOR}:
        if in_group_office(user):
            return db.true()
        clauses.append(ManagementReview.site_id == user.site_id)
    return db.or_(*clauses)


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _invisible(user: User, review: ManagementReview) -> Refusal | None:
    if not is_visible(user, review):
        return Refusal(_("There is no management review %(reference)s.", reference=review.reference), NotFound)
    return None


def require_visible(user: User, review: ManagementReview) -> None:
    enforce(_invisible(user, review))


def _not_held(review: ManagementReview) -> Refusal | None:
    if review.state not in EDITABLE_STATES:
        return conflict(_("%(reference)s has been held: its inputs are kept as they were.", reference=review.reference))
    return None


def compile_refusal(user: User, review: ManagementReview) -> Refusal | None:
    """Who plans a review compiles its inputs, until it is held."""
    return _invisible(user, review) or plan_refusal(user, review.site_id) or _not_held(review)


def edit_refusal(user: User, review: ManagementReview) -> Refusal | None:
    """The hand-written inputs: who plans the review, or its chair, until it is held."""
    refusal = _invisible(user, review)
    if refusal:
        return refusal
    if user.id != review.chair_id and plan_refusal(user, review.site_id):
        return Refusal(
            _("Only the chair of %(reference)s, or who plans it, writes its inputs.", reference=review.reference)
        )
    return _not_held(review)


def sites_to_plan_at(user: User) -> list[Site]:
    sites = db.session.execute(db.select(Site).where(Site.active.is_(True)).order_by(Site.code)).scalars()
    return [site for site in sites if in_group_office(user) or site.id == user.site_id]


# Planning -----------------------------------------------------------------------------------


def _participants(logins) -> list[str]:
    if logins is None:
        return []
    if isinstance(logins, str):
        logins = [part for part in logins.replace(",", " ").split()]
    found = []
    for login in logins:
        row = user_named(str(login), "participants")
        if row.login not in found:
            found.append(row.login)
    return found


def plan(
    actor: User,
    *,
    site: str | None,
    period_from: date | None,
    period_to: date | None,
    planned_date: date | None,
    chair: str | None,
    participants=None,
) -> ManagementReview:
    # The period is checked before who may plan where (the site named decides that), so that an
    # empty form is told what it lacks rather than that the group's reviews are not its sender's.
    site_row = site_named(site) if site else None
    if period_from is None:
        raise ValidationFailed.required("period_from")
    if period_to is None:
        raise ValidationFailed.required("period_to")
    if period_to < period_from:
        raise ValidationFailed.field("period_to", _("must not be before the period's first day"))
    if (period_to - period_from).days > MAX_PERIOD_DAYS:
        raise ValidationFailed.field("period_to", _("a review covers at most fifteen months"))
    if planned_date is None:
        raise ValidationFailed.required("planned_date")
    if planned_date < period_from:
        raise ValidationFailed.field("planned_date", _("must not be before the period it reviews"))
    enforce(plan_refusal(actor, site_row.id if site_row else None))
    chair_row = user_named(chair, "chair")
    if site_row is not None and chair_row.site_id not in (None, site_row.id):
        raise ValidationFailed.field(
            "chair", _("%(login)s does not work at %(site)s", login=chair_row.login, site=site_row.code)
        )
    people = [login for login in _participants(participants) if login != chair_row.login]
    now = utcnow()
    # The dealership's year: a review planned on 1 January in China is MR-<new year>.
    year = local(now).year
    sequence = next_sequence(ManagementReview, year)
    review = ManagementReview(
        reference=f"MR-{year}-{sequence:02d}",
        year=year,
        sequence=sequence,
        site=site_row,
        period_from=period_from,
        period_to=period_to,
        planned_date=planned_date,
        chair=chair_row,
        participants=people,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(review)
    db.session.flush()
    return review


def write_inputs(
    actor: User,
    review: ManagementReview,
    *,
    row_version,
    context_changes: str | None = None,
    resources: str | None = None,
    external_providers: str | None = None,
) -> ManagementReview:
    """The inputs only people can give: changes in context, resources, external providers. A
    field left out (None) is kept."""
    enforce(edit_refusal(actor, review))
    require_row_version(review, row_version)
    for name, value in (
        ("context_changes", context_changes),
        ("resources", resources),
        ("external_providers", external_providers),
    ):
        if value is not None:
            setattr(review, name, optional_text(value) or "")
    db.session.flush()
    return review


# Reading ------------------------------------------------------------------------------------


def review_by_reference(reference: str) -> ManagementReview:
    found = db.session.execute(
        db.select(ManagementReview).filter_by(reference=(reference or "").strip().upper())
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(_("There is no management review %(reference)s.", reference=reference))
    return found


def list_query(user: User, *, site: str | None = None, state: str | None = None):
    query = db.select(ManagementReview).where(visible_clause(user))
    if site:
        query = query.where(ManagementReview.site_id == site_named(site).id)
    if state:
        query = query.where(ManagementReview.state == state)
    return query.order_by(ManagementReview.planned_date.desc(), ManagementReview.id.desc())


def participant_users(review: ManagementReview) -> list[User]:
    logins = review.participants or []
    if not logins:
        return []
    rows = db.session.execute(db.select(User).where(User.login.in_(logins))).scalars().all()
    return sorted(rows, key=lambda user: logins.index(user.login))


def compile_inputs(actor: User, review: ManagementReview) -> ManagementReview:
    """Compile the inputs of 9.3.2 for the review's period and scope, replacing any earlier
    compilation, and keep them with the time and the SHA-256 of their canonical JSON."""
    enforce(compile_refusal(actor, review))
    now = utcnow()
    review.inputs = compiled.build(review, now)
    review.inputs_sha256 = compiled.sha256_of(review.inputs)
    review.compiled_at = now
    review.compiled_by_id = actor.id
    review.state = ReviewState.COMPILED.value
    db.session.flush()
    return review


# The meeting record and its outputs (9.3.3) --------------------------------------------------

OUTPUT_STATES = (ReviewState.COMPILED.value, ReviewState.HELD.value)


def record_refusal(user: User, review: ManagementReview) -> Refusal | None:
    """The chair or who plans the review records the meeting and holds it, once compiled and
    until held."""
    refusal = edit_refusal(user, review)
    if refusal:
        return refusal
    if review.state != ReviewState.COMPILED.value:
        return conflict(_("Compile the inputs of %(reference)s first.", reference=review.reference))
    return None


def output_refusal(user: User, review: ManagementReview) -> Refusal | None:
    """The chair or a quality officer in scope adds outputs while the review is compiled or held."""
    refusal = _invisible(user, review)
    if refusal:
        return refusal
    if user.id != review.chair_id and plan_refusal(user, review.site_id):
        return Refusal(
            _("Only the chair of %(reference)s, or a quality officer, adds its outputs.", reference=review.reference)
        )
    if review.state not in OUTPUT_STATES:
        return conflict(_("%(reference)s has no outputs before its inputs are compiled.", reference=review.reference))
    return None


def _section_keys(review: ManagementReview) -> set[str]:
    return {section["key"] for section in (review.inputs or {}).get("sections", [])}


def record_meeting(
    actor: User,
    review: ManagementReview,
    *,
    row_version,
    present=None,
    guests: str | None = None,
    decisions: dict | None = None,
) -> ManagementReview:
    """Who was there (of the chair and participants), guests, and a decision per input section.
    A field left out (None) is kept; a decision merges into those recorded."""
    enforce(record_refusal(actor, review))
    require_row_version(review, row_version)
    if present is not None:
        if isinstance(present, str):
            present = present.replace(",", " ").split()
        people = _people(review)
        logins = []
        for login in present:
            if login not in people:
                raise ValidationFailed.field(
                    "present", _("%(login)s is neither the chair nor a participant", login=login)
                )
            if login not in logins:
                logins.append(login)
        review.present = logins
    if guests is not None:
        review.guests = optional_text(guests) or ""
    if decisions is not None:
        if not isinstance(decisions, dict):
            raise ValidationFailed.field("decisions", _("a decision per section key"))
        keys = _section_keys(review)
        merged = dict(review.decisions or {})
        for key, value in decisions.items():
            if key not in keys:
                raise ValidationFailed.field("decisions", _("%(key)s is not a section of the inputs", key=key))
            if not isinstance(value, dict):
                raise ValidationFailed.field("decisions", _("%(key)s: write a discussion and a decision", key=key))
            merged[key] = {
                "discussion": optional_text(value.get("discussion")) or "",
                "decision": optional_text(value.get("decision")) or "",
            }
        review.decisions = merged
    db.session.flush()
    return review


def hold(actor: User, review: ManagementReview) -> ManagementReview:
    """The meeting is held: the compiled inputs and the hand-written ones are frozen."""
    enforce(record_refusal(actor, review))
    if not review.present:
        raise ValidationFailed.field("present", _("record who was present first"))
    review.state = ReviewState.HELD.value
    review.held_at = utcnow()
    review.held_by_id = actor.id
    db.session.flush()
    return review


def add_output(
    actor: User,
    review: ManagementReview,
    *,
    kind: str | None,
    title: str | None,
    description: str | None = None,
    owner: str | None = None,
    due_date: date | None = None,
    site: str | None = None,
    department: str | None = None,
    target=None,
    metric: str | None = None,
    measure: str | None = None,
    direction: str | None = None,
    severity: str | None = None,
) -> ReviewOutput:
    """An output created as a tracked record, linked back to the review by its reference."""
    enforce(output_refusal(actor, review))
    kinds = [k.value for k in OutputKind]
    if kind not in kinds:
        raise ValidationFailed.field("kind", _("one of %(known)s", known=", ".join(kinds)))
    title = required_text(title, "title", 300)
    site = site or (review.site.code if review.site else None)
    if kind == OutputKind.IMPROVEMENT:
        from audits.improvements import services as improvements

        if not site:
            raise ValidationFailed.about(
                "site", _("Choose the site: a review of the group names the site of each output.")
            )
        if not department:
            raise ValidationFailed.required("department")
        record = improvements.raise_improvement(
            actor,
            title=title,
            description=description,
            site=site,
            department=department,
            source="review",
            source_ref=review.reference,
            owner=owner,
            due_date=due_date,
        )
        reference, owner_row, due = record.reference, record.owner, record.due_date
    elif kind == OutputKind.OBJECTIVE:
        from audits.objectives import services as objectives

        if target is None:
            raise ValidationFailed.required("target")
        if not owner and department and site:
            # As for the other outputs: the head of the department there, unless someone is named.
            head = head_of(department_named(department), site_named(site))
            owner = head.login if head else None
        record = objectives.create(
            actor,
            title=title,
            target=target,
            due_date=due_date,
            owner=owner,
            plan_what=description,
            site=site,
            department=department,
            why=review.reference,
            metric=metric,
            # Without a metric, measured by hand: by what the objective says it achieves.
            measure=None if metric else (measure or title),
            direction=None if metric else (direction or "higher"),
        )
        reference, owner_row, due = record.reference, record.owner, record.due_date
    else:
        from audits.services import nonconformities as ncs

        if not site:
            raise ValidationFailed.about(
                "site", _("Choose the site: a review of the group names the site of each output.")
            )
        if not department:
            raise ValidationFailed.required("department")
        record = ncs.raise_nonconformity(
            actor,
            title=title,
            description=description,
            severity=severity or "minor",
            site=site,
            department=department,
            owner=owner,
            due_date=due_date,
            source="review",
            source_ref=review.reference,
        )
        reference, owner_row, due = record.reference, record.owner, record.due_date
    output = ReviewOutput(
        review=review,
        kind=kind,
        record_id=record.id,
        record_reference=reference,
        title=title,
        description=optional_text(description) or "",
        owner=owner_row,
        due_date=due,
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    db.session.add(output)
    db.session.flush()
    return output


def outputs_of(review: ManagementReview) -> list[ReviewOutput]:
    return list(
        db.session.execute(db.select(ReviewOutput).filter_by(review_id=review.id).order_by(ReviewOutput.id)).scalars()
    )


def output_state(output: ReviewOutput) -> tuple[str, bool]:
    """The current state of the record an output created, and whether it is still open."""
    if output.kind == OutputKind.IMPROVEMENT:
        from audits.improvements.models import Improvement

        row = db.session.get(Improvement, output.record_id)
        return row.stage, row.stage not in ("closed", "rejected")
    if output.kind == OutputKind.OBJECTIVE:
        from audits.objectives import services as objectives
        from audits.objectives.models import Objective

        row = db.session.get(Objective, output.record_id)
        if row.state != objectives.ACTIVE:
            return row.state, False
        status = objectives.progress(row).status
        return status, status != "achieved"
    from audits.models import Nonconformity

    row = db.session.get(Nonconformity, output.record_id)
    return row.state, row.state not in ("closed", "cancelled")


# The chair's signature ------------------------------------------------------------------------


def sign_refusal(user: User, review: ManagementReview) -> Refusal | None:
    """The chair signs the minutes, once the meeting is held, and once."""
    refusal = _invisible(user, review)
    if refusal:
        return refusal
    if user.id != review.chair_id:
        return Refusal(_("Only the chair of %(reference)s signs its minutes.", reference=review.reference))
    if review.state == ReviewState.SIGNED.value:
        return conflict(_("%(reference)s is signed already.", reference=review.reference))
    if review.state != ReviewState.HELD.value:
        return conflict(_("Hold the meeting of %(reference)s before signing its minutes.", reference=review.reference))
    return None


def sign_minutes(actor: User, review: ManagementReview, *, password: str | None, comment: str | None = None):
    """The chair's ``approved`` signature over the content hash of the record (the inputs' hash,
    the meeting record and the outputs); the review is signed and nothing of it changes after."""
    enforce(sign_refusal(actor, review))
    signature = sign(review, signer=actor, password=password or "", meaning="approved", comment=optional_text(comment))
    review.state = ReviewState.SIGNED.value
    db.session.flush()
    return signature


def chair_signature(review: ManagementReview):
    """The chair's signature and whether the record still has the content signed (None: unsigned)."""
    found = [s for s in signatures_for(review) if s.meaning == "approved"]
    if not found:
        return None, False
    return found[-1], signature_matches(found[-1], review)
