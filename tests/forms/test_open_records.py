"""Register forms (``Form.register``) and ``core.plugins.open_records_between``: the entries of
the records still open, without decoding the closed ones' — what a dashboard panel of open
complaints or risks reads, however long the register's history (issue #20)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from core.accounts.services import site_by_code
from core.database import db
from core.plugins import DefinitionError, Field, Form, Register, hookimpl, open_records_between, submit_forms
from tests.forms.test_plugin_data_window import risk

STATUS = Field(key="status", label="Status", type="select", required=True, choices=[("open", "Open"), ("done", "Done")])
CASE = Field(key="case", label="Case")


def _entries(*entries):
    """Risk register entries (risk ID, status) at MAIN, an hour apart in January 2026, in this order."""
    submit_forms(
        [
            {
                "form_key": "risk.register_entry",
                "data": risk(risk_id) | {"status": status},
                "site": "MAIN",
                "submitted_by": "staff",
                "submitted_at": datetime(2026, 1, 2, 9, tzinfo=UTC) + timedelta(hours=hour),
            }
            for hour, (risk_id, status) in enumerate(entries)
        ]
    )


def test_the_open_records_entries_come_oldest_first_without_the_closed_ones(app, users):
    with app.test_request_context():
        _entries(
            ("R-1", "open"),
            ("R-2", "open"),
            (" r-1 ", "open"),  # the same record: its key without spaces and case (the form strips them)
            ("R-2", "closed"),
            ("R-3", "closed"),
            ("R-3", "open"),  # re-opened: its latest entry decides
            ("R-4", "open"),
            ("R-4", "closed"),
        )
        site = site_by_code("MAIN")
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        found = open_records_between("risk.register_entry", site, "2026-01", "2026-01")
        assert [entry["risk_id"] for entry in found] == ["R-1", "r-1", "R-3", "R-3"]
        # The keys and states, then the open records' entries: two statements whatever the history.
        # (besides the tables' tokens, read once a request: core.answer_cache)
        assert len([statement for statement in statements if "table_generation" not in statement]) == 2
        # A window that starts after a record's closing entry sees it open.
        assert open_records_between("risk.register_entry", site, "2025-01", "2025-12") == []


def test_open_records_of_a_register_are_what_folding_its_whole_history_finds(app, users):
    """The risk matrix's register, read through the open records, is the one the whole history gives."""
    from core.plugins import submissions_between
    from plugins.risk import computations

    with app.test_request_context():
        _entries(*[(f"R-{n % 7}", "closed" if n % 3 == 0 else "open") for n in range(40)])
        site = site_by_code("MAIN")
        every = computations.current_register(submissions_between("risk.register_entry", site, "2026-01", "2026-12"))
        kept = computations.current_register(open_records_between("risk.register_entry", site, "2026-01", "2026-12"))
        assert kept == every and every


def test_a_form_that_is_no_register_is_refused(app, users):
    with app.test_request_context(), pytest.raises(ValueError, match="not a register form"):
        open_records_between("sales.survey", site_by_code("MAIN"), "2026-01", "2026-01")


def test_a_register_names_a_key_field_and_a_select_status_offering_its_closed_values():
    form = Form(key="x.cases", title="Cases", fields=[CASE, STATUS], register=Register(key="case", closed=("done",)))
    assert form.register.key == "case" and form.register.status == "status"
    with pytest.raises(DefinitionError, match="register's key 'number' is not a field"):
        Form(key="x.cases", title="Cases", fields=[CASE, STATUS], register=Register(key="number", closed=("done",)))
    with pytest.raises(DefinitionError, match="must be a select field offering \\['closed'\\]"):
        Form(key="x.cases", title="Cases", fields=[CASE, STATUS], register=Register(key="case"))
    with pytest.raises(DefinitionError, match="must be a select field"):
        Form(key="x.cases", title="Cases", fields=[CASE, STATUS], register=Register(key="case", status="case"))
    with pytest.raises(DefinitionError, match="closed must name at least one status value"):
        Register(key="case", closed=())


class CaseFile:
    """A register whose updates are typed in late at times: the update of the latest date is the case's state."""

    @staticmethod
    @hookimpl
    def register_forms():
        return [
            Form(
                key="cases.file",
                title="Case file",
                fields=[CASE, Field(key="updated_on", label="Updated on", type="date", required=True), STATUS],
                register=Register(key="case", current_by="updated_on", closed=("done",)),
            )
        ]


def test_a_registers_current_entry_may_be_the_one_of_the_latest_date_not_the_last_typed(app, users, register_plugin):
    register_plugin(CaseFile(), "cases")
    with app.test_request_context():
        typed = [
            ("K-1", "2026-01-05", "open"),
            ("K-1", "2026-01-09", "done"),
            ("K-1", "2026-01-07", "open"),  # typed last, about an earlier day: K-1 stays done
            ("K-2", "2026-01-09", "done"),
            ("K-2", "2026-01-09", "open"),  # the same day: the last typed decides
            ("K-3", "2026-01-03", "open"),
        ]
        submit_forms(
            [
                {
                    "form_key": "cases.file",
                    "data": {"case": case, "updated_on": day, "status": status},
                    "site": "MAIN",
                    "submitted_by": "staff",
                    "submitted_at": datetime(2026, 1, 10, 9, tzinfo=UTC) + timedelta(hours=hour),
                }
                for hour, (case, day, status) in enumerate(typed)
            ]
        )
        found = open_records_between("cases.file", site_by_code("MAIN"), "2026-01", "2026-01")
        assert [(entry["case"], entry["updated_on"]) for entry in found] == [
            ("K-2", "2026-01-09"),
            ("K-2", "2026-01-09"),
            ("K-3", "2026-01-03"),
        ]


@pytest.mark.parametrize(
    ("current_by", "refusal"),
    [("case", "current_by 'case' must be a date field"), ("when", "register's current_by 'when' is not a field")],
)
def test_a_registers_current_by_is_a_date_field_of_the_form(current_by, refusal):
    with pytest.raises(DefinitionError, match=refusal):
        Form(
            key="x.cases",
            title="C",
            fields=[CASE, STATUS],
            register=Register(key="case", current_by=current_by, closed=("done",)),
        )
