"""Nonconformities: raising (by hand, from an audit finding, a metric, a
complaint or a plugin), the state machine with the content each state needs,
similar NCs, lists and overdue work."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, union
from sqlalchemy.orm import joinedload, lazyload, selectinload

from audits import notices
from audits.labels import state_label
from audits.models import (
    SEVERITIES,
    ActionState,
    Audit,
    AuditItem,
    CorrectiveAction,
    Evidence,
    NcState,
    Nonconformity,
)
from audits.services import rechecks, rootcause
from audits.services.common import (
    Related,
    department_named,
    head_of,
    in_windows,
    is_head_of,
    next_sequence,
    optional_text,
    reads_by_site,
    required_text,
    site_named,
    user_named,
)
from core.accounts import organisation
from core.accounts.models import Department, Role, Site, User
from core.accounts.permissions import Permission, can, in_group_office, require, scope_clause
from core.answer_cache import kept_rows
from core.clock import local, utcnow
from core.counts import capped_count
from core.database import alias, db
from core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Refusal,
    ValidationFailed,
    enforce,
    require_row_version,
)
from core.i18n import default_language, in_every_language, in_reader_language
from core.plugin_engine.manager import notify_after_commit
from core.times import before_site_today, days_at_sites, site_today
from core.trail import reason as trail_reason
from core.trail.queries import history_of_all
from core.web.window import Window, window

SOURCE_KINDS = ("audit", "inspection", "complaint", "metric", "manual", "review")
PLUGIN_SOURCE = re.compile(r"^plugin:[a-z0-9][a-z0-9_-]{0,60}$")
# Days to deal with an NC when whoever raises it gives no due date.
DEFAULT_DAYS = {"major": 30, "minor": 60}
STATES = tuple(s.value for s in NcState)

# to-state → the states it may be reached from.
TRANSITIONS = {
    NcState.CONTAINED: (NcState.OPEN,),
    NcState.ROOT_CAUSE_IDENTIFIED: (NcState.CONTAINED,),
    NcState.ACTIONS_PLANNED: (NcState.ROOT_CAUSE_IDENTIFIED, NcState.VERIFYING),
    NcState.VERIFYING: (NcState.ACTIONS_PLANNED,),
    NcState.CLOSED: (NcState.VERIFYING,),
}
SIMILAR_WINDOW_DAYS = 365


# Look-ups ----------------------------------------------------------------------------


def nc_by_reference(reference: str) -> Nonconformity:
    nc = db.session.execute(
        db.select(Nonconformity)
        .filter_by(reference=(reference or "").strip().upper())
        .options(selectinload(Nonconformity.actions))
    ).scalar_one_or_none()
    if nc is None:
        raise NotFound(_("There is no nonconformity '%(reference)s'.", reference=reference))
    return nc


def nc_to_change(reference: str) -> Nonconformity:
    """The NC a request changes, with what its answer shows, in as few statements as it takes.

    Its audit is there for its reference only: the audit's departments and
    auditors load when something asks for them.
    """
    # The answer shows people by login: their roles are not loaded with them.
    users = (lazyload(User.role_rows),)
    nc = (
        db.session.execute(
            db.select(Nonconformity)
            .filter_by(reference=(reference or "").strip().upper())
            .options(
                joinedload(Nonconformity.site),
                joinedload(Nonconformity.department),
                joinedload(Nonconformity.owner).options(*users),
                joinedload(Nonconformity.raised_by).options(*users),
                joinedload(Nonconformity.audit).options(lazyload(Audit.department_rows), lazyload(Audit.auditor_rows)),
                joinedload(Nonconformity.audit_item).joinedload(AuditItem.checklist),
                selectinload(Nonconformity.evidence).joinedload(Evidence.uploaded_by).options(*users),
                selectinload(Nonconformity.actions).options(
                    joinedload(CorrectiveAction.owner).options(*users),
                    joinedload(CorrectiveAction.completed_by).options(*users),
                    joinedload(CorrectiveAction.verified_by).options(*users),
                    selectinload(CorrectiveAction.evidence).joinedload(Evidence.uploaded_by).options(*users),
                ),
            )
        )
        .unique()
        .scalar_one_or_none()
    )
    if nc is None:
        raise NotFound(_("There is no nonconformity '%(reference)s'.", reference=reference))
    return nc


def nc_for_item(item: AuditItem) -> Nonconformity | None:
    if item.id is None:
        return None
    return db.session.execute(db.select(Nonconformity).filter_by(audit_item_id=item.id)).scalar_one_or_none()


def check_source(source: str | None) -> str:
    source = (source or "manual").strip()
    if source not in SOURCE_KINDS and not PLUGIN_SOURCE.match(source):
        raise ValidationFailed.field(
            "source", _("one of %(known)s, or plugin:NAME for a plugin", known=", ".join(SOURCE_KINDS))
        )
    return source


def require_read(user: User) -> None:
    """Whether ``user`` may read NCs at all; which ones is :func:`require_visible`."""
    require(user, Permission.READ_RECORDS)


def people_of(nc: Nonconformity) -> tuple[int | None, ...]:
    """Whose record ``nc`` is: who raised it, who owns it and who owns one of its actions."""
    return (nc.raised_by_id, nc.owner_id, *(action.owner_id for action in nc.actions))


def is_visible(user: User, nc: Nonconformity) -> bool:
    """Whether ``user`` may read ``nc`` (READ_RECORDS): quality officers and auditors in their
    scope, heads their department's at their site, everyone the NCs they raised or are assigned to."""
    if user is not None and getattr(user, "is_authenticated", False) and user.id in people_of(nc):
        return can(user, Permission.READ_RECORDS)
    return can(user, Permission.READ_RECORDS, site_id=nc.site_id, department_id=nc.department_id, people=people_of(nc))


