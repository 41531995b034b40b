"""Audits: planning (with impartiality), start (checklist snapshot), results,
report (signed by the lead auditor), closing and cancelling."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from audits import notices, scoring
from audits.improvements import services as improvements
from audits.labels import state_label
from audits.models import (
    NC_RESULTS,
    Audit,
    AuditAuditor,
    AuditChecklist,
    AuditDepartment,
    AuditItem,
    AuditState,
    Evidence,
    NcState,
    Nonconformity,
    ProgrammeEntry,
    Result,
)
from audits.services import nonconformities as ncs
from audits.services import rechecks
from audits.services.common import (
    Related,
    checklist_texts,
    department_named,
    in_windows,
    next_sequence,
    optional_text,
    permission_refusal,
    question_texts,
    reads_by_site,
    required_text,
    site_named,
    user_named,
)
from core.accounts.models import Department, Role, Site, User
from core.accounts.permissions import Permission, can, require, scope_clause
from core.answer_cache import kept_rows
from core.checklists import catalog
from core.clock import local, today, utcnow
from core.database import db
from core.errors import (
    Conflict,
    NotFound,
    Refusal,
    ValidationFailed,
    conflict,
    enforce,
    require_row_version,
)
from core.i18n import in_every_language
from core.plugin_engine.manager import notify_after_commit
from core.signatures import sign
from core.trail import reason as trail_reason
from core.trail.models import TrailEvent
from core.trail.recorder import class_entity_type
from core.web.window import Window, window
from procedures.models import Procedure, RevisionState

RESULTS = tuple(r.value for r in Result)
EDITABLE_STATES = (AuditState.PLANNED, AuditState.IN_PROGRESS)


# Look-ups ------------------------------------------------------------------------


def audit_by_reference(reference: str) -> Audit:
    audit = db.session.execute(
        db.select(Audit)
        .filter_by(reference=(reference or "").strip().upper())
        .options(
            selectinload(Audit.items).selectinload(AuditItem.checklist),
            selectinload(Audit.items).selectinload(AuditItem.evidence),
            selectinload(Audit.items).selectinload(AuditItem.nonconformity),
        )
    ).scalar_one_or_none()
    if audit is None:
        raise NotFound(_("There is no audit '%(reference)s'.", reference=reference))
    return audit


def audit_for_recording(reference: str) -> Audit:
    """The audit without its items, with what recording on one item needs:
    its site, departments and team, in one statement."""
    audit = (
        db.session.execute(
            db.select(Audit)
            .filter_by(reference=(reference or "").strip().upper())
            .options(joinedload(Audit.site), joinedload(Audit.department_rows), joinedload(Audit.auditor_rows))
        )
        .unique()
        .scalar_one_or_none()
    )
    if audit is None:
        raise NotFound(_("There is no audit '%(reference)s'.", reference=reference))
    return audit


def item_of(audit: Audit, item_id: int) -> AuditItem:
    """One checklist item of ``audit``, with its checklist and NC, without loading the others."""
    if "items" in audit.__dict__:
        for item in audit.items:
            if item.id == item_id:
                return item
    else:
        item = db.session.execute(
            db.select(AuditItem)
            .where(AuditItem.audit_id == audit.id, AuditItem.id == item_id)
            .options(joinedload(AuditItem.checklist), joinedload(AuditItem.nonconformity))
        ).scalar_one_or_none()
        if item is not None:
            return item
    raise NotFound(_("%(reference)s has no checklist item %(item_id)s.", reference=audit.reference, item_id=item_id))


def can_read(user: User) -> bool:
    return can(user, Permission.READ_DRAFTS)


def require_read(user: User) -> None:
    """Whether ``user`` may read audits at all (403 with the reason); which ones is :func:`require_visible`."""
    require(user, Permission.READ_DRAFTS)


def is_visible(user: User, audit: Audit) -> bool:
    """Whether ``user`` may read ``audit``, its items and evidence: quality officers and
    auditors in their scope, heads the audits of their department at their site, its team."""
    if is_on_team(user, audit):
        return True
    department_ids = [row.department_id for row in audit.department_rows] or [None]
    return any(
        can(user, Permission.READ_DRAFTS, site_id=audit.site_id, department_id=department_id)
        for department_id in department_ids
    )


def require_visible(user: User, audit: Audit) -> None:
    """404 for an audit outside one's scope, and for who may read no audit at all (staff): a
    record one may not read is not there for them. The list tells them why (:func:`require_read`)."""
    enforce(invisible_refusal(user, audit))


def visible_clause(user: User):
    """:func:`is_visible` as a SQL condition on :class:`Audit`."""
    return db.or_(
        scope_clause(
            user,
            Permission.READ_DRAFTS,
            site_column=Audit.site_id,
            department_column=Related(Audit.department_rows, AuditDepartment.department_id),
        ),
        Audit.lead_auditor_id == user.id,
        Audit.auditor_rows.any(AuditAuditor.user_id == user.id),
    )


def list_query(
    user: User,
    *,
    state: str | None = None,
    site: str | None = None,
    year: int | None = None,
    department: str | None = None,
):
    """The audits ``user`` may read, newest planned first, without their checklist items: a list
    page reads :func:`list_rows` instead, the API and the export that need the items load them
    with ``.options(selectinload(Audit.items))``."""
    conditions = _list_conditions(user, state=state, site=site, year=year, department=department)
    # The site and the lead auditor each row shows: in one statement each, not one per audit.
    query = db.select(Audit).options(selectinload(Audit.site), selectinload(Audit.lead_auditor)).where(*conditions)
    return query.order_by(Audit.planned_date.desc(), Audit.id.desc())


def _list_conditions(user: User, *, state, site, year, department) -> list:
    require_read(user)
    conditions = [visible_clause(user)]
    if state:
        if state not in {s.value for s in AuditState}:
            raise ValidationFailed.field("state", _("unknown state %(state)s", state=repr(state)))
        conditions.append(Audit.state == state)
    if site:
        conditions.append(Audit.site_id.in_(db.select(Site.id).where(Site.code == site.upper())))
    if year:
        conditions.append(Audit.year == year)
    if department:
        conditions.append(Audit.department_rows.any(AuditDepartment.department_id == department_named(department).id))
    return conditions


NEWEST_PLANNED_FIRST = (Audit.planned_date.desc(), Audit.id.desc())


def _in_reader_windows(user: User, conditions: list, *, page: int, per_page: int) -> list:
    """The list's rows narrowed to the first of each branch of the reader's rule (:func:`in_windows`):
    their site's audits, through the (site, planned date) index, the ones they lead and the ones
    they are on; nothing to narrow for who reads every site's."""
    if not reads_by_site(user):
        return []
    # The audits a reader leads or is on are theirs to read: those windows need only the filters.
    visible, filters = conditions[0], conditions[1:]
    branches = [
        [Audit.site_id == user.site_id, visible, *filters],
        [Audit.lead_auditor_id == user.id, *filters],
        [Audit.id.in_(db.select(AuditAuditor.audit_id).where(AuditAuditor.user_id == user.id)), *filters],
    ]
    return [in_windows(Audit.id, branches, NEWEST_PLANNED_FIRST, page=page, per_page=per_page)]


