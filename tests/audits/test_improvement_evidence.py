"""Evidence files on improvement items: uploaded on the page (several at once) and over the API
by who may work on the item while it is open, read by whoever sees it (404 for the others),
refused files recording nothing, and the migration that made improvements an evidence owner."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from flask_migrate import downgrade as alembic_downgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from audits.improvements import services
from audits.models import Evidence
from core import create_app
from core.accounts.services import create_site
from core.clock import utcnow
from core.database import commit, db
from core.migration import upgrade
from core.testing import PLUGIN_TEST_CONFIG
from core.trail.models import TrailEvent
from tests.audits.conftest import JPEG, PNG, user

pytestmark = pytest.mark.usefixtures("cast")

SAMPLE = b"test drive,in CRM\nTD-001,yes\nTD-002,yes\n"


def _suggested(app) -> str:
    """A staff suggestion at MAIN in SALES: raised by staff, owned by the head of SALES."""
    with app.app_context():
        item = services.raise_improvement(user("staff"), title="Name badges for visitors")
        commit()
        return item.reference


def _files(app, reference: str) -> list[tuple[int, str, str]]:
    with app.app_context():
        item = services.improvement_by_reference(reference)
        rows = db.session.execute(db.select(Evidence).filter_by(improvement_id=item.id).order_by(Evidence.id))
        return [(row.id, row.name, row.media_type) for row in rows.scalars()]


def _all_files(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(Evidence.id))).scalar()


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _post_files(client, reference: str, *files):
    return client.post(
        f"/improvements/{reference}/evidence",
        data={"csrf_token": _token(client, f"/improvements/{reference}"), "file": list(files)},
        content_type="multipart/form-data",
    )


def _api_upload(client, reference: str, data: bytes, name: str, media_type: str):
    return client.post(
        f"/api/v1/improvements/{reference}/evidence",
        data={"file": (io.BytesIO(data), name, media_type)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def north(app, make_user):
    """Another site with its own quality officer and staff, and another department's head at MAIN."""
    with app.app_context():
        create_site(None, "NORTH", "North")
        commit()
    make_user("northqo", "quality_officer", department="QUALITY", site="NORTH")
    make_user("northstaff", "staff", department="SALES", site="NORTH")
    make_user("servicehead", "department_head", department="AFTERSALES")
    make_user("staff2", "staff", department="SALES")


# The page --------------------------------------------------------------------------------------


def test_the_owner_adds_several_files_on_the_page_and_whoever_sees_the_item_reads_them(app, client_as, north):
    reference = _suggested(app)
    head = client_as("head")
    page = head.get(f"/improvements/{reference}").get_data(as_text=True)
    field = re.search(r'<input id="file-[^"]*evidence" type="file" name="file"[^>]*>', page).group(0)
    assert "multiple" in field and "capture" not in field and 'accept="image/*,application/pdf' in field

    added = _post_files(
        head, reference, (io.BytesIO(JPEG), "badge.jpg", "image/jpeg"), (io.BytesIO(SAMPLE), "sample.csv", "text/csv")
    )
    assert added.status_code == 302 and added.headers["Location"].endswith(f"/improvements/{reference}#evidence")
    files = _files(app, reference)
    assert [(name, media_type) for _id, name, media_type in files] == [
        ("badge.jpg", "image/jpeg"),
        ("sample.csv", "text/csv"),
    ]
    (photo, _n, _t), (sample, _n2, _t2) = files

    page = head.get(f"/improvements/{reference}").get_data(as_text=True)
    assert f'<img src="/evidence/{photo}"' in page, "a photo is shown as a thumbnail, as on an NC"
    assert f'href="/evidence/{sample}?download=1"' in page and f'<img src="/evidence/{sample}"' not in page
    assert "badge.jpg, sample.csv added as evidence." in page

    # Who sees the item reads its files: its author, the auditors; for the others they are not there.
    for reader in ("staff", "auditor", "qo"):
        assert client_as(reader).get(f"/evidence/{photo}").data == JPEG, reader
    for outsider in ("staff2", "northstaff", "northqo", "servicehead"):
        assert client_as(outsider).get(f"/evidence/{photo}").status_code == 404, outsider

    # Each upload is a trail event of the evidence, in the item's history.
    with app.app_context():
        events = db.session.execute(db.select(TrailEvent).filter_by(entity_type="evidence")).scalars().all()
        assert {event.entity_id for event in events} == {str(photo), str(sample)}
        assert all(event.action == "create" for event in events)


