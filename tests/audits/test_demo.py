"""The demo audits, NCs and actions at both demo sites, made through the services.

Runs the core's and the audits feature's demo alone (without the area
plugins' two years of form submissions, which ``tests/test_demo_group.py``
covers), so it stays fast.
"""

from audits.models import Audit, CorrectiveAction, Evidence, Nonconformity
from core.database import db
from core.signatures import signature_matches, signatures_for
from core.trail.chain import verify
from core.trail.models import TrailEvent


def populate(app):
    from audits.demo import populate as audits_demo
    from audits.services.programme import load_starter_programme
    from core.demo import populate_demo

    with app.app_context():
        populate_demo()
        load_starter_programme()
        audits_demo()
        db.session.commit()
        db.session.remove()


def demo_counts(app):
    with app.app_context():
        audits = db.session.execute(db.select(Audit)).scalars().all()
        ncs = db.session.execute(db.select(Nonconformity)).scalars().all()
        actions = [a for nc in ncs for a in nc.actions]
        signatures = [s for record in [*audits, *actions] for s in signatures_for(record)]
        return {
            "audits": sorted((a.site.code, a.title, a.state) for a in audits),
            "ncs": sorted((nc.site.code, nc.title, nc.state) for nc in ncs),
            "actions": len(actions),
            "items": sum(len(a.items) for a in audits),
            "signatures": len(signatures),
            "evidence": db.session.execute(db.select(db.func.count(Evidence.id))).scalar(),
        }


def test_demo_adds_audits_and_nonconformities_in_every_state_at_both_sites_once(app):
    populate(app)
    counts = demo_counts(app)
    for code in ("BJ01", "SH01"):
        assert {state for site, _, state in counts["audits"] if site == code} == {
            "planned",
            "in_progress",
            "reported",
            "closed",
        }
    assert {state for *_, state in counts["ncs"]} == {
        "open",
        "contained",
        "root_cause_identified",
        "actions_planned",
        "verifying",
        "closed",
    }
    # Four reports, two of the imported brand standard's audits and two effectiveness verifications.
    assert counts["signatures"] == 8
    assert counts["evidence"] >= 8

    with app.app_context():
        from audits.services import actions, audits, nonconformities

        for closed in db.session.execute(db.select(Audit).filter_by(state="closed")).scalars():
            if "brand.showroom" in closed.checklist_keys:
                continue  # passed with no finding (tests/test_demo_group.py)
            report = signatures_for(closed)[0]
            prefix = closed.site.code[:2].lower()
            assert report.meaning == "report-issued" and report.signer_login == f"{prefix}.auditor"
            assert signature_matches(report, closed)
            closed_nc = audits.nonconformities_of(closed)[0]
            assert closed_nc.state == "closed" and closed_nc.root_cause["method"] == "5why"
            assert closed_nc.owner.site_id == closed.site_id, "the audited site's head owns its NC"
        verified = db.session.execute(db.select(CorrectiveAction).filter_by(state="verified_effective")).scalars()
        assert {signatures_for(action)[0].signer_login for action in verified} == {"bj.quality", "sh.quality"}
        assert sorted((nc.site.code, nc.title) for nc in nonconformities.overdue_nonconformities()) == [
            ("BJ01", "Customer complaint: trade-in valuation not explained"),
            ("SH01", "Mandatory training completion below target"),
        ]
        assert {
            nc.root_cause["method"] for nc in db.session.execute(db.select(Nonconformity)).scalars() if nc.root_cause
        } == {"5why", "fishbone", "8d"}
        for running in db.session.execute(db.select(Audit).filter_by(state="in_progress")).scalars():
            answered, total = running.progress
            assert 0 < answered < total
            lead_department = running.lead_auditor.department_id
            assert lead_department not in {d.id for d in running.departments}, "never one's own department"
        waiting = db.session.execute(db.select(CorrectiveAction).filter_by(state="done")).scalars().all()
        assert {a.owner.login for a in waiting} == {"bj.sales", "sh.sales"}
        assert [a.label for a in actions.my_actions(waiting[0].owner)]
        actors = set(
            db.session.execute(
                db.select(TrailEvent.actor).where(
                    TrailEvent.entity_type.in_(["audit", "audit_item", "nonconformity", "corrective_action"])
                )
            ).scalars()
        )
        assert {
            "bj.quality",
            "bj.auditor",
            "bj.sales.head",
            "bj.service.head",
            "bj.sales",
            "sh.quality",
            "sh.auditor",
            "sh.auditor2",
            "sh.marketing.head",
            "sh.training.head",
        } <= actors
        assert verify(db.session.connection()).ok

    populate(app)
    assert demo_counts(app) == counts, "a second init --demo adds nothing"


def test_without_checklists_the_demo_adds_only_the_nonconformities(app, monkeypatch):
    monkeypatch.setattr("audits.demo.catalog.checklists", lambda: {})
    populate(app)
    counts = demo_counts(app)
    assert counts["audits"] == []
    assert {state for *_, state in counts["ncs"]} == {
        "contained",
        "root_cause_identified",
        "actions_planned",
        "verifying",
    }
    populate(app)
    assert demo_counts(app) == counts
