"""Who may use which route, from the design ("Roles and permissions" of
docs/product design, docs/organisation.md): one entry per (method, URL rule).

Each entry names the URL to request (built from a site's records: the MAIN
variant and the NORTH variant where the rule has a record in it) and a rule
saying, per identity, ``OK`` (any answer but 401/403/404 and 5xx: an empty
write body answered 422 proves authorization passed), ``403`` (sees the
record, may not do this) or ``404`` (may not see the record). Without a
login, web pages redirect to /login and the API answers 401.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.access_matrix.world import (
    CHECKLIST_KEY,
    FORM_KEY,
    IMPORTED_CHECKLIST,
    METRIC_KEY,
    PERIOD,
    Identity,
    SiteRecords,
)

OK, DENY, HIDE = "ok", 403, 404
SITES = ("MAIN", "NORTH")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}

Rule = Callable[[Identity, SiteRecords | None], object]


# Scope ----------------------------------------------------------------------------


def in_scope(i: Identity, r: SiteRecords) -> bool:
    """A quality officer's or auditor's scope: their site, or every site from the group office."""
    return i.site is None or i.site == r.site


def own_dept_own_site(i: Identity, r: SiteRecords) -> bool:
    return i.department == r.department and i.site == r.site


def sees_drafts(i, r) -> bool:
    """Drafts, history, trail, audits: admin; QO/auditor in scope; head of the department at the site."""
    return (
        i.has("admin")
        or (i.has("quality_officer", "auditor") and in_scope(i, r))
        or (i.has("department_head") and own_dept_own_site(i, r))
    )


def sees_records(people: Callable[[SiteRecords], frozenset]) -> Callable:
    """NCs, actions, submissions, measurements: as drafts, and staff their own and assigned."""

    def rule(i, r) -> bool:
        return sees_drafts(i, r) or (i.has("staff") and i.name in people(r))

    return rule


def sees_effective(i, r) -> bool:
    """An effective procedure of a site applies to that site and to the group office."""
    return i.has("admin") or i.site is None or i.site == r.site


NC_PEOPLE = sees_records(lambda r: r.nc_people)
ACTION_PEOPLE = sees_records(lambda r: frozenset({r.action_owner}))
SUBMISSION_PEOPLE = sees_records(lambda r: frozenset({r.submitted_by}))
MEASUREMENT_PEOPLE = sees_records(lambda r: frozenset({r.measured_by}))


def sees_job(i, r) -> bool:
    """A job is its starter's (and an administrator's): another exporter starts their own pack."""
    return i.name == r.job_by or i.has("admin")


def on_record(sees: Callable, may: Callable) -> Rule:
    """404 unless the identity sees the record; then 403 unless it may do this."""

    def rule(i, r):
        if not sees(i, r):
            return HIDE
        return OK if may(i, r) else DENY

    return rule


def roles(*names: str) -> Rule:
    """A route with no record: the roles that may use it, 403 for the others."""
    return lambda i, r: OK if i.has(*names) else DENY


EVERYONE: Rule = lambda i, r: OK  # noqa: E731
ADMIN_ONLY = roles("admin")
READ_TRAIL = roles("admin", "quality_officer", "department_head", "auditor")
READ_AUDITS = READ_TRAIL
RUN_AUDITS = roles("quality_officer", "auditor")
RAISE_NC_DIRECTLY = roles("admin", "quality_officer", "department_head", "auditor")  # staff: via forms only
EDIT_ROLE = roles("quality_officer", "department_head")
READ_CHECKLISTS = roles("admin", "quality_officer", "auditor")
MANAGE_CHECKLISTS = roles("admin", "quality_officer")


def head_of_sales(i) -> bool:
    return i.has("department_head") and i.department == "SALES"


PRINTS_SITE_LINKS: Rule = lambda i, r: (  # noqa: E731
    OK
    if i.has("admin") or (i.has("quality_officer", "department_head") and (i.site is None or i.site == r.site))
    else DENY
)
ENTER_ROLE: Rule = lambda i, r: OK if i.has("quality_officer") or head_of_sales(i) else DENY  # noqa: E731


# What one may do to a record one sees ----------------------------------------------


def edits(i, r) -> bool:
    return (i.has("quality_officer") and in_scope(i, r)) or (i.has("department_head") and own_dept_own_site(i, r))


def runs_audit(i, r) -> bool:
    """QO/auditor in scope, never of their own department (the audit is of SALES; the team is everyone in scope)."""
    return i.has("quality_officer", "auditor") and in_scope(i, r) and i.department != r.department


def exports(i, r) -> bool:
    return i.has("quality_officer", "auditor") and in_scope(i, r)


def manages_nc(i, r) -> bool:
    return edits(i, r)


def completes(i, r) -> bool:
    return (
        i.name == r.action_owner
        or (i.has("quality_officer") and in_scope(i, r))
        or (i.has("department_head") and own_dept_own_site(i, r))
    )


def verifies(i, r) -> bool:
    return edits(i, r) and i.name != r.action_owner


def submits_at(i, r) -> bool:
    return i.site is None or i.site == r.site


def token_owner(i, r) -> bool:
    return i.name == "staff_other"


READ_DRAFT = on_record(sees_drafts, lambda i, r: True)
# A draft revision is a record of its own: who may not read drafts does not see it.
DRAFT_EDIT = on_record(sees_drafts, edits)
PROC_READ = on_record(sees_effective, lambda i, r: True)
PROC_HISTORY = on_record(sees_effective, sees_drafts)
PROC_EDIT = on_record(sees_effective, edits)
# Withdrawing a procedure from the library is a quality officer's decision, not the department's.
PROC_WITHDRAW = on_record(sees_effective, lambda i, r: i.has("quality_officer") and in_scope(i, r))
AUDIT_READ = on_record(sees_drafts, lambda i, r: True)
AUDIT_RUN = on_record(sees_drafts, runs_audit)
# The report is signed by the lead auditor alone.
AUDIT_REPORT = on_record(sees_drafts, lambda i, r: runs_audit(i, r) and i.name == r.lead)
AUDIT_EXPORT = on_record(sees_drafts, exports)
EVIDENCE_READ = AUDIT_READ
NC_READ = on_record(NC_PEOPLE, lambda i, r: True)
NC_MANAGE = on_record(NC_PEOPLE, manages_nc)
NC_EVIDENCE = on_record(NC_PEOPLE, lambda i, r: manages_nc(i, r) or i.name == r.action_owner)
ACTION_READ = on_record(ACTION_PEOPLE, lambda i, r: True)
ACTION_COMPLETE = on_record(ACTION_PEOPLE, completes)
ACTION_VERIFY = on_record(ACTION_PEOPLE, verifies)
SUBMISSION_READ = on_record(SUBMISSION_PEOPLE, lambda i, r: True)
# A customer's answer (the world's follow-up is of one) is nobody's own: read as drafts are; its
# outcome is recorded by the head of SALES at the site, a quality officer in scope or an admin.
FOLLOW_UP_READ = on_record(sees_drafts, lambda i, r: True)
FOLLOW_UP_RECORD = on_record(
    sees_drafts,
    lambda i, r: (
        i.has("admin")
        or (i.has("quality_officer") and in_scope(i, r))
        or (i.has("department_head") and own_dept_own_site(i, r))
    ),
)
MEASUREMENT_READ = on_record(MEASUREMENT_PEOPLE, lambda i, r: True)
MEASUREMENT_CORRECT = on_record(MEASUREMENT_PEOPLE, edits)
# A site is visible to all; its targets are set by a quality officer in scope (the group's
# objectives, not a department's own).
TARGET_SET = on_record(lambda i, r: True, lambda i, r: i.has("quality_officer") and in_scope(i, r))
SUBMIT_AT = on_record(lambda i, r: True, submits_at)
JOB_READ = on_record(sees_job, lambda i, r: True)


def reads_consultant_figures(i, r) -> bool:
    """Sales figures per consultant: the site's sales people (their own row) and its head of sales,
    quality officers in scope, the administrator."""
    return (
        i.has("admin")
        or (i.has("quality_officer") and in_scope(i, r))
        or (i.department == "SALES" and i.site == r.site)
    )


CONSULTANT_FIGURES = on_record(lambda i, r: True, reads_consultant_figures)


def does_check(i, r) -> bool:
    """A scheduled check of SALES at a site: anyone of SALES there; a quality officer in scope stands in."""
    return (i.department == r.department and i.site == r.site) or (i.has("quality_officer") and in_scope(i, r))


def sees_check(i, r) -> bool:
    return does_check(i, r) or (i.has("quality_officer", "auditor", "admin") and in_scope(i, r))


CHECK_READ = on_record(sees_check, lambda i, r: True)
CHECK_RECORD = on_record(sees_check, does_check)
SCHEDULE_ROLE = roles("quality_officer", "department_head")
# A schedule of SALES at a site is managed by a quality officer in scope and the head of SALES there.
SCHEDULE_STOP = on_record(
    lambda i, r: (
        (i.has("quality_officer") and in_scope(i, r)) or (i.has("department_head") and own_dept_own_site(i, r))
    ),
    lambda i, r: True,
)


def sets_objectives(i, r) -> bool:
    """An objective of SALES at a site: set by a quality officer in scope and the head of SALES there."""
    return (i.has("quality_officer") and in_scope(i, r)) or (i.has("department_head") and own_dept_own_site(i, r))


def sees_objective(i, r) -> bool:
    """Objectives are meant to be known: the department's people at the site, overseers in scope."""
    own_department = i.department == r.department and (i.site is None or i.site == r.site)
    return own_department or (i.has("quality_officer", "auditor", "admin") and in_scope(i, r))


