"""Blueprints whose view modules load on the first request that needs them (issue #20).

Flask's "Lazily Loading Views": importing every page and API module (with the services,
forms and schemas they import) was a fifth of ``create_app()``, and a command, a job
worker or a render worker serves few pages, if any. So an area declares its routes in a
light table beside its blueprint — rule, endpoint, methods, ``"module:function"`` — and
the blueprint mounts them at start-up with a :class:`LazyView`, which imports the module
when the route is first called::

    bp = LazyBlueprint("usedcars", __name__, template_folder="templates", routes=[
        Route("/", "usedcars.web:index"),
        Route("/cars/<int:car_id>", "usedcars.web:edit_car", methods=("GET", "POST")),
    ])

The view module keeps its ``@bp.route(...)`` decorators, on the same blueprint: when the
module loads they no longer add a route but confirm that the table declares it exactly
so (rule, endpoint, methods, defaults, function), and raise :class:`UndeclaredRoute`
otherwise, so the table cannot drift from the views (``tests/test_lazy_views.py`` loads
every view module). Login and permission checks stay decorators on the view functions.

:class:`LazyApiBlueprint` is the same for a flask-smorest blueprint: its ``@bp.arguments``
and ``@bp.response`` describe the operation when the module loads, and the API loads
every module of a blueprint (:meth:`LazyApiBlueprint.load_views`) the first time the
OpenAPI document is read. Until one of its modules loads it is a plain Flask blueprint,
so that start-up does not import flask-smorest, marshmallow and webargs; the first use
of flask-smorest's side of it (a decorator) makes it a flask-smorest ``Blueprint``.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import flask
from flask_login import login_required
from werkzeug.utils import import_string

__all__ = ["LazyApiBlueprint", "LazyBlueprint", "LazyView", "Route", "UndeclaredRoute"]


class UndeclaredRoute(Exception):
    """A view module declares a route its blueprint's table does not (or not so)."""


@dataclass(frozen=True)
class Route:
    """One URL rule of a blueprint's table; ``view`` is ``"package.module:function"``.

    The endpoint is the function's name unless given (as ``@bp.route`` names it)."""

    rule: str
    view: str
    methods: tuple[str, ...] = ("GET",)
    endpoint: str | None = None
    defaults: dict | None = field(default=None, hash=False)

    @property
    def name(self) -> str:
        return self.endpoint or self.view.rpartition(":")[2]

    def key(self) -> tuple:
        return (self.rule, self.name, tuple(sorted(m.upper() for m in self.methods)), self.view, _items(self.defaults))


def _items(defaults: dict | None) -> tuple:
    return tuple(sorted((defaults or {}).items()))


class LazyView:
    """A view function imported (``werkzeug.utils.import_string``) the first time it is called.

    What Flask reads of a view function when mounting it is answered without loading the
    module; anything else (``_apidoc``, ``__wrapped__``…) loads it."""

    methods = None
    required_methods = ()
    provide_automatic_options = None

    def __init__(self, view: str):
        self.view = view
        self.__module__, _, self.__name__ = view.rpartition(":")
        self.__qualname__ = self.__name__

    _function = None

    # Not functools.cached_property: on Python 3.11 it holds one lock for every instance, so
    # the first requests of different pages, in different threads, waited for each other's
    # imports. Two threads importing the same view meet at the import system's own lock.
    @property
    def function(self):
        if self._function is None:
            self._function = import_string(self.view.replace(":", "."))
        return self._function

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(self.function, name)

    def __repr__(self) -> str:
        return f"<LazyView {self.view}>"


class _DeclaredRoutes:
    """What both lazy blueprints share: mounting the table, confirming the decorators."""

    def _declare(self, routes: Iterable[Route]) -> None:
        self.routes: list[Route] = list(routes)
        self.confirmed: dict[tuple, object] = {}
        self._declared = {route.key(): route for route in self.routes}
        views: dict[str, LazyView] = {}
        for route in self.routes:
            view = views.setdefault(route.view, LazyView(route.view))
            options = {"defaults": route.defaults} if route.defaults else {}
            flask.Blueprint.add_url_rule(self, route.rule, route.name, view, methods=list(route.methods), **options)

    @property
    def view_modules(self) -> list[str]:
        """The modules of this blueprint's views and of those nested in it, in table order."""
        modules = dict.fromkeys(route.view.rpartition(":")[0] for route in self.routes)
        for child, _options in self._blueprints:
            modules.update(dict.fromkeys(getattr(child, "view_modules", ())))
        return list(modules)

    # ``route`` and ``add_url_rule`` are Flask's set-up methods, refused once the blueprint
    # is mounted; when a view module loads they only confirm what the table declared.
    def route(self, rule: str, **options):
        def confirm(function):
            self.add_url_rule(rule, options.pop("endpoint", None), function, **options)
            return function

        return confirm

    def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
        if view_func is None or isinstance(view_func, type):
            raise UndeclaredRoute(f"{self.name}: {rule}: a lazy blueprint's route must be a view function")
        endpoint = endpoint or view_func.__name__
        view = f"{view_func.__module__}:{view_func.__name__}"
        methods = tuple(sorted(m.upper() for m in options.pop("methods", None) or ("GET",)))
        key = (rule, endpoint, methods, view, _items(options.pop("defaults", None)))
        unknown = set(options) - {"parameters", "tags"}
        if key not in self._declared or unknown:
            raise UndeclaredRoute(
                f"{self.name}: {view} serves {rule} {list(methods)} as {endpoint!r}, which the blueprint's "
                f"route table does not declare so{f' (options {sorted(unknown)})' if unknown else ''}"
            )
        self.confirmed[key] = view_func
        self._confirmed_view(endpoint, view_func, methods, options)

    def _confirmed_view(self, endpoint, view_func, methods, options) -> None:
        pass


