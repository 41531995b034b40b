"""What search finds of document control: each procedure in force by its code, title and
effective text (for everyone it applies to), and its draft for who may read drafts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import selectinload

from core.accounts.models import User
from core.accounts.permissions import Permission, can
from core.database import db
from core.paths import path_for
from core.plugins import SearchDocument, SearchSource
from procedures import services
from procedures.models import Procedure, Revision


def _procedures(keys):
    query = (
        select(Procedure)
        .where(Procedure.withdrawn_at.is_(None))
        .options(selectinload(Procedure.revisions))
        .order_by(Procedure.id)
    )
    if keys is not None:
        query = query.where(Procedure.id.in_([int(key) for key in keys]))
    return db.session.execute(query).scalars()


def effective_documents(keys):
    for procedure in _procedures(keys):
        revision = procedure.effective_revision
        if revision is None:
            continue
        yield SearchDocument(
            key=str(procedure.id),
            title=procedure.title,
            reference=procedure.code,
            body=revision.body,
            url=path_for("procedures.view", code=procedure.code),
            site_id=procedure.site_id,
        )


def draft_documents(keys):
    for procedure in _procedures(keys):
        draft = next((r for r in reversed(procedure.revisions) if r.state in services.OPEN_STATES), None)
        if draft is None:
            continue
        yield SearchDocument(
            key=str(procedure.id),
            title=draft.title,
            reference=f"{procedure.code} rev. {draft.number}",
            body=draft.body,
            url=path_for("procedures.view", code=procedure.code, rev=draft.number),
            site_id=procedure.site_id,
        )


def readable_effective(user: User):
    """The procedures in force whose page ``user`` may open (``invisible_refusal``'s rule)."""
    if not can(user, Permission.READ_EFFECTIVE_PROCEDURES):
        return None
    return select(cast(Procedure.id, String)).where(or_(services.drafts_scope(user), services.applies_clause(user)))


def readable_drafts(user: User):
    return select(cast(Procedure.id, String)).where(services.drafts_scope(user))


def _keys_of(obj) -> list:
    return [obj.id] if isinstance(obj, Procedure) else [obj.procedure_id]


SOURCES = [
    SearchSource(
        kind="procedure",
        label=_l("Procedure"),
        documents=effective_documents,
        readable=readable_effective,
        models=(Procedure, Revision),
        keys_of=_keys_of,
    ),
    SearchSource(
        kind="procedure_draft",
        label=_l("Procedure draft"),
        documents=draft_documents,
        readable=readable_drafts,
        models=(Procedure, Revision),
        keys_of=_keys_of,
    ),
]
