"""Pages whose cost and size do not grow with the data (issue #20): counts stop at 1,000 and read
"1,000+", the dashboard draws a few charts whatever the areas contribute, and the trail page
reads its events' records in one query per kind."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.plugins import DashboardPanel, Metric, Task, TaskList, hookimpl
from tests.forms.test_schedules import ROUTINE, Routine
from tests.statements import statements_of_page
from tests.test_web_i18n import switch

# ------------------------------------------------------------------ counts past a thousand


def _dues_for(app, login: str, count: int) -> None:
    """``count`` open dues of a daily form, one a day back from today, assigned to ``login``."""
    from core.accounts.services import site_by_code, user_by_login
    from core.database import commit, db
    from core.forms import schedules
    from core.forms.models import FormDue
    from core.rhythm import site_today

    with app.app_context():
        site = site_by_code("MAIN")
        today = site_today(site)
        schedule = schedules.create_schedule(
            user_by_login("head"),
            site="MAIN",
            form=ROUTINE,
            frequency="daily",
            starts_on=today - timedelta(days=count),
            assignee=login,
        )
        assignee = user_by_login(login)
        db.session.add_all(
            FormDue(
                schedule_id=schedule.id,
                site_id=site.id,
                department_id=schedule.department_id,
                form_key=ROUTINE,
                occurs_on=today - timedelta(days=day),
                assignee_id=assignee.id,
                state="open",
            )
            for day in range(count)
        )
        commit()


@pytest.fixture
def routine(app, users, register_plugin):
    register_plugin(Routine(), "routine")
    return users


def test_more_than_a_thousand_tasks_read_1000_plus_in_english_and_chinese(app, routine, client_as, make_user):
    make_user("busy", "staff", department="SALES")
    _dues_for(app, "busy", 1_200)
    client = client_as("busy")
    page = client.get("/").get_data(as_text=True)
    # The inbox's heading and its footer: the count stops, the page says so.
    assert 'Waiting for you <span class="badge">1,000+</span>' in page
    assert "5 of 1,000+ shown." in page
    # The menu's badge, fetched after the page, reads the same as the heading: never "99+" beside "1,000+".
    assert client.get("/tasks/count").get_json() == {"count": 1_001, "text": "1,000+", "label": "1,000+ waiting"}
    assert "1,200" not in page
    switch(client, "zh_CN", "/")
    chinese = client.get("/").get_data(as_text=True)
    assert '<span class="badge">1,000+</span>' in chinese and '<html lang="zh-CN">' in chinese
    assert client.get("/tasks/count").get_json()["label"] == "1,000+ 项待办"
    # The inbox page and the command line say the same.
    assert '<span class="badge">1,000+</span>' in client.get("/tasks/").get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["tasks", "--as", "busy"])
    assert result.exit_code == 0 and result.output.strip().endswith("1,000+ task(s) waiting for busy.")


def test_a_thousand_tasks_or_fewer_are_counted_exactly(app, routine, client_as, make_user):
    make_user("busy", "staff", department="SALES")
    _dues_for(app, "busy", 1_000)
    page = client_as("busy").get("/").get_data(as_text=True)
    assert 'Waiting for you <span class="badge">1,000</span>' in page and "1,000+" not in page


def test_the_menus_badge_and_the_inbox_heading_write_the_same_count(app, routine, client_as, make_user):
    make_user("busy", "staff", department="SALES")
    _dues_for(app, "busy", 100)
    client = client_as("busy")
    assert 'Waiting for you <span class="badge">100</span>' in client.get("/").get_data(as_text=True)
    assert client.get("/tasks/count").get_json() == {"count": 100, "text": "100", "label": "100 waiting"}
    _dues_for(app, "busy", 900)
    assert 'Waiting for you <span class="badge">1,000</span>' in client.get("/").get_data(as_text=True)
    assert client.get("/tasks/count").get_json() == {"count": 1_000, "text": "1,000", "label": "1,000 waiting"}


def test_the_inbox_shows_the_first_of_each_kind_and_every_task_a_page_at_a_time(app, routine, client_as, make_user):
    """The inbox page shows the first five of each kind under its count: each area builds five of
    each of its kinds, not fifty (the large demo's quality officer: 206 built, 50 shown). The
    kind's own pages list them all, fifty at a time."""
    import re

    from core.forms.tasks import FILL
    from core.tasks.services import INBOX_SIZE, KIND_SHOWN

    make_user("busy", "staff", department="SALES")
    _dues_for(app, "busy", 60)
    client = client_as("busy")
    page = client.get("/tasks/").get_data(as_text=True)
    assert KIND_SHOWN == 5 and page.count('<li class="task') == 5
    assert f'<a href="/tasks/?kind={FILL}">Form due</a> <span class="badge badge-muted">60</span>' in page
    assert "5 of 60 shown." in page and "All of this kind" in page

    first = client.get(f"/tasks/?kind={FILL}").get_data(as_text=True)
    assert INBOX_SIZE == 50 and first.count('<li class="task') == 50
    assert f'href="/tasks/?page=2&amp;kind={FILL}" rel="next"' in first
    second = client.get(f"/tasks/?kind={FILL}&page=2").get_data(as_text=True)
    assert second.count('<li class="task') == 10 and 'rel="next"' not in second and 'rel="prev"' in second
    # Every task can be reached: the two pages list each of the sixty once.
    titles = re.findall(r'class="task-title" href="([^"]+)">([^<]+)<', first + second)
    assert len(titles) == 60
    dues = re.findall(r'<span class="task-kind">([^<]+) —', first + second)
    assert len(set(dues)) == 60


class TwoKindsOfWork:
    """45 tyres to fit due first, then 15 to check; the limit asked is kept."""

    asked: list[int] = []

    @hookimpl
    def user_tasks(self, user, kind, limit):
        from datetime import date, timedelta

        self.asked.append(limit)

        def tasks(key, label, number, first):
            return [
                Task(
                    kind=key,
                    kind_label=label,
                    title=f"{label} {n}",
                    url=f"/p/{n}",
                    why="Yours",
                    due=first + timedelta(days=n),
                )
                for n in range(number)
            ]

        fits = tasks("tyres.fit", "Fit tyres", 45, date(2026, 1, 1))
        checks = tasks("tyres.check", "Check tyres", 15, date(2026, 6, 1))
        parts = {"tyres.fit": fits, "tyres.check": checks}
        return TaskList.joined(
            {key: TaskList(found[:limit], total=len(found)) for key, found in parts.items() if kind in (None, key)}
        )


def test_the_inbox_asks_each_area_for_the_first_of_each_kind_and_heads_them_with_their_count(
    app, users, client_as, register_plugin
):
    work = TwoKindsOfWork()
    work.asked = []
    register_plugin(work, "tyres")
    page = client_as("staff").get("/tasks/").get_data(as_text=True)
    assert 5 in work.asked and not [limit for limit in work.asked if limit > 5]
    assert '<a href="/tasks/?kind=tyres.fit">Fit tyres</a> <span class="badge badge-muted">45</span>' in page
    assert '<a href="/tasks/?kind=tyres.check">Check tyres</a> <span class="badge badge-muted">15</span>' in page
    # The kinds by their first due, each its earliest five.
    assert page.index("Fit tyres 4<") < page.index("Check tyres 0<") < page.index("Check tyres 4<")
    assert "Fit tyres 5<" not in page and "Check tyres 5<" not in page
    assert "5 of 45 shown." in page and "5 of 15 shown." in page and "5 of 60" not in page
    # The kind's own page lists them all and says how many there are.
    checks = client_as("staff").get("/tasks/?kind=tyres.check").get_data(as_text=True)
    assert checks.count('<li class="task') == 15 and "shown." not in checks and 'rel="next"' not in checks


def test_a_kind_whose_area_gives_no_count_is_shown_without_one(app, users, client_as, register_plugin):
    class Uncounted:
        @hookimpl
        def user_tasks(self, user, kind, limit):
            listed = [
                Task(kind="tyres.fit", kind_label="Fit tyres", title=f"Fit {n}", url=f"/p/{n}", why="Yours")
                for n in range(9)
            ]
            return TaskList(listed[:limit], total=len(listed))

    register_plugin(Uncounted(), "tyres")
    page = client_as("staff").get("/tasks/").get_data(as_text=True)
    assert '<a href="/tasks/?kind=tyres.fit">Fit tyres</a></h3>' in page
    assert page.count('<li class="task') == 5 and "All of this kind" in page
    assert 'Waiting for you <span class="badge">9</span>' in page


# ------------------------------------------------------------------ the dashboard's charts

# More chart panels than the dashboard draws, each with a year of values.
CHARTED = 8


def _metric(number: int) -> Metric:
    return Metric(
        key=f"flat.metric_{number}",
        name=f"Flat metric {number}",
        unit="%",
        direction="higher",
        target=90,
        warning=80,
        area="SALES",
    )


class ManyCharts:
    @hookimpl
    def register_metrics(self):
        return [_metric(number) for number in range(CHARTED)]

    @hookimpl
    def dashboard_panels(self, site, user):
        return [DashboardPanel(title=f"Trend {number}", chart=f"flat.metric_{number}") for number in range(CHARTED)]

    @hookimpl
    def kpi_panels(self, site, area, user):
        return self.dashboard_panels(site, user)


def _year_of_values(app) -> None:
    """Twelve months of each metric: metrics 5 and 6 end off target, the others on target."""
    from core.accounts.services import site_by_code
    from core.clock import add_months, current_period
    from core.database import commit
    from core.metrics import services

    with app.app_context():
        site = site_by_code("MAIN")
        for number in range(CHARTED):
            metric = services.definition(f"flat.metric_{number}")
            for back in range(12, 0, -1):
                latest = back == 1
                value = 60 + back if latest and number in (5, 6) else 92 + (back % 5)
                services.record(None, metric, site, add_months(current_period(), -back), value)
        commit()


def _panels(page: str) -> dict[int, str]:
    found = {}
    for number in range(CHARTED):
        assert f"<h2>Trend {number}</h2>" in page, "every panel is there"
        found[number] = page[page.index(f"<h2>Trend {number}</h2>") :].split("</section>")[0]
    return found


def test_the_kpi_page_draws_the_charts_furthest_from_target_and_the_dashboard_none(
    app, users, client_as, register_plugin
):
    from core.web.dashboard import CHARTS_DRAWN

    register_plugin(ManyCharts(), "flat")
    _year_of_values(app)
    client = client_as("qo")
    # The KPI page: the two off target are drawn; the rest say where they stand and link to their trend.
    panels = _panels(client.get("/metrics/?site=MAIN").get_data(as_text=True))
    drawn = [number for number, panel in panels.items() if '<div class="chart">' in panel]
    assert drawn == [5, 6] and CHARTS_DRAWN == 2
    assert "On target" in panels[0] and 'href="/metrics/flat.metric_0?site=MAIN">See the trend</a>' in panels[0]
    # The dashboard: every panel, none drawn (the off-target KPI tiles above carry their sparklines).
    page = client.get("/").get_data(as_text=True)
    assert len(page.encode()) <= 60 * 1024, f"{len(page.encode()) / 1024:.1f} KB"
    panels = _panels(page)
    assert not any('<div class="chart">' in panel for panel in panels.values())
    assert "Off target" in panels[5] and 'href="/metrics/flat.metric_5?site=MAIN">See the trend</a>' in panels[5]


def test_the_dashboard_shows_the_first_off_target_kpis_and_how_many_there_are(app, users, client_as, register_plugin):
    from core.web.dashboard import KPIS_SHOWN

    class Many(ManyCharts):
        @hookimpl
        def register_metrics(self):
            return [_metric(number) for number in range(KPIS_SHOWN + 3)]

        @hookimpl
        def dashboard_panels(self, site, user):
            return []

    register_plugin(Many(), "flat")
    from core.accounts.services import site_by_code
    from core.clock import add_months, current_period
    from core.database import commit
    from core.metrics import services

    with app.app_context():
        site = site_by_code("MAIN")
        for number in range(KPIS_SHOWN + 3):
            metric = services.definition(f"flat.metric_{number}")
            for back in range(1, 4):
                services.record(None, metric, site, add_months(current_period(), -back), 50)
        commit()
    page = client_as("qo").get("/").get_data(as_text=True)
    kpis = page[page.index('id="kpi-heading"') :].split("</section>")[0]
    assert kpis.count('<tr class="kpi kpi-red">') == KPIS_SHOWN
    assert f"{KPIS_SHOWN} of {KPIS_SHOWN + 3} shown." in kpis and 'href="/metrics/?site=MAIN"' in kpis


def test_a_sparkline_is_a_line_and_a_dot(app, users, client_as, register_plugin):
    register_plugin(ManyCharts(), "flat")
    _year_of_values(app)
    page = client_as("qo").get("/metrics/?site=MAIN").get_data(as_text=True)
    spark = page[page.index('class="kpi-spark"><svg') :]
    spark = spark[: spark.index("</svg>") + 6]
    assert "<polyline" in spark and "<circle" in spark and "<title>Flat metric" in spark
    assert len(spark) < 700, "a few hundred bytes per tile, not matplotlib's two kilobytes"


# ------------------------------------------------------------------ the trail page


def test_the_trail_page_reads_its_records_in_a_fixed_number_of_statements(app, users, client_as, register_plugin):
    """A page of events about many measurements reads them at once, not one (or two) per event."""
    from core.accounts.services import site_by_code
    from core.clock import add_months, current_period
    from core.database import commit
    from core.metrics import services

    register_plugin(ManyCharts(), "flat")
    client = client_as("qo")

    def record(metrics: range) -> None:
        with app.app_context():
            site = site_by_code("MAIN")
            for number in metrics:
                metric = services.definition(f"flat.metric_{number}")
                for back in range(1, 6):
                    services.record(None, metric, site, add_months(current_period(), -back), 90)
            commit()

    record(range(1))
    statements_of_page(app, client, "/trail")
    few = statements_of_page(app, client, "/trail")
    record(range(1, CHARTED))
    page = client.get("/trail").get_data(as_text=True)
    assert page.count("Flat metric") >= 2 * 5, "the events name their measurements"
    # Fewer kinds of record on the page (its 50 events are now all measurements): fewer queries.
    assert statements_of_page(app, client, "/trail") <= few


# ------------------------------------------------------------------ a head's own actions


def test_a_heads_dashboard_lists_their_earliest_actions_and_counts_the_rest(app, users, client_as):
    """A head of a large site owns hundreds of actions: the panel shows the first 20 by due date,
    counts them all in its title and links to the list of them all."""
    from audits.plugin import PANEL_ROWS
    from audits.services import actions
    from audits.services import nonconformities as ncs
    from core.accounts.services import user_by_login
    from core.clock import today
    from core.database import commit
    from tests.audits.test_nonconformities import FIVE_WHY

    owned = PANEL_ROWS + 5
    with app.app_context():
        head = user_by_login("head")
        nc = ncs.raise_nonconformity(
            user_by_login("qo"),
            title="Slow greeting",
            description="Ten minutes",
            severity="major",
            site="MAIN",
            department="SALES",
        )
        ncs.transition(head, nc, to="contained", containment="At the door", row_version=nc.row_version)
        ncs.transition(head, nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
        for day in range(owned):
            actions.add_action(
                head, nc, description=f"Step {day:02d}", owner="head", due_date=today() + timedelta(days=day + 1)
            )
        commit()
    page = client_as("head").get("/").get_data(as_text=True)
    panel = page[page.index(f"<h2>My corrective actions ({owned})</h2>") :]
    panel = panel[: panel.index("</section>")]
    assert panel.count("<li>") == PANEL_ROWS
    assert "Step 00" in panel and f"Step {PANEL_ROWS - 1:02d}" in panel and f"Step {PANEL_ROWS:02d}" not in panel
    assert '<a href="/actions/mine">My actions</a>' in panel


def test_the_dashboard_s_kpi_tiles_take_every_area_in_turn_its_worst_first():
    from core.plugin_engine.types import Kpi
    from core.web.dashboard import every_area_first

    tiles = [
        *(Kpi(label=f"after-sales {n}", value="1", group="After-sales", status="red") for n in range(10)),
        Kpi(label="sales amber", value="1", group="Sales", status="amber"),
        Kpi(label="sales red", value="1", group="Sales", status="red"),
        *(Kpi(label=f"training {n}", value="1", group="Training", status="red") for n in range(6)),
    ]
    shown = every_area_first(tiles, 7)
    labels = [tile.label for tile in shown]
    # Each area is on the dashboard; sales shows its red tile before its amber one; the tiles
    # keep the plugins' order so that an area's stay together.
    assert labels == [
        "after-sales 0",
        "after-sales 1",
        "after-sales 2",
        "sales amber",
        "sales red",
        "training 0",
        "training 1",
    ]
    assert [tile.label for tile in every_area_first(tiles, 3)] == ["after-sales 0", "sales red", "training 0"]
    assert every_area_first(tiles, 100) == tiles
