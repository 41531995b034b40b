from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.clock import utcnow
from core.database import Model


class Signature(Model):
    """A signature is never edited: a new meaning is a new signature."""

    __tablename__ = "signature"
    # A signature's events are read by who reads what was signed: they keep its site.
    __trail_site__ = ("entity_type", "entity_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(128))
    signer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # The printed name as it was when signing (Part 11 11.50): a later rename
    # must not change what the signature showed.
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_login: Mapped[str] = mapped_column(String(64))
    meaning: Mapped[str] = mapped_column(String(32))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))

    signer: Mapped[User] = relationship()

    __table_args__ = (
        Index("ix_signature_entity", "entity_type", "entity_id"),
        # "Has this person signed this record so": the to-read count asks it of every effective revision.
        Index("ix_signature_signer_entity", "signer_id", "entity_type", "entity_id", "meaning"),
    )