OBJECTIVE_READ = on_record(sees_objective, lambda i, r: True)
OBJECTIVE_SET = on_record(sees_objective, sets_objectives)
# The owner (the head of SALES there) gives the monthly word, or who sets it.
OBJECTIVE_UPDATE = OBJECTIVE_SET


def sees_review(i, r) -> bool:
    """A management review of a site: its chair and participants, quality officers and auditors in scope."""
    return i.name in r.review_people or (i.has("quality_officer", "auditor") and in_scope(i, r))


def plans_review(i, r) -> bool:
    return i.has("quality_officer") and in_scope(i, r)


REVIEW_READ = on_record(sees_review, lambda i, r: True)
REVIEW_COMPILE = on_record(sees_review, plans_review)
# The hand-written inputs: who plans it, or its chair.
REVIEW_WRITE = on_record(sees_review, lambda i, r: plans_review(i, r) or i.name == r.review_chair)
# The meeting record and holding it: as the hand-written inputs; outputs: the chair or who plans it.
REVIEW_RECORD = REVIEW_WRITE
REVIEW_OUTPUTS = REVIEW_WRITE
# The minutes are signed by the chair alone.
REVIEW_SIGN = on_record(sees_review, lambda i, r: i.name == r.review_chair)
PLAN_REVIEW = roles("quality_officer")
IMPROVEMENT_PEOPLE = sees_records(lambda r: r.improvement_people)
IMPROVEMENT_READ = on_record(IMPROVEMENT_PEOPLE, lambda i, r: True)
# Its owner works on an improvement; a quality officer in scope and the head of SALES there too.
IMPROVEMENT_WORK = on_record(IMPROVEMENT_PEOPLE, lambda i, r: edits(i, r) or i.name == r.improvement_owner)
TOKEN = on_record(token_owner, lambda i, r: True)
# A notification is its recipient's alone: not even an administrator opens someone else's.
OWN = TOKEN
# A browser session or an API token is its owner's; an administrator may end anyone's (a stolen laptop).
SESSION = on_record(lambda i, r: token_owner(i, r) or i.has("admin"), lambda i, r: True)
# Everyone sees who is who; a password is its owner's to change (an administrator sets anyone's).
PASSWORD = on_record(lambda i, r: True, lambda i, r: token_owner(i, r) or i.has("admin"))


# The table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    method: str
    rule: str
    url: str  # str.format'ed with the site's records (and world.spare_token as {token})
    expect: Rule
    per_site: bool = False
    public: bool = False
    body: Callable[[SiteRecords | None], dict] | None = None
    fresh_client: bool = False
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.rule)

    @property
    def api(self) -> bool:
        return self.rule.startswith("/api/")

    def __str__(self):
        return f"{self.method} {self.rule}"


