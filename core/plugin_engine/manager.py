"""The plugin manager: loading, start-up validation, the registry of
contributions, and calling hooks on behalf of the rest of the product.

Each app has its own pluggy ``PluginManager`` (``app.extensions``), so apps
with different plugins can live in one process (tests do that all the time).

Start-up (:func:`startup`, at the end of ``create_app``) refuses to run with a
broken plugin: an import error, an implementation of an unknown hook, a
malformed definition, a key outside the plugin's namespace or a duplicate
key all raise :class:`PluginError`, whose message names the plugin.

At run time it is the other way round: an event hook or a page hook that
raises is logged with the plugin's name and skipped, so one plugin never
takes a request down. The evidence pack is the exception (see
:func:`pack_sections`).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import logging
import numbers
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pluggy
from flask import Blueprint, Flask, current_app, url_for

from core import database
from core.plugin_engine import hookspecs
from core.plugin_engine.errors import PluginError
from core.plugin_engine.types import (
    DEPARTMENTS,
    Checklist,
    DashboardPanel,
    DefinitionError,
    Form,
    JobKind,
    Kpi,
    MenuLink,
    Metric,
    NotificationKind,
    OverdueItem,
    PackSection,
    PluginPermission,
    ProcedureTemplate,
    PublicForm,
    ReviewInput,
    RiskFactor,
    SearchSource,
    Task,
    TaskList,
    TrailEntity,
)

log = logging.getLogger("dealerqms.plugins")

PROJECT = "dealerqms"
ENTRY_POINT_GROUP = "dealerqms"
EXTENSION = "dealerqms.plugins"
# Where the app's JSON API object lives (core.api.DealerApi): see mount_api_blueprints.
API_EXTENSION = "dealerqms-api"
# The distribution whose own entry points are the built-in plugins.
BUILTIN_DISTRIBUTION = "dealerqms"
# The core's own areas, plugged in through the same hooks as every other
# plugin (Datasette's DEFAULT_PLUGINS): always loaded, whatever safe mode and
# the allow and deny lists say, and named after their package.
DEFAULT_PLUGINS = (
    "core.accounts.plugin",
    "core.trail.plugin",
    "core.forms.plugin",
    "core.intake.plugin",
    "core.metrics.plugin",
    "core.checklists.plugin",
    "core.jobs.plugin",
    "core.tasks.plugin",
    "core.search.plugin",
    "core.notifications.plugin",
    "core.web.plugin",
    "core.plugins.plugin",
)


@dataclass(frozen=True)
class Contribution:
    """How the registry knows a kind of contribution."""

    hook: str
    kind: str  # registry attribute and counts key
    label: str  # in messages
    value_type: type
    key_attribute: str
    namespaced: bool
    # Shown in a plugin's counts (``dealerqms plugins``): the definitions users see.
    counted: bool = True


CONTRIBUTIONS = (
    Contribution("register_checklists", "checklists", "checklist", Checklist, "key", True),
    Contribution("register_metrics", "metrics", "metric", Metric, "key", True),
    Contribution("register_forms", "forms", "form", Form, "key", True),
    # A public form names a form of the plugin: its key is the form's.
    Contribution("register_public_forms", "public_forms", "public form", PublicForm, "form", True, counted=False),
    # Procedure codes follow the dealership's numbering (``UC-PR-001``), not
    # plugin names; they only have to be unique.
    Contribution(
        "register_procedure_templates", "procedure_templates", "procedure template", ProcedureTemplate, "code", False
    ),
    Contribution("register_job_kinds", "job_kinds", "job kind", JobKind, "name", True, counted=False),
    Contribution("register_permissions", "permissions", "permission", PluginPermission, "key", True, counted=False),
    Contribution(
        "register_notification_kinds",
        "notification_kinds",
        "notification kind",
        NotificationKind,
        "key",
        True,
        counted=False,
    ),
    # Entity types are the trail's names of tables, which no plugin prefix governs.
    Contribution(
        "register_trail_entities", "trail_entities", "trail entity", TrailEntity, "entity_type", False, counted=False
    ),
)
# Where a definition names a department: (kind, attribute, is a list of codes).
DEPARTMENT_ATTRIBUTES = (
    ("checklists", "area", False),
    ("metrics", "area", False),
    ("forms", "area", False),
    ("procedure_templates", "department", False),
    ("procedure_templates", "distribution_departments", True),
)
PLUGIN_CONFIG = "DEALERQMS_PLUGIN_CONFIG"
EVENTS = frozenset(
    {
        "form_submitted",
        "nonconformity_raised",
        "nonconformity_closed",
        "revision_effective",
        "audit_reported",
        "populate_instance",
    }
)


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str | None
    distribution: str | None
    builtin: bool
    # One of DEFAULT_PLUGINS: part of the core, not listed unless asked for.
    default: bool = False


@dataclass(frozen=True)
class PluginBlueprint:
    """A plugin's API blueprint, the name to mount it under and its prefix below ``/api/v1``.

    The API mounts it at ``/api/v1`` + ``url_prefix``: the blueprint's own
    prefix for the core's areas, nothing more for a built-in plugin (it
    carries its routes' paths), ``/p/<plugin>`` for a third party's.
    """

    plugin: str
    blueprint: Any
    name: str
    url_prefix: str


class Registry:
    """The definitions every plugin contributed, by key, in loading order."""

    def __init__(self):
        self.checklists: dict[str, Checklist] = {}
        self.metrics: dict[str, Metric] = {}
        self.forms: dict[str, Form] = {}
        self.public_forms: dict[str, PublicForm] = {}
        self.procedure_templates: dict[str, ProcedureTemplate] = {}
        self.job_kinds: dict[str, JobKind] = {}
        self.permissions: dict[str, PluginPermission] = {}
        self.notification_kinds: dict[str, NotificationKind] = {}
        self.trail_entities: dict[str, TrailEntity] = {}
        self._origin: dict[tuple[str, str], str] = {}

    def add(self, plugin: str, contribution: Contribution, value) -> None:
        key = getattr(value, contribution.key_attribute)
        mapping = getattr(self, contribution.kind)
        if key in mapping:
            other = self._origin[(contribution.kind, key)]
            where = "twice" if other == plugin else f"already by plugin {other!r}"
            raise PluginError(plugin, f"{contribution.label} {key!r} is registered {where}")
        mapping[key] = value
        self._origin[(contribution.kind, key)] = plugin

    def plugin_of(self, kind: str, key: str) -> str:
        """The plugin that contributed ``key`` (``kind``: ``checklists``, ``metrics`` …)."""
        return self._origin[(kind, key)]

    def counts(self, plugin: str) -> dict[str, int]:
        counts = {c.kind: 0 for c in CONTRIBUTIONS if c.counted}
        for (kind, _key), owner in self._origin.items():
            if owner == plugin and kind in counts:
                counts[kind] += 1
        return counts


@dataclass
class PluginHost:
    """Everything the manager keeps per app."""

    pm: pluggy.PluginManager
    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    registry: Registry = field(default_factory=Registry)
    blueprints: dict[str, Blueprint] = field(default_factory=dict)
    _migrations: list[Path] | None = None
    _api_blueprints: list[PluginBlueprint] | None = None
    # The implementations they were collected from, and the sources by kind.
    _search_sources: tuple[tuple, dict[str, SearchSource]] | None = None


# ---------------------------------------------------------------- access


def new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _host(app: Flask | None = None) -> PluginHost:
    app = app if app is not None else current_app
    try:
        return app.extensions[EXTENSION]
    except KeyError:
        raise RuntimeError("the plugin manager is not set up for this app (manager.init_app)") from None


def plugin_manager(app: Flask | None = None) -> pluggy.PluginManager:
    """The pluggy manager of ``app`` (default: the current app)."""
    return _host(app).pm


def registry(app: Flask | None = None) -> Registry:
    """The checklists, metrics, forms and procedure templates of every plugin."""
    return _host(app).registry


# ---------------------------------------------------------------- loading


def init_app(app: Flask) -> None:
    """Create the app's plugin manager and load the plugins its configuration allows.

    Configuration: ``DEALERQMS_LOAD_ENTRYPOINTS`` (``True``: every installed
    plugin; ``"builtin"``: only those of the dealerqms distribution itself;
    ``False``: none), ``DEALERQMS_PLUGINS_ALLOW`` (``None`` or names),
    ``DEALERQMS_PLUGINS_DENY`` (names), ``DEALERQMS_PLUGINS_SAFE_MODE`` (load
    nothing at all) and ``DEALERQMS_EXTRA_PLUGINS`` (``{name: module or
    object}`` registered besides the entry points; for tests and embedding).
    """
    host = PluginHost(pm=new_plugin_manager())
    app.extensions[EXTENSION] = host
    _load_default_plugins(host)
    config = app.config
    if config.get("DEALERQMS_PLUGINS_SAFE_MODE"):
        log.warning("safe mode: no plugins are loaded")
        return
    allow = config.get("DEALERQMS_PLUGINS_ALLOW")
    allow = None if allow is None else _names(allow)
    deny = _names(config.get("DEALERQMS_PLUGINS_DENY") or ())
    for name in sorted(deny):
        host.pm.set_blocked(name)
    seen: set[str] = set()

    def wanted(name: str) -> bool:
        seen.add(name)
        if name in deny:
            log.info("plugin %r is not loaded: it is on the deny list", name)
            return False
        if allow is not None and name not in allow:
            log.info("plugin %r is not loaded: it is not on the allow list", name)
            return False
        return True

    mode = config.get("DEALERQMS_LOAD_ENTRYPOINTS", True)
    if mode:
        for entry_point, distribution in _entry_points(builtin_only=mode == "builtin"):
            if wanted(entry_point.name):
                _load_entry_point(host, entry_point, distribution)
    for name, plugin in dict(config.get("DEALERQMS_EXTRA_PLUGINS") or {}).items():
        if wanted(name):
            _register(host, plugin, name, PluginInfo(name, getattr(plugin, "__version__", None), None, False))
    for missing in sorted((allow or set()) - seen):
        log.warning("plugin %r is on the allow list but is not installed", missing)


def _load_default_plugins(host: PluginHost) -> None:
    version = _own_version()
    for module_name in DEFAULT_PLUGINS:
        name = module_name.removesuffix(".plugin")
        _register(
            host,
            importlib.import_module(module_name),
            name,
            PluginInfo(name, version, BUILTIN_DISTRIBUTION, builtin=True, default=True),
        )


def _own_version() -> str | None:
    try:
        return importlib.metadata.version(BUILTIN_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


def _names(value) -> set[str]:
    # A config file may give "sales,usedcars" as the environment does.
    if isinstance(value, str):
        value = value.split(",")
    return {name.strip() for name in value if name.strip()}


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _entry_points(*, builtin_only: bool) -> list[tuple[importlib.metadata.EntryPoint, tuple[str, str] | None]]:
    """The plugins' entry points in the order of their names, each with its distribution's name
    and version (``None`` when it has none), read once per distribution: ``dist.name`` and
    ``dist.version`` each parse its whole metadata file again, and the dealerqms distribution
    alone names eight entry points."""
    distributions: dict[int, tuple[str, str]] = {}
    found = []
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist
        if dist is None:
            distribution = None
        elif (distribution := distributions.get(id(dist))) is None:
            metadata = dist.metadata
            distribution = distributions[id(dist)] = (metadata["Name"], metadata["Version"])
        if not builtin_only or _is_builtin(distribution):
            found.append((entry_point, distribution))
    return sorted(found, key=lambda pair: pair[0].name)


def _is_builtin(distribution: tuple[str, str] | None) -> bool:
    return distribution is not None and _canonical(distribution[0]) == BUILTIN_DISTRIBUTION


def _load_entry_point(host: PluginHost, entry_point, distribution: tuple[str, str] | None) -> None:
    name = entry_point.name
    try:
        plugin = entry_point.load()
    except Exception as error:  # any import-time failure is the plugin's
        raise PluginError(
            name, f"cannot be imported from {entry_point.value!r} ({type(error).__name__}: {error})"
        ) from error
    distribution_name, version = distribution or (None, None)
    info = PluginInfo(name, version, distribution_name, _is_builtin(distribution))
    if _register(host, plugin, name, info) and not host.pm.get_hookcallers(plugin):
        # Usually an entry point naming the package instead of its module of hooks.
        host.pm.unregister(name=name)
        del host.plugins[name]
        raise PluginError(
            name,
            f"{entry_point.value!r} has no @hookimpl functions: does the entry point name the "
            f"module that holds the hook implementations (e.g. '{entry_point.value}.plugin')?",
        )


def _register(host: PluginHost, plugin, name: str, info: PluginInfo) -> bool:
    if host.pm.has_plugin(name) or name in host.plugins:
        other = host.plugins.get(name)
        source = f" (distribution {other.distribution})" if other and other.distribution else ""
        raise PluginError(name, f"another plugin with this name is already loaded{source}")
    try:
        registered = host.pm.register(plugin, name=name)
    except pluggy.PluginValidationError as error:
        raise PluginError(name, _one_sentence(error, name)) from error
    except ValueError as error:  # the same module under two names
        raise PluginError(name, str(error)) from error
    if registered is None:
        log.info("plugin %r is not loaded: it is on the deny list", name)
        return False
    host.plugins[name] = info
    log.info("plugin %r loaded (version %s)", name, info.version or "unknown")
    return True


# ---------------------------------------------------------------- start-up


def startup(app: Flask) -> None:
    """Validate every plugin and collect what they contribute; mount their pages.

    Raises :class:`PluginError` naming the plugin when one is broken.
    """
    host = _host(app)
    _check_implementations(host)
    host.registry = _collect_registry(host)
    _warn_about_departments(host)
    _check_plugin_config(app, host)
    migration_locations(app)
    api_blueprints(app)
    for name in host.plugins:
        _mount_blueprints(app, host, name)
    register_commands(app)


def _check_implementations(host: PluginHost) -> None:
    try:
        host.pm.check_pending()
    except pluggy.PluginValidationError as error:
        name = _name_of(host, error.plugin)
        raise PluginError(name, _one_sentence(error, name)) from error
    for hook_name in _hook_names(host.pm):
        for impl in getattr(host.pm.hook, hook_name).get_hookimpls():
            # Each implementation is called on its own (so that an error
            # names its plugin), which leaves a wrapper nothing to wrap.
            if impl.hookwrapper or impl.wrapper:
                raise PluginError(impl.plugin_name, f"{hook_name} cannot be a wrapper; implement it plainly")


_UNKNOWN_HOOK = re.compile(r"unknown hook '([^']+)'")
_UNKNOWN_ARGUMENTS = re.compile(r"for hook '([^']+)'.*Argument\(s\) \{(.*)\} are declared in the hookimpl", re.DOTALL)


def _one_sentence(error: pluggy.PluginValidationError, plugin: str) -> str:
    """pluggy's multi-line validation message as one sentence for the log and the command line."""
    text = str(error)
    if match := _UNKNOWN_HOOK.search(text):
        return f"implements {match.group(1)!r}, which is not a dealerqms hook (see core.plugin_engine.hookspecs)"
    if match := _UNKNOWN_ARGUMENTS.search(text):
        hook = match.group(1)
        return (
            f"its {hook} takes {match.group(2)}, which the hook does not pass "
            f"(arguments of {hook}: {', '.join(_spec_arguments(hook)) or 'none'})"
        )
    return " ".join(line.strip() for line in text.splitlines()).removeprefix(f"Plugin {plugin!r} ").strip()


