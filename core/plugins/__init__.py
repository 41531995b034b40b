"""The public plugin API: everything a plugin imports comes from here.

::

    from core.plugins import hookimpl, Checklist, Question

    @hookimpl
    def register_checklists():
        return [Checklist(key="usedcars.appraisal", title="Used-car appraisal",
                          questions=[Question(key="q1", text="…", reference="…")])]

See ``docs/plugins.md`` for every hook (generated from
:mod:`core.plugin_engine.hookspecs`) and every name exported here.
"""

import pluggy

from core.cli import UserError
from core.clock import (
    add_months,
    current_period,
    last_complete_period,
    local_time,
    period_of,
    today,
    utcnow,
)
from core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from core.lazy_exports import lazy_exports
from core.plugin_engine.capabilities import CapabilityMissing, raise_nonconformity
from core.plugin_engine.errors import PluginError
from core.plugin_engine.settings import plugin_config
from core.plugin_engine.types import (
    DEPARTMENTS,
    FIELD_TYPES,
    ROLES,
    SCALES,
    Checklist,
    DashboardPanel,
    DefinitionError,
    Field,
    FollowUp,
    Form,
    JobKind,
    Kpi,
    MenuLink,
    Metric,
    NotificationKind,
    OverdueItem,
    OverdueList,
    PackSection,
    PluginPermission,
    ProcedureTemplate,
    PublicForm,
    Question,
    Register,
    ReviewInput,
    RiskFactor,
    SearchDocument,
    SearchSource,
    Section,
    Task,
    TaskList,
    TrailEntity,
    TrailSites,
)
from core.plugins.data import (
    demo_random,
    demo_sites,
    metric_values,
    open_records_between,
    submission_count,
    submissions_between,
    submissions_in_period,
    submit_form,
    submit_forms,
    table_totals,
)
from core.plugins.documents import procedure_acknowledgements
from core.plugins.pages import form_url, metric_url, nonconformity_url, procedure_url, submissions_url
from core.plugins.people import (
    active_sites,
    department_head,
    department_people,
    find_site,
    is_department_head,
    quality_officers,
)

# Imported on first use (PEP 562): they bring the models, the API and the services with them,
# and every plugin's hooks import this package, so ``dealerqms --help`` would pay for them all
# (the functions of data, documents and people import what they use when called).
_LAZY = {
    "Permission": "core.accounts.permissions",
    "can": "core.accounts.permissions",
    "require": "core.accounts.permissions",
    "notify": "core.notifications.services",
    "api_user": "core.plugins.api_helpers",
    "problem": "core.plugins.api_helpers",
    "token_required": "core.plugins.api_helpers",
    "demo_text": "core.demo",
    "count_text": "core.counts",
    "LazyApiBlueprint": "core.lazy_views",
    "LazyBlueprint": "core.lazy_views",
    "LazyView": "core.lazy_views",
    "Route": "core.lazy_views",
    "UndeclaredRoute": "core.lazy_views",
}


__getattr__, __dir__ = lazy_exports(globals(), _LAZY)


hookimpl = pluggy.HookimplMarker("dealerqms")

__all__ = [
    # hooks and the values they return
    "hookimpl",
    "Checklist",
    "DashboardPanel",
    "Field",
    "FollowUp",
    "Form",
    "JobKind",
    "Kpi",
    "MenuLink",
    "Metric",
    "NotificationKind",
    "OverdueItem",
    "OverdueList",
    "PackSection",
    "PluginPermission",
    "ProcedureTemplate",
    "PublicForm",
    "Question",
    "Register",
    "ReviewInput",
    "RiskFactor",
    "SearchDocument",
    "SearchSource",
    "Section",
    "Task",
    "TaskList",
    "TrailEntity",
    "TrailSites",
    "DEPARTMENTS",
    "FIELD_TYPES",
    "ROLES",
    "SCALES",
    # permissions
    "Permission",
    "can",
    "require",
    # errors
    "CapabilityMissing",
    "Conflict",
    "DefinitionError",
    "DomainError",
    "Forbidden",
    "NotFound",
    "PluginError",
    "UserError",
    "ValidationFailed",
    # the core's records and capabilities
    "demo_random",
    "demo_sites",
    "demo_text",
    "procedure_acknowledgements",
    "raise_nonconformity",
    "count_text",
    "metric_values",
    "open_records_between",
    "submission_count",
    "submissions_between",
    "submissions_in_period",
    "submit_form",
    "submit_forms",
    "table_totals",
    # the sites and people of the organisation
    "active_sites",
    "find_site",
    "department_head",
    "department_people",
    "is_department_head",
    "quality_officers",
    # the core's pages
    "form_url",
    "metric_url",
    "nonconformity_url",
    "notify",
    "procedure_url",
    "submissions_url",
    # pages and API that load on first use
    "LazyApiBlueprint",
    "LazyBlueprint",
    "LazyView",
    "Route",
    "UndeclaredRoute",
    # the JSON API
    "api_user",
    "problem",
    "token_required",
    # configuration
    "plugin_config",
    # the clock
    "add_months",
    "current_period",
    "last_complete_period",
    "local_time",
    "period_of",
    "today",
    "utcnow",
]
