"""``init --demo``: audits in every state and NCs with their analyses and actions, made through the services."""

from types import SimpleNamespace

from audits.models import Audit, CorrectiveAction, Nonconformity
from core.database import db
from core.signatures import signature_matches, signatures_for
from core.trail.chain import verify
from core.trail.models import TrailEvent
from tests.audits.conftest import FieldCheck


def init_demo(app):
    from core.maintenance import initialise

    with app.app_context():
        initialise(demo=True, admin_password="correct horse battery staple")
        db.session.remove()


def demo_counts(app):
    from core.accounts.services import site_by_code

    with app.app_context():
        site = site_by_code("DEMO")
        audits = db.session.execute(db.select(Audit).filter_by(site_id=site.id)).scalars().all()
        ncs = db.session.execute(db.select(Nonconformity).filter_by(site_id=site.id)).scalars().all()
        actions = [a for nc in ncs for a in nc.actions]
        signatures = [s for record in [*audits, *actions] for s in signatures_for(record)]
        return {"audits": sorted((a.title, a.state) for a in audits),
                "ncs": sorted((nc.title, nc.state) for nc in ncs),
                "actions": len(actions), "items": sum(len(a.items) for a in audits), "signatures": len(signatures)}


def test_init_demo_adds_audits_and_nonconformities_in_every_state_once(app, register_plugin):
    register_plugin(FieldCheck(), "fieldcheck")
    init_demo(app)
    counts = demo_counts(app)
    assert {state for _, state in counts["audits"]} == {"planned", "in_progress", "reported", "closed"}
    assert {state for _, state in counts["ncs"]} >= {"open", "contained", "actions_planned", "verifying", "closed"}
    assert counts["signatures"] == 3  # two reports and one effectiveness verification

    with app.app_context():
        from audits.services import actions, audits, nonconformities

        closed = db.session.execute(db.select(Audit).filter_by(state="closed")).scalar_one()
        report = signatures_for(closed)[0]
        assert report.meaning == "report-issued" and report.signer_login == "auditor"
        assert signature_matches(report, closed)
        verified = db.session.execute(db.select(CorrectiveAction).filter_by(state="verified_effective")).scalar_one()
        assert signatures_for(verified)[0].signer_login == "quality"
        closed_nc = audits.nonconformities_of(closed)[0]
        assert closed_nc.state == "closed" and closed_nc.root_cause["method"] == "5why"
        assert [nc.title for nc in nonconformities.overdue_nonconformities()] == [
            "Customer complaint: trade-in valuation not explained"]
        assert {nc.root_cause["method"] for nc in db.session.execute(db.select(Nonconformity)).scalars()
                if nc.root_cause} == {"5why", "fishbone", "8d"}
        in_progress = db.session.execute(db.select(Audit).filter_by(state="in_progress")).scalar_one()
        answered, total = in_progress.progress
        assert 0 < answered < total
        assert [a.label for a in actions.my_actions(verified.owner)]  # staff's completed action waits
        actors = set(db.session.execute(db.select(TrailEvent.actor).where(
            TrailEvent.entity_type.in_(["audit", "audit_item", "nonconformity", "corrective_action"]))).scalars())
        assert {"quality", "auditor", "saleshead", "servicehead", "staff"} <= actors
        assert verify(db.session.connection()).ok

    init_demo(app)
    assert demo_counts(app) == counts, "a second init --demo adds nothing"


def test_without_checklists_the_demo_adds_only_the_nonconformities(app, monkeypatch):
    monkeypatch.setattr("audits.demo.registry", lambda: SimpleNamespace(checklists={}))
    init_demo(app)
    counts = demo_counts(app)
    assert counts["audits"] == []
    assert {state for _, state in counts["ncs"]} == {"contained", "actions_planned", "verifying"}
    init_demo(app)
    assert demo_counts(app) == counts