def can_read(user: User) -> bool:
    return can(user, Permission.READ_RECORDS)


def require_visible(user: User, nc: Nonconformity) -> None:
    """An NC outside one's scope is not there for them (404)."""
    require_read(user)
    if not is_visible(user, nc):
        raise NotFound(_("There is no nonconformity '%(reference)s'.", reference=nc.reference))


def visible_clause(user: User):
    """:func:`is_visible` as a SQL condition on :class:`Nonconformity`."""
    action_owner = Related(Nonconformity.actions, CorrectiveAction.owner_id)
    return or_(
        scope_clause(
            user,
            Permission.READ_RECORDS,
            site_column=Nonconformity.site_id,
            department_column=Nonconformity.department_id,
            people_columns=(Nonconformity.raised_by_id, Nonconformity.owner_id, action_owner),
        ),
        Nonconformity.raised_by_id == user.id,
        Nonconformity.owner_id == user.id,
        action_owner == user.id,
    )


def in_scope(user: User, site_id: int | None) -> bool:
    """Whether ``site_id`` is within ``user``'s scope: their site, or every site for the group office."""
    return in_group_office(user) or site_id is None or user.site_id == site_id


def may_manage(user: User, nc: Nonconformity) -> bool:
    """Contain, analyse, plan actions, close: a quality officer in their scope, the NC's owner or
    the head of its department at its site."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if nc.owner_id == user.id:
        return True
    if Role.QUALITY_OFFICER in user.roles and in_scope(user, nc.site_id):
        return True
    return is_head_of(user, nc.department_id, nc.site_id)


def raise_refusal(user: User | None, site: Site | None = None) -> Refusal | None:
    """Why ``user`` may not raise an NC by hand (at ``site``), or None: staff raise theirs
    through forms; everyone else at the sites in their scope."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Refusal(_("You must be logged in to raise a nonconformity."))
    if user.roles and set(user.roles) <= {Role.STAFF}:
        return Refusal(_("Staff raise nonconformities through the forms of their area, not directly."))
    try:
        require(user, Permission.RAISE_NC, site_id=site.id if site is not None else None)
    except Forbidden as error:
        return Refusal(error.detail)
    return None


def manage_refusal_text(nc: Nonconformity) -> str:
    return _(
        "Only a quality officer, the owner of %(reference)s or the head of %(department)s may do this.",
        reference=nc.reference,
        department=nc.department.code,
    )


