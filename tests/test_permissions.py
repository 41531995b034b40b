"""The permission matrix of the product design, role by role and permission by
permission, including where the answer depends on the department or on who
owns the record."""

from __future__ import annotations

import pytest

from core.accounts.models import Role, User, UserRole
from core.accounts.permissions import MATRIX, Permission, can, require
from core.errors import Forbidden

P = Permission
OWN, OTHER = 10, 20  # department ids
ME, SOMEONE = 1, 2  # user ids

ADMIN, QO, HEAD, AUDITOR, STAFF = (Role.ADMIN, Role.QUALITY_OFFICER, Role.DEPARTMENT_HEAD, Role.AUDITOR, Role.STAFF)

# The table of product.md. Rules:
#   yes / no           whatever the record
#   own_dept           only records of the user's own department
#   not_own_dept       any department but the user's own
#   assigned           only actions the user owns
#   not_own_action     only actions someone else owns
EXPECTED: dict[Permission, dict[Role, str]] = {
    P.READ_EFFECTIVE_PROCEDURES: {ADMIN: "yes", QO: "yes", HEAD: "yes", AUDITOR: "yes", STAFF: "yes"},
    P.READ_DRAFTS: {ADMIN: "yes", QO: "yes", HEAD: "own_dept", AUDITOR: "yes", STAFF: "no"},
    P.READ_TRAIL: {ADMIN: "yes", QO: "yes", HEAD: "own_dept", AUDITOR: "yes", STAFF: "no"},
    P.EDIT_DRAFT: {ADMIN: "no", QO: "yes", HEAD: "own_dept", AUDITOR: "no", STAFF: "no"},
    P.APPROVE_REVISION: {ADMIN: "no", QO: "yes", HEAD: "own_dept", AUDITOR: "no", STAFF: "no"},
    # Impartiality (ISO 9001 9.2.2 c, "an auditor may not audit their own
    # department") binds whoever audits, a quality officer included.
    P.RUN_AUDITS: {ADMIN: "no", QO: "not_own_dept", HEAD: "no", AUDITOR: "not_own_dept", STAFF: "no"},
    P.EXPORT_PACK: {ADMIN: "no", QO: "yes", HEAD: "no", AUDITOR: "yes", STAFF: "no"},
    P.RAISE_NC: {ADMIN: "yes", QO: "yes", HEAD: "yes", AUDITOR: "yes", STAFF: "yes"},
    P.OWN_ACTION: {ADMIN: "no", QO: "yes", HEAD: "yes", AUDITOR: "no", STAFF: "assigned"},
    # "The verifier is not the owner" binds everyone who may verify.
    P.VERIFY_EFFECTIVENESS: {ADMIN: "no", QO: "not_own_action", HEAD: "not_own_action", AUDITOR: "no", STAFF: "no"},
    P.ENTER_MEASUREMENTS: {ADMIN: "no", QO: "yes", HEAD: "own_dept", AUDITOR: "no", STAFF: "no"},
    P.SUBMIT_FORMS: {ADMIN: "yes", QO: "yes", HEAD: "yes", AUDITOR: "yes", STAFF: "yes"},
    P.MANAGE_USERS: {ADMIN: "yes", QO: "no", HEAD: "no", AUDITOR: "no", STAFF: "no"},
}

# For each rule: the contexts (department, owner) that must be allowed and refused.
CONTEXTS = {
    "yes": ([(None, None), (OWN, None), (OTHER, None), (None, ME), (None, SOMEONE)], []),
    "no": ([], [(None, None), (OWN, None), (OTHER, None), (None, ME), (None, SOMEONE)]),
    "own_dept": ([(OWN, None), (None, None)], [(OTHER, None)]),
    "not_own_dept": ([(OTHER, None), (None, None)], [(OWN, None)]),
    "assigned": ([(None, ME)], [(None, SOMEONE)]),
    "not_own_action": ([(None, SOMEONE), (None, None)], [(None, ME)]),
}


def person(*roles: Role, department_id: int = OWN, active: bool = True) -> User:
    return User(
        id=ME,
        login="someone",
        display_name="Someone",
        department_id=department_id,
        active=active,
        role_rows=[UserRole(role=role.value) for role in roles],
    )


def test_the_table_covers_every_permission_and_role():
    assert set(EXPECTED) == set(Permission) == set(MATRIX)
    assert all(set(row) == set(Role) for row in EXPECTED.values())


CASES = [(permission, role, rule) for permission, row in EXPECTED.items() for role, rule in row.items()]


@pytest.mark.parametrize(
    ("permission", "role", "rule"), CASES, ids=[f"{p.name.lower()}-{r.value}" for p, r, _ in CASES]
)
def test_matrix(permission, role, rule):
    user = person(role)
    allowed, refused = CONTEXTS[rule]
    for department_id, owner_id in allowed:
        assert can(user, permission, department_id=department_id, owner_id=owner_id), (
            f"{role.value} should be allowed to {permission.value} (department {department_id}, owner {owner_id})"
        )
    for department_id, owner_id in refused:
        assert not can(user, permission, department_id=department_id, owner_id=owner_id), (
            f"{role.value} should not {permission.value} (department {department_id}, owner {owner_id})"
        )
        with pytest.raises(Forbidden):
            require(user, permission, department_id=department_id, owner_id=owner_id)


def test_refusals_say_why():
    head, auditor, staff = person(HEAD), person(AUDITOR), person(STAFF)
    with pytest.raises(Forbidden, match="only for their own department"):
        require(head, P.EDIT_DRAFT, department_id=OTHER)
    with pytest.raises(Forbidden, match=r"may not audit their own department \(ISO 9001 9.2.2 c\)"):
        require(auditor, P.RUN_AUDITS, department_id=OWN)
    with pytest.raises(Forbidden, match="only the corrective actions assigned to them"):
        require(staff, P.OWN_ACTION, owner_id=SOMEONE)
    with pytest.raises(Forbidden, match="owner of a corrective action may not verify"):
        require(head, P.VERIFY_EFFECTIVENESS, owner_id=ME)
    with pytest.raises(Forbidden, match="needs: admin"):
        require(staff, P.MANAGE_USERS)


def test_a_second_role_widens_what_the_first_narrows():
    head_and_auditor = person(HEAD, AUDITOR)
    assert can(head_and_auditor, P.READ_DRAFTS, department_id=OTHER)  # as auditor
    assert not can(head_and_auditor, P.EDIT_DRAFT, department_id=OTHER)  # editing stays the head's own
    assert not can(head_and_auditor, P.RUN_AUDITS, department_id=OWN)  # impartiality binds both
    staff_and_qo = person(STAFF, QO)
    assert can(staff_and_qo, P.OWN_ACTION, owner_id=SOMEONE)


def test_nobody_and_deactivated_users_may_do_nothing():
    for permission in Permission:
        assert not can(None, permission)
        assert not can(person(ADMIN, QO, HEAD, AUDITOR, STAFF, active=False), permission)
    with pytest.raises(Forbidden, match="must be logged in"):
        require(None, P.READ_EFFECTIVE_PROCEDURES)
