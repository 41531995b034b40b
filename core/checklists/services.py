"""Imported checklist libraries: import (a new version only when the content changed),
retire, the versions of a key and export, with the rules who may do each.

Nothing is written when a file has any problem: the file is read and checked whole
(``core.checklists.format``), then the departments it names and its key are checked
against the instance, and only a clean file becomes a version.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from core.accounts.models import Department, User
from core.accounts.permissions import Permission, can, require
from core.checklists import catalog
from core.checklists.models import ChecklistVersion
from core.clock import utcnow
from core.database import db
from core.errors import Conflict, NotFound, Refusal, TooLarge, ValidationFailed

KINDS = ("xlsx", "yaml")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "yaml": "application/yaml",
}


class ChecklistFileProblems(ValidationFailed):
    """A checklist file with problems: each one located (sheet, row, column), all of them at once."""

    def __init__(self, problems: list):
        self.problems = list(problems)
        super().__init__(
            ngettext(
                "The file has %(num)d problem; nothing was imported.",
                "The file has %(num)d problems; nothing was imported.",
                len(self.problems),
            ),
            errors=[{"field": "file", "message": str(problem)} for problem in self.problems],
        )


def read_refusal(user: User) -> Refusal | None:
    """Who may read the library's pages: who plans audits, and who manages the library."""
    if can(user, Permission.RUN_AUDITS) or can(user, Permission.MANAGE_CHECKLISTS):
        return None
    return Refusal(_("Only those who plan audits or manage checklists may read the checklist library."))


def manage_refusal(user: User) -> Refusal | None:
    if can(user, Permission.MANAGE_CHECKLISTS):
        return None
    return Refusal(_("Only a quality officer or an administrator may import or retire checklists."))


def max_bytes() -> int:
    return int(current_app.config.get("CHECKLIST_IMPORT_MAX_BYTES") or 5 * 1024 * 1024)


def check_size(size: int) -> None:
    limit = max_bytes()
    if size > limit:
        raise TooLarge(
            _(
                "The file is larger than a checklist library may be (%(size)s MB at most).",
                size=f"{limit / 1024 / 1024:g}",
            )
        )


def _instance_problems(filename: str, content: dict) -> list:
    """What the file's checks could not know: whether its departments exist here, whether its key is a plugin's."""
    from core.checklists.format import Problem

    sheet = "Checklist" if filename.lower().endswith(".xlsx") else None
    problems = []
    known = set(db.session.execute(db.select(Department.code)).scalars())
    for code in content.get("departments") or []:
        if code not in known:
            problems.append(
                Problem(
                    sheet,
                    None,
                    "departments",
                    _(
                        "there is no department %(code)s (known: %(known)s).",
                        code=code,
                        known=", ".join(sorted(known)),
                    ),
                )
            )
    if catalog.is_plugin_key(content["key"]):
        problems.append(
            Problem(
                sheet,
                None,
                "key",
                _(
                    "%(key)s is the key of a plugin's checklist; give the imported checklist a key of its own "
                    "(for example brand.%(name)s).",
                    key=content["key"],
                    name=content["key"].rsplit(".", 1)[-1],
                ),
            )
        )
    return problems


def import_file(actor: User, filename: str, data: bytes) -> tuple[ChecklistVersion, bool]:
    """Import a checklist library file: its new version, or the current one when nothing changed.

    Returns ``(version, created)``; ``created`` is False when the file holds exactly the
    current version's content (whatever its type: an exported XLSX imported back is unchanged).
    """
    from core.checklists.format import FileProblems, content_hash, parse

    require(actor, Permission.MANAGE_CHECKLISTS)
    check_size(len(data))
    filename = (filename or "").strip() or "checklist"
    try:
        content = parse(filename, data)
    except FileProblems as error:
        raise ChecklistFileProblems(error.problems) from None
    problems = _instance_problems(filename, content)
    if problems:
        raise ChecklistFileProblems(problems)
    digest = content_hash(content)
    key = content["key"]
    current = catalog.current_versions().get(key)
    if current is not None and current.content_hash == digest:
        return current, False
    newest = db.session.execute(
        db.select(db.func.max(ChecklistVersion.version)).where(ChecklistVersion.key == key)
    ).scalar()
    row = ChecklistVersion(
        key=key,
        version=(newest or 0) + 1,
        title=str(content["title"].get("en") or content["title"].get("zh_CN") or key)[:300],
        content=content,
        content_hash=digest,
        source_filename=filename[-255:],
        imported_by_id=actor.id,
        imported_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row, True


def versions(key: str) -> list[ChecklistVersion]:
    """The imported versions of ``key``, newest first (none for a plugin's checklist)."""
    rows = list(
        db.session.execute(
            db.select(ChecklistVersion).where(ChecklistVersion.key == key).order_by(ChecklistVersion.version.desc())
        ).scalars()
    )
    if not rows and not catalog.is_plugin_key(key):
        raise NotFound(_("There is no checklist %(key)s.", key=key))
    return rows


def retired_keys() -> list[str]:
    """Imported keys whose every version is retired: nothing offers them any more."""
    imported = set(db.session.execute(db.select(ChecklistVersion.key).distinct()).scalars())
    return sorted(imported - set(catalog.current_versions()))


def version_of(key: str, number: int | None = None) -> ChecklistVersion:
    """Version ``number`` of the imported ``key``, or its current one."""
    if number is None:
        found = catalog.current_versions().get(key)
        if found is None:
            if catalog.is_plugin_key(key):
                raise NotFound(_("%(key)s is a plugin's checklist: it is defined in code, not imported.", key=key))
            raise NotFound(_("There is no checklist %(key)s in use.", key=key))
        return found
    found = db.session.execute(db.select(ChecklistVersion).filter_by(key=key, version=number)).scalar_one_or_none()
    if found is None:
        raise NotFound(_("There is no version %(version)s of the checklist %(key)s.", version=number, key=key))
    return found


def retire(actor: User, key: str, number: int) -> ChecklistVersion:
    """No new audit or check uses this version; those that did keep it. The previous
    version not retired (if any) becomes the one in use again."""
    require(actor, Permission.MANAGE_CHECKLISTS)
    row = version_of(key, number)
    if row.retired:
        raise Conflict(_("Version %(version)s of %(key)s is already retired.", version=number, key=key))
    row.retired_at = utcnow()
    row.retired_by_id = actor.id
    db.session.flush()
    return row


def export(key: str, kind: str, number: int | None = None) -> tuple[str, bytes, str]:
    """The file of a version (the current one unless ``number``): ``(filename, data, media type)``."""
    from core.checklists.format import to_xlsx, to_yaml

    if kind not in KINDS:
        raise ValidationFailed.field("format", _("choose xlsx or yaml"))
    row = version_of(key, number)
    data = to_xlsx(row.content) if kind == "xlsx" else to_yaml(row.content).encode("utf-8")
    return f"{row.key}-v{row.version}.{kind}", data, MEDIA_TYPES[kind]


def kind_of(filename: str) -> str | None:
    """The file type a name says (``.xlsx``, ``.yaml`` or ``.yml``), or None."""
    lowered = (filename or "").lower()
    if lowered.endswith(".xlsx"):
        return "xlsx"
    if lowered.endswith((".yaml", ".yml")):
        return "yaml"
    return None
