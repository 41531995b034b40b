"""Corrective actions: planning, completion, effectiveness verification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, union_all
from sqlalchemy.orm import selectinload

from audits import notices
from audits.labels import state_label
from audits.models import ActionState, CorrectiveAction, NcState, Nonconformity
from audits.services import nonconformities as ncs
from audits.services.common import (
    permission_refusal,
    required_text,
    user_named,
)
from core.accounts import organisation
from core.accounts.models import Role, Site, User
from core.accounts.passwords import verify_password
from core.accounts.permissions import Permission, can
from core.answer_cache import kept_rows
from core.clock import utcnow
from core.counts import capped_count
from core.database import alias, db
from core.errors import (
    Conflict,
    NotFound,
    Refusal,
    ValidationFailed,
    check_row_version,
    conflict,
    enforce,
    require_row_version,
)
from core.session_memory import since_last_write
from core.signatures import sign
from core.times import before_site_today, days_at_sites, site_today

PLANNABLE_STATES = (NcState.ROOT_CAUSE_IDENTIFIED, NcState.ACTIONS_PLANNED, NcState.VERIFYING)


# An action's site is its NC's; looked up per row so that "overdue" needs no join (see actions_query).
def _site_of_action():
    # An alias, so that a query that also joins the NC (by site, by reader) still finds it here.
    nc = alias(Nonconformity, "nc_of_action")
    return (
        db.select(nc.site_id)
        .where(nc.id == CorrectiveAction.nonconformity_id)
        .correlate(CorrectiveAction)
        .scalar_subquery()
    )


def action_by_id(action_id: int) -> CorrectiveAction:
    action = db.session.get(CorrectiveAction, action_id)
    if action is None:
        raise NotFound(_("There is no corrective action %(action_id)s.", action_id=action_id))
    return action


def plan_refusal(user: User, nc: Nonconformity) -> Refusal | None:
    """Why ``user`` may not plan a corrective action on ``nc`` now, or None."""
    refusal = ncs.manage_refusal(user, nc)
    if refusal:
        return refusal
    if nc.state not in PLANNABLE_STATES:
        return conflict(
            _(
                "%(reference)s is %(state)s; actions are planned once the root cause is identified and "
                "until the NC is closed.",
                reference=nc.reference,
                state=state_label(nc.state),
            )
        )
    return None


def add_action(
    actor: User,
    nc: Nonconformity,
    *,
    description: str,
    owner: str,
    due_date: date | None,
    row_version: int | None = None,
) -> CorrectiveAction:
    """A new action once the cause is known; adding one while verifying reopens the planning."""
    refusal = plan_refusal(actor, nc)
    if refusal is not None and refusal.error is not Conflict:
        enforce(refusal)
    check_row_version(nc, row_version)
    enforce(refusal)
    description = required_text(description, "description")
    owner_row = user_named(owner, "owner")
    refusal_of_owner = organisation.owner_refusal(owner_row, nc.site_id)
    if refusal_of_owner:
        raise ValidationFailed.field("owner", refusal_of_owner)
    if due_date is None:
        raise ValidationFailed.required("due_date")
    if due_date < site_today(nc.site):
        raise ValidationFailed.field("due_date", _("is in the past"))
    number = max((a.number for a in nc.actions), default=0) + 1
    action = CorrectiveAction(
        nonconformity=nc,
        number=number,
        description=description,
        owner=owner_row,
        due_date=due_date,
        state=ActionState.OPEN.value,
    )
    db.session.add(action)
    db.session.flush()
    notices.action_assigned(action)
    ncs.back_to_actions_planned(nc, f"Corrective action {action.label} was added.")
    return action


def _state_refusal(action: CorrectiveAction, allowed, why: str) -> Refusal | None:
    if action.state in allowed:
        return None
    return conflict(_("%(label)s is %(state)s; %(why)s", label=action.label, state=state_label(action.state), why=why))


def is_visible(user: User, action: CorrectiveAction) -> bool:
    """Whether ``user`` may read ``action``: its owner, or who may read its NC."""
    return (user.id == action.owner_id and ncs.can_read(user)) or ncs.is_visible(user, action.nonconformity)


def invisible_refusal(user: User, action: CorrectiveAction) -> Refusal | None:
    """An action outside one's scope is not there: the refusal is a 404, whatever one would have done to it."""
    if is_visible(user, action):
        return None
    return Refusal(_("There is no corrective action %(number)s.", number=action.id), NotFound)


