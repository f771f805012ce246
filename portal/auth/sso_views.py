"""Single sign-on pages: off to the provider, back from it, linking from the account page, and
the page after signing out that offers to end the provider's session too."""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user

from portal.access import public, signed_in
from portal.auth import sso
from portal.auth.blueprint import bp
from portal.auth.forms import ButtonForm
from portal.auth.models import ExternalIdentity
from portal.auth.roles import home_url_for
from portal.auth.views import _safe_next
from portal.extensions import db
from portal.links import absolute_url

NEXT = "sso_next"  # where to go after signing in
LINKING = "sso_link_for"  # the signed-in user who asked to link their provider account


@bp.route("/sign-in/sso")
@public
def sso_start():
    if not sso.enabled():
        abort(404)
    session[NEXT] = _safe_next(request.args.get("next"))
    session.pop(LINKING, None)
    return _to_provider()


def _to_provider():
    try:
        return sso.begin(absolute_url("auth.sso_callback"))
    except sso.SignOnError as error:
        return render_template("auth/sso_failed.html", reason=str(error)), 503


@bp.route("/account/sso/link", methods=["POST"])
@signed_in
def sso_link():
    if not sso.enabled():
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    session[LINKING] = current_user.id
    return _to_provider()


@bp.route("/account/sso/<int:identity_id>/unlink", methods=["POST"])
@signed_in
def sso_unlink(identity_id):
    identity = db.session.get(ExternalIdentity, identity_id)
    if identity is None or identity.user_id != current_user.id:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    sso.unlink(current_user._get_current_object(), identity)
    db.session.commit()
    flash("Your organisation's account no longer signs you in here.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/sign-in/sso/callback")
@public
def sso_callback():
    if not sso.enabled():
        abort(404)
    linking = session.pop(LINKING, None)
    try:
        claims = sso.finish()
        if linking is not None:
            return _linked(claims, linking)
        user, created = sso.account_for(claims)
        if not user.active:
            raise sso.SignOnError("This account has been deactivated. Contact us if this is wrong.")
    except sso.SignOnError as error:
        db.session.rollback()
        return render_template("auth/sso_failed.html", reason=str(error)), 400
    following = session.pop(NEXT, None)
    code_next = sso.start_session(user, claims, request.remote_addr or "")
    db.session.commit()
    if code_next:
        return redirect(url_for("auth.security_code", next=following))
    login_user(user)
    if created:
        flash("Welcome: your account is ready. You can share an idea now.", "success")
    return redirect(following or home_url_for(user))


def _linked(claims, user_id):
    if not current_user.is_authenticated or current_user.id != user_id:
        raise sso.SignOnError("Sign in again, then link your organisation's account.")
    sso.link(current_user._get_current_object(), claims)
    db.session.commit()
    flash("Your organisation's account now signs you in here.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/signed-out")
@public
def signed_out():
    """After signing out of a session begun by single sign-on: the provider's sign-out too."""
    end_session = session.pop(sso.END_SESSION, None)
    if not end_session:
        return redirect(url_for("pages.index"))
    return render_template("auth/signed_out.html", end_session=end_session)
