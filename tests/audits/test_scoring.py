"""Scored audits: checklists defined with a scale, sections, weights and must-pass items; the audit's
score per section and overall against hand-worked examples; points entered on the page and through
the API; a running audit keeping the scoring it started with."""

import io
import re
import uuid

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect

from audits import scoring
from audits.models import AuditChecklist, AuditItem
from audits.services import audits
from core.database import commit, db
from core.errors import ValidationFailed
from core.plugins import Checklist, DefinitionError, Question, Section, hookimpl
from tests.audits.conftest import started, user

pytestmark = pytest.mark.usefixtures("cast")


class Brand:
    """A brand's showroom standard: two weighted sections, one must-pass item."""

    scale = "points_0_2"
    threshold = 80

    @hookimpl
    def register_checklists(self):
        return [
            Checklist(
                key="brand.showroom",
                title="Brand showroom standard",
                area="SALES",
                scale=self.scale,
                pass_threshold=self.threshold,
                sections=[
                    Section(key="display", title="Display"),
                    Section(key="process", title="Process", weight=3),
                ],
                questions=[
                    Question(key="cars", text="Display cars clean?", section="display"),
                    Question(key="prices", text="Prices shown?", section="display", weight=3),
                    Question(key="brochures", text="Brochures stocked?", section="display", weight=2),
                    Question(key="agreement", text="Test-drive agreement signed?", section="process", must_pass=True),
                    Question(key="followup", text="Follow-up call made?", section="process"),
                    Question(key="survey", text="Survey sent?", section="process"),
                ],
            )
        ]


@pytest.fixture
def brand(app, register_plugin):
    plugin = Brand()
    register_plugin(plugin, "brand")
    return plugin


def _started_brand_audit():
    return started(checklists=["brand.showroom"])


def _answer(audit, key, result, points=None, note="seen"):
    item = next(i for i in audit.items if i.question_key == key)
    audits.record_result(
        user("auditor"), audit, item, result=result, note=note, points=points, row_version=item.row_version
    )
    commit()
    return item


# ---------------------------------------------------------------- the definition


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Section(key="a", title="A", weight=0), "weight must be a number greater than 0"),
        (lambda: Question(key="q", text="Q", weight=-1), "weight must be a number greater than 0"),
        (lambda: Question(key="q", text="Q", must_pass="yes"), "must_pass must be True or False"),
        (
            lambda: Checklist(key="x.y", title="T", scale="stars", questions=[Question(key="q", text="Q")]),
            "scale must be one of grades, yes_no, points_0_2, points_0_3, percent",
        ),
        (
            lambda: Checklist(
                key="x.y",
                title="T",
                scale="percent",
                sections=[Section(key="a", title="A")],
                questions=[Question(key="q", text="Q", section="b")],
            ),
            "question 'q' names section 'b', which is not one of the checklist's sections (a)",
        ),
        (
            lambda: Checklist(
                key="x.y",
                title="T",
                scale="percent",
                sections=[Section(key="a", title="A")],
                questions=[Question(key="q", text="Q")],
            ),
            "question 'q' names no section",
        ),
        (
            lambda: Checklist(
                key="x.y", title="T", scale="yes_no", pass_threshold=120, questions=[Question(key="q", text="Q")]
            ),
            "pass_threshold must be a percent from 0 to 100",
        ),
        (
            lambda: Checklist(
                key="x.y",
                title="T",
                scale="percent",
                grade_points={"great": 1.0},
                questions=[Question(key="q", text="Q")],
            ),
            "grade_points: unknown grade 'great'",
        ),
        (
            lambda: Checklist(key="x.y", title="T", questions=[Question(key="q", text="Q", must_pass=True)]),
            "need a scored scale",
        ),
    ],
)
def test_a_malformed_scoring_definition_says_what_is_wrong(make, message):
    with pytest.raises(DefinitionError, match=re.escape(message)):
        make()


def test_a_checklist_is_answered_in_grades_unless_it_says_otherwise():
    checklist = Checklist(key="x.y", title="T", questions=[Question(key="q", text="Q")])
    assert checklist.scale == "grades" and not checklist.scored
    scored = Checklist(
        key="x.y", title="T", scale="yes_no", grade_points={"ofi": 0.0}, questions=[Question(key="q", text="Q")]
    )
    assert scored.points_per_grade["ofi"] == 0.0 and scored.points_per_grade["conforming"] == 1.0


