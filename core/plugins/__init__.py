"""The public plugin API: everything a plugin imports comes from here.

::

    from core.plugins import hookimpl, Checklist, Question

    @hookimpl
    def register_checklists():
        return [Checklist(key="usedcars.appraisal", title="Used-car appraisal",
                          questions=[Question(key="q1", text="…", reference="…")])]

See ``docs/plugins.md`` and :mod:`core.plugins.hookspecs` for every hook.
"""

import pluggy

from core.clock import (
    add_months,
    current_period,
    last_complete_period,
    local_time,
    period_of,
    today,
    utcnow,
)
from core.plugins.capabilities import CapabilityMissing, raise_nonconformity
from core.plugins.data import (
    demo_random,
    demo_sites,
    submissions_between,
    submissions_in_period,
    submissions_url,
    submit_form,
    submit_forms,
)
from core.plugins.types import (
    FIELD_TYPES,
    Checklist,
    DashboardPanel,
    DefinitionError,
    Field,
    Form,
    JobKind,
    Kpi,
    MenuLink,
    Metric,
    OverdueItem,
    OverdueList,
    PackSection,
    ProcedureTemplate,
    Question,
)

hookimpl = pluggy.HookimplMarker("dealerqms")

__all__ = [
    "FIELD_TYPES",
    "CapabilityMissing",
    "Checklist",
    "DashboardPanel",
    "DefinitionError",
    "Field",
    "Form",
    "JobKind",
    "Kpi",
    "MenuLink",
    "Metric",
    "OverdueItem",
    "OverdueList",
    "PackSection",
    "ProcedureTemplate",
    "Question",
    "add_months",
    "current_period",
    "demo_random",
    "demo_sites",
    "hookimpl",
    "last_complete_period",
    "local_time",
    "period_of",
    "raise_nonconformity",
    "submissions_between",
    "submissions_in_period",
    "submissions_url",
    "submit_form",
    "submit_forms",
    "today",
    "utcnow",
]
