"""Bilingual content: an audit keeps its questions in every installed language, whoever starts it,
and each reader reads their own; NC titles built from them follow the reader, a written one stays."""

import re
import subprocess
import uuid

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_migrate import downgrade as alembic_downgrade
from sqlalchemy import inspect

from audits.services import audits
from audits.services import nonconformities as ncs
from core import create_app
from core.accounts.services import user_by_login
from core.database import commit, db
from core.migration import upgrade
from core.plugins import Checklist, Question, hookimpl
from core.testing import PLUGIN_TEST_CONFIG
from tests.audits.conftest import record, started

pytestmark = pytest.mark.usefixtures("cast")

QUESTION_EN = "Have the staff who apply each procedure acknowledged its effective revision?"
QUESTION_ZH = "执行各程序文件的员工是否已确认阅读其现行版本？"


def _quality_audit(app, starter_locale):
    with app.app_context():
        # Whoever starts it, in whatever language: the record is the same.
        with force_locale(starter_locale):
            audit = started(
                title="Quality system audit", departments=["QUALITY"], auditors=[], checklists=["audits.quality_system"]
            )
        item = next(i for i in audit.items if i.question_key == "read-and-understood")
        return audit.reference, item.position - 1


def _reader(client_as, app, login, locale):
    with app.app_context():
        user_by_login(login).locale = locale
        commit()
    return client_as(login)


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _checklists(response) -> str:
    """The audit page's checklists, without its history (which shows the record's default-language columns)."""
    page = _text(response)
    return page[page.index('class="panel checklist"') : page.rindex("</article>")]


@pytest.mark.parametrize("starter_locale", ["zh_CN", "en"])
def test_an_audit_keeps_its_questions_in_every_language_and_each_reader_reads_their_own(app, client_as, starter_locale):
    reference, _ = _quality_audit(app, starter_locale)
    with app.app_context():
        audit = audits.audit_by_reference(reference)
        # The record (what the report's signature covers) stays in the instance's language.
        assert QUESTION_EN in [item.text for item in audit.items]
        assert audit.checklists[0].title == "Quality management system"
    chinese = _checklists(_reader(client_as, app, "qo", "zh_CN").get(f"/audits/{reference}"))
    assert QUESTION_ZH in chinese and "质量管理体系" in chinese and QUESTION_EN not in chinese
    english = _checklists(_reader(client_as, app, "auditor", "en").get(f"/audits/{reference}"))
    assert QUESTION_EN in english and QUESTION_ZH not in english


def test_the_texts_stay_when_the_plugin_changes_its_translation_later(app, client_as):
    reference, _ = _quality_audit(app, "en")
    with app.app_context():
        item = next(i for i in audits.audit_by_reference(reference).items if i.question_key == "read-and-understood")
        # As if the catalog had said this when the audit started: what was kept is what is shown.
        item.translations = {**item.translations, "zh_CN": {**item.translations["zh_CN"], "text": "当时的译文"}}
        commit()
    page = _checklists(_reader(client_as, app, "qo", "zh_CN").get(f"/audits/{reference}"))
    assert "当时的译文" in page and QUESTION_ZH not in page


def test_an_nc_raised_from_a_checklist_item_is_titled_in_the_readers_language(app, client_as):
    reference, position = _quality_audit(app, "zh_CN")
    with app.app_context():
        item = record(audits.audit_by_reference(reference), position, "major_nc", "Two staff never read it")
        nc = ncs.nc_for_item(item)
        nc_reference = nc.reference
        assert nc.title == f"Quality management system: {QUESTION_EN}"
    chinese_reader = _reader(client_as, app, "qo", "zh_CN")
    page = _text(chinese_reader.get(f"/nonconformities/{nc_reference}"))
    assert f"质量管理体系：{QUESTION_ZH}" in page and "严重" in page
    # The history reads as sentences; the communication matrix's words (沟通内容) are not borrowed.
    assert "沟通内容" not in page
    listed = _text(chinese_reader.get("/nonconformities/"))
    assert f"质量管理体系：{QUESTION_ZH}" in listed and ">严重<" in listed.replace(" <", "<").replace("> ", ">")
    english = _text(_reader(client_as, app, "auditor", "en").get(f"/nonconformities/{nc_reference}"))
    assert f"Quality management system: {QUESTION_EN}" in english and "major" in english


def test_the_api_answers_in_the_language_asked_for(app, api_as):
    reference, position = _quality_audit(app, "en")
    with app.app_context():
        nc_reference = ncs.nc_for_item(
            record(audits.audit_by_reference(reference), position, "major_nc", "Two staff never read it")
        ).reference
    api = api_as("qo")
    chinese = api.get(f"/api/v1/nonconformities/{nc_reference}", headers={"Accept-Language": "zh-CN"}).json
    assert chinese["title"] == f"质量管理体系：{QUESTION_ZH}"
    english = api.get(f"/api/v1/audits/{reference}/items", headers={"Accept-Language": "en"}).json
    assert QUESTION_EN in [item["text"] for item in english]
    chinese = api.get(f"/api/v1/audits/{reference}/items", headers={"Accept-Language": "zh-CN"}).json
    assert QUESTION_ZH in [item["text"] for item in chinese]