@dataclass(frozen=True, slots=True)
class AuditRow:
    """What the audit list shows of an audit: its columns, not the audit (issue #20)."""

    id: int
    reference: str
    title: str
    site_code: str
    planned_date: date
    lead_auditor: str
    state: str
    departments: tuple[str, ...] = ()
    answered: int = 0
    items: int = 0


def list_rows(
    user: User,
    *,
    page: int,
    per_page: int,
    state: str | None = None,
    site: str | None = None,
    year: int | None = None,
    department: str | None = None,
) -> Window:
    """Page ``page`` of :func:`list_query` as :class:`AuditRow`: three statements (the audits'
    columns with their site and lead auditor, their departments, their progress) and no object
    made per audit — a list of 50 audits made 50 audits, their sites, lead auditors, department
    and auditor rows, and grew with the page (10 audits at ``small``, 50 at ``large``)."""
    conditions = _list_conditions(user, state=state, site=site, year=year, department=department)
    query = (
        db.select(
            Audit.id,
            Audit.reference,
            Audit.title,
            Site.code,
            Audit.planned_date,
            User.display_name,
            Audit.state,
        )
        .join(Site, Site.id == Audit.site_id)
        .join(User, User.id == Audit.lead_auditor_id)
        .where(*conditions, *_in_reader_windows(user, conditions, page=page, per_page=per_page))
        .order_by(*NEWEST_PLANNED_FIRST)
    )
    shown = window(query, page=page, per_page=per_page, columns=True)
    ids = [row.id for row in shown.items]
    departments: dict[int, list[str]] = {audit_id: [] for audit_id in ids}
    if ids:
        codes = db.session.execute(
            db.select(AuditDepartment.audit_id, Department.code)
            .join(Department, Department.id == AuditDepartment.department_id)
            .where(AuditDepartment.audit_id.in_(ids))
            .order_by(Department.code)
        )
        for audit_id, code in codes:
            departments[audit_id].append(code)
    progress = progress_of(shown.items)
    shown.items = [
        AuditRow(*row, departments=tuple(departments[row.id]), answered=progress[row.id][0], items=progress[row.id][1])
        for row in shown.items
    ]
    return shown


