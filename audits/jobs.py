"""The evidence pack as a background job (kind ``audits.pack``).

Building a pack takes seconds to minutes, so the web page and the API start
a job and hand back its address; the job runs :func:`audits.pack.write_pack`
in a worker process (core.jobs) and leaves the PDF in the job's folder.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.accounts.models import User
from core.database import read_only
from core.errors import enforce
from core.jobs import Job, submit
from core.plugins import JobKind

PACK = "audits.pack"


def pack_file_name(reference: str) -> str:
    return f"{reference}-evidence-pack.pdf"


def start_pack_export(user: User, reference: str) -> Job:
    """Queue the evidence pack of audit ``reference`` for ``user``; the caller commits."""
    # The services, not at the top: the plugin registers the job kind at start-up.
    from audits.services import audits as audit_services

    audit = audit_services.audit_by_reference(reference)
    enforce(audit_services.export_refusal(user, audit))
    return submit(user, PACK, {"audit": audit.reference})


def build_pack(context) -> str:
    # The pack brings WeasyPrint: the job pays for it, not every importer of the job kinds.
    from audits.pack import write_pack

    reference = context.params["audit"]
    name = pack_file_name(reference)
    # A pack only reads: no write lock is held while it renders. The
    # instance's signing key, when configured, is write_pack's to pick up.
    with read_only():
        write_pack(reference, context.folder / name, locale=context.user.locale or None, progress=context.progress)
    return name


def prepare_worker() -> None:
    """A long-lived job worker loads what packs need once (the ``prepare_job_worker`` hook): every pack's
    process is forked from it and starts warm."""
    from audits.pack.build import prepare_worker as prepare_for_packs

    prepare_for_packs()


PACK_JOB = JobKind(
    name=PACK, run=build_pack, title=_l("Evidence pack"), describe=lambda params: params.get("audit", "")
)
