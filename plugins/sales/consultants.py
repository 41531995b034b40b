"""The sales figures per consultant, and who may read whose (seed chapter 3, §1.1.10–1.1.12).

One service for the page, the JSON API and whoever else asks: :func:`consultant_figures`
checks who is asking, reads each form once for the whole period and site, and splits the
rows by the ``consultant`` field of the records.

The ``consultant`` field names people as dealerqms names them: the web forms fill it with the
signed-in person's display name and the buyer's survey copies it from the delivery. A row is
therefore matched to a person by display name; a name in the records that belongs to nobody in
the site's sales team today (someone who left, a typing variant, a colleague from another
site) keeps its own row, marked as not in the team, so that no record is silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.plugins import (
    Forbidden,
    Permission,
    PluginPermission,
    ValidationFailed,
    can,
    department_people,
    is_department_head,
    last_complete_period,
    submissions_between,
)
from plugins.sales import computations
from plugins.sales.definitions import AREA, DELIVERY, LEAD_LOG, SURVEY, metrics

# Read every consultant's figures at the sites in one's scope (one's own site, or every site
# from the group office): the quality officers who look after the sites, and the administrator.
READ_ALL = "sales.read_consultant_figures"
PERMISSIONS = [
    PluginPermission(
        key=READ_ALL,
        description=_l("read every sales consultant's figures"),
        roles=("quality_officer", "admin"),
    )
]

# Below this many records a figure is shown with its count but not compared with colleagues:
# one unhappy buyer out of three moves an SSI by 200 points.
SMALL_SAMPLE = 5

PERIOD_PATTERN = re.compile(r"^(?P<year>[0-9]{4})-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4]))$")


@dataclass(frozen=True)
class Period:
    """A month (``2026-05``) or a quarter (``2026-Q2``) and the months it spans."""

    label: str
    first: str
    last: str

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.label


def parse_period(text: str | None, zone=None) -> Period:
    """The period ``text`` names; when it is empty, the last complete month on ``zone``'s clock (an
    appraisal looks at a finished month, as the dashboards do; this month is one choice away)."""
    text = (text or "").strip() or last_complete_period(zone)
    found = PERIOD_PATTERN.match(text)
    if found is None:
        raise ValidationFailed.field(
            "period", _("%(value)s is not a month (YYYY-MM) or a quarter (YYYY-Q1 to YYYY-Q4).", value=text)
        )
    year = found["year"]
    if found["month"]:
        return Period(text, text, text)
    first_month = 3 * int(found["quarter"]) - 2
    return Period(text, f"{year}-{first_month:02d}", f"{year}-{first_month + 2:02d}")


def quarter_of(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"


@dataclass(frozen=True)
class Figures:
    """One consultant's figures (or the whole site's) over a period.

    ``conversion`` is deliveries ÷ leads of the same person in the same period, in per cent:
    the site's lead conversion is entered by hand from the dealer management system because a
    sale often closes in a later month than its lead, which the forms cannot follow; per
    person, the forms are all there is. Over a quarter the lag matters less than over a month.
    """

    name: str
    in_team: bool = True
    leads: int = 0
    response_minutes: float | None = None
    walk_ins: int = 0
    test_drive_ratio: float | None = None
    deliveries: int = 0
    conversion: float | None = None
    answers: int = 0
    ssi: float | None = None
    nps: float | None = None

    @property
    def small_samples(self) -> tuple[str, ...]:
        """The figures computed from fewer than :data:`SMALL_SAMPLE` records."""
        few = []
        if 0 < self.leads < SMALL_SAMPLE:
            few += ["lead_response_time", "lead_conversion"]
        if 0 < self.walk_ins < SMALL_SAMPLE:
            few.append("test_drive_ratio")
        if 0 < self.answers < SMALL_SAMPLE:
            few += ["ssi", "nps"]
        return tuple(few)


def figures_of(name: str, leads: list[Mapping], deliveries: list[Mapping], answers: list[Mapping], **extra) -> Figures:
    def one_decimal(value):
        return None if value is None else round(value, 1)

    return Figures(
        name=name,
        leads=len(leads),
        response_minutes=one_decimal(computations.mean_response_minutes(leads)),
        walk_ins=sum(1 for lead in leads if lead.get("source") == "walk_in"),
        test_drive_ratio=one_decimal(computations.test_drive_ratio(leads)),
        deliveries=len(deliveries),
        conversion=one_decimal(len(deliveries) * 100 / len(leads)) if leads else None,
        answers=len(answers),
        ssi=one_decimal(computations.ssi(answers)),
        nps=one_decimal(computations.nps(a.get("recommend") for a in answers)),
        **extra,
    )


# The figure → the site metric whose target it is measured against.
TARGET_METRICS = {
    "lead_response_time": "sales.lead_response_time",
    "test_drive_ratio": "sales.test_drive_ratio",
    "lead_conversion": "sales.lead_conversion",
    "ssi": "sales.ssi",
    "nps": "sales.nps",
}


def default_targets() -> dict[str, float]:
    """The group's default target of each figure, from the site metric of the same name."""
    by_key = {metric.key: metric.target for metric in metrics()}
    return {figure: by_key[key] for figure, key in TARGET_METRICS.items()}


