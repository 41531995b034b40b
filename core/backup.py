"""``dealerqms backup FILE`` and ``dealerqms restore FILE [--force]``.

A backup is one gzipped tar archive:

- ``tables/<table>.jsonl``: every row of every table, read inside ONE read
  transaction (REPEATABLE READ on PostgreSQL; on SQLite in WAL a single read
  transaction is a snapshot), so the copy is consistent while the app runs.
  The first line names the columns, each further line is one row as a JSON
  array. Values are written by column type, not by database, so a SQLite
  backup restores into PostgreSQL and the other way round.
- ``files/…``: the evidence files (the folder ``DEALERQMS_STORAGE_PATH``, or
  the S3 bucket of ``DEALERQMS_STORAGE_URL``: ``files/ab/cd/<sha256>`` either
  way, so a backup restores into either), copied after the database snapshot:
  stored files are content-addressed and never change, so every file the
  snapshot refers to is there.
- ``manifest.json`` (last, so a truncated archive has none): format version,
  the migration heads of the schema, per table the row count, the SHA-256 of
  its file and a digest of its content, per stored file size and SHA-256, and
  the result of verifying the audit trail.

The archive is written under a temporary name and renamed into place, so
FILE is either a complete backup or absent.

In an object store (``dealerqms backup s3://bucket/key``, or with no FILE on a
deployment with ``DEALERQMS_STORAGE_URL``: ``prefix/backups/<UTC time>.tar.gz``)
the archive is written to a temporary file in the instance folder, then sent
in parts with its SHA-256 as the object's metadata: S3 shows an object only
once its upload is complete. ``dealerqms restore s3://…`` downloads it the
same way and checks that SHA-256 before anything else is looked at.

Restore checks every checksum before it touches anything, loads all tables
in foreign-key order in one transaction with Core statements (the restored
rows are history: they must not create new trail events, and triggers such
as the trail's append-only guard stay out of the way while loading), resets
PostgreSQL sequences, and before committing compares counts and content
digests with the manifest and verifies the audit trail.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path, PurePosixPath

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import (
    MetaData,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import sort_tables_and_constraints

from core.cli import domain_errors
from core.clock import local, utcnow
from core.database import commit, db, iso_utc, read_only
from core.errors import DomainError, NotFound
from core.storage import (
    CorruptFile,
    LocalFileStore,
    S3FileStore,
    StoreUnavailable,
    file_store,
    object_store_at,
    uses_object_store,
)
from core.storage.base import nested_name
from core.storage.s3 import BUCKET

FORMAT = "dealerqms-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES = "tables"
FILES = "files"
# Alembic's own bookkeeping: a restore brings the schema to the backup's heads itself.
# The tables' tokens describe this database's writes, not the records: a restore writes new ones.
NOT_BACKED_UP = frozenset({"alembic_version", "table_generation"})
BATCH = 2000
# Where `dealerqms backup` without FILE puts backups: under the prefix of DEALERQMS_STORAGE_URL.
BACKUPS = "backups/"
CHUNK = 1024 * 1024
_MODULUS = 1 << 256


class BackupError(DomainError):
    title = "Backup or restore failed"


@dataclass(frozen=True)
class Summary:
    tables: int
    rows: int
    trail_events: int
    files: int
    trail_ok: bool
    first_bad_seq: int | None
    upgraded: bool = False


@contextmanager
def _database_errors(failed: str):
    """A database failure is one sentence too; the transaction is rolled back."""
    try:
        yield
    except SQLAlchemyError as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0].rstrip(".")
        raise BackupError(f"{failed} ({detail}).") from None


# Values --------------------------------------------------------------------------


def _kind(column_type) -> str:
    """How a column's values are written to and read from the archive."""
    checks = (
        (sqltypes.JSON, "json"),
        (sqltypes.DateTime, "datetime"),
        (sqltypes.Date, "date"),
        (sqltypes.Time, "time"),
        (sqltypes.Float, "float"),
        (sqltypes.Numeric, "decimal"),
        (sqltypes.LargeBinary, "binary"),
        (sqltypes.Boolean, "bool"),
    )
    for type_class, kind in checks:
        if isinstance(column_type, type_class):
            return kind
    return "plain"


