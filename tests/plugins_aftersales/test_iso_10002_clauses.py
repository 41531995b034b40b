"""The complaint checklist cites ISO 10002:2018 by its own clause numbers (4 guiding principles:
4.5 accessibility, 4.7 objectivity, 4.8 charges, 4.10 confidentiality, 4.15 timeliness; 5.2–5.4
leadership, policy, responsibility; 7.1 communication, 7.2 receipt, 7.3 tracking, 7.4
acknowledgement, 7.5 initial assessment, 7.6 investigation, 7.7 response, 7.8 communicating the
decision, 7.9 closing; 8.2 analysis and evaluation, 8.6 management review)."""

from core.plugin_engine.manager import registry

EXPECTED = {
    "channels": "ISO 10002:2018 §4.5, §4.8, §7.1",
    "commitment": "ISO 10002:2018 §5.2–5.4",
    "registration": "ISO 10002:2018 §7.2",
    "acknowledgement": "ISO 10002:2018 §7.4",
    "triage": "ISO 10002:2018 §7.5",
    "investigation": "ISO 10002:2018 §7.6",
    "response": "ISO 10002:2018 §7.7–7.9",
    "timeliness": "ISO 10002:2018 §4.15, §7.3",
    "analysis": "ISO 10002:2018 §8.2, §8.6; ISO 9001 9.3.2 c",
    "fairness": "Source ch. 4.3; ISO 10002:2018 §4.7, §4.10",
}


def test_iso_10002_2018_clause_numbers_on_the_complaint_checklist(app):
    checklist = registry(app).checklists["aftersales.complaints"]
    assert {q.key: q.reference for q in checklist.questions} == EXPECTED
    # Version 2 corrected the clause numbers; later versions keep them.
    assert checklist.version >= 2


def test_iso_10002_2018_7_8_on_the_communication_checklist(app):
    questions = {q.key: q for q in registry(app).checklists["communication.internal"].questions}
    assert questions["complaint_decisions"].reference == "ISO 10002:2018 §7.8"
