"""Second-factor pages: a security or recovery code at sign-in, setting up an authenticator
app (at sign-in when the user's roles need one, or from the account page), new recovery
codes and turning codes off. Every page works without JavaScript."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy.exc import IntegrityError

from portal.access import second_factor_step, signed_in
from portal.auth import mfa, sessions
from portal.auth.blueprint import bp
from portal.auth.mfa_forms import ConfirmPasswordForm, RecoveryCodeForm, SecurityCodeForm
from portal.auth.roles import home_url_for
from portal.auth.views import _safe_next
from portal.database import write_intent
from portal.extensions import db


def _ip() -> str:
    return request.remote_addr or ""


def _next() -> str | None:
    return _safe_next(request.args.get("next"))


def _too_many(seconds: int):
    minutes = -(-seconds // 60)
    return (
        render_template("errors/429.html", minutes=minutes),
        429,
        {"Retry-After": str(seconds)},
    )


def _recovery_codes_page(codes, continue_url):
    """The recovery codes, shown this once: only their hashes are kept."""
    html = render_template("auth/recovery_codes.html", codes=codes, continue_url=continue_url)
    return html, 200, {"Cache-Control": "no-store"}


def _signed_in_with(check, form, record, method):
    """Finish the sign-in after a right code; count a wrong one (or answer 429)."""
    user = record.user
    if check.ok:
        mfa.finish_sign_in(user, record, _ip(), method)
        login_user(user)
        db.session.commit()
        if check.recovery_codes_left is not None:
            left = check.recovery_codes_left
            flash(
                f"You signed in with a recovery code. You have {left} recovery "
                f"code{'' if left == 1 else 's'} left: you can get new ones from your account.",
                "success",
            )
        return redirect(_next() or home_url_for(user))
    db.session.commit()  # the failure counts towards throttling
    if check.retry_after is not None:
        return _too_many(check.retry_after)
    wrong = mfa.WRONG_RECOVERY_CODE if method == "recovery_code" else mfa.WRONG_SECURITY_CODE
    form.code.errors = [wrong]
    return None


@bp.route("/sign-in/security-code", methods=["GET", "POST"])
@second_factor_step
def security_code():
    record = sessions.pending_session()
    if not mfa.is_set_up(record.user):
        return redirect(url_for("auth.set_up_at_sign_in", next=_next()))
    form = SecurityCodeForm()
    if form.validate_on_submit():
        check = mfa.check_security_code(record.user, form.code.data, _ip())
        if done := _signed_in_with(check, form, record, "security_code"):
            return done
    return render_template("auth/security_code.html", form=form, next_url=_next())


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@second_factor_step
def recovery_code():
    record = sessions.pending_session()
    if not mfa.is_set_up(record.user):
        return redirect(url_for("auth.set_up_at_sign_in", next=_next()))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        check = mfa.check_recovery_code(record.user, form.code.data, _ip())
        if done := _signed_in_with(check, form, record, "recovery_code"):
            return done
    return render_template("auth/recovery_code.html", form=form, next_url=_next())


def _factor_being_set_up(user):
    """The app being set up, saved at once (even on a GET) so its QR code stays the same."""
    factor = mfa.factor_of(user)
    if factor is not None:
        return factor
    db.session.commit()  # end a read-only transaction before writing (see portal/database.py)
    try:
        with write_intent():
            factor = mfa.begin_set_up(user)
            db.session.commit()
    except IntegrityError:  # the same page, loaded twice at once
        db.session.rollback()
        factor = mfa.factor_of(user)
    return factor


def _set_up(user, action, on_confirmed):
    factor = _factor_being_set_up(user)
    form = SecurityCodeForm()
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_set_up(user, form.code.data)
        except mfa.SecondFactorError as error:
            form.code.errors = [str(error)]
        else:
            return on_confirmed(codes)
    return render_template(
        "auth/set_up_authenticator.html",
        form=form,
        action=action,
        qr_code=mfa.qr_code_svg(mfa.provisioning_uri(user, factor)),
        secret=mfa.spaced(factor.secret),
        required=mfa.required_for(user),
    )


@bp.route("/sign-in/set-up-authenticator-app", methods=["GET", "POST"])
@second_factor_step
def set_up_at_sign_in():
    record = sessions.pending_session()
    if mfa.is_set_up(record.user):
        return redirect(url_for("auth.security_code", next=_next()))

    def confirmed(codes):
        user = record.user
        mfa.finish_sign_in(user, record, _ip(), "set_up")
        login_user(user)
        db.session.commit()
        return _recovery_codes_page(codes, _next() or home_url_for(user))

    action = url_for("auth.set_up_at_sign_in", next=_next())
    return _set_up(record.user, action, confirmed)


@bp.route("/account/authenticator-app", methods=["GET", "POST"])
@signed_in
def set_up_authenticator():
    user = current_user._get_current_object()
    if mfa.is_set_up(user):
        flash("Your authenticator app is already set up.", "success")
        return redirect(url_for("auth.account"))

    def confirmed(codes):
        db.session.commit()
        return _recovery_codes_page(codes, url_for("auth.account"))

    return _set_up(user, url_for("auth.set_up_authenticator"), confirmed)


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
@signed_in
def new_recovery_codes():
    user = current_user._get_current_object()
    if not mfa.is_set_up(user):
        return redirect(url_for("auth.account"))
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        try:
            codes = mfa.new_recovery_codes(user, form.password.data)
        except mfa.SecondFactorError as error:
            db.session.rollback()
            form.password.errors = [str(error)]
        else:
            db.session.commit()
            return _recovery_codes_page(codes, url_for("auth.account"))
    return render_template("auth/new_recovery_codes.html", form=form)


@bp.route("/account/authenticator-app/turn-off", methods=["GET", "POST"])
@signed_in
def turn_off_security_codes():
    user = current_user._get_current_object()
    if not mfa.is_set_up(user) or mfa.required_for(user):
        return redirect(url_for("auth.account"))
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        try:
            mfa.turn_off(user, form.password.data)
        except mfa.SecondFactorError as error:
            db.session.rollback()
            form.password.errors = [str(error)]
        else:
            db.session.commit()
            flash("Security codes are turned off. You sign in with your password only.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/turn_off_security_codes.html", form=form)
