"""The improvement register's rules: who sees an item and who works on it, raising one (a staff
suggestion, a manager's own, an audit observation or OFI), its PDCA stages, its DMAIC figures,
the files that show its result, lists, counts and the owner's work waiting.

Every function flushes and leaves the commit to its caller: one business action, one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from audits.improvements import sixsigma
from audits.improvements.labels import STAGE_LABELS
from audits.improvements.models import OPEN_STAGES, ActionType, Improvement, Method, Phase, Source, Stage
from audits.models import AuditItem, Evidence, Result
from audits.services.common import (
    department_named,
    head_of,
    is_head_of,
    next_sequence,
    optional_text,
    required_text,
    site_named,
    user_named,
)
from core.accounts import organisation
from core.accounts.models import Department, Role, Site, User, UserRole
from core.accounts.permissions import Permission, can, scope_clause, works_at
from core.clock import local, utcnow
from core.database import db
from core.errors import (
    Conflict,
    NotFound,
    Refusal,
    TooLarge,
    ValidationFailed,
    conflict,
    enforce,
    require_row_version,
)
from core.metrics import services as metrics
from core.times import before_site_today, site_today
from core.trail import reason as trail_reason
from core.trail.queries import history_of, history_of_all
from core.trail.readable import actor_names

STAGES = tuple(stage.value for stage in Stage)
SOURCES = tuple(source.value for source in Source)
ACTION_TYPES = tuple(kind.value for kind in ActionType)
METHODS = tuple(method.value for method in Method)
PHASES = tuple(phase.value for phase in Phase)
# What an audit finding graded so becomes in the register.
FINDING_SOURCES = {Result.OBSERVATION.value: Source.AUDIT_OBSERVATION, Result.OFI.value: Source.AUDIT_OFI}
# Raised by the system from what it watches, never by hand.
WATCHED_SOURCES = (Source.AUDIT_OBSERVATION, Source.AUDIT_OFI, Source.SERVQUAL_GAP, Source.RED_KPI)
# to-stage → the stages it may be reached from.
TRANSITIONS = {
    Stage.DO: (Stage.PLAN, Stage.CHECK),  # from check: the change did not work as done; do it again
    Stage.CHECK: (Stage.DO,),
    Stage.ACT: (Stage.CHECK,),
    Stage.CLOSED: (Stage.ACT,),
    Stage.PLAN: (Stage.ACT, Stage.REJECTED),  # another PDCA cycle, or taken up after all
    Stage.REJECTED: OPEN_STAGES,
}
# An owner's item waits in their inbox from this many days before its due date.
DUE_SOON_DAYS = 14


# Look-ups -------------------------------------------------------------------------------------


def improvement_by_reference(reference: str) -> Improvement:
    found = db.session.execute(
        db.select(Improvement).filter_by(reference=(reference or "").strip().upper())
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(_("There is no improvement '%(reference)s'.", reference=reference))
    return found


def improvement_for_item(item: AuditItem) -> Improvement | None:
    if item.id is None:
        return None
    return db.session.execute(db.select(Improvement).filter_by(audit_item_id=item.id)).scalar_one_or_none()


# Who may ---------------------------------------------------------------------------------------


def _logged_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.active


def people_of(item: Improvement) -> tuple[int | None, int | None]:
    """Whose item it is: who raised it (a suggestion's author) and who owns it."""
    return (item.raised_by_id, item.owner_id)


def is_visible(user: User, item: Improvement) -> bool:
    """Read like an NC: quality officers and auditors in scope, the head of its department at
    its site, and whoever raised or owns it (staff see nothing else)."""
    if _logged_in(user) and user.id in people_of(item):
        return True
    return can(
        user, Permission.READ_RECORDS, site_id=item.site_id, department_id=item.department_id, people=people_of(item)
    )


def visible_clause(user: User):
    """:func:`is_visible` as a SQL condition on :class:`Improvement`."""
    return or_(
        scope_clause(
            user,
            Permission.READ_RECORDS,
            site_column=Improvement.site_id,
            department_column=Improvement.department_id,
            people_columns=(Improvement.raised_by_id, Improvement.owner_id),
        ),
        Improvement.raised_by_id == user.id,
        Improvement.owner_id == user.id,
    )


def in_scope(user: User, site_id: int) -> bool:
    return works_at(user, site_id)


def manages(user: User, site_id: int, department_id: int) -> bool:
    """A quality officer in scope, or the head of the department at the site."""
    if not _logged_in(user):
        return False
    if Role.QUALITY_OFFICER in user.roles and in_scope(user, site_id):
        return True
    return is_head_of(user, department_id, site_id)


def may_manage(user: User, item: Improvement) -> bool:
    return manages(user, item.site_id, item.department_id)


def invisible_refusal(user: User, item: Improvement) -> Refusal | None:
    """An item outside one's scope is not there: 404, whatever one would have done to it."""
    if is_visible(user, item):
        return None
    return Refusal(_("There is no improvement %(reference)s.", reference=item.reference), NotFound)


def require_visible(user: User, item: Improvement) -> None:
    enforce(invisible_refusal(user, item))


def manage_refusal(user: User, item: Improvement) -> Refusal | None:
    """Why ``user`` may not decide on ``item`` (reject it, hand it to someone else), or None."""
    invisible = invisible_refusal(user, item)
    if invisible:
        return invisible
    if may_manage(user, item):
        return None
    return Refusal(
        _(
            "Only a quality officer or the head of %(department)s at %(site)s may decide this.",
            department=item.department.code,
            site=item.site.code,
        )
    )


def work_refusal(user: User, item: Improvement) -> Refusal | None:
    """Why ``user`` may not work on ``item`` (its stage, actions, result, DMAIC figures), or None:
    its owner, a quality officer in scope and the head of its department at its site may."""
    invisible = invisible_refusal(user, item)
    if invisible:
        return invisible
    if user.id == item.owner_id or may_manage(user, item):
        return None
    return Refusal(
        _(
            "Only the owner of %(reference)s, a quality officer or the head of %(department)s may work on it.",
            reference=item.reference,
            department=item.department.code,
        )
    )


def stage_refusal(user: User, item: Improvement, to: str | None = None) -> Refusal | None:
    """Rejecting an item, or taking up a rejected one, is a manager's decision; the PDCA steps are
    the owner's work too."""
    if to == Stage.REJECTED or item.stage == Stage.REJECTED:
        return manage_refusal(user, item)
    return work_refusal(user, item)


def _open_refusal(item: Improvement) -> None:
    if not item.is_open:
        raise Conflict(
            _(
                "%(reference)s is %(stage)s; it can no longer change.",
                reference=item.reference,
                stage=STAGE_LABELS.get(item.stage, item.stage),
            )
        )


# Raising ---------------------------------------------------------------------------------------


def raise_refusal(user: User, source: str, site: Site, department: Department) -> Refusal | None:
    """Anyone may suggest an improvement at their own site (the group office at any); a quality
    officer in scope or the head of the department there raises one of their own (or a review's)."""
    if not _logged_in(user):
        return Refusal(_("You must be logged in to suggest an improvement."))
    if source == Source.SUGGESTION:
        if in_scope(user, site.id):
            return None
        return Refusal(_("You suggest improvements for your own site."))
    if manages(user, site.id, department.id):
        return None
    return Refusal(
        _(
            "Only a quality officer or the head of %(department)s at %(site)s may raise an improvement there;"
            " make a suggestion instead.",
            department=department.code,
            site=site.code,
        )
    )


def quality_officer_for(site: Site) -> User | None:
    """A quality officer who takes work nobody heads: one of the site's, else one of the group office."""
    return db.session.execute(
        db.select(User)
        .where(
            User.active.is_(True),
            User.role_rows.any(UserRole.role == Role.QUALITY_OFFICER.value),
            or_(User.site_id == site.id, User.site_id.is_(None)),
        )
        .order_by(User.site_id.is_(None), User.id)
        .limit(1)
    ).scalar_one_or_none()


def default_owner(department: Department, site: Site) -> User | None:
    """The head of the department at the site (deputy, group head), else a quality officer."""
    return head_of(department, site) or quality_officer_for(site)


def _choice(value: str | None, allowed: tuple[str, ...], field: str, default: str) -> str:
    value = (value or default).strip()
    if value not in allowed:
        raise ValidationFailed.field(field, _("one of %(known)s", known=", ".join(allowed)))
    return value


def raise_improvement(
    actor: User | None,
    *,
    title: str,
    description: str | None = None,
    site: str | Site | None = None,
    department: str | Department | None = None,
    source: str = Source.SUGGESTION.value,
    source_ref: str | None = None,
    owner: str | None = None,
    due_date: date | None = None,
    action_type: str | None = None,
    expected_benefit: str | None = None,
    audit_item: AuditItem | None = None,
) -> Improvement:
    """A new item in stage ``plan``.

    ``actor`` None: raised by the system from what it watches (audit findings, KPIs). The site
    and department default to the author's; the item goes to the head of that department at that
    site (a quality officer where nobody heads it) unless a manager names its owner.
    """
    source = _choice(source, SOURCES, "source", Source.SUGGESTION.value)
    if actor is not None and source in WATCHED_SOURCES:
        raise ValidationFailed.field(
            "source", _("audit findings, SERVQUAL gaps and red KPIs raise their improvements themselves")
        )
    if actor is not None:
        site = site or (actor.site.code if actor.site else None)
        department = department or (actor.department.code if actor.department else None)
    site_row = site if isinstance(site, Site) else site_named(site)
    department_row = department if isinstance(department, Department) else department_named(department)
    if actor is not None:
        enforce(raise_refusal(actor, source, site_row, department_row))
    title = required_text(title, "title", 300)
    if owner and source == Source.SUGGESTION:
        raise ValidationFailed.field("owner", _("a suggestion goes to the head of the department; they hand it on"))
    owner_row = user_named(owner, "owner", required=False)
    if owner_row is not None:
        refusal = organisation.owner_refusal(owner_row, site_row.id)
        if refusal:
            raise ValidationFailed.field("owner", refusal)
    if due_date is not None and due_date < site_today(site_row):
        raise ValidationFailed.field("due_date", _("is in the past"))
    now = utcnow()
    # The dealership's year: an item raised on 1 January in China is OFI-<new year>.
    year = local(now).year
    sequence = next_sequence(Improvement, year)
    item = Improvement(
        reference=f"OFI-{year}-{sequence:04d}",
        year=year,
        sequence=sequence,
        title=title,
        description=optional_text(description) or "",
        source=source,
        source_ref=(source_ref or "").strip()[:300] or None,
        audit_item=audit_item,
        site=site_row,
        department=department_row,
        owner=owner_row or default_owner(department_row, site_row),
        raised_by=actor,
        raised_at=now,
        stage=Stage.PLAN.value,
        action_type=_choice(action_type, ACTION_TYPES, "action_type", ActionType.IMPROVEMENT.value),
        expected_benefit=optional_text(expected_benefit),
        due_date=due_date,
        method=Method.PDCA.value,
    )
    db.session.add(item)
    db.session.flush()
    return item


def sites_to_suggest_at(user: User) -> list[Site]:
    """The active sites ``user`` may suggest improvements for: their own, or every one from the group office."""
    rows = db.session.execute(db.select(Site).where(Site.active.is_(True)).order_by(Site.code)).scalars()
    return [site for site in rows if in_scope(user, site.id)]


# From audit findings ---------------------------------------------------------------------------


def _untouched(item: Improvement) -> bool:
    """Nobody has worked on it yet: still being planned, with nothing written into it."""
    return (
        item.stage in (Stage.PLAN, Stage.REJECTED)
        and item.method == Method.PDCA
        and not (item.expected_benefit or item.actions or item.result)
    )


def follow_finding(actor: User, audit, item: AuditItem, *, previous: str | None, department: Department):
    """Keep the register in step with an audit finding just recorded (as NCs are with NC grades);
    ``previous`` is the result ``item`` had before.

    An observation or an OFI raises one improvement for the item, owned by the head of the
    department at the audit's site; recording it again updates its text while nobody has worked
    on it, and brings it back if it had been withdrawn. Another grade withdraws it (rejected,
    kept for the trail) while nobody has worked on it; once somebody has, it stands on its own.
    """
    result, note = item.result, item.note
    if result not in FINDING_SOURCES and previous not in FINDING_SOURCES:
        # Neither was it an observation or OFI nor is it now: nothing to look up (field work
        # records results one by one and this saves each of them a query).
        return None
    found = improvement_for_item(item)
    if result in FINDING_SOURCES:
        source = FINDING_SOURCES[result].value
        if found is None:
            return raise_improvement(
                None,
                title=f"{item.checklist.title}: {item.text}"[:300],
                description=note,
                site=audit.site,
                department=department,
                source=source,
                source_ref=f"{audit.reference}#{item.anchor}",
                audit_item=item,
            )
        if _untouched(found):
            if found.stage == Stage.REJECTED:
                with trail_reason("The audit finding was recorded as an improvement opportunity again."):
                    found.stage, found.stage_reason, found.closed_at = Stage.PLAN.value, None, None
                    db.session.flush()
            found.description, found.source = note or "", source
            db.session.flush()
        return found
    if found is not None and found.stage == Stage.PLAN and _untouched(found):
        why = f"The audit result of the finding was changed to {result}."
        with trail_reason(why):
            found.stage, found.stage_reason, found.closed_at = Stage.REJECTED.value, why, utcnow()
            db.session.flush()
    return found


# Working on an item ----------------------------------------------------------------------------


def update_improvement(
    actor: User,
    item: Improvement,
    *,
    row_version,
    title: str | None = None,
    description: str | None = None,
    owner: str | None = None,
    due_date: date | None = None,
    action_type: str | None = None,
    expected_benefit: str | None = None,
    actions: str | None = None,
    result: str | None = None,
) -> Improvement:
    """Change what is given (None: unchanged; an empty text clears it). Handing the item to
    someone else is a manager's decision; everything else is its owner's work too."""
    enforce(work_refusal(actor, item))
    new_owner = user_named(owner, "owner", required=False) if owner else None
    if new_owner is not None and new_owner.id != item.owner_id:
        enforce(manage_refusal(actor, item))
    require_row_version(item, row_version)
    _open_refusal(item)
    if title is not None:
        item.title = required_text(title, "title", 300)
    if description is not None:
        item.description = optional_text(description) or ""
    if new_owner is not None and new_owner.id != item.owner_id:
        refusal = organisation.owner_refusal(new_owner, item.site_id)
        if refusal:
            raise ValidationFailed.field("owner", refusal)
        item.owner = new_owner
    if due_date is not None and due_date != item.due_date:
        if due_date < site_today(item.site):
            raise ValidationFailed.field("due_date", _("is in the past"))
        item.due_date = due_date
    if action_type is not None:
        item.action_type = _choice(action_type, ACTION_TYPES, "action_type", item.action_type)
    for field, value in (("expected_benefit", expected_benefit), ("actions", actions), ("result", result)):
        if value is not None:
            setattr(item, field, optional_text(value))
    db.session.flush()
    return item


def change_stage(actor: User, item: Improvement, *, to: str, row_version, reason: str | None = None) -> Improvement:
    """Move ``item`` through PDCA: plan → do (its actions written) → check → act (its result
    written) → closed, or back to do from check and to plan from act for another cycle; a manager
    rejects an open item, or takes a rejected one up again, with a reason.

    A wrong starting stage is a 409; missing content a 422 naming the field.
    """
    enforce(stage_refusal(actor, item, to))
    if to not in STAGES:
        raise ValidationFailed.field("to", _("one of %(known)s", known=", ".join(STAGES)))
    require_row_version(item, row_version)
    target = Stage(to)
    if item.stage not in TRANSITIONS[target]:
        raise Conflict(
            _(
                "%(reference)s is at %(stage)s; it cannot move to %(to)s from there.",
                reference=item.reference,
                stage=STAGE_LABELS.get(item.stage, item.stage),
                to=STAGE_LABELS.get(to, to),
            )
        )
    reason = optional_text(reason)
    if target is Stage.DO and not item.actions:
        raise ValidationFailed.field("actions", _("say what will be done before doing it"))
    if target in (Stage.ACT, Stage.CLOSED) and not item.result:
        raise ValidationFailed.field("result", _("record what the check found first"))
    if target is Stage.CLOSED and item.is_dmaic:
        if item.phase != Phase.CONTROL:
            raise ValidationFailed.field("phase", _("a DMAIC project closes from its control phase"))
        if sixsigma_figures(item)[1] is None:
            raise ValidationFailed.field("current_defects", _("measure the process after the change first"))
    if target is Stage.REJECTED and not reason:
        raise ValidationFailed.field("reason", _("say why it is not taken up"))
    with trail_reason(reason):
        item.stage = target.value
        item.stage_reason = reason if target in (Stage.CLOSED, Stage.REJECTED) else None
        item.closed_at = utcnow() if target in (Stage.CLOSED, Stage.REJECTED) else None
        db.session.flush()
    return item


# Evidence of the result ---------------------------------------------------------------------


def evidence_refusal(user: User, item: Improvement) -> Refusal | None:
    """Why ``user`` may not add a file to ``item``, or None: who may work on it, while it is open."""
    refusal = work_refusal(user, item)
    if refusal is not None:
        return refusal
    if not item.is_open:
        return conflict(
            _(
                "%(reference)s is %(state)s; no more evidence can be added.",
                reference=item.reference,
                state=STAGE_LABELS.get(item.stage, item.stage),
            )
        )
    return None


def attach_evidence(
    actor: User, item: Improvement, stream: BinaryIO, name: str | None, declared: str | None = None
) -> Evidence:
    """One file as evidence of ``item``'s result, checked and stored as every evidence file is."""
    # The evidence module asks this one who may read an improvement's files.
    from audits.services import evidence

    enforce(evidence_refusal(actor, item))
    stored = evidence.add_file(actor, stream, name, declared, improvement_id=item.id)
    db.session.expire(item, ["evidence"])
    return stored


def attach_files(
    actor: User, item: Improvement, files: Iterable[tuple[BinaryIO, str | None, str | None]]
) -> list[Evidence]:
    """Several files at once (the page's upload field), each ``(stream, name, declared type)``.

    A refused file is named in the error (field ``file``); then none of them is kept: the
    caller rolls the transaction back, as for any refusal."""
    enforce(evidence_refusal(actor, item))
    files = list(files)
    if not files:
        raise ValidationFailed.field("file", _("choose a photo or file first"))
    if len(files) == 1:
        return [attach_evidence(actor, item, *files[0])]
    stored, refused = [], []
    for stream, name, declared in files:
        try:
            stored.append(attach_evidence(actor, item, stream, name, declared))
        except (ValidationFailed, TooLarge) as error:
            reason = error.errors[0]["message"] if error.errors else error.detail
            refused.append({"field": "file", "message": _("%(name)s: %(reason)s", name=name, reason=reason)})
    if refused:
        raise ValidationFailed(_("Some files could not be added."), errors=refused)
    return stored


# DMAIC ----------------------------------------------------------------------------------------


def _count(value, field: str, *, least: int = 0) -> int | None:
    """A count typed on a page (text) or sent over the API (a number); empty means not measured yet."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed.field(field, _("must be a whole number"))
    try:
        number = int(value.strip() if isinstance(value, str) else value)
    except ValueError:
        raise ValidationFailed.field(field, _("must be a whole number")) from None
    if number < least:
        raise ValidationFailed.field(field, _("must be at least %(least)s", least=least))
    return number


def set_dmaic(
    actor: User,
    item: Improvement,
    *,
    row_version,
    method: str = Method.DMAIC.value,
    phase: str | None = None,
    defect_metric: str | None = None,
    opportunities=None,
    baseline_defects=None,
    baseline_units=None,
    current_defects=None,
    current_units=None,
) -> Improvement:
    """Run ``item`` as a DMAIC project (or back as plain PDCA): its phase, the defect it counts and
    the counts before and after. Analysing needs the baseline measured; control, the process
    measured again after the change."""
    enforce(work_refusal(actor, item))
    require_row_version(item, row_version)
    _open_refusal(item)
    method = _choice(method, METHODS, "method", Method.DMAIC.value)
    if method == Method.PDCA:
        item.method, item.phase = method, None
        db.session.flush()
        return item
    phase = _choice(phase, PHASES, "phase", Phase.DEFINE.value)
    counts = {
        "opportunities": _count(opportunities, "opportunities", least=1),
        "baseline_defects": _count(baseline_defects, "baseline_defects"),
        "baseline_units": _count(baseline_units, "baseline_units", least=1),
        "current_defects": _count(current_defects, "current_defects"),
        "current_units": _count(current_units, "current_units", least=1),
    }
    for when in ("baseline", "current"):
        defects, units = counts[f"{when}_defects"], counts[f"{when}_units"]
        if None not in (defects, units, counts["opportunities"]) and defects > units * counts["opportunities"]:
            raise ValidationFailed.field(f"{when}_defects", _("cannot exceed units × opportunities per unit"))
    later = PHASES.index(phase)
    if later >= PHASES.index(Phase.ANALYSE) and None in (
        counts["opportunities"],
        counts["baseline_defects"],
        counts["baseline_units"],
    ):
        raise ValidationFailed.field(
            "baseline_defects", _("measure the baseline (defects, units, opportunities) first")
        )
    if later >= PHASES.index(Phase.CONTROL) and None in (counts["current_defects"], counts["current_units"]):
        raise ValidationFailed.field("current_defects", _("measure the process after the change before controlling it"))
    metric_text = optional_text(defect_metric)
    if metric_text is not None and len(metric_text) > 200:
        raise ValidationFailed.field("defect_metric", _("is longer than 200 characters"))
    item.method, item.phase, item.defect_metric = method, phase, metric_text
    for field, value in counts.items():
        setattr(item, field, value)
    db.session.flush()
    return item


def sixsigma_figures(item: Improvement) -> tuple[sixsigma.Capability | None, sixsigma.Capability | None]:
    """The baseline's and the current process's counts, DPMO and sigma level (None while not measured)."""
    return (
        sixsigma.capability(item.baseline_defects, item.baseline_units, item.opportunities),
        sixsigma.capability(item.current_defects, item.current_units, item.opportunities),
    )


def monitored_metric(item: Improvement):
    """The KPI a DMAIC project's control phase watches: its defect metric when that is a metric's key."""
    return metrics.definitions_by_key().get(item.defect_metric or "")


def control_points(item: Improvement, months: int = 12) -> list:
    """The watched KPI's last ``months`` values at the item's site, oldest first."""
    metric = monitored_metric(item)
    if metric is None:
        return []
    since = metrics.add_months(metrics.current_period(), -(months - 1))
    return metrics.series(metric, item.site, period_from=since)


# Reading -----------------------------------------------------------------------------------------


def list_query(
    user: User,
    *,
    site: str | None = None,
    department: str | None = None,
    source: str | None = None,
    stage: str | None = None,
    owner: str | None = None,
):
    """The items ``user`` may see, newest first; ``stage`` may be ``open`` (plan to act)."""
    query = (
        db.select(Improvement)
        .where(visible_clause(user))
        .options(selectinload(Improvement.site), selectinload(Improvement.department), selectinload(Improvement.owner))
    )
    query = _filtered(query, site=site, department=department, source=source, owner=owner)
    if stage:
        if stage == "open":
            query = query.where(Improvement.stage.in_([s.value for s in OPEN_STAGES]))
        elif stage not in STAGES:
            raise ValidationFailed.field("stage", _("one of open, %(known)s", known=", ".join(STAGES)))
        else:
            query = query.where(Improvement.stage == stage)
    return query.order_by(Improvement.raised_at.desc(), Improvement.id.desc())


def _filtered(query, *, site=None, department=None, source=None, owner=None):
    if site:
        query = query.where(Improvement.site_id == site_named(site).id)
    if department:
        query = query.where(Improvement.department_id == department_named(department).id)
    if source:
        query = query.where(Improvement.source == _choice(source, SOURCES, "source", source))
    if owner:
        query = query.where(Improvement.owner_id == user_named(owner, "owner").id)
    return query


def stage_counts(user: User, **filters) -> dict[str, int]:
    """How many of the items ``user`` sees (with the register's filters but the stage) are at each stage."""
    query = _filtered(
        db.select(Improvement.stage, db.func.count()).where(visible_clause(user)).group_by(Improvement.stage),
        **filters,
    )
    found = dict(db.session.execute(query).all())
    return {stage: found.get(stage, 0) for stage in STAGES}


def stage_changes(item: Improvement) -> list[dict]:
    """The item's way through the stages, from the trail: when, who (``actor``, the login; ``by``,
    in words), from, to and why."""
    changes = []
    events = [event for event in history_of(item) if "stage" in event.changed_fields]
    names = actor_names(events)
    for event in events:
        before, after = event.changed_fields["stage"]
        changes.append(
            {"at": event.at, "actor": event.actor, "by": names[event.actor], "from": before, "to": after}
            | {"reason": event.reason}
        )
    return changes


def history(item: Improvement) -> list:
    """The item's trail events with its evidence files', in order."""
    return history_of_all([item, *item.evidence])


def may_read_history(user: User, item: Improvement) -> bool:
    """The full trail of an item is for who may read the trail of its department at its site (not staff)."""
    return can(user, Permission.READ_TRAIL, site_id=item.site_id, department_id=item.department_id)


def owner_candidates(item: Improvement) -> list[User]:
    return organisation.owner_candidates(item.site_id, item.department_id)


def work_waiting_clause(user: User, day: date | None = None):
    """SQL: the open items ``user`` owns that are due within :data:`DUE_SOON_DAYS` or late, and the
    ones still to plan with no due date yet (somebody has to decide what to do with them)."""
    due_soon = (
        Improvement.due_date <= day + timedelta(days=DUE_SOON_DAYS)
        if day is not None
        # Soon on the item's site's days: due on or before the DUE_SOON_DAYS-th day from today there.
        else before_site_today(Improvement.site_id, Improvement.due_date, days=DUE_SOON_DAYS + 1)
    )
    return db.and_(
        Improvement.owner_id == user.id,
        Improvement.stage.in_([stage.value for stage in OPEN_STAGES]),
        or_(
            due_soon,
            db.and_(Improvement.due_date.is_(None), Improvement.stage == Stage.PLAN.value),
        ),
    )


def is_overdue(item: Improvement) -> bool:
    return item.is_open and item.due_date is not None and item.due_date < site_today(item.site)
