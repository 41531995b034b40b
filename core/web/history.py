"""A record's history from the audit trail, as its page shows it."""

from __future__ import annotations

from core.accounts.models import User
from core.database import db
from core.trail.models import TrailEvent
from core.trail.queries import history_of


def history_of_user(user: User, *, limit: int = 500) -> list[TrailEvent]:
    """The user row's events and those of their role rows, in order.

    Roles are rows of their own (entity ``user_role``, id ``<user id>/<role>``),
    so granting or taking a role shows up only there.
    """
    roles = db.session.execute(
        db.select(TrailEvent)
        .where(TrailEvent.entity_type == "user_role", TrailEvent.entity_id.startswith(f"{user.id}/"))
        .order_by(TrailEvent.seq).limit(limit)
    ).scalars()
    return sorted([*history_of(user, limit=limit), *roles], key=lambda event: event.seq)[-limit:]
