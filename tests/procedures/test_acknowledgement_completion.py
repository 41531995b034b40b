"""The read-and-understood figure of a site and month (the ``acknowledgement_completion`` hook and
the training plugin's ``training.procedure_acknowledgement`` metric it feeds), worked by hand.

MAIN's people (all there since February 2026): Hana Head and two SALES staff, Aiden of TRAINING
(an auditor), Quinn and Quincy of QUALITY. Norah and Nick sell at NORTH. SA-PR-001 (distributed to SALES)
takes effect on 2 March, SA-PR-009 (distributed to auditors) on 5 March.

March, at midnight of 1 April in Shanghai: SA-PR-001 rev 1 is owed by Hana, Sam and Sue, SA-PR-009
by Aiden: 4 due. Sam signed on 10 March, Aiden at 23:30 on 31 March (15:30 UTC); Sue at 00:30 on 1
April (still 31 March in UTC), too late; Norah's and Nick's signatures are NORTH's. 2 of 4: 50 %.
NORTH keeps Urumqi's time (UTC+6).

April: Leo joins SALES on 15 April; SA-PR-001 rev 2 takes effect on 10 April and needs signing
again (Sam and Sue signed rev 1 only); Sam signs rev 2 on 20 April. Due: rev 2 by Hana, Sam, Sue
and Leo, SA-PR-009 by Aiden = 5; given: Aiden's and Sam's = 2: 40 %. March keeps its 50 %.
"""

from datetime import UTC, datetime

import pytest
import time_machine

from core.accounts.services import site_by_code
from core.database import commit
from core.testing import TEST_PASSWORD
from procedures import services
from tests.procedures.conftest import approve, effective_procedure, user

ACK_METRIC = "training.procedure_acknowledgement"


def at(*moment):
    """Travel to a UTC moment."""
    return time_machine.travel(datetime(*moment, tzinfo=UTC), tick=False)


def acknowledge(login, revision):
    services.sign_revision(user(login), revision, meaning="acknowledged", password=TEST_PASSWORD)
    commit()


def new_revision(procedure):
    draft = services.new_draft(user("qo2"), procedure, change_summary="Greet within one minute")
    services.edit_draft(user("qo2"), draft, row_version=draft.row_version, body=draft.body + "\nOne minute.\n")
    services.submit(user("qo2"), draft, row_version=draft.row_version)
    commit()
    approve(draft, "head", "qo")
    return draft


@pytest.fixture
def story(app, make_user):
    from core.accounts.services import create_site

    with app.app_context():
        create_site(None, "NORTH", "North", time_zone="Asia/Urumqi")
        commit()
    with at(2026, 2, 20, 2, 0):
        make_user("qo", "quality_officer", department="QUALITY", display_name="Quinn Quality")
        make_user("qo2", "quality_officer", department="QUALITY", display_name="Quincy Second")
        make_user("head", "department_head", department="SALES", display_name="Hana Head")
        make_user("sam", "staff", department="SALES", display_name="Sam Staff")
        make_user("sue", "staff", department="SALES", display_name="Sue Staff")
        make_user("aiden", "auditor", department="TRAINING", display_name="Aiden Auditor")
        make_user("norah", "staff", department="SALES", site="NORTH", display_name="Norah North")
        make_user("nick", "staff", department="SALES", site="NORTH", display_name="Nick North")
    with app.app_context():
        with at(2026, 3, 2, 2, 0):
            sales = effective_procedure("SA-PR-001")
        with at(2026, 3, 5, 2, 0):
            training = effective_procedure("SA-PR-009", distribution={"roles": ["auditor"]})
        with at(2026, 3, 10, 3, 0):
            acknowledge("sam", sales.effective_revision)
        with at(2026, 3, 20, 3, 0):
            acknowledge("norah", sales.effective_revision)
        with at(2026, 3, 31, 15, 30):
            acknowledge("aiden", training.effective_revision)
        with at(2026, 3, 31, 16, 30):
            acknowledge("sue", sales.effective_revision)
        with at(2026, 3, 31, 17, 30):
            acknowledge("nick", sales.effective_revision)
        with at(2026, 4, 10, 2, 0):
            second = new_revision(sales)
        with at(2026, 4, 15, 2, 0):
            make_user("leo", "staff", department="SALES", display_name="Leo Late")
        with at(2026, 4, 20, 3, 0):
            acknowledge("sam", second)


