"""Sites, departments, users and the caller's own API tokens, as JSON.

Reference data (``code`` and ``login`` are the keys everywhere in the API)
is readable by every user; changing it needs the administrator's
permission, exactly as on the administration pages, through the same
service functions.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _
from marshmallow import Schema, fields, post_dump, validate
from sqlalchemy.orm import selectinload

from core.accounts import organisation, services
from core.accounts.models import ApiToken, Department, DepartmentHead, Role, Site, User, UserRole
from core.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from core.accounts.permissions import Permission, can
from core.accounts.routes import departments_api as departments_bp
from core.accounts.routes import sites_api as sites_bp
from core.accounts.routes import tokens_api as tokens_bp
from core.accounts.routes import users_api as users_bp
from core.api import (
    PAGE_HEADERS,
    Boolean,
    Integer,
    NonEmptyString,
    PageArgs,
    QueryBoolean,
    UTCDateTime,
    api_user,
    paginate,
    token_required,
)
from core.api.schemas import Pattern
from core.database import commit, db
from core.errors import NotFound, ValidationFailed

ROLE_NAMES = [role.value for role in Role]


class KeyOf(fields.String):
    """A related record by its key (a code or a login), or null."""

    def __init__(self, key: str, **kwargs):
        super().__init__(allow_none=True, dump_only=True, **kwargs)
        self.key = key

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else getattr(value, self.key)


def _code(**kwargs):
    # Either case: the service stores codes in capitals.
    return fields.String(
        validate=Pattern(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$", error="use 1–32 capital letters, digits, '-' or '_'"),
        **kwargs,
    )


def _row_version():
    return Integer(required=True, metadata={"description": "The version you read; a stale one is refused with 409."})


def _referenced(finder, field: str, key: str | None):
    """The record a body field refers to by its key, or None for no key.

    An unknown key is a wrong value in the request (422 naming the field),
    not a missing resource at the requested address (404).
    """
    if not key:
        return None
    try:
        return finder(key)
    except NotFound as error:
        raise ValidationFailed.field(field, error.detail) from None


def _department(code: str | None):
    return _referenced(services.department_by_code, "department", code and code.upper())


def _site(code: str | None):
    return _referenced(services.site_by_code, "site", code and code.upper())


# Sites ------------------------------------------------------------------------------


TIME_ZONE = {"description": "The dealership's time zone, an IANA name such as Asia/Shanghai (default: the instance's)."}


class SiteSchema(Schema):
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    time_zone = fields.String(dump_only=True, metadata=TIME_ZONE)
    active = fields.Boolean(dump_only=True)
    row_version = fields.Integer(dump_only=True, metadata={"description": "Send it back with a change."})


class SiteCreateSchema(Schema):
    code = _code(required=True, metadata={"description": "1–32 capital letters, digits, `-` or `_`."})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    time_zone = NonEmptyString(validate=validate.Length(max=64), metadata=TIME_ZONE)


class SiteUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    time_zone = NonEmptyString(validate=validate.Length(max=64), metadata=TIME_ZONE)
    active = Boolean()
    row_version = _row_version()


class SiteListArgs(PageArgs):
    active = QueryBoolean(metadata={"description": "Only active (true) or inactive (false) sites."})


@sites_bp.route("/sites")
@token_required()
@sites_bp.arguments(SiteListArgs, location="query")
@sites_bp.response(200, SiteSchema(many=True), headers=PAGE_HEADERS)
def list_sites(args):
    """Sites, by code."""
    query = db.select(Site).order_by(Site.code)
    if "active" in args:
        query = query.where(Site.active.is_(args["active"]))
    items, headers = paginate(query, args)
    return items, headers


@sites_bp.route("/sites", methods=["POST"])
@token_required(Permission.MANAGE_USERS)
@sites_bp.arguments(SiteCreateSchema)
@sites_bp.response(201, SiteSchema)
@sites_bp.alt_response(409, response="CONFLICT")
def create_site(data):
    """Add a site."""
    site = services.create_site(api_user(), data["code"], data["name"], data.get("time_zone"))
    commit()
    return site, 201, {"Location": url_for(".get_site", code=site.code)}


@sites_bp.route("/sites/<code>")
@token_required()
@sites_bp.response(200, SiteSchema)
@sites_bp.alt_response(404, response="NOT_FOUND")
def get_site(code):
    """One site."""
    return services.site_by_code(code.upper())


@sites_bp.route("/sites/<code>", methods=["PATCH"])
@token_required(Permission.MANAGE_USERS)
@sites_bp.arguments(SiteUpdateSchema)
@sites_bp.response(200, SiteSchema)
@sites_bp.alt_response(404, response="NOT_FOUND")
@sites_bp.alt_response(409, response="CONFLICT")
def update_site(data, code):
    """Rename a site, change its time zone or (de)activate it."""
    site = services.site_by_code(code.upper())
    services.update_site(
        api_user(),
        site,
        name=data.get("name", site.name),
        active=data.get("active", site.active),
        time_zone=data.get("time_zone"),
        row_version=data["row_version"],
    )
    commit()
    return site


# Departments ------------------------------------------------------------------------


class HeadshipSchema(Schema):
    site = NonEmptyString(
        allow_none=True, metadata={"description": "Site code, or null for the group-level head of the function."}
    )
    head = NonEmptyString(allow_none=True, metadata={"description": "Login of the head, or null for none."})
    deputy = NonEmptyString(
        allow_none=True, metadata={"description": "Login of the deputy (acts while the head is away), or null."}
    )


class DepartmentSchema(Schema):
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    heads = fields.Method(
        "_heads",
        metadata={"description": "Who heads the department at each site, and group-wide (site null)."},
    )
    row_version = fields.Integer(dump_only=True, metadata={"description": "Send it back with a change."})

    def _heads(self, department):
        return HeadshipSchema(many=True).dump(
            [
                {
                    "site": row.site.code if row.site else None,
                    "head": row.head.login if row.head else None,
                    "deputy": row.deputy.login if row.deputy else None,
                }
                for row in sorted(department.heads, key=lambda row: (row.site is not None, row.site and row.site.code))
            ]
        )


class DepartmentCreateSchema(Schema):
    code = _code(required=True, metadata={"description": "1–32 capital letters, digits, `-` or `_`."})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class DepartmentUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    heads = fields.List(
        fields.Nested(HeadshipSchema),
        metadata={
            "description": "Heads to name, one entry per site (or site null: group-wide); "
            "sites not listed keep theirs. Each head and deputy holds the department_head role "
            "and works in the department at that site."
        },
    )
    row_version = _row_version()


def _departments_query():
    return (
        db.select(Department)
        .options(
            selectinload(Department.heads).options(
                selectinload(DepartmentHead.site),
                selectinload(DepartmentHead.head),
                selectinload(DepartmentHead.deputy),
            )
        )
        .order_by(Department.code)
    )


@departments_bp.route("/departments")
@token_required()
@departments_bp.arguments(PageArgs, location="query")
@departments_bp.response(200, DepartmentSchema(many=True), headers=PAGE_HEADERS)
def list_departments(args):
    """Departments, by code."""
    items, headers = paginate(_departments_query(), args)
    return items, headers


@departments_bp.route("/departments", methods=["POST"])
@token_required(Permission.MANAGE_USERS)
@departments_bp.arguments(DepartmentCreateSchema)
@departments_bp.response(201, DepartmentSchema)
@departments_bp.alt_response(409, response="CONFLICT")
def create_department(data):
    """Add a department (its head is set with PATCH once a user holds the role)."""
    department = services.create_department(api_user(), data["code"], data["name"])
    commit()
    return department, 201, {"Location": url_for(".get_department", code=department.code)}


@departments_bp.route("/departments/<code>")
@token_required()
@departments_bp.response(200, DepartmentSchema)
@departments_bp.alt_response(404, response="NOT_FOUND")
def get_department(code):
    """One department."""
    return services.department_by_code(code.upper())


@departments_bp.route("/departments/<code>", methods=["PATCH"])
@token_required(Permission.MANAGE_USERS)
@departments_bp.arguments(DepartmentUpdateSchema)
@departments_bp.response(200, DepartmentSchema)
@departments_bp.alt_response(404, response="NOT_FOUND")
@departments_bp.alt_response(409, response="CONFLICT")
def update_department(data, code):
    """Rename a department or name its head and deputy at a site (or group-wide)."""
    department = services.department_by_code(code.upper())
    services.update_department(
        api_user(), department, name=data.get("name", department.name), row_version=data["row_version"]
    )
    for entry in data.get("heads", []):
        site = _referenced(services.site_by_code, "heads.site", entry.get("site") and entry["site"].upper())
        existing = organisation.headship(department.id, site.id if site else None)
        organisation.set_heads(
            api_user(),
            department,
            site,
            head=_referenced(services.user_by_login, "heads.head", entry.get("head") and entry["head"].lower()),
            deputy=_referenced(services.user_by_login, "heads.deputy", entry.get("deputy") and entry["deputy"].lower()),
            row_version=existing.row_version if existing else None,
        )
    commit()
    return department


# Users ------------------------------------------------------------------------------

ADMIN_ONLY_USER_FIELDS = ("email", "locale", "created_at", "row_version")
_PRIVATE = {"description": "Shown to administrators and to the user themself only."}


class UserSchema(Schema):
    login = fields.String(dump_only=True)
    display_name = fields.String(dump_only=True, metadata={"description": "The printed name (signatures)."})
    roles = fields.List(fields.String(validate=validate.OneOf(ROLE_NAMES)), dump_only=True)
    department = KeyOf("code", metadata={"description": "Department code, or null."})
    site = KeyOf("code", metadata={"description": "Site code, or null."})
    active = fields.Boolean(dump_only=True)
    email = fields.String(dump_only=True, allow_none=True, metadata=_PRIVATE)
    locale = fields.String(dump_only=True, metadata=_PRIVATE)
    created_at = UTCDateTime(dump_only=True, metadata=_PRIVATE)
    row_version = fields.Integer(dump_only=True, metadata=_PRIVATE)

    @post_dump(pass_original=True)
    def _for_the_viewer(self, data, original, **_kwargs):
        data["roles"] = sorted(data["roles"])
        viewer = api_user()
        if viewer.id != original.id and not can(viewer, Permission.MANAGE_USERS):
            for name in ADMIN_ONLY_USER_FIELDS:
                data.pop(name, None)
        return data


def _roles_field(**kwargs):
    return fields.List(fields.String(validate=validate.OneOf(ROLE_NAMES)), validate=validate.Length(min=1), **kwargs)


def _email_field():
    # The longest address RFC 5321 allows, and the column's length: PostgreSQL refuses a longer one.
    return fields.Email(allow_none=True, validate=validate.Length(max=254))


def _locale_field():
    return fields.String(
        validate=Pattern(r"^[a-z]{2,3}(_[A-Za-z]{2,4})?$", error="a language code such as en or zh_CN"),
        metadata={"description": "A language the installation offers (`en`, `zh_CN`)."},
    )


PASSWORD_RULES = (
    f"{MIN_LENGTH}–{MAX_LENGTH} characters, not only spaces or digits, without the login, and not one of the "
    "20,000 most common passwords; a refused one is a 422 naming the field `password`."
)


class UserCreateSchema(Schema):
    login = fields.String(
        required=True,
        # Either case: the service stores logins in lower case.
        validate=Pattern(
            r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$", error="use 2–64 lower-case letters, digits, '.', '-' or '_'"
        ),
        metadata={"description": "2–64 lower-case letters, digits, `.`, `-` or `_`."},
    )
    display_name = fields.String(validate=validate.Length(min=1, max=200))
    email = _email_field()
    roles = _roles_field(required=True)
    department = NonEmptyString(allow_none=True, metadata={"description": "Department code; needed by a head."})
    site = NonEmptyString(allow_none=True, metadata={"description": "Site code."})
    locale = _locale_field()
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=MIN_LENGTH, max=MAX_LENGTH),
        metadata={"description": PASSWORD_RULES},
    )


class UserUpdateSchema(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=200))
    email = _email_field()
    roles = _roles_field()
    department = NonEmptyString(allow_none=True)
    site = NonEmptyString(allow_none=True)
    active = Boolean()
    locale = _locale_field()
    row_version = _row_version()


class ProfileUpdateSchema(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=200))
    email = _email_field()
    locale = _locale_field()
    row_version = _row_version()


class PasswordSchema(Schema):
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=MIN_LENGTH, max=MAX_LENGTH),
        metadata={"description": PASSWORD_RULES},
    )
    current_password = fields.String(
        load_only=True, metadata={"description": "Needed when you change your own password."}
    )


class UserListArgs(PageArgs):
    q = fields.String(metadata={"description": "Part of the login or the printed name."})
    role = fields.String(validate=validate.OneOf(ROLE_NAMES))
    department = NonEmptyString(metadata={"description": "Department code."})
    site = NonEmptyString(metadata={"description": "Site code."})
    active = QueryBoolean()


def _users_query():
    return db.select(User).options(selectinload(User.department), selectinload(User.site))


@users_bp.route("/users")
@token_required()
@users_bp.arguments(UserListArgs, location="query")
@users_bp.response(200, UserSchema(many=True), headers=PAGE_HEADERS)
def list_users(args):
    """Users, by login."""
    query = _users_query().order_by(User.login)
    if args.get("q"):
        pattern = f"%{args['q']}%"
        query = query.where(db.or_(User.login.ilike(pattern), User.display_name.ilike(pattern)))
    if "role" in args:
        query = query.where(User.role_rows.any(UserRole.role == args["role"]))
    if "department" in args:
        query = query.where(User.department.has(Department.code == args["department"].upper()))
    if "site" in args:
        query = query.where(User.site.has(Site.code == args["site"].upper()))
    if "active" in args:
        query = query.where(User.active.is_(args["active"]))
    items, headers = paginate(query, args)
    return items, headers


@users_bp.route("/users", methods=["POST"])
@token_required(Permission.MANAGE_USERS)
@users_bp.arguments(UserCreateSchema)
@users_bp.response(201, UserSchema)
@users_bp.alt_response(409, response="CONFLICT")
def create_user(data):
    """Add a user; a department_head becomes the head of their department."""
    user = services.create_user(
        api_user(),
        login=data["login"],
        display_name=data.get("display_name"),
        roles=data["roles"],
        password=data["password"],
        email=data.get("email"),
        department=_department(data.get("department")),
        site=_site(data.get("site")),
        locale=data.get("locale", current_app.config["BABEL_DEFAULT_LOCALE"]),
    )
    commit()
    return user, 201, {"Location": url_for(".get_user", login=user.login)}


@users_bp.route("/users/<login>")
@token_required()
@users_bp.response(200, UserSchema)
@users_bp.alt_response(404, response="NOT_FOUND")
def get_user(login):
    """One user."""
    return services.user_by_login(login.lower())


@users_bp.route("/users/<login>", methods=["PATCH"])
@token_required(Permission.MANAGE_USERS)
@users_bp.arguments(UserUpdateSchema)
@users_bp.response(200, UserSchema)
@users_bp.alt_response(404, response="NOT_FOUND")
@users_bp.alt_response(409, response="CONFLICT")
def update_user(data, login):
    """Change a user's name, e-mail, roles, department, site, language or activation."""
    user = services.user_by_login(login.lower())
    department = _department(data["department"]) if "department" in data else user.department
    site = _site(data["site"]) if "site" in data else user.site
    services.update_user(
        api_user(),
        user,
        display_name=data.get("display_name", user.display_name),
        email=data.get("email", user.email),
        roles=data.get("roles", [role.value for role in user.roles]),
        department=department,
        site=site,
        active=data.get("active", user.active),
        row_version=data["row_version"],
    )
    if "locale" in data:
        services.set_locale(user, data["locale"])
    commit()
    return user


