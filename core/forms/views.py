"""Form pages: fill in, list, view, export. Thin: the rules are in :mod:`core.forms.services`."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.accounts.models import Site
from core.accounts.permissions import Permission, require
from core.database import commit, db
from core.errors import DomainError
from core.forms import services
from core.forms.forms import clean_data, form_class
from core.web.forms_support import refusal_status

bp = Blueprint("forms", __name__, url_prefix="/forms", static_folder="static", static_url_path="/static")

PER_PAGE = 50


@bp.before_request
@login_required
def _logged_in():
    return None


def _user():
    return current_user._get_current_object()


def _sites():
    return db.session.execute(db.select(Site).filter_by(active=True).order_by(Site.code)).scalars().all()


@bp.route("/")
def index():
    return render_template(
        "forms/index.html", forms=services.definitions(), may_read_all=services.may_read_all(_user())
    )


@bp.route("/<key>/new", methods=["GET", "POST"])
def fill(key):
    require(_user(), Permission.SUBMIT_FORMS)
    definition = services.definition(key)
    form = form_class(definition)()
    sites = _sites()
    chosen = request.form.get("site") or (
        current_user.site.code if current_user.site else (sites[0].code if sites else "")
    )
    status = 200
    if form.validate_on_submit():
        site = next((s for s in sites if s.code == chosen), None)
        if site is None:
            form.form_errors.append(_("Choose the site this form is about."))
            status = 422
        else:
            try:
                submission = services.submit(_user(), definition, site, clean_data(form))
                commit()
                flash(_("Thank you: %(title)s was submitted.", title=definition.title), "success")
                return redirect(url_for(".view", submission_id=submission.id))
            except DomainError as error:
                status = refusal_status(form, error)
    elif form.is_submitted():
        status = 422
    _pad_groups(form)
    return render_template("forms/fill.html", definition=definition, form=form, sites=sites, chosen=chosen), status


def _pad_groups(form) -> None:
    """One blank row after the filled ones (and up to the minimum), so that rows can be added without scripts."""
    for item in form.definition.fields:
        if item.type != "group":
            continue
        group = form[item.key]
        wanted = max(group.min_rows, len(group.entries) + 1)
        if group.max_rows is not None:
            wanted = min(wanted, group.max_rows)
        while len(group.entries) < wanted:
            group.append_entry()


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters():
    code = request.args.get("site") or ""
    site = db.session.execute(db.select(Site).filter_by(code=code)).scalar_one_or_none() if code else None
    return {"site": site, "date_from": _date_arg("from"), "date_to": _date_arg("to")}


@bp.route("/<key>/submissions")
def submissions(key):
    definition = services.definition(key)
    filters = _filters()
    query = services.list_query(_user(), form_key=key, **filters)
    pagination = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    return render_template(
        "forms/submissions.html",
        definition=definition,
        pagination=pagination,
        filters=filters,
        sites=_sites(),
        args=request.args,
    )


@bp.route("/<key>/submissions.csv")
def export(key):
    definition = services.definition(key)
    query = services.list_query(_user(), form_key=key, **_filters())
    filename = f"{key}-submissions.csv"
    return Response(
        stream_with_context(services.export_csv(query, definition)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/submissions/<int:submission_id>")
def view(submission_id):
    found = services.submission(_user(), submission_id)
    shown = services.shown_definition(found)
    return render_template("forms/view.html", submission=found, shown=shown, display=services.display_value)
