"""A big closed review round: three submitted reviews per idea from the synthetic panel.

Each idea has a true quality (higher for those later shortlisted, lower for those declined),
each member a leniency, and every score some noise; patient partners sometimes cannot score
the technical criteria.
"""

from datetime import timedelta

from portal.demo.scale import words
from portal.demo.scale.bulk import ids_by, insert_rows
from portal.extensions import db
from portal.reviews.models import (
    Assignment,
    AssignmentState,
    Review,
    ReviewRound,
    ReviewScore,
    ReviewState,
    RoundIdea,
    RoundState,
    round_panel,
)
from portal.reviews.rubric import current_rubric

ROUND_NAME = "Synthetic load-test panel"
TECHNICAL = {"qi_capability", "measurement", "evidence"}  # partners may feel unable to score


def add_round(ideas, panel, lead_id, opened, closed) -> int:
    """Add the closed round, its panel and the ideas that went into it; return its id."""
    round_ = ReviewRound(
        name=ROUND_NAME,
        deadline_at=closed - timedelta(days=1),
        rubric=current_rubric(),
        reviews_per_idea=3,
        blind=True,
        require_patient_partner=True,
        state=RoundState.CLOSED,
        created_at=opened - timedelta(hours=1),
        created_by_id=lead_id,
        closed_at=closed,
    )
    db.session.add(round_)
    db.session.flush()
    insert_rows(round_panel, [{"round_id": round_.id, "user_id": m["id"]} for m in panel])
    entries = [
        {"round_id": round_.id, "idea_id": idea["id"], "added_at": opened}
        for idea in ideas
        if "review_started" in idea["moves"]
    ]
    if entries:
        insert_rows(RoundIdea, entries)
    return round_.id


def add_reviews(rng, ideas, panel, partners, round_id, opened, closed, lead_id) -> dict:
    """Add three submitted reviews (one by a patient partner) per idea in the round; return
    each idea's comments for the innovator, as decisions release them."""
    rubric = current_rubric()
    criteria = [(c.id, c.key) for c in rubric.criteria]
    partner_ids = sorted(partners)
    others = [m["id"] for m in panel if m["id"] not in partners]
    leniency = {m["id"]: rng.gauss(0, 0.35) for m in panel}
    quality_by_plan = {
        "shortlisted": (3.9, 0.35),
        "in_pilot": (4.0, 0.3),
        "adopted": (4.1, 0.3),
        "declined_after_review": (2.2, 0.45),
    }
    reviewed = [idea for idea in ideas if "review_started" in idea["moves"]]
    assignments, plans = [], []
    for idea in reviewed:
        quality = rng.gauss(*quality_by_plan.get(idea["plan"], (3.0, 0.7)))
        members = [rng.choice(partner_ids), *rng.sample(others, 2)]
        for member_id in members:
            assigned = opened + timedelta(minutes=rng.uniform(1, 60))
            assignments.append(
                {
                    "round_id": round_id,
                    "idea_id": idea["id"],
                    "user_id": member_id,
                    "state": AssignmentState.ACTIVE,
                    "automatic": True,
                    "assigned_at": assigned,
                    "assigned_by_id": lead_id,
                }
            )
            plans.append((idea, member_id, quality, assigned))
    if not assignments:
        return {}
    insert_rows(Assignment, assignments)
    assignment_ids = ids_by(
        (Assignment.idea_id, Assignment.user_id), Assignment.id, Assignment.round_id == round_id
    )
    reviews, scores = [], []
    for idea, member_id, quality, assigned in plans:
        assignment_id = assignment_ids[idea["id"], member_id]
        partner = member_id in partners
        numbers = {}
        for criterion_id, key in criteria:
            if partner and key in TECHNICAL and rng.random() < 0.08:
                numbers[criterion_id] = None
                continue
            raw = quality + leniency[member_id] + rng.gauss(0, 0.6)
            numbers[criterion_id] = min(5, max(1, round(raw)))
        given = [v for v in numbers.values() if v is not None]
        mean = sum(given) / len(given)
        band = (
            "progress"
            if mean >= 3.5
            else "progress_with_changes"
            if mean >= 2.5
            else "do_not_progress"
        )
        submitted = min(assigned + timedelta(days=rng.triangular(0.5, 38, 8)), closed)
        reviews.append(
            {
                "assignment_id": assignment_id,
                "round_id": round_id,
                "idea_id": idea["id"],
                "reviewer_id": member_id,
                "rubric_id": rubric.id,
                "idea_version": 1,
                "state": ReviewState.SUBMITTED,
                "recommendation": band,
                "confidence": rng.choice(("low", "medium", "medium", "high")),
                "comments_for_innovator": rng.choice(words.FOR_INNOVATOR),
                "comments_for_panel": None,
                "created_at": submitted - timedelta(days=rng.uniform(0, 0.4)),
                "updated_at": submitted,
                "submitted_at": submitted,
            }
        )
        scores.append(numbers)
    insert_rows(Review, reviews)
    by_assignment = ids_by(Review.assignment_id, Review.id, Review.round_id == round_id)
    review_ids = [by_assignment[review["assignment_id"]] for review in reviews]
    rows = [
        {
            "review_id": review_id,
            "criterion_id": criterion_id,
            "score": score,
            "cannot_score": score is None,
            "comment": None,
        }
        for review_id, numbers in zip(review_ids, scores, strict=True)
        for criterion_id, score in numbers.items()
    ]
    insert_rows(ReviewScore, rows)
    feedback: dict[int, list] = {}
    for review_id, review in zip(review_ids, reviews, strict=True):
        entry = {"review_id": review_id, "text": review["comments_for_innovator"]}
        feedback.setdefault(review["idea_id"], []).append(entry)
    return feedback