def invisible_refusal(user: User, nc: Nonconformity) -> Refusal | None:
    """An NC outside one's scope is not there: the refusal is a 404, whatever one would have done to it."""
    if is_visible(user, nc):
        return None
    return Refusal(_("There is no nonconformity %(reference)s.", reference=nc.reference), NotFound)


def manage_refusal(user: User, nc: Nonconformity) -> Refusal | None:
    """Why ``user`` may not work on ``nc`` (edit, contain, analyse, close), or None."""
    invisible = invisible_refusal(user, nc)
    if invisible:
        return invisible
    return None if may_manage(user, nc) else Refusal(manage_refusal_text(nc))


def require_manage(user: User, nc: Nonconformity) -> None:
    enforce(manage_refusal(user, nc))


# Raising -----------------------------------------------------------------------------


def raise_nonconformity(
    actor: User | None,
    *,
    title: str,
    description: str | None,
    severity: str,
    site: str | Site,
    department: str | Department,
    owner: str | None = None,
    due_date: date | None = None,
    source: str | None = "manual",
    source_ref: str | None = None,
    audit=None,
    audit_item=None,
    raised_by: User | None = None,
    translations: dict | None = None,
) -> Nonconformity:
    """A new NC in state ``open``; ``nonconformity_raised`` fires after commit.

    ``actor`` None: raised by the system (a plugin reacting to an event), for
    ``raised_by`` when given (who submitted the form it reacts to).
    ``site`` and ``department`` are codes, or the rows when the caller has them
    at hand (an audit finding), which saves looking them up again.

    A title built from texts in the catalogs comes in every language: as a
    lazy string (``_l``), or as ``translations`` (``{"zh_CN": {"title": …}}``)
    beside the default language's ``title``. Readers see their own; a title
    somebody writes (or edits) is kept as written.
    """
    if not isinstance(title, str):
        translations = in_every_language(lambda: {"title": str(title)[:300]})
        with default_language():
            title = str(title)[:300]
    if actor is not None:
        enforce(raise_refusal(actor))
    source = check_source(source)
    if source == "audit" and audit_item is None:
        raise ValidationFailed.field("source", _("audit nonconformities are raised by recording an audit finding"))
    if source == "inspection" and actor is not None:
        raise ValidationFailed.field("source", _("inspection nonconformities are raised by recording an inspection"))
    title = required_text(title, "title", 300)
    if severity not in SEVERITIES:
        raise ValidationFailed.field("severity", _("one of %(known)s", known=", ".join(SEVERITIES)))
    site_row = site if isinstance(site, Site) else site_named(site)
    if actor is not None:
        enforce(raise_refusal(actor, site_row))
    department_row = department if isinstance(department, Department) else department_named(department)
    owner_row = user_named(owner, "owner", required=False)
    if owner_row is not None:
        refusal = organisation.owner_refusal(owner_row, site_row.id)
        if refusal:
            raise ValidationFailed.field("owner", refusal)
    else:
        owner_row = head_of(department_row, site_row)
    # The due date is a day at the NC's site, which may be ahead of (or behind) the instance's.
    site_day = site_today(site_row)
    if due_date is None:
        due_date = site_day + timedelta(days=DEFAULT_DAYS[severity])
    elif due_date < site_day:
        raise ValidationFailed.field("due_date", _("is in the past"))
    now = utcnow()
    # The year of the reference is the dealership's: an NC raised on 1 January in China is NC-<new year>.
    year = local(now).year
    sequence = next_sequence(Nonconformity, year)
    nc = Nonconformity(
        reference=f"NC-{year}-{sequence:04d}",
        year=year,
        sequence=sequence,
        title=title,
        description=optional_text(description) or "",
        source=source,
        source_ref=(source_ref or "").strip()[:300] or None,
        severity=severity,
        site=site_row,
        department=department_row,
        owner=owner_row,
        due_date=due_date,
        state=NcState.OPEN.value,
        raised_by=actor if actor is not None else raised_by,
        raised_at=now,
        audit=audit,
        audit_item=audit_item,
        translations=translations,
    )
    db.session.add(nc)
    db.session.flush()
    notices.nc_raised(nc)
    notify_after_commit("nonconformity_raised", nc=nc)
    return nc


