"""Account pages for personal access tokens: the list, making one (shown once), revoking."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import signed_in
from portal.auth import access_tokens
from portal.auth.blueprint import bp
from portal.auth.forms import ButtonForm
from portal.auth.token_forms import NewTokenForm
from portal.extensions import db


@bp.route("/account/tokens")
@signed_in
def tokens():
    return render_template(
        "auth/tokens.html",
        tokens=access_tokens.tokens_of(current_user),
        is_live=access_tokens.is_live,
        form=ButtonForm(),
    )


@bp.route("/account/tokens/new", methods=["GET", "POST"])
@signed_in
def new_token():
    form = NewTokenForm()
    if form.validate_on_submit():
        try:
            token, secret = access_tokens.create(
                current_user._get_current_object(),
                form.token_name.data,
                form.scopes.data,
                int(form.days.data),
            )
        except access_tokens.TokenError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            # Shown in this answer only: never stored in the session, never cached.
            page = render_template("auth/token_created.html", token=token, secret=secret)
            return page, 200, {"Cache-Control": "no-store"}
    return render_template("auth/token_new.html", form=form)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@signed_in
def revoke_token(token_id):
    token = access_tokens.owned_token(current_user, token_id)
    if token is None:
        abort(404)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    access_tokens.revoke(current_user._get_current_object(), token)
    db.session.commit()
    flash(
        f"The token “{token.name}” is revoked: anything using it can no longer read the API.",
        "success",
    )
    return redirect(url_for("auth.tokens"))