def _spec_arguments(hook: str) -> list[str]:
    spec = getattr(hookspecs, hook, None)
    return list(inspect.signature(spec).parameters) if spec else []


def _name_of(host: PluginHost, plugin) -> str:
    return host.pm.get_name(plugin) or repr(plugin)


def _hook_names(pm: pluggy.PluginManager) -> list[str]:
    return sorted(name for name in dir(pm.hook) if not name.startswith("_") and getattr(pm.hook, name).spec is not None)


def _implementations(host: PluginHost, hook_name: str, plugin: str | None = None):
    """Implementations in pluggy's calling order (``tryfirst`` first, then newest first)."""
    impls = reversed(getattr(host.pm.hook, hook_name).get_hookimpls())
    return [impl for impl in impls if plugin is None or impl.plugin_name == plugin]


def _in_loading_order(host: PluginHost, hook_name: str):
    """Implementations in the order the plugins loaded, so that of two
    plugins claiming one key the later one is refused."""
    order = {name: position for position, name in enumerate(host.plugins)}
    return sorted(_implementations(host, hook_name), key=lambda impl: order.get(impl.plugin_name, len(order)))


def _call(impl, kwargs: dict[str, Any]):
    # Opt-in arguments: pass only the ones the implementation names.
    return impl.function(*(kwargs[name] for name in impl.argnames))


