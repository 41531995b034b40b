"""The rules of public intake: which forms customers may fill in and how they reach them,
one-time survey links, rate limits, consent, complaint numbers, and handing an answer to the
forms service, which validates and stores it as it does a staff member's.

Views are thin: :mod:`core.intake.views` calls these and shows what they return or raise.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from core.accounts.models import Site
from core.clock import utcnow
from core.database import db
from core.errors import NotFound
from core.forms import services as forms
from core.forms.forms import SubmissionForm, clean_data, form_class, formdata_from_json
from core.forms.models import FormSubmission
from core.intake.errors import RateLimited
from core.intake.models import ComplaintNumber, IntakeAttempt, SurveyToken
from core.plugin_engine import manager
from core.plugin_engine.types import Form, PublicForm
from core.trail.context import acting_as

# A survey link is answered within weeks of the delivery or repair, or not at all.
TOKEN_LIFETIME = timedelta(days=60)
# Posts from one client address per hour, and tries of one survey link per hour (a
# typo-ridden answer needs a few; a script hammering a link needs many).
ADDRESS_LIMIT = 10
ADDRESS_WINDOW = timedelta(hours=1)
TOKEN_LIMIT = 5
# A survey answer or a complaint is a few kilobytes of text; anything much bigger is not one.
MAX_BODY = 64 * 1024
# The trail's name for a customer on a public page (core.trail.readable.SYSTEM_ACTORS).
ACTOR = "public"
# Form fields the intake adds to every public form (names no definition uses: keys have no "_" prefix
# rule, so these are spelled to be unlikely).
CONSENT = "pipl_consent"
HONEYPOT = "contact_website"


# Declarations -----------------------------------------------------------------------


def public_forms() -> dict[str, PublicForm]:
    return dict(manager.registry().public_forms)


def public_form(form_key: str) -> PublicForm:
    found = manager.registry().public_forms.get(form_key)
    if found is None or form_key not in manager.registry().forms:
        raise NotFound(_("There is no such survey."))
    return found


def surveys_after(form_key: str) -> list[PublicForm]:
    """The surveys a submission of ``form_key`` (a transaction) issues a link for."""
    return [public for public in public_forms().values() if public.after == form_key]


def walk_in_forms() -> list[PublicForm]:
    return [public for public in public_forms().values() if public.walk_in]


def complaint_form() -> PublicForm | None:
    """The site's complaint intake: the first complaint form declared (one per installation)."""
    return next((public for public in public_forms().values() if public.complaint), None)


def asked_fields(public: PublicForm, form: Form) -> list:
    """The fields the customer sees, in the form's order."""
    set_by_intake = {*public.carry, *public.fixed, public.reference_field, *public.received_field}
    if public.asks:
        return [field for field in form.fields if field.key in public.asks]
    return [field for field in form.fields if field.key not in set_by_intake]


def public_site(code: str) -> Site:
    site = db.session.execute(db.select(Site).filter_by(code=code, active=True)).scalar_one_or_none()
    if site is None:
        raise NotFound(_("There is no such dealership."))
    return site


# Survey links -----------------------------------------------------------------------


def issue_tokens(submission: FormSubmission) -> list[SurveyToken]:
    """The one-time link of each survey declared after ``submission``'s form (a delivery, a repair
    order); one per transaction, made when the transaction is recorded."""
    issued = []
    for public in surveys_after(submission.form_key)[:1]:
        existing = db.session.execute(
            db.select(SurveyToken).filter_by(source_submission_id=submission.id)
        ).scalar_one_or_none()
        if existing is not None:
            issued.append(existing)
            continue
        now = utcnow()
        token = SurveyToken(
            token=secrets.token_urlsafe(24),
            form_key=public.form,
            site_id=submission.site_id,
            source_submission_id=submission.id,
            created_at=now,
            expires_at=now + TOKEN_LIFETIME,
        )
        db.session.add(token)
        issued.append(token)
    db.session.flush()
    return issued


def token_of(submission: FormSubmission) -> SurveyToken | None:
    """The survey link a transaction's page shows, if its form issues one."""
    return db.session.execute(db.select(SurveyToken).filter_by(source_submission_id=submission.id)).scalar_one_or_none()


def find_token(token: str) -> SurveyToken:
    # Tokens are URL-safe base64; anything else is no token (and no database lookup of junk).
    if not (16 <= len(token) <= 64) or not all(char.isalnum() or char in "-_" for char in token):
        raise NotFound(_("This survey link is not valid."))
    found = db.session.execute(db.select(SurveyToken).filter_by(token=token)).scalar_one_or_none()
    if found is None:
        raise NotFound(_("This survey link is not valid."))
    return found