def E(method, rule, expect, url=None, **kwargs) -> list[Entry]:  # noqa: N802
    """Entries for ``method`` (one, or several joined by ',') of ``rule``."""
    per_site = "{" in (url or rule) and expect not in (EVERYONE, ADMIN_ONLY) and "per_site" not in kwargs
    kwargs.setdefault("per_site", per_site)
    return [Entry(m, rule, url or rule, expect, **kwargs) for m in method.split(",")]


P = "/procedures/{procedure}"
PR = "/api/v1/procedures/{procedure}"
A = "/audits/{audit}"
AA = "/api/v1/audits/{audit}"
NC = "/nonconformities/{nc}"
NCA = "/api/v1/nonconformities/{nc}"
MK = f"/metrics/{METRIC_KEY}"
MKA = f"/api/v1/metrics/{METRIC_KEY}"
SUBMIT_BODY = lambda r: {"site": r.site, "data": {"note": "Seen"}}  # noqa: E731
WEB_SUBMIT_BODY = lambda r: {"site": r.site, "note": "Seen"}  # noqa: E731

ENTRIES: list[Entry] = [
    # Public and personal
    *E("GET", "/healthz", EVERYONE, public=True),
    *E("GET", "/readyz", EVERYONE, public=True),
    *E("GET", "/api/v1/openapi.json", EVERYONE, public=True),
    *E("GET,POST", "/login", EVERYONE, public=True),
    *E("POST", "/language", EVERYONE, public=True),
    # Customers' public pages (core.intake): no login; a post without an answer is refused 422
    # (or 429 once the address has posted often), never with a login.
    *E("GET,POST", "/s/<token>", EVERYONE, "/s/{extra[survey]}", public=True),
    *E("GET,POST", "/c/<site>", EVERYONE, "/c/{site}", public=True),
    *E("GET,POST", "/w/<site>/<form_key>", EVERYONE, "/w/{site}/aftersales.csi_survey", public=True),
    # The site's printable customer links: administrators, the site's quality officers and heads.
    *E("GET", "/intake/sites/<site>", PRINTS_SITE_LINKS, "/intake/sites/{site}"),
    *E("POST", "/logout", EVERYONE, fresh_client=True),
    *E("GET", "/", EVERYONE),
    *E("GET", "/account", EVERYONE),
    *E("POST", "/account/password", EVERYONE),
    *E("POST", "/account/profile", EVERYONE),
    *E("POST", "/account/tokens", EVERYONE),
    *E("POST", "/account/tokens/<int:token_id>/revoke", SESSION, "/account/tokens/{token}/revoke", per_site=False),
    *E("POST", "/account/sessions/<int:session_id>/end", SESSION, "/account/sessions/{session}/end", per_site=False),
    *E("POST", "/account/sessions/end-others", EVERYONE),
    *E("GET,PATCH", "/api/v1/me", EVERYONE),
    *E("GET,POST", "/api/v1/tokens", EVERYONE),
    # API tokens are personal there: an administrator revokes someone's on their account pages.
    *E("GET,DELETE", "/api/v1/tokens/<int:token_id>", TOKEN, "/api/v1/tokens/{token}", per_site=False),
    # Administration: users, sites, departments, plugins
    *E("GET", "/admin/users", ADMIN_ONLY),
    *E("GET,POST", "/admin/users/new", ADMIN_ONLY),
    *E("GET,POST", "/admin/users/<login>", ADMIN_ONLY, "/admin/users/staff_other"),
    *E("POST", "/admin/users/<login>/password", ADMIN_ONLY, "/admin/users/staff_other/password"),
    *E("GET", "/admin/sites", ADMIN_ONLY),
    *E("GET,POST", "/admin/sites/new", ADMIN_ONLY),
    *E("GET,POST", "/admin/sites/<code>", ADMIN_ONLY, "/admin/sites/NORTH"),
    *E("GET", "/admin/departments", ADMIN_ONLY),
    *E("GET,POST", "/admin/departments/new", ADMIN_ONLY),
    *E("GET,POST", "/admin/departments/<code>", ADMIN_ONLY, "/admin/departments/SALES"),
    *E("POST", "/admin/departments/<code>/heads/<site_key>", ADMIN_ONLY, "/admin/departments/SALES/heads/NORTH"),
    # Everyone reads who is who (owner pickers, signatures' printed names); only administrators change it.
    *E("GET", "/api/v1/users", EVERYONE),
    *E("POST", "/api/v1/users", ADMIN_ONLY),
    *E("GET", "/api/v1/users/<login>", EVERYONE, "/api/v1/users/staff_other"),
    *E("PATCH", "/api/v1/users/<login>", ADMIN_ONLY, "/api/v1/users/staff_other"),
    # An administrator sets anyone's; the user themself sets their own (with the current one).
    *E("PUT", "/api/v1/users/<login>/password", PASSWORD, "/api/v1/users/staff_other/password"),
    *E("GET", "/api/v1/sites", EVERYONE),
    *E("POST", "/api/v1/sites", ADMIN_ONLY),
    *E("GET", "/api/v1/sites/<code>", EVERYONE, "/api/v1/sites/NORTH"),
    *E("PATCH", "/api/v1/sites/<code>", ADMIN_ONLY, "/api/v1/sites/NORTH"),
    *E("GET", "/api/v1/departments", EVERYONE),
    *E("POST", "/api/v1/departments", ADMIN_ONLY),
    *E("GET", "/api/v1/departments/<code>", EVERYONE, "/api/v1/departments/SALES"),
    *E("PATCH", "/api/v1/departments/<code>", ADMIN_ONLY, "/api/v1/departments/SALES"),
    *E("GET", "/api/v1/plugins", EVERYONE),
    *E("GET", "/api/v1/checklists", EVERYONE),
    *E("GET", "/api/v1/checklists/<plugin_key:key>", EVERYONE, "/api/v1/checklists/sales.process"),
    # Checklist libraries: read by who plans audits, imported and retired by quality officers
    # (of any site: the library is the group's) and the administrator.
    *E("GET", "/checklists/", READ_CHECKLISTS),
    *E("GET", "/checklists/<key>", READ_CHECKLISTS, f"/checklists/{IMPORTED_CHECKLIST}"),
    *E("GET,POST", "/checklists/import", MANAGE_CHECKLISTS),
    *E(
        "POST",
        "/checklists/<key>/versions/<int:version>/retire",
        MANAGE_CHECKLISTS,
        f"/checklists/{IMPORTED_CHECKLIST}/versions/1/retire",
    ),
    *E("GET", "/checklists/<key>/export/<kind>", READ_CHECKLISTS, f"/checklists/{IMPORTED_CHECKLIST}/export/yaml"),
    *E("GET", "/checklists/files/<name>.<kind>", READ_CHECKLISTS, "/checklists/files/template.yaml"),
    *E("POST", "/api/v1/checklists/import", MANAGE_CHECKLISTS),
    *E(
        "GET",
        "/api/v1/checklists/<plugin_key:key>/versions",
        READ_CHECKLISTS,
        f"/api/v1/checklists/{IMPORTED_CHECKLIST}/versions",
    ),
    *E(
        "POST",
        "/api/v1/checklists/<plugin_key:key>/versions/<int:number>/retire",
        MANAGE_CHECKLISTS,
        f"/api/v1/checklists/{IMPORTED_CHECKLIST}/versions/1/retire",
    ),
    *E(
        "GET",
        "/api/v1/checklists/<plugin_key:key>/export",
        READ_CHECKLISTS,
        f"/api/v1/checklists/{IMPORTED_CHECKLIST}/export?format=yaml",
    ),
    # The sales plugin's figures per consultant
    *E("GET", "/sales/consultants", CONSULTANT_FIGURES, "/sales/consultants?site={site}"),
    *E("GET", "/api/v1/sales/consultants", CONSULTANT_FIGURES, "/api/v1/sales/consultants?site={site}"),
    # Recurring checks
    *E("GET", "/inspections/", EVERYONE),
    *E("GET,POST", "/inspections/schedules/new", SCHEDULE_ROLE),
    *E("GET", "/inspections/<int:inspection_id>", CHECK_READ, "/inspections/{inspection}"),
    *E("POST", "/inspections/<int:inspection_id>", CHECK_RECORD, "/inspections/{inspection}"),
    *E("GET", "/api/v1/inspection-schedules", EVERYONE),
    *E("POST", "/api/v1/inspection-schedules", SCHEDULE_ROLE),
    *E("GET", "/api/v1/inspections", EVERYONE),
    *E(
        "POST", "/inspections/schedules/<int:schedule_id>/stop", SCHEDULE_STOP, "/inspections/schedules/{schedule}/stop"
    ),
    *E(
        "DELETE",
        "/api/v1/inspection-schedules/<int:schedule_id>",
        SCHEDULE_STOP,
        "/api/v1/inspection-schedules/{schedule}",
    ),
    *E("GET", "/api/v1/inspections/<int:inspection_id>", CHECK_READ, "/api/v1/inspections/{inspection}"),
    *E("PUT", "/api/v1/inspections/<int:inspection_id>", CHECK_RECORD, "/api/v1/inspections/{inspection}"),
    *E("GET", "/objectives/", EVERYONE),
    *E("GET,POST", "/objectives/new", SCHEDULE_ROLE),
    *E("GET", "/objectives/<int:objective_id>", OBJECTIVE_READ, "/objectives/{objective}"),
    *E("POST", "/objectives/<int:objective_id>", OBJECTIVE_UPDATE, "/objectives/{objective}"),
    *E("POST", "/objectives/<int:objective_id>/withdraw", OBJECTIVE_SET, "/objectives/{objective}/withdraw"),
    *E("GET", "/api/v1/objectives", EVERYONE),
    *E("POST", "/api/v1/objectives", SCHEDULE_ROLE),
    *E("GET", "/api/v1/objectives/<int:objective_id>", OBJECTIVE_READ, "/api/v1/objectives/{objective}"),
    *E(
        "POST",
        "/api/v1/objectives/<int:objective_id>/updates",
        OBJECTIVE_UPDATE,
        "/api/v1/objectives/{objective}/updates",
    ),
    *E(
        "POST",
        "/api/v1/objectives/<int:objective_id>/withdraw",
        OBJECTIVE_SET,
        "/api/v1/objectives/{objective}/withdraw",
    ),
    *E(
        "POST",
        "/api/v1/inspections/<int:inspection_id>/items/<int:item_id>/evidence",
        CHECK_RECORD,
        "/api/v1/inspections/{inspection}/items/{inspection_item}/evidence",
    ),
    # Management reviews: planned by quality officers; read by their people and overseers in scope.
    *E("GET", "/reviews/", EVERYONE),
    *E("GET,POST", "/reviews/new", PLAN_REVIEW),
    *E("GET", "/reviews/<reference>", REVIEW_READ, "/reviews/{review}"),
    *E("POST", "/reviews/<reference>", REVIEW_WRITE, "/reviews/{review}"),
    *E("POST", "/reviews/<reference>/compile", REVIEW_COMPILE, "/reviews/{review}/compile"),
    *E("POST", "/reviews/<reference>/record", REVIEW_RECORD, "/reviews/{review}/record"),
    *E("POST", "/reviews/<reference>/hold", REVIEW_RECORD, "/reviews/{review}/hold"),
    *E("POST", "/reviews/<reference>/outputs", REVIEW_OUTPUTS, "/reviews/{review}/outputs"),
    *E("POST", "/reviews/<reference>/sign", REVIEW_SIGN, "/reviews/{review}/sign"),
    *E("GET", "/reviews/<reference>/record.pdf", REVIEW_READ, "/reviews/{review}/record.pdf"),
    *E("GET", "/api/v1/reviews", EVERYONE),
    *E("POST", "/api/v1/reviews", PLAN_REVIEW),
    *E("GET", "/api/v1/reviews/<reference>", REVIEW_READ, "/api/v1/reviews/{review}"),
    *E("PATCH", "/api/v1/reviews/<reference>", REVIEW_WRITE, "/api/v1/reviews/{review}"),
    *E("POST", "/api/v1/reviews/<reference>/compile", REVIEW_COMPILE, "/api/v1/reviews/{review}/compile"),
    *E("POST", "/api/v1/reviews/<reference>/record", REVIEW_RECORD, "/api/v1/reviews/{review}/record"),
    *E("POST", "/api/v1/reviews/<reference>/hold", REVIEW_RECORD, "/api/v1/reviews/{review}/hold"),
    *E("GET", "/api/v1/reviews/<reference>/outputs", REVIEW_READ, "/api/v1/reviews/{review}/outputs"),
    *E("POST", "/api/v1/reviews/<reference>/outputs", REVIEW_OUTPUTS, "/api/v1/reviews/{review}/outputs"),
    *E("POST", "/api/v1/reviews/<reference>/sign", REVIEW_SIGN, "/api/v1/reviews/{review}/sign"),
    *E("GET", "/api/v1/reviews/<reference>/pdf", REVIEW_READ, "/api/v1/reviews/{review}/pdf"),
    # The improvement register: everyone suggests (at their own site, checked on the body) and sees their own.
    *E("GET", "/improvements/", EVERYONE),
    *E("GET,POST", "/improvements/suggest", EVERYONE),
    *E("GET", "/improvements/<reference>", IMPROVEMENT_READ, "/improvements/{improvement}"),
    *E("POST", "/improvements/<reference>/update", IMPROVEMENT_WORK, "/improvements/{improvement}/update"),
    *E("POST", "/improvements/<reference>/stage", IMPROVEMENT_WORK, "/improvements/{improvement}/stage"),
    *E("POST", "/improvements/<reference>/dmaic", IMPROVEMENT_WORK, "/improvements/{improvement}/dmaic"),
    *E("POST", "/improvements/<reference>/evidence", IMPROVEMENT_WORK, "/improvements/{improvement}/evidence"),
    *E("GET,POST", "/api/v1/improvements", EVERYONE),
    *E("GET", "/api/v1/improvements/<reference>", IMPROVEMENT_READ, "/api/v1/improvements/{improvement}"),
    *E("PATCH", "/api/v1/improvements/<reference>", IMPROVEMENT_WORK, "/api/v1/improvements/{improvement}"),
    *E(
        "POST",
        "/api/v1/improvements/<reference>/stage",
        IMPROVEMENT_WORK,
        "/api/v1/improvements/{improvement}/stage",
    ),
    *E(
        "PUT",
        "/api/v1/improvements/<reference>/dmaic",
        IMPROVEMENT_WORK,
        "/api/v1/improvements/{improvement}/dmaic",
    ),
    *E(
        "POST",
        "/api/v1/improvements/<reference>/evidence",
        IMPROVEMENT_WORK,
        "/api/v1/improvements/{improvement}/evidence",
    ),
    # Everyone's own notifications; the e-mail waiting is the administrator's to see.
    *E("GET", "/notifications/", EVERYONE),
    *E("GET,POST", "/notifications/preferences", EVERYONE),
    *E("POST", "/notifications/read", EVERYONE),
    *E("POST", "/notifications/<int:notification_id>/open", OWN, "/notifications/{notification}/open", per_site=False),
    *E("GET", "/notifications/mail", ADMIN_ONLY),
    *E("GET", "/api/v1/notifications", EVERYONE),
    *E("POST", "/api/v1/notifications/read", EVERYONE),
    *E(
        "POST",
        "/api/v1/notifications/<int:notification_id>/read",
        OWN,
        "/api/v1/notifications/{notification}/read",
        per_site=False,
    ),
    # Everyone's own inbox
    *E("GET", "/tasks/", EVERYONE),
    *E("GET", "/tasks/count", EVERYONE),
    *E("GET", "/tasks/next", EVERYONE, "/tasks/next?kind=procedures.acknowledge"),
    *E("GET", "/api/v1/tasks", EVERYONE),
    # Search: everyone searches; what they find is their own (tests/test_search.py checks the hits).
    *E("GET", "/search", EVERYONE, "/search?q=windscreen"),
    *E("GET", "/api/v1/search", EVERYONE, "/api/v1/search?q=windscreen"),
    # Trail
    *E("GET", "/trail", READ_TRAIL),
    *E("GET", "/api/v1/trail", READ_TRAIL),
    *E("GET", "/api/v1/trail/verify", READ_TRAIL),
    # Procedures
    *E("GET", "/procedures/", EVERYONE),
    *E("GET,POST", "/procedures/new", EDIT_ROLE),
    *E("GET", "/procedures/<code>", PROC_READ, P),
    *E("GET", "/procedures/<code>/history", PROC_HISTORY, P + "/history"),
    # Comparing with a draft is reading the draft: not there for who may not read it.
    *E("GET", "/procedures/<code>/diff", READ_DRAFT, P + "/diff?from=1&to=2"),
    *E("GET", "/procedures/<code>/acknowledgements", PROC_HISTORY, P + "/acknowledgements"),
    *E("POST", "/procedures/<code>/revisions", PROC_EDIT, P + "/revisions"),
    *E("POST", "/procedures/<code>/withdraw", PROC_WITHDRAW, P + "/withdraw"),
    *E("GET,POST", "/procedures/<code>/revisions/<int:number>/edit", DRAFT_EDIT, P + "/revisions/{draft}/edit"),
    *E("GET", "/procedures/<code>/revisions/<int:number>/pdf", PROC_READ, P + "/revisions/{effective}/pdf"),
    *E(
        "GET,POST",
        "/procedures/<code>/revisions/<int:number>/sign/<meaning>",
        DRAFT_EDIT,
        P + "/revisions/{draft}/sign/approved",
        note="the draft is not submitted: an approver gets 409, not 403",
    ),
    *E("POST", "/procedures/<code>/revisions/<int:number>/submit", DRAFT_EDIT, P + "/revisions/{draft}/submit"),
    # The editor's live preview: for who may edit that draft, or write a new procedure.
    *E("POST", "/procedures/<code>/revisions/<int:number>/preview", DRAFT_EDIT, P + "/revisions/{draft}/preview"),
    *E("POST", "/procedures/preview", EDIT_ROLE),
    *E("GET", "/api/v1/procedures", EVERYONE),
    *E("POST", "/api/v1/procedures", EDIT_ROLE),
    *E("GET", "/api/v1/procedures/<code>", PROC_READ, PR),
    *E("PATCH", "/api/v1/procedures/<code>", PROC_EDIT, PR),
    *E("GET", "/api/v1/procedures/<code>/diff", READ_DRAFT, PR + "/diff?from=1&to=2"),
    *E("POST", "/api/v1/procedures/<code>/revisions", PROC_EDIT, PR + "/revisions"),
    *E("GET", "/api/v1/procedures/<code>/revisions/<int:number>", READ_DRAFT, PR + "/revisions/{draft}"),
    *E("PATCH", "/api/v1/procedures/<code>/revisions/<int:number>", DRAFT_EDIT, PR + "/revisions/{draft}"),
    *E("GET", "/api/v1/procedures/<code>/revisions/<int:number>/pdf", READ_DRAFT, PR + "/revisions/{draft}/pdf"),
    *E(
        "POST",
        "/api/v1/procedures/<code>/revisions/<int:number>/signatures",
        DRAFT_EDIT,
        PR + "/revisions/{draft}/signatures",
    ),
    *E("POST", "/api/v1/procedures/<code>/revisions/<int:number>/submit", DRAFT_EDIT, PR + "/revisions/{draft}/submit"),
    *E("POST", "/api/v1/procedures/<code>/withdraw", PROC_WITHDRAW, PR + "/withdraw"),
    # Audits
    *E("GET", "/audits/", READ_AUDITS),
    # Exports are read as the page they export.
    *E("GET", "/audits/export.csv", READ_AUDITS),
    *E("GET", "/audits/export.xlsx", READ_AUDITS),
    *E("GET,POST", "/audits/new", RUN_AUDITS),
    # Who reads audits sees the programme (a head: when their department is audited); planning is the auditors'.
    *E("GET", "/audits/programme", READ_AUDITS),
    # Who reads audits compares the sites' scores: the audits they may read, the page and the API alike.
    *E("GET", "/audits/scores", READ_AUDITS),
    *E("GET", "/api/v1/audit-scores", READ_AUDITS),
    *E("GET", "/api/v1/audit-scores/<key>", READ_AUDITS, "/api/v1/audit-scores/" + CHECKLIST_KEY),
    *E("POST", "/audits/programme", RUN_AUDITS),
    # The risk-based proposal: quality officers and auditors read it, quality officers accept it.
    *E("GET", "/audits/programme/proposal", RUN_AUDITS),
    *E("POST", "/audits/programme/proposal", roles("quality_officer")),
    *E("GET", "/audits/<reference>", AUDIT_READ, A),
    *E("GET", "/audits/<reference>/results.csv", AUDIT_READ, A + "/results.csv"),
    *E("GET", "/audits/<reference>/results.xlsx", AUDIT_READ, A + "/results.xlsx"),
    *E("GET", "/audits/<reference>/checklist.pdf", AUDIT_READ, A + "/checklist.pdf"),
    *E("GET,POST", "/audits/<reference>/edit", AUDIT_RUN, "/audits/{audit_planned}/edit"),
    *E("POST", "/audits/<reference>/start", AUDIT_RUN, "/audits/{audit_planned}/start"),
    *E("POST", "/audits/<reference>/cancel", AUDIT_RUN, "/audits/{audit_planned}/cancel"),
    *E("POST", "/audits/<reference>/items/<int:item_id>", AUDIT_RUN, A + "/items/{item}"),
    *E("POST", "/audits/<reference>/items/<int:item_id>/evidence", AUDIT_RUN, A + "/items/{item}/evidence"),
    *E("GET,POST", "/audits/<reference>/report", AUDIT_REPORT, A + "/report"),
    *E("POST", "/audits/<reference>/close", AUDIT_RUN, A + "/close"),
    *E("POST", "/audits/<reference>/packs", AUDIT_EXPORT, A + "/packs"),
    *E("GET", "/evidence/<int:evidence_id>", EVIDENCE_READ, "/evidence/{evidence}"),
    *E("GET", "/api/v1/audits", READ_AUDITS),
    *E("POST", "/api/v1/audits", RUN_AUDITS),
    *E("GET", "/api/v1/audit-programme", READ_AUDITS),
    *E("POST", "/api/v1/audit-programme", RUN_AUDITS),
    *E("GET", "/api/v1/audit-programme/proposal", RUN_AUDITS),
    *E("POST", "/api/v1/audit-programme/proposal", roles("quality_officer")),
    *E("GET", "/api/v1/audits/<reference>", AUDIT_READ, AA),
    *E("PATCH", "/api/v1/audits/<reference>", AUDIT_RUN, "/api/v1/audits/{audit_planned}"),
    *E("POST", "/api/v1/audits/<reference>/start", AUDIT_RUN, "/api/v1/audits/{audit_planned}/start"),
    *E("POST", "/api/v1/audits/<reference>/cancel", AUDIT_RUN, "/api/v1/audits/{audit_planned}/cancel"),
    *E("GET", "/api/v1/audits/<reference>/items", AUDIT_READ, AA + "/items"),
    *E("GET", "/api/v1/audits/<reference>/score", AUDIT_READ, AA + "/score"),
    *E("PUT", "/api/v1/audits/<reference>/items/<int:item_id>", AUDIT_RUN, AA + "/items/{item}"),
    *E("POST", "/api/v1/audits/<reference>/items/<int:item_id>/evidence", AUDIT_RUN, AA + "/items/{item}/evidence"),
    *E("POST", "/api/v1/audits/<reference>/report", AUDIT_REPORT, AA + "/report"),
    *E("POST", "/api/v1/audits/<reference>/close", AUDIT_RUN, AA + "/close"),
    *E("POST", "/api/v1/audits/<reference>/packs", AUDIT_EXPORT, AA + "/packs"),
    *E("GET", "/api/v1/evidence/<int:evidence_id>", EVIDENCE_READ, "/api/v1/evidence/{evidence}"),
    *E("GET", "/api/v1/evidence/<int:evidence_id>/content", EVIDENCE_READ, "/api/v1/evidence/{evidence}/content"),
    # Nonconformities and corrective actions
    *E("GET", "/nonconformities/", EVERYONE),
    *E("GET", "/nonconformities/export.csv", EVERYONE, note="staff: their own"),
    *E("GET", "/nonconformities/export.xlsx", EVERYONE, note="staff: their own"),
    *E("GET,POST", "/nonconformities/new", RAISE_NC_DIRECTLY),
    *E("GET", "/nonconformities/<reference>", NC_READ, NC),
    *E("POST", "/nonconformities/<reference>/actions", NC_MANAGE, NC + "/actions"),
    *E("POST", "/nonconformities/<reference>/transition", NC_MANAGE, NC + "/transition"),
    *E("POST", "/nonconformities/<reference>/evidence", NC_EVIDENCE, NC + "/evidence"),
    *E("GET", "/actions/mine", EVERYONE),
    *E("GET", "/actions/mine.csv", EVERYONE),
    *E("GET", "/actions/mine.xlsx", EVERYONE),
    *E("GET", "/actions/<int:action_id>", ACTION_READ, "/actions/{action}"),
    *E("POST", "/actions/<int:action_id>/complete", ACTION_COMPLETE, "/actions/{action}/complete"),
    *E("POST", "/actions/<int:action_id>/evidence", ACTION_COMPLETE, "/actions/{action}/evidence"),
    *E("POST", "/actions/<int:action_id>/verify", ACTION_VERIFY, "/actions/{action}/verify"),
    *E("GET", "/api/v1/nonconformities", EVERYONE),
    *E("POST", "/api/v1/nonconformities", RAISE_NC_DIRECTLY),
    *E("GET", "/api/v1/nonconformities/<reference>", NC_READ, NCA),
    *E("PATCH", "/api/v1/nonconformities/<reference>", NC_MANAGE, NCA),
    *E("POST", "/api/v1/nonconformities/<reference>/actions", NC_MANAGE, NCA + "/actions"),
    *E("POST", "/api/v1/nonconformities/<reference>/transition", NC_MANAGE, NCA + "/transition"),
    *E("POST", "/api/v1/nonconformities/<reference>/evidence", NC_EVIDENCE, NCA + "/evidence"),
    *E("GET", "/api/v1/actions", EVERYONE),
    *E("GET", "/api/v1/actions/<int:action_id>", ACTION_READ, "/api/v1/actions/{action}"),
    *E("POST", "/api/v1/actions/<int:action_id>/complete", ACTION_COMPLETE, "/api/v1/actions/{action}/complete"),
    *E("POST", "/api/v1/actions/<int:action_id>/evidence", ACTION_COMPLETE, "/api/v1/actions/{action}/evidence"),
    *E("POST", "/api/v1/actions/<int:action_id>/verify", ACTION_VERIFY, "/api/v1/actions/{action}/verify"),
    # Forms
    *E("GET", "/forms/", EVERYONE),
    *E("GET", "/forms/<key>/new", EVERYONE, f"/forms/{FORM_KEY}/new"),
    *E("POST", "/forms/<key>/new", SUBMIT_AT, f"/forms/{FORM_KEY}/new", per_site=True, body=WEB_SUBMIT_BODY),
    *E("GET", "/forms/<key>/submissions", EVERYONE, f"/forms/{FORM_KEY}/submissions", note="staff: their own"),
    *E("GET", "/forms/<key>/submissions.csv", EVERYONE, f"/forms/{FORM_KEY}/submissions.csv"),
    *E("GET", "/forms/<key>/submissions.xlsx", EVERYONE, f"/forms/{FORM_KEY}/submissions.xlsx"),
    *E("GET", "/forms/submissions/<int:submission_id>", SUBMISSION_READ, "/forms/submissions/{submission}"),
    # Follow-ups of low survey scores: an empty outcome is refused 422 once authorized.
    *E(
        "POST",
        "/forms/submissions/<int:submission_id>/follow-up",
        FOLLOW_UP_RECORD,
        "/forms/submissions/{extra[follow_up_survey]}/follow-up",
    ),
    *E("GET", "/api/v1/follow-ups", EVERYONE),
    *E("GET", "/api/v1/follow-ups/<int:follow_up_id>", FOLLOW_UP_READ, "/api/v1/follow-ups/{extra[follow_up]}"),
    *E(
        "POST",
        "/api/v1/follow-ups/<int:follow_up_id>/outcome",
        FOLLOW_UP_RECORD,
        "/api/v1/follow-ups/{extra[follow_up]}/outcome",
    ),
    # Recurring forms: scheduled as checks are (a quality officer in scope, the head of the
    # form's department at the site); their dues are tasks, listed to whoever may see them.
    *E("GET", "/forms/schedules", SCHEDULE_ROLE),
    *E("GET,POST", "/forms/schedules/new", SCHEDULE_ROLE),
    *E("POST", "/forms/schedules/<int:schedule_id>/stop", SCHEDULE_STOP, "/forms/schedules/{form_schedule}/stop"),
    *E("GET", "/api/v1/form-schedules", EVERYONE),
    *E("POST", "/api/v1/form-schedules", SCHEDULE_ROLE),
    *E("DELETE", "/api/v1/form-schedules/<int:schedule_id>", SCHEDULE_STOP, "/api/v1/form-schedules/{form_schedule}"),
    *E("GET", "/api/v1/form-dues", EVERYONE),
    *E("GET", "/api/v1/forms", EVERYONE),
    *E("GET", "/api/v1/forms/<key>", EVERYONE, f"/api/v1/forms/{FORM_KEY}"),
    *E(
        "POST",
        "/api/v1/forms/<key>/submissions",
        SUBMIT_AT,
        f"/api/v1/forms/{FORM_KEY}/submissions",
        per_site=True,
        body=SUBMIT_BODY,
    ),
    *E("GET", "/api/v1/forms/<key>/submissions", EVERYONE, f"/api/v1/forms/{FORM_KEY}/submissions"),
    *E(
        "GET",
        "/api/v1/forms/<key>/submissions/<int:submission_id>",
        SUBMISSION_READ,
        f"/api/v1/forms/{FORM_KEY}/submissions/{{submission}}",
    ),
    # Metrics and measurements
    *E("GET", "/metrics/", EVERYONE),
    *E("GET", "/metrics/compare", EVERYONE, f"/metrics/compare?metric={METRIC_KEY}"),
    *E("GET", "/metrics/<key>", EVERYONE, MK),
    *E("POST", "/metrics/<key>/measurements", ENTER_ROLE, MK + "/measurements"),
    *E(
        "GET,POST",
        "/metrics/<key>/measurements/<site>/<period>/correct",
        MEASUREMENT_CORRECT,
        MK + "/measurements/{site}/" + PERIOD + "/correct",
    ),
    *E("POST", "/metrics/<key>/recompute", ENTER_ROLE, MK + "/recompute"),
    *E("GET,POST", "/metrics/<key>/target", TARGET_SET, MK + "/target?site={site}", per_site=True),
    # Any head may import their own department's values: the page is open to every head, each row is checked.
    *E("GET", "/metrics/import", roles("quality_officer", "department_head")),
    # A head imports their department's rows (the others are refused row by row).
    *E("POST", "/metrics/import", roles("quality_officer", "department_head")),
    *E("GET", "/api/v1/metrics", EVERYONE),
    *E("GET", "/api/v1/metrics/<plugin_key:key>", EVERYONE, MKA),
    *E("GET", "/api/v1/metrics/<plugin_key:key>/series", EVERYONE, MKA + "/series"),
    *E("POST", "/api/v1/metrics/<plugin_key:key>/measurements", ENTER_ROLE, MKA + "/measurements"),
    *E(
        "GET",
        "/api/v1/metrics/<plugin_key:key>/measurements/<site>/<period:period>",
        MEASUREMENT_READ,
        MKA + "/measurements/{site}/" + PERIOD,
    ),
    *E(
        "PUT",
        "/api/v1/metrics/<plugin_key:key>/measurements/<site>/<period:period>",
        MEASUREMENT_CORRECT,
        MKA + "/measurements/{site}/" + PERIOD,
    ),
    *E("POST", "/api/v1/metrics/<plugin_key:key>/recompute", ENTER_ROLE, MKA + "/recompute"),
    *E("PUT", "/api/v1/metrics/<plugin_key:key>/targets/<site>", TARGET_SET, MKA + "/targets/{site}"),
    *E("POST", "/api/v1/metrics/imports", roles("quality_officer", "department_head")),
    # Jobs
    *E("GET", "/jobs/", EVERYONE),
    *E("GET", "/jobs/<job_id>", JOB_READ, "/jobs/{job}"),
    *E("GET", "/jobs/<job_id>/download", JOB_READ, "/jobs/{job}/download"),
    *E("GET", "/jobs/<job_id>/status", JOB_READ, "/jobs/{job}/status"),
    *E("GET", "/api/v1/jobs", EVERYONE),
    *E("GET", "/api/v1/jobs/<job_id>", JOB_READ, "/api/v1/jobs/{job}"),
    *E("GET", "/api/v1/jobs/<job_id>/result", JOB_READ, "/api/v1/jobs/{job}/result"),
]

