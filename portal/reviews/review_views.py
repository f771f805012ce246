"""A panel member's side of a round: their queue, the conflict check before they read an
idea, the review form, the idea's documents (neutrally named in blind rounds), and declining."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.access import roles
from portal.auth.roles import Role
from portal.extensions import db
from portal.forms import PortalForm
from portal.ideas import files
from portal.ideas.downloads import attachment_response
from portal.ideas.summary import section_rows, with_line_breaks
from portal.policy import Can, conflicted_pairs, may
from portal.reviews.blueprint import bp
from portal.reviews.conflict_check import confirm_no_conflict, conflict_check_done
from portal.reviews.conflicts import ConflictError, declare_conflict
from portal.reviews.models import (
    Assignment,
    AssignmentState,
    ConflictKind,
    ReviewRound,
    ReviewState,
)
from portal.reviews.review_forms import (
    CONFIDENCES,
    RECOMMENDATIONS,
    TEXT_FIELDS,
    ConflictForm,
    DeclineForm,
    StaleForm,
    answers_from,
)
from portal.reviews.reviewing import ReviewError, reviews_visible_to, save_review
from portal.reviews.rounds import RoundError, decline_assignment


@bp.route("/reviews")
@roles(Role.PANEL_MEMBER)
def queue():
    """The member's assignments, by round: the open ones first, then closed ones to read."""
    assignments = db.session.scalars(
        sa.select(Assignment)
        .join(ReviewRound)
        .where(Assignment.user_id == current_user.id, Assignment.state == AssignmentState.ACTIVE)
        .options(selectinload(Assignment.idea), selectinload(Assignment.review))
        .order_by(ReviewRound.deadline_at, ReviewRound.id, Assignment.id)
    ).all()
    conflicted = conflicted_pairs([current_user], [a.idea for a in assignments])
    rounds: dict = {}
    for assignment in assignments:
        if (current_user.id, assignment.idea_id) not in conflicted:
            rounds.setdefault(assignment.round, []).append(assignment)
    return render_template(
        "reviews/queue.html",
        title="Your reviews",
        open_rounds=[(r, items) for r, items in rounds.items() if r.is_open],
        closed_rounds=[(r, items) for r, items in rounds.items() if not r.is_open],
        checked={a.id for a in assignments if conflict_check_done(a)},
        ReviewState=ReviewState,
    )


@bp.route("/reviews/<int:assignment_id>/conflicts", methods=["GET", "POST"])
@roles(Role.PANEL_MEMBER)
def conflicts(assignment_id):
    """Before the member first reads the idea: do they have a conflict of interest?"""
    assignment = _my_assignment(assignment_id, lock=request.method == "POST")
    if conflict_check_done(assignment):
        return redirect(url_for("reviews.review", assignment_id=assignment.id))
    form = ConflictForm(blind=assignment.round.blind)
    if form.validate_on_submit():
        member, idea = current_user._get_current_object(), assignment.idea
        try:
            if form.has_conflict.data == "no":
                confirm_no_conflict(assignment, member)
            else:
                kind = ConflictKind(form.kind.data)
                declare_conflict(member, idea, kind, form.detail.data)
                if assignment.round.is_open:  # a closed round keeps its assignments as they are
                    decline_assignment(assignment, member, f"Conflict of interest: {kind.label}")
        except (ConflictError, RoundError) as error:
            db.session.rollback()
            form.detail.errors = [*form.detail.errors, str(error)]
        else:
            db.session.commit()
            if form.has_conflict.data == "no":
                return redirect(url_for("reviews.review", assignment_id=assignment_id))
            flash(
                f"You declared a conflict of interest with {idea.reference}, so it has been "
                "taken off your list. The programme team will ask someone else to review it.",
                "success",
            )
            return redirect(url_for("reviews.queue"))
    return render_template(
        "reviews/conflict_check.html",
        title="Conflicts of interest",
        assignment=assignment,
        idea=assignment.idea,
        form=form,
    )


@bp.route("/reviews/<int:assignment_id>", methods=["GET", "POST"])
@roles(Role.PANEL_MEMBER)
def review(assignment_id):
    """The idea and the review form (read-only once the round has closed)."""
    assignment = _my_assignment(assignment_id, lock=request.method == "POST")
    if not conflict_check_done(assignment):
        return redirect(url_for("reviews.conflicts", assignment_id=assignment.id))
    if request.method == "GET":
        return _review_page(assignment, _saved_values(assignment.review))
    saved = assignment.review
    was_submitted = saved is not None and saved.state is ReviewState.SUBMITTED
    # Once submitted, every save is a full submission: a review never goes back to a draft.
    submit = was_submitted or "submit_review" in request.form
    try:
        # A closed round refuses in `save_review`, whatever was posted.
        answers = answers_from(request.form, assignment) if assignment.round.is_open else None
        save_review(assignment, current_user._get_current_object(), answers, submit=submit)
        db.session.commit()
    except (ReviewError, sa.exc.IntegrityError) as error:
        db.session.rollback()
        if isinstance(error, sa.exc.IntegrityError):  # saved at the same moment elsewhere
            error = StaleForm(
                "Your review was saved from another window at the same time. "
                "Check your answers below and save again."
            )
        stale = isinstance(error, StaleForm) or not assignment.round.is_open
        status = 200 if error.errors else 409 if stale else 400
        return _review_page(assignment, request.form.to_dict(), error=error, status=status)
    flash(
        "Your review has been updated"
        if was_submitted
        else "Your review has been submitted"
        if submit
        else "Your draft has been saved",
        "success",
    )
    return redirect(url_for("reviews.review", assignment_id=assignment.id))


