"""An audit's score on its scored checklists: per section and overall, in percent.

The rules (docs/audits.md, "Scoring"):

- an item earns a fraction of its points: the points the auditor gave over the
  scale's highest, else what its grade earns by the checklist's ``grade_points``;
- not applicable and unanswered items count nowhere (the score is of what was
  audited so far, so it moves as results are entered);
- a section's score is its items' earned points over their possible points,
  each item weighted by its ``weight``; the checklist's is the sections' scores
  weighted by the sections' weights (sections with nothing counted left out);
- the checklist passes when its score reaches the pass threshold and no
  must-pass item failed; a failed must-pass item fails it whatever the score.
  A must-pass item fails when it is graded a nonconformity or given less than
  full points.

The audit's overall score is its scored checklists' scores averaged (one
checklist: that checklist's); it passes when every scored checklist does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from audits.models import NC_RESULTS, Audit, AuditChecklist, AuditItem, Result
from core.plugin_engine.types import SCALE_MAXIMUM

NOT_APPLICABLE = Result.NOT_APPLICABLE.value
# What grades earn when a snapshot kept no mapping of its own.
_DEFAULT_GRADE_POINTS = {"conforming": 1.0, "observation": 1.0, "ofi": 0.5, "minor_nc": 0.5, "major_nc": 0.0}


def definition_of(checklist) -> dict:
    """The scoring columns of an audit's snapshot of ``checklist`` (a plugin's definition)."""
    if not checklist.scored:
        return {"scale": "grades", "pass_threshold": None, "grade_points": None, "sections": None}
    return {
        "scale": checklist.scale,
        "pass_threshold": None if checklist.pass_threshold is None else float(checklist.pass_threshold),
        "grade_points": {grade: float(value) for grade, value in checklist.points_per_grade.items()},
        "sections": [{"key": s.key, "title": str(s.title), "weight": float(s.weight)} for s in checklist.sections],
    }


def takes_points(checklist: AuditChecklist) -> bool:
    """Whether the auditor gives points on this checklist's items (a yes/no scale is answered by the grade)."""
    return checklist.scale in ("points_0_2", "points_0_3", "percent")


def maximum(checklist: AuditChecklist) -> int:
    return SCALE_MAXIMUM.get(checklist.scale, 1)


def item_fraction(item: AuditItem, checklist: AuditChecklist | None = None) -> float | None:
    """The share of its points ``item`` earns (0–1), or None when it counts nowhere (N/A, not answered)."""
    checklist = checklist or item.checklist
    if item.result == NOT_APPLICABLE:
        return None
    if item.points is not None and takes_points(checklist):
        return max(0.0, min(1.0, item.points / maximum(checklist)))
    if not item.result:
        return None
    grade_points: Mapping[str, float] = checklist.grade_points or _DEFAULT_GRADE_POINTS
    return float(grade_points.get(item.result, 0.0))


def must_pass_failed(item: AuditItem, checklist: AuditChecklist | None = None) -> bool:
    checklist = checklist or item.checklist
    if not item.must_pass or item.result == NOT_APPLICABLE:
        return False
    if item.result in NC_RESULTS:
        return True
    return item.points is not None and takes_points(checklist) and item.points < maximum(checklist)


@dataclass(frozen=True)
class SectionScore:
    key: str
    title: str
    weight: float
    # Percent, or None while nothing in the section counts.
    score: float | None
    earned: float
    possible: float
    counted: int
    items: int


@dataclass(frozen=True)
class ChecklistScore:
    checklist: AuditChecklist
    scale: str
    score: float | None
    pass_threshold: float | None
    passed: bool | None
    sections: list[SectionScore]
    failed_must_pass: list[AuditItem]
    counted: int
    items: int