def test_a_title_somebody_writes_reads_the_same_in_every_language(app, client_as):
    reference, position = _quality_audit(app, "en")
    with app.app_context():
        item = record(audits.audit_by_reference(reference), position, "minor_nc", "One never read it")
        nc = ncs.nc_for_item(item)
        ncs.update_nonconformity(user_by_login("qo"), nc, row_version=nc.row_version, title="培训记录缺失")
        commit()
        nc_reference = nc.reference
        db.session.expire_all()
    for login, locale in (("qo", "zh_CN"), ("auditor", "en")):
        page = _text(_reader(client_as, app, login, locale).get(f"/nonconformities/{nc_reference}"))
        assert f"<h1>{nc_reference} — 培训记录缺失</h1>" in page


def test_the_evidence_pack_in_chinese_keeps_the_checklists_chinese(app, tmp_path):
    reference, position = _quality_audit(app, "en")
    with app.app_context():
        record(audits.audit_by_reference(reference), position, "minor_nc", "两名员工未确认")
    pdf = tmp_path / "pack.pdf"
    result = app.test_cli_runner().invoke(args=["pack", reference, "-o", str(pdf), "--locale", "zh_CN"])
    assert result.exit_code == 0, result.output
    shown = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True)
    # Up to the audit trail (named in the contents, then as a section), which shows the records' stored values.
    text = "".join("".join(shown.stdout.split()).split("审计追踪")[:2])
    assert "质量管理体系" in text and "执行各程序文件的员工是否已确认阅读其现行版本" in text and "轻微" in text
    for english in ("Quality management system", "acknowledged", "Compare the acknowledgement", "minor"):
        assert english.replace(" ", "") not in text, english


def test_an_audit_started_before_the_languages_were_kept_shows_its_text_to_everyone(app, client_as):
    reference, _ = _quality_audit(app, "en")
    with app.app_context():
        for item in audits.audit_by_reference(reference).items:
            item.translations = None
        commit()
    page = _checklists(_reader(client_as, app, "qo", "zh_CN").get(f"/audits/{reference}"))
    assert QUESTION_EN in page and "质量管理体系" in page


SNAPSHOT_TABLES = (
    "audit_checklist",
    "audit_item",
    "inspection_schedule",
    "inspection",
    "inspection_item",
    "recheck",
    "nonconformity",
)


def test_the_migration_adds_the_languages_beside_the_texts_and_takes_them_away_again(tmp_path, empty_database):
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

    def kept() -> set[str]:
        db.session.remove()
        db.engine.dispose()
        found = inspect(db.engine)
        return {t for t in SNAPSHOT_TABLES if "translations" in {c["name"] for c in found.get_columns(t)}}

    with migrating.app_context():
        upgrade()
        assert kept() == set(SNAPSHOT_TABLES)
        alembic_downgrade(revision="audits_0006")
        assert kept() == set()
        upgrade()
        assert kept() == set(SNAPSHOT_TABLES)
        db.session.remove()
        db.engine.dispose()


def test_an_objective_on_a_kpi_shows_the_kpis_unit_in_the_readers_language(app, client_as):
    from tests.audits.test_objectives import _objective

    with app.app_context(), force_locale("en"):
        objective_id = _objective(app, metric="sales.lead_response_time", baseline=30, target=10, direction="lower")
    page = _text(_reader(client_as, app, "head", "zh_CN").get(f"/objectives/{objective_id}"))
    assert "≤ 10.0 分钟" in page and "minutes" not in page


class SalesCheck:
    """A sales checklist in the catalogs' words, so that the sales head owns what it raises."""

    @hookimpl
    def register_checklists(self):
        return [
            Checklist(
                key="salescheck.quality",
                title=_l("Quality management system"),
                area="SALES",
                questions=[Question(key="read", text=_l(QUESTION_EN))],
            )
        ]


def test_the_owner_of_an_nc_from_a_checklist_is_told_in_their_language(app, client_as, register_plugin):
    register_plugin(SalesCheck(), "salescheck")
    with app.app_context():
        user_by_login("head").locale = "zh_CN"
        commit()
        audit = started(checklists=["salescheck.quality"])
        record(audit, 0, "minor_nc", "两名员工未确认")
    page = _text(client_as("head").get("/notifications/"))
    assert f"质量管理体系：{QUESTION_ZH}" in page and "轻微" in page and QUESTION_EN not in page


def test_a_refusal_of_a_service_reads_in_the_readers_language(app):
    from core.errors import Conflict

    reference, position = _quality_audit(app, "en")
    with app.app_context():
        nc = ncs.nc_for_item(record(audits.audit_by_reference(reference), position, "minor_nc", "未确认"))
        with force_locale("zh_CN"), pytest.raises(Conflict) as refused:
            ncs.transition(user_by_login("qo"), nc, to="verifying", row_version=nc.row_version)
    assert refused.value.detail == f"{nc.reference} 的状态为“待处理”，不能从该状态转为“验证中”。"