def progress_of(audits) -> dict[int, tuple[int, int]]:
    """Audit id → (answered items, items) of ``audits``, summed in one SQL statement: a list of
    fifty audits would otherwise load fifty checklists (thousands of items, each with its JSON)
    to count them."""
    ids = [audit.id for audit in audits]
    if not ids:
        return {}
    answered = db.func.count(db.func.nullif(AuditItem.result, ""))
    # Kept until an item is written (core.answer_cache): the list is looked at more than audited.
    rows = kept_rows(
        db.select(AuditItem.audit_id, answered, db.func.count())
        .where(AuditItem.audit_id.in_(ids))
        .group_by(AuditItem.audit_id)
    )
    progress = dict.fromkeys(ids, (0, 0))
    progress.update({audit_id: (done, total) for audit_id, done, total in rows})
    return progress


# Who may do what -------------------------------------------------------------------


def is_on_team(user: User, audit: Audit) -> bool:
    return user.id == audit.lead_auditor_id or any(row.user_id == user.id for row in audit.auditor_rows)


def impartiality_refusal(auditor: User, department_ids) -> str | None:
    """Why ``auditor`` may not audit those departments, or None (ISO 9001 9.2.2 c)."""
    if not auditor.has_role(Role.AUDITOR, Role.QUALITY_OFFICER):
        return f"{auditor.display_name} ({auditor.login}) is neither an auditor nor a quality officer."
    for department_id in department_ids:
        if auditor.department_id == department_id:
            department = auditor.department.code if auditor.department else department_id
            return (
                f"{auditor.display_name} ({auditor.login}) belongs to {department}: an auditor may not "
                f"audit their own department (ISO 9001 9.2.2 c)."
            )
    return None


def auditor_candidates(site: Site | None, department_ids=()) -> list[User]:
    """Who may be on the team of an audit at ``site``: active auditors and quality officers who
    work there or at the group office (every site for a user of the group office), and — once
    the audited departments are known — belong to none of them."""
    rows = db.session.execute(db.select(User).where(User.active.is_(True)).order_by(User.display_name)).scalars()
    return [
        user
        for user in rows
        if (site is None or user.site_id in (None, site.id)) and impartiality_refusal(user, department_ids) is None
    ]


def default_lead_auditor(actor: User, site: Site | None, department_ids=()) -> User | None:
    """The planner when they may audit those departments there, else the first who may: a form
    never offers a lead auditor that planning would refuse."""
    candidates = auditor_candidates(site, department_ids)
    if actor in candidates:
        return actor
    return candidates[0] if candidates else None


def no_auditor_advice(site: Site | None, department_ids=()) -> str | None:
    """Why nobody can be offered to audit those departments at ``site``, and what to do about it;
    None when somebody can. A planning form says this instead of showing an empty list."""
    if auditor_candidates(site, department_ids):
        return None
    place = site.name if site is not None else _("the group")
    if auditor_candidates(site):
        return _(
            "Everyone who may audit at %(site)s works in a department being audited, and nobody may audit "
            "their own department (ISO 9001 9.2.2 c). Ask an administrator to give the auditor role to "
            "someone from another department at %(site)s or at the group office, then choose them here.",
            site=place,
        )
    return _(
        "Nobody can audit at %(site)s yet: nobody who works there or at the group office is an auditor or "
        "a quality officer. Ask an administrator to give someone at %(site)s the auditor role, or to give it "
        "to someone at the group office, who may audit every site; then plan this audit again.",
        site=place,
    )


def next_working_day(after: date) -> date:
    """The first Monday-to-Friday day after ``after``: an audit is planned for a day staff are in."""
    day = after + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def default_planned_date(entry_month: date | None = None) -> date:
    """The programme entry's month, but never a past day: the next working day at the earliest."""
    earliest = next_working_day(today())
    return max(entry_month, earliest) if entry_month is not None else earliest


