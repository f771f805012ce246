"""Account pages: register, sign in, sign out, account, change and reset password."""

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user

from portal.access import public, signed_in
from portal.auth import access_tokens, mfa, services, sessions, sso
from portal.auth.blueprint import bp
from portal.auth.forms import (
    NOT_LISTED,
    ButtonForm,
    ChangePasswordForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
)
from portal.auth.models import Organisation
from portal.auth.registration import register_innovator
from portal.auth.roles import home_url_for
from portal.extensions import db
from portal.links import absolute_url

REGISTERED_EMAIL = "registered_email"  # shown on the "check your email" page


def _safe_next(target: str | None) -> str | None:
    """Only follow `next` to a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _attach_error(form, error: services.AccountError):
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    organisations = db.session.scalars(sa.select(Organisation).order_by(Organisation.name)).all()
    form = RegisterForm(organisations)
    if form.validate_on_submit():
        try:
            organisation = services.chosen_organisation(
                form.organisation.data,
                form.organisation_name.data,
                form.organisation_type.data,
                NOT_LISTED,
            )
            register_innovator(form.email.data, form.name.data, form.password.data, organisation)
        except services.AccountError as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            db.session.commit()
            # The same answer whether or not the address already had an account.
            session[REGISTERED_EMAIL] = services.normalise_email(form.email.data)
            return redirect(url_for("auth.registered"))
    return render_template("auth/register.html", form=form, not_listed=NOT_LISTED)


@bp.route("/register/check-your-email")
@public
def registered():
    return render_template("auth/registered.html", email=session.get(REGISTERED_EMAIL))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")) or home_url_for(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        result = services.sign_in(form.email.data, form.password.data, request.remote_addr or "")
        db.session.commit()
        if result.retry_after is not None:
            minutes = -(-result.retry_after // 60)
            return (
                render_template("errors/429.html", minutes=minutes),
                429,
                {"Retry-After": str(result.retry_after)},
            )
        if result.user is None:
            form.email.errors = ["The email address or password is not correct"]
        elif result.second_factor_pending:
            return redirect(
                url_for("auth.security_code", next=_safe_next(request.args.get("next")))
            )
        else:
            login_user(result.user)
            return redirect(_safe_next(request.args.get("next")) or home_url_for(result.user))
    return render_template("auth/sign_in.html", form=form, sso_enabled=sso.enabled())


@bp.route("/sign-out", methods=["POST"])
@signed_in
def sign_out():
    record = sessions.current_session_record()
    id_token = record.id_token if record is not None else None
    services.sign_out(current_user._get_current_object())
    db.session.commit()
    flash("You have signed out.", "success")
    # begun by single sign-on: offer to end the provider's session too
    end_session = sso.end_session_url(id_token, absolute_url("pages.index"))
    if end_session:
        session[sso.END_SESSION] = end_session
        return redirect(url_for("auth.signed_out"))
    return redirect(url_for("pages.index"))


@bp.route("/account")
@signed_in
def account():
    factor = mfa.factor_of(current_user)
    return render_template(
        "auth/account.html",
        user=current_user,
        second_factor=factor,
        second_factor_on=bool(factor and factor.confirmed_at),
        second_factor_required=mfa.required_for(current_user),
        live_tokens=access_tokens.live_tokens(current_user),
        sso_enabled=sso.enabled(),
        identities=sso.identities_of(current_user),
        button_form=ButtonForm(),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user._get_current_object(),
                form.current_password.data,
                form.new_password.data,
            )
        except services.AccountError as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            db.session.commit()
            flash(
                "Your password has been changed. Any other devices have been signed out.", "success"
            )
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/password-reset", methods=["GET", "POST"])
@public
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/reset_request.html", form=form)


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token):
    if len(token) > 100 or services.usable_reset_token(token) is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            db.session.commit()
            flash("Your password has been reset. Sign in with your new password.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form)