# ---------------------------------------------------------------- hand-worked scores


def _checklist(scale="points_0_2", threshold=None, sections=None, grade_points=None):
    return AuditChecklist(
        key="brand.showroom",
        title="Showroom",
        scale=scale,
        pass_threshold=threshold,
        sections=sections,
        grade_points=grade_points or dict(scoring._DEFAULT_GRADE_POINTS),
    )


def _item(section="", weight=1.0, result=None, points=None, must_pass=False):
    return AuditItem(section=section, weight=weight, result=result, points=points, must_pass=must_pass, text="Q")


SECTIONS = [
    {"key": "display", "title": "Display", "weight": 1.0},
    {"key": "process", "title": "Process", "weight": 3.0},
]


def test_weights_na_and_section_weights_by_hand(ctx):
    checklist = _checklist(threshold=70, sections=SECTIONS)
    items = [
        _item("display", 1, "conforming", points=2),  # 1.0 × 1
        _item("display", 3, "ofi", points=1),  # 0.5 × 3
        _item("display", 2, "not_applicable"),  # out of the denominator
        _item("process", 1, "conforming"),  # grade: 1.0
        _item("process", 1, "ofi"),  # grade: 0.5
        _item("process", 1),  # not answered yet: counts nowhere
    ]
    score = scoring.score_checklist(checklist, items)
    display, process = score.sections
    # Display: (1 + 1.5) / (1 + 3) = 62.5 %; process: (1 + 0.5) / 2 = 75 %.
    assert display.score == pytest.approx(62.5) and (display.counted, display.items) == (2, 3)
    assert process.score == pytest.approx(75.0) and (process.counted, process.items) == (2, 3)
    # Overall: (1 × 62.5 + 3 × 75) / 4 = 71.875 %, above the pass mark of 70.
    assert score.score == pytest.approx(71.875)
    assert score.passed is True and score.failed_must_pass == []


def test_a_failed_must_pass_item_fails_the_audit_whatever_the_score(ctx):
    checklist = _checklist(threshold=50, sections=SECTIONS)
    must = _item("process", 1, "minor_nc", must_pass=True)  # a nonconformity on a must-pass item
    items = [
        _item("display", 1, "conforming"),
        _item("process", 1, "conforming"),
        must,
    ]
    score = scoring.score_checklist(checklist, items)
    # Display 100 %; process (1 + 0.5) / 2 = 75 %; overall (100 + 3 × 75) / 4 = 81.25 %, above 50 %.
    assert score.score == pytest.approx(81.25)
    assert score.passed is False and score.failed_must_pass == [must]
    # Less than full points on a must-pass item fails it too; full points pass it.
    must.result, must.points = "conforming", 1
    assert scoring.score_checklist(checklist, items).passed is False
    must.points = 2
    assert scoring.score_checklist(checklist, items).passed is True


def test_percent_yes_no_and_the_checklists_own_grade_points(ctx):
    percent = scoring.score_checklist(
        _checklist("percent"),
        [_item(weight=1, result="conforming", points=80), _item(weight=2, result="ofi", points=60)],
    )
    # (0.8 × 1 + 0.6 × 2) / 3 = 66.67 %; without a pass mark or must-pass items there is no verdict.
    assert percent.score == pytest.approx(200 / 3) and percent.passed is None
    yes_no = scoring.score_checklist(
        _checklist("yes_no", threshold=75, grade_points={"conforming": 1, "observation": 1, "ofi": 1, "minor_nc": 0}),
        [_item(result="conforming"), _item(result="ofi"), _item(result="minor_nc"), _item(result="not_applicable")],
    )
    assert yes_no.score == pytest.approx(200 / 3) and yes_no.passed is False
    nothing = scoring.score_checklist(_checklist(threshold=80), [_item(result="not_applicable"), _item()])
    assert nothing.score is None and nothing.passed is None


# ---------------------------------------------------------------- audits


