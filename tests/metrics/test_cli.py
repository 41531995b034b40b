"""``dealerqms metrics import``: the CSV import from the command line."""

from core.metrics import services
from tests.forms.sample_plugin import FIRST_TIME_FIX


def run(app, *args):
    return app.test_cli_runner().invoke(args=["metrics", "import", *args])


def values(app):
    with app.app_context():
        return [(p.period, p.value) for p in services.series(FIRST_TIME_FIX, main())]


def main():
    from core.accounts.services import site_by_code

    return site_by_code("MAIN")


def test_a_file_with_errors_imports_nothing_and_names_row_and_column(app, users, sample, tmp_path):
    file = tmp_path / "ftf.csv"
    file.write_text("site,period,value\nMAIN,2026-01,91\nMAIN,2026-13,88\nMAIN,2026-02,abc\n", encoding="utf-8")
    outcome = run(app, str(file), "--metric", "sample.first_time_fix", "--as", "qo")
    assert outcome.exit_code == 1 and "Traceback" not in outcome.output + outcome.stderr
    assert "row 3, period:" in outcome.stderr and "row 4, value: 'abc' is not a number" in outcome.stderr
    assert "Nothing was imported" in outcome.stderr
    assert values(app) == []

    valid = run(app, str(file), "--metric", "sample.first_time_fix", "--as", "qo", "--valid-rows")
    assert valid.exit_code == 0, valid.stderr
    assert "Imported 1 of 3 rows" in valid.stdout
    assert values(app) == [("2026-01", 91.0)]
    with app.app_context():
        found = services.find(FIRST_TIME_FIX, main(), "2026-01")
        assert (found.source, found.entered_by.login) == ("import", "qo")


def test_a_row_of_another_metric_is_an_error(app, users, sample, tmp_path):
    file = tmp_path / "mixed.csv"
    file.write_text(
        "metric,site,period,value\nsample.lead_response,MAIN,2026-01,20\nsample.first_time_fix,MAIN,2026-01,95\n",
        encoding="utf-8",
    )
    outcome = run(app, str(file), "--metric", "sample.first_time_fix", "--as", "qo")
    assert outcome.exit_code == 1
    assert "row 2, metric: 'sample.lead_response' is not sample.first_time_fix" in outcome.stderr
    assert values(app) == []


def one_sentence(outcome):
    assert outcome.exit_code == 1 and "Traceback" not in outcome.output
    lines = (outcome.stdout + outcome.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_mistakes_are_one_sentence(app, users, sample, tmp_path):
    file = tmp_path / "ok.csv"
    file.write_text("site,period,value\nMAIN,2026-01,91\n", encoding="utf-8")
    assert "no metric 'nope'" in one_sentence(run(app, str(file), "--metric", "nope", "--as", "qo"))
    assert "computed" in one_sentence(run(app, str(file), "--metric", "sample.nps", "--as", "qo"))
    assert "Cannot read" in one_sentence(
        run(app, str(tmp_path / "missing.csv"), "--metric", "sample.first_time_fix", "--as", "qo")
    )
    header = tmp_path / "header.csv"
    header.write_text("site,month,value\nMAIN,2026-01,91\n", encoding="utf-8")
    assert "lacks the column(s) period" in one_sentence(
        run(app, str(header), "--metric", "sample.first_time_fix", "--as", "qo")
    )
    # Staff may not enter measurements: every row says so, nothing is imported.
    refused = run(app, str(file), "--metric", "sample.first_time_fix", "--as", "staff")
    assert refused.exit_code == 1 and "row 2, metric:" in refused.stderr
    assert values(app) == []