@dataclass(frozen=True)
class AuditScore:
    checklists: list[ChecklistScore] = field(default_factory=list)

    @property
    def scored(self) -> bool:
        return bool(self.checklists)

    @property
    def overall(self) -> float | None:
        scores = [c.score for c in self.checklists if c.score is not None]
        return sum(scores) / len(scores) if scores else None

    @property
    def passed(self) -> bool | None:
        """False when a scored checklist failed; True when every one with a verdict passed; None without any verdict."""
        verdicts = [c.passed for c in self.checklists if c.passed is not None]
        if not verdicts:
            return None
        return all(verdicts)

    @property
    def failed_must_pass(self) -> list[AuditItem]:
        return [item for c in self.checklists for item in c.failed_must_pass]

    @property
    def sections(self) -> list[tuple[ChecklistScore, SectionScore]]:
        return [(c, s) for c in self.checklists for s in c.sections]


def score_checklist(checklist: AuditChecklist, items: list[AuditItem]) -> ChecklistScore:
    sections = checklist.sections or [{"key": "", "title": "", "weight": 1.0}]
    keys = {s["key"] for s in sections}
    results = []
    for section in sections:
        members = [i for i in items if i.section == section["key"] or (section["key"] == "" and i.section not in keys)]
        earned = possible = 0.0
        counted = 0
        for item in members:
            fraction = item_fraction(item, checklist)
            if fraction is None:
                continue
            earned += fraction * item.weight
            possible += item.weight
            counted += 1
        results.append(
            SectionScore(
                key=section["key"],
                title=checklist.section_title(section["key"]) if section["key"] else checklist.shown("title"),
                weight=float(section["weight"]),
                score=100 * earned / possible if possible else None,
                earned=earned,
                possible=possible,
                counted=counted,
                items=len(members),
            )
        )
    weighted = [(s.weight, s.score) for s in results if s.score is not None]
    total_weight = sum(weight for weight, _score in weighted)
    score = sum(weight * value for weight, value in weighted) / total_weight if total_weight else None
    failed = [item for item in items if must_pass_failed(item, checklist)]
    threshold = checklist.pass_threshold
    if failed:
        passed = False
    elif threshold is not None:
        passed = None if score is None else score >= threshold - 1e-9
    elif any(item.must_pass for item in items):
        passed = True
    else:
        passed = None
    return ChecklistScore(
        checklist=checklist,
        scale=checklist.scale,
        score=score,
        pass_threshold=threshold,
        passed=passed,
        sections=results,
        failed_must_pass=failed,
        counted=sum(s.counted for s in results),
        items=len(items),
    )


def score_audit(audit: Audit) -> AuditScore:
    """The audit's score on its scored checklists (none: not scored, ``scored`` is False)."""
    by_checklist: dict[int, list[AuditItem]] = {}
    for item in audit.items:
        by_checklist.setdefault(item.checklist_id, []).append(item)
    return AuditScore(
        checklists=[
            score_checklist(checklist, by_checklist.get(checklist.id, []))
            for checklist in audit.checklists
            if checklist.scored
        ]
    )


def as_json(score: AuditScore) -> dict:
    """The score as the API gives it (percents rounded to one decimal); ``scored`` False for an audit
    on checklists answered in grades only (then everything else is empty)."""
    return {
        "scored": score.scored,
        "overall": _rounded(score.overall),
        "passed": score.passed,
        "sections": [
            {
                "checklist": c.checklist.key,
                "key": s.key,
                "title": s.title,
                "weight": s.weight,
                "score": _rounded(s.score),
                "counted": s.counted,
                "items": s.items,
            }
            for c, s in score.sections
        ],
        "checklists": [
            {
                "key": c.checklist.key,
                "scale": c.scale,
                "score": _rounded(c.score),
                "pass_threshold": c.pass_threshold,
                "passed": c.passed,
            }
            for c in score.checklists
        ],
        "failed_must_pass": [
            {"item_id": item.id, "question_key": item.question_key, "text": item.shown("text")}
            for item in score.failed_must_pass
        ],
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