def test_an_audit_snapshots_its_scoring_and_keeps_it_when_the_plugin_changes(app, ctx, brand):
    audit = _started_brand_audit()
    checklist = audit.checklists[0]
    assert (checklist.scale, checklist.pass_threshold) == ("points_0_2", 80)
    assert [(s["key"], s["weight"]) for s in checklist.sections] == [("display", 1.0), ("process", 3.0)]
    assert all(checklist.translations[locale]["section:process"] for locale in checklist.translations)
    agreement = next(i for i in audit.items if i.question_key == "agreement")
    assert (agreement.section, agreement.weight, agreement.must_pass) == ("process", 1.0, True)
    brand.scale, brand.threshold = "percent", 95
    audit = audits.audit_by_reference(audit.reference)
    assert (audit.checklists[0].scale, audit.checklists[0].pass_threshold) == ("points_0_2", 80)


def test_points_are_checked_against_the_scale(app, ctx, brand):
    audit = _started_brand_audit()
    for points, message in [
        ("3", "whole points from 0 to 2"),
        ("1.5", "whole points from 0 to 2"),
        ("lots", "points must be a number from 0 to 2"),
        ("inf", "points must be a number from 0 to 2"),
        ("-1", "whole points from 0 to 2"),
    ]:
        with pytest.raises(ValidationFailed, match=message):
            _answer(audit, "cars", "conforming", points=points)
        db.session.rollback()
    with pytest.raises(ValidationFailed, match="not applicable takes no points"):
        _answer(audit, "cars", "not_applicable", points="1")
    db.session.rollback()
    assert _answer(audit, "cars", "conforming", points="2").points == 2.0
    assert _answer(audit, "cars", "conforming", points="").points is None


def test_points_on_a_checklist_answered_in_grades_are_refused(app, ctx):
    audit = started()
    item = audit.items[0]
    with pytest.raises(ValidationFailed, match="answered by the grade alone"):
        audits.record_result(
            user("auditor"), audit, item, result="conforming", points="2", row_version=item.row_version
        )
    db.session.rollback()
    assert scoring.score_audit(audits.audit_by_reference(audit.reference)).scored is False


def test_the_audit_page_takes_points_and_shows_the_score_as_results_are_entered(app, client_as, brand):
    with app.app_context():
        reference = _started_brand_audit().reference
    client = client_as("auditor")
    page = client.get(f"/audits/{reference}").get_data(as_text=True)
    assert page.count('name="points"') == 6 and "Points (0–2)" in page and "Must pass" in page
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def post(key, result, points, note="seen"):
        found = re.search(
            rf'id="item-(\d+)"[^>]*>\s*<h3>\d+\. {re.escape(key)}.*?name="row_version" value="(\d+)"',
            client.get(f"/audits/{reference}").get_data(as_text=True),
            re.S,
        )
        return client.post(
            f"/audits/{reference}/items/{found.group(1)}",
            data={"csrf_token": token, "result": result, "points": points, "note": note, "row_version": found.group(2)},
        )

    refused = post("Display cars clean?", "conforming", "5")
    assert refused.status_code == 422 and "whole points from 0 to 2" in refused.get_data(as_text=True)
    assert 'value="5"' in refused.get_data(as_text=True)
    assert post("Display cars clean?", "conforming", "2").status_code == 302
    assert post("Prices shown?", "ofi", "1").status_code == 302
    assert post("Test-drive agreement signed?", "minor_nc", "", note="Not signed").status_code == 302
    page = re.sub(r"\s+", " ", client.get(f"/audits/{reference}").get_data(as_text=True))
    # Display (2/2 × 1 + 1/2 × 3) / 4 = 62.5 %; process: the minor NC earns half = 50 %;
    # overall (62.5 + 3 × 50) / 4 = 53.1 %, and the must-pass item fails the audit.
    assert "62.5 %" in page and "50.0 %" in page and "53.1 %" in page
    assert "Failed" in page and "Must-pass items failed" in page

    report = re.sub(r"\s+", " ", client_as("auditor").get(f"/audits/{reference}/report").get_data(as_text=True))
    assert "53.1 %" in report and "Display" in report

    # The results export carries the score on its own sheet.
    workbook = load_workbook(io.BytesIO(client.get(f"/audits/{reference}/results.xlsx").data))
    score = [[cell for cell in row] for row in workbook["Score"].iter_rows(values_only=True)]
    assert score[1][0] == "Overall" and score[1][3] == 53.1 and score[1][6] == "Failed"
    assert ["Display", 1.0, 62.5] == [score[3][1], score[3][2], score[3][3]]
    assert score[-1][1] == "Must-pass item failed" and score[-1][6] == "Test-drive agreement signed?"