def _call_for_list(impl, hook_name: str, value_type: type | tuple[type, ...], kwargs: dict[str, Any] | None = None):
    """Call a start-up hook; anything wrong is a :class:`PluginError` naming the plugin."""
    return _as_list(impl.plugin_name, hook_name, _called(impl, hook_name, kwargs), value_type)


def _called(impl, hook_name: str, kwargs: dict[str, Any] | None = None):
    """What a start-up hook returns; an exception it raises is a :class:`PluginError` naming the plugin."""
    plugin = impl.plugin_name
    try:
        return _call(impl, kwargs or {})
    except DefinitionError as error:
        raise PluginError(plugin, f"{hook_name}: {error}") from error
    except PluginError:
        raise
    except Exception as error:
        raise PluginError(plugin, f"{hook_name} raised {type(error).__name__}: {error}") from error


def _as_list(plugin: str, hook_name: str, result, value_type) -> list:
    if not isinstance(result, list | tuple):
        raise PluginError(plugin, f"{hook_name} must return a list, not {type(result).__name__}")
    expected = (value_type,) if isinstance(value_type, type) else value_type
    for item in result:
        if not isinstance(item, expected):
            # Qualified names when the short ones would read the same (flask vs flask_smorest Blueprint).
            qualify = type(item).__name__ in {t.__name__ for t in expected}
            names = " or ".join(_type_name(t, qualify) for t in expected)
            raise PluginError(
                plugin,
                f"{hook_name} returned a {_type_name(type(item), qualify)} where a {names} was expected: {item!r}"[
                    :300
                ],
            )
    return list(result)


