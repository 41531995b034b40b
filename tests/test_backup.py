"""`dealerqms backup` / `dealerqms restore`: an exact, consistent copy of the
database and the evidence files, restored only where nothing would be lost."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select, text

from core import backup as backup_module
from core import create_app
from core.accounts import services
from core.accounts.models import Site
from core.backup import NOT_BACKED_UP
from core.database import db
from core.signatures import sign
from core.testing import TEST_PASSWORD
from core.trail import acting_as
from core.trail.chain import verify
from core.trail.models import TrailEvent

EVIDENCE = {
    # As the evidence store lays files out: content-addressed, two levels of folders.
    b"photo of the showroom checklist": None,
    "试驾记录 — test-drive log".encode(): None,
    bytes(range(256)) * 40: None,
}


def store(root: Path, content: bytes) -> Path:
    digest = hashlib.sha256(content).hexdigest()
    path = root / digest[:2] / digest[2:4] / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def fill(app, *, people: bool) -> None:
    """Sites, trail events and evidence files; with ``people`` also users, roles,
    a department head, an API token and a signature."""
    with app.app_context(), acting_as("setup"):
        for n in range(5):
            site = services.create_site(None, f"B{n}", f"Branch {n} — 分店")
            db.session.commit()
        site.name, site.active = "Branch renamed", False
        db.session.commit()
        if people:
            admin = services.create_user(
                None,
                login="admin",
                roles=["admin"],
                password=TEST_PASSWORD,
                department=services.department_by_code("QUALITY"),
            )
            head = services.create_user(
                None,
                login="head",
                display_name="Hana Head",
                password=TEST_PASSWORD,
                roles=["department_head", "auditor"],
                department=services.department_by_code("SALES"),
                site=site,
            )
            sign(site, signer=head, password=TEST_PASSWORD, meaning="approved", comment="多语言 comment")
            services.create_token(None, admin, "backup test")
            db.session.commit()
    storage = Path(app.config["DEALERQMS_STORAGE_PATH"])
    for content in EVIDENCE:
        store(storage, content)
    # An upload still being written is not evidence yet.
    (storage / ".upload-abc123").write_bytes(b"half a file")


@pytest.fixture
def source(app, monkeypatch):
    monkeypatch.setattr(Site, "signable_content", lambda self: self.name.encode(), raising=False)
    fill(app, people=True)
    return app


@pytest.fixture
def new_instance(tmp_path, empty_database):
    """Makes instances with an empty database of the suite's kind and no schema."""
    made = []

    def make(kind: str | None = None, name: str | None = None):
        folder = tmp_path / (name or f"target-{uuid.uuid4().hex[:6]}")
        url = empty_database(kind, folder)
        application = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "target",
                "INSTANCE_PATH": str(folder / "instance"),
            }
        )
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def contents(app) -> dict[str, list]:
    """Every row of every table, as sorted tuples of plain values."""
    with app.app_context(), db.engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(bind=connection)
        return {
            name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for name, table in metadata.tables.items()
            # The search index is derived data, not backed up: rebuilt after a restore; nor are the
            # tables' tokens (a restore writes new ones).
            if name not in NOT_BACKED_UP and not name.startswith("search_")
        }


def files(app) -> dict[str, bytes]:
    root = Path(app.config["DEALERQMS_STORAGE_PATH"])
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }


def trail_of(app):
    with app.app_context(), db.engine.connect() as connection:
        result = verify(connection)
        head = connection.execute(select(TrailEvent.hash).order_by(TrailEvent.seq.desc()).limit(1)).scalar()
    return result, head


