from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import instance_zone_name, utcnow, zone_named
from core.database import Model, partial_index


class Role(StrEnum):
    ADMIN = "admin"
    QUALITY_OFFICER = "quality_officer"
    DEPARTMENT_HEAD = "department_head"
    AUDITOR = "auditor"
    STAFF = "staff"


class Site(Model):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The dealership's clock: its days, months and the times shown to its people (an IANA name).
    time_zone: Mapped[str] = mapped_column(String(64), default=instance_zone_name)
    active: Mapped[bool] = mapped_column(default=True)
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def zone(self):
        return zone_named(self.time_zone)

    def __repr__(self) -> str:
        return f"<Site {self.code}>"


# The default departments' names in the reader's language. The English name is
# what ``init`` stores; a department an administrator renamed shows as named.
DEFAULT_DEPARTMENT_LABELS = {
    ("SALES", "Sales"): _l("Sales"),
    ("AFTERSALES", "After-sales"): _l("After-sales"),
    ("TRAINING", "Training"): _l("Training"),
    ("MARKETING", "Marketing"): _l("Marketing"),
    ("RISK", "Risk management"): _l("Risk management"),
    ("COMMS", "Communication"): _l("Communication"),
    ("QUALITY", "Quality"): _l("Quality"),
}


def department_label(code: str, name: str) -> str:
    label = DEFAULT_DEPARTMENT_LABELS.get((code, name))
    return str(label) if label is not None else name


class Department(Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    row_version: Mapped[int] = mapped_column(default=1)

    heads: Mapped[list["DepartmentHead"]] = relationship(back_populates="department", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def label(self) -> str:
        """The name to show: translated while it is still the default one."""
        return department_label(self.code, self.name)

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class DepartmentHead(Model):
    """Who heads a department at one site (and their deputy), or — with no
    site — the group-level head of the function, who owns its group-wide
    procedures. Each site's department has its own head."""

    __tablename__ = "department_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    head_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    row_version: Mapped[int] = mapped_column(default=1)

    department: Mapped[Department] = relationship(back_populates="heads")
    site: Mapped[Site | None] = relationship()
    head: Mapped["User | None"] = relationship(foreign_keys=[head_id])
    deputy: Mapped["User | None"] = relationship(foreign_keys=[deputy_id])

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (
        UniqueConstraint("department_id", "site_id", name="uq_department_head_department_id_site_id"),
        # NULLs are distinct in a unique constraint: one group-level head per department needs its own index.
        partial_index(
            "uq_department_head_group",
            "department_id",
            unique=True,
            where="site_id IS NULL",
        ),
    )

    @property
    def acting(self) -> "User | None":
        """The head, or the deputy while the head is away (inactive or not named)."""
        if self.head is not None and self.head.active:
            return self.head
        if self.deputy is not None and self.deputy.active:
            return self.deputy
        return None


class User(UserMixin, Model):
    __tablename__ = "user_account"
    __trail_secret__ = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    site: Mapped[Site | None] = relationship()
    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(row.role) for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.login}>"


class UserRole(Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(Model):
    __tablename__ = "api_token"
    __trail_secret__ = frozenset({"token_hash"})
    # Bumped on every API call: recording each use would drown the trail.
    __trail_ignore__ = frozenset({"last_used_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The token itself is never stored: only its SHA-256 (tokens are 256 random
    # bits, so a fast hash is enough; argon2 is for low-entropy passwords).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class LoginAttempt(Model):
    """Failed and successful logins, for throttling. A security log, not a
    domain record: it is not part of the audit trail."""

    __tablename__ = "login_attempt"
    __trailed__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    succeeded: Mapped[bool]

    __table_args__ = (
        Index("ix_login_attempt_login_at", "login", "at"),
        Index("ix_login_attempt_remote_addr_at", "remote_addr", "at"),
    )


class UserSession(Model):
    """A browser logged in as a user: what the account page lists, and what
    ending a session deletes. A security log like ``LoginAttempt``, not a
    domain record, so the audit trail leaves it out."""

    __tablename__ = "user_session"
    __trailed__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the session id the cookie carries: a copy of this table opens no session.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()


class StoredSession(Model):
    """The session data of the database session store (core.accounts.sessions),
    by the hash of the session id. Redis replaces this table when configured."""

    __tablename__ = "session_store"
    __trailed__ = False

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(index=True)
