"""The web UI shell: layout, navigation, dashboard, administration, the
audit-trail page and the error pages."""

from __future__ import annotations


def init_app(app) -> None:
    from core.accounts.views import account_bp
    from core.accounts.views import bp as auth_bp
    from core.jobs.views import bp as jobs_bp
    from core.web import errors, navigation
    from core.web.admin import bp as admin_bp
    from core.web.views import bp as web_bp

    for blueprint in (auth_bp, account_bp, web_bp, admin_bp, jobs_bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)
    navigation.init_app(app)
