"""`flask demo --scale N`: N synthetic ideas, their innovators and a big closed review round.

This is load-test data, so rows go in with bulk INSERTs rather than through the per-idea
services, but they are as consistent as the services would leave them: a valid, unique
reference for each idea (numbered after any idea already in its month), version 1 of its text,
a timeline event for every move and an open question where one is waiting; three active
assignments per reviewed idea, each with a submitted review of the idea's version 1 that scores
every criterion of the current rubric; lead decisions after the round. The snapshots are then
recomputed once. Every organisation made here ends its name with MARK: finding one means the
scale data is already there, and a second run adds nothing. All names are invented; seeded.
"""

import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from portal import audit
from portal.auth import passwords
from portal.auth.models import Organisation
from portal.auth.roles import Role
from portal.auth.services import find_user_by_email
from portal.clock import utcnow
from portal.demo.scale import ideas as idea_rows
from portal.demo.scale import people
from portal.demo.scale.bulk import ids_by, insert_rows
from portal.demo.scale.people import MARK
from portal.demo.scale.reviews import ROUND_NAME, add_reviews, add_round
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, Workstream
from portal.pipeline.snapshots import refresh_snapshots

__all__ = ["MARK", "ROUND_NAME", "ScaleSummary", "load_scale_demo", "scale_data_exists"]
LEAD_EMAIL = "lead@example.org"  # the demo lead, when `flask demo` has made it
PANEL_SIZE, PANEL_ORGANISATIONS = 40, 12


@dataclass
class ScaleSummary:
    ideas: int
    by_state: dict
    organisations: int
    innovators: int
    panel: int
    reviews: int
    snapshots: int
    scoring_seconds: float  # the one refresh of the score snapshots


def scale_data_exists() -> bool:
    query = sa.select(Organisation.id).where(Organisation.name.endswith(MARK)).limit(1)
    return db.session.scalar(query) is not None


def load_scale_demo(n_ideas: int, seed: int = 2026) -> ScaleSummary | None:
    """Add `n_ideas` synthetic ideas and all that hangs off them; None if already there."""
    if scale_data_exists():
        return None
    rng, now = random.Random(seed), utcnow()
    lead = find_user_by_email(LEAD_EMAIL)
    lead_id = lead.id if lead else None
    workstreams = {w.key: w.id for w in db.session.scalars(sa.select(Workstream))}
    # Nobody knows this password: the synthetic people exist to be counted, not to sign in.
    password_hash = passwords.hash_password(secrets.token_urlsafe(32))

    n_orgs = max(8, min(160, n_ideas // 30))
    used = set()
    organisations = people.organisations(
        rng, n_orgs, list(people.ORGANISATION_MIX), people.ORGANISATION_MIX, used
    )
    panel_orgs = people.organisations(
        rng, PANEL_ORGANISATIONS, people.PANEL_TYPES, dict.fromkeys(people.PANEL_TYPES, 1), used
    )
    innovators = people.users(
        rng, max(10, min(320, n_ideas // 16)), "innovator", organisations, password_hash, now
    )
    panel = people.users(rng, PANEL_SIZE, "panel", panel_orgs, password_hash, now)
    people.grant(innovators, Role.INNOVATOR, now)
    people.grant(panel, Role.PANEL_MEMBER, now)
    partners = set(rng.sample([p["id"] for p in panel], PANEL_SIZE // 4))
    people.panel_profiles(rng, panel, partners, list(workstreams), now)

    opened, closed = now - timedelta(days=90), now - timedelta(days=50)
    # a few people share many ideas, most share one or two
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(innovators))]
    owners = rng.choices(innovators, weights, k=n_ideas)
    ideas = [idea_rows.make_idea(rng, owner, workstreams, now, opened, closed) for owner in owners]
    idea_rows.number_ideas(ideas)
    insert_rows(Idea, [idea["row"] for idea in ideas])
    ours = Idea.organisation_id.in_([o["id"] for o in organisations])
    ids = ids_by(Idea.reference, Idea.id, ours)
    for idea in ideas:
        idea["id"] = ids[idea["row"]["reference"]]
    decisions = idea_rows.add_timelines(ideas, lead_id)

    round_id = add_round(ideas, panel, lead_id, opened, closed)
    feedback = add_reviews(rng, ideas, panel, partners, round_id, opened, closed, lead_id)
    idea_rows.add_decisions(decisions, feedback)
    audit.record(lead, "demo.scale_loaded", object_type="ideas", ideas=n_ideas)
    started = time.perf_counter()
    snapshots = refresh_snapshots(lead, "scale demo data loaded", inline=True)
    scoring_seconds = time.perf_counter() - started
    if db.engine.dialect.name == "postgresql":
        # fresh statistics after a bulk load, as PostgreSQL's manual advises (autovacuum may be
        # off or not yet round): planned on none, a pipeline page's 50 rows were JIT-compiled
        # at 50,000 ideas, 35 ms instead of 2
        db.session.execute(sa.text("ANALYZE"))
    counts = Counter(idea["row"]["state"] for idea in ideas)
    return ScaleSummary(
        ideas=n_ideas,
        by_state={state: counts[state] for state in IdeaState if counts[state]},
        organisations=len(organisations) + len(panel_orgs),
        innovators=len(innovators),
        panel=len(panel),
        reviews=sum(len(comments) for comments in feedback.values()),
        snapshots=snapshots,
        scoring_seconds=scoring_seconds,
    )