def test_a_refused_file_records_nothing_and_is_named_next_to_the_field(app, client_as):
    reference = _suggested(app)
    head = client_as("head")
    before = _all_files(app)

    # One good file and one whose content is not what it says: neither is kept.
    refused = _post_files(
        head,
        reference,
        (io.BytesIO(JPEG), "badge.jpg", "image/jpeg"),
        (io.BytesIO(b"%PDF-1.4 x"), "photo.jpg", "image/jpeg"),
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'class="field-error"[^>]*>photo.jpg: the file says it is image/jpeg but its content is', body)
    assert _all_files(app) == before

    # A type that is not accepted, sent alone.
    program = _post_files(head, reference, (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 60), "tool.png", "image/png"))
    assert program.status_code == 422 and "not accepted as evidence" in program.get_data(as_text=True)

    # Too large.
    app.config["DEALERQMS_EVIDENCE_MAX_BYTES"] = 100
    big = _post_files(head, reference, (io.BytesIO(JPEG * 10), "big.jpg", "image/jpeg"))
    assert big.status_code == 413 and re.search(r'class="field-error"[^>]*>The file is larger than the limit', big.text)

    # Nothing chosen.
    empty = head.post(
        f"/improvements/{reference}/evidence",
        data={"csrf_token": _token(head, f"/improvements/{reference}")},
        content_type="multipart/form-data",
    )
    assert empty.status_code == 422 and "choose a photo or file first" in empty.get_data(as_text=True)
    assert _all_files(app) == before


# The API ---------------------------------------------------------------------------------------