def token_state(token: SurveyToken) -> str:
    """``open``, ``used`` (answered: thank you) or ``expired``."""
    if token.used_at is not None:
        return "used"
    if token.expires_at <= utcnow():
        return "expired"
    return "open"


# Rate limits ------------------------------------------------------------------------


def count_attempt(remote_addr: str | None, token: SurveyToken | None = None) -> None:
    """Count a post to a public page, or refuse it with :class:`RateLimited` when over a limit.

    Counted before the answer is checked, in its own unit of work: a refused or invalid post
    counts too (that is what a script sends).
    """
    now = utcnow()
    _refuse_over(IntakeAttempt.remote_addr == remote_addr, ADDRESS_LIMIT, now)
    if token is not None:
        # From any address: a script spreading its guesses over many addresses still hits this.
        _refuse_over(IntakeAttempt.token_id == token.id, TOKEN_LIMIT, now)
    db.session.add(IntakeAttempt(remote_addr=remote_addr, token_id=token.id if token else None, at=now))
    # Attempts older than a day count for nothing: they go.
    db.session.execute(db.delete(IntakeAttempt).where(IntakeAttempt.at < now - timedelta(days=1)))


def _refuse_over(which, limit: int, now) -> None:
    """:class:`RateLimited` when ``which`` attempts reached ``limit`` within the window, with the
    wait until the oldest of them leaves it."""
    count, first = db.session.execute(
        db.select(db.func.count(IntakeAttempt.id), db.func.min(IntakeAttempt.at)).where(
            which, IntakeAttempt.at >= now - ADDRESS_WINDOW
        )
    ).one()
    if count >= limit:
        raise RateLimited(math.ceil((first + ADDRESS_WINDOW - now).total_seconds()))


# Answers ----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the acknowledgement shows: a complaint's reference and the days it is handled in."""

    reference: str | None = None
    handled_within_days: int | None = None
    recorded: bool = True


def blank_form(public: PublicForm) -> SubmissionForm:
    return relabel(public, form_class(forms.definition(public.form))(formdata=None))


def relabel(public: PublicForm, wtf: SubmissionForm) -> SubmissionForm:
    """The customer's wording of the fields the declaration words for them."""
    for key, label in public.labels.items():
        if key in wtf:
            wtf[key].label.text = str(label)
    return wtf


def _server_values(public: PublicForm, form: Form, site: Site, token: SurveyToken | None) -> dict:
    """The values the intake sets, in the JSON form the API takes: fixed ones, the day, and the
    transaction's fields carried into the survey."""
    values = dict(public.fixed)
    if public.reference_field:
        # Drawn once the rest is valid (a refused complaint uses no number); checked as text meanwhile.
        values[public.reference_field] = "CP-PENDING"
    # As the page's own fields are read: on the site's clock (a date-time without an offset).
    here, types = utcnow().astimezone(site.zone).replace(tzinfo=None), {field.key: field.type for field in form.fields}
    for key in public.received_field:
        values[key] = here.isoformat("T", "seconds") if types.get(key) == "datetime" else here.date().isoformat()
    if token is not None:
        source = token.source.data
        for key, from_key in public.carry.items():
            if source.get(from_key) is not None:
                values[key] = source[from_key]
    return values


def _asked_formdata(form: Form, asked: list, posted: MultiDict) -> MultiDict:
    """Only what the page asked for: a posted value for a field set by the intake is ignored."""
    keys = {field.key for field in asked}
    kept = MultiDict()
    for name, value in posted.items(multi=True):
        if name == "csrf_token" or name in keys or name.split("-")[0] in keys:
            kept.add(name, value)
    return kept


def check_answer(
    public: PublicForm, site: Site, posted: MultiDict, token: SurveyToken | None = None
) -> tuple[SubmissionForm, dict | None]:
    """The form as the page redisplays it, and the cleaned data when everything is valid
    (the form class of the staff page: same rules, same messages), else None."""
    form = forms.definition(public.form)
    asked = asked_fields(public, form)
    formdata = _asked_formdata(form, asked, posted)
    server, problems = formdata_from_json(form, _server_values(public, form, site, token))
    if problems:
        # A declaration that names a field the form lacks: the plugin's bug, not the customer's.
        raise ValueError(f"public form {public.form}: {problems}")
    for name, value in server.items(multi=True):
        formdata.add(name, value)
    wtf = relabel(public, form_class(form)(formdata=formdata))
    valid = wtf.validate()
    asked_keys = {field.key for field in asked}
    hidden_errors = [key for key, errors in wtf.errors.items() if key not in asked_keys and key != "csrf_token"]
    if hidden_errors:
        raise ValueError(f"public form {public.form}: the intake's own values are refused: {hidden_errors}")
    consented = posted.get(CONSENT) in ("yes", "on", "1")
    given = [key for key in public.personal if posted.get(key, "").strip()]
    if given and not consented:
        wtf.form_errors.append(
            _("Tick the box to agree to the use of your personal information, or leave your name and contact empty.")
        )
        valid = False
    if not valid:
        return wtf, None
    return wtf, clean_data(wtf, site.zone)


