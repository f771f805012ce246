"""Demo data for trying the portal locally; `flask demo` loads it and is safe to run twice.

The demo package sits above every part: its ideas (`ideas.py`), panel and rounds (`reviews.py`),
feeds and their offline mirror (`feeds.py`, `feed_copies/`) and the bulk data of `flask demo
--scale` (`scale/`) build on the parts' services and models, while no part imports it; only the
commands in `portal/cli.py` do (tests/test_layering.py checks).
"""

import sqlalchemy as sa

from portal.auth import access_tokens
from portal.auth.access_tokens import Scope
from portal.auth.models import AccessToken, OrganisationType
from portal.auth.roles import Role
from portal.auth.services import create_user, find_or_create_organisation, find_user_by_email
from portal.auth.tokens import digest
from portal.demo.feeds import DEMO_FEEDS
from portal.demo.ideas import DEMO_IDEAS
from portal.demo.reviews import load_demo_reviews
from portal.extensions import db
from portal.horizon.models import Feed
from portal.horizon.services import add_feed
from portal.ideas import services
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, Workstream

DEMO_ORGANISATIONS = {
    "trust": ("Northshire Teaching Hospitals NHS Foundation Trust", OrganisationType.NHS_TRUST),
    "icb": ("NHS Northshire Integrated Care Board", OrganisationType.ICB),
    "psc": ("Northshire Patient Safety Collaborative", OrganisationType.OTHER),
    "company": ("Brightwell Digital Health Ltd", OrganisationType.COMPANY),
    "eastmoor": ("Eastmoor and Dale Hospitals NHS Trust", OrganisationType.NHS_TRUST),
    "southmere": (
        "Southmere University Hospitals NHS Foundation Trust",
        OrganisationType.NHS_TRUST,
    ),
    "westvale": ("Westvale Mental Health NHS Foundation Trust", OrganisationType.NHS_TRUST),
    "ambulance": ("Northshire Ambulance Service NHS Trust", OrganisationType.AMBULANCE),
    "practice": ("Harbourside Medical Practice", OrganisationType.PRIMARY_CARE),
    "care_home": ("Oakfield House Care Home", OrganisationType.CARE_HOME),
    "public": ("Patient and carer (Northshire)", OrganisationType.PATIENT_OR_PUBLIC),
}

# role, email, name, organisation key, password (printed by `flask demo`)
DEMO_USERS = [
    (
        Role.INNOVATOR,
        "innovator@example.org",
        "Ifeoma Innovator",
        "trust",
        "demo-innovator-lantern-42",
    ),
    (Role.PANEL_MEMBER, "panel@example.org", "Priya Panel", "icb", "demo-panel-harbour-57"),
    (Role.PROGRAMME_LEAD, "lead@example.org", "Liam Lead", "psc", "demo-lead-meadow-83"),
    (Role.ADMIN, "admin@example.org", "Ada Admin", "psc", "demo-admin-compass-19"),
]
DEMO_LEAD = "lead@example.org"

# Who shares the demo ideas (the keys are DEMO_IDEAS' "innovator"): the innovator account
# above, and these (key, email, name, organisation key, password).
DEMO_MAIN_INNOVATOR = ("ifeoma", "innovator@example.org")
DEMO_INNOVATORS = [
    ("rhiannon", "midwife@example.org", "Rhiannon Pryce", "eastmoor", "demo-innovator-willow-31"),
    ("aisha", "sepsis.nurse@example.org", "Aisha Rahman", "southmere", "demo-innovator-beacon-26"),
    ("kwame", "mh.nurse@example.org", "Kwame Mensah", "westvale", "demo-innovator-heron-74"),
    ("owen", "paramedic@example.org", "Owen Lloyd", "ambulance", "demo-innovator-canal-58"),
    ("sunita", "gp.pharmacist@example.org", "Sunita Rao", "practice", "demo-innovator-pebble-63"),
    (
        "bernadette",
        "care.home@example.org",
        "Bernadette Quinn",
        "care_home",
        "demo-innovator-thistle-15",
    ),
    ("marcus", "product@example.org", "Marcus Hale", "company", "demo-innovator-orbit-88"),
    ("joanne", "carer@example.org", "Joanne Whitfield", "public", "demo-innovator-kestrel-47"),
]

# What the demo ideas may say besides their answers: where they end up and how they got there.
LIFECYCLE_KEYS = ("innovator", "state", "question", "revised", "answer", "reason")


