"""What search finds of forms: the forms one may fill in (by name, in English and Chinese)
and the submissions one may read (by their text values)."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, select

from core.accounts.models import User
from core.accounts.permissions import Permission, can
from core.database import db
from core.forms import services
from core.forms.models import FormSubmission, FormVersion
from core.paths import path_for
from core.plugin_engine import manager
from core.plugin_engine.types import SearchDocument, SearchSource
from core.search.index import entry

LOCALES = ("en", "zh_CN")


def _in_every_language(text) -> str:
    seen = []
    for locale in LOCALES:
        with force_locale(locale):
            shown = str(text)
        if shown not in seen:
            seen.append(shown)
    return " / ".join(seen)


def form_documents(keys):
    forms = manager.registry().forms
    for key in sorted(forms if keys is None else set(keys) & set(forms)):
        form = forms[key]
        yield SearchDocument(
            key=key,
            title=_in_every_language(form.title),
            body=_in_every_language(form.description) if str(form.description) else "",
            url=path_for("forms.fill", key=key),
        )


def readable_forms(user: User):
    # Every form is open to who may submit forms at all.
    if not can(user, Permission.SUBMIT_FORMS):
        return None
    return select(entry.c.key).where(entry.c.kind == "form")


def _text_values(data: dict) -> str:
    values = []
    for value in (data or {}).values():
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, list):
            values.extend(item for item in value if isinstance(item, str))
    return "\n".join(values)


def submission_documents(keys):
    # A rebuild reads every submission (millions at scale): the rows are streamed, and only
    # the form version's title is joined, not its whole definition.
    query = (
        select(
            FormSubmission.id,
            FormSubmission.submitted_at,
            FormSubmission.data,
            FormSubmission.site_id,
            FormVersion.title,
        )
        .join(FormVersion, FormSubmission.form_version_id == FormVersion.id)
        .order_by(FormSubmission.id)
    )
    if keys is not None:
        query = query.where(FormSubmission.id.in_([int(key) for key in keys]))
    for submission in db.session.execute(query.execution_options(yield_per=1000)):
        yield SearchDocument(
            key=str(submission.id),
            title=f"{submission.title} {submission.submitted_at:%Y-%m-%d}",
            reference=f"#{submission.id}",
            body=_text_values(submission.data),
            url=path_for("forms.view", submission_id=submission.id),
            site_id=submission.site_id,
        )


def readable_submissions(user: User):
    return select(cast(FormSubmission.id, String)).where(services.visible_clause(user))


SOURCES = [
    SearchSource(kind="form", label=_l("Form"), documents=form_documents, readable=readable_forms),
    SearchSource(
        kind="form_submission",
        label=_l("Form submission"),
        documents=submission_documents,
        readable=readable_submissions,
        models=(FormSubmission,),
        keys_of=lambda submission: [submission.id],
    ),
]