@login_required
def _signed_in_only():
    return None


class LazyBlueprint(_DeclaredRoutes, flask.Blueprint):
    """A page blueprint whose routes come from a table and whose view modules load lazily;
    with ``signed_in=True`` each of its pages first asks for a signed-in user (Flask-Login's
    ``login_required``), as most areas' pages do."""

    def __init__(
        self, name: str, import_name: str, *, routes: Iterable[Route] = (), signed_in: bool = False, **options
    ):
        super().__init__(name, import_name, **options)
        self._declare(routes)
        if signed_in:
            self.before_request(_signed_in_only)


class LazyApiBlueprint(_DeclaredRoutes, flask.Blueprint):
    """A flask-smorest blueprint whose routes come from a table and whose handler modules load
    lazily; each operation is described when its module loads.

    Mounting needs only Flask's side of it, so it starts as a Flask blueprint that keeps
    what flask-smorest's ``Blueprint.__init__`` would (the description, the endpoints, their
    documentation). The first attribute it lacks — ``@bp.arguments``, ``@bp.response``,
    ``register_views_in_doc``… — imports flask-smorest and makes it an instance of
    :func:`_with_flask_smorest` of its class, a subclass of both, so ``isinstance(bp,
    flask_smorest.Blueprint)`` holds from then on."""

    def __init__(self, name: str, import_name: str, *, routes: Iterable[Route] = (), description: str = "", **options):
        super().__init__(name, import_name, **options)
        self.description = description
        self._docs: dict = {}
        self._endpoints: list[str] = []
        self._loading = threading.Lock()
        self._declare(routes)
        self._endpoints.extend(route.name for route in self.routes)

    def __getattr__(self, name: str):
        if name.startswith("__") or isinstance(self, _smorest_blueprint()):
            raise AttributeError(name)
        with _becoming:
            if not isinstance(self, _smorest_blueprint()):
                self.__class__ = _with_flask_smorest(type(self))
                # What flask-smorest's __init__ sets besides what ours keeps.
                self._prepare_doc_cbks = [
                    self._prepare_arguments_doc,
                    self._prepare_response_doc,
                    self._prepare_pagination_doc,
                    self._prepare_etag_doc,
                ]
        return getattr(self, name)

    def _confirmed_view(self, endpoint, view_func, methods, options) -> None:
        parameters, tags = options.get("parameters"), options.get("tags")
        self._store_endpoint_docs(endpoint, view_func, parameters, tags, methods=methods)

    def load_views(self) -> None:
        """Load every handler module, so that the blueprint's (and its nested ones') operations
        are described, as flask-smorest's ``register_blueprint`` would have gathered them."""
        with self._loading:
            for module in dict.fromkeys(route.view.rpartition(":")[0] for route in self.routes):
                import_string(module)
            for child, options in self._blueprints:
                if isinstance(child, LazyApiBlueprint):
                    child.load_views()
                prefix = options.get("name", child.name)
                self._docs.update({f"{prefix}.{endpoint}": doc for endpoint, doc in child._docs.items()})


_becoming = threading.Lock()


def _smorest_blueprint() -> type:
    # Nothing is a flask-smorest Blueprint before flask-smorest is imported; asking must not import it.
    smorest = sys.modules.get("flask_smorest")
    return smorest.Blueprint if smorest is not None else ()


@functools.cache
def _with_flask_smorest(cls: type) -> type:
    """``cls`` (a :class:`LazyApiBlueprint` or a subclass) with flask-smorest's ``Blueprint`` after
    it: this module's route table and confirmation come first, flask-smorest's decorators,
    documentation and nesting after; Flask's own ``Blueprint`` is the last of both."""
    import flask_smorest

    return type(
        cls.__name__, (cls, flask_smorest.Blueprint), {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
    )