def invisible_refusal(user: User, audit: Audit) -> Refusal | None:
    """An audit outside one's scope is not there: the refusal is a 404, whatever one would have done to it."""
    if is_visible(user, audit):
        return None
    return Refusal(_("There is no audit %(reference)s.", reference=audit.reference), NotFound)


def conduct_refusal(user: User, audit: Audit) -> Refusal | None:
    """Why ``user`` may not work on ``audit``, or None: a member of its team, never for their own department."""
    invisible = invisible_refusal(user, audit)
    if invisible:
        return invisible
    for department in audit.departments:
        refusal = permission_refusal(user, Permission.RUN_AUDITS, department_id=department.id, site_id=audit.site_id)
        if refusal:
            return refusal
    if not audit.department_rows:
        refusal = permission_refusal(user, Permission.RUN_AUDITS, site_id=audit.site_id)
        if refusal:
            return refusal
    if not is_on_team(user, audit):
        return Refusal(_("You are not on the audit team of %(reference)s.", reference=audit.reference))
    return None


def export_refusal(user: User, audit: Audit) -> Refusal | None:
    """Why ``user`` may not export ``audit``'s evidence pack, or None: an exporter in the audit's scope."""
    return invisible_refusal(user, audit) or permission_refusal(user, Permission.EXPORT_PACK, site_id=audit.site_id)


def require_conduct(user: User, audit: Audit) -> None:
    enforce(conduct_refusal(user, audit))


def _state_refusal(audit: Audit, allowed, why: str) -> Refusal | None:
    if audit.state in allowed:
        return None
    return conflict(
        _("%(reference)s is %(state)s; %(why)s", reference=audit.reference, state=state_label(audit.state), why=why)
    )


def start_refusal(user: User, audit: Audit) -> Refusal | None:
    """Why ``user`` may not start ``audit``, or None."""
    return conduct_refusal(user, audit) or _state_refusal(
        audit, (AuditState.PLANNED,), _("only a planned audit can start.")
    )


def record_refusal(user: User, audit: Audit) -> Refusal | None:
    """Why ``user`` may not record results (or their evidence) on ``audit`` now, or None."""
    return conduct_refusal(user, audit) or _state_refusal(
        audit, (AuditState.IN_PROGRESS,), _("results are recorded while it is in progress.")
    )


def evidence_refusal(user: User, audit: Audit) -> Refusal | None:
    """Why ``user`` may not add evidence to the items of ``audit`` now, or None."""
    return conduct_refusal(user, audit) or _state_refusal(
        audit, (AuditState.IN_PROGRESS,), _("evidence is added while it is in progress.")
    )


def report_refusal(user: User, audit: Audit) -> Refusal | None:
    """Why ``user`` may not issue the report of ``audit``, or None: only its lead auditor, while it runs."""
    refusal = conduct_refusal(user, audit)
    if refusal:
        return refusal
    if user.id != audit.lead_auditor_id:
        return Refusal(
            _(
                "Only the lead auditor of %(reference)s (%(lead)s) may issue its report.",
                reference=audit.reference,
                lead=audit.lead_auditor.display_name,
            )
        )
    return _state_refusal(audit, (AuditState.IN_PROGRESS,), _("only an audit in progress can be reported."))


def manage_refusal(user: User, audit: Audit) -> Refusal | None:
    """Why ``user`` may not re-plan, close or cancel ``audit``: the lead auditor or a quality officer
    (in their scope) may."""
    refusal = invisible_refusal(user, audit) or permission_refusal(user, Permission.RUN_AUDITS, site_id=audit.site_id)
    if refusal:
        return refusal
    if user.id != audit.lead_auditor_id and Role.QUALITY_OFFICER not in user.roles:
        return Refusal(
            _("Only the lead auditor of %(reference)s or a quality officer may do this.", reference=audit.reference)
        )
    return None


def may_manage(user: User, audit: Audit) -> bool:
    """Cancel, close: the lead auditor or a quality officer."""
    return manage_refusal(user, audit) is None


def replan_refusal(user: User, audit: Audit) -> Refusal | None:
    """Why ``user`` may not re-plan ``audit``, or None."""
    return manage_refusal(user, audit) or _state_refusal(
        audit, (AuditState.PLANNED,), _("only a planned audit can be re-planned.")
    )


