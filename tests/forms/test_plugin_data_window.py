"""core.plugins.submissions_between: a window of months in one read, for dashboard panels."""

from datetime import UTC, datetime

from sqlalchemy import event

from core.accounts.services import site_by_code
from core.database import db
from core.plugins import submissions_between, submissions_url, submit_forms


def risk(risk_id):
    return {
        "risk_id": risk_id,
        "risk": "Price war",
        "category": "competition",
        "likelihood": 3,
        "impact": 4,
        "owner": "Chen Jing",
        "controls": "Weekly price watch",
        "treatment": "reduce",
        "review_date": "2030-01-31",
        "status": "open",
    }


def test_the_months_of_the_window_in_one_query_oldest_first(app, users):
    with app.test_request_context():
        months = {"R-dec": (2024, 12), "R-jan": (2025, 1), "R-mar": (2025, 3), "R-apr": (2025, 4)}
        submit_forms(
            [
                {
                    "form_key": "risk.register_entry",
                    "data": risk(key),
                    "site": "MAIN",
                    "submitted_by": "staff",
                    "submitted_at": datetime(year, month, 15, 9, tzinfo=UTC),
                }
                for key, (year, month) in reversed(months.items())
            ]
        )
        site = site_by_code("MAIN")
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        found = submissions_between("risk.register_entry", site, "2025-01", "2025-03")
        assert [entry["risk_id"] for entry in found] == ["R-jan", "R-mar"]
        assert len(statements) == 1
        assert [e["risk_id"] for e in submissions_between("risk.register_entry", site, "2024-12", "2025-04")] == [
            "R-dec",
            "R-jan",
            "R-mar",
            "R-apr",
        ]
        assert submissions_url("risk.register_entry", site) == "/forms/risk.register_entry/submissions?site=MAIN"