def require_visible(user: User, action: CorrectiveAction) -> None:
    """An action outside one's scope is not there for them (404)."""
    ncs.require_read(user)
    if not is_visible(user, action):
        raise NotFound(_("There is no corrective action %(number)s.", number=action.id))


def visible_clause(user: User):
    """:func:`is_visible` as a SQL condition on :class:`CorrectiveAction`."""
    return or_(CorrectiveAction.owner_id == user.id, CorrectiveAction.nonconformity.has(ncs.visible_clause(user)))


def _for_someone_else_refusal(user: User, action: CorrectiveAction, what: str) -> Refusal | None:
    """Why ``user`` may not act on ``action`` for its owner: a quality officer (in their scope, which
    the permission checked) may, a head only for their department at the NC's site."""
    nc = action.nonconformity
    if Role.QUALITY_OFFICER in user.roles or ncs.is_head_of(user, nc.department_id, nc.site_id):
        return None
    return Refusal(
        _(
            "Only a quality officer or the head of %(department)s at %(site)s may %(what)s %(label)s.",
            department=nc.department.code,
            site=nc.site.code,
            what=what,
            label=action.label,
        )
    )


def complete_refusal(user: User, action: CorrectiveAction) -> Refusal | None:
    """Why ``user`` may not complete ``action``, or None: its owner, a quality officer in their
    scope or the head of its NC's department at its site, while open."""
    site_id = action.nonconformity.site_id
    refusal = invisible_refusal(user, action) or permission_refusal(
        user, Permission.OWN_ACTION, owner_id=action.owner_id, site_id=site_id
    )
    if refusal is None and user.id != action.owner_id:
        refusal = _for_someone_else_refusal(user, action, _("complete"))
    return refusal or _state_refusal(action, (ActionState.OPEN,), _("only an open action can be completed."))


def verify_refusal(user: User, action: CorrectiveAction) -> Refusal | None:
    """Why ``user`` may not verify ``action``'s effectiveness, or None: a quality officer in their
    scope or the head of its NC's department at its site, never whoever owns or completed it."""
    site_id = action.nonconformity.site_id
    refusal = invisible_refusal(user, action) or permission_refusal(
        user, Permission.VERIFY_EFFECTIVENESS, owner_id=action.owner_id, site_id=site_id
    )
    if refusal:
        return refusal
    refusal = _for_someone_else_refusal(user, action, _("verify"))
    if refusal:
        return refusal
    if user.id == action.completed_by_id:
        return Refusal(_("You completed %(label)s; someone else must verify its effectiveness.", label=action.label))
    return _state_refusal(action, (ActionState.DONE,), _("only a done action can be verified."))


def _enforce_around_row_version(refusal: Refusal | None, action: CorrectiveAction, row_version: int) -> None:
    """Who may act is answered before a stale copy; the state after it."""
    if refusal is not None and refusal.error is not Conflict:
        enforce(refusal)
    require_row_version(action, row_version)
    enforce(refusal)


def complete_action(actor: User, action: CorrectiveAction, *, note: str, row_version: int) -> CorrectiveAction:
    _enforce_around_row_version(complete_refusal(actor, action), action, row_version)
    action.completion_note = required_text(note, "note")
    action.state = ActionState.DONE.value
    action.completed_at = utcnow()
    action.completed_by = actor
    db.session.flush()
    return action