def _type_name(value_type: type, qualified: bool) -> str:
    if not qualified:
        return value_type.__name__
    return f"{value_type.__module__.split('.')[0]}.{value_type.__qualname__}"


def _collect_registry(host: PluginHost) -> Registry:
    registry_ = Registry()
    for contribution in CONTRIBUTIONS:
        for impl in _in_loading_order(host, contribution.hook):
            plugin = impl.plugin_name
            for value in _call_for_list(impl, contribution.hook, contribution.value_type):
                key = getattr(value, contribution.key_attribute)
                if contribution.namespaced and not key.startswith(plugin + "."):
                    raise PluginError(
                        plugin,
                        f"{contribution.label} key {key!r} is not namespaced by the plugin: "
                        f"it must start with {plugin + '.'!r}",
                    )
                registry_.add(plugin, contribution, value)
    return registry_


def _warn_about_departments(host: PluginHost) -> None:
    """Log each definition that names a department outside :data:`DEPARTMENTS`.

    Not refused: an administrator may add a department with that code. Until
    then nothing is filed under it, which is worth a line in the log naming
    the plugin (a typo such as ``SALE`` shows up here).
    """
    registry_ = host.registry
    for kind, attribute, is_list in DEPARTMENT_ATTRIBUTES:
        label = next(c.label for c in CONTRIBUTIONS if c.kind == kind)
        for key, value in getattr(registry_, kind).items():
            codes = getattr(value, attribute) if is_list else (getattr(value, attribute),)
            for code in codes:
                if code and code not in DEPARTMENTS:
                    log.warning(
                        "plugin %r: %s %r names the department %r in %s, which is not a built-in department "
                        "(%s); it has no department until an administrator adds one with that code",
                        registry_.plugin_of(kind, key),
                        label,
                        key,
                        code,
                        attribute,
                        ", ".join(DEPARTMENTS),
                    )


def _check_plugin_config(app: Flask, host: PluginHost) -> None:
    """``DEALERQMS_PLUGIN_CONFIG`` maps plugin names to dicts; a name no loaded plugin has is logged."""
    for name, values in (app.config.get(PLUGIN_CONFIG) or {}).items():
        if not isinstance(values, dict):
            raise PluginError(
                name, f"{PLUGIN_CONFIG}[{name!r}] must be a dict of settings, not {type(values).__name__}"
            )
        if name not in host.plugins:
            log.warning("%s has settings for plugin %r, which is not loaded", PLUGIN_CONFIG, name)