def _encode(kind: str, value):
    if value is None:
        return None
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind == "decimal":
        return str(value)
    if kind == "float":
        return float(value)
    if kind == "binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "bool":
        return bool(value)
    if isinstance(value, (str, int)):
        return value
    return str(value)


def _decode(kind: str, value):
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "time":
        return time.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    if kind == "float":
        return float(value)
    if kind == "binary":
        return base64.b64decode(value)
    if kind == "bool":
        return bool(value)
    return value


def _line(values: list) -> str:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


class ContentDigest:
    """An order-independent digest of a table's rows (the sum of their hashes).

    Row order is the database's business (collations differ between SQLite
    and PostgreSQL); what must survive a round trip is the set of rows.
    JSON documents are compared in a canonical form because PostgreSQL's
    jsonb rewrites their text.
    """

    def __init__(self, kinds: list[str]):
        self._json = [i for i, kind in enumerate(kinds) if kind == "json"]
        self._sum = 0
        self.rows = 0

    def add(self, encoded: list) -> None:
        if self._json:
            encoded = list(encoded)
            for i in self._json:
                if encoded[i] is not None:
                    encoded[i] = json.dumps(json.loads(encoded[i]), sort_keys=True, separators=(",", ":"))
        row_hash = hashlib.sha256(_line(encoded).encode("utf-8")).digest()
        self._sum = (self._sum + int.from_bytes(row_hash, "big")) % _MODULUS
        self.rows += 1

    def hexdigest(self) -> str:
        return f"{self._sum:064x}"


# Schema ----------------------------------------------------------------------------


def _reflect(connection: Connection) -> MetaData:
    metadata = MetaData()
    # The search index is derived data (and on SQLite an FTS5 table with shadow tables):
    # `dealerqms search reindex` rebuilds it after a restore.
    metadata.reflect(bind=connection, only=lambda name, _metadata: not name.startswith("search_"))
    return metadata


def _ordered(metadata: MetaData) -> tuple[list[Table], dict[str, set[str]]]:
    """Tables parents first, and per table the columns that must be filled in
    after every row exists (keys in a cycle of tables, or to the same table)."""
    tables = [t for t in metadata.tables.values() if t.name not in NOT_BACKED_UP]
    ordered, late = [], {}
    for table, constraints in sort_tables_and_constraints(tables):
        if table is not None:
            ordered.append(table)
            for constraint in constraints:
                if constraint.referred_table is table:
                    late.setdefault(table.name, set()).update(constraint.column_keys)
        else:
            for constraint in constraints:
                late.setdefault(constraint.table.name, set()).update(constraint.column_keys)
    return ordered, late


def _read_columns(columns) -> list:
    """The select list: JSON as its text, so that SQL NULL and JSON null stay apart."""
    return [cast(column, Text).label(column.name) if _kind(column.type) == "json" else column for column in columns]


def _order_by(table: Table) -> list:
    return list(table.primary_key.columns) or list(table.columns)


def _migrate_config():
    return current_app.extensions["migrate"].migrate.get_config()


def _heads(connection: Connection) -> list[str]:
    from alembic.runtime.migration import MigrationContext

    return sorted(MigrationContext.configure(connection).get_current_heads())


# Backup ----------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stored_entries(store, tar: tarfile.TarFile):
    """(path in the files folder, tar header, opener) of every stored file, on disk or in a bucket."""
    if isinstance(store, LocalFileStore):
        for path in _stored_files(store.root):
            relative = path.relative_to(store.root).as_posix()
            yield relative, tar.gettarinfo(path, arcname=f"{FILES}/{relative}"), lambda path=path: path.open("rb")
        return
    for sha256 in store.all_hashes():
        relative = nested_name(sha256)
        info = tarfile.TarInfo(f"{FILES}/{relative}")
        info.size, info.mtime, info.mode = store.size(sha256), int(utcnow().timestamp()), 0o600
        yield relative, info, lambda sha256=sha256: store.open(sha256)


def _has_files_besides(store, known: set[str]) -> bool:
    """Whether the store holds a file that is not among ``known`` (the backup's own files)."""
    if isinstance(store, LocalFileStore):
        return any(path.relative_to(store.root).as_posix() not in known for path in _stored_files(store.root))
    return any(nested_name(sha256) not in known for sha256 in store.all_hashes())


