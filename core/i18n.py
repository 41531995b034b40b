"""Languages: the user's choice, else the session's, else the browser's."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from core.extensions import babel


def select_locale() -> str:
    supported = current_app.config["DEALERQMS_LOCALES"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in supported:
        return current_user.locale
    if session.get("locale") in supported:
        return session["locale"]
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
