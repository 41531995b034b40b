"""The application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from werkzeug.routing import Rule

log = logging.getLogger("dealerqms")

# Whether this process has started up before (see ``collection_paused_for_start_up``).
_started = False


class LazilyBuiltRule(Rule):
    """Werkzeug's URL rule, whose two URL builders are compiled the first time ``url_for``
    builds the rule's URL: compiling them for every route of every plugin took a seventh of
    ``create_app()``, and a command or a worker builds few URLs, if any."""

    def _compile_builder(self, append_unknown: bool = True):
        compile_builder = super()._compile_builder
        compiled = None

        def build(rule, *args, **kwargs):
            nonlocal compiled
            if compiled is None:
                compiled = compile_builder(append_unknown).__get__(rule, None)
            return compiled(*args, **kwargs)

        return build


@contextmanager
def collection_paused_for_start_up() -> Iterator[None]:
    """Python's cycle collector paused while the app is imported and built, and what the
    first start-up of a process made frozen (``gc.freeze``) when it is done.

    Start-up makes hundreds of thousands of long-lived objects (modules, classes, mappers,
    routes) and little garbage; the collector walked them all twice over during
    ``create_app()``, a sixth of its CPU time. Pausing alone would hand that walk to the
    first request; freezing takes them out of every later collection (and keeps the pages
    of a preloading server's workers shared). Only the first app is frozen: a process that
    builds many (the test suite) would otherwise keep every discarded app's cycles."""
    global _started
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
        if not _started:
            _started = True
            gc.freeze()
    finally:
        if collecting:
            gc.enable()


def create_app(test_config: dict | None = None) -> Flask:
    with collection_paused_for_start_up():
        return _build_app(test_config)


def _build_app(test_config: dict | None) -> Flask:
    # Imported here, with the collector paused: the app's modules (every model among them)
    # are most of what start-up creates.
    import core.models  # noqa: F401  (all tables on the metadata)
    from core import config as config_module
    from core import database, i18n, security, storage
    from core.api import converters
    from core.api import init_app as init_api
    from core.extensions import MIGRATIONS, migrate
    from core.migration import add_plugin_version_locations  # noqa: F401  (every area's migrations for `dealerqms db`)
    from core.notifications import mail
    from core.plugin_engine import manager
    from core.search import index as search_index
    from core.trail import readable, recorder
    from core.web import init_app as init_web

    app = config_module.new_app(test_config)
    app.url_rule_class = LazilyBuiltRule
    storage.init_app(app)
    converters.init_app(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    database.init_app(app)

    recorder.install()
    search_index.install()

    migrate.init_app(app, database.db, directory=str(MIGRATIONS))

    manager.init_app(app)

    i18n.init_app(app)
    readable.init_app(app)
    security.init_app(app)
    mail.init_app(app)

    init_web(app)

    # The core's own areas (core.plugin_engine.manager.DEFAULT_PLUGINS) and every
    # plugin: their pages, commands and contributions.
    manager.startup(app)
    i18n.add_translation_directories(app, manager.translation_directories(app))
    # After start-up has validated the plugins: their API blueprints join the core's.
    init_api(app)
    return app