def _stored_files(root: Path) -> Iterator[Path]:
    """Regular files of the evidence folder; dot-files are uploads still being written."""
    if not root.is_dir():
        return
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            if not name.startswith(".") and path.is_file() and not path.is_symlink():
                yield path


def _snapshot(connection: Connection, staging: Path) -> dict:
    """Write every table into ``staging``; returns the database part of the manifest."""
    from core.trail.chain import verify

    heads = _heads(connection)
    tables, _late = _ordered(_reflect(connection))
    entries = []
    (staging / TABLES).mkdir()
    for table in tables:
        names = [c.name for c in table.columns]
        kinds = [_kind(c.type) for c in table.columns]
        digest = ContentDigest(kinds)
        path = staging / TABLES / f"{table.name}.jsonl"
        query = select(*_read_columns(table.columns)).order_by(*_order_by(table))
        with path.open("w", encoding="utf-8", newline="\n") as out:
            out.write(_line(names) + "\n")
            for row in connection.execution_options(yield_per=BATCH).execute(query):
                encoded = [_encode(kind, value) for kind, value in zip(kinds, row, strict=True)]
                digest.add(encoded)
                out.write(_line(encoded) + "\n")
        entries.append(
            {
                "name": table.name,
                "file": f"{TABLES}/{table.name}.jsonl",
                "columns": names,
                "rows": digest.rows,
                "content": digest.hexdigest(),
                "sha256": _sha256_file(path),
            }
        )
    trail = None
    if "trail_event" in {t.name for t in tables}:
        result = verify(connection)
        # The newest hash, to compare with a copy kept elsewhere: a chain
        # rewritten from some event on verifies, but ends in another hash.
        head = connection.execute(text("SELECT hash FROM trail_event ORDER BY seq DESC LIMIT 1")).scalar()
        trail = {"events": result.events, "ok": result.ok, "first_bad_seq": result.first_bad_seq, "head": head}
    return {"database": connection.dialect.name, "alembic_heads": heads, "tables": entries, "trail": trail}


def _read_snapshot(staging: Path) -> dict:
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            with connection.begin():
                return _snapshot(connection, staging)
    # SQLite: a deferred (read) transaction; its first read fixes the snapshot
    # for all the others, and writers carry on in the WAL meanwhile.
    with read_only(), engine.connect() as connection, connection.begin():
        return _snapshot(connection, staging)


class _HashingReader:
    def __init__(self, handle):
        self._handle, self.digest = handle, hashlib.sha256()

    def read(self, size=-1):
        chunk = self._handle.read(size)
        self.digest.update(chunk)
        return chunk


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(utcnow().timestamp()), 0o600
    tar.addfile(info, io.BytesIO(data))


def create_backup(target: Path) -> Summary:
    with _database_errors(f"The database could not be read for the backup {target}; none was written"):
        return _backup(Path(target).absolute())


def _backup(target: Path) -> Summary:
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give the name of the backup file to write.")
    store = file_store()
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".dealerqms-backup-") as staging_name:
            staging = Path(staging_name)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": iso_utc(utcnow()),
                "dealerqms_version": _version(),
            }
            manifest.update(_read_snapshot(staging))
            files = []
            # It holds password and token hashes: readable by the owner only.
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                for entry in manifest["tables"]:
                    tar.add(staging / entry["file"], arcname=entry["file"], recursive=False)
                for relative, info, opened in _stored_entries(store, tar):
                    with opened() as handle:
                        reader = _HashingReader(handle)
                        tar.addfile(info, reader)
                    files.append({"path": relative, "size": info.size, "sha256": reader.digest.hexdigest()})
                manifest["files"] = files
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))
                tar.close()
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, target)
    except OSError as error:
        raise BackupError(f"Cannot write the backup {target}: {error.strerror or error}.") from None
    finally:
        partial.unlink(missing_ok=True)
    return _summary(manifest)


def _version() -> str | None:
    try:
        return importlib.metadata.version("dealerqms")
    except importlib.metadata.PackageNotFoundError:
        return None


def _summary(manifest: dict, upgraded: bool = False) -> Summary:
    trail = manifest.get("trail") or {"events": 0, "ok": True, "first_bad_seq": None}
    return Summary(
        tables=len(manifest["tables"]),
        rows=sum(t["rows"] for t in manifest["tables"]),
        trail_events=trail["events"],
        files=len(manifest["files"]),
        trail_ok=trail["ok"],
        first_bad_seq=trail["first_bad_seq"],
        upgraded=upgraded,
    )


