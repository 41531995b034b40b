"""Demo content of the core: a demo site, a user for every role, and a year
of measurements of every registered metric at the demo site.

Areas add their own demo records through the ``populate_instance`` hook;
form submissions they make there (``core.forms.services.submit`` with
``submitted_at``) recompute their computed metrics.
"""

from __future__ import annotations

from core.accounts import services
from core.accounts.models import User
from core.database import db
from core.errors import NotFound

DEMO_SITE = ("DEMO", "Demo Motors (demo data)")
DEMO_PASSWORD = "demo-password"
# Enters the demo measurements (a quality officer may enter every metric).
DEMO_QUALITY_OFFICER = "quality"
# login, printed name, roles, department
DEMO_USERS = [
    ("quality", "Li Na (Quality officer)", ["quality_officer"], "QUALITY"),
    ("saleshead", "Wang Wei (Head of sales)", ["department_head"], "SALES"),
    ("servicehead", "Zhang Min (Head of after-sales)", ["department_head"], "AFTERSALES"),
    ("auditor", "Chen Jing (Internal auditor)", ["auditor"], "TRAINING"),
    ("staff", "Liu Yang (Sales consultant)", ["staff"], "SALES"),
]


def populate_demo() -> None:
    try:
        site = services.site_by_code(DEMO_SITE[0])
    except NotFound:
        site = services.create_site(None, *DEMO_SITE)
    for login, name, roles, department in DEMO_USERS:
        if db.session.execute(db.select(User.id).filter_by(login=login)).first():
            continue
        services.create_user(None, login=login, display_name=name, roles=roles, password=DEMO_PASSWORD,
                             department=services.department_by_code(department), site=site)
    from core.metrics import demo as metrics_demo

    metrics_demo.populate(site, services.user_by_login(DEMO_QUALITY_OFFICER))