def close_refusal(user: User, audit: Audit) -> Refusal | None:
    """Why ``user`` may not close ``audit`` yet (its open NCs are checked when closing), or None."""
    return manage_refusal(user, audit) or _state_refusal(
        audit, (AuditState.REPORTED,), _("only a reported audit can be closed.")
    )


def cancel_refusal(user: User, audit: Audit) -> Refusal | None:
    """Why ``user`` may not cancel ``audit``, or None."""
    return manage_refusal(user, audit) or _state_refusal(
        audit, EDITABLE_STATES, _("only a planned or running audit can be cancelled.")
    )


# Planning --------------------------------------------------------------------------


def check_checklist_keys(keys) -> list[str]:
    known = catalog.checklists()
    chosen = []
    for key in keys or []:
        key = (key or "").strip()
        if not key:
            continue
        if key not in known:
            raise ValidationFailed.field("checklists", _("unknown checklist %(key)s", key=repr(key)))
        if key not in chosen:
            chosen.append(key)
    if not chosen:
        raise ValidationFailed.field("checklists", _("choose at least one checklist"))
    return chosen


def check_criteria(codes) -> list[str]:
    chosen = []
    for code in codes or []:
        code = (code or "").strip().upper()
        if not code or code in chosen:
            continue
        if db.session.execute(db.select(Procedure.id).filter_by(code=code)).first() is None:
            raise ValidationFailed.field("criteria", _("unknown procedure %(code)s", code=repr(code)))
        chosen.append(code)
    return chosen


def _team(lead_login: str | None, auditor_logins, department_ids) -> tuple[User, list[User]]:
    lead = user_named(lead_login, "lead_auditor")
    refusal = impartiality_refusal(lead, department_ids)
    if refusal:
        raise ValidationFailed.field("lead_auditor", refusal)
    auditors = []
    for login in auditor_logins or []:
        if not (login or "").strip():
            continue
        auditor = user_named(login, "auditors")
        refusal = impartiality_refusal(auditor, department_ids)
        if refusal:
            raise ValidationFailed.field("auditors", refusal)
        if auditor.id != lead.id and auditor not in auditors:
            auditors.append(auditor)
    return lead, auditors


def plan_audit(
    actor: User,
    *,
    title: str,
    site: str,
    departments,
    scope: str = "",
    criteria=(),
    lead_auditor: str,
    auditors=(),
    planned_date: date | None,
    checklists,
    programme_entry: ProgrammeEntry | None = None,
) -> Audit:
    require(actor, Permission.RUN_AUDITS)
    title = required_text(title, "title", 300)
    site_row = site_named(site)
    require(actor, Permission.RUN_AUDITS, site_id=site_row.id)
    department_rows = []
    for code in departments or []:
        if (code or "").strip():
            department = department_named(code, "departments")
            if department not in department_rows:
                department_rows.append(department)
    if not department_rows:
        raise ValidationFailed.field("departments", _("choose at least one department"))
    if planned_date is None:
        raise ValidationFailed.required("planned_date")
    keys = check_checklist_keys(checklists)
    codes = check_criteria(criteria)
    lead, team = _team(lead_auditor, auditors, [d.id for d in department_rows])
    year = planned_date.year
    sequence = next_sequence(Audit, year)
    audit = Audit(
        reference=f"IA-{year}-{sequence:03d}",
        year=year,
        sequence=sequence,
        title=title,
        site=site_row,
        scope=optional_text(scope) or "",
        criteria=codes,
        checklist_keys=keys,
        lead_auditor=lead,
        planned_date=planned_date,
        created_by=actor,
        programme_entry=programme_entry,
        state=AuditState.PLANNED.value,
    )
    audit.department_rows = [AuditDepartment(department_id=d.id, department=d) for d in department_rows]
    audit.auditor_rows = [AuditAuditor(user_id=u.id, user=u) for u in team]
    db.session.add(audit)
    db.session.flush()
    notices.audit_planned(audit)
    return audit