# Restore ---------------------------------------------------------------------------


def _extract(path: Path, staging: Path, source: str) -> dict:
    """Unpack the archive into ``staging`` and check it against its manifest."""
    try:
        # Read the whole gzip stream first: its checksum is only checked at the
        # end, and tarfile stops quietly at the first damaged header after the
        # first one, which would look like a shorter archive.
        with gzip.open(path, "rb") as stream:
            while stream.read(CHUNK):
                pass
        with tarfile.open(path, "r:gz") as tar:
            for member in tar.getmembers():
                if not (member.isfile() or member.isdir()):
                    raise BackupError(
                        f"{source} holds {member.name!r}, which is not a plain file; it is not a dealerqms backup."
                    )
            tar.extractall(staging, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0].rstrip(".:")
        raise BackupError(f"{source} is damaged or not a backup archive ({reason}).") from None
    except OSError as error:
        raise BackupError(f"Cannot read {source}: {error.strerror or error}.") from None
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source} has no manifest.json: it is incomplete, or not a dealerqms backup.") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"The manifest of {source} is damaged.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is not a dealerqms backup.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{source} is in backup format {manifest.get('format_version')}; "
            f"this version of dealerqms reads format {FORMAT_VERSION}."
        )
    expected = {entry["file"] for entry in manifest["tables"]} | {f"{FILES}/{f['path']}" for f in manifest["files"]}
    for name in expected:
        parts = PurePosixPath(name).parts
        if PurePosixPath(name).is_absolute() or ".." in parts or parts[0] not in (TABLES, FILES):
            raise BackupError(f"The manifest of {source} names {name!r}, outside the backup; it was altered.")
    for path in staging.rglob("*"):
        name = path.relative_to(staging).as_posix()
        if path.is_file() and name != MANIFEST and name not in expected:
            raise BackupError(f"{source} holds {name}, which its manifest does not list; it was altered.")
    for entry in manifest["tables"]:
        _check_member(source, staging / entry["file"], entry["file"], entry["sha256"])
    for entry in manifest["files"]:
        _check_member(source, staging / FILES / entry["path"], f"{FILES}/{entry['path']}", entry["sha256"])
    return manifest


def _check_member(source: str, path: Path, name: str, sha256: str) -> None:
    if not path.is_file():
        raise BackupError(f"{source} is incomplete: {name} is missing.")
    if _sha256_file(path) != sha256:
        raise BackupError(f"{source} is damaged: {name} does not match its checksum.")


def _rows(path: Path) -> Iterator[list]:
    with path.open(encoding="utf-8") as handle:
        next(handle)  # the column names
        for line in handle:
            yield json.loads(line)