def migration_locations(app: Flask | None = None) -> list[Path]:
    """Folders of plugin migration scripts, for Alembic's ``version_locations``."""
    host = _host(app)
    if host._migrations is None:
        locations = []
        for impl in _in_loading_order(host, "register_migrations"):
            for location in _call_for_list(impl, "register_migrations", (str, Path)):
                path = Path(location)
                if not path.is_dir():
                    raise PluginError(impl.plugin_name, f"register_migrations: {str(path)!r} is not a folder")
                locations.append(path)
        host._migrations = locations
    return list(host._migrations)


def translation_directories(app: Flask | None = None) -> list[Path]:
    """Folders of the plugins' gettext catalogs, merged with the core's."""
    host = _host(app)
    folders = []
    for impl in _in_loading_order(host, "register_translations"):
        for folder in _call_for_list(impl, "register_translations", (str, Path)):
            path = Path(folder)
            if not path.is_dir():
                raise PluginError(impl.plugin_name, f"register_translations: {str(path)!r} is not a folder")
            folders.append(path)
    return folders


def api_blueprints(app: Flask | None = None) -> list[PluginBlueprint]:
    """The plugins' flask-smorest blueprints for the API to mount under ``/api/v1``."""
    host = _host(app)
    if host._api_blueprints is None:
        entries = []
        for impl in _in_loading_order(host, "register_api_blueprints"):
            plugin = impl.plugin_name
            result = _called(impl, "register_api_blueprints")
            blueprints = _as_list(plugin, "register_api_blueprints", result, _api_blueprint_type(result))
            if _is_default_plugin(host, plugin):
                # The core's areas are the API's own resources, each blueprint at its own prefix.
                entries += [
                    PluginBlueprint(plugin, blueprint, f"{blueprint.name}_api", blueprint.url_prefix or "")
                    for blueprint in blueprints
                ]
                continue
            if len(blueprints) > 1:
                raise PluginError(
                    plugin, "register_api_blueprints returned more than one blueprint; nest the others in one"
                )
            for blueprint in blueprints:
                _check_blueprint_name(plugin, blueprint, "register_api_blueprints")
                # The product's own features live at the top of the API; the
                # /p/<plugin> namespace keeps third parties from taking their URLs.
                prefix = "" if _is_builtin_plugin(host, plugin) else f"/p/{plugin}"
                entries.append(PluginBlueprint(plugin, blueprint, f"{plugin}_api", prefix))
        host._api_blueprints = entries
    return list(host._api_blueprints)


def _is_builtin_plugin(host: PluginHost, plugin: str) -> bool:
    info = host.plugins.get(plugin)
    return info is not None and info.builtin


def _is_default_plugin(host: PluginHost, plugin: str) -> bool:
    info = host.plugins.get(plugin)
    return info is not None and info.default


def register_commands(app: Flask) -> None:
    """Let plugins add their commands to ``app.cli`` (at start-up)."""
    host = _host(app)
    for impl in _in_loading_order(host, "register_commands"):
        try:
            _call(impl, {"cli": app.cli})
        except Exception as error:
            raise PluginError(
                impl.plugin_name, f"register_commands failed ({type(error).__name__}: {error})"
            ) from error


def _check_blueprint_name(plugin: str, blueprint: Blueprint, hook_name: str) -> None:
    if blueprint.name != plugin:
        raise PluginError(
            plugin,
            f"{hook_name}: the blueprint is named {blueprint.name!r}; it must be named after the plugin ({plugin!r})",
        )


def _mount_blueprints(app: Flask, host: PluginHost, plugin: str) -> None:
    for impl in _implementations(host, "register_blueprints", plugin):
        blueprints = _call_for_list(impl, "register_blueprints", Blueprint)
        if _is_default_plugin(host, plugin):
            # The core's own pages: their names and URLs are the product's.
            for blueprint in blueprints:
                app.register_blueprint(blueprint)
            continue
        if len(blueprints) > 1:
            raise PluginError(plugin, "register_blueprints returned more than one blueprint; nest the others in one")
        for blueprint in blueprints:
            _check_blueprint_name(plugin, blueprint, "register_blueprints")
            if plugin in host.blueprints or blueprint.name in app.blueprints:
                raise PluginError(plugin, f"a blueprint named {blueprint.name!r} is already registered")
            try:
                builtin_prefix = blueprint.url_prefix if _is_builtin_plugin(host, plugin) else None
                app.register_blueprint(blueprint, url_prefix=builtin_prefix or f"/p/{plugin}")
            except AssertionError as error:
                # Flask refuses new routes once the app has served a request.
                raise PluginError(plugin, f"its blueprint cannot be mounted any more ({error})") from error
            host.blueprints[plugin] = blueprint


# ---------------------------------------------------------------- registering at run time


