import json
from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Model


class TrailEvent(Model):
    __tablename__ = "trail_event"
    __trailed__ = False

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(128))
    # Canonical JSON text, hashed exactly as stored.
    changes: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The site of the record when the event was recorded (None: a record of the group, or one
    # without a site). Not hashed: it is the trail's index of who may read the event, set by
    # the recorder and re-set when a record moves to another site (see ``recorder``). No
    # foreign key: the trail keeps what was, whatever becomes of the site.
    site_id: Mapped[int | None]

    __table_args__ = (
        Index("ix_trail_event_entity", "entity_type", "entity_id", "seq"),
        # A reader's page is a union of branches, each walked backwards in seq order: the
        # events of one type at one site, and of one type anywhere (see queries.events_query).
        Index("ix_trail_event_type_site", "entity_type", "site_id", "seq"),
        Index("ix_trail_event_type", "entity_type", "seq"),
    )

    @property
    def changed_fields(self) -> dict:
        return json.loads(self.changes)

    def __repr__(self) -> str:
        return f"<TrailEvent {self.seq} {self.action} {self.entity_type}/{self.entity_id}>"
