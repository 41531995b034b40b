"""Re-checks of fixed findings, the closed loop: when an NC an audit raised is closed, the
checklist point that found it is due again at that site and department. Every audit of the
department started, and every recurring check of the same checklist created there, while it is
due carries it as an extra point; the first result recorded decides it (an audit's when its
report is signed, a check's when it is recorded). Passed: the fix held. Failed: the NC is
reopened as ineffective, and closing it again takes a new corrective action."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from audits import notices
from audits.models import (
    Audit,
    AuditChecklist,
    AuditItem,
    NcState,
    Nonconformity,
    Recheck,
    RecheckState,
)
from core.accounts.models import User
from core.clock import local, utcnow
from core.database import db
from core.i18n import in_every_language
from core.trail import reason as trail_reason

# The extra checklist of an audit that carries its re-checks (points keyed "recheck-<id>").
RECHECK_CHECKLIST = "audits.recheck"
KEY_PREFIX = "recheck-"
FAILING_AUDIT_RESULTS = ("minor_nc", "major_nc")


def schedule_for(nc: Nonconformity) -> Recheck | None:
    """``nc`` was just closed: its audit point is due for a re-check where it was found."""
    item = nc.audit_item
    if item is None:
        return None
    recheck = Recheck(
        nonconformity=nc,
        site_id=nc.site_id,
        department_id=nc.department_id,
        checklist_key=item.checklist.key,
        question_key=item.question_key,
        text=item.text,
        reference=item.reference or "",
        translations={
            code: {"text": kept.get("text", ""), "reference": kept.get("reference", "")}
            for code, kept in (item.translations or {}).items()
        }
        or None,
    )
    db.session.add(recheck)
    db.session.flush()
    return recheck


def due(site_id: int, department_ids, checklist_key: str | None = None) -> list[Recheck]:
    query = db.select(Recheck).where(
        Recheck.site_id == site_id,
        Recheck.department_id.in_(list(department_ids)),
        Recheck.state == RecheckState.DUE,
    )
    if checklist_key is not None:
        query = query.where(Recheck.checklist_key == checklist_key)
    return list(db.session.execute(query.order_by(Recheck.id)).scalars())


def of_nonconformity(nc: Nonconformity) -> list[Recheck]:
    return list(db.session.execute(db.select(Recheck).filter_by(nonconformity_id=nc.id).order_by(Recheck.id)).scalars())


def point_key(recheck: Recheck) -> str:
    return f"{KEY_PREFIX}{recheck.id}"


def is_key(question_key: str) -> bool:
    return question_key.startswith(KEY_PREFIX)


def recheck_of_point(question_key: str) -> Recheck | None:
    if not is_key(question_key):
        return None
    return db.session.get(Recheck, int(question_key.removeprefix(KEY_PREFIX)))


def point_text(recheck: Recheck) -> str:
    reference = recheck.nonconformity.reference
    return _("Re-check of %(reference)s: %(text)s", reference=reference, text=recheck.shown("text"))


def point_guidance(recheck: Recheck) -> str:
    nc = recheck.nonconformity
    # The day it was closed at its site, not in UTC.
    closed = local(nc.closed_at, nc.site.zone).date().isoformat() if nc.closed_at else ""
    return _(
        "Found here before and closed as fixed on %(date)s. Check that it has not come back: a "
        "nonconformity now reopens %(reference)s.",
        date=closed,
        reference=nc.reference,
    )


def point_texts(recheck: Recheck) -> dict[str, str]:
    """A re-check point's texts in the current language, as snapshots keep them per language."""
    return {"text": point_text(recheck), "reference": recheck.shown("reference"), "guidance": point_guidance(recheck)}


def add_to_audit(audit: Audit, position: int) -> int:
    """Put the re-checks due in ``audit``'s departments into it, as a checklist of their own
    after the others (in every language, like the rest of the snapshot)."""
    rechecks = due(audit.site_id, [department.id for department in audit.departments])
    if not rechecks:
        return position
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "en")):
        snapshot = AuditChecklist(
            audit=audit,
            position=len(audit.checklist_keys),
            key=RECHECK_CHECKLIST,
            title=_("Re-check of closed findings"),
            version=1,
            plugin="audits",
            area="",
            translations=in_every_language(lambda: {"title": _("Re-check of closed findings")}),
        )
        db.session.add(snapshot)
        for recheck in rechecks:
            position += 1
            db.session.add(
                AuditItem(
                    audit=audit,
                    checklist=snapshot,
                    position=position,
                    question_key=point_key(recheck),
                    text=point_text(recheck),
                    reference=recheck.reference,
                    guidance=point_guidance(recheck),
                    translations=in_every_language(lambda recheck=recheck: point_texts(recheck)),
                )
            )
    return position


def is_recheck_point(item: AuditItem) -> bool:
    return item.checklist.key == RECHECK_CHECKLIST


def decide_from_audit(audit: Audit, actor: User) -> None:
    """The report is signed: each re-check point's result decides its re-check, if still due
    (not applicable leaves it due for the next occasion)."""
    for item in audit.items:
        if not is_recheck_point(item):
            continue
        recheck = recheck_of_point(item.question_key)
        if recheck is None or recheck.state != RecheckState.DUE or item.result in (None, "not_applicable"):
            continue
        recheck.audit_item_id = item.id
        if item.result in FAILING_AUDIT_RESULTS:
            _fail(recheck, actor, where=audit.reference, note=item.note or "")
        else:
            _pass(recheck, actor)


def decide_from_inspection(recheck: Recheck, inspection_item, result: str, actor: User, where: str) -> None:
    """A recurring check's point was recorded: ok passes the re-check, not OK fails it."""
    if recheck.state != RecheckState.DUE or result == "na":
        return
    recheck.inspection_item_id = inspection_item.id
    if result == "not_ok":
        _fail(recheck, actor, where=where, note=inspection_item.note or "")
    else:
        _pass(recheck, actor)


def _pass(recheck: Recheck, actor: User) -> None:
    recheck.state = RecheckState.PASSED.value
    recheck.checked_at, recheck.checked_by_id = utcnow(), actor.id
    db.session.flush()


def _fail(recheck: Recheck, actor: User, *, where: str, note: str) -> None:
    recheck.state = RecheckState.FAILED.value
    recheck.checked_at, recheck.checked_by_id = utcnow(), actor.id
    nc = recheck.nonconformity
    if nc.state == NcState.CLOSED:
        why = f"Re-check in {where} found the finding again: the corrective actions proved ineffective. {note}"
        with trail_reason(why.strip()):
            nc.state = NcState.ACTIONS_PLANNED.value
            nc.closed_at = None
            db.session.flush()
        notices.nc_reopened(nc, where, note)
    db.session.flush()


def new_action_refusal(nc: Nonconformity) -> str | None:
    """Why ``nc`` may not move on to verification: a re-check failed after its last action was planned."""
    failed = [r.checked_at for r in of_nonconformity(nc) if r.state == RecheckState.FAILED and r.checked_at]
    if not failed:
        return None
    last_failure = max(failed)
    if any(action.created_at > last_failure for action in nc.live_actions):
        return None
    return (
        f"a re-check on {last_failure.date().isoformat()} found the finding again: plan a new corrective action first"
    )