def test_the_api_uploads_a_file_lists_it_with_the_item_and_serves_its_content(app, api_as, north):
    reference = _suggested(app)
    head = api_as("head")
    created = _api_upload(head, reference, PNG, "badges.png", "image/png")
    assert created.status_code == 201
    assert (created.json["name"], created.json["media_type"], created.json["uploaded_by"]) == (
        "badges.png",
        "image/png",
        "head",
    )
    content_url = created.json["url"]
    assert content_url == f"/api/v1/evidence/{created.json['id']}/content"

    listed = api_as("staff").get(f"/api/v1/improvements/{reference}").json["evidence"]
    assert [(file["id"], file["name"], file["url"]) for file in listed] == [
        (created.json["id"], "badges.png", content_url)
    ]
    assert api_as("staff").get(content_url).data == PNG
    for outsider in ("northstaff", "northqo", "staff2"):
        assert api_as(outsider).get(content_url).status_code == 404, outsider
        assert api_as(outsider).get(f"/api/v1/evidence/{created.json['id']}").status_code == 404, outsider

    before = _all_files(app)
    lying = _api_upload(head, reference, b"%PDF-1.4 x", "photo.jpg", "image/jpeg")
    assert lying.status_code == 422 and lying.json["errors"][0]["field"] == "file"
    missing = head.post(f"/api/v1/improvements/{reference}/evidence", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "file"
    app.config["DEALERQMS_EVIDENCE_MAX_BYTES"] = 100
    assert _api_upload(head, reference, JPEG * 10, "big.jpg", "image/jpeg").status_code == 413
    assert _all_files(app) == before


def test_who_may_add_files_to_an_improvement(app, api_as, north):
    reference = _suggested(app)

    # Its author sees it but does not work on it; outside its scope it is not there.
    assert _api_upload(api_as("staff"), reference, JPEG, "a.jpg", "image/jpeg").status_code == 403
    for outsider in ("northqo", "northstaff", "servicehead", "staff2"):
        assert _api_upload(api_as(outsider), reference, JPEG, "a.jpg", "image/jpeg").status_code == 404, outsider
    # The auditor reads it but does not work on it.
    assert _api_upload(api_as("auditor"), reference, JPEG, "a.jpg", "image/jpeg").status_code == 403
    # Its owner (the head of SALES), a quality officer in scope.
    for worker in ("head", "qo"):
        assert _api_upload(api_as(worker), reference, JPEG, f"{worker}.jpg", "image/jpeg").status_code == 201

    # Handed to staff, they own it and add files too.
    path = f"/api/v1/improvements/{reference}"
    version = api_as("head").get(path).json["row_version"]
    assert api_as("head").patch(path, json={"owner": "staff", "row_version": version}).status_code == 200
    assert _api_upload(api_as("staff"), reference, JPEG, "staff.jpg", "image/jpeg").status_code == 201
    assert [name for _id, name, _type in _files(app, reference)] == ["head.jpg", "qo.jpg", "staff.jpg"]


@pytest.mark.parametrize("to", ["closed", "rejected"])
def test_a_completed_or_rejected_item_takes_no_more_files(app, api_as, client_as, to):
    reference = _suggested(app)
    path = f"/api/v1/improvements/{reference}"
    head = api_as("head")
    version = head.patch(path, json={"actions": "Badges", "result": "18 of 20 greeted", "row_version": 1}).json[
        "row_version"
    ]
    steps = ("do", "check", "act", "closed") if to == "closed" else ("rejected",)
    for step in steps:
        moved = head.post(f"{path}/stage", json={"to": step, "reason": "Done with it", "row_version": version})
        assert moved.status_code == 200, moved.json
        version = moved.json["row_version"]

    refused = _api_upload(head, reference, JPEG, "late.jpg", "image/jpeg")
    assert refused.status_code == 409 and "no more evidence can be added" in refused.json["detail"]
    page = client_as("head").get(f"/improvements/{reference}").get_data(as_text=True)
    assert f"/improvements/{reference}/evidence" not in page, "no upload field on a finished item"
    late = _post_files(client_as("head"), reference, (io.BytesIO(JPEG), "late.jpg", "image/jpeg"))
    assert late.status_code == 409 and "no more evidence can be added" in late.get_data(as_text=True)
    assert _files(app, reference) == []


# The migration ---------------------------------------------------------------------------------


def _one_owner(engine) -> str:
    [check] = [found for found in inspect(engine).get_check_constraints("evidence") if "one_owner" in found["name"]]
    return check["sqltext"]


def test_the_migration_adds_the_owner_column_and_takes_it_away_again(tmp_path, empty_database):
    folder = tmp_path / f"migrate-{uuid.uuid4().hex[:6]}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database(None, folder),
            "SECRET_KEY": "migrate",
            "INSTANCE_PATH": str(folder / "instance"),
            **PLUGIN_TEST_CONFIG,
        }
    )
    with app.app_context():
        upgrade()
        assert "improvement_id" in {column["name"] for column in inspect(db.engine).get_columns("evidence")}
        assert "improvement_id" in _one_owner(db.engine)
        now = utcnow()
        for statement in (
            "INSERT INTO site (id, code, name, active, row_version) VALUES (1, 'MAIN', 'Main', true, 1)",
            "INSERT INTO department (id, code, name, row_version) VALUES (1, 'SALES', 'Sales', 1)",
            "INSERT INTO user_account (id, login, display_name, active, locale, created_at, row_version)"
            " VALUES (1, 'head', 'Hana', true, 'en', :now, 1)",
            "INSERT INTO improvement (id, reference, year, sequence, title, description, source, site_id,"
            " department_id, raised_at, stage, action_type, method, row_version)"
            " VALUES (1, 'OFI-2026-0001', 2026, 1, 'Badges', '', 'manual', 1, 1, :now, 'plan', 'improvement',"
            " 'pdca', 1)",
            "INSERT INTO evidence (id, sha256, name, media_type, size, uploaded_by_id, uploaded_at, improvement_id)"
            " VALUES (1, :sha, 'badge.jpg', 'image/jpeg', 10, 1, :now, 1)",
        ):
            db.session.execute(text(statement), {"now": now, "sha": "0" * 64})
        db.session.commit()
        # Still exactly one owner: a file of nothing is refused.
        with pytest.raises(IntegrityError):
            db.session.execute(
                text(
                    "INSERT INTO evidence (id, sha256, name, media_type, size, uploaded_by_id, uploaded_at)"
                    " VALUES (2, :sha, 'x.jpg', 'image/jpeg', 10, 1, :now)"
                ),
                {"now": now, "sha": "0" * 64},
            )
            db.session.commit()
        db.session.rollback()

        alembic_downgrade(revision="improvements_0001")
        db.session.remove()
        db.engine.dispose()
        assert "improvement_id" not in {column["name"] for column in inspect(db.engine).get_columns("evidence")}
        assert "improvement_id" not in _one_owner(db.engine) and "inspection_item_id" in _one_owner(db.engine)
        assert db.session.execute(text("SELECT count(*) FROM evidence")).scalar() == 0
        assert db.session.execute(text("SELECT count(*) FROM improvement")).scalar() == 1
        # (improvements_0001 itself is not listed: the management reviews' branch depends on it.)
        heads = {row[0] for row in db.session.execute(text("SELECT version_num FROM alembic_version"))}
        assert "improvements_0002" not in heads
        db.session.remove()

        upgrade()
        db.engine.dispose()
        assert "improvement_id" in {column["name"] for column in inspect(db.engine).get_columns("evidence")}
        assert "improvement_id" in _one_owner(db.engine)
        db.session.remove()
        db.engine.dispose()


# The demo ------------------------------------------------------------------------------------


def test_the_demo_observation_taken_round_keeps_its_check_as_a_file(app):
    from audits.demo import populate as audits_demo
    from audits.improvements import demo as improvements_demo
    from audits.improvements.models import Improvement
    from audits.services.programme import load_starter_programme
    from core.demo import populate_demo

    with app.app_context():
        populate_demo()
        load_starter_programme()
        audits_demo()
        improvements_demo.populate()
        improvements_demo.populate()
        db.session.commit()
        [item] = db.session.execute(db.select(Improvement).filter_by(stage="act")).scalars().all()
        assert item.site.code == "BJ01" and item.source == "audit_observation"
        [file] = item.evidence
        assert (file.name, file.media_type, file.uploaded_by_id) == (
            "test-drive-sample.pdf",
            "application/pdf",
            item.owner_id,
        )
