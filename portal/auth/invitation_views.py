"""Invitations: the one invite page leads and admins use, and accepting an invitation.

Leads invite panel members from the panel's pages and admins invite people to any role from
the users list; both views hand over to `invite_page`, and the invitation service decides
whom each inviter may invite.
"""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from portal.access import public
from portal.auth import invitations, services
from portal.auth.blueprint import bp
from portal.auth.forms import NOT_LISTED
from portal.auth.invitation_forms import AcceptForm, InvitationAccountForm, InviteForm
from portal.auth.models import Organisation
from portal.auth.roles import Role, welcome_url_for
from portal.extensions import db


def invite_page(roles, *, title: str, back: tuple[str, str], done: str):
    """The invite page offering `roles`: (back link, its text); `done`, where a sent
    invitation leads."""
    me = current_user._get_current_object()
    form = InviteForm(roles)
    if form.validate_on_submit():
        try:
            invitation = invitations.invite(
                me, form.name.data, form.email.data, Role(form.role.data)
            )
        except invitations.InvitationError as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None)
            (field.errors if field is not None else form.form_errors).append(str(error))
        else:
            db.session.commit()
            flash(
                f"We have emailed an invitation to {invitation.email} to "
                f"{invitations.OFFERS[invitation.role].short}.",
                "success",
            )
            return redirect(done)
    return render_template(
        "auth/invite.html",
        form=form,
        title=title,
        back=back,
        only_role=roles[0] if len(roles) == 1 else None,
    )


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token):
    invitation = invitations.usable_invitation(token)
    if invitation is None:
        return _invalid()
    account = services.find_user_by_email(invitation.email)
    if account is not None:
        return _accept_with_account(invitation, account, token)
    if current_user.is_authenticated:  # signed in as someone else: the link is not for them
        return _accept_page(invitation, form=None)
    organisations = db.session.scalars(sa.select(Organisation).order_by(Organisation.name)).all()
    form = InvitationAccountForm(organisations, data={"name": invitation.name})
    if form.validate_on_submit():
        try:
            organisation = services.chosen_organisation(
                form.organisation.data,
                form.organisation_name.data,
                form.organisation_type.data,
                NOT_LISTED,
            )
            user = invitations.accept_as_new_user(
                invitation, form.name.data, form.password.data, organisation
            )
            services.open_session(user, request.remote_addr or "")
        except invitations.InvitationError:
            db.session.rollback()
            return _invalid()
        except services.AccountError as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None)
            (field.errors if field is not None else form.form_errors).append(str(error))
        else:
            role = invitation.role
            login_user(user)
            db.session.commit()
            flash("Your account is set up and you are signed in.", "success")
            return redirect(welcome_url_for(user, role))
    return _accept_page(invitation, form=form, not_listed=NOT_LISTED)


# Links emailed before invitations covered every role (they work for 14 days).
@bp.route("/panel/invitations/<token>")
@public
def old_invitation_link(token):
    return redirect(url_for("auth.accept_invitation", token=token))


def _accept_with_account(invitation, account, token):
    signed_in_as_invitee = current_user.is_authenticated and current_user.id == account.id
    form = AcceptForm()
    if signed_in_as_invitee and form.validate_on_submit():
        role = invitation.role
        try:
            invitations.accept_as_existing_user(invitation, current_user._get_current_object())
        except invitations.InvitationError:
            db.session.rollback()
            return _invalid()
        db.session.commit()
        flash(f"You now have the {role.label.lower()} role.", "success")
        return redirect(welcome_url_for(current_user, role))
    return _accept_page(
        invitation,
        form=form,
        existing=True,
        signed_in_as_invitee=signed_in_as_invitee,
        sign_in_url=url_for("auth.sign_in", next=url_for("auth.accept_invitation", token=token)),
    )


def _accept_page(invitation, **context):
    return render_template(
        "auth/invitation_accept.html",
        invitation=invitation,
        offer=invitations.OFFERS[invitation.role],
        joining=invitations.joining(invitation.role),
        **context,
    )


def _invalid():
    return render_template("auth/invitation_invalid.html"), 404