def register(plugin, name: str, app: Flask | None = None) -> None:
    """Register ``plugin`` (a module or an object with ``@hookimpl`` methods) on a running app.

    For tests and embedding: the registry is collected again and the
    plugin's blueprints are mounted, so this must happen before the app
    serves its first request. A broken plugin is unregistered again and the
    :class:`PluginError` raised.
    """
    app = app if app is not None else current_app._get_current_object()
    host = _host(app)
    if not _register(host, plugin, name, PluginInfo(name, getattr(plugin, "__version__", None), None, False)):
        return
    try:
        _check_implementations(host)
        new_registry = _collect_registry(host)
        host._api_blueprints = None
        for entry in api_blueprints(app):
            _check_api_name_is_free(app, entry)
        _mount_blueprints(app, host, name)
    except PluginError:
        host.pm.unregister(name=name)
        del host.plugins[name]
        host._api_blueprints = None
        raise
    host.registry = new_registry
    host._migrations = None
    mount_api_blueprints(app)


def _api_blueprint_type(blueprints) -> type:
    """The type ``register_api_blueprints``' blueprints must have: flask-smorest's ``Blueprint``,
    which the areas' lazy ones (:class:`core.lazy_views.LazyApiBlueprint`) become only when
    their views load. Checking those does not import flask-smorest (issue #20); anything
    else is checked against flask-smorest's own class."""
    from core.lazy_views import LazyApiBlueprint

    if isinstance(blueprints, list | tuple) and all(isinstance(b, LazyApiBlueprint) for b in blueprints):
        return LazyApiBlueprint
    from flask_smorest import Blueprint as ApiBlueprint

    return ApiBlueprint


def mount_api_blueprints(app: Flask) -> None:
    """Mount the API blueprints the plugins contribute that are not mounted yet.

    The app's API (``core.api``, which depends on this module and not the
    other way round) keeps itself at ``app.extensions[API_EXTENSION]`` and
    mounts each entry with its ``mount(entry)``; an app without an API yet
    mounts them when it makes one.
    """
    api = app.extensions.get(API_EXTENSION)
    if api is None:
        return
    for entry in api_blueprints(app):
        if entry.name not in app.blueprints:
            api.mount(entry)


def _check_api_name_is_free(app: Flask, entry: PluginBlueprint) -> None:
    taken = app.blueprints.get(entry.name)
    # The API mounts a blueprint inside a wrapper of that name: already ours.
    already_mounted = app.blueprints.get(f"{entry.name}.{entry.blueprint.name}") is entry.blueprint
    if taken is not None and taken is not entry.blueprint and not already_mounted:
        raise PluginError(
            entry.plugin, f"its API blueprint cannot be mounted: the name {entry.name!r} is taken by another blueprint"
        )


def unregister(name: str, app: Flask | None = None) -> None:
    """Undo :func:`register` (its blueprint's routes stay: Flask cannot remove them)."""
    app = app if app is not None else current_app._get_current_object()
    host = _host(app)
    if host.pm.get_plugin(name) is not None:
        host.pm.unregister(name=name)
    host.plugins.pop(name, None)
    host.blueprints.pop(name, None)
    host.registry = _collect_registry(host)
    host._migrations = None
    host._api_blueprints = None


# ---------------------------------------------------------------- describing


def describe_plugins(app: Flask | None = None, *, include_defaults: bool = False) -> list[dict[str, Any]]:
    """What ``dealerqms plugins --json`` and ``GET /api/v1/plugins`` show.

    One entry per loaded plugin, by name: ``{"name", "version", "builtin",
    "hooks": [...], "counts": {"checklists", "metrics", "forms",
    "procedure_templates"}}``. The core's own default plugins only with
    ``include_defaults`` (``dealerqms plugins --all``).
    """
    host = _host(app)
    described = []
    for name in sorted(host.plugins):
        info = host.plugins[name]
        if info.default and not include_defaults:
            continue
        plugin = host.pm.get_plugin(name)
        hooks = sorted(caller.name for caller in host.pm.get_hookcallers(plugin) or ())
        entry = {
            "name": name,
            "version": info.version,
            "builtin": info.builtin,
            "hooks": hooks,
            "counts": host.registry.counts(name),
        }
        if info.default:
            entry["default"] = True
        described.append(entry)
    return described


# ---------------------------------------------------------------- run-time hooks


def _log_failure(plugin: str, hook_name: str) -> None:
    log.exception("plugin %r failed in %s; carrying on without it", plugin, hook_name)


def notify(hook_name: str, **kwargs) -> list[str]:
    """Call every implementation of an event hook, each on its own.

    Fire events after the change they report has committed (see
    :func:`notify_after_commit`). Each implementation is a unit of work of its
    own: what it writes is committed when it returns and rolled back when it
    raises; a raising implementation is logged with its plugin's name and the
    others still run. Returns the names of the plugins that failed.
    """
    if hook_name not in EVENTS:
        raise ValueError(f"{hook_name!r} is not an event hook (events: {', '.join(sorted(EVENTS))})")
    failed = []
    for impl in _implementations(_host(), hook_name):
        try:
            _call(impl, kwargs)
            # Most implementations look at the event and find nothing to do:
            # those cost no transaction (on SQLite a BEGIN IMMEDIATE each).
            if database.has_work():
                database.commit()
        except Exception:
            database.db.session.rollback()
            _log_failure(impl.plugin_name, hook_name)
            failed.append(impl.plugin_name)
    return failed