def load_demo():
    """Create the demo users, ideas, panel and review rounds; return (role, email, password)."""
    organisations = {
        key: find_or_create_organisation(name, type_)
        for key, (name, type_) in DEMO_ORGANISATIONS.items()
    }
    accounts = []
    for role, email, name, org_key, password in DEMO_USERS:
        if find_user_by_email(email) is None:
            create_user(email, name, password, organisations[org_key], roles=[role])
        accounts.append((role.label, email, password))
    key, email = DEMO_MAIN_INNOVATOR
    innovators = {key: find_user_by_email(email)}
    for key, email, name, org_key, password in DEMO_INNOVATORS:
        innovators[key] = find_user_by_email(email) or create_user(
            email, name, password, organisations[org_key], roles=[Role.INNOVATOR]
        )
    lead = find_user_by_email(DEMO_LEAD)
    load_demo_ideas(innovators, lead)  # emailed links come from PUBLIC_URL: no request needed
    load_demo_reviews(organisations, lead)
    load_demo_feeds(lead)
    return accounts


# The lead's API token in the demo, known (as the demo's passwords are) so the README's curl
# example works against `make run`.
DEMO_TOKEN = "sp_pat_demo-lead-token-for-the-readme-example-only"


def load_demo_token() -> str | None:
    """Give the demo lead a working API token with every scope; return its secret (None
    without the demo lead)."""
    existing = db.session.scalar(
        sa.select(AccessToken).where(AccessToken.token_hash == digest(DEMO_TOKEN))
    )
    if existing is not None and access_tokens.is_live(existing):
        return DEMO_TOKEN
    if existing is not None:  # expired or revoked: made again
        db.session.delete(existing)
        db.session.flush()
    lead = find_user_by_email(DEMO_LEAD)
    if lead is None:
        return None
    access_tokens.create(lead, "Demo: the README's example", tuple(Scope), 365, secret=DEMO_TOKEN)
    return DEMO_TOKEN


def load_demo_feeds(lead) -> int:
    """Register the demo feeds at their real addresses (see feeds.py for the offline
    mirror); due at once, so the worker scans them. Return how many were added."""
    known = set(db.session.scalars(sa.select(Feed.url)))
    added = 0
    for demo in DEMO_FEEDS:
        if demo.url not in known:
            values = {"url": demo.url, "name": demo.name, "description": demo.description}
            add_feed(lead, values)
            added += 1
    return added


def load_demo_ideas(innovators: dict, lead) -> int:
    """Take each demo idea to its state through the idea services; return how many were added."""
    workstreams = {w.key: w for w in db.session.scalars(sa.select(Workstream))}
    added = 0
    for spec in DEMO_IDEAS:
        owner = innovators[spec["innovator"]]
        if _has_idea_called(owner, spec["title"]):
            continue
        _load_idea(spec, owner, lead, workstreams)
        added += 1
    return added


def _has_idea_called(owner, title) -> bool:
    query = sa.select(Idea.id).filter_by(owner_id=owner.id, title=title)
    return db.session.scalar(query) is not None


def _load_idea(spec: dict, owner, lead, workstreams: dict) -> Idea:
    target = IdeaState(spec["state"])
    answers = {name: value for name, value in spec.items() if name not in LIFECYCLE_KEYS}
    answers["workstreams"] = [workstreams[key] for key in answers.get("workstreams", [])]
    answers["consent_to_share"] = target is not IdeaState.DRAFT
    idea = services.create_draft(owner)
    services.save_answers(idea, owner, answers)
    if target is IdeaState.DRAFT:
        return idea
    services.submit_idea(idea, owner, missing_sections=[])
    if target in (IdeaState.IN_TRIAGE, IdeaState.INFORMATION_REQUESTED):
        services.accept_into_triage(idea, lead)
    if "question" in spec:
        services.ask_question(idea, lead, spec["question"])
    if "revised" in spec:
        services.save_answers(idea, owner, spec["revised"])
    if "answer" in spec:
        services.answer_question(idea, owner, spec["answer"])
    if target is IdeaState.DECLINED:
        services.decline_idea(idea, lead, spec["reason"])
    elif target is IdeaState.WITHDRAWN:
        services.withdraw_idea(idea, owner, spec["reason"])
    if idea.state is not target:
        raise ValueError(f"demo idea {spec['title']!r} ended {idea.state}, not {target}")
    return idea
