"""Administration pages: users, sites and departments.

The whole blueprint asks for the administrator's permission before any view
runs; the services it calls ask again for every change.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from core.accounts import organisation, services
from core.accounts.forms import (
    ROLE_LABELS,
    DepartmentForm,
    HeadshipForm,
    NewDepartmentForm,
    NewSiteForm,
    NewUserForm,
    SetPasswordForm,
    SiteForm,
    UserForm,
)
from core.accounts.models import Department, Role, Site, User, UserRole
from core.accounts.permissions import Permission, require
from core.database import db
from core.trail.queries import history_of, history_with_parts
from core.web.forms_support import run_form
from core.web.routes import admin_pages as bp

USERS_PER_PAGE = 50


@login_required
def _administrators_only():
    require(current_user, Permission.MANAGE_USERS)


def _page() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and int(value) > 0 else 1


def _get(model, **key):
    record = db.session.execute(db.select(model).filter_by(**key)).scalar_one_or_none()
    if record is None:
        abort(404)
    return record


def _department_choices():
    departments = db.session.execute(db.select(Department).order_by(Department.code)).scalars()
    return [SelectChoice("", _("(none)"))] + [SelectChoice(d.code, f"{d.code} · {d.label}") for d in departments]


def _site_choices():
    sites = db.session.execute(db.select(Site).order_by(Site.code)).scalars()
    return [SelectChoice("", _("(none)"))] + [SelectChoice(s.code, f"{s.code} · {s.name}") for s in sites]


def _head_choices(department: Department, site: Site | None):
    """The people who may head ``department`` at ``site``: its department heads working there."""
    heads = db.session.execute(
        db.select(User)
        .join(UserRole)
        .where(
            UserRole.role == Role.DEPARTMENT_HEAD.value,
            User.active.is_(True),
            User.department_id == department.id,
            User.site_id.is_(None) if site is None else User.site_id == site.id,
        )
        .order_by(User.display_name)
    ).scalars()
    return [SelectChoice("", _("(none)"))] + [SelectChoice(u.login, f"{u.display_name} ({u.login})") for u in heads]


def _headship_forms(department: Department, submitted: HeadshipForm | None = None) -> list[tuple]:
    """(site or None, form) for the group office and each active site; the submitted one keeps what was typed."""
    sites = [None, *db.session.execute(db.select(Site).where(Site.active.is_(True)).order_by(Site.code)).scalars()]
    rows = []
    for site in sites:
        key = _site_key(site)
        if submitted is not None and submitted._prefix == f"{key}-":
            form = submitted
        else:
            row = organisation.headship(department.id, site.id if site else None)
            form = HeadshipForm(
                formdata=None,
                prefix=key,
                data={
                    "head": row.head.login if row and row.head else "",
                    "deputy": row.deputy.login if row and row.deputy else "",
                    "row_version": str(row.row_version) if row else "",
                },
            )
        form.head.choices = form.deputy.choices = _head_choices(department, site)
        rows.append((site, form))
    return rows


def _or_none(finder, code: str | None):
    return finder(code) if code else None


# Users ------------------------------------------------------------------------


@bp.route("/users")
def users():
    query = db.select(User).options(selectinload(User.department), selectinload(User.site)).order_by(User.login)
    text = request.args.get("q", "").strip()
    if text:
        query = query.where(
            db.or_(User.login.icontains(text, autoescape=True), User.display_name.icontains(text, autoescape=True))
        )
    pagination = db.paginate(query, page=_page(), per_page=USERS_PER_PAGE, error_out=False)
    return render_template("admin/users.html", pagination=pagination, q=text, role_labels=ROLE_LABELS)


def _user_form(form_class, **kwargs):
    form = form_class(**kwargs)
    form.department.choices = _department_choices()
    form.site.choices = _site_choices()
    return form


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = _user_form(NewUserForm)
    password = form.password.data or services.make_temporary_password(form.login.data or "")
    outcome = run_form(
        form,
        lambda: services.create_user(
            current_user,
            login=form.login.data,
            display_name=form.display_name.data,
            email=form.email.data,
            roles=form.roles.data,
            password=password,
            department=_or_none(services.department_by_code, form.department.data),
            site=_or_none(services.site_by_code, form.site.data),
        ),
    )
    if not outcome.done:
        return render_template("admin/user_new.html", form=form), outcome.status
    user = outcome.result
    flash(_("User %(login)s was created.", login=user.login), "success")
    if not form.password.data:
        # Shown once, on this response only: it is never stored in plain text.
        return render_template("admin/user_created.html", user=user, password=password)
    return redirect(url_for("admin.user", login=user.login))


def _user_data(record: User) -> dict:
    return {
        "display_name": record.display_name,
        "email": record.email or "",
        "active": record.active,
        "department": record.department.code if record.department else "",
        "site": record.site.code if record.site else "",
        "roles": sorted(r.value for r in record.roles),
        "row_version": record.row_version,
    }


def _render_user(record: User, form: UserForm, password_form: SetPasswordForm, status: int):
    return render_template(
        "admin/user_edit.html",
        form=form,
        user=record,
        password_form=password_form,
        history=history_with_parts(record, "user_role"),
        role_labels=ROLE_LABELS,
    ), status


@bp.route("/users/<login>", methods=["GET", "POST"])
def user(login):
    record = _get(User, login=login)
    form = _user_form(UserForm, data=None if request.method == "POST" else _user_data(record))
    outcome = run_form(
        form,
        lambda: services.update_user(
            current_user,
            record,
            display_name=form.display_name.data,
            email=form.email.data,
            roles=form.roles.data,
            active=form.active.data,
            row_version=form.row_version.data,
            department=_or_none(services.department_by_code, form.department.data),
            site=_or_none(services.site_by_code, form.site.data),
        ),
    )
    if not outcome.done:
        return _render_user(record, form, SetPasswordForm(), outcome.status)
    flash(_("User %(login)s was saved.", login=record.login), "success")
    return redirect(url_for("admin.user", login=record.login))


@bp.route("/users/<login>/password", methods=["POST"])
def set_user_password(login):
    record = _get(User, login=login)
    form = SetPasswordForm()
    outcome = run_form(
        form,
        lambda: services.set_password(current_user, record, form.new_password.data),
        aliases={"password": "new_password"},
    )
    if not outcome.done:
        edit_form = _user_form(UserForm, formdata=None, data=_user_data(record))
        return _render_user(record, edit_form, form, outcome.status)
    flash(_("The password of %(login)s was changed.", login=record.login), "success")
    return redirect(url_for("admin.user", login=record.login))


# Sites ------------------------------------------------------------------------


@bp.route("/sites")
def sites():
    pagination = db.paginate(
        db.select(Site).order_by(Site.code), page=_page(), per_page=USERS_PER_PAGE, error_out=False
    )
    return render_template("admin/sites.html", pagination=pagination)


@bp.route("/sites/new", methods=["GET", "POST"])
def new_site():
    form = NewSiteForm()
    outcome = run_form(
        form, lambda: services.create_site(current_user, form.code.data, form.name.data, form.time_zone.data or None)
    )
    if not outcome.done:
        return render_template("admin/site_new.html", form=form), outcome.status
    flash(_("Site %(code)s was created.", code=outcome.result.code), "success")
    return redirect(url_for("admin.site", code=outcome.result.code))


@bp.route("/sites/<code>", methods=["GET", "POST"])
def site(code):
    record = _get(Site, code=code)
    form = SiteForm(
        data=None
        if request.method == "POST"
        else {
            "name": record.name,
            "time_zone": record.time_zone,
            "active": record.active,
            "row_version": record.row_version,
        }
    )
    outcome = run_form(
        form,
        lambda: services.update_site(
            current_user,
            record,
            name=form.name.data,
            active=form.active.data,
            time_zone=form.time_zone.data or None,
            row_version=form.row_version.data,
        ),
    )
    if not outcome.done:
        return render_template(
            "admin/site_edit.html", form=form, site=record, history=history_of(record)
        ), outcome.status
    flash(_("Site %(code)s was saved.", code=record.code), "success")
    return redirect(url_for("admin.site", code=record.code))


# Departments ------------------------------------------------------------------


@bp.route("/departments")
def departments():
    pagination = db.paginate(
        db.select(Department).options(selectinload(Department.heads)).order_by(Department.code),
        page=_page(),
        per_page=USERS_PER_PAGE,
        error_out=False,
    )
    return render_template("admin/departments.html", pagination=pagination)


@bp.route("/departments/new", methods=["GET", "POST"])
def new_department():
    form = NewDepartmentForm()
    outcome = run_form(form, lambda: services.create_department(current_user, form.code.data, form.name.data))
    if not outcome.done:
        return render_template("admin/department_new.html", form=form), outcome.status
    flash(_("Department %(code)s was created.", code=outcome.result.code), "success")
    return redirect(url_for("admin.department", code=outcome.result.code))


@bp.route("/departments/<code>", methods=["GET", "POST"])
def department(code):
    record = _get(Department, code=code)
    form = DepartmentForm(
        data=None if request.method == "POST" else {"name": record.name, "row_version": record.row_version}
    )
    outcome = run_form(
        form,
        lambda: services.update_department(
            current_user, record, name=form.name.data, row_version=form.row_version.data
        ),
    )
    if not outcome.done:
        return _department_page(record, form), outcome.status
    flash(_("Department %(code)s was saved.", code=record.code), "success")
    return redirect(url_for("admin.department", code=record.code))


GROUP_KEY = "group"


def _site_key(site: Site | None) -> str:
    return site.code if site else GROUP_KEY


@bp.route("/departments/<code>/heads/<site_key>", methods=["POST"])
def department_heads(code, site_key):
    record = _get(Department, code=code)
    site = None if site_key == GROUP_KEY else _get(Site, code=site_key)
    heads = HeadshipForm(prefix=site_key)
    heads.head.choices = heads.deputy.choices = _head_choices(record, site)
    outcome = run_form(
        heads,
        lambda: organisation.set_heads(
            current_user,
            record,
            site,
            head=_or_none(services.user_by_login, heads.head.data),
            deputy=_or_none(services.user_by_login, heads.deputy.data),
            row_version=int(heads.row_version.data) if heads.row_version.data else None,
        ),
    )
    if not outcome.done:
        form = DepartmentForm(data={"name": record.name, "row_version": record.row_version})
        return _department_page(record, form, heads), outcome.status
    where = site.code if site else _("the group office")
    flash(_("The heads of %(code)s at %(site)s were saved.", code=record.code, site=where), "success")
    return redirect(url_for("admin.department", code=record.code))


def _department_page(record: Department, form: DepartmentForm, submitted_heads: HeadshipForm | None = None):
    return render_template(
        "admin/department_edit.html",
        form=form,
        department=record,
        headships=_headship_forms(record, submitted_heads),
        history=history_of(record),
    )
