import json
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Department, Site, User
from core.clock import utcnow
from core.database import Model, partial_index
from core.errors import Conflict


class Kind(StrEnum):
    MANUAL = "manual"
    PROCEDURE = "procedure"
    WORK_INSTRUCTION = "work_instruction"
    FORM_TEMPLATE = "form_template"


class RevisionState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    EFFECTIVE = "effective"
    SUPERSEDED = "superseded"


class Procedure(Model):
    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    # The dealership the procedure is written for, approved by its head of the
    # owning department; none for a group-wide procedure (the function's group-level head).
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32), default=Kind.PROCEDURE.value)
    review_interval_months: Mapped[int] = mapped_column(default=12)
    # Who must read and acknowledge it: department codes and role names.
    distribution: Mapped[dict] = mapped_column(JSON, default=lambda: {"departments": [], "roles": []})
    origin_plugin: Mapped[str | None] = mapped_column(String(64))
    next_review_due: Mapped[date | None] = mapped_column(Date, index=True)
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    department: Mapped[Department] = relationship()
    site: Mapped[Site | None] = relationship()
    revisions: Mapped[list["Revision"]] = relationship(
        back_populates="procedure", order_by="Revision.number", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def effective_revision(self) -> "Revision | None":
        return next((r for r in self.revisions if r.state == RevisionState.EFFECTIVE), None)

    @property
    def latest_revision(self) -> "Revision | None":
        return self.revisions[-1] if self.revisions else None

    @property
    def distribution_departments(self) -> list[str]:
        return list((self.distribution or {}).get("departments", []))

    @property
    def distribution_roles(self) -> list[str]:
        return list((self.distribution or {}).get("roles", []))

    def __repr__(self) -> str:
        return f"<Procedure {self.code}>"


# Who must read a procedure, one row per department or role its distribution names, kept with the
# distribution (below): the revisions a person owes are found through the index by what they are,
# where the distribution's JSON was read for every effective revision of the group (5,010 at the
# large demo size, a third of the dashboard's and the tasks page's statements' time).
procedure_reader = Table(
    "procedure_reader",
    Model.metadata,
    Column("kind", String(16), primary_key=True),  # "departments" or "roles", as in the distribution
    Column("name", String(64), primary_key=True),
    Column("procedure_id", ForeignKey("procedure.id", ondelete="CASCADE"), primary_key=True),
)


def readers_of(distribution: dict | None) -> set[tuple[str, str]]:
    """The ``(kind, name)`` pairs a distribution names."""
    return {(kind, str(name)) for kind in ("departments", "roles") for name in (distribution or {}).get(kind) or ()}


@event.listens_for(Procedure, "after_insert")
@event.listens_for(Procedure, "after_update")
def _keep_readers(_mapper, connection, procedure: Procedure) -> None:
    # In the flush that writes the distribution, so the rows are never out of step with it.
    # Only when it was written (one left out on insert is the column's default: nobody).
    written = inspect(procedure).attrs.distribution.history.added
    if not written:
        return
    connection.execute(procedure_reader.delete().where(procedure_reader.c.procedure_id == procedure.id))
    rows = [{"kind": kind, "name": name, "procedure_id": procedure.id} for kind, name in sorted(readers_of(written[0]))]
    if rows:
        connection.execute(procedure_reader.insert(), rows)


# Everyone who wrote (some of) a revision's text: its author and whoever edited
# the draft since. None of them may approve it (two other people must).
revision_editor = Table(
    "procedure_revision_editor",
    Model.metadata,
    Column("revision_id", ForeignKey("procedure_revision.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True),
    # The revisions one edited, which one may not approve (the approvals to do).
    Index("ix_procedure_revision_editor_user_revision", "user_id", "revision_id"),
)


class Revision(Model):
    __tablename__ = "procedure_revision"
    __trail_entity__ = "procedure_revision"
    __trail_site__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    body_sha256: Mapped[str] = mapped_column(String(64))
    change_summary: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(16), default=RevisionState.DRAFT.value)
    effective_date: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    effective_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]
    rejection_comment: Mapped[str | None] = mapped_column(Text)
    # Starter documents loaded by `init` take effect without signatures; the
    # revision says so wherever it shows, instead of pretending to be signed.
    approved_by_system: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    procedure: Mapped[Procedure] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()
    editors: Mapped[list[User]] = relationship(secondary=revision_editor, order_by="User.id")

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (
        UniqueConstraint("procedure_id", "number"),
        # At most one effective revision per procedure, whatever the code does.
        partial_index(
            "uq_procedure_revision_one_effective",
            "procedure_id",
            unique=True,
            where="state = 'effective'",
        ),
        # Those in review in the order they were submitted, the approvers' order (migration proc_0006).
        Index("ix_procedure_revision_state_submitted", "state", "submitted_at"),
        # A procedure's revisions in one state by one seek (those in review of a head's department),
        # not all of its revisions read; with the effective date, which the revisions to read are
        # sorted by: a row holds the revision's text before its dates (migration proc_0006).
        Index("ix_procedure_revision_procedure_state_effective", "procedure_id", "state", "effective_date"),
    )

    @property
    def editable(self) -> bool:
        return self.state == RevisionState.DRAFT

    def signable_content(self) -> bytes:
        """What an approval vouches for: the document's identity and its exact text."""
        return json.dumps(
            {"code": self.procedure.code, "revision": self.number, "title": self.title, "body": self.body},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")

    def __repr__(self) -> str:
        return f"<Revision {self.procedure.code if self.procedure else '?'} rev {self.number} {self.state}>"


IMMUTABLE_FIELDS = ("body", "title", "body_sha256", "number", "procedure_id")


@event.listens_for(Revision, "before_update")
def _refuse_changes_to_non_drafts(_mapper, _connection, revision: Revision) -> None:
    """Approved text is immutable, whoever tries: the service refuses first,
    and this catches any code path that forgets to ask it."""
    state = inspect(revision)
    history = state.attrs.state.history
    previous = history.deleted[0] if history.deleted else revision.state
    if previous == RevisionState.DRAFT:
        return
    changed = [name for name in IMMUTABLE_FIELDS if state.attrs[name].history.has_changes()]
    if changed:
        # Imported here: the labels are defined over this module's states.
        from flask_babel import gettext as _

        from core.errors import label_in_sentence
        from procedures.labels import revision_state

        raise Conflict(
            _(
                "Revision %(number)s is %(state)s: its %(fields)s can no longer be changed.",
                number=revision.number,
                state=revision_state(previous),
                fields=", ".join(dict.fromkeys(label_in_sentence(name) for name in changed)),
            )
        )
