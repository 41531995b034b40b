"""Imported checklist libraries: versions, retiring, and one catalogue with the plugins'
checklists for audits, the programme, scheduled checks and the blank checklist PDF."""

from __future__ import annotations

import pytest
import yaml

from core.checklists import catalog, services
from core.checklists.format import parse, to_xlsx
from core.checklists.models import ChecklistVersion
from core.database import commit, db
from core.errors import Conflict, Forbidden, NotFound, TooLarge
from tests.audits.conftest import planned, started, user


def library(**changes) -> dict:
    """A small brand standard as a YAML file would hold it: two departments, two weighted sections."""
    content = {
        "key": "brand.lounge",
        "title": {"en": "Customer lounge standard", "zh_CN": "客户休息区标准"},
        "description": {"en": "The brand's lounge", "zh_CN": "品牌客户休息区"},
        "departments": ["SALES", "AFTERSALES"],
        "scale": "points_0_2",
        "pass_threshold": 80,
        "sections": [
            {"key": "lounge", "title": {"en": "Lounge", "zh_CN": "休息区"}, "weight": 2},
            {"key": "care", "title": {"en": "Customer care", "zh_CN": "客户关怀"}, "weight": 1},
        ],
        "questions": [
            {
                "key": "clean",
                "section": "lounge",
                "text": {"en": "Is the lounge clean?", "zh_CN": "休息区是否整洁？"},
                "guidance": {"en": "Look at the tables.", "zh_CN": "查看桌面。"},
                "reference": "CI 4.1",
                "weight": 1,
            },
            {
                "key": "drinks",
                "section": "lounge",
                "text": {"en": "Are drinks offered?", "zh_CN": "是否提供饮品？"},
                "weight": 2,
            },
            {
                "key": "prices",
                "section": "care",
                "text": {"en": "Are service prices displayed?", "zh_CN": "维修价格是否公示？"},
                "must_pass": True,
            },
        ],
    }
    content.update(changes)
    return content


def as_yaml(content: dict) -> bytes:
    return yaml.safe_dump(content, allow_unicode=True, sort_keys=False).encode("utf-8")


def imported(content=None, login="qo", filename="lounge.yaml"):
    row, created = services.import_file(user(login), filename, as_yaml(content or library()))
    commit()
    return row, created


@pytest.fixture
def ctx(app, users):
    with app.app_context():
        yield


# ---------------------------------------------------------------- versions


def test_importing_makes_version_1_and_the_catalogue_offers_it_like_a_plugins(ctx):
    row, created = imported()
    assert created and (row.key, row.version, row.source_filename) == ("brand.lounge", 1, "lounge.yaml")
    assert row.imported_by.login == "qo" and row.retired_at is None
    offered = catalog.checklists()
    assert "brand.lounge" in offered and "sales.process" in offered
    lounge = offered["brand.lounge"]
    assert lounge.version == 1 and lounge.scale == "points_0_2" and len(lounge.questions) == 3
    assert lounge.area == "SALES" and catalog.departments()["brand.lounge"] == ("SALES", "AFTERSALES")
    assert catalog.origin("brand.lounge") == "import" and catalog.origin("sales.process") == "sales"


def test_importing_the_same_content_again_is_unchanged_and_a_change_makes_version_2(ctx):
    first, _ = imported()
    again, created = imported(filename="lounge-copy.yml")
    assert not created and again.id == first.id
    changed = library(pass_threshold=85)
    second, created = imported(changed)
    assert created and second.version == 2
    assert catalog.checklist("brand.lounge").pass_threshold == 85
    assert [v.version for v in services.versions("brand.lounge")] == [2, 1]


def test_an_exported_file_imports_back_unchanged(ctx):
    imported()
    for kind in ("xlsx", "yaml"):
        filename, data, _media = services.export("brand.lounge", kind)
        assert filename == f"brand.lounge-v1.{kind}"
        row, created = services.import_file(user("qo"), filename, data)
        assert not created and row.version == 1


def test_retiring_the_current_version_offers_the_previous_one_and_then_none(ctx):
    imported()
    imported(library(pass_threshold=90))
    services.retire(user("qo"), "brand.lounge", 2)
    commit()
    assert catalog.checklist("brand.lounge").version == 1
    services.retire(user("admin"), "brand.lounge", 1)
    commit()
    assert catalog.checklist("brand.lounge") is None and catalog.origin("brand.lounge") is None
    with pytest.raises(Conflict, match="already retired"):
        services.retire(user("qo"), "brand.lounge", 1)
    with pytest.raises(NotFound):
        services.retire(user("qo"), "brand.lounge", 7)


def test_a_retired_checklist_cannot_be_chosen_for_a_new_audit(ctx):
    from core.errors import ValidationFailed

    imported()
    services.retire(user("qo"), "brand.lounge", 1)
    commit()
    with pytest.raises(ValidationFailed, match="unknown checklist 'brand.lounge'"):
        planned(checklists=["brand.lounge"])


def test_the_key_of_a_plugins_checklist_is_refused(ctx):
    with pytest.raises(services.ChecklistFileProblems) as refused:
        imported(library(key="sales.process"))
    assert any(p.column == "key" and "plugin" in p.message for p in refused.value.problems)
    assert db.session.execute(db.select(ChecklistVersion)).first() is None


