"""`flask demo` loads realistic ideas, a review panel and two rounds through the real services."""

from collections import Counter
from statistics import mean

import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.demo import DEMO_INNOVATORS, DEMO_ORGANISATIONS
from portal.demo.ideas import DEMO_IDEAS
from portal.demo.reviews import (
    DEMO_CONFLICTS,
    DEMO_HARSH,
    DEMO_LENIENT,
    DEMO_PANEL,
    DEMO_ROUNDS,
)
from portal.extensions import db
from portal.ideas import choices
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaQuestion, IdeaVersion
from portal.ideas.sections import SECTIONS, SectionStatus, build_form, missing_sections, status_of
from portal.mail import OutboxMessage
from portal.policy import conflicted_pairs
from portal.reviews.models import (
    Assignment,
    AssignmentState,
    Conflict,
    ConflictKind,
    PanelProfile,
    Review,
    ReviewRound,
    ReviewState,
    RoundState,
)
from portal.reviews.panel import panel_members

WORKSTREAMS = {
    "maternity_neonatal",
    "medicines_safety",
    "system_safety",
    "managing_deterioration",
    "mental_health",
}
LISTS = {
    "care_settings": choices.CARE_SETTINGS,
    "populations": choices.CORE20PLUS5_GROUPS,
    "clinical_areas": choices.CLINICAL_AREAS,
    "workstreams": WORKSTREAMS,
}
S = IdeaState


def test_demo_ideas_are_plain_data_with_known_values():
    innovators = {"ifeoma"} | {key for key, *_ in DEMO_INNOVATORS}
    for spec in DEMO_IDEAS:
        assert spec["innovator"] in innovators and S(spec["state"])
        for name, allowed in LISTS.items():
            assert set(spec.get(name, [])) <= set(allowed), (spec["title"], name)
        assert spec.get("development_stage", "idea") in choices.DEVELOPMENT_STAGES
        assert spec.get("involvement_level", "none") in choices.INVOLVEMENT_LEVELS
        needs = {S.DECLINED: "reason", S.WITHDRAWN: "reason", S.INFORMATION_REQUESTED: "question"}
        assert needs.get(S(spec["state"]), "title") in spec
        assert ("answer" in spec) <= ("question" in spec)
    titles = [spec["title"] for spec in DEMO_IDEAS]
    assert len(titles) == len(set(titles)) >= 40


def test_demo_panel_and_rounds_are_plain_data_with_known_values():
    by_title = {spec["title"]: spec for spec in DEMO_IDEAS}

    def idea_starting(start):
        [title] = [title for title in by_title if title.startswith(start)]
        return by_title[title]

    assert len(DEMO_PANEL) == len({email for email, *_ in DEMO_PANEL}) == 12
    assert sum(partner for *_, partner, _expertise, _password in DEMO_PANEL) == 4
    for _email, _name, _org, workstreams, settings, *_ in DEMO_PANEL:
        assert set(workstreams) <= WORKSTREAMS and set(settings) <= set(choices.CARE_SETTINGS)
    emails = {email for email, *_ in DEMO_PANEL}
    assert {DEMO_LENIENT, DEMO_HARSH, *(email for email, *_ in DEMO_CONFLICTS)} <= emails
    for _email, start, kind, detail in DEMO_CONFLICTS:
        assert idea_starting(start) and kind is not ConflictKind.SAME_ORGANISATION and detail
    in_rounds = [start for spec in DEMO_ROUNDS for start in spec["ideas"]]
    assert len(in_rounds) == len(set(in_rounds))
    for start in in_rounds:  # ideas a lead can put into a round, once accepted for checking
        assert idea_starting(start)["state"] in ("submitted", "in_triage")
    # Some are left being checked, for a lead to open a new round with.
    left = [
        spec
        for spec in DEMO_IDEAS
        if spec["state"] == "in_triage" and not any(map(spec["title"].startswith, in_rounds))
    ]
    assert len(left) >= 3


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def demo_summary():
    ideas = db.session.scalars(sa.select(Idea).order_by(Idea.id)).all()
    return {
        "ideas": [(i.reference, i.owner.email, i.state, i.version_number) for i in ideas],
        "versions": count(IdeaVersion),
        "questions": count(IdeaQuestion),
        "rounds": [(r.name, r.state) for r in db.session.scalars(sa.select(ReviewRound))],
        **{
            model.__tablename__: count(model)
            for model in (User, PanelProfile, Conflict, Assignment, Review, AuditEvent)
        },
        "mail": count(OutboxMessage),
    }


