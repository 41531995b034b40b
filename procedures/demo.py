"""The demo's document-control work in progress: at each demo site, the quality officer has
written a site procedure and submitted it, so the site's head of sales finds it to approve."""

from __future__ import annotations

from core.accounts.services import department_by_code, site_by_code, user_by_login
from core.database import commit, db
from core.demo import DEMO_SITES
from core.errors import NotFound
from procedures import services
from procedures.models import Procedure

BODY = """# 展厅接待 Showroom greeting

## 目的 Purpose

每位来店客户在两分钟内得到问候。Every visitor is greeted within two minutes.

## 步骤 Steps

1. 前台顾问起身问候，递上饮品单。The receptionist stands, greets and offers the drinks menu.
2. 登记来店信息并在十分钟内交给销售顾问。The visit is logged and handed to a sales consultant within ten minutes.
"""


def populate() -> int:
    added = 0
    for code, _name, prefix in DEMO_SITES:
        try:
            site = site_by_code(code)
            author = user_by_login(f"{prefix}.quality")
        except NotFound:
            continue
        procedure_code = f"SA-{code}-001"
        if db.session.execute(db.select(Procedure.id).filter_by(code=procedure_code)).first():
            continue
        procedure = services.create_procedure(
            author,
            code=procedure_code,
            title=f"Showroom greeting at {code}",
            department=department_by_code("SALES"),
            body=BODY,
            site=site,
        )
        commit()
        revision = procedure.revisions[0]
        services.submit(author, revision, row_version=revision.row_version)
        commit()
        added += 1
    return added
