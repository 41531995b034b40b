"""The evidence pack prints its audit's site's clock and names the offset, wherever it is read."""

import re
import subprocess
from datetime import UTC, datetime

import pytest
import time_machine

from core.accounts.services import site_by_code
from core.database import commit
from tests.audits.conftest import record, started

pytestmark = pytest.mark.usefixtures("cast", "ctx")


def test_the_pack_prints_the_audit_sites_time_with_its_offset(app, tmp_path):
    site = site_by_code("MAIN")
    site.time_zone = "Europe/Berlin"
    commit()
    # 00:30 on 1 January in China, still 17:30 on 31 December at the audited site.
    with time_machine.travel(datetime(2026, 12, 31, 16, 30, tzinfo=UTC), tick=False):
        audit = started()
        record(audit, 0, "minor_nc", "Two visitors waited ten minutes")
    pdf = tmp_path / "pack.pdf"
    result = app.test_cli_runner().invoke(args=["pack", audit.reference, "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout.split()
    )
    # Started, answered, raised and every trail event of that moment: Berlin's clock, named.
    assert text.count("2026-12-31 17:30:00 UTC+01:00") >= 4
    # Neither the instance's clock nor UTC's (the trail's raw values keep their stored ISO form).
    assert "2027-01-01 00:30" not in text and "2026-12-31 16:30" not in text
    assert not re.search(r"\d\d:\d\d(:\d\d)? UTC(?![+-])", text)
