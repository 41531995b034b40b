"""Who document control tells, and of what: approvers when a revision is submitted, its
author and editors when it is rejected or takes effect."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.accounts.models import Role, User, UserRole
from core.database import db
from core.notifications.services import notify
from core.paths import path_for
from core.plugins import NotificationKind
from procedures.models import Revision

APPROVAL_ASKED = "procedures.approval_asked"
REJECTED = "procedures.rejected"
EFFECTIVE = "procedures.effective"

KINDS = [
    NotificationKind(
        key=APPROVAL_ASKED,
        title=_l("A revision waits for your approval"),
        subject=_l("Approve revision %(number)s of %(code)s — %(title)s"),
        message=_l("%(author)s submitted it for approval. Read it and sign it, or send it back with a comment."),
        mandatory=True,
    ),
    NotificationKind(
        key=REJECTED,
        title=_l("A revision you wrote was sent back"),
        subject=_l("Revision %(number)s of %(code)s was sent back"),
        message=_l("%(reviewer)s wrote: %(comment)s"),
    ),
    NotificationKind(
        key=EFFECTIVE,
        title=_l("A revision you wrote took effect"),
        subject=_l("Revision %(number)s of %(code)s is in force"),
        message=_l("Both approvals are in; the people it is distributed to are asked to read it."),
    ),
]


def _params(revision: Revision, **more) -> dict:
    return {"number": revision.number, "code": revision.procedure.code, "title": revision.title, **more}


def _writers(revision: Revision) -> list[User]:
    return [user for user in (revision.author, *revision.editors) if user is not None]


def approval_asked(revision: Revision, approve_refusal) -> None:
    """Tell everyone who may approve ``revision`` now (``approve_refusal`` says who may)."""
    reviewers = db.session.execute(
        db.select(User)
        .where(
            User.active.is_(True),
            User.role_rows.any(UserRole.role.in_([Role.QUALITY_OFFICER.value, Role.DEPARTMENT_HEAD.value])),
        )
        .order_by(User.id)
    ).scalars()
    approvers = [user for user in reviewers if approve_refusal(user, revision) is None]
    author = revision.author.display_name if revision.author else ""
    notify(
        approvers,
        APPROVAL_ASKED,
        _params(revision, author=author),
        url=path_for("procedures.sign", code=revision.procedure.code, number=revision.number, meaning="approved"),
        event=f"submitted:{revision.id}:{revision.submitted_at.isoformat()}",
    )


def rejected(revision: Revision, reviewer: User, comment: str, signature_id: int) -> None:
    notify(
        _writers(revision),
        REJECTED,
        _params(revision, reviewer=reviewer.display_name, comment=comment),
        url=path_for("procedures.view", code=revision.procedure.code, rev=revision.number),
        event=f"rejected:{signature_id}",
    )


def effective(revision: Revision) -> None:
    notify(
        _writers(revision),
        EFFECTIVE,
        _params(revision),
        url=path_for("procedures.view", code=revision.procedure.code, rev=revision.number),
        event=f"effective:{revision.id}",
    )
