"""The route tables of lazily loaded views (:mod:`core.lazy_views`) cannot drift from the view
modules: every declared route resolves to the function a view module's ``@bp.route`` put
there, and a view module with a route its table lacks does not load."""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
import textwrap

import flask
import pytest

from core.lazy_views import LazyBlueprint, LazyView, Route, UndeclaredRoute, _DeclaredRoutes

AREAS = ("core", "audits", "procedures", "plugins")
VIEW_MODULE = re.compile(r"(core\.\w+|audits(\.\w+)?|procedures|plugins\.\w+)\.(views|api|web)(\..+)?")


def lazy_blueprints(app) -> dict[str, _DeclaredRoutes]:
    return {name: bp for name, bp in app.blueprints.items() if isinstance(bp, _DeclaredRoutes)}


def every_view_module() -> list[str]:
    names = []
    for area in AREAS:
        package = importlib.import_module(area)
        for module in pkgutil.walk_packages(package.__path__, f"{area}."):
            if VIEW_MODULE.fullmatch(module.name):
                names.append(module.name)
    return names


def test_every_view_module_declares_only_routes_of_its_table():
    # Importing a module runs its ``@bp.route`` decorators: a route not in the table raises.
    for name in every_view_module():
        importlib.import_module(name)


def test_every_declared_route_is_the_view_its_module_routes_there(app):
    blueprints = lazy_blueprints(app)
    assert {"audits", "audits.inspections", "audits_api.audits", "audits_api.audits.reviews"} <= blueprints.keys()
    for name, blueprint in blueprints.items():
        for module in blueprint.view_modules:
            importlib.import_module(module)
        for route in blueprint.routes:
            function = LazyView(route.view).function
            assert blueprint.confirmed.get(route.key()) is function, f"{name}: {route} has no @bp.route"
    lazy_endpoints = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if isinstance(view, LazyView) and endpoint.rpartition(".")[0] in blueprints
    }
    assert {"audits.index", "audits.inspections.index", "audits_api.audits.list_audits"} <= lazy_endpoints


@pytest.fixture
def usedcars_views(tmp_path, monkeypatch):
    """A plugin package of its own: a light table and a view module, written by the test."""
    package = tmp_path / "lazycars"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "routes.py").write_text(
        textwrap.dedent("""
            from core.lazy_views import LazyBlueprint, Route

            bp = LazyBlueprint("lazycars", __name__, routes=[Route("/cars", "lazycars.views:cars")])
        """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield package
    for name in [name for name in sys.modules if name.startswith("lazycars")]:
        del sys.modules[name]


def write_views(package, body: str) -> None:
    (package / "views.py").write_text("from lazycars.routes import bp\n\n" + textwrap.dedent(body))


def mounted(bp: LazyBlueprint) -> flask.Flask:
    app = flask.Flask("lazycars")
    app.register_blueprint(bp)
    return app


def test_a_view_module_loads_on_its_first_request_only(usedcars_views):
    write_views(usedcars_views, '@bp.route("/cars")\ndef cars():\n    return "3 cars"\n')
    from lazycars.routes import bp

    app = mounted(bp)
    assert "lazycars.views" not in sys.modules
    assert app.test_client().get("/cars").text == "3 cars"
    assert "lazycars.views" in sys.modules


def test_a_route_the_table_lacks_stops_its_module_from_loading(usedcars_views):
    write_views(
        usedcars_views,
        """
        @bp.route("/cars")
        def cars():
            return "3 cars"

        @bp.route("/cars/<int:car>", methods=["POST"])
        def sell(car):
            return "sold"
        """,
    )
    from lazycars.routes import bp

    with pytest.raises(UndeclaredRoute, match="lazycars.views:sell serves /cars/<int:car>"):
        importlib.import_module("lazycars.views")
    assert mounted(bp).test_client().get("/cars").status_code == 500


def test_a_route_whose_methods_differ_from_the_table_is_refused(usedcars_views):
    write_views(usedcars_views, '@bp.route("/cars", methods=["GET", "POST"])\ndef cars():\n    return "3 cars"\n')
    with pytest.raises(UndeclaredRoute, match=r"\['GET', 'POST'\]"):
        importlib.import_module("lazycars.views")


def test_a_declared_route_of_a_missing_function_fails_on_its_first_request(usedcars_views):
    write_views(usedcars_views, '@bp.route("/cars")\ndef cars():\n    return "3 cars"\n')
    bp = LazyBlueprint("lazytrucks", __name__, routes=[Route("/trucks", "lazycars.views:trucks")])
    app = mounted(bp)
    app.testing = True
    with pytest.raises(ImportError, match="trucks"):
        app.test_client().get("/trucks")


def guarded_page():
    return "the stock list"


@pytest.mark.parametrize("signed_in, status", [(True, 302), (False, 200)])
def test_a_signed_in_blueprint_sends_a_visitor_to_sign_in_first(make_app, signed_in, status):
    from core.plugins import hookimpl

    bp = LazyBlueprint("guarded", __name__, signed_in=signed_in, routes=[Route("/stock", f"{__name__}:guarded_page")])

    class Guarded:
        @hookimpl
        def register_blueprints(self):
            return [bp]

    answer = make_app(plugins={"guarded": Guarded()}).test_client().get("/p/guarded/stock")
    assert answer.status_code == status
    assert ("/login" in answer.headers.get("Location", "")) is signed_in
