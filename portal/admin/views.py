"""Admin pages: overview, users list, inviting a user, and one user's roles, activation and
security codes."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import roles
from portal.admin.blueprint import bp
from portal.admin.forms import ResetSecondFactorForm, UserActiveForm, UserRolesForm, UserSearchForm
from portal.audit import AuditEvent
from portal.auth import invitations, mfa, services
from portal.auth.invitation_views import invite_page
from portal.auth.models import Organisation, User, UserRole
from portal.auth.roles import Role
from portal.extensions import db

PAGE_SIZE = 50


@bp.route("/")
@roles(Role.ADMIN)
def home():
    counts = dict(
        db.session.execute(sa.select(UserRole.role, sa.func.count()).group_by(UserRole.role)).all()
    )
    recent = db.session.scalars(
        sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(15)
    ).all()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    return render_template("admin/home.html", counts=counts, total=total, recent=recent)


@bp.route("/users")
@roles(Role.ADMIN)
def users():
    form = UserSearchForm(request.args)
    form.validate()
    query = sa.select(User).outerjoin(Organisation).order_by(User.name, User.id)
    q = "" if form.q.errors else (form.q.data or "").strip()
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(User.name).like(like),
                User.email.like(like),
                Organisation.name_key.like(like),
            )
        )
    role = None if form.role.errors or not form.role.data else Role(form.role.data)
    if role is not None:
        query = query.where(User.role_grants.any(UserRole.role == role))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    # A page number that is not one (or past the end, after the list shrank) shows the
    # nearest page there is, rather than an error or an empty table.
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    shown = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "admin/users.html",
        form=form,
        shown=shown,
        caption=_caption(role, total, (page - 1) * PAGE_SIZE + 1, len(shown), pages),
        page=page,
        pages=pages,
        role=role,
        filters={"q": q or None, "role": role.value if role else None},
        pending=invitations.pending_invitations(role),
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@roles(Role.ADMIN)
def invite_user():
    return invite_page(
        invitations.invitable_roles(current_user),
        title="Invite a user",
        back=(url_for("admin.users"), "Back to users"),
        done=url_for("admin.users"),
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user(user_id):
    target = db.get_or_404(User, user_id)
    roles_form = UserRolesForm(prefix="roles")
    active_form = UserActiveForm(prefix="active")
    if request.method == "POST":
        try:
            if "roles-submit" in request.form and roles_form.validate():
                granted, revoked = services.set_roles(
                    target, {Role(r) for r in roles_form.roles.data}, current_user
                )
                db.session.commit()
                flash(_roles_message(target, granted, revoked), "success")
                return redirect(url_for("admin.user", user_id=target.id))
            if "active-submit" in request.form and active_form.validate():
                services.set_active(target, active_form.active.data == "yes", current_user)
                db.session.commit()
                state = "active" if target.active else "deactivated and signed out everywhere"
                flash(f"{target.name}'s account is now {state}.", "success")
                return redirect(url_for("admin.user", user_id=target.id))
        except services.AccountError as error:
            db.session.rollback()
            target = db.session.get(User, user_id)
            roles_form.roles.errors = [str(error)]
    if request.method == "GET" or not roles_form.errors:
        roles_form.roles.data = sorted(r.value for r in target.role_set)
    history = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "users", AuditEvent.object_id == str(target.id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "admin/user.html",
        target=target,
        roles_form=roles_form,
        active_form=active_form,
        reset_form=ResetSecondFactorForm(),
        second_factor=mfa.factor_of(target),
        history=history,
    )


@bp.route("/users/<int:user_id>/security-codes", methods=["POST"])
@roles(Role.ADMIN)
def reset_second_factor(user_id):
    target = db.get_or_404(User, user_id)
    if ResetSecondFactorForm().validate_on_submit():
        try:
            mfa.reset_second_factor(target, current_user)
        except mfa.SecondFactorError as error:
            db.session.rollback()
            flash(str(error))
        else:
            db.session.commit()
            flash(
                f"{target.name}'s security codes are reset and they are signed out everywhere.",
                "success",
            )
    return redirect(url_for("admin.user", user_id=user_id))


def _caption(role, total, first, count, pages) -> str:
    """Such as "3 panel members", or "Users 51 to 100 of 230" over several pages."""
    noun = (role.label.lower() if role else "user") + ("" if total == 1 else "s")
    if pages > 1:
        return f"{noun.capitalize()} {first} to {first + count - 1} of {total}"
    return f"{total} {noun}"


def _roles_message(target, granted, revoked) -> str:
    if not granted and not revoked:
        return f"No change: {target.name}'s roles are as they were."
    parts = []
    if granted:
        parts.append("granted " + ", ".join(r.label for r in sorted(granted)))
    if revoked:
        parts.append("revoked " + ", ".join(r.label for r in sorted(revoked)))
    return f"Roles for {target.name}: " + "; ".join(parts) + "."