def verify_action(
    actor: User, action: CorrectiveAction, *, effective: bool, note: str, password: str, row_version: int
) -> CorrectiveAction:
    """Done → verified effective (signed ``verified-effective``) or ineffective.

    The owner never verifies their own action. An ineffective action stays
    on record and sends its NC back to planning.
    """
    _enforce_around_row_version(verify_refusal(actor, action), action, row_version)
    note = required_text(note, "note")
    action.verification_note = note
    action.verified_at = utcnow()
    action.verified_by = actor
    if effective:
        action.state = ActionState.VERIFIED_EFFECTIVE.value
        db.session.flush()
        sign(action, signer=actor, password=password, meaning="verified-effective", comment=note)
    else:
        if not password or not verify_password(actor, password):
            raise ValidationFailed(
                _("The password is not the one of your account: the verification was not recorded."),
                errors=[
                    {"field": "password", "message": _("This is not the password of your account; type it again.")}
                ],
            )
        action.state = ActionState.INEFFECTIVE.value
        db.session.flush()
        notices.action_ineffective(action, actor, note)
        ncs.back_to_actions_planned(action.nonconformity, f"Corrective action {action.label} proved ineffective.")
    return action


def actions_query(
    *,
    owner: User | None = None,
    open_only: bool = False,
    overdue: bool = False,
    site: Site | None = None,
    reader: User | None = None,
    loaded: bool = True,
):
    """Actions by due date; ``reader``: only those they may read (filtered in SQL); ``loaded``:
    with each action's NC, site and owner (False for a query whose columns are chosen by the caller)."""
    query = db.select(CorrectiveAction)
    if loaded:
        query = query.options(
            selectinload(CorrectiveAction.nonconformity).selectinload(Nonconformity.site),
            selectinload(CorrectiveAction.owner),
        )
    if reader is not None:
        query = query.where(visible_clause(reader))
    if owner is not None:
        query = query.where(CorrectiveAction.owner_id == owner.id)
    if open_only or overdue:
        query = query.where(CorrectiveAction.state.in_([ActionState.OPEN, ActionState.DONE]))
    if overdue:
        query = query.where(
            before_site_today(_site_of_action(), CorrectiveAction.due_date), CorrectiveAction.state == ActionState.OPEN
        )
    if site is not None:
        # Joined only when filtering by site: without the join, the lists by state walk the
        # (state, due_date) index and stop at the rows shown.
        query = query.join(CorrectiveAction.nonconformity).where(Nonconformity.site_id == site.id)
    return query.order_by(CorrectiveAction.due_date, CorrectiveAction.id)


def my_actions(user: User, limit: int | None = None) -> list[CorrectiveAction]:
    """Actions the user owns that are not verified yet (open, or done and waiting for a verifier),
    earliest due first (the first ``limit`` when given)."""
    if limit is None:
        return list(db.session.execute(actions_query(owner=user, open_only=True)).scalars())
    query = actions_query().where(CorrectiveAction.id.in_(_earliest_of_mine(user, limit))).limit(limit)
    return list(db.session.execute(query).scalars())


def _earliest_of_mine(user: User, limit: int):
    """The ids of the ``limit`` earliest due open and the ``limit`` earliest due done actions
    ``user`` owns: through the (owner, state, due date) index, one window per state — "state IN
    (open, done)" in due-date order read and sorted every action the user ever owned, verified
    ones included. The caller takes the earliest ``limit`` of them."""
    windows = [
        db.select(CorrectiveAction.id)
        .where(CorrectiveAction.owner_id == user.id, CorrectiveAction.state == state)
        .order_by(CorrectiveAction.due_date, CorrectiveAction.id)
        .limit(limit)
        .subquery()
        for state in (ActionState.OPEN, ActionState.DONE)
    ]
    return union_all(*(db.select(window.c.id) for window in windows))


@dataclass(frozen=True, slots=True)
class ActionRow:
    """What *My actions* shows of an action: its columns, not the action (issue #20)."""

    id: int
    label: str
    description: str
    owner: str
    due_date: date
    state: str
    overdue: bool


def my_action_rows(user: User, limit: int) -> list[ActionRow]:
    """:func:`my_actions` with ``limit``, as :class:`ActionRow`."""
    return _action_rows([CorrectiveAction.id.in_(_earliest_of_mine(user, limit))], limit)