def update_plan(
    actor: User,
    audit: Audit,
    *,
    row_version: int,
    title: str | None = None,
    scope: str | None = None,
    criteria=None,
    lead_auditor: str | None = None,
    auditors=None,
    planned_date: date | None = None,
    checklists=None,
) -> Audit:
    """Change a planned audit (not its site or departments: plan another audit for those)."""
    enforce(manage_refusal(actor, audit))
    require_row_version(audit, row_version)
    enforce(replan_refusal(actor, audit))
    if title is not None:
        audit.title = required_text(title, "title", 300)
    if scope is not None:
        audit.scope = optional_text(scope) or ""
    if criteria is not None:
        audit.criteria = check_criteria(criteria)
    if checklists is not None:
        audit.checklist_keys = check_checklist_keys(checklists)
    if planned_date is not None:
        audit.planned_date = planned_date
    if lead_auditor is not None or auditors is not None:
        lead, team = _team(
            lead_auditor or audit.lead_auditor.login,
            auditors if auditors is not None else [u.login for u in audit.auditors],
            [row.department_id for row in audit.department_rows],
        )
        audit.lead_auditor = lead
        audit.auditor_rows = [AuditAuditor(user_id=u.id, user=u) for u in team]
    db.session.flush()
    return audit


# Starting: the snapshot -------------------------------------------------------------


def revisions_in_force(codes, on: date) -> dict:
    """For each procedure code, the revision that was effective on ``on``."""
    found = {}
    for code in codes:
        procedure = db.session.execute(db.select(Procedure).filter_by(code=code)).scalar_one_or_none()
        chosen = None
        for revision in procedure.revisions if procedure else []:
            if revision.state not in (RevisionState.EFFECTIVE, RevisionState.SUPERSEDED):
                continue
            began = local(revision.effective_at).date() if revision.effective_at else revision.effective_date
            ended = local(revision.superseded_at).date() if revision.superseded_at else None
            in_force = began is not None and began <= on and (ended is None or ended > on)
            if in_force and (chosen is None or revision.number > chosen.number):
                chosen = revision
        found[code] = (
            None
            if chosen is None
            else {"revision": chosen.number, "title": chosen.title, "body_sha256": chosen.body_sha256}
        )
    return found


def start_audit(actor: User, audit: Audit, *, row_version: int) -> Audit:
    """Planned → in progress: copy the checklists' questions into the audit.

    The texts are copied in every installed language: the default language's
    in the text columns (what the report's signature covers), the others in
    ``translations``, so a recorded audit reads the same whoever started it
    and whatever the plugin does later, and each reader reads their own.
    """
    require_conduct(actor, audit)
    require_row_version(audit, row_version)
    enforce(start_refusal(actor, audit))
    known = catalog.checklists()
    missing = [key for key in audit.checklist_keys if key not in known]
    if missing:
        raise ValidationFailed.field(
            "checklists",
            _(
                "unknown checklist %(key)s (its plugin is not installed or all its versions are retired); "
                "re-plan the audit without it",
                key=repr(missing[0]),
            ),
        )
    from flask import current_app

    position = 0
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "en")):
        for index, key in enumerate(audit.checklist_keys):
            definition = known[key]
            snapshot = AuditChecklist(
                audit=audit,
                position=index,
                key=key,
                title=str(definition.title),
                version=definition.version,
                plugin=catalog.origin(key),
                area=definition.area or "",
                translations=in_every_language(lambda definition=definition: checklist_texts(definition)),
                **scoring.definition_of(definition),
            )
            db.session.add(snapshot)
            for question in definition.questions:
                position += 1
                db.session.add(
                    AuditItem(
                        audit=audit,
                        checklist=snapshot,
                        position=position,
                        question_key=question.key,
                        text=str(question.text),
                        reference=str(question.reference or ""),
                        guidance=str(question.guidance or ""),
                        translations=in_every_language(lambda question=question: question_texts(question)),
                        weight=float(question.weight),
                        section=question.section,
                        must_pass=question.must_pass,
                    )
                )
        rechecks.add_to_audit(audit, position)
    audit.criteria_revisions = revisions_in_force(audit.criteria, today())
    audit.state = AuditState.IN_PROGRESS.value
    audit.started_at = utcnow()
    db.session.flush()
    return audit


# Results -----------------------------------------------------------------------------


def _department_for(audit: Audit, item: AuditItem):
    """The audited department a finding belongs to: the checklist's area when it is one of them."""
    for department in audit.departments:
        if department.code == item.checklist.area:
            return department
    return audit.departments[0]


def _finding_title(checklist: str, question: str) -> str:
    """An NC's title from the checklist point it was found at, punctuated as the language writes it."""
    return _("%(checklist)s: %(question)s", checklist=checklist, question=question)[:300]


