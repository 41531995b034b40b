"""The demo's imported brand standard, audited at both dealerships.

``dealerqms init --demo`` imports the example brand standard shipped with the product
(``core/checklists/files/showroom-standard.yaml``) as the group's quality officer, as a
quality officer would import their manufacturer's standard, then audits it at each demo
site: Beijing passes comfortably and the audit is closed; Shanghai misses a must-pass
item, which fails the audit whatever its score and raises a major nonconformity, and the
audit is reported with the nonconformity open. The results are fixed by item position,
so every demo reads the same. A second run finds the version unchanged and the audits
there by their titles, and adds nothing.
"""

from __future__ import annotations

from pathlib import Path

from audits import scoring
from audits.demo import People, _as, _exists, _nc_of, _password, _photo, _plan
from audits.models import Audit
from audits.services import audits as audit_services
from core.accounts.services import site_by_code, user_by_login
from core.checklists import catalog
from core.checklists import services as checklist_services
from core.database import commit
from core.demo import DEMO_SITES, GROUP_QUALITY_DIRECTOR, demo_text
from core.errors import NotFound
from core.trail import acting_as

STANDARD = Path(catalog.__file__).parent / "files" / "showroom-standard.yaml"
KEY = "brand.showroom"
TITLE = ("Brand showroom standard audit", "品牌展厅标准审核")
# Items (by position in the checklist) given half their points: a few at the stronger
# dealership, more at the other one, never a must-pass item (that one fails on its own).
HALF_POINTS = {"bj": (4, 11, 19, 27, 34), "sh": (1, 4, 7, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36)}
PARTLY = (
    "Partly met on the day of the audit; the team corrected it while we were there.",
    "审核当天部分符合，现场已安排整改。",
)
DAYS_AGO = {"bj": -45, "sh": -38}
# What the Shanghai auditor found at the must-pass item of the shipped standard.
MUST_PASS_FINDINGS = {
    "sr-01": (
        "Two of eight display cars had no price label showing the configuration and the extra charges.",
        "抽查 8 台展车，其中 2 台未张贴标明配置及附加费用的价格标签，不符合明码标价要求。",
    ),
}


def _missed(text: str) -> tuple[str, str]:
    return (
        f"Not met on the day of the audit, and this item must be met whatever the score: {text[:120]}",
        f"审核当天未达到要求，该项为必达项，不论得分多少均判定审核不通过：{text[:120]}",
    )


def import_standard() -> bool:
    """Import the example brand standard as the group's quality director; True if a version was added."""
    try:
        officer = user_by_login(GROUP_QUALITY_DIRECTOR)
    except NotFound:
        return False
    with acting_as(officer.login):
        _row, created = checklist_services.import_file(officer, STANDARD.name, STANDARD.read_bytes())
        commit()
    return created


def populate() -> int:
    """Import the brand standard and add the audit of it missing at each demo site; how many were added."""
    added = int(import_standard())
    if catalog.checklist(KEY) is None:
        return added
    for code, _name, prefix in DEMO_SITES:
        try:
            site = site_by_code(code)
        except NotFound:
            continue
        title = demo_text(*TITLE)
        if _exists(site, title):
            continue
        _audit(site.code, title, prefix, People.at(prefix))
        added += 1
    return added


def _audit(site: str, title: str, prefix: str, people: People) -> None:
    audit = _plan(
        site,
        title,
        "SALES",
        DAYS_AGO[prefix],
        demo_text(
            "Showroom, display vehicles, customer lounge and sales process against the brand standard",
            "对照品牌标准检查展厅、展车、客户休息区及销售流程",
        ),
        planner=people.quality,
        lead=people.auditor,
        team=[people.quality],
        checklists=[KEY],
    )
    _as(people.auditor, audit_services.start_audit, audit, row_version=audit.row_version)
    failing = _first_must_pass(audit) if prefix == "sh" else None
    for position, item in enumerate(audit.items):
        highest = scoring.maximum(item.checklist)
        points = highest if scoring.takes_points(item.checklist) else None
        result, note = "conforming", None
        if item is failing:
            result, points = "major_nc", 0 if points is not None else None
            note = demo_text(*MUST_PASS_FINDINGS.get(item.question_key, _missed(item.text)))
        elif position in HALF_POINTS[prefix] and not item.must_pass:
            result, note = "ofi", demo_text(*PARTLY)
            points = highest / 2 if points is not None else None
        _as(
            people.auditor,
            audit_services.record_result,
            audit,
            item,
            result=result,
            note=note,
            points=points,
            row_version=item.row_version,
        )
    if failing is not None:
        _photo(people.auditor, failing, demo_text("must-pass-item.png", "必达项现场照片.png"), (190, 70, 60))
    score = scoring.score_audit(audit)
    _as(
        people.auditor,
        audit_services.report_audit,
        audit,
        summary=_summary(score),
        conclusion=demo_text("Meets the brand standard.", "符合品牌标准要求。")
        if failing is None
        else demo_text(
            "Does not meet the brand standard until the must-pass item is corrected.",
            "必达项整改完成前，判定为不符合品牌标准要求。",
        ),
        password=_password(),
        row_version=audit.row_version,
    )
    if failing is None:
        _as(people.auditor, audit_services.close_audit, audit, row_version=audit.row_version)
    else:
        _nc_of(audit, audit.items.index(failing), people, people.sales_head)


def _first_must_pass(audit: Audit):
    return next((item for item in audit.items if item.must_pass), audit.items[0])


def _summary(score) -> str:
    overall = score.overall
    shown = "—" if overall is None else f"{overall:.1f} %"
    return demo_text(f"Brand showroom standard: {shown}.", f"品牌展厅标准得分：{shown}。")
