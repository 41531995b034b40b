"""Read-and-understood: who owes an acknowledgement, completion, reset on a new revision."""

import pytest

from core.database import commit
from core.errors import Conflict
from core.testing import TEST_PASSWORD
from procedures import services
from tests.procedures.conftest import approve, effective_procedure, user

pytestmark = pytest.mark.usefixtures("people", "ctx")


def acknowledge(login, revision):
    services.sign_revision(user(login), revision, meaning="acknowledged", password=TEST_PASSWORD)
    commit()


def test_staff_of_the_distribution_owe_an_acknowledgement():
    procedure = effective_procedure()
    revision = procedure.effective_revision
    assert revision in services.to_read(user("staff"))
    assert revision not in services.to_read(user("auditor")), "TRAINING is not in the distribution"
    status = services.acknowledgement_status(user("qo"), procedure)
    assert {u.login for u in status.owed} == {"head", "staff"} and status.percent == 0
    acknowledge("staff", revision)
    assert revision not in services.to_read(user("staff"))
    status = services.acknowledgement_status(user("head"), procedure)
    assert status.percent == 50 and status.by_department() == {"SALES": (1, 2)}
    with pytest.raises(Conflict, match="already acknowledged"):
        services.sign_revision(user("staff"), revision, meaning="acknowledged", password=TEST_PASSWORD)


def test_roles_in_the_distribution_count_too():
    procedure = effective_procedure(distribution={"roles": ["auditor"]})
    assert procedure.effective_revision in services.to_read(user("auditor"))
    assert procedure.effective_revision not in services.to_read(user("staff"))


def test_a_new_revision_resets_acknowledgements():
    procedure = effective_procedure()
    acknowledge("staff", procedure.effective_revision)
    draft = services.new_draft(user("qo2"), procedure, change_summary="Greeting in one minute")
    services.edit_draft(user("qo2"), draft, row_version=draft.row_version, body=draft.body + "\nMore.\n")
    services.submit(user("qo2"), draft, row_version=draft.row_version)
    commit()
    approve(draft, "head", "qo")
    assert draft in services.to_read(user("staff"))
    assert services.acknowledgement_status(user("qo"), procedure).percent == 0


def test_only_the_effective_revision_can_be_acknowledged():
    procedure = effective_procedure()
    draft = services.new_draft(user("qo2"), procedure, change_summary="x")
    commit()
    with pytest.raises(Conflict, match="Only the effective revision"):
        services.sign_revision(user("staff"), draft, meaning="acknowledged", password=TEST_PASSWORD)
