"""Leads' horizon-scanning inbox: triage, promote, the item page, the digest and its feed."""

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.access import public, roles
from portal.auth.models import User
from portal.auth.roles import Role
from portal.cleaning import strip_invisible
from portal.clock import utcnow
from portal.extensions import db
from portal.horizon import digest, evidence, promote, triage
from portal.horizon.blueprint import bp
from portal.horizon.forms import TITLE_CHARS, ActionForm, PromoteForm
from portal.horizon.models import Feed, ItemSource, ItemStatus, ScannedItem
from portal.horizon.stopping import stopping_signs
from portal.ideas.sections import active_workstreams

INBOX_PAGE = 25
ORDERS = {"relevant": "Most relevant first", "uncertain": "Least certain first"}


@bp.route("/horizon/inbox")
@roles(Role.PROGRAMME_LEAD)
def inbox(errors=(), status=200):
    args = _filters()
    ranked = _ranked(args)
    page = max(1, request.args.get("page", 1, type=int))
    shown_ids = ranked[(page - 1) * INBOX_PAGE : page * INBOX_PAGE]
    loaded = {
        i.id: i
        for i in db.session.scalars(
            sa.select(ScannedItem)
            .where(ScannedItem.id.in_(shown_ids))
            .options(selectinload(ScannedItem.sources).joinedload(ItemSource.feed))
        )
    }
    return render_template(
        "horizon/inbox.html",
        title="Inbox",
        items=[loaded[i] for i in shown_ids],
        total=len(ranked),
        page=page,
        pages=max(1, -(-len(ranked) // INBOX_PAGE)),
        args=args,
        orders=ORDERS,
        workstreams=active_workstreams(),
        enablers=triage.enabler_criteria(),
        feeds=db.session.scalars(sa.select(Feed).order_by(Feed.name)).all(),
        stopping=stopping_signs(),
        pending=triage.rescoring_pending(),
        words=triage.relevance_words,
        errors=list(errors),
        form=ActionForm(),
    ), status


def _filters() -> dict:
    args = {
        "order": request.args.get("order", "relevant"),
        "workstream": request.args.get("workstream", ""),
        "enabler": request.args.get("enabler", ""),
        "feed": request.args.get("feed", type=int),
        "since": request.args.get("since", ""),
    }
    if args["order"] not in ORDERS:
        args["order"] = "relevant"
    return args


def _ranked(args) -> list[int]:
    """The ids of the new items the filters keep, in the order chosen."""
    query = sa.select(ScannedItem.id, ScannedItem.relevance, ScannedItem.topic_relevance).where(
        ScannedItem.status == ItemStatus.NEW
    )
    if args["feed"]:
        query = query.where(ScannedItem.sources.any(ItemSource.feed_id == args["feed"]))
    since = _date(args["since"])
    if since is not None:
        query = query.where(ScannedItem.published_at >= since)
    rows = db.session.execute(query.order_by(ScannedItem.id)).all()
    topics = [args["workstream"], args["enabler"] and triage.ENABLER + args["enabler"]]
    topics = [key for key in topics if key]
    if topics:  # likely relevant to each chosen topic, ranked by the least of those scores
        rows = [r for r in rows if all(_topic(r, key) >= 0.5 for key in topics)]

    def value(r):
        return min(_topic(r, key) for key in topics) if topics else r.relevance or 0.0

    if args["order"] == "uncertain":
        rows.sort(key=lambda r: (abs(value(r) - 0.5), r.id))
    else:
        rows.sort(key=lambda r: (-value(r), r.id))
    return [r.id for r in rows]


def _topic(row, key) -> float:
    return (row.topic_relevance or {}).get(key, 0.0)


def _date(text: str):
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC) if text else None
    except ValueError:
        return None


@bp.route("/horizon/inbox/triage", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def inbox_triage():
    if not ActionForm().validate_on_submit():
        abort(400)
    back = _local_back(request.form.get("back")) or url_for("horizon.inbox")
    one = request.form.get("decide", "")
    if one:
        item_id, _, decision = one.partition(":")
        if decision == "promote":
            return redirect(url_for("horizon.item_promote", item_id=_int(item_id)))
        items = [db.get_or_404(ScannedItem, _int(item_id))]
    else:
        decision = request.form.get("action", "")
        ids = [_int(i) for i in request.form.getlist("item")]
        items = db.session.scalars(sa.select(ScannedItem).where(ScannedItem.id.in_(ids))).all()
    try:
        marked = triage.triage_items(items, current_user, decision)
    except triage.TriageError as error:
        db.session.rollback()
        return inbox(errors=[str(error)], status=400)
    db.session.commit()
    what = triage.DECISIONS[decision].label.lower()
    if len(items) == 1:
        flash(f"'{items[0].title or 'Untitled item'}' marked {what}.", "success")
    else:
        flash(f"{marked} items marked {what}.", "success")
    return redirect(back)


def _int(text) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        abort(404)


@bp.route("/horizon/inbox/shortcuts", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def inbox_shortcuts():
    if not ActionForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, current_user.id)
    user.keyboard_shortcuts = not user.keyboard_shortcuts
    db.session.commit()
    flash(f"Keyboard shortcuts turned {'on' if user.keyboard_shortcuts else 'off'}.", "success")
    return redirect(_local_back(request.form.get("back")) or url_for("horizon.inbox"))


@bp.route("/horizon/items/<int:item_id>")
@roles(Role.PROGRAMME_LEAD, Role.ADMIN)
def item(item_id):
    shown = db.get_or_404(ScannedItem, item_id)
    return render_template(
        "horizon/item.html",
        title=shown.title or "Untitled item",
        item=shown,
        idea=promote.promoted_idea(shown, current_user),
        evidence_links=evidence.supported_ideas(shown, current_user),
        related=promote.similar_ideas(shown, current_user),
        words=promote.similarity_words,
        relevance=triage.relevance_words,
        workstreams={w.key: w for w in active_workstreams()},
        enablers={triage.ENABLER + c.key: c for c in triage.enabler_criteria()},
        can_triage=Role.PROGRAMME_LEAD in current_user.role_set,
    )


@bp.route("/horizon/items/<int:item_id>/promote", methods=["GET", "POST"])
@roles(Role.PROGRAMME_LEAD)
def item_promote(item_id):
    shown = db.get_or_404(ScannedItem, item_id)
    streams = active_workstreams()
    form = PromoteForm(workstreams=streams)
    if request.method == "GET":  # prefilled from the item; a POST keeps what the lead typed
        form.title.data = strip_invisible(shown.title or "Untitled item")
        form.workstreams.data = [w.key for w in promote.suggested_workstreams(shown)]
    status = 200
    if form.validate_on_submit():
        chosen = [w for w in streams if w.key in form.workstreams.data]
        try:
            idea = promote.promote_item(
                shown, current_user, title=form.title.data, workstreams=chosen
            )
        except triage.TriageError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
            shown, status = db.get_or_404(ScannedItem, item_id), 409
        else:
            db.session.commit()
            flash(f"'{idea.display_title}' is now idea {idea.reference}, in triage.", "success")
            return redirect(url_for("ideas.show", reference=idea.reference))
    elif form.errors:
        status = 400
    return render_template(
        "horizon/promote.html",
        title=f"Promote {shown.title or 'Untitled item'}",
        item=shown,
        idea=promote.promoted_idea(shown, current_user),
        duplicates=promote.similar_ideas(shown, current_user),
        words=promote.similarity_words,
        fields=promote.idea_fields(shown),
        form=form,
        title_chars=TITLE_CHARS,
    ), status


@bp.route("/horizon/digest")
@roles(Role.PROGRAMME_LEAD)
def digest_page():
    return render_template(
        "horizon/digest.html",
        title="Digest",
        digest=digest.weekly_digest(),
        token=current_user.digest_token,
        form=ActionForm(),
        words=triage.relevance_words,
    )


@bp.route("/horizon/digest/token", methods=["POST"])
@roles(Role.PROGRAMME_LEAD)
def digest_token():
    if not ActionForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, current_user.id)
    user.digest_token = secrets.token_urlsafe(24)
    db.session.commit()
    flash("Your private digest feed address is ready. Any old address no longer works.", "success")
    return redirect(url_for("horizon.digest_page"))


@bp.route("/horizon/digest/<token>.atom")
@public
def digest_feed(token):
    user = db.session.scalar(sa.select(User).where(User.digest_token == token)) if token else None
    if user is None or not user.active or Role.PROGRAMME_LEAD not in user.role_set:
        abort(404)
    body = render_template(
        "horizon/digest.atom", digest=digest.weekly_digest(), user=user, token=token, now=utcnow()
    )
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}


def _local_back(path: str | None) -> str | None:
    if path and path.startswith("/horizon/") and "//" not in path and "\\" not in path:
        return path
    return None