def sync_from_finding(nc: Nonconformity, *, severity: str, description: str) -> None:
    """The audit finding behind ``nc`` was recorded again: it is the same NC."""
    if nc.state == NcState.CANCELLED:
        with trail_reason("The audit finding was graded a nonconformity again."):
            nc.state = NcState.OPEN.value
            nc.closed_at = None
    nc.severity = severity
    nc.description = description
    db.session.flush()


def cancel_for_finding(nc: Nonconformity, why: str) -> None:
    with trail_reason(why):
        nc.state = NcState.CANCELLED.value
        db.session.flush()


def update_nonconformity(
    actor: User,
    nc: Nonconformity,
    *,
    row_version: int,
    title: str | None = None,
    description: str | None = None,
    owner: str | None = None,
    due_date: date | None = None,
) -> Nonconformity:
    require_manage(actor, nc)
    require_row_version(nc, row_version)
    if not nc.is_open:
        raise Conflict(
            _(
                "%(reference)s is %(state)s; it can no longer be edited.",
                reference=nc.reference,
                state=state_label(nc.state),
            )
        )
    if title is not None:
        written = required_text(title, "title", 300)
        if written != nc.shown("title"):
            # Somebody wrote their own title: it reads the same in every language.
            nc.title, nc.translations = written, None
    if description is not None:
        nc.description = optional_text(description) or ""
    if owner is not None:
        owner_row = user_named(owner, "owner")
        refusal = organisation.owner_refusal(owner_row, nc.site_id)
        if refusal:
            raise ValidationFailed.field("owner", refusal)
        nc.owner = owner_row
    if due_date is not None:
        nc.due_date = due_date
    db.session.flush()
    return nc


# The state machine ---------------------------------------------------------------------


def transition(
    actor: User,
    nc: Nonconformity,
    *,
    to: str,
    row_version: int,
    containment: str | None = None,
    root_cause: dict | None = None,
    comment: str | None = None,
) -> Nonconformity:
    """Move ``nc`` to state ``to`` with the content that state needs.

    A wrong starting state is a 409; missing content a 422 naming the field.
    """
    if to not in TRANSITIONS:
        raise ValidationFailed.field("to", _("one of %(known)s", known=", ".join(s.value for s in TRANSITIONS)))
    require_manage(actor, nc)
    require_row_version(nc, row_version)
    target = NcState(to)
    if nc.state not in TRANSITIONS[target]:
        raise Conflict(
            _(
                "%(reference)s is %(state)s; it cannot move to %(to)s from there.",
                reference=nc.reference,
                state=state_label(nc.state),
                to=state_label(to),
            )
        )
    now = utcnow()
    if target is NcState.CONTAINED:
        nc.containment = required_text(containment, "containment")
        nc.contained_at = now
    elif target is NcState.ROOT_CAUSE_IDENTIFIED:
        nc.root_cause = rootcause.validate(root_cause)
        nc.root_cause_at = now
    elif target is NcState.ACTIONS_PLANNED:
        if not nc.live_actions:
            raise ValidationFailed.field("actions", _("plan at least one corrective action first"))
    if target in (NcState.VERIFYING, NcState.CLOSED):
        again = rechecks.new_action_refusal(nc)
        if again:
            raise ValidationFailed.field("actions", again)
    if target is NcState.VERIFYING:
        pending = [a for a in nc.live_actions if a.state == ActionState.OPEN]
        if not nc.live_actions or pending:
            raise ValidationFailed.field(
                "actions",
                _(
                    "every corrective action must be done first (open: %(open)s)",
                    open=", ".join(a.label for a in pending) or _("none planned"),
                ),
            )
    elif target is NcState.CLOSED:
        unverified = [a for a in nc.live_actions if a.state != ActionState.VERIFIED_EFFECTIVE]
        if not nc.live_actions or unverified:
            raise ValidationFailed.field(
                "actions",
                _(
                    "every corrective action must be verified effective first (not yet: %(pending)s)",
                    pending=", ".join(a.label for a in unverified),
                ),
            )
        nc.closed_at = now
    with trail_reason(optional_text(comment)):
        nc.state = target.value
        db.session.flush()
    if target is NcState.CLOSED:
        rechecks.schedule_for(nc)
        notify_after_commit("nonconformity_closed", nc=nc)
    return nc


