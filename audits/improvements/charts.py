"""The Pareto charts of NC root causes (:mod:`audits.improvements.pareto`), drawn the same way for
the improvement register and for the KPI pages (the ``kpi_panels`` hook of :mod:`audits.plugin`)."""

from __future__ import annotations

from functools import lru_cache

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from audits.improvements import pareto
from audits.labels import FISHBONE_LABELS
from core import charts
from core.accounts.models import Site, User
from core.accounts.services import department_by_code
from core.errors import NotFound


@lru_cache(maxsize=256)
def _pareto_svg(title: str, labels: tuple[str, ...], counts: tuple[int, ...], vital: tuple[bool, ...]):
    # Drawing takes a tenth of a second; the pages show the same counts until an NC changes.
    return charts.counts_svg(
        title=title, labels=list(labels), counts=list(counts), statuses=["red" if v else None for v in vital]
    )


def pareto_chart(title: str, bars: list[pareto.Bar], label_of) -> Markup | None:
    """The bars most frequent first, each labelled with its cumulative share, the vital few red."""
    if not bars:
        return None
    return _pareto_svg(
        title,
        tuple(f"{label_of(bar.key)} · {bar.cumulative:g} %" for bar in bars),
        tuple(bar.count for bar in bars),
        tuple(bar.vital for bar in bars),
    )


def fishbone_label(key: str) -> str:
    return str(FISHBONE_LABELS.get(key, key))


def cause_label(key: str) -> str:
    return key or _("Other causes")


def fishbone_chart(causes: pareto.RootCauses) -> Markup | None:
    return pareto_chart(_("Root causes by fishbone category"), causes.fishbone, fishbone_label)


def five_why_chart(causes: pareto.RootCauses) -> Markup | None:
    return pareto_chart(_("Root causes found by 5-why"), causes.five_why, cause_label)


def kpi_panel(site: Site, area: str | None, user: User) -> tuple[str, Markup] | None:
    """The Pareto of the root causes of the NCs ``user`` may read at ``site`` (of the department
    ``area``) as a KPI page's panel: title and HTML; None when none was analysed, as a page
    shows no empty panels."""
    try:
        department = department_by_code(area) if area is not None else None
    except NotFound:
        # An area no department has: none of its NCs can be counted.
        return None
    causes = pareto.root_causes(user, site=site, department=department)
    drawn = [
        (heading, chart)
        for heading, chart in (
            (_("Fishbone categories"), fishbone_chart(causes)),
            (_("Causes found by 5-why"), five_why_chart(causes)),
        )
        if chart is not None
    ]
    if not drawn:
        return None
    register = url_for("audits.improvements.index", site=site.code, department=area, _anchor="root-causes")
    html = Markup('<p class="muted">{} <a href="{}">{}</a></p><div class="columns">{}</div>').format(
        _(
            "Nonconformities of the last 12 months with a fishbone or 5-why analysis that you may read: %(count)s."
            " The bars that make up 80 %% of the causes are red.",
            count=causes.analysed,
        ),
        register,
        _("The counts in the improvement register"),
        Markup("").join(
            Markup('<div><h3>{}</h3><div class="chart">{}</div></div>').format(heading, chart)
            for heading, chart in drawn
        ),
    )
    return _("Where nonconformities come from (Pareto)"), html