def test_a_month_counts_the_acknowledgements_due_and_given_at_its_end_in_the_sites_time_zone(app, story):
    from core.plugins import procedure_acknowledgements

    with app.app_context():
        main = site_by_code("MAIN")
        assert services.acknowledgement_completion(main, "2026-02") == (0, 0), "nothing was in force yet"
        assert procedure_acknowledgements(main, "2026-03") == (4, 2)
        assert procedure_acknowledgements("MAIN", "2026-04") == (5, 2)
        # NORTH keeps Urumqi's time (UTC+6): Nick's 17:30 UTC on 31 March was 23:30 there, in March.
        assert procedure_acknowledgements("NORTH", "2026-03") == (2, 2)
        # Norah and Nick owe SA-PR-001 rev 2 and signed rev 1 only.
        assert procedure_acknowledgements("NORTH", "2026-04") == (2, 0)


def test_the_current_month_counts_up_to_this_very_moment(app, story):
    from core.metrics import services as metrics
    from core.plugins import procedure_acknowledgements

    with app.app_context(), at(2026, 4, 26, 2, 0):
        assert procedure_acknowledgements("MAIN", "2026-04") == (5, 2)
        acknowledge("sue", services.procedure_by_code("SA-PR-001").effective_revision)
        assert procedure_acknowledgements("MAIN", "2026-04") == (5, 3)
        assert metrics.find(metrics.definition(ACK_METRIC), site_by_code("MAIN"), "2026-04").value == 60.0


def test_the_training_metric_is_computed_as_acknowledgements_are_signed(app, story):
    from core.errors import Conflict
    from core.metrics import services as metrics

    with app.app_context():
        main, metric = site_by_code("MAIN"), metrics.definition(ACK_METRIC)
        # Stored when each acknowledgement was signed, Sue's of 1 April (Shanghai) in April.
        assert [(row.period, row.value) for row in metrics.series_rows(metric, main)] == [
            ("2026-04", 40.0),
            ("2026-03", 50.0),
        ]
        assert metrics.status(metric, metrics.thresholds_for(metric, main), 50.0) == "red"
        with pytest.raises(Conflict, match="takes no values by hand"):
            metrics.record(user("qo"), metric, main, "2026-05", 100)


def test_a_revision_taking_effect_counts_at_once_and_a_tick_starts_a_quiet_month(app, story):
    from core.metrics import services as metrics
    from core.plugin_engine import manager

    with app.app_context():
        main, metric = site_by_code("MAIN"), metrics.definition(ACK_METRIC)
        with at(2026, 5, 6, 2, 0):
            assert metrics.find(metric, main, "2026-05") is None, "nothing happened in May yet"
            manager.tick(datetime(2026, 5, 6, 2, 0, tzinfo=UTC))
            # As April ended: rev 2 by Hana, Sam, Sue, Leo; SA-PR-009 by Aiden. Given: Sam's, Aiden's.
            assert metrics.find(metric, main, "2026-05").value == 40.0
        with at(2026, 5, 7, 2, 0):
            effective_procedure("SA-PR-002", distribution={"departments": ["TRAINING"]})
            # Aiden owes one more: 2 of 6, without anyone signing or a tick.
            assert metrics.find(metric, main, "2026-05").value == round(2 / 6 * 100, 1)


