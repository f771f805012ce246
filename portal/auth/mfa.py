"""The second factor: security codes from an authenticator app (TOTP), and recovery codes.

Users holding a role of MFA_REQUIRED_ROLES must have an authenticator app; anyone else may
set one up. A sign-in whose password was right then waits in a pending session
(`portal/auth/sessions.py`) until `finish_sign_in`. Codes are throttled per account and per
address like passwords (`throttle.SECOND_FACTOR`), a security code is refused once its time
step (or a later one) has been used, and recovery codes are stored hashed and work once.
Services add and flush but never commit.
"""

import hmac
import secrets
from dataclasses import dataclass

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup

from portal import audit
from portal.auth import passwords, sessions, throttle
from portal.auth.models import RecoveryCode, TotpFactor, User, UserSession
from portal.clock import utcnow
from portal.extensions import db

STEP_SECONDS = 30
# Codes of the steps either side of now are accepted too: phone clocks drift and people type
# slowly (RFC 6238, section 5.2, allows one step of delay).
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# No 0/o or 1/l/i to misread; ten characters of 31 are about 49 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10
WRONG_SECURITY_CODE = (
    "The security code is not correct. Enter the code your authenticator app shows now, "
    "or wait for a new one"
)
WRONG_RECOVERY_CODE = "The recovery code is not correct, or it has already been used"


class SecondFactorError(ValueError):
    """A request the second-factor rules refuse; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class CodeCheck:
    ok: bool = False
    retry_after: int | None = None
    recovery_codes_left: int | None = None


def required_for(user: User) -> bool:
    """Whether the user's roles oblige them to sign in with a second factor."""
    return bool(user.role_set & current_app.config["MFA_REQUIRED_ROLES"])


def factor_of(user: User) -> TotpFactor | None:
    return db.session.get(TotpFactor, user.id)


def is_set_up(user: User) -> bool:
    factor = factor_of(user)
    return factor is not None and factor.confirmed_at is not None


def must_set_up(user: User) -> bool:
    return required_for(user) and not is_set_up(user)


def needs_second_factor(user: User) -> bool:
    """Whether signing in as `user` takes a code (or setting an app up) after the password."""
    return required_for(user) or is_set_up(user)


def current_step() -> int:
    return int(utcnow().timestamp()) // STEP_SECONDS


def begin_set_up(user: User) -> TotpFactor:
    """The app being set up: one secret until it is confirmed, so a reload keeps the QR code."""
    factor = factor_of(user)
    if factor is None:
        factor = TotpFactor(user_id=user.id, secret=pyotp.random_base32(), created_at=utcnow())
        db.session.add(factor)
        db.session.flush()
    return factor


def provisioning_uri(user: User, factor: TotpFactor) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(factor.secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["SERVICE_NAME"]
    )


def qr_code_svg(uri: str) -> Markup:
    """The QR code of `uri` as inline SVG: attributes only, no style, so a strict CSP allows it."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4,
        dark="#000",
        light="#fff",
        svgclass="app-qr-code",
        lineclass=None,
        title="QR code to scan with your authenticator app",
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


def spaced(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(factor: TotpFactor, code: str) -> int | None:
    totp = pyotp.TOTP(factor.secret)
    now = current_step()
    for step in (now, now - DRIFT_STEPS, now + DRIFT_STEPS):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(factor: TotpFactor, step: int) -> bool:
    """Mark `step` used unless it or a later one already was; one winner under concurrency."""
    claimed = db.session.execute(
        sa.update(TotpFactor)
        .where(
            TotpFactor.user_id == factor.user_id,
            sa.or_(TotpFactor.last_used_step.is_(None), TotpFactor.last_used_step < step),
        )
        .values(last_used_step=step)
    ).rowcount
    return claimed == 1


def confirm_set_up(user: User, code: str) -> list[str]:
    """Confirm the app being set up with its first code; return the recovery codes (shown once)."""
    factor = factor_of(user)
    if factor is None or factor.confirmed_at is not None:
        raise SecondFactorError("Start setting up your authenticator app again", "code")
    step = _matching_step(factor, code)
    if step is None:
        raise SecondFactorError(WRONG_SECURITY_CODE, "code")
    factor.confirmed_at = utcnow()
    factor.last_used_step = step
    codes = _replace_recovery_codes(user)
    audit.record(user, "user.mfa_set_up", user)
    return codes


def _throttled(user: User, ip_address: str) -> int | None:
    return throttle.retry_after(user.email, ip_address, throttle.SECOND_FACTOR)


def _failed(user: User, ip_address: str, kind: str) -> CodeCheck:
    throttle.record_attempt(user.email, ip_address, False, throttle.SECOND_FACTOR)
    audit.record(None, "user.second_factor_failed", user, kind=kind, ip=ip_address)
    return CodeCheck()


def _passed(user: User, ip_address: str) -> None:
    throttle.clear_failures(user.email, throttle.SECOND_FACTOR)
    throttle.record_attempt(user.email, ip_address, True, throttle.SECOND_FACTOR)


def check_security_code(user: User, code: str, ip_address: str) -> CodeCheck:
    """Check a code from the user's app under throttling; a used time step is refused."""
    wait = _throttled(user, ip_address)
    if wait is not None:
        return CodeCheck(retry_after=wait)
    factor = factor_of(user)
    step = _matching_step(factor, code) if factor and factor.confirmed_at else None
    if step is None or not _claim_step(factor, step):
        return _failed(user, ip_address, "security_code")
    _passed(user, ip_address)
    return CodeCheck(ok=True)


