"""Password hashing (argon2id) and the password rules."""

import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS


def _hasher() -> PasswordHasher:
    return PasswordHasher(**current_app.config["ARGON2_PARAMS"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# A hash to verify against when the email is unknown, so both paths take the same time.
@cache
def _dummy_hash(params: tuple) -> str:
    return PasswordHasher(**dict(params)).hash("not a real password, only for timing")


def burn_verification_time(password: str) -> None:
    params = tuple(sorted(current_app.config["ARGON2_PARAMS"].items()))
    verify_password(_dummy_hash(params), password)


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords from breaches, as zxcvbn ships them."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def _personal_words(values) -> list[str]:
    """Words a password should not lean on: the user's name and email, whole and in parts."""
    words = set()
    for value in values:
        if not value:
            continue
        local = value.lower().split("@")[0]
        parts = [p for p in re.split(r"[^a-z0-9]+", value.lower()) if len(p) > 2]
        words.update(parts)
        words.add(re.sub(r"[^a-z0-9]", "", local))
    return sorted(words)


def password_problem(password: str, user_inputs: list[str] = ()) -> str | None:
    """Return why `password` is not acceptable, or None when it is."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return f"Password must be at least {minimum} characters long"
    if len(password) > 256:
        return "Password must be 256 characters or fewer"
    folded = password.lower()
    if folded in common_passwords() or folded.strip("0123456789!") in common_passwords():
        return "This password is too common. Choose a password that others are unlikely to use"
    if zxcvbn(password[:100], user_inputs=_personal_words(user_inputs))["score"] < 3:
        return (
            "This password is too easy to guess. Try 3 or 4 unrelated words, "
            "and avoid your name or email address"
        )
    return None