# Static files are public by nature.
IGNORED_RULES = {("GET", "/static/<path:filename>"), ("GET", "/audits/static/<path:filename>")}
IGNORED_RULES |= {("GET", "/forms/static/<path:filename>"), ("GET", "/procedures/static/<path:filename>")}
IGNORED_RULES |= {("GET", "/public-static/<path:filename>")}


def route_keys(app) -> set[tuple[str, str]]:
    """Every (method, rule) the app answers, but HEAD and OPTIONS."""
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (method, rule.rule) not in IGNORED_RULES
    }


def cells_of(entries) -> list[tuple[Entry, str | None]]:
    return [(entry, site) for entry in entries for site in (SITES if entry.per_site else (None,))]


# Running one cell ---------------------------------------------------------------------


def expected(entry: Entry, identity: Identity | None, records: SiteRecords | None):
    if identity is None:
        return OK if entry.public else ("login" if not entry.api else 401)
    return entry.expect(identity, records)


def _request(entry, client_tuple, url, body):
    web, token, api = client_tuple
    if entry.api:
        kwargs = {"json": body or {}} if entry.method in WRITES else {}
        return api.open(entry.method, url, **kwargs)
    if entry.method in WRITES:
        return web.open(url, method=entry.method, data={"csrf_token": token, **(body or {})})
    return web.open(url, method=entry.method)