def normalise_recovery_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _unused_codes(user: User):
    return sa.select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )


def check_recovery_code(user: User, code: str, ip_address: str) -> CodeCheck:
    """Check a recovery code under throttling and spend it: each works once."""
    wait = _throttled(user, ip_address)
    if wait is not None:
        return CodeCheck(retry_after=wait)
    code = normalise_recovery_code(code)
    for record in db.session.scalars(_unused_codes(user).order_by(RecoveryCode.id)).all():
        if passwords.verify_password(record.code_hash, code):
            spent = db.session.execute(
                sa.update(RecoveryCode)
                .where(RecoveryCode.id == record.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
            ).rowcount
            if spent != 1:  # a concurrent request spent it first
                break
            _passed(user, ip_address)
            left = db.session.scalar(
                sa.select(sa.func.count()).select_from(_unused_codes(user).subquery())
            )
            return CodeCheck(ok=True, recovery_codes_left=left)
    return _failed(user, ip_address, "recovery_code")


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    now = utcnow()
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=passwords.hash_password(code), created_at=now)
        for code in codes
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _check_password(user: User, password: str) -> None:
    if not passwords.verify_password(user.password_hash, password):
        raise SecondFactorError("Your password is not correct", "password")


def new_recovery_codes(user: User, password: str) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working); return the new ones."""
    if not is_set_up(user):
        raise SecondFactorError("Set up an authenticator app first", "password")
    _check_password(user, password)
    codes = _replace_recovery_codes(user)
    audit.record(user, "user.recovery_codes_replaced", user)
    return codes


def _remove(user: User) -> None:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(sa.delete(TotpFactor).where(TotpFactor.user_id == user.id))


def turn_off(user: User, password: str) -> None:
    """Remove the user's app and recovery codes, if their roles do not require them."""
    if required_for(user):
        raise SecondFactorError(
            "Your roles need security codes, so they cannot be turned off", "password"
        )
    _check_password(user, password)
    _remove(user)
    audit.record(user, "user.mfa_turned_off", user)


def reset_second_factor(user: User, actor: User | None) -> int:
    """An admin (or `flask users reset-security-codes`, actor None) removes a user's app and
    recovery codes (a lost phone) and signs them out everywhere; they set up a new app at
    their next sign-in. Return the sessions ended."""
    if actor is not None and user.id == actor.id:
        raise SecondFactorError("You cannot reset your own security codes. Ask another admin")
    if factor_of(user) is None:
        raise SecondFactorError(f"{user.name} has no security codes to reset")
    _remove(user)
    ended = sessions.revoke_all_sessions(user)
    audit.record(actor, "user.mfa_reset", user, sessions_ended=ended)
    return ended


def finish_sign_in(user: User, record: UserSession, ip_address: str, method: str) -> None:
    """The second factor is through: the pending session signs the user in."""
    user.last_sign_in_at = utcnow()
    sessions.finish_second_factor(record)
    audit.record(user, "user.signed_in", user, ip=ip_address, second_factor=method)
