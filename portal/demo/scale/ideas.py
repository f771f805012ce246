"""Synthetic ideas: where each one got to, when, in what words, and its timeline.

Each idea follows a plan (its final state and the moves that took it there); the share of
ideas taken forward depends a little on the type of organisation, so the equity lens has
something to show.
"""

import random
from datetime import timedelta

import sqlalchemy as sa

from portal.auth.models import OrganisationType as Org
from portal.demo.scale import words
from portal.demo.scale.bulk import insert_rows
from portal.demo.scale.reviews import ROUND_NAME
from portal.extensions import db
from portal.ideas import choices
from portal.ideas.lifecycle import IdeaState as S
from portal.ideas.models import (
    CONTENT_FIELDS,
    Idea,
    IdeaEvent,
    IdeaQuestion,
    IdeaSource,
    IdeaVersion,
    idea_workstreams,
)
from portal.ideas.reference import PATTERN, format_reference, period_of
from portal.pipeline.models import Decision

# plan: (final state, moves after submission, share of ideas)
PLANS = {
    "submitted": (S.SUBMITTED, (), 0.20),
    "in_triage": (S.IN_TRIAGE, ("accepted",), 0.17),
    "question": (S.INFORMATION_REQUESTED, ("accepted", "question_asked"), 0.05),
    "in_review": (S.IN_REVIEW, ("accepted", "review_started"), 0.30),
    "shortlisted": (S.SHORTLISTED, ("accepted", "review_started", "shortlisted"), 0.06),
    "in_pilot": (S.IN_PILOT, ("accepted", "review_started", "shortlisted", "in_pilot"), 0.035),
    "adopted": (
        S.ADOPTED,
        ("accepted", "review_started", "shortlisted", "in_pilot", "adopted"),
        0.015,
    ),
    "declined_early": (S.DECLINED, ("accepted", "declined"), 0.08),
    "declined_after_review": (S.DECLINED, ("accepted", "review_started", "declined"), 0.06),
    "withdrawn": (S.WITHDRAWN, ("accepted", "withdrawn"), 0.03),
}
SUCCESS_PLANS = {"shortlisted", "in_pilot", "adopted"}
MOVES = {
    "accepted": S.IN_TRIAGE,
    "question_asked": S.INFORMATION_REQUESTED,
    "review_started": S.IN_REVIEW,
    "shortlisted": S.SHORTLISTED,
    "in_pilot": S.IN_PILOT,
    "adopted": S.ADOPTED,
    "declined": S.DECLINED,
    "withdrawn": S.WITHDRAWN,
}
# How much more (or less) often ideas from each type of organisation are taken forward.
SUCCESS_BIAS = {
    Org.NHS_TRUST: 1.3,
    Org.UNIVERSITY: 1.1,
    Org.COMPANY: 0.6,
    Org.CARE_HOME: 0.7,
    Org.PATIENT_OR_PUBLIC: 0.5,
    Org.CHARITY: 0.8,
}


def _plan_for(rng, organisation_type) -> str:
    bias = SUCCESS_BIAS.get(organisation_type, 1.0)
    names = list(PLANS)
    weights = [PLANS[p][2] * (bias if p in SUCCESS_PLANS else 1) for p in names]
    return rng.choices(names, weights)[0]


def _days(rng, low, high) -> timedelta:
    return timedelta(days=rng.uniform(low, high))