def notify_after_commit(hook_name: str, **kwargs) -> None:
    """Fire an event once the current transaction commits (through ``core.database.commit``).

    A rollback drops it, so plugins never hear of a change that did not happen.
    """
    if hook_name not in EVENTS:
        raise ValueError(f"{hook_name!r} is not an event hook (events: {', '.join(sorted(EVENTS))})")
    database.after_commit(lambda: notify(hook_name, **kwargs))


def _collect_tolerant(hook_name: str, value_type: type, kwargs: dict[str, Any], with_plugin: bool = False) -> list:
    values = []
    for impl in _implementations(_host(), hook_name):
        try:
            result = _as_list(impl.plugin_name, hook_name, _call(impl, kwargs), value_type)
        except Exception:
            _log_failure(impl.plugin_name, hook_name)
            continue
        if with_plugin:
            values.extend((impl.plugin_name, value) for value in result)
        else:
            values.extend(result)
    return values


def menu_links(user) -> list[MenuLink]:
    """The plugins' menu entries for ``user``, with ``url`` resolved.

    A plugin that raises, returns something else or names an unknown
    endpoint is logged and left out of the menu.
    """
    links = []
    for impl in _implementations(_host(), "menu_links"):
        try:
            result = _as_list(impl.plugin_name, "menu_links", _call(impl, {"user": user}), MenuLink)
            links.extend(
                link if link.url else replace(link, url=url_for(link.endpoint), endpoint=None) for link in result
            )
        except Exception:
            _log_failure(impl.plugin_name, "menu_links")
    return links


def dashboard_panels(site, user) -> list[tuple[str, DashboardPanel]]:
    """The plugins' dashboard panels with the plugin of each; a failing plugin is logged and skipped."""
    return _collect_tolerant("dashboard_panels", DashboardPanel, {"site": site, "user": user}, with_plugin=True)


def kpi_panels(site, area: str | None, user) -> list[tuple[str, DashboardPanel]]:
    """The plugins' panels for the KPIs of ``site`` (of one ``area``, or every area when None),
    with the plugin of each; a failing plugin is logged and skipped."""
    return _collect_tolerant("kpi_panels", DashboardPanel, {"site": site, "area": area, "user": user}, True)


def dashboard_overdue(site, user) -> tuple[list[OverdueItem], int]:
    """The plugins' overdue items and how many there are in all (a source may list only its earliest)."""
    items, total = [], 0
    for impl in _implementations(_host(), "dashboard_overdue"):
        try:
            result = _call(impl, {"site": site, "user": user})
            found = _as_list(impl.plugin_name, "dashboard_overdue", result, OverdueItem)
        except Exception:
            _log_failure(impl.plugin_name, "dashboard_overdue")
            continue
        items += found
        total += getattr(result, "total", len(found))
    return items, total


def user_tasks(user, kind: str | None = None, limit: int = 50) -> tuple[TaskList, int]:
    """Every plugin's tasks for ``user`` (of ``kind``), at most ``limit`` of each kind from each,
    and how many there are in all; a plugin that fails is logged and left out.

    The tasks' ``kind_totals`` say how many there are of each kind, None for a kind whose
    plugin does not say (its listed tasks are then all that is known of it)."""
    tasks, total = [], 0
    kind_totals: dict[str, int | None] = {}
    for impl in _implementations(_host(), "user_tasks"):
        try:
            result = _call(impl, {"user": user, "kind": kind, "limit": limit})
            found = _as_list(impl.plugin_name, "user_tasks", result, Task)
        except Exception:
            _log_failure(impl.plugin_name, "user_tasks")
            continue
        found = [task for task in found if kind is None or task.kind == kind]
        tasks += found
        counted = getattr(result, "total", len(found))
        total += counted
        if kind is not None:
            kind_totals[kind] = (kind_totals.get(kind) or 0) + counted
            continue
        told = getattr(result, "kind_totals", None) or {}
        for key, number in told.items():
            if number:
                kind_totals[key] = number
        for task in found:
            kind_totals.setdefault(task.kind, None)
    return TaskList(tasks, total=total, kind_totals=kind_totals), total


def tick(now) -> list[str]:
    """Every plugin's periodic work up to ``now`` (``dealerqms tick``); what each did, in a line.

    A plugin that fails is logged and the others carry on: the next tick tries again.
    """
    done = []
    for impl in _implementations(_host(), "tick"):
        try:
            result = _call(impl, {"now": now})
            # What a plugin's tick did is kept whatever the next plugin does: a plugin has no
            # commit of its own (it sees only core.plugins), so the core commits for it.
            if database.has_work():
                database.commit()
        except Exception:
            database.db.session.rollback()
            _log_failure(impl.plugin_name, "tick")
            continue
        done.extend(f"{impl.plugin_name}: {line}" for line in (result or []))
    return done


def prepare_job_worker() -> list[str]:
    """Every plugin's preparation of a long-lived job worker (``dealerqms worker``, as it starts).

    A plugin that fails is logged and the others carry on: its jobs then load what they need
    themselves. Returns the names of the plugins that failed.
    """
    failed = []
    for impl in _implementations(_host(), "prepare_job_worker"):
        try:
            _call(impl, {})
        except Exception:
            _log_failure(impl.plugin_name, "prepare_job_worker")
            failed.append(impl.plugin_name)
    return failed


