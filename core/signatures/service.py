"""Signing any record: password again, meaning, the hash of what was signed."""

from __future__ import annotations

import hashlib
from datetime import tzinfo
from typing import Protocol

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.accounts.models import User
from core.accounts.passwords import verify_password
from core.database import db
from core.errors import Forbidden, ValidationFailed
from core.signatures.models import Signature
from core.times import when
from core.trail.recorder import entity_id_of, entity_type_of

MEANINGS = {
    "reviewed": _l("Reviewed"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "periodic-review": _l("Periodic review: still valid"),
    "acknowledged": _l("Read and understood"),
    "report-issued": _l("Report issued"),
    "verified-effective": _l("Verified effective"),
}


class Signable(Protocol):
    def signable_content(self) -> bytes:
        """The exact bytes a signature on this record vouches for."""


def content_hash(record: Signable) -> str:
    return hashlib.sha256(record.signable_content()).hexdigest()


def sign(record: Signable, *, signer: User, password: str, meaning: str, comment: str | None = None) -> Signature:
    """Sign ``record`` as ``signer``; the caller commits with the rest of its business action."""
    if meaning not in MEANINGS:
        raise ValidationFailed.field(
            "meaning",
            _("unknown meaning %(meaning)s; one of %(known)s", meaning=repr(meaning), known=", ".join(MEANINGS)),
        )
    if not signer.active:
        raise Forbidden(_("The account %(login)s is deactivated and cannot sign.", login=signer.login))
    if not password or not verify_password(signer, password):
        # A field error, not 401/403: the caller is who they say they are
        # (logged in or holding a token); this one value is wrong.
        raise ValidationFailed(
            _("The password is not the one of your account: the signature was not recorded."),
            errors=[{"field": "password", "message": _("This is not the password of your account; type it again.")}],
        )
    signature = Signature(
        entity_type=entity_type_of(record),
        entity_id=entity_id_of(record),
        signer=signer,
        signer_name=signer.display_name,
        signer_login=signer.login,
        meaning=meaning,
        comment=comment or None,
        content_sha256=content_hash(record),
    )
    db.session.add(signature)
    db.session.flush()
    return signature


def signatures_for(record) -> list[Signature]:
    return list(
        db.session.execute(
            db.select(Signature)
            .where(Signature.entity_type == entity_type_of(record), Signature.entity_id == entity_id_of(record))
            .order_by(Signature.signed_at, Signature.id)
        ).scalars()
    )


def signature_matches(signature: Signature, record: Signable) -> bool:
    """True while the record still has the content that was signed."""
    return signature.content_sha256 == content_hash(record)


def manifestation(signature: Signature, zone: tzinfo | None = None) -> str:
    """Printed name, time and meaning, as shown on screens and PDFs (11.50).

    The time is on the wall clock of ``zone`` (a PDF passes its record's
    site's; a page the reader's) and names its offset, so that the moment is
    unambiguous wherever the copy is read.
    """
    meaning = MEANINGS.get(signature.meaning, signature.meaning)
    signed_at = when(signature.signed_at, zone, named=True, seconds=True)
    return f"{signature.signer_name} — {meaning} — {signed_at}"