def check_panel_and_rounds():
    """Twelve members with profiles, conflicts of both kinds, and the two rounds as described."""
    members = panel_members()
    assert len(members) == 12 and all(profile is not None for _, profile in members)
    assert sum(profile.is_patient_partner for _, profile in members) == 4
    panel = [user for user, _ in members]
    rounds = {r.name: r for r in db.session.scalars(sa.select(ReviewRound))}
    closed, current = (rounds[spec["name"]] for spec in DEMO_ROUNDS)
    ideas = [entry.idea for r in (closed, current) for entry in r.entries]
    conflicted = conflicted_pairs(panel, ideas)
    same_org = {
        (u.id, i.id) for u in panel for i in ideas if u.organisation_id == i.organisation_id
    }
    assert same_org and same_org <= conflicted
    declared = db.session.scalars(
        sa.select(Conflict).where(Conflict.kind != ConflictKind.SAME_ORGANISATION)
    ).all()
    assert declared and all(c.active and c.detail for c in declared)
    assert {(c.user_id, c.idea_id) for c in declared} <= conflicted

    assert closed.state is RoundState.CLOSED and current.state is RoundState.OPEN
    done = [a for a in closed.assignments if a.state is AssignmentState.ACTIVE]
    assert len(done) == closed.reviews_per_idea * len(closed.entries) == 24
    assert all(a.review and a.review.state is ReviewState.SUBMITTED for a in done)
    assert not any((a.user_id, a.idea_id) in conflicted for a in closed.assignments)

    active = [a for a in current.assignments if a.state is AssignmentState.ACTIVE]
    states = Counter(a.review.state if a.review else None for a in active)
    assert 0.3 <= states[ReviewState.SUBMITTED] / len(active) <= 0.7
    assert states[ReviewState.DRAFT] >= 2 and states[None] >= 2
    checked = {a.id for a in active if a.conflict_checked_at is not None}
    priya = [a for a in active if a.user.email == "panel@example.org"]
    unopened = [a for a in priya if a.review is None and a.id not in checked]
    assert len(unopened) >= 2
    assert any(a.review and a.review.state is ReviewState.SUBMITTED for a in priya)

    submitted = db.session.scalars(
        sa.select(Review).where(Review.state == ReviewState.SUBMITTED)
    ).all()
    scores = {}
    for review in submitted:
        assert review.recommendation and review.confidence and review.comments_for_innovator
        scores.setdefault(review.reviewer.email, []).extend(
            s.score for s in review.scores if s.score is not None
        )
    assert mean(scores[DEMO_LENIENT]) > mean(scores[DEMO_HARSH])
    assert any(s.cannot_score for r in submitted for s in r.scores)
    assert len({r.confidence for r in submitted}) == 3
    split = [
        entry.idea_id
        for entry in closed.entries
        if {r.recommendation.value for r in submitted if r.idea_id == entry.idea_id}
        >= {"progress", "do_not_progress"}
    ]
    assert len(split) >= 2


def test_flask_demo_loads_ideas_in_every_state_and_is_idempotent(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        first = demo_summary()
        ideas = db.session.scalars(sa.select(Idea)).all()
        assert len(ideas) == len(DEMO_IDEAS) >= 40
        assert Counter(i.state for i in ideas).keys() >= {
            S.DRAFT,
            S.SUBMITTED,
            S.IN_TRIAGE,
            S.INFORMATION_REQUESTED,
            S.DECLINED,
            S.WITHDRAWN,
        }
        assert {w.key for i in ideas for w in i.workstreams} == WORKSTREAMS
        assert len({i.owner_id for i in ideas}) >= 5
        org_types = {i.organisation.type for i in ideas}
        assert len(org_types) >= 5 and {t for _, t in DEMO_ORGANISATIONS.values()} >= org_types
        answered = [i for i in ideas if i.questions and i.questions[0].answered_at]
        assert any(i.state is S.IN_TRIAGE for i in answered)
        assert all(i.open_question for i in ideas if i.state is S.INFORMATION_REQUESTED)
        for idea in ideas:
            if idea.state is S.DRAFT:  # half-written, but nothing over a limit
                for section in SECTIONS:
                    form = build_form(section, idea, from_request=False, complete=False)
                    assert form.validate(), (idea.title, section.key, form.errors)
            else:
                assert missing_sections(idea) == [], idea.title
                assert idea.consent_to_share and idea.submitted_at and idea.version_number >= 1
                assert all(status_of(s, idea) is SectionStatus.COMPLETED for s in SECTIONS)

        check_panel_and_rounds()

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    with app.test_request_context():
        assert demo_summary() == first
