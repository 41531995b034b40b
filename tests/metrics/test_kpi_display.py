"""What the KPI pages show: the last complete period by default (a partial one labelled "to
date"), values rounded by unit and written for the reader's locale, readable chart labels, and a
comparison that opens on a metric with values."""

import re

import pytest
from flask_babel import force_locale

from core.charts import trend_svg
from core.clock import add_months, current_period, last_complete_period
from core.metrics import dashboard, services
from core.plugin_engine.types import DefinitionError, Metric
from tests.metrics.test_web import record


def months(app):
    with app.app_context():
        return current_period(), last_complete_period()


def tile(page: str, key: str) -> str:
    """The HTML of the tile of metric ``key`` on a KPI page (the built-in areas have metrics of the same names)."""
    start = page.index(f'href="/metrics/{key}?site=MAIN"')
    return page[start : page.index("</li>", start)]


def test_tiles_show_the_last_complete_month_and_label_a_partial_one(app, users, sample, client_as, api_as):
    current, last = months(app)
    record(api_as, "sample.first_time_fix", last, 80)
    record(api_as, "sample.first_time_fix", current, 95)
    # Only this month so far: shown, but as the month to date.
    record(api_as, "sample.lead_response", current, 1)
    client = client_as("staff")

    page = client.get("/metrics/?site=MAIN").get_data(as_text=True)
    fix = tile(page, "sample.first_time_fix")
    assert ">80.0 <small>%</small>" in fix and f">{last}<" in fix and "to date" not in fix
    assert "Off target" in fix
    response = tile(page, "sample.lead_response")
    assert ">1.0 <small>min</small>" in response and f"{current}, month to date" in response

    # The picker still shows any month, this one labelled as partial.
    picked = client.get(f"/metrics/?site=MAIN&period={current}").get_data(as_text=True)
    fix = tile(picked, "sample.first_time_fix")
    assert ">95.0 <small>%</small>" in fix and f"{current}, month to date" in fix
    assert f'<option value="{current}" selected>{current}, month to date</option>' in picked
    earlier = client.get(f"/metrics/?site=MAIN&period={add_months(last, -1)}").get_data(as_text=True)
    assert ">—" in tile(earlier, "sample.first_time_fix")
    assert client.get("/metrics/?site=MAIN&period=soon").status_code == 404


def test_month_to_date_in_chinese(app, users, sample, client_as, api_as):
    current, _last = months(app)
    record(api_as, "sample.lead_response", current, 12.26)
    client = client_as("qo")
    with app.app_context():
        from core.accounts.services import user_by_login
        from core.database import db

        user_by_login("qo").locale = "zh_CN"
        db.session.commit()
    page = client.get("/metrics/?site=MAIN").get_data(as_text=True)
    assert f"{current}，本月至今" in page and ">12.3 <small>min</small>" in page


def test_values_are_rounded_by_unit_on_tiles_tables_and_charts(app, users, sample, client_as, api_as):
    _current, last = months(app)
    record(api_as, "sample.first_time_fix", add_months(last, -1), 83.33333)
    record(api_as, "sample.first_time_fix", last, 66.66667)
    client = client_as("qo")
    overview = client.get("/metrics/?site=MAIN").get_data(as_text=True)
    assert ">66.7 <small>%</small>" in tile(overview, "sample.first_time_fix")
    page = client.get("/metrics/sample.first_time_fix?site=MAIN").get_data(as_text=True)
    assert '<td class="num">83.3</td>' in page and '<td class="num">66.7</td>' in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert ">83.3<" in svg and ">66.7<" in svg
    assert "83.333" not in page and "66.666" not in page


def test_decimals_follow_the_unit_and_numbers_the_locale(app):
    def metric(unit, target=10, **extra):
        return Metric(key="t.m", name="M", unit=unit, direction="higher", target=target, **extra)

    with app.test_request_context():
        assert services.decimals(metric("%")) == 1
        assert services.decimals(metric("CNY", 100000)) == 0
        assert services.decimals(metric("minutes")) == 1
        assert services.decimals(metric("cases", 0)) == 0
        assert services.decimals(metric("/5", 4)) == 2
        assert services.decimals(metric("", 800)) == 0, "an index in the hundreds"
        assert services.decimals(metric("%", decimals=2)) == 2, "the plugin's say wins"
        money = metric("CNY", 100000)
        assert dashboard.value_text(money, 1234567.4) == "1,234,567"
        assert dashboard.value_text(metric("%"), -0.04) == "0.0"
        assert dashboard.value_text(metric("%"), None) == "—"
        with force_locale("de"):
            assert dashboard.value_text(money, 1234567.4) == "1.234.567"
            assert dashboard.value_text(metric("%"), 83.3333) == "83,3"


