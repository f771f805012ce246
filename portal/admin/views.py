"""Admin pages: overview, users list, and one user's roles, activation and security codes."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import roles
from portal.admin.blueprint import bp
from portal.admin.forms import ResetSecondFactorForm, UserActiveForm, UserRolesForm, UserSearchForm
from portal.audit import AuditEvent
from portal.auth import mfa, services
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
    query = sa.select(User).outerjoin(Organisation).order_by(User.name, User.id)
    if form.validate() and form.q.data:
        like = f"%{form.q.data.strip().lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(User.name).like(like),
                User.email.like(like),
                Organisation.name_key.like(like),
            )
        )
    role = request.args.get("role")
    if role in {r.value for r in Role}:
        query = query.where(User.role_grants.any(UserRole.role == Role(role)))
    page = max(1, request.args.get("page", 1, type=int))
    found = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", form=form, found=found, role=role)


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


def _roles_message(target, granted, revoked) -> str:
    if not granted and not revoked:
        return f"No change: {target.name}'s roles are as they were."
    parts = []
    if granted:
        parts.append("granted " + ", ".join(r.label for r in sorted(granted)))
    if revoked:
        parts.append("revoked " + ", ".join(r.label for r in sorted(revoked)))
    return f"Roles for {target.name}: " + "; ".join(parts) + "."
