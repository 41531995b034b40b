"""Sites compared on a scored checklist: the ranking of the sites on one checklist version, their
scores over time, on the scores page, the API, the KPI pages and the group office's dashboard.

MAIN and NORTH are two sites; the group office (group.qo, group.auditor) audits both. The brand's
showroom standard is scored in points 0–2 with a pass mark of 80 % and one must-pass item; it
comes in version 1 and, later, version 2.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from audits.services import audits
from audits.services import score_comparison as comparison
from core.database import commit
from core.errors import Forbidden, NotFound
from core.plugins import Checklist, Question, Section, hookimpl
from core.testing import TEST_PASSWORD
from tests.audits.conftest import user

KEY = "rank.showroom"


class Brand:
    version = 1

    @hookimpl
    def register_checklists(self):
        return [
            Checklist(
                key=KEY,
                title="Brand showroom standard",
                area="SALES",
                version=self.version,
                scale="points_0_2",
                pass_threshold=80,
                sections=[Section(key="display", title="Display"), Section(key="process", title="Process")],
                questions=[
                    Question(key="cars", text="Display cars clean?", section="display"),
                    Question(key="prices", text="Prices shown?", section="display"),
                    Question(key="agreement", text="Test-drive agreement signed?", section="process", must_pass=True),
                    Question(key="followup", text="Follow-up call made?", section="process"),
                ],
            )
        ]


@pytest.fixture
def brand(app, register_plugin, users, make_user):
    from core.accounts.services import create_site

    plugin = register_plugin(Brand(), "rank")
    with app.app_context():
        create_site(None, "NORTH", "North")
        commit()
    make_user("group.qo", "quality_officer", department="QUALITY", site=None, display_name="Gao Group")
    make_user("group.auditor", "auditor", department="TRAINING", site=None, display_name="Guo Auditor")
    make_user("north.qo", "quality_officer", department="QUALITY", site="NORTH", display_name="Niu North")
    return plugin


def _audit(site: str, when: datetime, points: dict[str, int], *, report: bool = True, close: bool = False):
    """An audit of the brand standard at ``site`` started at ``when``, with ``points`` per question
    (the others given full points), reported (and closed) unless told otherwise."""
    with time_machine.travel(when, tick=False):
        audit = audits.plan_audit(
            user("group.qo"),
            title=f"Brand audit at {site}",
            site=site,
            departments=["SALES"],
            scope="Showroom",
            criteria=[],
            lead_auditor="group.auditor",
            auditors=[],
            planned_date=when.date(),
            checklists=[KEY],
        )
        commit()
        audits.start_audit(user("group.auditor"), audit, row_version=audit.row_version)
        commit()
        for item in audit.items:
            given = points.get(item.question_key, 2)
            audits.record_result(
                user("group.auditor"),
                audit,
                item,
                result="conforming" if given == 2 else "minor_nc",
                note="seen",
                points=given,
                row_version=item.row_version,
            )
            commit()
        if report:
            audits.report_audit(
                user("group.auditor"),
                audit,
                summary="Done",
                conclusion="See findings",
                password=TEST_PASSWORD,
                row_version=audit.row_version,
            )
            commit()
        if close:
            audits.close_audit(user("group.qo"), audit, row_version=audit.row_version)
            commit()
    return audit.reference


def _new_version(app, plugin, version: int):
    """The brand publishes a new version of its standard: the plugin is upgraded."""
    from core.plugin_engine import manager

    plugin.version = version
    manager.unregister("rank", app=app)
    manager.register(plugin, "rank", app=app)


JAN = datetime(2026, 1, 12, 2, 0, tzinfo=UTC)
FEB = datetime(2026, 2, 9, 2, 0, tzinfo=UTC)
MAR = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
APR = datetime(2026, 4, 13, 2, 0, tzinfo=UTC)


@pytest.fixture
def scored(app, brand):
    """Version 1: MAIN 62.5 % (Jan) then 100 % (Feb, closed); NORTH 87.5 % (Jan), its Mar audit still
    running at 25 %. Version 2: NORTH 100 % (Apr)."""
    with app.app_context():
        refs = {
            "main_jan": _audit("MAIN", JAN, {"prices": 0, "followup": 1}),
            "main_feb": _audit("MAIN", FEB, {}, close=True),
            "north_jan": _audit("NORTH", JAN, {"followup": 1, "cars": 1}),
            "north_running": _audit("NORTH", MAR, {"cars": 0, "prices": 0, "followup": 0}, report=False),
        }
        _new_version(app, brand, 2)
        refs["north_v2"] = _audit("NORTH", APR, {})
    return refs


def test_the_ranking_puts_the_best_latest_score_first(app, scored):
    with app.app_context():
        ranking = comparison.site_ranking(user("group.qo"), KEY, 1)
    assert [(r.rank, r.site.code, r.score, r.passed, r.audit) for r in ranking] == [
        (1, "MAIN", 100.0, True, scored["main_feb"]),
        (2, "NORTH", 75.0, False, scored["north_jan"]),
    ]
    # NORTH's January audit: 75 % on display (1 of 2 on cars) and on process (1 of 2 on the follow-up).
    assert ranking[1].must_pass_failed == 0
    assert ranking[0].date.isoformat() == "2026-02-09"


def test_a_running_audit_counts_nowhere(app, scored):
    with app.app_context():
        history = comparison.score_history(user("group.qo"), KEY, 1)
    north = next(line for line in history if line.site.code == "NORTH")
    assert [p.audit for p in north.points] == [scored["north_jan"]]
    assert scored["north_running"] not in {p.audit for line in history for p in line.points}


def test_versions_are_never_mixed_in_a_ranking(app, scored):
    with app.app_context():
        group = user("group.qo")
        second = comparison.site_ranking(group, KEY, 2)
        assert [(r.site.code, r.score, r.audit) for r in second] == [("NORTH", 100.0, scored["north_v2"])]
        # The history of every version says which version each point is of.
        north = next(line for line in comparison.score_history(group, KEY) if line.site.code == "NORTH")
        assert [(p.audit, p.version) for p in north.points] == [(scored["north_jan"], 1), (scored["north_v2"], 2)]
        listed = [(c.key, c.version, c.audits) for c in comparison.scored_checklists(group)]
        # The most recently audited first.
        assert listed == [(KEY, 2, 1), (KEY, 1, 3)]
        # Without a version, the comparison is of the newest.
        assert comparison.comparison(group, KEY).version == 2


def test_history_is_each_sites_scores_over_time(app, scored):
    with app.app_context():
        history = comparison.score_history(user("group.qo"), KEY, 1)
    assert [(line.site.code, [(p.date.isoformat(), p.score) for p in line.points]) for line in history] == [
        ("MAIN", [("2026-01-12", 62.5), ("2026-02-09", 100.0)]),
        ("NORTH", [("2026-01-12", 75.0)]),
    ]


def test_every_site_is_ranked_for_every_reader_but_an_audit_opens_only_in_scope(app, scored):
    """A score is published across the group like a KPI value; the audit record stays in scope."""
    with app.app_context():
        for reader in ("qo", "north.qo", "group.qo"):
            ranking = comparison.site_ranking(user(reader), KEY, 1)
            assert sorted(r.site.code for r in ranking) == ["MAIN", "NORTH"]
        mine = {r.site.code: r.audit for r in comparison.site_ranking(user("qo"), KEY, 1)}
        assert mine["MAIN"] is not None and mine["NORTH"] is None
        history = {line.site.code: line.points for line in comparison.score_history(user("qo"), KEY)}
        assert all(p.audit is None for p in history["NORTH"]) and all(p.audit for p in history["MAIN"])
        assert {c.version for c in comparison.scored_checklists(user("qo"))} == {1, 2}
        with pytest.raises(Forbidden):
            comparison.scored_checklists(user("staff"))


def test_an_unknown_checklist_or_version_is_not_found(app, scored):
    with app.app_context():
        with pytest.raises(NotFound):
            comparison.comparison(user("group.qo"), "rank.nothing")
        with pytest.raises(NotFound):
            comparison.comparison(user("group.qo"), KEY, 3)


def test_equal_scores_share_a_rank_in_site_order(app, brand):
    with app.app_context():
        _audit("NORTH", JAN, {"followup": 1})
        _audit("MAIN", JAN, {"followup": 1})
        ranking = comparison.site_ranking(user("group.qo"), KEY, 1)
    assert [(r.rank, r.site.code, r.score) for r in ranking] == [(1, "MAIN", 87.5), (1, "NORTH", 87.5)]


# ---------------------------------------------------------------- the page


def _rows(html: str, table: str) -> list[str]:
    body = html.split(f'class="data {table}"', 1)[1].split("</tbody>", 1)[0]
    return [row for row in body.split("<tr>")[2:]]


def test_the_scores_page_ranks_the_sites_with_charts(scored, client_as):
    html = client_as("group.qo").get(f"/audits/scores?checklist={KEY}&version=1").get_data(as_text=True)
    rows = _rows(html, "score-ranking")
    assert ["MAIN" in rows[0], "NORTH" in rows[1]] == [True, True]
    assert "100.0 %" in rows[0] and "score-passed" in rows[0] and scored["main_feb"] in rows[0]
    assert "75.0 %" in rows[1] and "score-failed" in rows[1] and "2026-01-12" in rows[1]
    # The ranking's bars and the lines over time, drawn inline.
    assert html.count("<svg") == 2
    assert "ranking of the sites" in html and "scores over time" in html
    # The picker offers both versions.
    assert f"checklist={KEY}&amp;version=2" in html


def test_the_scores_page_opens_on_the_most_recently_audited_version(scored, client_as):
    html = client_as("group.qo").get("/audits/scores").get_data(as_text=True)
    assert [scored["north_v2"] in row for row in _rows(html, "score-ranking")] == [True]


def test_a_site_user_sees_every_sites_score_and_opens_only_their_own_audits_and_staff_none(scored, client_as):
    html = client_as("qo").get(f"/audits/scores?checklist={KEY}&version=1").get_data(as_text=True)
    rows = _rows(html, "score-ranking")
    assert len(rows) == 2
    main, north = sorted(rows, key=lambda row: "NORTH" in row)
    assert "MAIN" in main and 'href="/audits/IA-' in main
    assert "NORTH" in north and "href=" not in north and "<td>—</td>" in north
    assert client_as("staff").get("/audits/scores").status_code == 403
    assert client_as("group.qo").get("/audits/scores?checklist=rank.nothing").status_code == 404


def test_the_audit_and_the_audit_list_link_to_the_comparison(scored, client_as):
    client = client_as("group.qo")
    audit_page = client.get(f"/audits/{scored['main_feb']}").get_data(as_text=True)
    assert f"/audits/scores?checklist={KEY}&amp;version=1" in audit_page
    assert "/audits/scores" in client.get("/audits/").get_data(as_text=True)


# ---------------------------------------------------------------- the API


def test_the_api_lists_the_scored_versions_and_gives_a_comparison(scored, api_as):
    api = api_as("group.qo")
    listed = api.get("/api/v1/audit-scores").get_json()
    assert [(c["checklist"], c["version"], c["audits"]) for c in listed] == [(KEY, 2, 1), (KEY, 1, 3)]
    assert listed[0]["title"] == "Brand showroom standard" and listed[0]["pass_threshold"] == 80
    found = api.get(f"/api/v1/audit-scores/{KEY}?version=1").get_json()
    assert found["checklist"] == KEY and found["version"] == 1 and found["title"] == "Brand showroom standard"
    assert found["ranking"] == [
        {
            "rank": 1,
            "site": "MAIN",
            "score": 100.0,
            "passed": True,
            "must_pass_failed": 0,
            "audit": scored["main_feb"],
            "date": "2026-02-09",
        },
        {
            "rank": 2,
            "site": "NORTH",
            "score": 75.0,
            "passed": False,
            "must_pass_failed": 0,
            "audit": scored["north_jan"],
            "date": "2026-01-12",
        },
    ]
    assert [(line["site"], [p["score"] for p in line["points"]]) for line in found["history"]] == [
        ("MAIN", [62.5, 100.0]),
        ("NORTH", [75.0]),
    ]
    assert api.get(f"/api/v1/audit-scores/{KEY}").get_json()["version"] == 2


def test_the_api_ranks_every_site_gives_audits_in_scope_and_says_what_is_unknown(scored, api_as):
    ranking = api_as("north.qo").get(f"/api/v1/audit-scores/{KEY}?version=1").get_json()["ranking"]
    assert {row["site"]: row["audit"] is not None for row in ranking} == {"MAIN": False, "NORTH": True}
    missing = api_as("group.qo").get(f"/api/v1/audit-scores/{KEY}?version=7")
    assert missing.status_code == 404 and missing.content_type.startswith("application/problem+json")
    assert "version 7" in missing.get_json()["detail"]
    assert api_as("staff").get("/api/v1/audit-scores").status_code == 403


# ---------------------------------------------------------------- the KPI pages and the dashboard


def _panel(html: str, title: str) -> str:
    assert title in html, f"no panel {title!r}"
    return html.split(title, 1)[1].split("</section>", 1)[0]


def test_the_kpi_page_shows_the_sites_score_and_rank(scored, client_as):
    group = client_as("group.qo")
    north = _panel(group.get("/metrics/?site=NORTH&area=SALES").get_data(as_text=True), "Audit scores compared")
    # NORTH's latest version is 2, where it is alone; on the KPI page of MAIN, version 1.
    assert "rank 1 of 1" in north and "100.0 %" in north and f"{KEY} v2" in north
    main = _panel(group.get("/metrics/?site=MAIN").get_data(as_text=True), "Audit scores compared")
    assert "rank 1 of 2" in main and f"{KEY} v1" in main and f"checklist={KEY}&amp;version=1" in main
    # A site's people see their place among all the sites, as the group office does.
    own = _panel(client_as("qo").get("/metrics/?site=MAIN").get_data(as_text=True), "Audit scores compared")
    assert "rank 1 of 2" in own
    # Another area has no scored audit: no panel.
    assert "Audit scores compared" not in group.get("/metrics/?site=MAIN&area=AFTERSALES").get_data(as_text=True)


def test_the_group_offices_dashboard_ranks_the_sites(scored, client_as):
    panel = _panel(client_as("group.qo").get("/").get_data(as_text=True), "Sites ranked by audit score")
    version_2, version_1 = panel.split(f"{KEY} v1")
    assert "1. NORTH" in version_2 and "MAIN" not in version_2
    assert version_1.index("1. MAIN") < version_1.index("2. NORTH")
    # A site's quality officer has the KPI pages; the group ranking is the group office's.
    assert "Sites ranked by audit score" not in client_as("qo").get("/").get_data(as_text=True)


def test_a_ranking_costs_the_same_few_queries_however_many_audits(app, brand, scored):
    from tests.audits.test_hot_path import statements

    def ranked() -> int:
        with statements(app) as seen, app.app_context():
            reader = user("group.qo")
            seen.clear()
            comparison.site_ranking(reader, KEY, 1)
            comparison.comparison(reader, KEY, 1)
        return len(seen)

    before = ranked()
    with app.app_context():
        _new_version(app, brand, 1)
        for month in (5, 6, 7):
            _audit("MAIN", datetime(2026, month, 11, 2, 0, tzinfo=UTC), {"cars": 1})
        assert comparison.site_ranking(user("group.qo"), KEY, 1)[0].score == 87.5
    assert ranked() == before <= 10


def test_a_chinese_reader_reads_the_comparison_in_chinese(app, scored, client_as):
    from core.accounts.services import user_by_login

    with app.app_context():
        user_by_login("group.qo").locale = "zh_CN"
        commit()
    client = client_as("group.qo")
    page = client.get(f"/audits/scores?checklist={KEY}&version=1").get_data(as_text=True)
    assert "审核得分：门店对比" in page and "排名" in page and "通过" in page
    panel = _panel(client.get("/metrics/?site=MAIN").get_data(as_text=True), "审核得分门店对比")
    assert "排名第 1（共 2 家）" in panel
    assert "门店审核得分排名" in client.get("/").get_data(as_text=True)
