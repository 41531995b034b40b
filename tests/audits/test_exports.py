"""Spreadsheet exports of the audit pages and the blank checklist to print: what a quality
officer downloads is what the page shows them (its filters, their scope, their language), and a
note that looks like a formula never runs in their spreadsheet."""

import io
import subprocess
from datetime import UTC, datetime

import pytest
import time_machine
from openpyxl import load_workbook

from audits.services import actions as action_services
from audits.services import nonconformities as ncs
from core.accounts.services import user_by_login
from core.clock import today
from core.database import commit
from core.times import zone_of
from tests.audits.conftest import planned, record, started
from tests.audits.test_nonconformities import FIVE_WHY

pytestmark = pytest.mark.usefixtures("cast")

QUESTION_ZH = "执行各程序文件的员工是否已确认阅读其现行版本？"


def _workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.get_data()))


def _rows(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _csv(response) -> str:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return text.removeprefix("\ufeff")


def _pdf_text(response, tmp_path) -> str:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    path = tmp_path / "checklist.pdf"
    path.write_bytes(response.get_data())
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


def _reader(app, login, locale):
    with app.app_context():
        user_by_login(login).locale = locale
        commit()


def test_audit_results_as_xlsx_keep_a_formula_looking_note_as_text(app, client_as):
    with app.app_context():
        audit = started()
        record(audit, 0, "conforming", note="=SUM(1)")
        record(audit, 1, "minor_nc", note="No test drive log")
        reference = audit.reference
        nc_reference = audit.items[1].nonconformity.reference
    client = client_as("qo")
    workbook = _workbook(client.get(f"/audits/{reference}/results.xlsx"))
    sheet = workbook[reference]
    rows = _rows(sheet)
    assert rows[0] == [
        "Checklist",
        "Position",
        "Question",
        "Reference",
        "Result",
        "Note",
        "Answered by",
        "Answered at",
        "Nonconformity",
        "Nonconformity state",
    ]
    first, second, third = rows[1:4]
    assert first[:6] == [
        "Showroom",
        1,
        "Is every visitor greeted within two minutes?",
        "SA-PR-001 §2",
        "Conforming",
        "=SUM(1)",
    ]
    # The note is the text typed, stored as a string: the spreadsheet shows it and runs nothing.
    assert sheet.cell(row=2, column=6).data_type == "s"
    assert first[6] == "Aiden Auditor" and first[7] is not None
    assert second[4] == "Minor NC" and second[8] == nc_reference and second[9] == "open"
    assert third[4] is None and third[8] is None
    assert len(rows) == 4

    text = _csv(client.get(f"/audits/{reference}/results.csv"))
    # In CSV the same note is written with a leading quote: spreadsheets read it as text.
    assert ",'=SUM(1)," in text
    assert text.splitlines()[0].startswith("Checklist,Position,Question,Reference,Result,Note,")


def test_audit_results_and_the_blank_checklist_are_hidden_from_who_cannot_see_the_audit(app, client_as):
    with app.app_context():
        reference = started().reference
    staff = client_as("staff")
    for ending in ("results.xlsx", "results.csv", "checklist.pdf"):
        assert staff.get(f"/audits/{reference}/{ending}").status_code == 404
    # The list exports follow the list page: who may read no audit is told so.
    assert staff.get("/audits/export.xlsx").status_code == 403


def test_audit_list_export_holds_the_rows_the_filters_select(app, client_as):
    with app.app_context():
        running = started().reference
        waiting = planned(title='=HYPERLINK("x")').reference
    client = client_as("qo")
    rows = _rows(_workbook(client.get("/audits/export.xlsx?state=planned")).active)
    assert rows[0][:8] == [
        "Reference",
        "Title",
        "Site",
        "Departments",
        "Planned date",
        "Lead auditor",
        "Auditors",
        "State",
    ]
    assert [row[0] for row in rows[1:]] == [waiting]
    assert rows[1][7] == "planned" and rows[1][3] == "SALES"
    # A planned date is a date in the spreadsheet, to sort by.
    assert rows[1][4].date() == planned_date(app, waiting)
    every = _csv(client.get("/audits/export.csv"))
    assert running in every and waiting in every
    assert "'=HYPERLINK" in every
    assert running not in _csv(client.get("/audits/export.csv?state=planned"))


def planned_date(app, reference):
    from audits.services import audits

    with app.app_context():
        return audits.audit_by_reference(reference).planned_date


def test_nonconformity_export_follows_filters_and_scope(app, client_as):
    with app.app_context():
        audit = started()
        record(audit, 0, "minor_nc", note="Nobody greeted")
        record(audit, 1, "major_nc", note="No log")
        minor, major = audit.items[0].nonconformity.reference, audit.items[1].nonconformity.reference
    client = client_as("qo")
    rows = _rows(_workbook(client.get("/nonconformities/export.xlsx")).active)
    assert {row[0] for row in rows[1:]} == {minor, major}
    assert rows[0][:3] == ["Reference", "Title", "Severity"]
    by_reference = {row[0]: row for row in rows[1:]}
    assert by_reference[major][2] == "major" and by_reference[major][9] == audit_reference(app, major)
    assert by_reference[major][10] == "open"
    assert major not in _csv(client.get("/nonconformities/export.csv?severity=major&state=closed"))
    # Staff see the NCs they raised or own: none of these.
    staff_rows = _rows(_workbook(client_as("staff").get("/nonconformities/export.xlsx")).active)
    assert staff_rows[1:] == []


def audit_reference(app, nc_reference):
    from audits.services import nonconformities

    with app.app_context():
        return nonconformities.nc_by_reference(nc_reference).audit.reference


def test_my_actions_export_lists_my_actions_in_my_language(app, client_as):
    with app.app_context():
        audit = started()
        record(audit, 0, "minor_nc", note="Nobody greeted")
        nc = audit.items[0].nonconformity
        qo = user_by_login("qo")
        ncs.transition(qo, nc, to="contained", containment="Desk staffed", row_version=nc.row_version)
        ncs.transition(qo, nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
        action_services.add_action(qo, nc, description="=cmd|' /C calc'!A0", owner="staff", due_date=today())
        commit()
        label = nc.actions[0].label
    _reader(app, "staff", "zh_CN")
    rows = _rows(_workbook(client_as("staff").get("/actions/mine.xlsx")).active)
    assert rows[0][6] == "状态"
    assert [row[0] for row in rows[1:]] == [label]
    assert rows[1][2] == "=cmd|' /C calc'!A0"
    text = _csv(client_as("staff").get("/actions/mine.csv"))
    assert "'=cmd|" in text


def test_blank_checklist_pdf_of_a_planned_and_a_started_audit(app, client_as, tmp_path):
    with app.app_context():
        waiting = planned().reference
        running = started().reference
    client = client_as("qo")
    for reference in (waiting, running):
        text = _pdf_text(client.get(f"/audits/{reference}/checklist.pdf"), tmp_path)
        assert reference in text
        assert "Is every visitor greeted within two minutes?" in text
        assert "Watch the entrance for 15 minutes." in text and "SA-PR-001 §2" in text
        assert "Aiden Auditor" in text and "Minor NC" in text


def test_blank_checklist_pdf_reads_in_chinese_for_a_chinese_reader(app, client_as, tmp_path):
    with app.app_context():
        reference = started(
            title="Quality system audit", departments=["QUALITY"], auditors=[], checklists=["audits.quality_system"]
        ).reference
    _reader(app, "qo", "zh_CN")
    text = _pdf_text(client_as("qo").get(f"/audits/{reference}/checklist.pdf"), tmp_path)
    assert QUESTION_ZH.rstrip("？") in text.replace("\n", "")


def test_times_are_on_the_readers_clock(app, client_as):
    moment = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    with app.app_context(), time_machine.travel(moment, tick=False):
        audit = started()
        record(audit, 0, "conforming")
        reference = audit.reference
        wall = moment.astimezone(zone_of(audit.site)).replace(tzinfo=None)
    client = client_as("qo")
    rows = _rows(_workbook(client.get(f"/audits/{reference}/results.xlsx")).active)
    # A real date-time in the workbook (sortable), on the wall clock of the reader's site.
    assert rows[1][7] == wall
    assert f",{wall:%Y-%m-%d %H:%M}," in _csv(client.get(f"/audits/{reference}/results.csv"))