HIDDEN_WHEN_BLIND = {"innovator_role"}


def _saved_values(review) -> dict:
    if review is None:
        return {}
    values = {
        "recommendation": review.recommendation and review.recommendation.value,
        "confidence": review.confidence and review.confidence.value,
        "comments_for_innovator": review.comments_for_innovator,
        "comments_for_panel": review.comments_for_panel,
    }
    for score in review.scores:
        values[f"score-{score.criterion_id}"] = (
            "cannot"
            if score.cannot_score
            else (str(score.score) if score.score is not None else None)
        )
        values[f"comment-{score.criterion_id}"] = score.comment
    return values


def _review_page(assignment, values, error=None, status=200):
    round_, idea, review = assignment.round, assignment.idea, assignment.review
    criteria = round_.rubric.criteria
    saved = _saved_values(review)  # what is stored, whatever this request posted
    errors = error.errors if error else {}
    order = [f"{part}-{c.id}" for c in criteria for part in ("score", "comment")]
    summary = [{"text": errors[n], "href": f"#{n}"} for n in [*order, *TEXT_FIELDS] if n in errors]
    if error and not summary:
        summary = [{"text": str(error)}]
    submitted = review is not None and review.state is ReviewState.SUBMITTED
    others = reviews_visible_to(current_user, idea, round_) if submitted else []
    return render_template(
        "reviews/review_form.html",
        title=("Error: " if summary else "") + f"Review {idea.display_title}",
        assignment=assignment,
        round=round_,
        idea=idea,
        review=review,
        criteria=criteria,
        groups=_idea_rows(idea, round_.blind),
        documents=_documents(assignment),
        values=values,
        errors=errors,
        error_summary=summary,
        submitted=submitted,
        others=sorted(others, key=lambda r: r.id),
        form=PortalForm(),
        recommendations=RECOMMENDATIONS,
        confidences=CONFIDENCES,
        cannot_scores=[c for c in criteria if saved.get(f"score-{c.id}") == "cannot"],
        with_line_breaks=with_line_breaks,
    ), status


def _idea_rows(idea, blind):
    groups = section_rows(idea, reader=True)
    if blind:
        for group in groups:
            fields = group["section"].fields
            group["rows"] = [
                row
                for name, row in zip(fields, group["rows"], strict=True)
                if name not in HIDDEN_WHEN_BLIND
            ]
    return groups


def _documents(assignment):
    """(link text, href) for each of the idea's files; blind rounds say only what kind."""
    documents = []
    for number, attachment in enumerate(assignment.idea.attachments, start=1):
        kind = files.kind_of_mimetype(attachment.content_type)
        size = files.format_size(attachment.size_bytes)
        name = f"Document {number}" if assignment.round.blind else attachment.original_name
        text = f"{name} ({kind.label if kind else 'File'}, {size})"
        href = url_for("reviews.document", assignment_id=assignment.id, attachment_id=attachment.id)
        documents.append((text, href))
    return documents


@bp.get("/reviews/<int:assignment_id>/documents/<int:attachment_id>")
@roles(Role.PANEL_MEMBER)
def document(assignment_id, attachment_id):
    """One of the idea's files; in a blind round under a neutral name, 'document-2.pdf'."""
    assignment = _my_assignment(assignment_id)
    if not conflict_check_done(assignment):
        abort(404)
    found = [
        (n, a) for n, a in enumerate(assignment.idea.attachments, start=1) if a.id == attachment_id
    ]
    if not found:
        abort(404)
    number, attachment = found[0]
    kind = files.kind_of_mimetype(attachment.content_type)
    name = (
        f"document-{number}{kind.extensions[0] if kind else ''}"
        if assignment.round.blind
        else files.download_name(attachment.original_name)
    )
    return attachment_response(attachment, name)


@bp.route("/reviews/<int:assignment_id>/decline", methods=["GET", "POST"])
@roles(Role.PANEL_MEMBER)
def decline(assignment_id):
    """The member cannot review this idea: they say why, and a lead reassigns it."""
    assignment = _my_assignment(assignment_id, lock=request.method == "POST")
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            decline_assignment(assignment, current_user._get_current_object(), form.reason.data)
        except RoundError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.session.commit()
            flash(
                f"You declined to review {assignment.idea.reference}. The programme team "
                "will ask someone else.",
                "success",
            )
            return redirect(url_for("reviews.queue"))
    return render_template(
        "reviews/decline.html",
        title="Decline this review",
        assignment=assignment,
        idea=assignment.idea,
        form=form,
        check_done=conflict_check_done(assignment),
    )


def _my_assignment(assignment_id, lock=False) -> Assignment:
    """The current member's active assignment on an idea they have no conflict with, or 404
    (as for an assignment that does not exist: nothing about others' assignments leaks)."""
    query = sa.select(Assignment).filter_by(id=assignment_id)
    assignment = db.session.scalar(query.with_for_update() if lock else query)
    if (
        assignment is None
        or assignment.user_id != current_user.id
        or assignment.state is not AssignmentState.ACTIVE
        or not may(current_user, Can.REVIEW, assignment.idea)
    ):
        abort(404)
    return assignment