def test_a_new_instance_has_no_figure_until_somebody_acknowledges(app, make_user):
    from core.metrics import services as metrics
    from core.plugin_engine import manager
    from core.plugins import current_period, utcnow

    for login, role, department in (("qo", "quality_officer", "QUALITY"), ("qo2", "quality_officer", "QUALITY")):
        make_user(login, role, department=department)
    make_user("head", "department_head", department="SALES")
    make_user("sam", "staff", department="SALES")
    with app.app_context():
        main, metric = site_by_code("MAIN"), metrics.definition(ACK_METRIC)
        procedure = effective_procedure("SA-PR-001")
        manager.tick(utcnow())
        # `demo-data` fills only an instance without measurements: `init`'s starter procedures leave none.
        assert metrics.series_rows(metric, main) == []
        acknowledge("sam", procedure.effective_revision)
        [figure] = metrics.series_rows(metric, main)
        assert (figure.period, figure.value) == (current_period(), 50.0)


def test_many_revisions_with_a_few_distributions_count_as_each_person_against_each_revision(app, make_user):
    """The figure counted by distribution agrees with the plain rule applied pair by pair."""
    from core.accounts.models import User
    from core.accounts.services import create_site
    from core.database import db
    from core.signatures import Signature
    from procedures.models import Revision, RevisionState

    distributions = [
        {"departments": ["SALES"], "roles": []},
        # Sam is named twice over (department and role) and owes it once.
        {"departments": ["SALES"], "roles": ["staff"]},
        {"departments": [], "roles": ["auditor"]},
        {"departments": ["QUALITY", "TRAINING"]},
        {"departments": ["AFTERSALES"], "roles": []},
    ]
    with app.app_context():
        create_site(None, "NORTH", "North")
        commit()
    with at(2026, 2, 20, 2, 0):
        make_user("qo", "quality_officer", department="QUALITY")
        make_user("qo2", "quality_officer", department="QUALITY")
        make_user("head", "department_head", department="SALES")
        make_user("sam", "staff", department="SALES")
        make_user("aiden", "auditor", department="TRAINING")
        make_user("norah", "staff", department="SALES", site="NORTH")
    with app.app_context():
        main = site_by_code("MAIN")
        procedures = []
        with at(2026, 3, 2, 2, 0):
            for number in range(30):
                procedures.append(
                    effective_procedure(f"SA-PR-{number:03}", distribution=distributions[number % len(distributions)])
                )
        with at(2026, 3, 5, 2, 0):
            for procedure in procedures[:7]:
                acknowledge("sam", procedure.effective_revision)
        with at(2026, 3, 10, 2, 0):
            for procedure in procedures[:6]:
                new_revision(procedure)
            services.withdraw(user("qo"), procedures[6], reason="Merged", row_version=procedures[6].row_version)
            commit()
        with at(2026, 3, 20, 3, 0):
            for login in ("sam", "aiden", "head", "norah"):
                for procedure in procedures[7:20]:
                    acknowledge(login, procedure.effective_revision)
        with at(2026, 4, 5, 2, 0):
            for procedure in procedures[20:25]:
                acknowledge("aiden", procedure.effective_revision)
        with at(2026, 4, 10, 2, 0):
            figure = services.acknowledgement_completion(main, "2026-03")

            end = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # midnight of 1 April in Shanghai
            people = db.session.execute(db.select(User).filter_by(site_id=main.id, active=True)).scalars().all()
            due = given = 0
            for revision in db.session.execute(db.select(Revision)).scalars():
                procedure = revision.procedure
                in_force = (
                    revision.state in (RevisionState.EFFECTIVE, RevisionState.SUPERSEDED)
                    and revision.effective_at is not None
                    and revision.effective_at < end
                    and (revision.superseded_at is None or revision.superseded_at >= end)
                    and (procedure.withdrawn_at is None or procedure.withdrawn_at >= end)
                )
                if not in_force:
                    continue
                for person in people:
                    named = (person.department and person.department.code in procedure.distribution_departments) or any(
                        role.value in procedure.distribution_roles for role in person.roles
                    )
                    if not named:
                        continue
                    due += 1
                    given += any(
                        signature.signed_at < end
                        for signature in db.session.execute(
                            db.select(Signature).filter_by(
                                entity_type="procedure_revision",
                                entity_id=str(revision.id),
                                signer_id=person.id,
                                meaning="acknowledged",
                            )
                        ).scalars()
                    )
    assert figure == (due, given)
    assert 0 < given < due