def verification_rows(user: User, limit: int) -> list[ActionRow]:
    """:func:`awaiting_verification` with ``limit``, as :class:`ActionRow`."""
    if not can(user, Permission.VERIFY_EFFECTIVENESS):
        return []
    return _action_rows(_awaiting_verification_conditions(user), limit)


def _action_rows(conditions: list, limit: int) -> list[ActionRow]:
    """The first ``limit`` actions meeting ``conditions``, earliest due first, in one statement that makes no
    object: the page made up to 100 actions with their NCs, sites and owners (every column of
    each) and its cost grew with the rows it showed."""
    query = (
        db.select(
            CorrectiveAction.id,
            Nonconformity.reference,
            CorrectiveAction.number,
            CorrectiveAction.description,
            User.display_name,
            CorrectiveAction.due_date,
            CorrectiveAction.state,
            Site.time_zone,
        )
        .join(Nonconformity, Nonconformity.id == CorrectiveAction.nonconformity_id)
        .join(Site, Site.id == Nonconformity.site_id)
        .join(User, User.id == CorrectiveAction.owner_id)
        .where(*conditions)
        .order_by(CorrectiveAction.due_date, CorrectiveAction.id)
        .limit(limit)
    )
    today_in = days_at_sites()
    return [
        ActionRow(
            id=action_id,
            label=f"{reference}/A{number}",
            description=description,
            owner=owner,
            due_date=due_date,
            state=state,
            overdue=state == ActionState.OPEN and due_date < today_in(time_zone),
        )
        # Kept from one look at the dashboard to the next until an action, an NC, a site or a person is written.
        for action_id, reference, number, description, owner, due_date, state, time_zone in kept_rows(query)
    ]


def my_actions_count(user: User) -> int:
    return _count(actions_query(owner=user, open_only=True))


def _awaiting_verification_query(user: User):
    return actions_query().where(*_awaiting_verification_conditions(user))


def _awaiting_verification_conditions(user: User) -> list:
    """Done actions of others that ``user`` may read.

    Made once a request (until the session writes): the dashboard lists the first of them and
    counts them all, and making these clauses was most of what the count cost."""
    made = since_last_write(db.session(), "awaiting_verification_conditions")
    if user.id not in made:
        made[user.id] = _made_awaiting_verification_conditions(user)
    return made[user.id]


def _made_awaiting_verification_conditions(user: User) -> list:
    conditions = [
        visible_clause(user),
        CorrectiveAction.state == ActionState.DONE,
        CorrectiveAction.owner_id != user.id,
    ]
    # The done actions of the NCs the reader may read, looked up by NC, instead of testing every
    # done action of the group against the reader's clause (12,000 at the large demo: 75–190 ms
    # for a site's quality officer, whose site has a fiftieth of them).
    of_readable = _of_readable_ncs_clause(user, ActionState.DONE)
    return conditions if of_readable is None else [*conditions, of_readable]


def _of_readable_ncs(query, reader: User, state: ActionState):
    """``query`` (of actions in ``state``) narrowed to the actions of the NCs ``reader`` may read,
    looked up by NC (:func:`ncs.readable_ids`)."""
    of_readable = _of_readable_ncs_clause(reader, state)
    return query if of_readable is None else query.where(of_readable)


def _of_readable_ncs_clause(reader: User, state: ActionState):
    """SQL: the action is one in ``state`` of the NCs ``reader`` may read; None when every NC is."""
    readable = ncs.readable_ids(reader)
    if readable is None:
        return None
    # By id: the database then starts from these NCs' actions, whatever it knows of the tables'
    # sizes (a bare "NC in" let SQLite without statistics walk the actions by due date).
    return CorrectiveAction.id.in_(
        db.select(CorrectiveAction.id).where(
            CorrectiveAction.nonconformity_id.in_(readable), CorrectiveAction.state == state
        )
    )


def awaiting_verification(user: User, limit: int | None = None) -> list[CorrectiveAction]:
    """Done actions the user may verify, earliest due first (the first ``limit`` when given)."""
    if not can(user, Permission.VERIFY_EFFECTIVENESS):
        return []
    query = _awaiting_verification_query(user)
    return list(db.session.execute(query.limit(limit) if limit is not None else query).scalars())


