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

from core.plugins.capabilities import CapabilityMissing, raise_nonconformity
from core.plugins.data import (
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
    MenuLink,
    Metric,
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
    "MenuLink",
    "Metric",
    "PackSection",
    "ProcedureTemplate",
    "Question",
    "demo_sites",
    "hookimpl",
    "raise_nonconformity",
    "submissions_between",
    "submissions_in_period",
    "submissions_url",
    "submit_form",
    "submit_forms",
]
