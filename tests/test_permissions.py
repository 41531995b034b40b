"""The permission matrix of the product design, role by role and permission by
permission, including where the answer depends on the department, the site
(scope: one's own site, or every site for the group office) or on whose record it is."""

from __future__ import annotations

import pytest

from core.accounts.models import Role, User, UserRole
from core.accounts.permissions import MATRIX, Permission, can, require
from core.errors import Forbidden

P = Permission
OWN, OTHER = 10, 20  # department ids
ME, SOMEONE = 1, 2  # user ids
HERE, THERE = 100, 200  # site ids

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
    P.READ_RECORDS: {ADMIN: "yes", QO: "yes", HEAD: "own_dept", AUDITOR: "yes", STAFF: "own_records"},
    P.OWN_ACTION: {ADMIN: "no", QO: "yes", HEAD: "yes", AUDITOR: "no", STAFF: "assigned"},
    # "The verifier is not the owner" binds everyone who may verify.
    P.VERIFY_EFFECTIVENESS: {ADMIN: "no", QO: "not_own_action", HEAD: "not_own_action", AUDITOR: "no", STAFF: "no"},
    P.ENTER_MEASUREMENTS: {ADMIN: "no", QO: "yes", HEAD: "own_dept", AUDITOR: "no", STAFF: "no"},
    P.SUBMIT_FORMS: {ADMIN: "yes", QO: "yes", HEAD: "yes", AUDITOR: "yes", STAFF: "yes"},
    P.MANAGE_USERS: {ADMIN: "yes", QO: "no", HEAD: "no", AUDITOR: "no", STAFF: "no"},
    P.MANAGE_CHECKLISTS: {ADMIN: "yes", QO: "yes", HEAD: "no", AUDITOR: "no", STAFF: "no"},
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
# For READ_RECORDS: staff read what they raised or own (``people``), nothing else.
OWN_RECORDS = ([(ME,), (SOMEONE, ME)], [(SOMEONE,)])


def test_staff_read_only_their_own_records():
    staff = person(STAFF)
    allowed, refused = OWN_RECORDS
    for people in allowed:
        assert can(staff, P.READ_RECORDS, people=people)
    for people in refused:
        assert not can(staff, P.READ_RECORDS, people=people)
    assert can(person(QO), P.READ_RECORDS, people=(SOMEONE,))


def person(*roles: Role, department_id: int = OWN, active: bool = True, site_id: int | None = HERE) -> User:
    return User(
        id=ME,
        login="someone",
        display_name="Someone",
        department_id=department_id,
        site_id=site_id,
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
    if rule == "own_records":
        rule = "yes"
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


# Checklist libraries are the group's: a quality officer at any site manages them.
SITE_SCOPED = [p for p in Permission if p not in (P.READ_EFFECTIVE_PROCEDURES, P.MANAGE_USERS, P.MANAGE_CHECKLISTS)]


def test_a_quality_officer_of_any_site_manages_the_checklist_library():
    assert can(person(QO), P.MANAGE_CHECKLISTS, site_id=THERE)
    assert can(person(QO, site_id=None), P.MANAGE_CHECKLISTS)


@pytest.mark.parametrize("permission", SITE_SCOPED, ids=[p.name.lower() for p in SITE_SCOPED])
def test_scope_is_ones_own_site_or_every_site_for_the_group_office(permission):
    for role in MATRIX[permission] - {ADMIN}:
        at_a_site, group_office = person(role), person(role, site_id=None)
        department = OTHER if permission is P.RUN_AUDITS else OWN
        people = (ME,)
        assert can(at_a_site, permission, site_id=HERE, department_id=department, people=people), role
        assert not can(at_a_site, permission, site_id=THERE, department_id=department, people=people), role
        assert can(group_office, permission, site_id=THERE, department_id=department, people=people), role
    if ADMIN in MATRIX[permission]:
        assert can(person(ADMIN), permission, site_id=THERE)


def test_a_record_at_another_site_is_refused_with_the_reason():
    with pytest.raises(Forbidden, match="another site"):
        require(person(HEAD), P.ENTER_MEASUREMENTS, site_id=THERE, department_id=OWN)


def test_the_sql_scope_selects_what_can_allows(app):
    """scope_clause and can agree, row by row, for every role and permission that reads records."""
    from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

    from core.accounts.permissions import scope_clause

    table = Table("record", MetaData(), *(Column(name, Integer) for name in ("id", "site", "department", "owner")))
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    rows = [
        {"id": index, "site": site, "department": department, "owner": owner}
        for index, (site, department, owner) in enumerate(
            (s, d, o) for s in (HERE, THERE) for d in (OWN, OTHER) for o in (ME, SOMEONE)
        )
    ]
    with engine.begin() as connection:
        connection.execute(insert(table), rows)
        for permission in (P.READ_RECORDS, P.READ_DRAFTS, P.ENTER_MEASUREMENTS):
            for role in Role:
                for site_id in (HERE, None):
                    user = person(role, site_id=site_id)
                    clause = scope_clause(
                        user,
                        permission,
                        site_column=table.c.site,
                        department_column=table.c.department,
                        people_columns=(table.c.owner,),
                    )
                    selected = set(connection.execute(select(table.c.id).where(clause)).scalars())
                    expected = {
                        row["id"]
                        for row in rows
                        if can(
                            user,
                            permission,
                            site_id=row["site"],
                            department_id=row["department"],
                            people=(row["owner"],),
                        )
                    }
                    assert selected == expected, (permission, role, site_id)