def test_round_trip_into_an_empty_instance_is_exact(source, new_instance, tmp_path):
    archive = tmp_path / "nightly.tar.gz"
    made = run(source, "backup", str(archive))
    assert made.exit_code == 0, made.output
    assert "Backed up" in made.output and "3 evidence files" in made.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

    target = new_instance()
    restored = run(target, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "Restored" in restored.output and "audit trail verifies" in restored.output

    before, after = contents(source), contents(target)
    assert set(after) == set(before)
    for table in before:
        assert after[table] == before[table], f"table {table} differs after the round trip"
    assert files(target) == files(source)
    assert set(files(target).values()) == set(EVIDENCE)

    (source_trail, source_head), (target_trail, target_head) = trail_of(source), trail_of(target)
    assert target_trail.ok and target_trail.events == source_trail.events
    assert target_head == source_head  # restoring wrote no events of its own


def test_the_restored_instance_carries_on_where_the_backup_ended(source, new_instance, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert run(source, "backup", str(archive)).exit_code == 0
    target = new_instance()
    assert run(target, "restore", str(archive)).exit_code == 0
    with target.app_context():
        site = services.create_site(None, "AFTER", "Opened after the restore")
        db.session.commit()
        assert site.id > max(s.id for s in db.session.execute(db.select(Site).where(Site.code != "AFTER")).scalars())
        assert services.authenticate("head", TEST_PASSWORD) is not None
    result, _head = trail_of(target)
    assert result.ok
    assert run(target, "trail", "verify").exit_code == 0


def test_a_backup_restores_into_sqlite_whatever_database_it_came_from(source, new_instance, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert run(source, "backup", str(archive)).exit_code == 0
    target = new_instance("sqlite")
    outcome = run(target, "restore", str(archive))
    assert outcome.exit_code == 0, outcome.output
    assert contents(target) == contents(source)
    assert trail_of(target) == trail_of(source)


def test_restore_into_a_migrated_but_empty_database(source, new_instance, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert run(source, "backup", str(archive)).exit_code == 0
    target = new_instance()
    with target.app_context():
        from core.migration import upgrade

        upgrade()
    assert run(target, "restore", str(archive)).exit_code == 0
    assert contents(target) == contents(source)


def test_restore_refuses_an_instance_that_is_not_empty(source, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert run(source, "backup", str(archive)).exit_code == 0
    with source.app_context():
        services.create_site(None, "LATER", "Created after the backup")
        db.session.commit()
    before = contents(source)

    outcome = run(source, "restore", str(archive))
    assert outcome.exit_code == 1
    assert "not empty" in outcome.output and "--force" in outcome.output
    assert "users" in outcome.output and "trail events" in outcome.output
    assert "Traceback" not in outcome.output
    assert contents(source) == before


def test_restore_refuses_an_instance_whose_only_content_is_files(source, new_instance, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert run(source, "backup", str(archive)).exit_code == 0
    target = new_instance()
    store(Path(target.config["DEALERQMS_STORAGE_PATH"]), b"someone else's evidence")
    outcome = run(target, "restore", str(archive))
    assert outcome.exit_code == 1 and "evidence folder" in outcome.output


def test_force_replaces_everything_in_a_non_empty_instance(source, new_instance, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert run(source, "backup", str(archive)).exit_code == 0
    expected_rows, expected_files = contents(source), files(source)
    expected_trail = trail_of(source)

    with source.app_context():
        services.create_site(None, "GONE", "Created after the backup")
        db.session.commit()
    store(Path(source.config["DEALERQMS_STORAGE_PATH"]), b"uploaded after the backup")

    outcome = run(source, "restore", "--force", str(archive))
    assert outcome.exit_code == 0, outcome.output
    assert contents(source) == expected_rows
    assert files(source) == expected_files
    assert trail_of(source) == expected_trail

    # The append-only guard is back in place after the restore.
    with source.app_context():
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("DELETE FROM trail_event WHERE seq = 1"))
        db.session.rollback()


def test_a_backup_is_one_consistent_snapshot_while_others_write(source, tmp_path, monkeypatch):
    """A write committed while the backup is being read is not half in it."""
    real = backup_module._sha256_file
    written = []

    def write_meanwhile(path):
        if not written:
            with source.app_context():
                services.create_site(None, "MID", "Written during the backup")
                db.session.commit()
            written.append(True)
        return real(path)

    monkeypatch.setattr(backup_module, "_sha256_file", write_meanwhile)
    archive = tmp_path / "b.tar.gz"
    assert run(source, "backup", str(archive)).exit_code == 0
    assert written

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        sites = tar.extractfile("tables/site.jsonl").read().decode().splitlines()[1:]
        trail = tar.extractfile("tables/trail_event.jsonl").read().decode().splitlines()[1:]
    assert manifest["trail"]["ok"] and manifest["trail"]["events"] == len(trail)
    site_creations = [line for line in trail if '"create","site"' in line]
    assert len(sites) == len(site_creations)
    assert not any("MID" in line for line in sites + trail)
    with source.app_context():
        assert services.site_by_code("MID")


def rewrite(archive: Path, damaged: Path, change) -> None:
    """Copy an archive member by member, letting ``change(name, data)`` alter them."""
    with tarfile.open(archive) as old, tarfile.open(damaged, "w:gz") as new:
        for member in old.getmembers():
            data = change(member.name, old.extractfile(member).read())
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


@pytest.fixture
def archive(app, tmp_path):
    fill(app, people=False)
    path = tmp_path / "good.tar.gz"
    assert run(app, "backup", str(path)).exit_code == 0
    return path


def refused(target, path: Path, *words: str):
    outcome = run(target, "restore", str(path))
    assert outcome.exit_code == 1, outcome.output
    assert "Traceback" not in outcome.output
    for word in words:
        assert word in outcome.output
    # Migrations that ran before the refusal log their progress; the refusal is one sentence.
    said = [line for line in outcome.output.strip().splitlines() if not line.startswith("INFO  [alembic")]
    assert len(said) == 1, outcome.output
    return outcome


def empty(target) -> bool:
    rows = contents(target)
    return not any(rows.values())


@pytest.mark.parametrize("where", [0.25, 0.5, 0.9])
def test_a_corrupted_archive_is_refused(archive, new_instance, tmp_path, where):
    data = bytearray(archive.read_bytes())
    at = int(len(data) * where)
    data[at : at + 64] = bytes(64)
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(bytes(data))
    target = new_instance()
    refused(target, damaged, "damaged")
    assert empty(target) and files(target) == {}


def test_an_archive_whose_table_was_altered_is_refused(archive, new_instance, tmp_path):
    damaged = tmp_path / "altered.tar.gz"
    rewrite(
        archive,
        damaged,
        lambda name, data: data.replace(b"Branch 1", b"Branch X") if name == "tables/site.jsonl" else data,
    )
    target = new_instance()
    refused(target, damaged, "tables/site.jsonl", "checksum")
    assert empty(target)


def test_an_archive_with_an_altered_evidence_file_is_refused(archive, new_instance, tmp_path):
    damaged = tmp_path / "altered.tar.gz"
    rewrite(archive, damaged, lambda name, data: data + b"!" if name.startswith("files/") else data)
    refused(new_instance(), damaged, "checksum")


def test_a_truncated_archive_is_refused(archive, new_instance, tmp_path):
    damaged = tmp_path / "truncated.tar.gz"
    damaged.write_bytes(archive.read_bytes()[: archive.stat().st_size // 3])
    refused(new_instance(), damaged, "damaged")


def test_something_that_is_not_a_backup_is_refused(new_instance, tmp_path):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a backup")
    target = new_instance()
    refused(target, text_file, "notes.txt")
    foreign = tmp_path / "foreign.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        tar.add(text_file, arcname="notes.txt")
    refused(target, foreign, "not a dealerqms backup")
    refused(target, tmp_path / "missing.tar.gz", "no backup file")


def test_a_backup_from_a_newer_schema_is_refused(archive, new_instance, tmp_path):
    newer = tmp_path / "newer.tar.gz"

    def future(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["alembic_heads"] = ["9999_from_the_future"]
        return json.dumps(manifest).encode()

    rewrite(archive, newer, future)
    target = new_instance()
    refused(target, newer, "newer", "9999_from_the_future")
    assert empty(target)


def test_a_failed_backup_leaves_no_file_behind(source, tmp_path, monkeypatch):
    def broken_disk(_root):
        raise OSError(28, "No space left on device")
        yield  # a generator, like the real one

    monkeypatch.setattr(backup_module, "_stored_files", broken_disk)
    target = tmp_path / "b.tar.gz"
    outcome = run(source, "backup", str(target))
    assert outcome.exit_code == 1
    assert "No space left on device" in outcome.output
    assert list(tmp_path.glob("*b.tar.gz*")) == []
    assert not any(p.name.startswith(".dealerqms-backup-") for p in tmp_path.iterdir())


def test_backup_into_a_missing_folder_is_one_sentence(source, tmp_path):
    outcome = run(source, "backup", str(tmp_path / "nowhere" / "b.tar.gz"))
    assert outcome.exit_code == 1
    assert "does not exist" in outcome.output and "Traceback" not in outcome.output


def test_a_broken_trail_is_kept_as_it_is_and_said_so(source, new_instance, tmp_path):
    with source.app_context(), db.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER trail_event_no_update")
        else:
            connection.exec_driver_sql("ALTER TABLE trail_event DISABLE TRIGGER trail_event_append_only")
        connection.exec_driver_sql("UPDATE trail_event SET actor = 'mallory' WHERE seq = 4")
    archive = tmp_path / "b.tar.gz"
    made = run(source, "backup", str(archive))
    assert made.exit_code == 0
    assert "does not verify (first bad event 4)" in made.output
    target = new_instance()
    restored = run(target, "restore", str(archive))
    assert restored.exit_code == 0
    assert "first bad event 4" in restored.output
    assert trail_of(target)[0].first_bad_seq == 4


def test_every_kind_of_value_survives_the_round_trip(source, new_instance, tmp_path):
    """The areas' tables hold JSON documents, amounts, dates and bytes; the core's do not."""
    from datetime import date, datetime
    from decimal import Decimal

    from sqlalchemy import (
        JSON,
        Boolean,
        Column,
        Date,
        DateTime,
        Float,
        Integer,
        LargeBinary,
        Numeric,
        Table,
        Text,
        null,
    )

    def values_table(metadata):
        return Table(
            "backup_test_values",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("doc", JSON),
            Column("amount", Numeric(12, 3)),
            Column("ratio", Float),
            Column("day", Date),
            Column("moment", DateTime),
            Column("blob", LargeBinary),
            Column("flag", Boolean),
            Column("note", Text),
        )

    rows = [
        {
            "id": 1,
            "doc": {"b": [1, 2.5, "三"], "a": None, "nested": {"x": True}},
            "amount": Decimal("12.345"),
            "ratio": 0.1,
            "day": date(2026, 2, 28),
            "moment": datetime(2026, 2, 28, 23, 59, 59, 999999),
            "blob": bytes(range(256)),
            "flag": True,
            "note": "line one\nline two \u2028 tab\t",
        },
        {
            "id": 2,
            "doc": None,
            "amount": Decimal("-0.001"),
            "ratio": -1e-300,
            "day": None,
            "moment": None,
            "blob": b"",
            "flag": False,
            "note": "",
        },  # doc: a JSON null
        {
            "id": 3,
            "doc": null(),
            "amount": None,
            "ratio": None,
            "day": None,
            "moment": None,
            "blob": None,
            "flag": None,
            "note": None,
        },  # doc: SQL NULL
    ]
    with source.app_context(), db.engine.begin() as connection:
        table = values_table(MetaData())
        table.create(connection)
        for row in rows:
            connection.execute(table.insert().values(row))

    archive = tmp_path / "values.tar.gz"
    assert run(source, "backup", str(archive)).exit_code == 0
    target = new_instance()
    with target.app_context():
        from core.migration import upgrade

        upgrade()
        with db.engine.begin() as connection:
            values_table(MetaData()).create(connection)
    outcome = run(target, "restore", str(archive))
    assert outcome.exit_code == 0, outcome.output

    def read(app):
        with app.app_context(), db.engine.connect() as connection:
            table = values_table(MetaData())
            typed = [tuple(r) for r in connection.execute(select(table).order_by(table.c.id))]
            nulls = connection.execute(text("SELECT id, doc IS NULL FROM backup_test_values ORDER BY id")).all()
            return typed, [tuple(r) for r in nulls]

    assert read(target) == read(source)
    typed, nulls = read(target)
    assert typed[0][1] == rows[0]["doc"] and typed[0][2] == Decimal("12.345") and typed[0][6] == bytes(range(256))
    assert typed[0][5] == datetime(2026, 2, 28, 23, 59, 59, 999999)
    assert [bool(is_null) for _id, is_null in nulls] == [False, False, True]


def test_an_archive_the_database_refuses_is_one_sentence_and_changes_nothing(archive, new_instance, tmp_path):
    """A consistent-looking archive (checksums recomputed) with a duplicated row."""
    doctored = tmp_path / "doctored.tar.gz"
    duplicated = {}

    def duplicate_a_site(name, data):
        if name == "tables/site.jsonl":
            lines = data.decode().splitlines(keepends=True)
            data = "".join(lines + lines[1:2]).encode()
            duplicated["sha256"] = hashlib.sha256(data).hexdigest()
        return data

    rewrite(archive, doctored, duplicate_a_site)

    def fix_manifest(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        entry = next(t for t in manifest["tables"] if t["name"] == "site")
        entry["sha256"], entry["rows"] = duplicated["sha256"], entry["rows"] + 1
        return json.dumps(manifest).encode()

    final = tmp_path / "final.tar.gz"
    rewrite(doctored, final, fix_manifest)
    target = new_instance()
    refused(target, final, "refused the restore", "nothing was changed")
    assert empty(target) and files(target) == {}
