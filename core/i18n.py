"""Languages: the user's choice, else the session's, else the browser's.
API responses: the request's Accept-Language, else the token user's choice.

Users choose among ``DEALERQMS_LOCALES`` (``en``, ``zh_CN``). Each catalog
lives in ``core/translations`` under Babel's full name of its locale
(``zh_CN`` is ``zh_Hans_CN``): Flask-Babel looks up catalogs by that name and
would silently fall back to English under any other. ``core/babel.cfg`` says
where the strings are. After changing UI strings::

    pybabel extract -F core/babel.cfg -k _l --no-location --sort-output -o core/translations/messages.pot .
    pybabel update -N --ignore-obsolete -i core/translations/messages.pot -d core/translations
    (translate the new zh_CN entries)
    pybabel compile -d core/translations

Built-in packages outside the core (``procedures``, ``audits``) keep their
own ``babel.cfg`` and ``translations/`` beside their code (the same commands
with ``-F <package>/babel.cfg`` and ``-d <package>/translations``) and hand
the folder to the core through the ``register_translations`` hook.

The compiled ``.mo`` files are committed; a test fails when they lag behind
the ``.po`` files or when a string is not in the catalogs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from babel import Locale
from flask import current_app, g, has_request_context, request, session
from flask_babel import force_locale, get_locale, get_translations
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept

from core import times
from core.api.auth import token_user
from core.api.problems import API_PATH_PREFIX
from core.extensions import babel

# Each language is named in itself, so that someone who cannot read the
# current one still finds their own.
LANGUAGE_NAMES = {"en": "English", "zh_CN": "中文"}


def supported_locales() -> tuple[str, ...]:
    return tuple(current_app.config["DEALERQMS_LOCALES"])


def select_locale() -> str:
    supported = supported_locales()
    if not has_request_context():  # jobs and commands: the instance's language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith(API_PATH_PREFIX):
        return _api_locale(supported)
    # A page that chooses its own language: a customer's public survey page (core.intake).
    if g.get("page_locale") in supported:
        return g.page_locale
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in supported:
        return current_user.locale
    if session.get("locale") in supported:
        return session["locale"]
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _api_locale(supported) -> str:
    """An API response: the Accept-Language the client sent, else its token user's language.

    A script sends Accept-Language only when it means it (unlike a browser,
    which always does), so an explicit header wins for that one response; a
    wildcard asks for nothing. The session cookie a browser may send along
    plays no part: the caller of the API is the token's user.
    """
    asked = LanguageAccept([(value, quality) for value, quality in request.accept_languages if value != "*"])
    match = asked.best_match(supported)
    if match:
        return match
    user = token_user()
    if user is not None and user.locale in supported:
        return user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def catalog_name(code: str) -> str:
    """The folder of a locale's catalog: ``zh_CN`` → ``zh_Hans_CN``."""
    return str(Locale.parse(code))


def current_locale() -> str:
    """The configured code (``zh_CN``) of the language the page is shown in."""
    shown = get_locale()
    for code in supported_locales():
        if Locale.parse(code) == shown:
            return code
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def default_language():
    """The instance's language for the duration of a ``with``: texts records keep as the record."""
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "en"))


def in_every_language(make: Callable[[], Any]) -> dict[str, Any]:
    """What ``make()`` gives in each installed language, keyed by locale code.

    Records that copy texts from plugins (an audit's questions, an NC titled
    after one) keep them in every language at the time of copying, so each
    reader sees their own years later, whatever the plugin does meanwhile.
    """
    found = {}
    for code in supported_locales():
        with force_locale(code):
            found[code] = make()
    return found


def in_reader_language(translations: Mapping[str, Any] | None, field: str | None, default: str) -> str:
    """The reader's language's text kept by :func:`in_every_language`, else ``default``.

    ``field`` picks one text of a dict kept per language (None: the value is the text).
    Records copied before the languages were kept have only ``default``.
    """
    if not translations:
        return default
    kept = translations.get(current_locale())
    if field is not None and isinstance(kept, Mapping):
        kept = kept.get(field)
    return kept if isinstance(kept, str) and kept else default


def add_translation_directories(app, folders) -> None:
    """Merge plugins' catalogs (``register_translations``) with the core's."""
    from flask_babel import get_babel

    directories = get_babel(app).translation_directories
    for folder in folders:
        if str(folder) not in directories:
            directories.append(str(folder))
    # Flask-Babel caches merged catalogs per process and locale; catalogs
    # merged before these folders were known must be merged again.
    with app.app_context():
        babel.domain_instance.cache.clear()


def request_translations():
    """The catalog of the reader's language, found once a request per language (``force_locale``
    switches it for a while) instead of for every string: Flask-Babel finds it through three
    look-ups of the request's context each time (13 µs a string), and the templates' strings
    were most of what a row of a list or of the inbox cost."""
    state = g.get("_flask_babel") if g else None
    locale = getattr(state, "babel_locale", None)
    if locale is None:  # outside a request, or its language not chosen yet
        return get_translations()
    domain = getattr(state, "babel_domain", None)
    found = getattr(state, "dealerqms_translations", None)
    if found is None or found[0] is not locale or found[1] is not domain:
        found = state.dealerqms_translations = (locale, domain, get_translations())
    return found[2]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # The templates' gettext through the catalog found once a request (the rest as Flask-Babel installs it).
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: request_translations().ugettext(string),
        ngettext=lambda singular, plural, n: request_translations().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, string: request_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: request_translations().unpgettext(context, singular, plural, n),
    )
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
    # Times show in the reader's zone (core.times), not UTC.
    times.init_app(app)
