"""Who is acting and why, for the events the current unit of work records."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

_actor = contextvars.ContextVar("dealerqms_trail_actor", default=None)
_reason = contextvars.ContextVar("dealerqms_trail_reason", default=None)

SYSTEM = "system"


def current_actor() -> str:
    explicit = _actor.get()
    if explicit:
        return explicit
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.login
    return SYSTEM


def current_reason() -> str | None:
    return _reason.get()


@contextmanager
def acting_as(login: str):
    """Attribute the events recorded inside to ``login`` (CLI, jobs, API)."""
    token = _actor.set(login)
    try:
        yield
    finally:
        _actor.reset(token)


@contextmanager
def reason(text: str | None):
    """Attach a reason (a withdrawal, a correction) to the events recorded inside."""
    token = _reason.set(text)
    try:
        yield
    finally:
        _reason.reset(token)