@dataclass(frozen=True)
class ConsultantReport:
    site: object
    period: Period
    # "own": the asker's row alone; "team": the site's sales people and the names in the records.
    scope: str
    rows: list[Figures]
    site_figures: Figures
    targets: dict[str, float] = field(default_factory=default_targets)


def _scope(user, site) -> str | None:
    """``"team"``, ``"own"``, or None when ``user`` may not read the figures at ``site``."""
    if can(user, Permission.MANAGE_USERS):
        return "team"
    if can(user, READ_ALL) and (user.site_id is None or user.site_id == site.id):
        return "team"
    if is_department_head(user, AREA, site):
        return "team"
    if user.department is not None and user.department.code == AREA and user.site_id == site.id:
        return "own"
    return None


def may_read_any(user) -> bool:
    """Whether ``user`` has figures of their own or of others to read somewhere (the menu link)."""
    if can(user, READ_ALL) or can(user, Permission.MANAGE_USERS):
        return True
    return user.department is not None and user.department.code == AREA


def consultant_figures(user, site, period: Period) -> ConsultantReport:
    """The figures per consultant at ``site`` over ``period`` that ``user`` may read.

    A consultant reads their own row; the head of sales of the site, its quality officers (and
    the group office's) and the administrator read every row. Everyone else is refused.
    """
    scope = _scope(user, site)
    if scope is None:
        raise Forbidden(
            _(
                "Only the site's sales people (their own figures), its head of sales and the quality officers "
                "who look after it may read the sales figures per consultant."
            )
        )
    leads = submissions_between(LEAD_LOG, site, period.first, period.last)
    deliveries = submissions_between(DELIVERY, site, period.first, period.last)
    answers = submissions_between(SURVEY, site, period.first, period.last)
    by_name: dict[str, dict[str, list]] = {}
    for kind, records in (("leads", leads), ("deliveries", deliveries), ("answers", answers)):
        for record in records:
            name = (record.get("consultant") or "").strip()
            if name:
                by_name.setdefault(name, {"leads": [], "deliveries": [], "answers": []})[kind].append(record)
    empty = {"leads": [], "deliveries": [], "answers": []}
    if scope == "own":
        names = [user.display_name]
        team = set(names)
    else:
        team = {person.display_name for person in department_people(AREA, site)}
        names = sorted(team) + sorted(set(by_name) - team)
    rows = [figures_of(name, **by_name.get(name, empty), in_team=name in team) for name in names]
    return ConsultantReport(
        site=site,
        period=period,
        scope=scope,
        rows=rows,
        site_figures=figures_of("", leads, deliveries, answers),
    )
