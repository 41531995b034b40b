"""The demo's document-control work in progress: at each demo site, the quality officer has
written a site procedure and submitted it, so the site's head of sales finds it to approve."""

from __future__ import annotations

from core.accounts.services import department_by_code, site_by_code, user_by_login
from core.database import commit, db
from core.demo import DEMO_SITES, demo_text
from core.errors import NotFound
from procedures import services
from procedures.models import Procedure

# One record, one language: the procedure reads in the demo's language only.
BODY_EN = """# Showroom greeting

## Purpose

Every visitor is greeted within two minutes.

## Steps

1. The receptionist stands, greets and offers the drinks menu.
2. The visit is logged and handed to a sales consultant within ten minutes.
"""
BODY_ZH = """# 展厅接待

## 目的

每位来店客户在两分钟内得到问候。

## 步骤

1. 前台接待员起身问候，递上饮品单。
2. 登记来店信息，并在十分钟内交给销售顾问。
"""
# What a Chinese title calls each demo site (its name less the group's).
PLACES = {"bj": "北京朝阳店", "sh": "上海浦东店"}


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
            title=demo_text(f"Showroom greeting at {code}", f"{PLACES.get(prefix, code)}展厅接待程序"),
            department=department_by_code("SALES"),
            body=demo_text(BODY_EN, BODY_ZH),
            site=site,
        )
        commit()
        revision = procedure.revisions[0]
        services.submit(author, revision, row_version=revision.row_version)
        commit()
        added += 1
    return added
