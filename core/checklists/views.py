"""``/checklists/``: the checklist library — every checklist the product offers (the plugins'
and the imported ones), a page per checklist with its versions, importing a file, retiring
a version, exports and the downloadable template and example. Thin: the rules are in
:mod:`core.checklists.services`."""

from __future__ import annotations

from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import FileField
from wtforms.validators import DataRequired

from core.accounts.models import Department
from core.checklists import catalog, services
from core.checklists.routes import pages as bp
from core.database import commit, db
from core.errors import DomainError, TooLarge, authorize
from core.plugin_engine.types import SCALES

SCALE_LABELS = {
    "grades": _l("ISO 19011 grades, no score"),
    "yes_no": _l("Yes / no"),
    "points_0_2": _l("0–2 points"),
    "points_0_3": _l("0–3 points"),
    "percent": _l("Percent"),
}
assert set(SCALE_LABELS) == set(SCALES)
DOWNLOADS = ("template", "example")


class ImportForm(FlaskForm):
    file = FileField(_l("Checklist file (XLSX or YAML)"), validators=[DataRequired(_l("Choose a file."))])


def _user():
    return current_user._get_current_object()


def _entries():
    """Every checklist on offer with where it comes from: a plugin, or an imported version."""
    current = catalog.current_versions()
    return [
        {
            "checklist": checklist,
            "plugin": catalog.plugin_of(key),
            "imported": None if catalog.is_plugin_key(key) else current.get(key),
        }
        for key, checklist in sorted(catalog.checklists().items())
    ]


def _department_labels(codes) -> list[str]:
    """The departments by the names their pages use, in the checklist's order."""
    rows = {row.code: row for row in db.session.execute(db.select(Department)).scalars()}
    return [rows[code].label if code in rows else code for code in codes]


@bp.route("/")
def index():
    authorize(services.read_refusal(_user()))
    return render_template(
        "checklists/index.html",
        entries=_entries(),
        retired_keys=services.retired_keys(),
        scale_labels=SCALE_LABELS,
        may_manage=services.manage_refusal(_user()) is None,
    )


@bp.route("/<key>")
def view(key):
    authorize(services.read_refusal(_user()))
    checklist = catalog.checklist(key)
    # A plugin's checklist has no imported versions; an unknown key is a 404 here.
    versions = [] if catalog.is_plugin_key(key) else services.versions(key)
    # Every version retired: show the newest, which nothing offers any more.
    shown = checklist if checklist is not None else catalog.built(versions[0])
    sections = {section.key: section for section in shown.sections}
    groups = []
    for question in shown.questions:
        if not groups or groups[-1][0] != question.section:
            groups.append((question.section, []))
        groups[-1][1].append(question)
    return render_template(
        "checklists/view.html",
        key=key,
        checklist=shown,
        offered=checklist is not None,
        plugin=catalog.plugin_of(key),
        departments=_department_labels(
            catalog.departments().get(key) or tuple(versions[0].content.get("departments") or ())
        ),
        groups=[(sections.get(section_key), questions) for section_key, questions in groups],
        versions=versions,
        scale_labels=SCALE_LABELS,
        may_manage=services.manage_refusal(_user()) is None,
    )


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    authorize(services.manage_refusal(_user()))
    form = ImportForm()
    problems, status = [], 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            # One byte past the limit is enough to know the file is too large.
            data = upload.read(services.max_bytes() + 1)
            row, created = services.import_file(_user(), upload.filename or "", data)
            commit()
        except services.ChecklistFileProblems as error:
            db.session.rollback()
            problems, status = error.problems, 422
        except TooLarge as error:
            db.session.rollback()
            form.file.errors = [error.detail]
            status = 413
        except DomainError as error:
            db.session.rollback()
            if error.status in (403, 404):
                raise
            form.file.errors = [error.detail]
            status = error.status
        else:
            if created:
                flash(_("Version %(version)s of %(key)s imported.", version=row.version, key=row.key), "success")
            else:
                flash(_("%(key)s is unchanged: still version %(version)s.", key=row.key, version=row.version), "info")
            return redirect(url_for(".view", key=row.key))
    elif form.is_submitted():
        status = 422
    return render_template("checklists/import.html", form=form, problems=problems), status


@bp.route("/<key>/versions/<int:version>/retire", methods=["POST"])
def retire(key, version):
    authorize(services.manage_refusal(_user()))
    try:
        row = services.retire(_user(), key, version)
        commit()
    except DomainError as error:
        db.session.rollback()
        if error.status in (403, 404):
            raise
        flash(error.detail, "error")
    else:
        flash(_("Version %(version)s of %(key)s retired.", version=row.version, key=row.key), "success")
    return redirect(url_for(".view", key=key))


@bp.route("/<key>/export/<kind>")
def export(key, kind):
    authorize(services.read_refusal(_user()))
    if kind not in services.KINDS:
        abort(404)
    number = request.args.get("version", type=int)
    filename, data, media_type = services.export(key, kind, number)
    return send_file(BytesIO(data), mimetype=media_type, as_attachment=True, download_name=filename)


@bp.route("/files/<name>.<kind>")
def download(name, kind):
    """The documented template and the example brand standard, for anyone who reads the library."""
    from core.checklists import format as checklist_format

    authorize(services.read_refusal(_user()))
    if name not in DOWNLOADS or kind not in services.KINDS:
        abort(404)
    data = (checklist_format.template if name == "template" else checklist_format.example)(kind)
    download_name = f"checklist-template.{kind}" if name == "template" else f"showroom-standard.{kind}"
    return send_file(
        BytesIO(data), mimetype=services.MEDIA_TYPES[kind], as_attachment=True, download_name=download_name
    )
