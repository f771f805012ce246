"""Leads and admins manage feeds and see what scanning found; leads dismiss items."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import roles
from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon import services
from portal.horizon.blueprint import bp
from portal.horizon.forms import INTERVALS, ActionForm, EditFeedForm, FeedForm
from portal.horizon.models import Feed, ScannedItem, format_label

FEED_ROLES = (Role.PROGRAMME_LEAD, Role.ADMIN)
ITEMS_PER_PAGE = 25
FEED_PAGE_ITEMS = 20

bp.add_app_template_filter(format_label, "feed_format")


@bp.route("/horizon/feeds")
@roles(*FEED_ROLES)
def feeds():
    listed = db.session.scalars(db.select(Feed).order_by(Feed.name, Feed.id)).all()
    return render_template(
        "horizon/feeds.html", title="Feeds", feeds=listed, counts=services.item_counts()
    )


@bp.route("/horizon/feeds/new", methods=["GET", "POST"])
@roles(*FEED_ROLES)
def feed_new():
    form = FeedForm()
    check = None
    if form.validate_on_submit():
        check = services.check_feed(form.url.data)
        if not check.ok:
            form.url.errors.append(check.error)
        elif "save" in request.form:
            try:
                feed = services.add_feed(current_user, form.values(), check)
            except services.FeedError as error:
                db.session.rollback()
                form.url.errors.append(str(error))
            else:
                db.session.commit()
                flash(
                    f"Feed '{feed.name}' added. The worker fetches it within a minute.", "success"
                )
                return redirect(url_for("horizon.feed", feed_id=feed.id))
        elif not form.name.data and check.title:
            form.name.data = check.title
    return render_template("horizon/feed_new.html", title="Add a feed", form=form, check=check)


@bp.route("/horizon/feeds/<int:feed_id>")
@roles(*FEED_ROLES)
def feed(feed_id):
    shown = db.get_or_404(Feed, feed_id)
    items = db.session.scalars(services.newest_items(shown).limit(FEED_PAGE_ITEMS)).all()
    return render_template(
        "horizon/feed.html",
        title=shown.name,
        feed=shown,
        fetches=services.recent_fetches(shown),
        items=items,
        item_count=services.item_counts(shown).get(shown.id, 0),
        interval_label=_interval_label(shown.fetch_interval_minutes),
        action_form=ActionForm(),
        can_dismiss=_can_dismiss(),
    )


@bp.route("/horizon/feeds/<int:feed_id>/edit", methods=["GET", "POST"])
@roles(*FEED_ROLES)
def feed_edit(feed_id):
    edited = db.get_or_404(Feed, feed_id)
    form = EditFeedForm(obj=edited)
    if not form.is_submitted():
        form.interval.data = str(edited.fetch_interval_minutes)
    if form.validate_on_submit():
        check = None
        if form.url.data.strip() != edited.url:
            check = services.check_feed(form.url.data, edited)
        if check is not None and not check.ok:
            form.url.errors.append(check.error)
        else:
            try:
                changed = services.update_feed(edited, current_user, form.values())
            except services.FeedError as error:
                db.session.rollback()
                edited = db.session.get(Feed, feed_id)
                form.url.errors.append(str(error))
            else:
                db.session.commit()
                flash(f"Feed '{edited.name}' {'saved' if changed else 'unchanged'}.", "success")
                return redirect(url_for("horizon.feed", feed_id=feed_id))
    return render_template(
        "horizon/feed_edit.html", title=f"Edit {edited.name}", form=form, feed=edited
    )


@bp.route("/horizon/feeds/<int:feed_id>/<any(pause, resume, scan):action>", methods=["POST"])
@roles(*FEED_ROLES)
def feed_action(feed_id, action):
    changed = db.get_or_404(Feed, feed_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if action == "pause":
        services.pause_feed(changed, current_user)
        message = f"Feed '{changed.name}' paused: it will not be fetched until you resume it."
    elif action == "resume":
        services.resume_feed(changed, current_user)
        message = f"Feed '{changed.name}' resumed. The worker fetches it within a minute."
    elif not changed.active:
        abort(409)
    else:
        services.request_scan(changed, current_user)
        message = f"Feed '{changed.name}' is due now. The worker fetches it within a minute."
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("horizon.feed", feed_id=feed_id))


@bp.route("/horizon/items")
@roles(*FEED_ROLES)
def items():
    page = max(1, request.args.get("page", 1, type=int))
    found = db.paginate(
        services.newest_items(), page=page, per_page=ITEMS_PER_PAGE, error_out=False
    )
    return render_template(
        "horizon/items.html",
        title="Scanned items",
        found=found,
        action_form=ActionForm(),
        can_dismiss=_can_dismiss(),
    )


@bp.route("/horizon/items/<int:item_id>/dismiss", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def item_dismiss(item_id):
    item = db.get_or_404(ScannedItem, item_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    title = item.title or "Untitled item"
    services.dismiss_item(item, current_user)
    db.session.commit()
    flash(f"'{title}' dismissed. It will not come back from any feed.", "success")
    return redirect(_local_back(form.back.data) or url_for("horizon.items"))


def _can_dismiss() -> bool:
    return Role.PROGRAMME_LEAD in current_user.role_set  # as item_dismiss's rule says


def _interval_label(minutes: int) -> str:
    labels = {int(choice.value): choice.label for choice in INTERVALS}
    return labels.get(minutes, f"Every {minutes} minutes")


def _local_back(path: str | None) -> str | None:
    """`path` if it is one of this section's pages (never another site), else None."""
    if path and path.startswith("/horizon/") and "//" not in path and "\\" not in path:
        return path
    return None
