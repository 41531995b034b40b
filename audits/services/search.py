"""What search finds of audits: audits (reference, title, scope, report), nonconformities
(reference, title, description, containment) and corrective actions (description, notes),
each for who may open its page (the lists' ``visible_clause``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, select
from sqlalchemy.orm import joinedload

from audits.models import Audit, CorrectiveAction, Nonconformity
from audits.services import actions, audits, nonconformities
from core.database import db
from core.paths import path_for
from core.plugins import SearchDocument, SearchSource


def _ids(keys) -> list[int]:
    return [int(key) for key in keys]


def _text(*values) -> str:
    return "\n".join(value for value in values if value)


def audit_documents(keys):
    query = select(Audit).order_by(Audit.id)
    if keys is not None:
        query = query.where(Audit.id.in_(_ids(keys)))
    for audit in db.session.execute(query).scalars():
        yield SearchDocument(
            key=str(audit.id),
            title=audit.title,
            reference=audit.reference,
            body=_text(audit.scope, audit.summary, audit.conclusion),
            url=path_for("audits.audit", reference=audit.reference),
            site_id=audit.site_id,
        )


def nonconformity_documents(keys):
    query = select(Nonconformity).order_by(Nonconformity.id)
    if keys is not None:
        query = query.where(Nonconformity.id.in_(_ids(keys)))
    for nc in db.session.execute(query).scalars():
        yield SearchDocument(
            key=str(nc.id),
            title=nc.title,
            reference=nc.reference,
            body=_text(nc.description, nc.containment),
            url=path_for("audits.nonconformity", reference=nc.reference),
            site_id=nc.site_id,
        )


def action_documents(keys):
    query = select(CorrectiveAction).options(joinedload(CorrectiveAction.nonconformity)).order_by(CorrectiveAction.id)
    if keys is not None:
        query = query.where(CorrectiveAction.id.in_(_ids(keys)))
    for action in db.session.execute(query).scalars():
        first_line = (action.description or "").strip().splitlines()[0] if action.description else ""
        yield SearchDocument(
            key=str(action.id),
            title=first_line[:200],
            reference=action.label,
            body=_text(action.description, action.completion_note, action.verification_note),
            url=path_for("audits.action", action_id=action.id),
            site_id=action.nonconformity.site_id,
        )


def _readable(model, clause):
    return lambda user: select(cast(model.id, String)).where(clause(user))


SOURCES = [
    SearchSource(
        kind="audit",
        label=_l("Audit"),
        documents=audit_documents,
        readable=_readable(Audit, audits.visible_clause),
        models=(Audit,),
        keys_of=lambda audit: [audit.id],
    ),
    SearchSource(
        kind="nonconformity",
        label=_l("Nonconformity"),
        documents=nonconformity_documents,
        readable=_readable(Nonconformity, nonconformities.visible_clause),
        models=(Nonconformity,),
        keys_of=lambda nc: [nc.id],
    ),
    SearchSource(
        kind="corrective_action",
        label=_l("Corrective action"),
        documents=action_documents,
        readable=_readable(CorrectiveAction, actions.visible_clause),
        # An action's NC (its reference, its site) never changes.
        models=(CorrectiveAction,),
        keys_of=lambda action: [action.id],
    ),
]