def awaiting_verification_count(user: User) -> int:
    if not can(user, Permission.VERIFY_EFFECTIVENESS):
        return 0
    return _count(_awaiting_verification_query(user))


def overdue_actions(
    site: Site | None = None, owner: User | None = None, limit: int | None = None, reader: User | None = None
) -> list[CorrectiveAction]:
    query = _overdue_query(site, owner, reader)
    return list(db.session.execute(query.limit(limit) if limit is not None else query).scalars())


def overdue_actions_count(site: Site | None = None, owner: User | None = None, reader: User | None = None) -> int:
    return _count(_overdue_query(site, owner, reader))


@dataclass(frozen=True)
class OverdueActionRow:
    id: int
    label: str
    description: str
    due_date: date
    owner: str


def overdue_action_rows(site: Site, limit: int, reader: User) -> list[OverdueActionRow]:
    """The dashboard's overdue actions as the columns it shows, in one statement: loading each
    action with its NC, site and owner took four statements and most of the overdue list's time."""
    nc, owner = alias(Nonconformity, "overdue_nc"), alias(User, "overdue_owner")
    # Aliases: the query may already join the NC (by site), which would otherwise swallow these.
    reference = db.select(nc.reference).where(nc.id == CorrectiveAction.nonconformity_id).scalar_subquery()
    owner_name = db.select(owner.display_name).where(owner.id == CorrectiveAction.owner_id).scalar_subquery()
    columns = (
        CorrectiveAction.id,
        CorrectiveAction.number,
        CorrectiveAction.description,
        CorrectiveAction.due_date,
        reference,
        owner_name,
    )
    if site is None:
        query = _overdue_query(site, None, reader, loaded=False).with_only_columns(*columns, maintain_column_froms=True)
    else:
        # The site's overdue actions are found from its NCs (the count's plan), kept apart, then
        # sorted: asked for the first by due date, SQLite walked the group's open actions in
        # due-date order until it had found them (3,895 at the large demo size: 27 ms for a head
        # whose site had 5, 7 ms for a quality officer).
        found = (
            _overdue_query(site, None, reader, loaded=False)
            .with_only_columns(CorrectiveAction.id.label("id"), maintain_column_froms=True)
            .order_by(None)
            .cte("site_overdue_action")
            .prefix_with("MATERIALIZED")
        )
        query = (
            db.select(*columns)
            .select_from(found)
            .join(CorrectiveAction, CorrectiveAction.id == found.c.id)
            .order_by(CorrectiveAction.due_date, CorrectiveAction.id)
        )
    return [
        OverdueActionRow(id, f"{ref}/A{number}", description, due, name)
        for id, number, description, due, ref, name in kept_rows(query.limit(limit))
    ]


def _overdue_query(site: Site | None, owner: User | None, reader: User | None, *, loaded: bool = True):
    query = actions_query(owner=owner, overdue=True, site=site, reader=reader, loaded=loaded)
    if reader is None or owner is not None:
        return query
    # The dashboard's overdue list walked the group's open actions by due date until it had found
    # the reader's first 20: most of them for a staff member, who reads a few (100 ms at the large
    # demo size). Without a site: the open actions of the NCs the reader may read, by NC. With a
    # site, the join by site already starts from the site's NCs (the planner's statistics are
    # kept, see core.planner_statistics); the same lookup again as an "id IN" list made SQLite
    # probe each of them twice (head0001 at large: 5.1 ms, 0.3 ms without).
    # Staff read only their own NCs' actions: found from those, not from the site's hundreds.
    if site is None or ncs.reads_only_their_own(reader):
        return _of_readable_ncs(query, reader, ActionState.OPEN)
    return query


def _count(query) -> int:
    return capped_count(query)


def is_overdue(action: CorrectiveAction) -> bool:
    return action.state == ActionState.OPEN and action.due_date < site_today(action.nonconformity.site)
