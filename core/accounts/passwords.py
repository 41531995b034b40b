"""argon2id password hashing (argon2-cffi's defaults follow RFC 9106) and the password policy."""

from __future__ import annotations

import gzip
import secrets
import string
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import gettext as _

_hasher = PasswordHasher()
MIN_LENGTH = 10
# argon2 hashes whatever it is given; a cap keeps a megabyte "password" from
# costing a worker its memory and time at every login.
MAX_LENGTH = 256
# Django's list (django/contrib/auth/common-passwords.txt.gz, BSD licence):
# the 20,000 passwords most common in public breaches, lower-cased, most
# common first. docs/security.md says how to refresh it.
COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")
_DECORATION = string.digits + string.punctuation + string.whitespace


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user, password: str) -> bool:
    return check_password(user.password_hash if user is not None else None, password)


def check_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``.

    Without a hash (no such user, or one who never set a password) the
    password is checked against a hash of a random secret all the same, so
    that the answer takes as long as for a real user: a quick "no" would tell
    anyone which logins exist.
    """
    try:
        return _hasher.verify(password_hash or _dummy_hash(_hasher), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Per hasher: it must cost what the real hashes of the same hasher cost.
    return hasher.hash(secrets.token_urlsafe(32))


def needs_rehash(user) -> bool:
    return bool(user.password_hash) and _hasher.check_needs_rehash(user.password_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def password_problem(password: str, login: str = "") -> str | None:
    """What is wrong with ``password`` as a new password, in the reader's language, or None."""
    if len(password) > MAX_LENGTH:
        return _("must be at most %(count)d characters long", count=MAX_LENGTH)
    if not password.strip():
        return _("must not be only spaces")
    if len(password) < MIN_LENGTH:
        return _("must be at least %(count)d characters long", count=MIN_LENGTH)
    if password.isdigit():
        return _("must not be only digits")
    if len(set(password.lower())) <= 3:
        return _("must use more than three different characters")
    if login and login.lower() in password.lower():
        return _("must not contain the login name")
    plain = password.lower().strip()
    # "Sunshine2024!" is "sunshine" to anyone guessing: a common word with
    # digits or symbols around it is as common as the word.
    if plain in common_passwords() or plain.strip(_DECORATION) in common_passwords():
        return _("is too common: it is among the first passwords anyone would try")
    return None
