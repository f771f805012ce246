"""Password hashing parameters and the password rules."""

import pytest
from argon2 import PasswordHasher

from portal import config
from portal.auth import passwords
from tests.conftest import PASSWORD, fetch_user


def test_production_hashing_uses_owasp_argon2id_parameters():
    params = config.ARGON2_PARAMS
    assert params["memory_cost"] >= 19 * 1024 and params["time_cost"] >= 2
    hashed = PasswordHasher(**params).hash("a test passphrase here")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("elevenchars", "at least 12 characters"),
        ("qwertyuiop123", "too common"),
        ("Password1234", "too common"),
        ("1qaz2wsx3edc", "too common"),
        ("abcabcabcabc", "too easy to guess"),
        ("x" * 257, "256 characters or fewer"),
        ("violet tractor harbour mosaic", None),
        ("Gx7#kq2!Vm9@", None),
    ],
)
def test_password_rules(app, password, problem):
    with app.app_context():
        found = passwords.password_problem(password)
    assert (found is None) if problem is None else (problem in found)


def test_personal_details_make_a_password_guessable(app):
    with app.app_context():
        assert passwords.password_problem("adalovelace1815", ["ada@example.org", "Ada Lovelace"])
        assert passwords.password_problem("adalovelace1815") is None


def test_old_hashes_are_upgraded_on_sign_in(app, client, create_user, sign_in, query):
    user = create_user(email="ada@example.org")
    old = user.password_hash
    app.config["ARGON2_PARAMS"] = {"time_cost": 2, "memory_cost": 16, "parallelism": 1}
    try:
        sign_in(client, user, PASSWORD)
        new = query(lambda: fetch_user("ada@example.org").password_hash)
    finally:
        app.config["ARGON2_PARAMS"] = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    assert new != old and "t=2" in new
