"""Panel pages: a member's profile, and the leads' panel list and invitations to join it.

Inviting and accepting are the one invitation flow of portal/auth/invitation_views.py.
"""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from portal.access import roles
from portal.auth import invitations
from portal.auth.invitation_views import invite_page
from portal.auth.roles import HOME_ENDPOINTS, Role
from portal.extensions import db
from portal.ideas.choices import CARE_SETTINGS
from portal.ideas.sections import active_workstreams
from portal.reviews import panel
from portal.reviews.blueprint import bp
from portal.reviews.panel_forms import PanelProfileForm
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
        pending=invitations.pending_invitations(Role.PANEL_MEMBER),
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
    return invite_page(
        (Role.PANEL_MEMBER,),
        title="Invite a panel member",
        back=(url_for("reviews.panel_members"), "Back to the panel"),
        done=url_for("reviews.panel_members"),
    )