def test_a_key_without_a_dot_is_refused(ctx):
    with pytest.raises(services.ChecklistFileProblems) as refused:
        imported(library(key="lounge"))
    assert [p.column for p in refused.value.problems] == ["key"]


def test_unknown_departments_are_located_problems_and_nothing_is_imported(ctx):
    with pytest.raises(services.ChecklistFileProblems) as refused:
        imported(library(departments=["SALES", "BODYSHOP"]))
    (problem,) = refused.value.problems
    assert problem.column == "departments" and "BODYSHOP" in problem.message
    assert db.session.execute(db.select(ChecklistVersion)).first() is None


def test_every_problem_of_a_bad_file_is_reported_and_nothing_imported(ctx):
    content = library()
    content["questions"][0]["weight"] = "heavy"
    content["questions"][1]["text"] = {"en": "Are drinks offered?"}
    with pytest.raises(services.ChecklistFileProblems) as refused:
        imported(content)
    assert len(refused.value.problems) >= 2
    assert len(refused.value.errors) == len(refused.value.problems)
    assert db.session.execute(db.select(ChecklistVersion)).first() is None


def test_a_file_over_the_limit_is_refused(app, ctx):
    app.config["CHECKLIST_IMPORT_MAX_BYTES"] = 100
    with pytest.raises(TooLarge):
        imported()


def test_only_quality_officers_and_the_administrator_import_and_retire(ctx):
    for login in ("head", "auditor", "staff"):
        with pytest.raises(Forbidden):
            imported(login=login)
    imported(login="admin")
    for login in ("head", "auditor", "staff"):
        with pytest.raises(Forbidden):
            services.retire(user(login), "brand.lounge", 1)


# ---------------------------------------------------------------- the rest of the product


def test_an_audit_started_on_version_1_keeps_its_questions_after_version_2(ctx):
    imported()
    audit = started(checklists=["brand.lounge"])
    changed = library()
    changed["questions"][0]["text"] = {"en": "Is the lounge spotless?", "zh_CN": "休息区是否一尘不染？"}
    imported(changed)
    db.session.expire_all()
    (snapshot,) = audit.checklists
    assert (snapshot.key, snapshot.version, snapshot.plugin) == ("brand.lounge", 1, "import")
    assert audit.items[0].text == "Is the lounge clean?"
    assert [i.weight for i in audit.items] == [1.0, 2.0, 1.0] and audit.items[2].must_pass
    assert snapshot.scale == "points_0_2" and snapshot.pass_threshold == 80
    later = started(checklists=["brand.lounge"], title="Second lounge audit")
    assert later.checklists[0].version == 2 and later.items[0].text == "Is the lounge spotless?"


def test_the_programme_suggests_an_import_for_each_of_its_departments(ctx):
    from audits.services import programme

    imported()
    assert "brand.lounge" in programme.suggested_checklists("SALES")
    assert "brand.lounge" in programme.suggested_checklists("AFTERSALES")
    assert "brand.lounge" not in programme.suggested_checklists("MARKETING")


def test_a_check_can_be_scheduled_on_an_imported_checklist_and_asks_its_questions(ctx):
    from audits.inspections import services as inspections
    from audits.inspections.models import Inspection
    from core.clock import utcnow

    imported()
    schedule = inspections.create_schedule(
        user("qo"), site="MAIN", checklist="brand.lounge", frequency="daily", department="AFTERSALES"
    )
    commit()
    assert schedule.title == "Customer lounge standard"
    assert inspections.create_due(utcnow()) >= 1
    commit()
    check = db.session.execute(db.select(Inspection).filter_by(schedule_id=schedule.id)).scalars().first()
    assert (check.checklist_key, check.checklist_version) == ("brand.lounge", 1)
    assert [item.question_key for item in check.items] == ["clean", "drinks", "prices"]


def test_the_blank_checklist_of_a_planned_audit_prints_the_imported_questions(ctx):
    from audits.checklist_pdf import blank_checklists

    imported()
    audit = planned(checklists=["brand.lounge"])
    (printed,) = blank_checklists(audit)
    assert printed.title == "Customer lounge standard"
    assert [item.text for item in printed.items] == [
        "Is the lounge clean?",
        "Are drinks offered?",
        "Are service prices displayed?",
    ]


def test_texts_follow_the_readers_language(app, ctx):
    from flask_babel import force_locale

    imported()
    with app.test_request_context(), force_locale("zh_CN"):
        assert str(catalog.checklist("brand.lounge").title) == "客户休息区标准"


def test_the_xlsx_of_a_version_parses_to_its_content(ctx):
    row, _ = imported()
    assert parse("x.xlsx", to_xlsx(row.content)) == row.content


def test_the_migration_adds_the_library_table_and_takes_it_away_again(tmp_path, empty_database):
    import uuid

    from flask_migrate import downgrade as alembic_downgrade
    from sqlalchemy import inspect

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

    def tables() -> set[str]:
        db.session.remove()
        db.engine.dispose()
        return set(inspect(db.engine).get_table_names())

    with migrating.app_context():
        upgrade()
        assert "checklist_version" in tables()
        alembic_downgrade(revision="0008_search")
        assert "checklist_version" not in tables() and "search_entry" in tables()
        upgrade()
        assert "checklist_version" in tables()
        db.session.remove()
        db.engine.dispose()
