"""The checklist library from outside: the API, the command line and the web pages."""

from __future__ import annotations

import io
import re

import pytest
import yaml

from core.checklists.format import example
from tests.checklists.test_library import as_yaml, library

LOUNGE = as_yaml(library())


def _bad_file() -> bytes:
    content = library()
    content["questions"][0]["weight"] = "heavy"
    del content["questions"][1]["text"]["zh_CN"]
    return as_yaml(content)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# ---------------------------------------------------------------- API


def _upload(api, data: bytes, name="lounge.yaml"):
    return api.post(
        "/api/v1/checklists/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_the_api_imports_201_then_200_when_unchanged_and_lists_the_versions(api_as):
    api = api_as("quality_officer")
    created = _upload(api, LOUNGE)
    assert created.status_code == 201, created.json
    assert created.json["created"] is True and created.json["version"] == 1 and created.json["questions"] == 3
    again = _upload(api, LOUNGE, "again.yml")
    assert again.status_code == 200 and again.json["created"] is False and again.json["version"] == 1
    changed = _upload(api, as_yaml(library(pass_threshold=90)))
    assert changed.status_code == 201 and changed.json["version"] == 2
    versions = api_as("auditor").get("/api/v1/checklists/brand.lounge/versions")
    assert versions.status_code == 200
    assert [(v["version"], v["imported_by"], v["retired"]) for v in versions.json] == [
        (2, "qo", False),
        (1, "qo", False),
    ]


def test_the_api_shows_an_imported_checklist_like_a_plugins(api_as):
    _upload(api_as("quality_officer"), LOUNGE)
    staff = api_as("staff")
    one = staff.get("/api/v1/checklists/brand.lounge", headers={"Accept-Language": "zh-CN"})
    assert one.status_code == 200
    body = one.json
    assert (body["origin"], body["plugin"], body["version"], body["scale"]) == ("import", None, 1, "points_0_2")
    assert body["title"] == "客户休息区标准" and body["departments"] == ["SALES", "AFTERSALES"]
    assert body["pass_threshold"] == 80
    assert [(s["key"], s["weight"]) for s in body["sections"]] == [("lounge", 2.0), ("care", 1.0)]
    assert [(q["key"], q["section"], q["weight"], q["must_pass"]) for q in body["questions"]] == [
        ("clean", "lounge", 1.0, False),
        ("drinks", "lounge", 2.0, False),
        ("prices", "care", 1.0, True),
    ]
    listed = {c["key"]: c for c in staff.get("/api/v1/checklists").json}
    assert listed["brand.lounge"]["origin"] == "import" and listed["sales.process"]["origin"] == "sales"


def test_the_api_answers_422_with_every_problem_located_and_imports_nothing(api_as):
    api = api_as("quality_officer")
    refused = _upload(api, _bad_file())
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    problems = refused.json["problems"]
    assert len(problems) >= 2 and len(refused.json["errors"]) == len(problems)
    assert all(set(p) == {"sheet", "row", "column", "message"} for p in problems)
    assert any(p["column"] and "weight" in p["column"] for p in problems)
    assert api.get("/api/v1/checklists/brand.lounge").status_code == 404


def test_the_api_refuses_a_file_over_the_limit_413(app, api_as):
    app.config["CHECKLIST_IMPORT_MAX_BYTES"] = 200
    refused = _upload(api_as("quality_officer"), LOUNGE)
    assert refused.status_code == 413 and refused.mimetype == "application/problem+json"


def test_the_api_retires_and_exports(api_as):
    qo = api_as("quality_officer")
    _upload(qo, LOUNGE)
    exported = api_as("auditor").get("/api/v1/checklists/brand.lounge/export?format=yaml")
    assert exported.status_code == 200 and "brand.lounge-v1.yaml" in exported.headers["Content-Disposition"]
    assert yaml.safe_load(exported.data)["key"] == "brand.lounge"
    xlsx = qo.get("/api/v1/checklists/brand.lounge/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert _upload(qo, xlsx.data, "brand.lounge-v1.xlsx").status_code == 200
    assert api_as("auditor").post("/api/v1/checklists/brand.lounge/versions/1/retire").status_code == 403
    retired = qo.post("/api/v1/checklists/brand.lounge/versions/1/retire")
    assert retired.status_code == 200 and retired.json["retired"] is True and retired.json["retired_by"] == "qo"
    assert qo.post("/api/v1/checklists/brand.lounge/versions/1/retire").status_code == 409
    assert qo.get("/api/v1/checklists/brand.lounge").status_code == 404


@pytest.mark.parametrize("who", ["department_head", "auditor", "staff"])
def test_only_quality_officers_and_the_administrator_import_through_the_api(api_as, who):
    assert _upload(api_as(who), LOUNGE).status_code == 403


# ---------------------------------------------------------------- command line


def test_the_command_line_imports_lists_exports_and_retires(app, users, tmp_path):
    runner = app.test_cli_runner()
    source = tmp_path / "lounge.yaml"
    source.write_bytes(LOUNGE)
    done = runner.invoke(args=["checklists", "import", str(source), "--as", "qo"])
    assert done.exit_code == 0, done.output
    assert "Imported version 1 of brand.lounge (3 questions)." in done.output
    again = runner.invoke(args=["checklists", "import", str(source), "--as", "qo"])
    assert again.exit_code == 0 and "brand.lounge is unchanged: still version 1." in again.output
    listed = runner.invoke(args=["checklists", "list"])
    assert "brand.lounge  v1  import  3 questions  points_0_2" in listed.output
    assert "sales.process" in listed.output
    target = tmp_path / "out.xlsx"
    exported = runner.invoke(args=["checklists", "export", "brand.lounge", "-o", str(target)])
    assert exported.exit_code == 0 and target.read_bytes()[:2] == b"PK"
    back = runner.invoke(args=["checklists", "import", str(target), "--as", "qo"])
    assert "unchanged" in back.output
    retired = runner.invoke(args=["checklists", "retire", "brand.lounge", "1", "--as", "qo"])
    assert retired.exit_code == 0 and "no version is in use any more" in retired.output


def test_the_command_line_prints_one_sentence_per_problem_and_imports_nothing(app, users, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(_bad_file())
    refused = runner.invoke(args=["checklists", "import", str(bad), "--as", "qo"])
    assert refused.exit_code != 0
    assert "Nothing was imported" in refused.output and "weight" in refused.output
    assert "brand.lounge" not in runner.invoke(args=["checklists", "list"]).output
    staff = runner.invoke(args=["checklists", "import", str(bad), "--as", "staff"])
    assert staff.exit_code != 0 and "do not allow you to import and retire checklists" in staff.output


# ---------------------------------------------------------------- web pages


def test_the_import_page_shows_a_table_of_problems_and_imports_nothing(client_as, csrf_token):
    qo = client_as("quality_officer")
    page = qo.post(
        "/checklists/import",
        data={"file": (io.BytesIO(_bad_file()), "lounge.yaml"), "csrf_token": csrf_token(qo)},
        content_type="multipart/form-data",
    )
    assert page.status_code == 422
    text = _text(page)
    assert "Nothing was imported" in text and '<th scope="col">Sheet</th>' in text and "weight" in text
    assert qo.get("/checklists/brand.lounge").status_code == 404


def test_importing_on_the_web_flashes_the_version_and_the_page_shows_it(client_as, csrf_token):
    qo = client_as("quality_officer")
    done = qo.post(
        "/checklists/import",
        data={"file": (io.BytesIO(LOUNGE), "lounge.yaml"), "csrf_token": csrf_token(qo)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    text = _text(done)
    assert "Version 1 of brand.lounge imported." in text
    assert "Customer lounge standard" in text and "Are service prices displayed?" in text and "Must pass" in text
    assert "Retire version 1" in text and "lounge.yaml" in text
    again = qo.post(
        "/checklists/import",
        data={"file": (io.BytesIO(LOUNGE), "lounge.yaml"), "csrf_token": csrf_token(qo)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "brand.lounge is unchanged: still version 1." in _text(again)
    planning = _text(qo.get("/audits/new"))
    assert "Customer lounge standard" in planning and "brand.lounge · 3" in planning
    listing = _text(qo.get("/checklists/"))
    assert "Customer lounge standard" in listing and "Imported" in listing and "Plugin sales" in listing
    retired = qo.post(
        "/checklists/brand.lounge/versions/1/retire", data={"csrf_token": csrf_token(qo)}, follow_redirects=True
    )
    assert "Version 1 of brand.lounge retired." in _text(retired)
    assert "Retired checklists" in _text(qo.get("/checklists/"))


def test_an_auditor_reads_the_library_in_chinese_but_may_not_import(client_as, csrf_token, api_as):
    _upload(api_as("quality_officer"), LOUNGE)
    auditor = client_as("auditor")
    auditor.post("/language", data={"locale": "zh_CN", "csrf_token": csrf_token(auditor)})
    page = auditor.get("/checklists/brand.lounge")
    assert page.status_code == 200 and "客户休息区标准" in _text(page) and "维修价格是否公示？" in _text(page)
    assert "Retire" not in _text(page)
    assert auditor.get("/checklists/import").status_code == 403
    assert client_as("staff").get("/checklists/").status_code == 403


def test_the_template_and_the_example_download(client_as):
    qo = client_as("quality_officer")
    template = qo.get("/checklists/files/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    shipped = qo.get("/checklists/files/example.yaml")
    assert shipped.status_code == 200 and shipped.data == example("yaml")
    assert qo.get("/checklists/files/other.yaml").status_code == 404
