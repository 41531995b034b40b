"""Evidence files: checked by content, stored content-addressed, linked to a
checklist item, a nonconformity, a corrective action, a recurring check's point
or an improvement item.

The type is read from the bytes (``filetype``: magic numbers, no native
library), never trusted from the name or the browser; a file that claims one
type and is another is refused. The bytes go to the core file store, which
writes a temporary file and renames it into place; a refused upload stores
nothing.
"""

from __future__ import annotations

import io
import mimetypes
import re
import unicodedata
from typing import BinaryIO

import filetype
from flask import current_app
from flask_babel import gettext as _

from audits.improvements import services as improvements
from audits.improvements.models import Improvement
from audits.inspections import access as inspection_access
from audits.inspections.models import Inspection, InspectionItem
from audits.labels import state_label
from audits.models import (
    ActionState,
    AuditItem,
    CorrectiveAction,
    Evidence,
    Nonconformity,
)
from audits.services import actions as action_services
from audits.services import audits as audit_services
from audits.services import nonconformities as ncs
from audits.services.audits import evidence_refusal, is_on_team
from core.accounts.models import User
from core.database import db
from core.errors import NotFound, Refusal, ValidationFailed, conflict, enforce
from core.storage import file_store

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SNIFF_BYTES = 8192
TEXT_TYPES = {"text/plain", "text/csv"}
ACCEPTED = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/heic",
    "image/avif",
    "video/mp4",
    "video/quicktime",
    "video/webm",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    *TEXT_TYPES,
}
# Names browsers and cameras use for the same thing.
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/heif": "image/heic",
    "application/x-pdf": "application/pdf",
    "text/comma-separated-values": "text/csv",
}
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"}
UNSPECIFIC = {"", "application/octet-stream", "binary/octet-stream"}
# The extensions a stored name may end in for each accepted type, the first
# being the one a name gets otherwise. Not the system's mimetypes table:
# Debian's lists .bat and .pl for text/plain.
EXTENSIONS = {
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/heic": (".heic", ".heif"),
    "image/avif": (".avif",),
    "video/mp4": (".mp4", ".m4v"),
    "video/quicktime": (".mov", ".qt"),
    "video/webm": (".webm",),
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "text/plain": (".txt", ".text", ".log"),
    "text/csv": (".csv",),
}
MAX_NAME = 200
# Path separators, what Windows forbids in a name, and what ends a header parameter.
_NEUTRALISED = re.compile(r'[\\/:*?"<>|;]')
# Control and format characters (the bidirectional overrides among them:
# U+202E shows "cod.exe" as "exe.doc"), surrogates and line breaks.
_INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def max_bytes() -> int:
    return int(current_app.config.get("DEALERQMS_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def _normal(media_type: str | None) -> str:
    media_type = (media_type or "").split(";")[0].strip().lower()
    return ALIASES.get(media_type, media_type)


def safe_name(name: str | None) -> str:
    """An uploaded file's name as it may be stored and offered: its last path component,
    without invisible characters, with separators, quotes and semicolons as ``_``."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(char for char in name if unicodedata.category(char) not in _INVISIBLE)
    name = " ".join(_NEUTRALISED.sub("_", name).split()).strip(" .")
    return name[:MAX_NAME] or "evidence"


def named_for(name: str, media_type: str) -> str:
    """``name`` with an extension of ``media_type``, the type its content was recognised as.

    An extension of another type is replaced (a PNG sent as ``poly.html`` is
    ``poly.png``), so that the name a download is saved under cannot make
    the file open as something else; a name without one gets the type's.
    """
    extensions = EXTENSIONS.get(media_type)
    if not extensions:
        return name
    stem, dot, suffix = name.rpartition(".")
    if dot and f".{suffix.lower()}" in extensions:
        return name
    if dot and stem and _is_extension(suffix):
        name = stem
    return name[: MAX_NAME - len(extensions[0])] + extensions[0]


def _is_extension(suffix: str) -> bool:
    suffix = f".{suffix.lower()}"
    return mimetypes.guess_type(f"x{suffix}")[0] is not None or any(suffix in known for known in EXTENSIONS.values())


def download_name(evidence: Evidence) -> str:
    """The name a download is offered under; records stored before names were cleaned get it cleaned too."""
    return named_for(safe_name(evidence.name), evidence.media_type)


def detect(head: bytes, name: str, declared: str | None) -> str:
    """The media type the bytes show, checked against what the upload claims."""
    claimed = _normal(declared)
    if claimed in UNSPECIFIC:
        claimed = _normal(mimetypes.guess_type(name)[0])
    kind = filetype.guess(head)
    if kind is not None:
        actual = _normal(kind.mime)
        if actual not in ACCEPTED:
            raise ValidationFailed.field("file", _("files of type %(type)s are not accepted as evidence", type=actual))
        if claimed not in UNSPECIFIC and claimed != actual:
            raise ValidationFailed.field(
                "file",
                _("the file says it is %(claimed)s but its content is %(actual)s", claimed=claimed, actual=actual),
            )
        return actual
    if _looks_like_text(head) and (claimed in TEXT_TYPES or claimed in UNSPECIFIC):
        return claimed if claimed in TEXT_TYPES else "text/plain"
    if claimed not in UNSPECIFIC:
        raise ValidationFailed.field(
            "file", _("the file says it is %(claimed)s but its content is not", claimed=claimed)
        )
    raise ValidationFailed.field(
        "file",
        _(
            "the type of this file could not be recognised; accepted are photos, "
            "videos, PDF, office documents and plain text"
        ),
    )


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        return error.start >= len(head) - 3
    return True


class _Rejoined(io.RawIOBase):
    """The sniffed head followed by the rest of the stream, read once."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head:
            chunk = self._head if size < 0 else self._head[:size]
            self._head = self._head[len(chunk) :]
            return chunk
        return self._rest.read(size)


def _store(stream: BinaryIO, name: str, declared: str | None) -> tuple[str, int, str]:
    head = stream.read(SNIFF_BYTES)
    if not head:
        raise ValidationFailed.field("file", _("is empty"))
    media_type = detect(head, name, declared)
    sha256, size = file_store().put(_Rejoined(head, stream), max_bytes=max_bytes())
    return sha256, size, media_type


def add_file(actor: User, stream: BinaryIO, name: str | None, declared: str | None, **links) -> Evidence:
    """Check, store and record one uploaded file for the record ``links`` names (its owner column).

    Who may add it, and when, is the owner's rule: its service enforces that first."""
    if stream is None:
        raise ValidationFailed.required("file")
    name = safe_name(name)
    sha256, size, media_type = _store(stream, name, declared)
    name = named_for(name, media_type)
    evidence = Evidence(sha256=sha256, name=name, media_type=media_type, size=size, uploaded_by=actor, **links)
    db.session.add(evidence)
    db.session.flush()
    return evidence


def attach_to_item(
    actor: User, item: AuditItem, stream: BinaryIO, name: str | None, declared: str | None = None
) -> Evidence:
    enforce(evidence_refusal(actor, item.audit))
    return add_file(actor, stream, name, declared, audit_item_id=item.id, audit_id=item.audit_id)


def attach_to_nonconformity(
    actor: User, nc: Nonconformity, stream: BinaryIO, name: str | None, declared: str | None = None
) -> Evidence:
    enforce(nc_evidence_refusal(actor, nc))
    return add_file(actor, stream, name, declared, nonconformity_id=nc.id, audit_id=nc.audit_id)


def attach_to_action(
    actor: User, action: CorrectiveAction, stream: BinaryIO, name: str | None, declared: str | None = None
) -> Evidence:
    enforce(action_evidence_refusal(actor, action))
    return add_file(actor, stream, name, declared, action_id=action.id, audit_id=action.nonconformity.audit_id)


def attach_to_inspection_item(
    actor: User, item: InspectionItem, stream: BinaryIO, name: str | None, declared: str | None = None
) -> Evidence:
    enforce(inspection_evidence_refusal(actor, item.inspection))
    return add_file(actor, stream, name, declared, inspection_item_id=item.id)


def copy_to_nonconformity(evidence: Evidence, nc: Nonconformity) -> Evidence:
    """The same file, also filed with ``nc`` (a photo of a failed check point goes with the NC it raised).
    The bytes are stored once: the store is addressed by content."""
    copy = Evidence(
        sha256=evidence.sha256,
        name=evidence.name,
        media_type=evidence.media_type,
        size=evidence.size,
        uploaded_by_id=evidence.uploaded_by_id,
        uploaded_at=evidence.uploaded_at,
        nonconformity_id=nc.id,
        audit_id=nc.audit_id,
    )
    db.session.add(copy)
    return copy


def inspection_evidence_refusal(user: User, inspection: Inspection) -> Refusal | None:
    """Why ``user`` may not add a photo to ``inspection``'s points: who may record it, while it is open."""
    refusal = inspection_access.perform_refusal(user, inspection)
    if refusal is not None:
        return refusal
    if inspection.state != "open":
        return conflict(_("This check is already recorded; no more photos can be added."))
    return None


def nc_evidence_refusal(user: User, nc: Nonconformity) -> Refusal | None:
    """Why ``user`` may not add evidence to ``nc``, or None: those who work on it, while it is open."""
    invisible = ncs.invisible_refusal(user, nc)
    if invisible:
        return invisible
    # The owner of one of its actions works on it too: the photo of the fix belongs with the NC.
    works_on_it = (
        ncs.may_manage(user, nc)
        or any(action.owner_id == user.id for action in nc.actions)
        or (nc.audit is not None and _on_team(user, nc.audit))
    )
    if not works_on_it:
        return Refusal(_("Only those who work on %(reference)s may add evidence to it.", reference=nc.reference))
    if not nc.is_open:
        return conflict(
            _(
                "%(reference)s is %(state)s; no more evidence can be added.",
                reference=nc.reference,
                state=state_label(nc.state),
            )
        )
    return None


def action_evidence_refusal(user: User, action: CorrectiveAction) -> Refusal | None:
    """Why ``user`` may not add evidence to ``action``, or None: its owner or who manages its NC, until verified."""
    invisible = action_services.invisible_refusal(user, action)
    if invisible:
        return invisible
    if user.id != action.owner_id and not ncs.may_manage(user, action.nonconformity):
        return Refusal(
            _("Only the owner of %(label)s or those who manage its NC may add evidence to it.", label=action.label)
        )
    if action.state not in (ActionState.OPEN, ActionState.DONE):
        return conflict(
            _(
                "%(label)s is %(state)s; no more evidence can be added.",
                label=action.label,
                state=state_label(action.state),
            )
        )
    return None


def _on_team(user: User, audit) -> bool:
    return is_on_team(user, audit)


def evidence_by_id(evidence_id: int) -> Evidence:
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None:
        raise NotFound(_("There is no evidence file %(evidence_id)s.", evidence_id=evidence_id))
    return evidence


def require_read(user: User, evidence: Evidence) -> None:
    """Whoever may see the record the file belongs to may see the file (404 for the others)."""
    if evidence.audit_item_id is not None:
        audit = db.session.get(AuditItem, evidence.audit_item_id).audit
        audit_services.require_visible(user, audit)
        return
    if evidence.inspection_item_id is not None:
        inspection = db.session.get(InspectionItem, evidence.inspection_item_id).inspection
        visible = inspection_access.is_visible(user, inspection)
    elif evidence.improvement_id is not None:
        visible = improvements.is_visible(user, db.session.get(Improvement, evidence.improvement_id))
    elif evidence.nonconformity_id is not None:
        visible = ncs.is_visible(user, db.session.get(Nonconformity, evidence.nonconformity_id))
    else:
        visible = action_services.is_visible(user, db.session.get(CorrectiveAction, evidence.action_id))
    if not visible:
        raise NotFound(_("There is no evidence file %(number)s.", number=evidence.id))


def open_content(evidence: Evidence) -> BinaryIO:
    return file_store().open(evidence.sha256)


def shown_inline(evidence: Evidence) -> bool:
    return evidence.media_type in INLINE_TYPES