def _points(item: AuditItem, result: str, points) -> float | None:
    """The points given for ``item`` on its checklist's scale, checked (None: the grade decides)."""
    if points is None or (isinstance(points, str) and not points.strip()):
        return None
    checklist = item.checklist
    if not scoring.takes_points(checklist):
        raise ValidationFailed.field("points", _("this checklist is answered by the grade alone; leave points empty"))
    if result == Result.NOT_APPLICABLE.value:
        raise ValidationFailed.field("points", _("an item that is not applicable takes no points; leave them empty"))
    highest = scoring.maximum(checklist)
    try:
        value = float(str(points).strip().rstrip("%").replace(",", ".")) if isinstance(points, str) else points
    except ValueError:
        value = None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ValidationFailed.field("points", _("points must be a number from 0 to %(highest)s", highest=highest))
    if checklist.scale == "percent":
        if not 0 <= value <= 100:
            raise ValidationFailed.field("points", _("a percent from 0 to 100"))
    elif value != int(value) or not 0 <= value <= highest:
        raise ValidationFailed.field("points", _("whole points from 0 to %(highest)s", highest=highest))
    return float(value)


def record_result(
    actor: User,
    audit: Audit,
    item: AuditItem,
    *,
    result: str,
    row_version: int,
    note: str | None = None,
    points=None,
) -> AuditItem:
    """Record (or change) an item's result, keeping its NC consistent.

    On a checklist scored in points or percent, ``points`` are what the
    auditor gave beside the grade (empty: the grade decides the item's score).

    ``minor_nc``/``major_nc`` raise one NC for the item (or reopen the one
    it had); changing to another grade cancels that NC while nobody has
    worked on it yet, and is refused once somebody has.

    The item's change and its NC's go out in one flush, so the request adds
    to the trail's chain once (see :mod:`core.trail.recorder`).
    """
    enforce(record_refusal(actor, audit))
    require_row_version(item, row_version)
    if result not in RESULTS:
        raise ValidationFailed.field("result", _("one of %(known)s", known=", ".join(RESULTS)))
    note = optional_text(note)
    if result in NC_RESULTS and not note:
        raise ValidationFailed.field("note", _("describe the nonconformity you found"))
    given = _points(item, result, points)
    if item.points != given:
        item.points = given
    if rechecks.is_recheck_point(item):
        # A re-check point raises nothing: its result reopens the NC it re-checks when the report is signed.
        item.result, item.note = result, note
        item.answered_by, item.answered_at = actor, utcnow()
        db.session.flush()
        return item
    nc = item.nonconformity if item.id is not None else None
    if (
        nc is not None
        and nc.state not in (NcState.OPEN, NcState.CANCELLED)
        and (result not in NC_RESULTS or NC_RESULTS[result] != nc.severity)
    ):
        raise Conflict(
            _(
                "%(reference)s raised by this finding is already %(state)s; its result can no longer change.",
                reference=nc.reference,
                state=state_label(nc.state),
            )
        )
    previous = item.result
    with db.session.no_autoflush:
        item.result, item.note = result, note
        item.answered_by, item.answered_at = actor, utcnow()
        if result in NC_RESULTS:
            severity = NC_RESULTS[result]
            if nc is None:
                nc = ncs.raise_nonconformity(
                    actor,
                    title=_finding_title(item.checklist.title, item.text),
                    translations=in_every_language(
                        lambda: {"title": _finding_title(item.checklist.shown("title"), item.shown("text"))}
                    ),
                    description=note,
                    severity=severity,
                    site=audit.site,
                    department=_department_for(audit, item),
                    source="audit",
                    source_ref=f"{audit.reference}#{item.anchor}",
                    audit=audit,
                    audit_item=item,
                )
                set_committed_value(item, "nonconformity", nc)
            else:
                ncs.sync_from_finding(nc, severity=severity, description=note)
        elif nc is not None and nc.state == NcState.OPEN:
            ncs.cancel_for_finding(nc, f"The audit result of the finding was changed to {result}.")
        # Observations and OFIs go to the improvement register as NC grades go to NCs.
        improvements.follow_finding(actor, audit, item, previous=previous, department=_department_for(audit, item))
    db.session.flush()
    return item


# History ---------------------------------------------------------------------------------


def _trail_type(cls) -> str:
    return class_entity_type(cls)