def back_to_actions_planned(nc: Nonconformity, why: str) -> None:
    if nc.state == NcState.VERIFYING:
        with trail_reason(why):
            nc.state = NcState.ACTIONS_PLANNED.value
            db.session.flush()


# Reading ----------------------------------------------------------------------------------


def list_query(
    user: User,
    *,
    state: str | None = None,
    site: str | None = None,
    department: str | None = None,
    overdue: bool = False,
    source: str | None = None,
    owner: str | None = None,
    audit_id: int | None = None,
):
    """The NCs ``user`` may read, newest raised first (the list page reads :func:`list_rows`)."""
    conditions = _list_conditions(
        user,
        state=state,
        site=site,
        department=department,
        overdue=overdue,
        source=source,
        owner=owner,
        audit_id=audit_id,
    )
    query = db.select(Nonconformity).options(
        selectinload(Nonconformity.site), selectinload(Nonconformity.department), selectinload(Nonconformity.owner)
    )
    return query.where(*conditions).order_by(Nonconformity.raised_at.desc(), Nonconformity.id.desc())


def _list_conditions(user: User, *, state, site, department, overdue, source, owner, audit_id) -> list:
    require_read(user)
    conditions = [visible_clause(user)]
    if state:
        if state == "not_closed":
            conditions.append(Nonconformity.state.not_in([NcState.CLOSED, NcState.CANCELLED]))
        elif state not in STATES:
            raise ValidationFailed.field("state", _("unknown state %(state)s", state=repr(state)))
        else:
            conditions.append(Nonconformity.state == state)
    if site:
        conditions.append(Nonconformity.site_id == site_named(site).id)
    if department:
        conditions.append(Nonconformity.department_id == department_named(department).id)
    if source:
        conditions.append(
            Nonconformity.source == source if source != "plugin" else Nonconformity.source.like("plugin:%")
        )
    if owner:
        conditions.append(Nonconformity.owner_id == user_named(owner, "owner").id)
    if audit_id:
        conditions.append(Nonconformity.audit_id == audit_id)
    if overdue:
        conditions.append(before_site_today(Nonconformity.site_id, Nonconformity.due_date))
        conditions.append(Nonconformity.state.not_in([NcState.CLOSED, NcState.CANCELLED]))
    return conditions


NEWEST_FIRST = (Nonconformity.raised_at.desc(), Nonconformity.id.desc())


def _in_reader_windows(user: User, conditions: list, *, page: int, per_page: int) -> list:
    """The list's rows narrowed to the first of each branch of the reader's rule (:func:`in_windows`):
    their site's NCs, through the (site, raised at) index, and the ones they raised, own or own an
    action of; nothing to narrow for who reads every site's."""
    if not reads_by_site(user):
        return []
    # The NCs a reader raised, owns or owns an action of are theirs to read: those windows need
    # only the page's filters (the reader's clause, tested on each of the thousands of NCs a head
    # owns an action of, cost more than the rest of the page).
    visible, filters = conditions[0], conditions[1:]
    of_their_actions = db.select(CorrectiveAction.nonconformity_id).where(CorrectiveAction.owner_id == user.id)
    branches = [
        [Nonconformity.site_id == user.site_id, visible, *filters],
        [Nonconformity.raised_by_id == user.id, *filters],
        [Nonconformity.owner_id == user.id, *filters],
        [Nonconformity.id.in_(of_their_actions), *filters],
    ]
    return [in_windows(Nonconformity.id, branches, NEWEST_FIRST, page=page, per_page=per_page)]


@dataclass(frozen=True, slots=True)
class NcRow:
    """What the NC list shows of a nonconformity: its columns, not the record (issue #20)."""

    reference: str
    title: str
    severity: str
    site_code: str
    department_code: str
    owner: str | None
    due_date: date | None
    source: str
    state: str
    overdue: bool


