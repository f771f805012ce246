"""Panel pages: a member's profile, the leads' panel list and invitations, and accepting one."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from portal.access import public, roles
from portal.auth import services
from portal.auth.forms import NOT_LISTED
from portal.auth.models import Organisation, OrganisationType
from portal.auth.roles import HOME_ENDPOINTS, Role
from portal.extensions import db
from portal.ideas.choices import CARE_SETTINGS
from portal.ideas.sections import active_workstreams
from portal.reviews import invitations, panel
from portal.reviews.blueprint import bp
from portal.reviews.panel_forms import AcceptForm, InviteForm, PanelAccountForm, PanelProfileForm
from portal.reviews.rubric import current_rubric


@bp.route("/panel/profile", methods=["GET", "POST"])
@roles(Role.PANEL_MEMBER)
def panel_profile():
    me = current_user._get_current_object()
    form = PanelProfileForm(workstreams=active_workstreams())
    profile = panel.panel_profile(me)
    if form.validate_on_submit():
        try:
            panel.save_panel_profile(
                me,
                workstreams=form.workstreams.data,
                care_settings=form.care_settings.data,
                is_patient_partner=form.is_patient_partner.data == "yes",
                expertise=form.expertise.data,
            )
        except panel.ProfileError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash("Your panel profile is saved.", "success")
            return redirect(url_for(HOME_ENDPOINTS[Role.PANEL_MEMBER]))
    elif not form.is_submitted() and profile is not None:
        form.workstreams.data = profile.workstreams
        form.care_settings.data = profile.care_settings
        form.is_patient_partner.data = "yes" if profile.is_patient_partner else "no"
        form.expertise.data = profile.expertise
    return render_template(
        "reviews/panel_profile.html", form=form, back=url_for(HOME_ENDPOINTS[Role.PANEL_MEMBER])
    )


@bp.route("/panel/members")
@roles(Role.PROGRAMME_LEAD)
def panel_members():
    rubric = current_rubric()
    workstreams = panel.workstream_labels()
    members = [
        (user, profile, _areas(profile, workstreams)) for user, profile in panel.panel_members()
    ]
    return render_template(
        "reviews/panel_members.html",
        members=members,
        pending=invitations.pending_invitations(),
        rubric_version=rubric.version if rubric else None,
    )


def _areas(profile, workstreams) -> list[str]:
    if profile is None:
        return []
    return [workstreams[k] for k in profile.workstreams if k in workstreams] + [
        CARE_SETTINGS[k] for k in profile.care_settings if k in CARE_SETTINGS
    ]


@bp.route("/panel/invite", methods=["GET", "POST"])
@roles(Role.PROGRAMME_LEAD)
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = invitations.invite_panel_member(
                current_user._get_current_object(), form.name.data, form.email.data
            )
        except invitations.InvitationError as error:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(error)]
        else:
            db.session.commit()
            flash(f"We have emailed an invitation to {invitation.email}.", "success")
            return redirect(url_for("reviews.panel_members"))
    return render_template("reviews/invite.html", form=form)


@bp.route("/panel/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token):
    invitation = invitations.usable_invitation(token)
    if invitation is None:
        return _invalid()
    account = services.find_user_by_email(invitation.email)
    if account is not None:
        return _accept_with_account(invitation, account, token)
    if current_user.is_authenticated:  # signed in as someone else: the link is not for them
        return render_template("reviews/invitation_accept.html", invitation=invitation, form=None)
    organisations = db.session.scalars(sa.select(Organisation).order_by(Organisation.name)).all()
    form = PanelAccountForm(organisations, data={"name": invitation.name})
    if form.validate_on_submit():
        try:
            if form.organisation.data == NOT_LISTED:
                organisation = services.find_or_create_organisation(
                    form.organisation_name.data, OrganisationType(form.organisation_type.data)
                )
            else:
                organisation = db.session.get(Organisation, int(form.organisation.data))
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
            login_user(user)
            db.session.commit()
            flash("Your panel account is set up and you are signed in.", "success")
            return redirect(url_for("reviews.panel_profile"))
    return render_template(
        "reviews/invitation_accept.html", invitation=invitation, form=form, not_listed=NOT_LISTED
    )


def _accept_with_account(invitation, account, token):
    signed_in_as_invitee = current_user.is_authenticated and current_user.id == account.id
    form = AcceptForm()
    if signed_in_as_invitee and form.validate_on_submit():
        try:
            invitations.accept_as_existing_user(invitation, current_user._get_current_object())
        except invitations.InvitationError:
            db.session.rollback()
            return _invalid()
        db.session.commit()
        flash("You are now a panel member.", "success")
        return redirect(url_for("reviews.panel_profile"))
    return render_template(
        "reviews/invitation_accept.html",
        invitation=invitation,
        form=form,
        existing=True,
        signed_in_as_invitee=signed_in_as_invitee,
        sign_in_url=url_for("auth.sign_in", next=url_for("reviews.accept_invitation", token=token)),
    )


def _invalid():
    return render_template("reviews/invitation_invalid.html"), 404
