"""core.plugins.submission_count and metric_values: a month's figures for a dashboard panel without
reading the month's submissions."""

from datetime import UTC, datetime

import pytest

from core.accounts.services import site_by_code
from core.plugins import NotFound, count_text, metric_values, submission_count, submit_forms
from plugins.sales import computations


def lead(source, minutes, drove):
    return {
        "received_at": "2026-03-02T09:15:00",
        "source": source,
        "customer_name": "Wang Fang",
        "customer_phone": "138 0013 8000",
        "consultant": "Li Lei",
        "model": "Sedan 2.0",
        "response_minutes": minutes,
        "test_drive": drove,
        "privacy_notice": True,
        "marketing_consent": False,
    }


MARCH = [
    lead("walk_in", 3, True),
    lead("walk_in", 5, False),
    lead("phone", 5, True),
    lead("website", 12, False),
    lead("walk_in", 5, True),
]


def _submit(leads, when, site="MAIN", by="staff"):
    submit_forms(
        [
            {"form_key": "sales.lead_log", "data": data, "site": site, "submitted_by": by, "submitted_at": when}
            for data in leads
        ]
    )


def test_the_count_of_a_month_with_and_without_a_field_value(app, users, make_user):
    from core.accounts.services import create_site
    from core.database import commit

    make_user("group.staff", "staff", department="SALES", site=None)
    with app.app_context():
        create_site(None, "NORTH", "North dealership")
        commit()
    with app.test_request_context():
        _submit(MARCH, datetime(2026, 3, 10, 4, tzinfo=UTC))
        # Other months and other sites are not counted.
        _submit([lead("walk_in", 5, True)] * 2, datetime(2026, 2, 10, 4, tzinfo=UTC))
        _submit([lead("walk_in", 5, True)] * 3, datetime(2026, 3, 10, 4, tzinfo=UTC), "NORTH", "group.staff")
        site = site_by_code("MAIN")

        def expected(**where):
            return sum(1 for entry in MARCH if all(entry[field] == value for field, value in where.items()))

        assert submission_count("sales.lead_log", site, "2026-03") == len(MARCH) == 5
        for where in ({"test_drive": True}, {"test_drive": False}, {"source": "walk_in"}, {"response_minutes": 5}):
            assert submission_count("sales.lead_log", site, "2026-03", where=where) == expected(**where), where
        both = {"source": "walk_in", "response_minutes": 5}
        assert submission_count("sales.lead_log", site, "2026-03", where=both) == expected(**both) == 2
        assert submission_count("sales.lead_log", site, "2026-04") == 0
        with pytest.raises(TypeError):
            submission_count("sales.lead_log", site, "2026-03", where={"response_minutes": 5.0})
        assert count_text(5) == "5" and count_text(1_001) == "1,000+"


def test_a_metrics_value_is_computed_before_it_is_read(app, users):
    with app.test_request_context():
        site = site_by_code("MAIN")
        keys = ("sales.lead_response_time", "sales.test_drive_ratio", "sales.nps")
        assert metric_values(keys, site, "2026-03") == dict.fromkeys(keys)
        _submit(MARCH, datetime(2026, 3, 10, 4, tzinfo=UTC))
        # The submissions left their month pending: the read computes it first, never a stale value.
        values = metric_values(keys, site, "2026-03")
        assert values["sales.lead_response_time"] == round(computations.mean_response_minutes(MARCH), 1) == 6.0
        assert values["sales.test_drive_ratio"] == round(computations.test_drive_ratio(MARCH), 1) == 66.7
        assert values["sales.nps"] is None  # no survey answers
        _submit([lead("walk_in", 30, False)], datetime(2026, 3, 11, 4, tzinfo=UTC))
        assert metric_values(["sales.lead_response_time"], site, "2026-03") == {"sales.lead_response_time": 10.0}
        with pytest.raises(NotFound):
            metric_values(["sales.no_such_metric"], site, "2026-03")
