from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Site, User
from core.clock import utcnow
from core.database import Model


class Source(StrEnum):
    MANUAL = "manual"
    IMPORT = "import"
    API = "api"
    COMPUTED = "computed"


class Measurement(Model):
    """The value of one metric at one site in one period.

    One row per metric, site and period: a correction changes this row (the
    trail keeps the old value and the reason), it never adds a second one.
    """

    __tablename__ = "measurement"

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_key: Mapped[str] = mapped_column(String(100))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    period: Mapped[str] = mapped_column(String(7))
    value: Mapped[float]
    source: Mapped[str] = mapped_column(String(16))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    corrected_at: Mapped[datetime | None]
    correction_reason: Mapped[str | None] = mapped_column(Text)
    row_version: Mapped[int] = mapped_column(default=1)

    site: Mapped[Site] = relationship()
    entered_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (
        UniqueConstraint("metric_key", "site_id", "period"),
        # The dashboard reads a site's latest periods of every metric.
        Index("ix_measurement_site_metric_period", "site_id", "metric_key", "period"),
        # Who reads a measurement's trail is "its site or who entered it": without this the trail
        # page read every measurement of every site to know which of its events one may see.
        Index("ix_measurement_entered_by_id", "entered_by_id"),
    )

    def __repr__(self) -> str:
        return f"<Measurement {self.metric_key} site={self.site_id} {self.period}={self.value}>"


class SiteTarget(Model):
    """A site's own target and warning threshold for a metric, set by a quality officer."""

    __tablename__ = "metric_site_target"
    __trail_entity__ = "metric_site_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_key: Mapped[str] = mapped_column(String(100))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    target: Mapped[float]
    warning: Mapped[float | None]
    reason: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    site: Mapped[Site] = relationship()
    set_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (UniqueConstraint("metric_key", "site_id"),)


class PendingRecompute(Model):
    """A computed metric of a site whose period's records changed since it was last computed.

    A form submission leaves one (its own unit of work) instead of recomputing the
    period from all of its submissions there and then, which costs more the fuller
    the month; the value is computed once for any number of marks, by the next read
    that shows it or by ``tick`` (:func:`core.metrics.services.drain`). ``generation``
    counts the writes since the mark was made: a drain removes the mark only if no
    write came in while it computed.
    """

    __tablename__ = "metric_pending_recompute"
    # Bookkeeping of the computation, not a record: the measurement it leads to is trailed.
    __trailed__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_key: Mapped[str] = mapped_column(String(100))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    period: Mapped[str] = mapped_column(String(7))
    generation: Mapped[int] = mapped_column(default=1)
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("metric_key", "site_id", "period"),)