def is_bot(posted: MultiDict) -> bool:
    """The honeypot: a field hidden from people, which only scripts fill in."""
    return bool((posted.get(HONEYPOT) or "").strip())


def submit_survey(token: SurveyToken, data: dict) -> FormSubmission:
    """Store the answer of a one-time link and use the link up, in one unit of work.

    The link's row is read again under a lock first: of two posts at once, one stores its
    answer and the other finds the link used (:class:`LinkUsed`).
    """
    public = public_form(token.form_key)
    with acting_as(ACTOR):
        locked = db.session.execute(
            db.select(SurveyToken).filter_by(id=token.id).with_for_update().execution_options(populate_existing=True)
        ).scalar_one()
        if token_state(locked) != "open":
            raise LinkUsed()
        answer = forms.submit_public(forms.definition(public.form), locked.site, data)
        locked.used_at = utcnow()
        locked.answer = answer
        db.session.flush()
    return answer


class LinkUsed(Exception):
    """The survey link was answered (or ran out) meanwhile."""


def submit_walk_in(public: PublicForm, site: Site, data: dict) -> FormSubmission:
    with acting_as(ACTOR):
        return forms.submit_public(forms.definition(public.form), site, data)


def next_complaint_reference(public: PublicForm, site: Site) -> str:
    """``CP-SH01-2026-0001``: numbered per site and year (the site's year), without gaps or
    duplicates from concurrent posts: the counter row is locked until the commit."""
    year = utcnow().astimezone(site.zone).year
    # The trail's lock before the counter row's (chain.hold_lock says why: the other order deadlocks).
    from core.trail.chain import hold_lock

    hold_lock(db.session.connection())
    query = (
        db.select(ComplaintNumber)
        .filter_by(site_id=site.id, year=year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    counter = db.session.execute(query).scalar_one_or_none()
    if counter is None:
        try:
            with db.session.begin_nested():
                counter = ComplaintNumber(site_id=site.id, year=year, last=0)
                db.session.add(counter)
        except IntegrityError:
            # Another first complaint of the year made the row a moment ago.
            counter = db.session.execute(query).scalar_one()
    counter.last += 1
    db.session.flush()
    return f"{public.prefix}-{site.code}-{year}-{counter.last:04d}"


def submit_complaint(public: PublicForm, site: Site, posted: MultiDict) -> tuple[SubmissionForm, Outcome | None]:
    """Check and store a complaint with its reference number; the form with its errors otherwise.

    The reference is drawn only for a valid complaint, and in the same unit of work as the
    complaint: a refused one uses no number.
    """
    wtf, data = check_answer(public, site, posted)
    if data is None:
        return wtf, None
    with acting_as(ACTOR):
        data[public.reference_field] = next_complaint_reference(public, site)
        forms.submit_public(forms.definition(public.form), site, data)
    return wtf, Outcome(reference=data[public.reference_field], handled_within_days=public.handled_within_days)


def retry_after_minutes(error: RateLimited) -> int:
    return max(1, math.ceil(error.retry_after / 60))


# Staff ------------------------------------------------------------------------------


def may_print_site_links(user, site: Site) -> bool:
    """Who prints a site's customer links: administrators, and the quality officers and
    department heads of that site (or of the group office) — those who look after its forms."""
    from core.accounts.models import Role
    from core.accounts.permissions import works_at

    if user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.QUALITY_OFFICER, Role.DEPARTMENT_HEAD) and works_at(user, site.id)


def site_links(site: Site) -> list[tuple[str, str]]:
    """(what, address) of each public link of ``site``: the complaint intake and the walk-in surveys."""
    from flask import url_for

    links = []
    complaint = complaint_form()
    if complaint is not None:
        links.append(
            (_("Complaints and suggestions"), url_for("intake_public.complaint", site=site.code, _external=True))
        )
    for public in walk_in_forms():
        title = str(forms.definition(public.form).title)
        links.append((title, url_for("intake_public.walk_in", site=site.code, form_key=public.form, _external=True)))
    return links