def audit_risk_factors(site, department) -> list[tuple[str, RiskFactor]]:
    """Every plugin's risk factors for ``department`` at ``site``, with the plugin's name;
    a failing plugin is logged and skipped."""
    return _collect_tolerant("audit_risk_factors", RiskFactor, {"site": site, "department": department}, True)


def review_inputs(site, period_from, period_to) -> list[tuple[str, ReviewInput]]:
    """Every plugin's sections of a management review's inputs for ``site`` and the period,
    with the plugin's name; a failing plugin is logged and skipped."""
    return _collect_tolerant(
        "review_inputs", ReviewInput, {"site": site, "period_from": period_from, "period_to": period_to}, True
    )


def dashboard_kpis(site, user) -> list[Kpi]:
    """The plugins' KPI tiles; a failing plugin is logged and skipped."""
    return _collect_tolerant("dashboard_kpis", Kpi, {"site": site, "user": user})


def trail_scope(user) -> dict[str, list]:
    """Per entity type, the rules of the records ``user`` may see in the trail: selects of
    their ids, or :class:`TrailSites`.

    Not tolerant: a plugin whose filter is missing would show every event of its
    records, so one that fails or answers something else raises :class:`PluginError`.
    Two plugins scoping one type: a record must be in both.
    """
    scopes: dict[str, list] = {}
    for impl in _implementations(_host(), "trail_scope"):
        try:
            result = _call(impl, {"user": user})
        except Exception as error:
            raise PluginError(impl.plugin_name, f"trail_scope: {error}") from error
        if result is None:
            continue
        if not isinstance(result, dict):
            raise PluginError(impl.plugin_name, f"trail_scope returned {type(result).__name__}, not a dict")
        for entity_type, rule in result.items():
            if rule is None or isinstance(rule, str | bytes | dict | list | tuple | set):
                raise PluginError(
                    impl.plugin_name,
                    f"trail_scope gave {type(rule).__name__} for {entity_type!r}, not a select of ids or TrailSites",
                )
            scopes.setdefault(str(entity_type), []).append(rule)
    return scopes


def search_sources(app: Flask | None = None) -> dict[str, SearchSource]:
    """Every plugin's search sources by kind, collected once per app.

    Not tolerant: a source missing would leave its records out of the index and its filter
    out of queries, so a plugin that fails, or names a kind another already named, raises
    :class:`PluginError`.
    """
    host = _host(app)
    impls = _in_loading_order(host, "search_sources")
    # A plugin registered later (a test's) is asked too.
    signature = tuple(impl.function for impl in impls)
    if host._search_sources is None or host._search_sources[0] != signature:
        sources: dict[str, SearchSource] = {}
        for impl in impls:
            for source in _call_for_list(impl, "search_sources", SearchSource):
                if source.kind in sources:
                    raise PluginError(impl.plugin_name, f"search_sources: the kind {source.kind!r} is named twice")
                sources[source.kind] = source
        host._search_sources = (signature, sources)
    return host._search_sources[1]


def job_kind(name: str, app: Flask | None = None) -> JobKind | None:
    """The job kind ``name`` that a plugin registered, or ``None``."""
    return registry(app).job_kinds.get(name)


def pack_sections(audit) -> list[PackSection]:
    """The plugins' evidence-pack sections.

    Not tolerant: a pack without a section it should have is not evidence,
    so a failing plugin raises :class:`PluginError` naming it.
    """
    sections = []
    for impl in _implementations(_host(), "pack_sections"):
        sections.extend(_call_for_list(impl, "pack_sections", PackSection, {"audit": audit}))
    return sections


def compute_metric(metric: Metric, site, period: str, failed: list[str] | None = None):
    """The first value a plugin computes for ``metric`` at ``site`` in ``period``, or ``None``.

    A plugin that raises or returns something that is not a number is logged
    and the next one asked; the measurement is simply not computed. The names
    of the plugins that raised are added to ``failed`` when given.
    """
    for impl in _implementations(_host(), "compute_metric"):
        try:
            value = _call(impl, {"metric": metric, "site": site, "period": period})
        except Exception:
            _log_failure(impl.plugin_name, "compute_metric")
            if failed is not None:
                failed.append(impl.plugin_name)
            continue
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real | Decimal):
            log.error(
                "plugin %r returned %r for metric %r from compute_metric; a number was expected",
                impl.plugin_name,
                value,
                metric.key,
            )
            continue
        return value
    return None


__all__ = [
    "CONTRIBUTIONS",
    "DEFAULT_PLUGINS",
    "EVENTS",
    "PluginBlueprint",
    "PluginError",
    "PluginInfo",
    "Registry",
    "api_blueprints",
    "compute_metric",
    "dashboard_kpis",
    "dashboard_overdue",
    "dashboard_panels",
    "describe_plugins",
    "job_kind",
    "kpi_panels",
    "mount_api_blueprints",
    "init_app",
    "menu_links",
    "migration_locations",
    "notify",
    "notify_after_commit",
    "pack_sections",
    "plugin_manager",
    "prepare_job_worker",
    "register",
    "registry",
    "startup",
    "unregister",
]