@users_bp.route("/users/<login>/password", methods=["PUT"])
@token_required(guard=lambda user, login: services.password_refusal(user, services.user_by_login(login.lower())))
@users_bp.arguments(PasswordSchema)
@users_bp.response(204)
@users_bp.alt_response(403, response="FORBIDDEN")
@users_bp.alt_response(404, response="NOT_FOUND")
def set_password(data, login):
    """Set a password: an administrator for anyone, a user for themself with the current one."""
    user = services.user_by_login(login.lower())
    services.set_password(api_user(), user, data["password"], current_password=data.get("current_password"))
    commit()
    return current_app.response_class(status=204)


@users_bp.route("/me")
@token_required()
@users_bp.response(200, UserSchema)
def get_me():
    """The caller."""
    return api_user()


@users_bp.route("/me", methods=["PATCH"])
@token_required()
@users_bp.arguments(ProfileUpdateSchema)
@users_bp.response(200, UserSchema)
@users_bp.alt_response(409, response="CONFLICT")
def update_me(data):
    """Change your own printed name, e-mail or language."""
    user = api_user()
    services.update_profile(
        user,
        user,
        display_name=data.get("display_name", user.display_name),
        email=data.get("email", user.email),
        row_version=data["row_version"],
    )
    if "locale" in data:
        services.set_locale(user, data["locale"])
    commit()
    return user