def list_rows(
    user: User,
    *,
    page: int,
    per_page: int,
    state: str | None = None,
    site: str | None = None,
    department: str | None = None,
    overdue: bool = False,
    source: str | None = None,
    owner: str | None = None,
    audit_id: int | None = None,
) -> Window:
    """Page ``page`` of :func:`list_query` as :class:`NcRow`, in one statement that makes no
    object per NC: the page made 50 NCs with their sites, departments and owners at ``large``
    (10 at ``small``), and its cost grew with them."""
    conditions = _list_conditions(
        user,
        state=state,
        site=site,
        department=department,
        overdue=overdue,
        source=source,
        owner=owner,
        audit_id=audit_id,
    )
    query = (
        db.select(
            Nonconformity.reference,
            Nonconformity.title,
            Nonconformity.translations,
            Nonconformity.severity,
            Site.code,
            Site.time_zone,
            Department.code,
            User.display_name,
            Nonconformity.due_date,
            Nonconformity.source,
            Nonconformity.state,
        )
        .join(Site, Site.id == Nonconformity.site_id)
        .join(Department, Department.id == Nonconformity.department_id)
        .outerjoin(User, User.id == Nonconformity.owner_id)
        .where(*conditions, *_in_reader_windows(user, conditions, page=page, per_page=per_page))
        .order_by(*NEWEST_FIRST)
    )
    shown = window(query, page=page, per_page=per_page, columns=True)
    today_in = days_at_sites()
    closed = (NcState.CLOSED, NcState.CANCELLED)
    shown.items = [
        NcRow(
            reference=reference,
            title=in_reader_language(translations, "title", title or ""),
            severity=severity,
            site_code=site_code,
            department_code=department_code,
            owner=owner,
            due_date=due_date,
            source=source,
            state=state,
            overdue=state not in closed and due_date is not None and due_date < today_in(time_zone),
        )
        for (
            reference,
            title,
            translations,
            severity,
            site_code,
            time_zone,
            department_code,
            owner,
            due_date,
            source,
            state,
        ) in shown.items
    ]
    return shown


def is_overdue(nc: Nonconformity) -> bool:
    return nc.is_open and nc.due_date is not None and nc.due_date < site_today(nc.site)


def reads_only_their_own(user: User) -> bool:
    """Whether ``user`` reads only the NCs they raised, own or own an action of — staff, at a site
    or in the group office (the rule of scope_clause): the lookups of their own rows find all
    they may read, where their site's NCs are hundreds. (An inactive account reads nothing:
    :func:`readable_ids` leaves it to the reader's rule.)"""
    return user.active and Role.STAFF in user.roles and not user.roles - {Role.STAFF}


def readable_ids(user: User):
    """The ids of the NCs ``user`` may read (:func:`ncs.visible_clause`) or more, as a union of
    indexed lookups — the NCs of their site (and department, for a head) and the ones they raised,
    own or own an action of — or None when their scope is every NC (the group office's quality
    officers and auditors). A filter to narrow a query by; the reader's clause still decides."""
    if not user.active or Role.ADMIN in user.roles:
        return None
    if in_group_office(user) and user.roles & {Role.QUALITY_OFFICER, Role.AUDITOR}:
        return None
    people = [
        db.select(Nonconformity.id).where(Nonconformity.raised_by_id == user.id),
        db.select(Nonconformity.id).where(Nonconformity.owner_id == user.id),
        db.select(CorrectiveAction.nonconformity_id).where(CorrectiveAction.owner_id == user.id),
    ]
    if reads_only_their_own(user):
        return union(*people)
    scoped = db.select(Nonconformity.id)
    if not in_group_office(user):
        scoped = scoped.where(Nonconformity.site_id == user.site_id)
    if not user.roles & {Role.QUALITY_OFFICER, Role.AUDITOR, Role.STAFF}:
        # A head alone reads their department's (the rule of scope_clause).
        scoped = scoped.where(Nonconformity.department_id == user.department_id)
    return union(scoped, *people)


def _overdue_query(site: Site | None, owner: User | None, reader: User | None = None):
    query = db.select(Nonconformity).where(
        before_site_today(Nonconformity.site_id, Nonconformity.due_date),
        Nonconformity.state.not_in([NcState.CLOSED, NcState.CANCELLED]),
    )
    if reader is not None:
        query = query.where(visible_clause(reader))
        if reads_only_their_own(reader):
            # From their own NCs, not a walk of the site's (hundreds at the large demo size).
            query = query.where(Nonconformity.id.in_(readable_ids(reader)))
    if site is not None:
        query = query.where(Nonconformity.site_id == site.id)
    if owner is not None:
        query = query.where(Nonconformity.owner_id == owner.id)
    return query