def test_metric_refuses_odd_decimals():
    with pytest.raises(DefinitionError, match="decimals"):
        Metric(key="t.m", name="M", unit="%", direction="higher", target=1, decimals=7)


def test_a_long_trend_labels_a_readable_number_of_points(app):
    periods = [add_months("2024-01", n) for n in range(36)]
    values = [80 + n / 3 for n in range(36)]
    svg = str(
        trend_svg(
            title="Long",
            periods=periods,
            values=values,
            target=90,
            warning=85,
            direction="higher",
            decimals=1,
            locale="en",
        )
    )
    labels = re.findall(r">(\d+\.\d)<", svg)
    assert 3 <= len(labels) <= 13, labels
    assert "91.7" in labels, "the latest point always carries its value"
    shown_periods = [period for period in periods if f">{period}<" in svg]
    assert periods[-1] in shown_periods and len(shown_periods) <= 13
    assert not re.search(r">\d+\.\d{3,}<", svg), "no unrounded label"


def test_comparison_opens_on_a_metric_with_values(app, users, sample, north, client_as, api_as):
    _current, last = months(app)
    # The first metric in the grid's order (first-time fix) has no values; lead response has.
    record(api_as, "sample.lead_response", last, 42.123)
    page = client_as("qo").get("/metrics/compare").get_data(as_text=True)
    assert '<option value="sample.lead_response" selected>' in page
    assert f'value="{last}"' in page and "<svg" in page
    assert '<td class="num">42.1</td>' in page


def test_quarters_and_years_are_named_as_readers_name_them(app):
    quarterly = Metric(key="t.q", name="Q", unit="%", direction="higher", target=1, period="quarter")
    yearly = Metric(key="t.y", name="Y", unit="%", direction="higher", target=1, period="year")
    with app.test_request_context():
        current = current_period()
        assert dashboard.period_label(quarterly, "2020-07") == "2020 Q3"
        assert dashboard.period_label(yearly, "2020-01") == "2020"
        this_quarter = services.period_start("quarter", current)
        quarter = (int(this_quarter[5:]) - 1) // 3 + 1
        assert dashboard.period_label(quarterly, this_quarter) == f"{current[:4]} Q{quarter}, quarter to date"
        with force_locale("zh_CN"):
            assert dashboard.period_label(quarterly, "2020-07") == "2020年第3季度"


def test_the_comparison_opens_by_asking_each_metric_in_turn_for_one_value(app, users, sample, north, api_as):
    """Listing every (metric, period) measured in the shown periods read every site's values of
    them, which grew with the sites (20 ms at ``large``, 50 sites). Each metric in the grid's order
    is asked for one value until one has it; the first that has is where the comparison opens."""
    from tests.statements import statements

    _current, last = months(app)
    record(api_as, "sample.lead_response", last, 42.123)
    with app.test_request_context():
        grid = [metric.key for metric in services.definitions()]
        with statements(app) as seen:
            metric, period = services.comparison_opening()
    assert (metric.key, period) == ("sample.lead_response", last)
    asked = [sql for sql in seen if "FROM measurement" in sql and "metric_key" in sql]
    # The metrics before lead response (none has a value), then lead response: no further one.
    assert len(asked) == grid.index("sample.lead_response") + 1
    assert all("LIMIT" in sql and "DISTINCT" not in sql for sql in asked)


def test_a_tile_shows_the_latest_value_however_long_ago_and_reads_the_old_ones_only_for_it(app, users, sample, api_as):
    """A tile shows the latest value of the months shown, or, for a metric with none in them, its
    latest before: asked of every metric, that latest grouped the site's whole history, which
    grows by a row per metric and month (issue #20)."""
    from sqlalchemy import event

    from core.accounts.services import site_by_code
    from core.database import db

    _, last = months(app)
    two_years_ago = add_months(last, -24)
    record(api_as, "sample.first_time_fix", two_years_ago, 70)
    record(api_as, "sample.first_time_fix", add_months(last, -1), 88)
    record(api_as, "sample.lead_response", two_years_ago, 45)

    grouped: list = []

    def note(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM measurement" in statement and "max(measurement.period)" in statement:
            grouped.append(parameters)

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            tiles = services.site_overview(site_by_code("MAIN"))
        finally:
            event.remove(engine, "before_cursor_execute", note)
    values = {t.metric.key: (t.latest.period, t.latest.value) for t in tiles if t.latest}
    assert values["sample.first_time_fix"] == (add_months(last, -1), 88)
    assert values["sample.lead_response"] == (two_years_ago, 45)
    # Positional on SQLite, by name on PostgreSQL.
    asked = [value for p in grouped for value in (p.values() if isinstance(p, dict) else p)]
    assert "sample.lead_response" in asked, "its latest is older than the months shown"
    assert "sample.first_time_fix" not in asked, "its latest is among the months shown"
