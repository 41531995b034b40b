"""``core.plugins.table_totals`` and ``submissions_between(..., where=...)``: a panel's sums over
a form's table rows and its filter, made by the database (issue #20: a year of a busy site's
campaign evaluations was decoded on every dashboard to add up their channels)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from core.accounts.services import site_by_code
from core.database import db
from core.plugins import submissions_between, submit_forms, table_totals
from tests.plugins_marketing.test_marketing import EVALUATION_A, EVALUATION_B, PLAN

EVALUATION = "marketing.campaign_evaluation"


def _submitted(form_key, site, month, *datas, by="staff"):
    submit_forms(
        [
            {
                "form_key": form_key,
                "data": data,
                "site": site,
                "submitted_by": by,
                "submitted_at": datetime(2026, month, 3, 9, tzinfo=UTC),
            }
            for data in datas
        ]
    )


def _channels(*rows):
    return {**EVALUATION_B, "channels": [{"leads": 1, **row} for row in rows]}


def test_the_table_rows_are_summed_by_their_field_in_the_window_and_at_the_site(app, users, make_user):
    from core.accounts.services import create_site
    from core.database import commit

    make_user("group.staff", "staff", department="MARKETING", site=None)
    with app.app_context():
        create_site(None, "NORTH", "North dealership")
        commit()
    with app.test_request_context():
        _submitted(EVALUATION, "MAIN", 2, EVALUATION_A, _channels({"source": "website", "spend": 2500.5, "sales": 1}))
        _submitted(EVALUATION, "MAIN", 3, EVALUATION_B)
        # Outside the window, and at another site: not counted.
        _submitted(EVALUATION, "MAIN", 5, _channels({"source": "website", "spend": 99, "sales": 9}))
        _submitted(EVALUATION, "NORTH", 3, _channels({"source": "website", "spend": 77, "sales": 7}), by="group.staff")
        main = site_by_code("MAIN")
        assert main.id  # loaded before the statements are counted
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        totals = table_totals(
            EVALUATION,
            main,
            "2026-01",
            "2026-04",
            table="channels",
            by="source",
            fields=("spend", "sales"),
        )
        assert totals == {
            "website": (12500.5, 6.0),
            "event": (20000.0, 5.0),
            "platform": (6000.0, 2.0),
        }
        # One statement, no submission decoded: what a dashboard reads whatever the year holds.
        # (besides the tables' tokens, read once a request: core.answer_cache)
        selects = [s for s in statements if s.lstrip().startswith("SELECT") and "table_generation" not in s]
        assert len(selects) == 1
        assert (
            table_totals(
                EVALUATION, site_by_code("MAIN"), "2025-01", "2025-12", table="channels", by="source", fields=("spend",)
            )
            == {}
        )
        with pytest.raises(ValueError, match="at least one field"):
            table_totals(
                EVALUATION, site_by_code("MAIN"), "2026-01", "2026-12", table="channels", by="source", fields=()
            )


def test_a_window_of_submissions_keeps_those_whose_field_has_the_value(app, users):
    with app.test_request_context():
        _submitted(
            "marketing.campaign_plan",
            "MAIN",
            4,
            {**PLAN, "campaign": "Reviewed"},
            {**PLAN, "campaign": "Not reviewed", "legal_review": False},
        )
        site = site_by_code("MAIN")
        unreviewed = submissions_between(
            "marketing.campaign_plan", site, "2026-04", "2026-04", where={"legal_review": False}
        )
        assert [plan["campaign"] for plan in unreviewed] == ["Not reviewed"]
        both = submissions_between("marketing.campaign_plan", site, "2026-04", "2026-04")
        assert [plan["campaign"] for plan in both] == ["Reviewed", "Not reviewed"]
        with pytest.raises(TypeError, match="bool, int or str"):
            submissions_between("marketing.campaign_plan", site, "2026-04", "2026-04", where={"budget": 1.5})