def make_idea(rng, owner, workstreams, now, opened, closed) -> dict:
    """One idea's row, its plan and the times of its moves (references come later)."""
    plan = _plan_for(rng, owner["type"])
    state, moves, _ = PLANS[plan]
    times = {}
    if "review_started" in moves:
        times["review_started"] = opened
        times["accepted"] = opened - _days(rng, 1, 90)
        after = closed
        for move in moves[moves.index("review_started") + 1 :]:
            after = times[move] = after + _days(rng, 1, 12)
    else:
        ranges = {
            "submitted": (0.1, 28),
            "in_triage": (1, 150),
            "question": (1, 45),
            "declined_early": (3, 400),
            "withdrawn": (5, 300),
        }
        last = now - _days(rng, *ranges[plan])
        for move in reversed(moves):
            times[move] = last
            last -= _days(rng, 1, 12)
    first = times[moves[0]] if moves else now - _days(rng, 0.1, 28)
    submitted = first - _days(rng, 0.5, 14) if moves else first
    created = submitted - _days(rng, 0.2, 40)
    topic = rng.choice(words.TOPICS)
    chosen = [k for k in topic.workstreams if k in workstreams][: rng.randint(1, 2)]
    return {
        "plan": plan,
        "moves": moves,
        "times": times,
        "owner": owner,
        "workstreams": [workstreams[k] for k in chosen],
        "workstream_keys": sorted(chosen),
        "row": _answers(rng, topic)
        | {
            "owner_id": owner["id"],
            "organisation_id": owner["organisation_id"],
            "source": IdeaSource.SUBMISSION,
            "state": state,
            "consent_to_share": True,
            "consent_at": submitted - timedelta(minutes=5),
            "created_at": created,
            "updated_at": times[moves[-1]] if moves else submitted,
            "submitted_at": submitted,
            "version_number": 1,
        },
    }


def _answers(rng, topic) -> dict:
    """The idea's text: a topic, an intervention and seeded details."""
    fix = rng.choice(words.INTERVENTIONS)
    stage = rng.choice(list(words.EVIDENCE_BY_STAGE))
    involvement = rng.choice(list(words.INVOLVEMENT_DETAIL))
    populations = sorted(rng.sample(list(choices.CORE20PLUS5_GROUPS), rng.choice((0, 0, 1, 1, 2))))
    areas = sorted(rng.sample(list(choices.CLINICAL_AREAS), rng.choice((0, 0, 0, 1))))
    slots = {
        "fix": fix.description,
        "Fix": fix.description[0].upper() + fix.description[1:],
        "harm": topic.harm,
        "Harm": topic.harm.capitalize(),
        "who": topic.who,
        "place": topic.place,
    }
    origin = f"The idea came from {rng.choice(words.TEAMS)} in {rng.choice(words.PLACES)}."
    return {
        "title": f"{fix.title} to reduce {topic.harm} {topic.place}"[:150],
        "summary": f"{rng.choice(words.SUMMARIES).format(**slots)} {origin} "
        f"{rng.choice(words.OPENINGS)}",
        "problem_harm": " ".join(
            [rng.choice(words.HARMS).format(**slots), *rng.sample(words.CONSEQUENCES, 2)]
        ),
        "problem_who": topic.who.capitalize() + ".",
        "problem_frequency": f"{rng.choice(words.FREQUENCIES)} {rng.choice(words.UNITS)}.",
        "problem_evidence": " ".join(rng.sample(words.EVIDENCE_OF_PROBLEM, 2)),
        "proposed_change": " ".join(
            [rng.choice(words.CHANGES).format(**slots), *rng.sample(words.STEPS, 2)]
        ),
        "development_stage": stage,
        "evidence": words.EVIDENCE_BY_STAGE[stage],
        "care_settings": list(topic.settings),
        "populations": populations,
        "clinical_areas": areas,
        "inequalities": words.INEQUALITY_TEXT if populations or areas else None,
        "involvement_level": involvement,
        "involvement_detail": words.INVOLVEMENT_DETAIL[involvement],
        "outcome_measures": topic.measure.capitalize() + ".",
        "process_measures": f"Percentage of patients for whom {fix.description} was used.",
        "balancing_measures": rng.choice(words.BALANCING),
        "resources_needed": rng.choice(words.RESOURCES),
        "innovator_role": rng.choice(words.ROLES),
    }


def number_ideas(ideas):
    """Give each idea the next reference of the month its draft was started, as the service
    does, after any idea already numbered in that month."""
    taken: dict[str, int] = {}
    for reference in db.session.scalars(sa.select(Idea.reference)):
        match = PATTERN.match(reference)
        if match:
            taken[match.group(1)] = max(taken.get(match.group(1), 0), int(match.group(2)))
    ideas.sort(key=lambda idea: idea["row"]["created_at"])
    for idea in ideas:
        period = period_of(idea["row"]["created_at"])
        taken[period] = taken.get(period, 0) + 1
        idea["row"]["reference"] = format_reference(period, taken[period])