def history(audit: Audit, *, limit: int = 2000) -> list:
    """The audit's trail events with those of its departments, team, checklist
    snapshot, items (the results) and their evidence, in order."""

    def ids(rows):
        return [str(row.id) for row in rows]

    item_evidence = db.session.execute(
        db.select(Evidence.id).where(Evidence.audit_id == audit.id, Evidence.audit_item_id.is_not(None))
    ).all()
    wanted = [
        db.and_(TrailEvent.entity_type == _trail_type(Audit), TrailEvent.entity_id == str(audit.id)),
        db.and_(
            TrailEvent.entity_type.in_([_trail_type(AuditDepartment), _trail_type(AuditAuditor)]),
            # A range, not LIKE: SQLite's case-insensitive LIKE cannot use the
            # index and turned this into a scan of the whole trail.
            TrailEvent.entity_id >= f"{audit.id}/",
            TrailEvent.entity_id < f"{audit.id}0",
        ),
    ]
    for cls, rows in ((AuditChecklist, audit.checklists), (AuditItem, audit.items), (Evidence, item_evidence)):
        if rows:
            wanted.append(db.and_(TrailEvent.entity_type == _trail_type(cls), TrailEvent.entity_id.in_(ids(rows))))
    return list(
        db.session.execute(db.select(TrailEvent).where(db.or_(*wanted)).order_by(TrailEvent.seq).limit(limit)).scalars()
    )


# Report, close, cancel ------------------------------------------------------------------


def report_audit(actor: User, audit: Audit, *, summary: str, conclusion: str, password: str, row_version: int) -> Audit:
    """In progress → reported, signed ``report-issued`` by the lead auditor."""
    refusal = report_refusal(actor, audit)
    if refusal is not None and refusal.error is not Conflict:
        enforce(refusal)
    require_row_version(audit, row_version)
    enforce(refusal)
    audit.summary = required_text(summary, "summary")
    audit.conclusion = required_text(conclusion, "conclusion")
    unanswered = [item for item in audit.items if not item.result]
    if unanswered:
        raise ValidationFailed.field(
            "items",
            _(
                "%(count)s checklist item(s) have no result yet (first: %(question)s)",
                count=len(unanswered),
                question=unanswered[0].shown("text")[:80],
            ),
        )
    audit.state = AuditState.REPORTED.value
    audit.reported_at = utcnow()
    db.session.flush()
    rechecks.decide_from_audit(audit, actor)
    sign(audit, signer=actor, password=password, meaning="report-issued")
    notices.report_signed(audit)
    notify_after_commit("audit_reported", audit=audit)
    return audit


def open_nonconformities(audit: Audit) -> list[Nonconformity]:
    return list(
        db.session.execute(
            db.select(Nonconformity)
            .where(Nonconformity.audit_id == audit.id, Nonconformity.state.not_in([NcState.CLOSED, NcState.CANCELLED]))
            .order_by(Nonconformity.reference)
        ).scalars()
    )


def nonconformities_of(audit: Audit) -> list[Nonconformity]:
    return list(
        db.session.execute(
            db.select(Nonconformity).where(Nonconformity.audit_id == audit.id).order_by(Nonconformity.reference)
        ).scalars()
    )


def close_audit(actor: User, audit: Audit, *, row_version: int) -> Audit:
    enforce(manage_refusal(actor, audit))
    require_row_version(audit, row_version)
    enforce(close_refusal(actor, audit))
    still_open = open_nonconformities(audit)
    if still_open:
        raise Conflict(
            _(
                "%(reference)s cannot close: its nonconformities %(open)s are not closed yet.",
                reference=audit.reference,
                open=", ".join(nc.reference for nc in still_open),
            )
        )
    audit.state = AuditState.CLOSED.value
    audit.closed_at = utcnow()
    db.session.flush()
    return audit


def cancel_audit(actor: User, audit: Audit, *, reason: str, row_version: int) -> Audit:
    enforce(manage_refusal(actor, audit))
    require_row_version(audit, row_version)
    enforce(cancel_refusal(actor, audit))
    reason = required_text(reason, "reason")
    if any(nc.state != NcState.CANCELLED for nc in nonconformities_of(audit)):
        raise Conflict(
            _(
                "%(reference)s has raised nonconformities; report it instead of cancelling it.",
                reference=audit.reference,
            )
        )
    with trail_reason(reason):
        audit.state = AuditState.CANCELLED.value
        audit.cancel_reason = reason
        audit.cancelled_at = utcnow()
        db.session.flush()
    return audit
