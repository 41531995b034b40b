"""The web UI shell: base layout, navigation, dashboard, administration."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required


bp = Blueprint("web", __name__)


@bp.route("/")
@login_required
def dashboard():
    return render_template("web/dashboard.html")


def init_app(app) -> None:
    from core.accounts.views import bp as auth_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(bp)