# Tokens -----------------------------------------------------------------------------


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    prefix = fields.String(dump_only=True, metadata={"description": "The first characters, to recognise it."})
    created_at = UTCDateTime(dump_only=True)
    last_used_at = UTCDateTime(
        dump_only=True, allow_none=True, metadata={"description": "Recorded at most once an hour."}
    )
    revoked_at = UTCDateTime(dump_only=True, allow_none=True)
    active = fields.Boolean(dump_only=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(
        dump_only=True, metadata={"description": "The token itself: shown in this response only, stored hashed."}
    )


class TokenCreateSchema(Schema):
    name = fields.String(validate=validate.Length(max=100), metadata={"description": "What it is for."})


class _NewToken:
    """A token record together with its plain text, which exists only now."""

    def __init__(self, record: ApiToken, plain: str):
        self._record, self.token = record, plain

    def __getattr__(self, name):
        return getattr(self._record, name)


def _own_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    # Someone else's token is as unknown as a missing one: its existence is not the caller's business.
    if token is None or token.user_id != api_user().id:
        raise NotFound(_("You have no API token %(token_id)s.", token_id=token_id))
    return token


@tokens_bp.route("/tokens")
@token_required()
@tokens_bp.response(200, TokenSchema(many=True))
def list_tokens():
    """Your API tokens, newest first (revoked ones too)."""
    return services.tokens_of(api_user())


@tokens_bp.route("/tokens", methods=["POST"])
@token_required()
# Every member is optional, so the body may be left out as well.
@tokens_bp.arguments(TokenCreateSchema, required=False)
@tokens_bp.response(201, NewTokenSchema)
def create_token(data):
    """A new API token for yourself; the response is the only time it is shown."""
    user = api_user()
    token, plain = services.create_token(user, user, data.get("name", ""))
    commit()
    return _NewToken(token, plain), 201, {"Location": url_for(".get_token", token_id=token.id)}


@tokens_bp.route("/tokens/<int:token_id>")
@token_required()
@tokens_bp.response(200, TokenSchema)
@tokens_bp.alt_response(404, response="NOT_FOUND")
def get_token(token_id):
    """One of your API tokens."""
    return _own_token(token_id)


@tokens_bp.route("/tokens/<int:token_id>", methods=["DELETE"])
@token_required()
@tokens_bp.response(204)
@tokens_bp.alt_response(404, response="NOT_FOUND")
def revoke_token(token_id):
    """Revoke one of your API tokens (it stays listed, with the time it was revoked)."""
    services.revoke_token(api_user(), _own_token(token_id))
    commit()
    return current_app.response_class(status=204)
