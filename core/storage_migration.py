"""``dealerqms migrate-storage --to s3://bucket/prefix``: copy a single node's
evidence files from the local folder into an object store.

Every content-addressed file of ``DEALERQMS_STORAGE_PATH`` (or ``--from``) is
hashed on disk, sent under its key and read back from the bucket to check its
SHA-256. A file already in the bucket is read back and checked the same way
and then left alone, so an interrupted run is simply started again; a copy in
the bucket that no longer matches its key is replaced from the disk. The
results of finished jobs (evidence packs) go along to ``prefix/jobs/<job>/``,
where the app looks for them once it uses the bucket. Nothing on the disk is
ever changed or deleted: the folder stays the fallback until the operator
removes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from core.cli import UserError
from core.config import ConfigurationError
from core.database import db
from core.errors import NotFound
from core.storage import LocalFileStore, S3FileStore, StoreUnavailable, object_store_at
from core.storage.base import CHUNK, CorruptFile


@dataclass
class Tally:
    copied: int = 0
    copied_bytes: int = 0
    present: int = 0
    present_bytes: int = 0
    replaced: int = 0
    results: int = 0
    failures: list[str] = field(default_factory=list)


class MoveInterrupted(Exception):
    """The object store stopped answering: what was copied so far stays, and a new run carries on."""

    def __init__(self, reason: str, tally: Tally):
        super().__init__(reason)
        self.tally = tally


def _sha256_of(handle) -> str:
    digest = hashlib.sha256()
    with handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _intact_in_store(target: S3FileStore, sha256: str, size: int) -> bool | None:
    """True: there and whole; False: there but damaged; None: not there."""
    try:
        if target.size(sha256) != size:
            return False
        with target.open(sha256) as handle:
            while handle.read(CHUNK):
                pass
    except NotFound:
        return None
    except CorruptFile:
        return False
    return True


def move_files(
    source: LocalFileStore, target: S3FileStore, *, progress: Callable[[Tally], None] | None = None
) -> Tally:
    """Copy every evidence file of ``source`` into ``target``, checked; raises MoveInterrupted if the store fails."""
    tally = Tally()
    try:
        for number, sha256 in enumerate(source.all_hashes(), 1):
            _move_one(source, target, sha256, tally)
            if progress is not None and number % 500 == 0:
                progress(tally)
        _move_results(target, tally)
    except StoreUnavailable as error:
        raise MoveInterrupted(str(error), tally) from None
    return tally


def _move_one(source: LocalFileStore, target: S3FileStore, sha256: str, tally: Tally) -> None:
    path = source.path(sha256)
    if _sha256_of(path.open("rb")) != sha256:
        tally.failures.append(f"{path} does not match its SHA-256 (it is damaged on this disk)")
        return
    size = path.stat().st_size
    state = _intact_in_store(target, sha256, size)
    if state:
        tally.present += 1
        tally.present_bytes += size
        return
    target.put_file(sha256, path)
    if not _intact_in_store(target, sha256, size):
        tally.failures.append(f"the copy of {path} in {target} does not match its SHA-256 after the upload")
        return
    tally.copied += 1
    tally.copied_bytes += size
    if state is False:
        tally.replaced += 1


def _move_results(target: S3FileStore, tally: Tally) -> None:
    """Results of finished jobs, so that their downloads keep working once the app reads the bucket."""
    from core.jobs.models import Job, JobState
    from core.jobs.states import job_folder

    done = db.session.execute(
        db.select(Job.id, Job.result_name).where(Job.state == JobState.DONE.value, Job.result_name.is_not(None))
    ).all()
    for job_id, name in done:
        path = job_folder(job_id) / name
        if not path.is_file():
            continue  # expired or removed: its download already says so
        expected = _sha256_of(path.open("rb"))
        if not _result_intact(target, job_id, name, path.stat().st_size, expected):
            target.put_result(job_id, path)
            if not _result_intact(target, job_id, name, path.stat().st_size, expected):
                tally.failures.append(f"the copy of {path} in {target} does not match its SHA-256 after the upload")
                continue
        tally.results += 1


def _result_intact(target: S3FileStore, job_id: str, name: str, size: int, sha256: str) -> bool:
    try:
        return target.result_size(job_id, name) == size and _sha256_of(target.open_result(job_id, name)) == sha256
    except NotFound:
        return False


# Command ---------------------------------------------------------------------------


def amount(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def files(count: int) -> str:
    return f"{count:,} file" if count == 1 else f"{count:,} files"


def describe(tally: Tally, target: S3FileStore) -> str:
    text = (
        f"Copied {files(tally.copied)} ({amount(tally.copied_bytes)}) to {target}; "
        f"{files(tally.present)} ({amount(tally.present_bytes)}) were there already"
    )
    if tally.replaced:
        text += f" (of the copied, {tally.replaced:,} replaced a damaged copy there)"
    text += f"; all checked against their SHA-256. Job results copied or already there: {tally.results:,}."
    return text


@click.command("migrate-storage")
@click.option(
    "--to", "target_url", required=True, metavar="s3://BUCKET/PREFIX", help="The bucket (and prefix) to copy into."
)
@click.option(
    "--from",
    "source_folder",
    type=click.Path(file_okay=False),
    default=None,
    help="The evidence folder to copy (default: DEALERQMS_STORAGE_PATH).",
)
@with_appcontext
def migrate_storage_command(target_url, source_folder):
    """Copy the evidence files of the local folder into an object store, checked by SHA-256.

    Run it again after an interruption: files already in the store (and intact) are skipped.
    Nothing on the disk is deleted.
    """
    try:
        target = object_store_at(target_url, setting="--to")
    except ConfigurationError as error:
        raise UserError(str(error)) from None
    folder = Path(source_folder or current_app.config["DEALERQMS_STORAGE_PATH"])
    if not folder.is_dir():
        raise UserError(f"There is no evidence folder {folder}.")
    try:
        target.check()
    except StoreUnavailable as error:
        raise UserError(f"{error} Check --to, DEALERQMS_S3_ENDPOINT_URL and the credentials.") from None
    source = LocalFileStore(folder)
    try:
        tally = move_files(source, target, progress=lambda tally: click.echo(describe(tally, target), err=True))
    except MoveInterrupted as interrupted:
        click.echo(describe(interrupted.tally, target))
        raise UserError(f"{interrupted} Nothing was deleted; run the command again to carry on.") from None
    click.echo(describe(tally, target))
    if tally.failures:
        raise UserError(
            f"{files(len(tally.failures))} could not be copied (the first: {tally.failures[0]}); "
            "nothing was deleted: restore them from a backup and run the command again."
        )
