"""Sessions, CSRF, idle timeout, security headers and the request's transaction mode."""

from __future__ import annotations

import secrets

from flask import g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from core.accounts import services, sessions
from core.clock import utcnow
from core.database import commit, reset_read_only, set_read_only, write_intent
from core.extensions import csrf, login_manager

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _load_user(user_id: str):
    """The user of this browser session while it has not ended (logout, a new
    password, an administrator, the idle timeout)."""
    record = services.session_of(getattr(session, "sid", None))
    if record is None or str(record.user_id) != user_id or not record.user.active:
        return None
    g.user_session = record
    return record.user


def init_app(app) -> None:
    proxies = app.config["DEALERQMS_TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    sessions.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    csrf.init_app(app)

    # First, so that every response (a redirect from the idle check too) has a nonce.
    @app.before_request
    def _nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.before_request
    def _transaction_mode():
        g.read_only_token = set_read_only(request.method in SAFE_METHODS)

    @app.before_request
    def _idle_timeout():
        if request.endpoint == "static" or request.path.startswith("/api/") or not current_user.is_authenticated:
            return None
        record = g.get("user_session")
        if record is None:  # logged in by this very request
            return None
        now = utcnow()
        if services.session_idle(record, now):
            with write_intent():
                services.end_session(None, record)
                commit()
            logout_user()
            session.clear()
            sessions.rotate(app, session)
            # Back to the page afterwards, but never to a form post: its data is gone.
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("auth.login", next=target, idle=1))
        if services.touch_due(record, now):
            with write_intent():
                services.touch_session(record, now)
                commit()
            g.setdefault(sessions.REFRESH_FLAG, True)
        return None

    @app.after_request
    def _headers(response):
        nonce = g.get("csp_nonce", "")
        response.headers.setdefault("Content-Security-Policy", CSP.format(nonce=nonce))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint != "static" and current_user and getattr(current_user, "is_authenticated", False):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_request
    def _reset_transaction_mode(_exc):
        token = g.pop("read_only_token", None)
        if token is not None:
            reset_read_only(token)

    @app.context_processor
    def _template_security():
        return {"csp_nonce": g.get("csp_nonce", "")}