def test_the_api_gives_the_score_and_takes_points(app, api_as, brand):
    with app.app_context():
        reference = _started_brand_audit().reference
    auditor, staff = api_as("auditor"), api_as("staff")
    items = {i["question_key"]: i for i in auditor.get(f"/api/v1/audits/{reference}/items").json}
    assert items["agreement"]["must_pass"] is True and items["prices"]["weight"] == 3
    refused = auditor.put(
        f"/api/v1/audits/{reference}/items/{items['cars']['id']}",
        json={"result": "conforming", "points": 7, "row_version": items["cars"]["row_version"]},
    )
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "points"
    saved = auditor.put(
        f"/api/v1/audits/{reference}/items/{items['cars']['id']}",
        json={"result": "conforming", "points": 1, "row_version": items["cars"]["row_version"]},
    )
    assert saved.status_code == 200 and saved.json["points"] == 1
    score = auditor.get(f"/api/v1/audits/{reference}/score").json
    assert score["scored"] is True and score["overall"] == 50.0 and score["passed"] is False
    assert [(s["key"], s["score"]) for s in score["sections"]] == [("display", 50.0), ("process", None)]
    assert score["failed_must_pass"] == []
    assert auditor.get(f"/api/v1/audits/{reference}").json["score"] == score
    assert staff.get(f"/api/v1/audits/{reference}/score").status_code in (403, 404)


def test_the_migration_adds_the_scoring_columns_and_takes_them_away_again(tmp_path, empty_database):
    from flask_migrate import downgrade as alembic_downgrade

    from core import create_app
    from core.migration import upgrade
    from core.testing import PLUGIN_TEST_CONFIG

    folder = tmp_path / f"migrate-{uuid.uuid4().hex[:6]}"
    migrating = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database(None, folder),
            "SECRET_KEY": "migrate",
            "INSTANCE_PATH": str(folder / "instance"),
            **PLUGIN_TEST_CONFIG,
        }
    )

    def columns(table) -> set[str]:
        db.session.remove()
        db.engine.dispose()
        return {c["name"] for c in inspect(db.engine).get_columns(table)}

    with migrating.app_context():
        upgrade()
        assert {"scale", "pass_threshold", "grade_points", "sections"} <= columns("audit_checklist")
        assert {"weight", "section", "must_pass", "points"} <= columns("audit_item")
        alembic_downgrade(revision="audits_0007")
        assert "scale" not in columns("audit_checklist") and "points" not in columns("audit_item")
        upgrade()
        assert "points" in columns("audit_item")
        db.session.remove()
        db.engine.dispose()


def test_the_evidence_pack_shows_the_score_table_of_a_scored_checklist(app, ctx, brand):
    from audits.pack.content import gather
    from audits.pack.document import units

    audit = _started_brand_audit()
    _answer(audit, "cars", "conforming", points="2")
    _answer(audit, "agreement", "major_nc", note="Not signed")
    html = re.sub(r"\s+", " ", " ".join(str(u.html) for u in units(gather(audit))))
    # Display 100 %, process 0 %: (100 + 3 × 0) / 4 = 25 %, and the must-pass item failed.
    assert "25.0 %" in html and "pass mark 80 %" in html and "Failed" in html
    assert "Must-pass items failed" in html and "2 of 2 points given" in html


def test_a_chinese_reader_reads_the_score_and_the_sections_in_chinese(app, client_as):
    with app.app_context():
        audit = started(checklists=["sales.process"])
        reference = audit.reference
        item = next(i for i in audit.items if i.question_key == "greeting")
        audits.record_result(user("auditor"), audit, item, result="conforming", points="1", row_version=1)
        commit()
        user("auditor").locale = "zh_CN"
        commit()
    page = re.sub(r"\s+", " ", client_as("auditor").get(f"/audits/{reference}").get_data(as_text=True))
    assert "得分（0–2）" in page and "试乘试驾" in page and "展厅接待与需求咨询" in page
    assert "合格线：80%" in page and "50.0 %" in page