def add_timelines(ideas, lead_id) -> list[dict]:
    """Add version 1, workstream links, timeline events and open questions; return the rows
    of the leads' decisions after the round, for `add_decisions` once the reviews exist."""
    versions, links, events, questions, decisions = [], [], [], [], []
    for idea in ideas:
        row, owner_id, idea_id = idea["row"], idea["owner"]["id"], idea["id"]
        content = {name: row[name] for name in CONTENT_FIELDS}
        content["workstreams"] = idea["workstream_keys"]
        versions.append(
            {
                "idea_id": idea_id,
                "number": 1,
                "created_at": row["submitted_at"],
                "created_by_id": owner_id,
                "content": content,
            }
        )
        links += [{"idea_id": idea_id, "workstream_id": w} for w in idea["workstreams"]]
        events.append(
            _event(idea_id, "created", None, None, row["created_at"], owner_id, "Draft started")
        )
        events.append(
            _event(
                idea_id,
                "submitted",
                S.DRAFT,
                S.SUBMITTED,
                row["submitted_at"],
                owner_id,
                "Idea submitted",
            )
        )
        state = S.SUBMITTED
        for n, move in enumerate(idea["moves"]):
            at, target = idea["times"][move], MOVES[move]
            actor = owner_id if move == "withdrawn" else lead_id
            message = _message(idea, move, n)
            decided = "review_started" in idea["moves"][:n]  # as portal.pipeline.decisions
            kind = "decided" if decided else move
            events.append(_event(idea_id, kind, state, target, at, actor, message))
            if move == "question_asked":
                questions.append(
                    {
                        "idea_id": idea_id,
                        "asked_by_id": lead_id,
                        "asked_at": at,
                        "question": message,
                        "return_state": state,
                    }
                )
            if decided:
                decisions.append(
                    {
                        "idea_id": idea_id,
                        "from_state": state,
                        "to_state": target,
                        "workstream_id": idea["workstreams"][0]
                        if target is S.ADOPTED and idea["workstreams"]
                        else None,
                        "rationale": message,
                        "decided_by_id": lead_id,
                        "decided_at": at,
                        "scores": {},
                        "released_feedback": [],
                    }
                )
            state = target
    for model, rows in (
        (IdeaVersion, versions),
        (IdeaEvent, events),
        (IdeaQuestion, questions),
        (idea_workstreams, links),
    ):
        if rows:
            insert_rows(model, rows)
    return decisions


def add_decisions(decisions: list[dict], feedback: dict[int, list]) -> None:
    """Add the decisions; the first after the round releases the reviewers' comments for
    the innovator (`feedback`, per idea), as a lead's decision does."""
    released = set()
    for decision in decisions:  # in time order within each idea
        if decision["idea_id"] not in released:
            decision["released_feedback"] = feedback.get(decision["idea_id"], [])
            released.add(decision["idea_id"])
    if decisions:
        insert_rows(Decision, decisions)


def _message(idea, move, n):
    pick = random.Random(idea["id"] * 31 + n).choice
    return {
        "accepted": "Accepted for checking",
        "question_asked": pick(words.QUESTIONS),
        "review_started": f"Added to review round '{ROUND_NAME}'",
        "declined": pick(
            words.DECLINE_AFTER_REVIEW if "review_started" in idea["moves"] else words.DECLINE_EARLY
        ),
        "withdrawn": pick(words.WITHDRAW),
    }.get(move) or words.RATIONALE.get(move)


def _event(idea_id, kind, from_state, to_state, at, actor_id, message) -> dict:
    return {
        "idea_id": idea_id,
        "kind": kind,
        "from_state": from_state,
        "to_state": to_state,
        "at": at,
        "actor_id": actor_id,
        "message": message,
        "visible_to_innovator": True,
    }
