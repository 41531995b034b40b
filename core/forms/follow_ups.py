"""Follow-ups of low survey scores (``Form.follow_up``): who sees them, whose task they are, and
recording their outcome — the rules the survey's page, the API and the command line share.
They are opened with the submission itself (:func:`core.forms.services.open_follow_up`)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import String, cast
from sqlalchemy.orm import aliased, selectinload

from core.accounts.models import DepartmentHead, Role, User, department_label
from core.accounts.organisation import is_head_of
from core.accounts.permissions import works_at
from core.clock import utcnow
from core.database import db
from core.errors import NotFound, Refusal, ValidationFailed, conflict, enforce
from core.forms import services
from core.forms.labels import RESULTS
from core.forms.models import FormSubmission, SurveyFollowUp
from core.plugin_engine import manager
from core.times import site_today

OPEN, DONE = "open", "done"
MAX_NOTE_LENGTH = 4000


def result_label(result: str | None) -> str:
    return str(RESULTS.get(result, result or ""))


def department_name(follow_up: SurveyFollowUp) -> str:
    return department_label(follow_up.department.code, follow_up.department.name)


def low_scores_in_words(found: SurveyFollowUp) -> str:
    """The low ratings under the form's labels in the reader's language: ``服务顾问 4; 交车 5``."""
    form = manager.registry().forms.get(found.form_key)
    labels = {item.key: str(item.label) for item in form.fields} if form else {}
    return "; ".join(
        _("%(label)s %(score)s", label=labels.get(key, key), score=score) for key, score in found.low_ratings.items()
    )


# Reading -------------------------------------------------------------------------------


def for_submission(submission: FormSubmission) -> SurveyFollowUp | None:
    return db.session.execute(db.select(SurveyFollowUp).filter_by(submission_id=submission.id)).scalar_one_or_none()


def visible_query(user: User):
    """The follow-ups ``user`` may read: those of the survey answers they may read."""
    return (
        db.select(SurveyFollowUp)
        .join(FormSubmission, FormSubmission.id == SurveyFollowUp.submission_id)
        .where(services.visible_clause(user))
    )


def list_query(user: User, state: str | None = None):
    """The follow-ups ``user`` may read; ``open`` ones earliest due first, ``done`` ones latest recorded first."""
    query = visible_query(user).options(
        selectinload(SurveyFollowUp.site),
        selectinload(SurveyFollowUp.department),
        selectinload(SurveyFollowUp.recorded_by),
    )
    if state == OPEN:
        return query.where(SurveyFollowUp.result.is_(None)).order_by(SurveyFollowUp.due_on, SurveyFollowUp.id)
    if state == DONE:
        return query.where(SurveyFollowUp.result.is_not(None)).order_by(
            SurveyFollowUp.recorded_at.desc(), SurveyFollowUp.id.desc()
        )
    return query.order_by(SurveyFollowUp.due_on.desc(), SurveyFollowUp.id.desc())


def follow_up(user: User, follow_up_id: int) -> SurveyFollowUp:
    """A follow-up ``user`` may read; 404 for the others, as for its survey."""
    found = db.session.get(SurveyFollowUp, follow_up_id)
    if found is None or not services.is_visible(user, found.submission):
        raise NotFound(_("There is no survey follow-up %(number)s.", number=follow_up_id))
    return found


def is_overdue(found: SurveyFollowUp) -> bool:
    return found.is_open and found.due_on < site_today(found.site)


def trail_scope(user: User) -> dict:
    """The follow-ups whose trail events ``user`` may read: those of surveys they may read."""
    return {"survey_follow_up": visible_query(user).with_only_columns(cast(SurveyFollowUp.id, String))}


# The heads' tasks --------------------------------------------------------------------------


def _heads(user: User, site_column, department_column):
    """SQL: ``user`` acts for the department at the follow-up's site — heads or deputises for it
    there, or heads it group-wide where the site names nobody of its own."""
    mine = db.or_(DepartmentHead.head_id == user.id, DepartmentHead.deputy_id == user.id)
    site_row = aliased(DepartmentHead)
    at_site = (
        db.select(DepartmentHead.id)
        .where(DepartmentHead.department_id == department_column, DepartmentHead.site_id == site_column, mine)
        .exists()
    )
    site_names_someone = (
        db.select(site_row.id)
        .where(
            site_row.department_id == department_column,
            site_row.site_id == site_column,
            db.or_(site_row.head_id.is_not(None), site_row.deputy_id.is_not(None)),
        )
        .exists()
    )
    group_wide = (
        db.select(DepartmentHead.id)
        .where(DepartmentHead.department_id == department_column, DepartmentHead.site_id.is_(None), mine)
        .exists()
    )
    return db.or_(at_site, db.and_(group_wide, ~site_names_someone))


def to_do_query(user: User):
    """The open follow-ups that are ``user``'s as head (or deputy), earliest due first."""
    if not user.active or Role.DEPARTMENT_HEAD not in user.roles:
        return db.select(SurveyFollowUp).where(db.false())
    return (
        db.select(SurveyFollowUp)
        .where(
            SurveyFollowUp.result.is_(None),
            _heads(user, SurveyFollowUp.site_id, SurveyFollowUp.department_id),
        )
        .order_by(SurveyFollowUp.due_on, SurveyFollowUp.id)
    )


# Recording the outcome -------------------------------------------------------------------


def outcome_refusal(user: User, found: SurveyFollowUp) -> Refusal | None:
    """Why ``user`` may not record the outcome of ``found``: 404 unless they read its survey,
    403 unless they head (or deputise for) its department at the site, are a quality officer of
    the site or an administrator, 409 once an outcome is recorded."""
    if not services.is_visible(user, found.submission):
        return Refusal(_("There is no survey follow-up %(number)s.", number=found.id), NotFound)
    allowed = (
        user.has_role(Role.ADMIN)
        or (user.has_role(Role.QUALITY_OFFICER) and works_at(user, found.site_id))
        or is_head_of(user, found.department_id, found.site_id)
    )
    if not allowed:
        return Refusal(
            _(
                "Only the head of %(department)s at %(site)s, a quality officer of the site or an administrator "
                "records the outcome of this follow-up.",
                department=department_name(found),
                site=found.site.code,
            )
        )
    if not found.is_open:
        return conflict(
            _(
                "The outcome of this follow-up was already recorded by %(who)s.",
                who=found.recorded_by.display_name if found.recorded_by else "—",
            )
        )
    return None


def record_outcome(user: User, found: SurveyFollowUp, *, result: str | None, note: str | None) -> SurveyFollowUp:
    """Record how the call to the customer ended; the follow-up leaves the head's tasks."""
    enforce(outcome_refusal(user, found))
    result = (result or "").strip()
    note = (note or "").strip()
    errors = []
    if result not in RESULTS:
        errors.append({"field": "result", "message": _("Choose the outcome: %(choices)s.", choices=", ".join(RESULTS))})
    if len(note) > MAX_NOTE_LENGTH:
        errors.append(
            {"field": "note", "message": _("Write the note in at most %(count)s characters.", count=MAX_NOTE_LENGTH)}
        )
    elif result in ("complaint", "unreachable") and not note:
        # Without a word on what was tried or registered, the next reader cannot act on it.
        errors.append({"field": "note", "message": _("Say what was tried, or which complaint was registered.")})
    if errors:
        raise ValidationFailed(" ".join(error["message"] for error in errors), errors=errors)
    found.result = result
    found.note = note
    found.recorded_by = user
    found.recorded_at = utcnow()
    db.session.flush()
    return found
