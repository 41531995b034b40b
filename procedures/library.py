"""The procedure library as files: Markdown with a small YAML front-matter header.

``procedures/library/`` ships the starter set that ``dealerqms init`` loads;
``dealerqms procedures export/import`` round-trip a library between instances.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask import current_app
from flask_babel import gettext as _

from core.accounts.models import User
from core.accounts.services import department_by_code
from core.clock import local, utcnow
from core.database import db
from core.errors import Conflict, NotFound, ValidationFailed
from procedures import services
from procedures.models import Procedure, RevisionState

STARTER_LIBRARY = Path(__file__).parent / "library"
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)
HEADER_KEYS = ("code", "title", "department", "kind", "review_interval_months", "distribution")


@dataclass
class LibraryDocument:
    code: str
    title: str
    department: str
    body: str
    kind: str = "procedure"
    review_interval_months: int = 12
    distribution: dict = field(default_factory=dict)
    source: str = ""


def parse(text: str, source: str = "") -> LibraryDocument:
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise ValidationFailed(f"{source or 'document'}: no front-matter header (--- … ---) at the top.")
    try:
        header = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise ValidationFailed(f"{source}: the header is not valid YAML ({error.problem}).") from None
    missing = [key for key in ("code", "title", "department") if not header.get(key)]
    if missing:
        raise ValidationFailed(f"{source}: the header lacks {', '.join(missing)}.")
    unknown = set(header) - set(HEADER_KEYS)
    if unknown:
        raise ValidationFailed(f"{source}: unknown header keys {', '.join(sorted(unknown))}.")
    return LibraryDocument(
        code=str(header["code"]).upper(),
        title=str(header["title"]),
        department=str(header["department"]).upper(),
        body=match.group(2).strip() + "\n",
        kind=header.get("kind", "procedure"),
        review_interval_months=int(header.get("review_interval_months", 12)),
        distribution=header.get("distribution") or {},
        source=source,
    )


def render_file(procedure: Procedure) -> str:
    revision = procedure.effective_revision or procedure.latest_revision
    header = {
        "code": procedure.code,
        "title": revision.title,
        "department": procedure.department.code,
        "kind": procedure.kind,
        "review_interval_months": procedure.review_interval_months,
        "distribution": procedure.distribution,
    }
    return "---\n" + yaml.safe_dump(header, allow_unicode=True, sort_keys=False) + "---\n" + revision.body


def read_folder(folder: Path) -> list[LibraryDocument]:
    if not folder.is_dir():
        raise NotFound(_("%(folder)s is not a folder.", folder=folder))
    return [parse(path.read_text(encoding="utf-8"), path.name) for path in sorted(folder.glob("*.md"))]


def starter_library_folder(language: str) -> Path:
    """The starter library written in ``language`` (``library/zh_CN``) where it exists, else the English one.

    A controlled document is written in one language; an instance loads the starter set once,
    in its own (``DEALERQMS_LANGUAGE``).
    """
    for candidate in (language, language.split("_")[0]):
        if (STARTER_LIBRARY / candidate).is_dir():
            return STARTER_LIBRARY / candidate
    return STARTER_LIBRARY


def load_starter_library(folder: Path | None = None) -> int:
    """Starter documents as effective revision 1, approved by the system; skips codes that exist."""
    folder = folder or starter_library_folder(current_app.config["BABEL_DEFAULT_LOCALE"])
    loaded = 0
    for document in read_folder(folder):
        if db.session.execute(db.select(Procedure.id).filter_by(code=document.code)).first():
            continue
        procedure = services.create_procedure(
            None,
            code=document.code,
            title=document.title,
            department=department_by_code(document.department),
            body=document.body,
            kind=document.kind,
            review_interval_months=document.review_interval_months,
            distribution=document.distribution,
        )
        revision = procedure.revisions[0]
        now = utcnow()
        revision.approved_by_system = True
        revision.change_summary = _("Starter library, approved by the system at installation.")
        revision.state = RevisionState.APPROVED.value
        revision.approved_at = now
        revision.effective_date = local(now).date()
        db.session.flush()
        services.make_effective(revision)
        loaded += 1
    return loaded


def export_library(actor: User, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    query = services.list_query(actor)
    for procedure in db.session.execute(query).scalars():
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", procedure.code) + ".md"
        (folder / name).write_text(render_file(procedure), encoding="utf-8")
        count += 1
    return count


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    drafted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def import_library(actor: User, folder: Path) -> ImportReport:
    """New codes become drafts of revision 1; changed texts become new drafts; nothing effective is overwritten."""
    report = ImportReport()
    for document in read_folder(folder):
        existing = db.session.execute(db.select(Procedure).filter_by(code=document.code)).scalar_one_or_none()
        if existing is None:
            services.create_procedure(
                actor,
                code=document.code,
                title=document.title,
                department=department_by_code(document.department),
                body=document.body,
                kind=document.kind,
                review_interval_months=document.review_interval_months,
                distribution=document.distribution,
            )
            report.created.append(document.code)
            continue
        current = existing.effective_revision or existing.latest_revision
        if current.body.strip() == document.body.strip():
            report.unchanged.append(document.code)
            continue
        try:
            services.new_draft(actor, existing, body=document.body, change_summary=f"Imported from {document.source}")
            report.drafted.append(document.code)
        except Conflict as error:
            report.refused.append(f"{document.code}: {error.detail}")
    db.session.flush()
    return report
