"""An instance made before sites had their own department heads upgrades
without losing who heads what, and says what it did."""

from __future__ import annotations

import uuid

from flask_migrate import upgrade as alembic_upgrade
from sqlalchemy import text

from core import create_app
from core.accounts import organisation
from core.accounts.models import Department, Site
from core.database import db
from core.migration import upgrade


def test_each_existing_head_becomes_head_where_they_work(tmp_path, empty_database, capsys):
    folder = tmp_path / f"old-{uuid.uuid4().hex[:6]}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database(None, folder),
            "SECRET_KEY": "old",
            "INSTANCE_PATH": str(folder / "instance"),
        }
    )
    with app.app_context():
        # The schema as it was: one head per department for the whole group.
        alembic_upgrade(revision="0003_jobs")
        statements = [
            "INSERT INTO site (id, code, name, active, row_version) VALUES (1, 'BJ01', 'Beijing', true, 1)",
            "INSERT INTO department (id, code, name, row_version) VALUES (1, 'SALES', 'Sales', 1)",
            "INSERT INTO department (id, code, name, row_version) VALUES (2, 'RISK', 'Risk', 1)",
            "INSERT INTO department (id, code, name, row_version) VALUES (3, 'COMMS', 'Communication', 1)",
            "INSERT INTO user_account (id, login, display_name, department_id, site_id, active, locale, created_at,"
            " row_version) VALUES (1, 'bj.sales.head', 'Wang', 1, 1, true, 'en', '2026-01-01 00:00:00', 1)",
            "INSERT INTO user_account (id, login, display_name, department_id, site_id, active, locale, created_at,"
            " row_version) VALUES (2, 'group.risk', 'Li', 2, NULL, true, 'en', '2026-01-01 00:00:00', 1)",
            "INSERT INTO user_role (user_id, role) VALUES (1, 'department_head'), (2, 'department_head')",
            "UPDATE department SET head_id = 1 WHERE id = 1",
            "UPDATE department SET head_id = 2 WHERE id = 2",
        ]
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()

        capsys.readouterr()
        upgrade()
        # Alembic's log goes to the console of whoever upgrades (dealerqms init, flask db upgrade).
        said = capsys.readouterr().err
        assert "Department SALES: bj.sales.head is now its head at site BJ01." in said
        assert "Department RISK: group.risk is now its head group-wide" in said
        sales, risk, comms = (db.session.get(Department, i) for i in (1, 2, 3))
        beijing = db.session.get(Site, 1)
        assert organisation.head_of(sales, beijing).login == "bj.sales.head"
        # A group-level head heads the function at every site that names none.
        assert organisation.head_of(risk, beijing).login == "group.risk"
        assert organisation.head_of(comms, beijing) is None
        assert beijing.time_zone == "Asia/Shanghai"
