"""Saving a panel member's review: strict parsing of scores, drafts, submission, revision."""

from dataclasses import dataclass, field

import sqlalchemy as sa

from portal import audit
from portal.clock import utcnow
from portal.extensions import db
from portal.policy import conflicted_pairs
from portal.reviews.models import (
    AssignmentState,
    Confidence,
    Recommendation,
    Review,
    ReviewScore,
    ReviewState,
)

SCORES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
CANNOT_SCORE = "cannot"
MAX_COMMENT = 5000


class ReviewError(ValueError):
    """A review the rules refuse. `errors` maps form field names to messages."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.errors = errors or {}


@dataclass
class ReviewAnswers:
    """A review as posted: per criterion id, the raw score text and comment; then the rest."""

    scores: dict[int, str] = field(default_factory=dict)
    comments: dict[int, str] = field(default_factory=dict)
    recommendation: str | None = None
    confidence: str | None = None
    comments_for_innovator: str | None = None
    comments_for_panel: str | None = None


def parse_score(raw) -> tuple[int | None, bool]:
    """'1'..'5' -> (score, False); 'cannot' -> (None, True); '' -> (None, False); else error."""
    if raw is None or raw == "":
        return None, False
    if raw == CANNOT_SCORE:
        return None, True
    if isinstance(raw, str) and raw in SCORES:
        return SCORES[raw], False
    raise ValueError(raw)


def save_review(assignment, member, answers: ReviewAnswers, submit: bool) -> Review:
    """Create or update the member's review; on submit every criterion must be answered.

    Refuses (with nothing saved) anything outside the rules: not your assignment, a closed
    round, a conflict, a criterion from another rubric, a score other than 1 to 5.
    """
    round_ = assignment.round
    if assignment.user_id != member.id or assignment.state is not AssignmentState.ACTIVE:
        raise ReviewError("This idea is not assigned to you")
    if not round_.is_open:
        raise ReviewError("This review round has closed, so reviews can no longer be changed")
    if conflicted_pairs([member], [assignment.idea]):
        raise ReviewError("You have a conflict of interest with this idea")
    criteria = {c.id: c for c in round_.rubric.criteria}
    errors = {}
    unknown = (set(answers.scores) | set(answers.comments)) - set(criteria)
    if unknown:
        raise ReviewError(
            "The form was changed: it scores criteria that are not in this "
            "round's rubric. Reload the page and try again."
        )
    parsed = {}
    for criterion_id, criterion in criteria.items():
        name = f"score-{criterion_id}"
        try:
            parsed[criterion_id] = parse_score(answers.scores.get(criterion_id))
        except ValueError:
            errors[name] = f"Choose a score from 1 to 5 for {criterion.name}"
            continue
        if submit and parsed[criterion_id] == (None, False):
            errors[name] = f"Score {criterion.name}, or choose 'Cannot score'"
        if len(answers.comments.get(criterion_id) or "") > MAX_COMMENT:
            errors[f"comment-{criterion_id}"] = "Comment must be 5,000 characters or fewer"
    recommendation = _choice(
        Recommendation,
        answers.recommendation,
        "recommendation",
        "Choose a recommendation",
        submit,
        errors,
    )
    confidence = _choice(
        Confidence, answers.confidence, "confidence", "Choose how confident you are", submit, errors
    )
    for name in ("comments_for_innovator", "comments_for_panel"):
        if len(getattr(answers, name) or "") > MAX_COMMENT:
            errors[name] = "Comments must be 5,000 characters or fewer"
    if errors:
        raise ReviewError("There is a problem with your review", errors)

    review = assignment.review
    now = utcnow()
    if review is None:
        review = Review(
            assignment=assignment,
            round_id=round_.id,
            idea_id=assignment.idea_id,
            reviewer_id=member.id,
            rubric_id=round_.rubric_id,
            created_at=now,
            idea_version=assignment.idea.version_number,
        )
        db.session.add(review)
    existing = {s.criterion_id: s for s in review.scores}
    for criterion_id, (score, cannot) in parsed.items():
        record = existing.get(criterion_id)
        if record is None:
            record = ReviewScore(criterion_id=criterion_id)
            review.scores.append(record)
        record.score, record.cannot_score = score, cannot
        record.comment = (answers.comments.get(criterion_id) or "").strip() or None
    review.recommendation, review.confidence = recommendation, confidence
    review.comments_for_innovator = (answers.comments_for_innovator or "").strip() or None
    review.comments_for_panel = (answers.comments_for_panel or "").strip() or None
    review.updated_at = now
    was_submitted = review.state is ReviewState.SUBMITTED
    if submit:
        review.state, review.submitted_at = ReviewState.SUBMITTED, now
        review.idea_version = assignment.idea.version_number
    db.session.flush()
    action = (
        "review.revised"
        if was_submitted
        else ("review.submitted" if submit else "review.draft_saved")
    )
    audit.record(member, action, review, idea_id=assignment.idea_id, round_id=round_.id)
    if submit:
        from portal.pipeline.snapshots import refresh_snapshots  # scores changed

        refresh_snapshots(member, "review submitted" if not was_submitted else "review revised")
    return review


def _choice(enum_cls, raw, name, message, submit, errors):
    if not raw:
        if submit:
            errors[name] = message
        return None
    try:
        return enum_cls(raw)
    except ValueError:
        errors[name] = message
        return None


def reviews_visible_to(member, idea, round_):
    """Other members' submitted reviews this member may read under the round's rule."""
    if not round_.reveal_after_submit or conflicted_pairs([member], [idea]):
        return []
    mine = db.session.scalar(
        sa.select(Review).filter_by(round_id=round_.id, idea_id=idea.id, reviewer_id=member.id)
    )
    if mine is None or mine.state is not ReviewState.SUBMITTED:
        return []
    return db.session.scalars(
        sa.select(Review).where(
            Review.round_id == round_.id,
            Review.idea_id == idea.id,
            Review.reviewer_id != member.id,
            Review.state == ReviewState.SUBMITTED,
        )
    ).all()
