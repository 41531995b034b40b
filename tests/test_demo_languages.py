"""A Chinese dealer group's demo (``DEALERQMS_LANGUAGE=zh_CN``) reads as theirs would: the
audits, NCs, actions, improvements, objectives, management reviews and the site procedure the
core's demo writes carry Chinese words only, no English left in between.

Covers the records the audits and procedures demos write (``audits/demo.py``,
``audits/improvements|inspections|objectives|reviews/demo.py``, ``procedures/demo.py``); the area
plugins' demo records (complaints, risks, ...) and the titles built from checklist questions
(kept in every language by the checklist snapshots) are outside it.

The demo is built once for the module, in a Chinese instance.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest
from argon2 import PasswordHasher

from audits.demo import SCENARIOS
from audits.improvements.models import Improvement, Source
from audits.inspections.models import InspectionItem
from audits.models import Audit, AuditItem, Evidence, Nonconformity
from audits.objectives.models import Objective
from audits.reviews.models import ManagementReview
from core.database import db
from core.demo import DEMO_SITES, demo_text
from core.signatures import signatures_for
from procedures.models import Procedure
from tests.test_demo_group import _init_demo

# Codes and abbreviations Chinese quality staff write as they are.
KEPT_AS_THEY_ARE = {"ISO", "NC", "KPI", "SSI", "CSI", "NPS", "PDCA", "DMS", "CRM", "VIN", "PDF"}
WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def chinese_demo(_database_template, tmp_path_factory):
    from core.accounts import passwords
    from core.testing import _test_app

    with pytest.MonkeyPatch.context() as patch:
        # The suite's cheap argon2 parameters (the autouse fixture sets them per test only).
        patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        folder = tmp_path_factory.mktemp("chinese-demo")
        with _test_app(_database_template, folder, {"BABEL_DEFAULT_LOCALE": "zh_CN"}) as app:
            _init_demo(app)
            with app.app_context():
                yield app
                db.session.remove()


def english_words(texts) -> list[str]:
    return [
        f"{word} in {text!r}"
        for text in texts
        if text
        for word in WORD.findall(text)
        if word.upper() not in KEPT_AS_THEY_ARE
    ]


def strings_in(value) -> list[str]:
    """The text values of a JSON document (not its keys)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


def _all(model, *where):
    return db.session.execute(db.select(model).where(*where)).scalars().all()


def test_audits_ncs_and_actions_are_written_in_chinese(chinese_demo):
    audits = _all(Audit)
    scenario_titles = {demo_text(*titles) for scenarios in SCENARIOS.values() for titles, *_ in scenarios}
    ncs = [nc for nc in _all(Nonconformity) if nc.audit_id is not None or nc.title in scenario_titles]
    actions = [action for nc in ncs for action in nc.actions]
    assert len({audit.site_id for audit in audits}) == len(DEMO_SITES) and len(ncs) >= 10 and len(actions) >= 6
    assert scenario_titles <= {audit.title for audit in audits} | {nc.title for nc in ncs}
    texts = [text for audit in audits for text in (audit.title, audit.scope, audit.summary, audit.conclusion)]
    texts += [item.note for item in _all(AuditItem, AuditItem.note.is_not(None))]
    for nc in ncs:
        # An audit finding's NC is titled after its checklist question, kept in every language.
        texts += [nc.description, nc.containment, *strings_in({**(nc.root_cause or {}), "method": ""})]
        texts += [] if nc.audit_id is not None else [nc.title]
    texts += [
        text for action in actions for text in (action.description, action.completion_note, action.verification_note)
    ]
    evidence = _all(
        Evidence,
        Evidence.audit_id.in_([audit.id for audit in audits])
        | Evidence.nonconformity_id.in_([nc.id for nc in ncs])
        | Evidence.action_id.in_([action.id for action in actions]),
    )
    assert len(evidence) >= 8
    texts += [PurePosixPath(file.name).stem for file in evidence]
    assert english_words(texts) == []


def test_improvements_objectives_and_inspections_are_written_in_chinese(chinese_demo):
    improvements = _all(Improvement)
    written = [
        item
        for item in improvements
        if item.source in {Source.SUGGESTION.value, Source.REVIEW.value, Source.AUDIT_OBSERVATION.value}
    ]
    assert {item.source for item in written} == {"suggestion", "review", "audit_observation"}
    # What people wrote on them: the suggestions and the review's outputs whole, a finding's note
    # (its title is the checklist question's), and the plans and results written on any of them.
    texts = [item.title for item in written if item.source != Source.AUDIT_OBSERVATION.value]
    texts += [item.description for item in written]
    planned = [item for item in improvements if item.actions]
    assert any(item.method == "dmaic" for item in planned) and any(item.result for item in planned)
    texts += [text for item in planned for text in (item.expected_benefit, item.actions, item.result)]
    objectives = _all(Objective)
    assert len(objectives) >= 3 * len(DEMO_SITES)
    texts += [
        text
        for goal in objectives
        for text in (goal.title, goal.why, goal.measure, goal.plan_what, goal.plan_resources, goal.plan_who)
    ]
    texts += [goal.plan_when for goal in objectives]
    texts += [update.comment for goal in objectives for update in goal.updates]
    notes = [item.note for item in _all(InspectionItem, InspectionItem.note.is_not(None))]
    assert notes
    assert english_words(texts + notes) == []


def test_management_reviews_are_written_in_chinese(chinese_demo):
    held = [review for review in _all(ManagementReview) if review.decisions]
    assert len(held) == len(DEMO_SITES)
    texts = [text for review in held for text in (review.context_changes, review.resources, review.external_providers)]
    texts += [review.guests for review in held] + [text for review in held for text in strings_in(review.decisions)]
    texts += [text for review in held for output in review.outputs for text in (output.title, output.description)]
    texts += [signature.comment for review in held for signature in signatures_for(review)]
    assert english_words(texts) == []


def test_the_site_procedure_is_in_chinese_only(chinese_demo):
    procedures = _all(Procedure, Procedure.code.in_([f"SA-{code}-001" for code, *_ in DEMO_SITES]))
    assert {procedure.title for procedure in procedures} == {"北京朝阳店展厅接待程序", "上海浦东店展厅接待程序"}
    bodies = [revision.body for procedure in procedures for revision in procedure.revisions]
    assert bodies and all(body.startswith("# 展厅接待\n") for body in bodies)
    assert english_words(bodies) == []