def overdue_nonconformities(
    site: Site | None = None, owner: User | None = None, limit: int | None = None, reader: User | None = None
) -> list[Nonconformity]:
    """Open NCs past their due date, earliest first (the first ``limit`` when given;
    ``reader``: only those they may read)."""
    query = _overdue_query(site, owner, reader).order_by(Nonconformity.due_date, Nonconformity.id)
    return list(db.session.execute(query.limit(limit) if limit is not None else query).scalars())


@dataclass(frozen=True)
class OverdueNcRow:
    reference: str
    title: str
    due_date: date
    owner: str | None


def overdue_nc_rows(site: Site, limit: int, reader: User) -> list[OverdueNcRow]:
    """The dashboard's overdue NCs as the columns it shows, in one statement (not each NC with
    its owner loaded as objects)."""
    owner = alias(User, "overdue_owner")
    owner_name = db.select(owner.display_name).where(owner.id == Nonconformity.owner_id).scalar_subquery()
    query = (
        _overdue_query(site, None, reader)
        .with_only_columns(
            Nonconformity.reference,
            Nonconformity.title,
            Nonconformity.translations,
            Nonconformity.due_date,
            owner_name,
            maintain_column_froms=True,
        )
        .order_by(Nonconformity.due_date, Nonconformity.id)
        .limit(limit)
    )
    return [
        OverdueNcRow(reference, in_reader_language(translations, "title", title or ""), due, name)
        for reference, title, translations, due, name in kept_rows(query)
    ]


def overdue_count(site: Site | None = None, owner: User | None = None, reader: User | None = None) -> int:
    query = _overdue_query(site, owner, reader)
    return capped_count(query)


def similar(nc: Nonconformity, limit: int = 10) -> list[Nonconformity]:
    """Earlier NCs of the last 12 months in the same department, or on the same
    checklist question (ISO 9001 10.2.1 b: could it occur, or has it, elsewhere)."""
    since = utcnow() - timedelta(days=SIMILAR_WINDOW_DAYS)
    same = [Nonconformity.department_id == nc.department_id]
    if nc.audit_item is not None:
        same.append(
            Nonconformity.audit_item.has(
                db.and_(
                    AuditItem.question_key == nc.audit_item.question_key,
                    AuditItem.checklist.has(key=nc.audit_item.checklist.key),
                )
            )
        )
    return list(
        db.session.execute(
            db.select(Nonconformity)
            .where(
                Nonconformity.id != nc.id,
                Nonconformity.raised_at >= since,
                Nonconformity.state != NcState.CANCELLED,
                or_(*same),
            )
            .order_by(Nonconformity.raised_at.desc())
            .limit(limit)
        ).scalars()
    )


def timeline(nc: Nonconformity) -> list:
    """The NC's trail events with its actions' and evidence's, in order."""
    return history_of_all([nc, *nc.actions, *nc.evidence])


def departments() -> list[Department]:
    return list(db.session.execute(db.select(Department).order_by(Department.code)).scalars())


def sites() -> list[Site]:
    return list(db.session.execute(db.select(Site).where(Site.active.is_(True)).order_by(Site.code)).scalars())


def site_filter_choices() -> list:
    """The active sites' codes and names for a list's site filter, kept until a site is written:
    the lists' filters made fifty sites at a group of fifty on every page."""
    return kept_rows(db.select(Site.code, Site.name).where(Site.active.is_(True)).order_by(Site.code))


def sites_to_raise_at(user: User) -> list[Site]:
    """The active sites where ``user`` may raise an NC by hand: their own, or every one from the group office."""
    return [site for site in sites() if raise_refusal(user, site) is None]


def can_raise(user: User) -> bool:
    return raise_refusal(user) is None


def may_read_history(user: User, nc: Nonconformity) -> bool:
    """The NC's trail is for those who may read the trail of its department at its site (not staff)."""
    return can(user, Permission.READ_TRAIL, site_id=nc.site_id, department_id=nc.department_id)
