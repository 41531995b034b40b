"""Management reviews (ISO 9001 9.3): who plans and reads them, planning one, the inputs only
people can give, and compiling the others from the data (:mod:`audits.reviews.inputs`).
Re-compiling replaces the inputs until the review is held.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.reviews import inputs as compiled
from audits.reviews.models import ManagementReview, ReviewState
from audits.services.common import next_sequence, optional_text, site_named, user_named
from core.accounts.models import Role, Site, User
from core.accounts.permissions import in_group_office
from core.clock import local, utcnow
from core.database import db
from core.errors import NotFound, Refusal, ValidationFailed, conflict, enforce, require_row_version

# The longest period one review covers: a year and a bit, for a review that slipped.
MAX_PERIOD_DAYS = 31 * 15
EDITABLE_STATES = (ReviewState.PLANNED.value, ReviewState.COMPILED.value)

STATE_LABELS = {
    "planned": _l("planned"),
    "compiled": _l("inputs compiled"),
    "held": _l("held"),
    "signed": _l("signed"),
}

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
    if in_group_office(user) or (site_id is not None and user.site_id == site_id):
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
        raise ValidationFailed.field("period_from", "is required")
    if period_to is None:
        raise ValidationFailed.field("period_to", "is required")
    if period_to < period_from:
        raise ValidationFailed.field("period_to", "must not be before the period's first day")
    if (period_to - period_from).days > MAX_PERIOD_DAYS:
        raise ValidationFailed.field("period_to", "a review covers at most fifteen months")
    if planned_date is None:
        raise ValidationFailed.field("planned_date", "is required")
    if planned_date < period_from:
        raise ValidationFailed.field("planned_date", "must not be before the period it reviews")
    enforce(plan_refusal(actor, site_row.id if site_row else None))
    chair_row = user_named(chair, "chair")
    if site_row is not None and chair_row.site_id not in (None, site_row.id):
        raise ValidationFailed.field("chair", f"{chair_row.login} does not work at {site_row.code}")
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
        raise NotFound(f"There is no management review {reference}.")
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