def _check_schema(source: str, manifest: dict, connection: Connection) -> bool:
    """True when the database has no schema yet and must be created at the backup's heads."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_migrate_config())
    known = {revision.revision for revision in script.walk_revisions()}
    wanted = manifest["alembic_heads"]
    unknown = [head for head in wanted if head not in known]
    if unknown:
        raise BackupError(
            f"{source} was made with a newer schema (migration {', '.join(unknown)} is unknown here, from a newer "
            "dealerqms or a plugin that is not installed); install that version, then restore."
        )
    current = _heads(connection)
    if not current:
        return True
    if current != wanted:
        raise BackupError(
            f"The database schema is at {', '.join(current)} but the backup at {', '.join(wanted)}; "
            "restore into an empty database (it is upgraded after loading)."
        )
    return False


def _occupied(connection: Connection, tables: list[Table]) -> dict[str, int]:
    counts = {}
    for table in tables:
        count = connection.execute(select(func.count()).select_from(table)).scalar_one()
        if count:
            counts[table.name] = count
    return counts


def _refuse_non_empty(counts: dict[str, int], store, manifest: dict) -> None:
    if counts:
        parts = []
        if counts.get("user_account"):
            parts.append(f"{counts['user_account']} users")
        if counts.get("trail_event"):
            parts.append(f"{counts['trail_event']} trail events")
        if not parts:
            parts.append(f"{sum(counts.values())} rows")
        raise BackupError(
            f"This instance is not empty ({', '.join(parts)}); restore into an empty instance, "
            "or add --force to replace everything in it."
        )
    # Files the backup holds too are no loss: `dealerqms migrate-storage` may have copied them there already.
    if _has_files_besides(store, {entry["path"] for entry in manifest["files"]}):
        kind = "folder" if isinstance(store, LocalFileStore) else "store"
        raise BackupError(
            f"The evidence {kind} {store} is not empty; restore into an empty instance, "
            "or add --force to replace everything in it."
        )


def _suspend_triggers(connection: Connection, tables: list[Table]) -> list[str]:
    """Take triggers (the trail's append-only guard among them) out of the way.

    Returns what re-creates them. Restored rows are history, not new work: no
    trigger should act on them. Both databases do this inside the transaction,
    so a failed restore leaves the triggers as they were.
    """
    names = [t.name for t in tables]
    if connection.dialect.name == "sqlite":
        triggers = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL")
        ).all()
        for name, _sql in triggers:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        return [sql for _name, sql in triggers]
    quote = connection.dialect.identifier_preparer.quote
    with_triggers = set(
        connection.execute(
            text(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal"
            )
        ).scalars()
    ) & set(names)
    for name in sorted(with_triggers):
        connection.exec_driver_sql(f"ALTER TABLE {quote(name)} DISABLE TRIGGER USER")
    return [f"ALTER TABLE {quote(name)} ENABLE TRIGGER USER" for name in sorted(with_triggers)]


def _clear(connection: Connection, tables: list[Table]) -> None:
    if connection.dialect.name == "postgresql":
        quote = connection.dialect.identifier_preparer.quote
        connection.exec_driver_sql(f"TRUNCATE {', '.join(quote(t.name) for t in tables)} RESTART IDENTITY")
        return
    # Foreign keys that point both ways (department head ↔ user's department)
    # are checked at commit instead of at each delete.
    connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    for table in reversed(tables):
        connection.execute(table.delete())


def _load_table(connection: Connection, table: Table, entry: dict, path: Path, late: set[str]) -> list:
    """Insert the rows of one table; returns the late keys to fill in once every row exists."""
    columns = {c.name: c for c in table.columns}
    if set(entry["columns"]) != set(columns):
        raise BackupError(f"Table {table.name} has other columns here than in the backup; the schemas differ.")
    dialect = connection.dialect.name
    names = entry["columns"]
    kinds = [_kind(columns[name].type) for name in names]
    values = {}
    for i, name in enumerate(names):
        column = columns[name]
        if kinds[i] == "json":
            # The document's text as it was; only PostgreSQL needs it cast.
            parameter = bindparam(f"p{i}", type_=Text)
            values[name] = cast(parameter, column.type) if dialect == "postgresql" else parameter
        else:
            values[name] = bindparam(f"p{i}", type_=column.type)
    statement = insert(table).values(values)
    late_indexes = [i for i, name in enumerate(names) if name in late]
    key_indexes = [names.index(c.name) for c in table.primary_key.columns]
    deferred = []
    batch = []
    for row in _rows(path):
        decoded = [_decode(kind, value) for kind, value in zip(kinds, row, strict=True)]
        if late_indexes:
            later = {names[i]: decoded[i] for i in late_indexes if decoded[i] is not None}
            if later:
                deferred.append(({names[i]: decoded[i] for i in key_indexes}, later))
            for i in late_indexes:
                decoded[i] = None
        batch.append({f"p{i}": value for i, value in enumerate(decoded)})
        if len(batch) >= BATCH:
            connection.execute(statement, batch)
            batch = []
    if batch:
        connection.execute(statement, batch)
    return deferred


def _fill_in_late(connection: Connection, table: Table, deferred: list) -> None:
    for key, later in deferred:
        connection.execute(update(table).where(*(table.c[name] == value for name, value in key.items())).values(later))


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    if connection.dialect.name != "postgresql":
        return  # SQLite hands out max(rowid) + 1
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, sqltypes.Integer):
                continue
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": quote(table.name), "column": column.name},
            ).scalar()
            if sequence:
                connection.execute(
                    text(
                        f"SELECT setval(CAST(:sequence AS regclass), "
                        f"COALESCE((SELECT MAX({quote(column.name)}) FROM {quote(table.name)}), 0) + 1, false)"
                    ),
                    {"sequence": sequence},
                )


def _check_loaded(source: str, connection: Connection, tables: dict[str, Table], manifest: dict) -> None:
    from core.trail.chain import verify

    for entry in manifest["tables"]:
        table = tables[entry["name"]]
        ordered = [table.c[name] for name in entry["columns"]]
        kinds = [_kind(c.type) for c in ordered]
        digest = ContentDigest(kinds)
        query = select(*_read_columns(ordered))
        for row in connection.execution_options(yield_per=BATCH).execute(query):
            digest.add([_encode(kind, value) for kind, value in zip(kinds, row, strict=True)])
        if digest.rows != entry["rows"] or digest.hexdigest() != entry["content"]:
            raise BackupError(
                f"Restoring {source} did not reproduce table {table.name} exactly "
                f"({digest.rows} rows instead of {entry['rows']}); nothing was changed."
            )
    expected = manifest.get("trail")
    if expected is not None:
        result = verify(connection)
        if (result.ok, result.events, result.first_bad_seq) != (
            expected["ok"],
            expected["events"],
            expected["first_bad_seq"],
        ):
            raise BackupError(
                f"The restored audit trail does not verify as it did when {source} was made; nothing was changed."
            )


def restore_backup(source: Path, *, force: bool = False, name: str | None = None) -> Summary:
    """Restore the archive ``source``; ``name`` is what messages call it (where it was downloaded from)."""
    from core.search import index as search_index

    name = name or str(source)
    with _database_errors(f"The database refused the restore of {name}; nothing was changed"):
        summary = _restore(Path(source), force, name)
    # The search index is not in the backup: it is rebuilt from the records restored.
    db.session.rollback()
    search_index.reindex()
    commit()
    return summary


def _restore(path: Path, force: bool, source: str) -> Summary:
    from core.migration import upgrade as upgrade_all

    if not path.is_file():
        raise BackupError(f"There is no backup file {source}.")
    store = file_store()
    storage = Path(current_app.config["DEALERQMS_STORAGE_PATH"]).absolute()
    storage.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=storage.parent, prefix=".dealerqms-restore-") as staging_name:
        staging = Path(staging_name)
        manifest = _extract(path, staging, source)
        (staging / FILES).mkdir(exist_ok=True)

        with db.engine.connect() as connection:
            create_schema = _check_schema(source, manifest, connection)
            connection.rollback()
        if create_schema:
            from flask_migrate import upgrade

            for head in manifest["alembic_heads"]:
                upgrade(revision=head)

        engine = db.engine
        with engine.connect() as connection, connection.begin() as transaction:
            metadata = _reflect(connection)
            tables, late = _ordered(metadata)
            missing = {entry["name"] for entry in manifest["tables"]} ^ {t.name for t in tables}
            if missing:
                raise BackupError(
                    f"The tables here and in {source} differ ({', '.join(sorted(missing))}); the schemas do not match."
                )
            counts = _occupied(connection, tables)
            if not force:
                _refuse_non_empty(counts, store, manifest)
            recreate = _suspend_triggers(connection, tables)
            if counts:
                _clear(connection, tables)
            entries = {entry["name"]: entry for entry in manifest["tables"]}
            deferred = []
            for table in tables:
                pending = _load_table(
                    connection,
                    table,
                    entries[table.name],
                    staging / entries[table.name]["file"],
                    late.get(table.name, set()),
                )
                deferred.append((table, pending))
            for table, pending in deferred:
                _fill_in_late(connection, table, pending)
            for statement in recreate:
                connection.exec_driver_sql(statement)
            _reset_sequences(connection, tables)
            _check_loaded(source, connection, metadata.tables, manifest)

            local = isinstance(store, LocalFileStore)
            replaced = None
            if local:
                replaced = _swap_in(staging / FILES, storage)
            else:
                # Uploaded before the commit: a failed commit leaves files nothing refers to, never records
                # without their files. With --force the bucket's other files stay (content-addressed, harmless).
                _upload(staging / FILES, manifest, store)
            try:
                transaction.commit()
            except BaseException:
                if local:
                    _swap_back(storage, replaced)
                raise
        if replaced is not None:
            shutil.rmtree(replaced, ignore_errors=True)

    from alembic.script import ScriptDirectory

    upgraded = False
    if sorted(ScriptDirectory.from_config(_migrate_config()).get_heads()) != manifest["alembic_heads"]:
        upgrade_all()
        upgraded = True
    return _summary(manifest, upgraded)


def _upload(restored: Path, manifest: dict, store) -> None:
    """Put every file of the backup into the bucket, each read back and checked against its SHA-256.

    A file already there and intact (copied by ``dealerqms migrate-storage``) is
    not sent again; one there but damaged is replaced.
    """
    try:
        for entry in manifest["files"]:
            sha256 = entry["sha256"]
            if _intact_in(store, sha256):
                continue
            store.put_file(sha256, restored / entry["path"])
            if not _intact_in(store, sha256):
                raise BackupError(
                    f"The copy of {entry['path']} in {store} does not match its checksum after the upload; "
                    "nothing was changed."
                )
    except StoreUnavailable as error:
        raise BackupError(f"{error} Nothing was changed.") from None


def _intact_in(store, sha256: str) -> bool:
    try:
        with store.open(sha256) as handle:
            while handle.read(CHUNK):
                pass
    except (NotFound, CorruptFile):
        return False
    return True


def _swap_in(restored: Path, storage: Path) -> Path | None:
    """Put the restored files folder in place; returns where the old one went."""
    replaced = None
    if storage.exists():
        replaced = storage.with_name(f".{storage.name}.replaced-{uuid.uuid4().hex[:8]}")
        os.replace(storage, replaced)
    os.replace(restored, storage)
    return replaced


def _swap_back(storage: Path, replaced: Path | None) -> None:
    shutil.rmtree(storage, ignore_errors=True)
    if replaced is not None:
        os.replace(replaced, storage)


# In an object store ----------------------------------------------------------------


def is_object_url(text: str | None) -> bool:
    return bool(text) and text.startswith("s3://")


def _object_at(url: str, *, folder: bool = False) -> tuple[S3FileStore, str]:
    """The bucket of ``s3://bucket/key`` (at the configured endpoint) and the key; ``folder``: a key prefix."""
    bucket, _slash, key = url.removeprefix("s3://").partition("/")
    if not BUCKET.match(bucket):
        raise BackupError(
            f"{url} does not name a bucket: a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens."
        )
    if folder:
        key = key.strip("/")
        return object_store_at(f"s3://{bucket}"), f"{key}/" if key else ""
    if not key or key.endswith("/") or re.search(r"(^|/)\.{0,2}(/|$)", key):
        raise BackupError(f"{url} names no object; give the whole key, e.g. s3://{bucket}/backups/nightly.tar.gz.")
    return object_store_at(f"s3://{bucket}"), key


def _configured_store(action: str) -> S3FileStore:
    if not uses_object_store():
        raise BackupError(
            f"Without DEALERQMS_STORAGE_URL there is no default place to {action}; name a FILE or an s3://bucket/key."
        )
    return file_store()


def _scratch() -> Path:
    """Where an archive on its way to or from the store is kept meanwhile: the node's instance folder."""
    folder = Path(current_app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def create_backup_in_store(url: str | None = None) -> tuple[Summary, str]:
    """Back up into the object ``url`` (``s3://bucket/key``), or by default under the configured
    store's ``backups/``; returns the summary and the object's URL."""
    if url:
        store, name = _object_at(url)
    else:
        store = _configured_store("write a backup")
        name = f"{BACKUPS}{utcnow():%Y%m%dT%H%M%SZ}.tar.gz"
    where = store.url_of(name)
    try:
        # Before the snapshot is read: a misnamed bucket costs a moment, not the whole backup.
        store.check()
        with tempfile.TemporaryDirectory(dir=_scratch(), prefix=".dealerqms-backup-upload-") as folder:
            archive = Path(folder) / "backup.tar.gz"
            with _database_errors(f"The database could not be read for the backup {where}; none was written"):
                summary = _backup(archive)
            store.upload_named(name, archive, sha256=_sha256_file(archive))
    except StoreUnavailable as error:
        raise BackupError(f"{error} No backup was written to {where}.") from None
    except OSError as error:
        raise BackupError(f"Cannot write the backup {where} on its way: {error.strerror or error}.") from None
    return summary, where


def restore_backup_from_store(url: str, *, force: bool = False) -> Summary:
    """Download ``s3://bucket/key``, check it against the SHA-256 recorded with it, then restore it."""
    store, name = _object_at(url)
    with tempfile.TemporaryDirectory(dir=_scratch(), prefix=".dealerqms-restore-download-") as folder:
        archive = Path(folder) / "backup.tar.gz"
        try:
            with archive.open("wb") as handle:
                recorded, received = store.download_named(name, handle)
        except NotFound:
            raise BackupError(f"There is no backup {url}; nothing was changed.") from None
        except StoreUnavailable as error:
            raise BackupError(f"{error} Nothing was changed.") from None
        except OSError as error:
            raise BackupError(f"Cannot download {url}: {error.strerror or error}; nothing was changed.") from None
        if recorded is None:
            raise BackupError(
                f"{url} has no SHA-256 recorded with it (it was not written by dealerqms backup); "
                "download it and restore the file."
            )
        if recorded != received:
            raise BackupError(
                f"{url} is damaged: its content does not match the SHA-256 recorded when it was written; "
                "nothing was changed."
            )
        return restore_backup(archive, force=force, name=url)


def list_backups(url: str | None = None) -> list[tuple[str, int, datetime]]:
    """(URL, size, upload time) of the backups under ``url`` or the configured store's ``backups/``, oldest first."""
    if url:
        store, folder = _object_at(url, folder=True)
    else:
        store, folder = _configured_store("look for backups"), BACKUPS
    try:
        found = [
            (store.url_of(name), size, modified)
            for name, size, modified in store.list_named(folder)
            if name.endswith(".tar.gz")
        ]
    except StoreUnavailable as error:
        raise BackupError(str(error)) from None
    return sorted(found, key=lambda backup: (backup[2], backup[0]))


# Commands --------------------------------------------------------------------------


def _describe(summary: Summary) -> str:
    return (
        f"{summary.tables} tables ({summary.rows:,} rows, of them {summary.trail_events:,} trail events) "
        f"and {summary.files:,} evidence files"
    )


def _trail_note(summary: Summary) -> str | None:
    if summary.trail_ok:
        return None
    return (
        f"Warning: the audit trail does not verify (first bad event {summary.first_bad_seq}); "
        "the backup keeps it exactly as it is."
    )


@click.command("backup")
@click.argument("file", required=False)
@click.option(
    "--list",
    "listing",
    is_flag=True,
    help="List the backups in the object store (under s3://bucket/folder/ if given) instead of making one.",
)
@with_appcontext
@domain_errors
def backup_command(file, listing):
    """Write a consistent backup of the database and the evidence files to FILE.

    FILE may be an object, s3://bucket/key.tar.gz; without FILE, a deployment
    with DEALERQMS_STORAGE_URL writes to backups/<UTC time>.tar.gz under its prefix.
    """
    if listing:
        if file and not is_object_url(file):
            raise BackupError(f"--list looks in an object store; {file} is not an s3://bucket/folder/.")
        for where, size, modified in list_backups(file):
            click.echo(f"{where}\t{size:,} bytes\t{local(modified):%Y-%m-%d %H:%M %Z}")
        return
    if file and not is_object_url(file):
        summary, where = create_backup(Path(file)), file
    else:
        summary, where = create_backup_in_store(file)
    click.echo(f"Backed up {_describe(summary)} to {where}.")
    if note := _trail_note(summary):
        click.echo(note, err=True)


@click.command("restore")
@click.argument("file")
@click.option("--force", is_flag=True, help="Replace the contents of an instance that is not empty.")
@with_appcontext
@domain_errors
def restore_command(file, force):
    """Restore a backup made by `dealerqms backup` (FILE, or s3://bucket/key) into this instance."""
    if is_object_url(file):
        summary = restore_backup_from_store(file, force=force)
    else:
        summary = restore_backup(Path(file), force=force)
    click.echo(f"Restored {_describe(summary)} from {file}.")
    if summary.upgraded:
        click.echo("The schema was then upgraded to this version of dealerqms.")
    if note := _trail_note(summary):
        click.echo(note, err=True)
    elif summary.trail_events:
        click.echo(f"The audit trail verifies ({summary.trail_events:,} events).")