def _fresh_client(app, identity):
    from core.testing import TEST_PASSWORD, ApiClient, csrf_token

    web = app.test_client()
    if identity is not None:
        web.post("/login", data={"login": identity.name, "password": TEST_PASSWORD, "csrf_token": csrf_token(web)})
    return (web, csrf_token(web), ApiClient(app.test_client(), ""))


def check_cell(app, world, clients, saved, entry, site, identity) -> str | None:
    """None when the cell answers as the design says, else one line saying how not."""
    from tests.access_matrix import world as w

    records = world.sites[site] if site else world.sites["MAIN"]
    values = {
        **records.__dict__,
        "token": world.spare_token,
        "session": world.spare_session,
        "notification": world.spare_notification,
    }
    url = entry.url.format(**values)
    body = entry.body(records) if entry.body else None
    want = expected(entry, identity, records)
    who = identity.name if identity else "anonymous"
    client_tuple = _fresh_client(app, identity) if entry.fresh_client else clients[who if identity else None]
    write = entry.method in WRITES
    before = w.trail_head(app) if write else None
    response = _request(entry, client_tuple, url, body)
    status = response.status_code
    changed = write and w.trail_head(app) != before
    if write and (status < 400 or changed):
        w.restore(app, saved)
    where = f"{entry.method} {url} [{site or '-'}] as {who}"
    if want == "login":
        location = response.headers.get("Location", "")
        good = status == 302 and "/login" in location
        return None if good else f"{where}: expected a redirect to /login, got {status} {location}"
    if want == OK:
        if status in (401, 403, 404) or status >= 500:
            return f"{where}: expected allowed, got {status} {_why(response)}"
        return None
    if status != want:
        return f"{where}: expected {want}, got {status} {_why(response)}"
    if changed:
        return f"{where}: refused with {status} but wrote to the trail"
    return None


def _why(response) -> str:
    if response.is_json and isinstance(response.json, dict):
        return repr(str(response.json.get("message") or response.json.get("title") or "")[:120])
    return ""
