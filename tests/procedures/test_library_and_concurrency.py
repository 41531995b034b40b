"""The starter library, library import/export, and the one-effective invariant
when two approvals race."""

import threading
from datetime import timedelta

import pytest

from core.clock import today
from core.database import commit, db
from procedures import library, services
from procedures.models import Procedure, Revision
from tests.procedures.conftest import approve, effective_procedure, user


def test_init_loads_the_starter_library_as_effective_system_approved_revisions(app):
    from core.maintenance import initialise

    with app.app_context():
        initialise(admin_password="correct horse battery staple")
        initialise(admin_password="correct horse battery staple")  # safe to repeat
        procedures = {p.code: p for p in db.session.execute(db.select(Procedure)).scalars()}
        assert {"QM-001", "QA-PR-001"} <= set(procedures)
        manual = procedures["QM-001"]
        [revision] = manual.revisions
        assert revision.state == "effective" and revision.approved_by_system
        assert "Customer first" in revision.body and manual.department.code == "QUALITY"
        assert manual.distribution["departments"] == [
            "AFTERSALES",
            "COMMS",
            "MARKETING",
            "QUALITY",
            "RISK",
            "SALES",
            "TRAINING",
        ]


@pytest.mark.usefixtures("people")
def test_export_then_import_creates_drafts_and_never_overwrites_effective_text(app, tmp_path):
    with app.app_context():
        procedure = effective_procedure()
        assert library.export_library(user("qo"), tmp_path) == 1
        exported = tmp_path / "SA-PR-001.md"
        parsed = library.parse(exported.read_text(), exported.name)
        assert (parsed.code, parsed.department, parsed.body) == ("SA-PR-001", "SALES", procedure.revisions[0].body)

        report = library.import_library(user("qo"), tmp_path)
        assert report.unchanged == ["SA-PR-001"]
        exported.write_text(exported.read_text() + "\n## Records\n\nVisitor log.\n")
        (tmp_path / "SA-WI-002.md").write_text(
            "---\ncode: SA-WI-002\ntitle: Test drive\ndepartment: SALES\nkind: work_instruction\n---\n# Test drive\n"
        )
        report = library.import_library(user("qo"), tmp_path)
        commit()
        assert (report.drafted, report.created) == (["SA-PR-001"], ["SA-WI-002"])
        procedure = services.procedure_by_code("SA-PR-001")
        assert procedure.revisions[0].state == "effective" and "Visitor log" not in procedure.revisions[0].body
        assert procedure.revisions[1].state == "draft" and "Visitor log" in procedure.revisions[1].body
        assert services.procedure_by_code("SA-WI-002").revisions[0].state == "draft"


def test_a_file_without_header_is_refused_with_its_name(tmp_path):
    from core.errors import ValidationFailed

    (tmp_path / "broken.md").write_text("# no header\n")
    with pytest.raises(ValidationFailed, match="broken.md"):
        library.read_folder(tmp_path)


def test_cli_import_and_export(app, people, tmp_path):
    runner = app.test_cli_runner()
    with app.app_context():
        effective_procedure()
    result = runner.invoke(args=["procedures", "export", str(tmp_path / "out"), "--as", "qo"])
    assert result.exit_code == 0 and "Exported 1 procedures" in result.output
    result = runner.invoke(args=["procedures", "import", str(tmp_path / "missing"), "--as", "qo"])
    assert result.exit_code == 1 and "is not a folder" in result.output and "Traceback" not in result.output
    result = runner.invoke(args=["procedures", "import", str(tmp_path / "out"), "--as", "nobody"])
    assert result.exit_code == 1 and "no user with login 'nobody'" in result.output


@pytest.mark.usefixtures("people")
def test_concurrent_activations_leave_exactly_one_effective_revision(app):
    """Two approved revisions of one procedure taking effect at the same moment."""
    with app.app_context():
        procedure = effective_procedure()
        tomorrow = today() + timedelta(days=1)
        draft = services.new_draft(user("qo2"), procedure, body="Variant A.", change_summary="A")
        services.submit(user("qo2"), draft, row_version=draft.row_version, effective_date=tomorrow)
        commit()
        approve(draft, "head", "qo")
        assert draft.state == "approved"
        # The service allows one open revision at a time; a second approved one
        # (data imported from an older system, say) is made directly, to race.
        from procedures.markdown import body_sha256

        db.session.add(
            Revision(
                procedure=procedure,
                number=3,
                title=procedure.title,
                body="Variant B.",
                body_sha256=body_sha256("Variant B."),
                state="approved",
                effective_date=tomorrow,
            )
        )
        commit()
        ids = [r.id for r in procedure.revisions[1:]]

    barrier, errors = threading.Barrier(2), []

    def activate(revision_id):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                services.make_effective(db.session.get(Revision, revision_id))
                commit()
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)

    threads = [threading.Thread(target=activate, args=(revision_id,)) for revision_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context():
        states = [r.state for r in services.procedure_by_code("SA-PR-001").revisions]
        assert states.count("effective") == 1 and states.count("superseded") == 2


def test_cli_apply_due_makes_waiting_revisions_effective(app, people):
    with app.app_context():
        procedure = make_procedure_waiting_until_tomorrow()
        revision = procedure.revisions[0]
        assert revision.state == "approved"
        revision.effective_date = today()  # the day has come
        commit()
    result = app.test_cli_runner().invoke(args=["procedures", "apply-due"])
    assert result.exit_code == 0 and "1 revision(s) took effect." in result.output
    with app.app_context():
        assert services.procedure_by_code("SA-PR-001").revisions[0].state == "effective"


def make_procedure_waiting_until_tomorrow():
    from tests.procedures.conftest import make_procedure

    procedure = make_procedure()
    first = procedure.revisions[0]
    services.submit(user("qo2"), first, row_version=first.row_version, effective_date=today() + timedelta(days=1))
    commit()
    approve(procedure.revisions[0], "head", "qo")
    return procedure
