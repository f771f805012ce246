# ruff: noqa: E501 (prose and one panel member a line read better than wrapped strings)
"""Demo panel review for `flask demo`: twelve panel members, their conflicts, and two rounds.

The panel is plain data: members from NHS trusts, an ICB, a GP surgery, a university and the
ambulance service (five share an organisation with a demo innovator, so automatic conflicts
exist), four patient and carer partners, and three declared conflicts. "Autumn 2026 panel" is
closed with every review in; "Winter 2026 panel" is open and about half done. Rounds are built
through the real services. Scores are seeded: each idea has a true quality (or two, for ideas
the panel splits on), each reviewer a leniency, and every score some noise.
All people, organisations and opinions are invented.
"""

import random
from datetime import timedelta

import sqlalchemy as sa

from portal.auth.models import OrganisationType as Org
from portal.auth.roles import Role
from portal.auth.services import create_user, find_or_create_organisation, find_user_by_email
from portal.clock import LONDON, utcnow
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea
from portal.ideas.services import accept_into_triage
from portal.pipeline.snapshots import deferred_snapshots
from portal.reviews.conflict_check import confirm_no_conflict
from portal.reviews.conflicts import declare_conflict
from portal.reviews.models import Conflict, ConflictKind, ReviewRound
from portal.reviews.panel import panel_profile, save_panel_profile
from portal.reviews.reviewing import ReviewAnswers, save_review
from portal.reviews.rounds import assign_manually, auto_assign, close_round, open_round

# Panel members' organisations that no demo innovator belongs to (keys beside DEMO_ORGANISATIONS).
PANEL_ORGANISATIONS = {
    "university": ("University of Northshire", Org.UNIVERSITY),
    "millbrook": ("Millbrook Surgery", Org.PRIMARY_CARE),
    "mnvp": ("Northshire Maternity and Neonatal Voices Partnership", Org.PATIENT_OR_PUBLIC),
    "mind": ("Northshire Mind", Org.CHARITY),
    "carers": ("Northshire Carers Centre", Org.CHARITY),
    "kidney": ("Northshire Kidney Patients' Association", Org.CHARITY),
}

# email, name, organisation key, workstreams, care settings, patient or carer partner,
# expertise, password (None: the account is one of demo.py's DEMO_USERS)
DEMO_PANEL = [
    (
        "panel@example.org",
        "Priya Panel",
        "icb",
        ["medicines_safety", "system_safety"],
        ["primary_care", "community", "system_wide"],
        False,
        "Lead pharmacist for medicines optimisation at the ICB; chairs the area's medication safety group.",
        None,
    ),
    (
        "tom.okafor@example.org",
        "Tom Okafor",
        "trust",
        ["managing_deterioration", "system_safety"],
        ["acute_hospital"],
        False,
        "Consultant in acute medicine and the trust's deteriorating patient lead.",
        "demo-panel-juniper-21",
    ),
    (
        "helen.marsh@example.org",
        "Helen Marsh",
        "eastmoor",
        ["maternity_neonatal"],
        ["maternity", "neonatal"],
        False,
        "Director of midwifery and the trust board's maternity safety champion.",
        "demo-panel-saffron-34",
    ),
    (
        "gareth.evans@example.org",
        "Gareth Evans",
        "westvale",
        ["mental_health", "medicines_safety"],
        ["mental_health"],
        False,
        "Consultant psychiatrist on acute adult wards, with an interest in physical health and prescribing.",
        "demo-panel-granite-45",
    ),
    (
        "nadia.kowalski@example.org",
        "Nadia Kowalski",
        "university",
        ["system_safety", "managing_deterioration"],
        ["acute_hospital", "system_wide"],
        False,
        "Professor of improvement science; evaluates patient safety interventions and teaches measurement for improvement.",
        "demo-panel-lichen-56",
    ),
    (
        "daniel.reyes@example.org",
        "Daniel Reyes",
        "ambulance",
        ["managing_deterioration", "system_safety"],
        ["ambulance", "acute_hospital", "community"],
        False,
        "Consultant paramedic leading clinical safety and handover improvement.",
        "demo-panel-bramble-67",
    ),
    (
        "fiona.campbell@example.org",
        "Fiona Campbell",
        "southmere",
        ["medicines_safety"],
        ["acute_hospital"],
        False,
        "Chief pharmacist; leads electronic prescribing and insulin safety work.",
        "demo-panel-cobalt-78",
    ),
    (
        "rachel.adeyemi@example.org",
        "Rachel Adeyemi",
        "millbrook",
        ["medicines_safety", "managing_deterioration"],
        ["primary_care", "care_homes", "community"],
        False,
        "GP partner, care home lead and clinical director of a primary care network.",
        "demo-panel-marigold-89",
    ),
    (
        "margaret.ellis@example.org",
        "Margaret Ellis",
        "mnvp",
        ["maternity_neonatal"],
        ["maternity", "neonatal"],
        True,
        "Chairs the Maternity and Neonatal Voices Partnership; mother of two, one born prematurely.",
        "demo-panel-thimble-12",
    ),
    (
        "david.osei@example.org",
        "David Osei",
        "mind",
        ["mental_health", "system_safety"],
        ["mental_health", "community"],
        True,
        "Peer support worker with lived experience of inpatient mental health care.",
        "demo-panel-copper-23",
    ),
    (
        "susan.clarke@example.org",
        "Susan Clarke",
        "carers",
        ["managing_deterioration", "system_safety"],
        ["care_homes", "acute_hospital", "community"],
        True,
        "Carer for her mother, who has dementia; volunteers with the carers centre's hospital discharge group.",
        "demo-panel-meadowsweet-34",
    ),
    (
        "ahmed.hussain@example.org",
        "Ahmed Hussain",
        "kidney",
        ["medicines_safety"],
        ["acute_hospital", "primary_care"],
        True,
        "Kidney transplant recipient who manages many medicines; patient reviewer for research funders.",
        "demo-panel-lantern-45",
    ),
]
# Each reviewer's habit: added to every score they give (before rounding to 1 to 5).
LENIENCY = {"daniel.reyes@example.org": 1.0, "nadia.kowalski@example.org": -1.0}
DEMO_LENIENT, DEMO_HARSH = "daniel.reyes@example.org", "nadia.kowalski@example.org"

# member's email, start of the idea's title, kind, detail
DEMO_CONFLICTS = [
    (
        "margaret.ellis@example.org",
        "'Fresh eyes' CTG review",
        ConflictKind.COLLABORATOR,
        "I helped the Eastmoor voices partnership word the escalation script with the two mothers named in the idea.",
    ),
    (
        "rachel.adeyemi@example.org",
        "DOAC dose checks",
        ConflictKind.LINE_MANAGEMENT,
        "As clinical director of the primary care network I supervise its clinical pharmacists, including the author.",
    ),
    (
        "susan.clarke@example.org",
        "Soft signs and NEWS2 (RESTORE2)",
        ConflictKind.PERSONAL,
        "My mother lives at Oakfield House.",
    ),
]

# Each round's ideas by the start of their title, with their true quality on the rubric's 1
# to 5 scale; a pair (low, high) is an idea the panel splits on, reviewers taking turns.
DEMO_ROUNDS = [
    {
        "name": "Autumn 2026 panel",
        "seed": 2026_09,
        "days_to_deadline": 1,
        "reveal_after_submit": True,
        "ideas": {
            "Postpartum haemorrhage risk reassessed": 4.2,
            "'Fresh eyes' CTG review": 3.9,
            "Sepsis screening prompt at emergency department triage": 4.4,
            "Electronic prescribing alert when a dose of insulin": 2.3,
            "Shared lithium monitoring record": (1.6, 4.3),
            "Reducing restraint on acute mental health wards": (1.6, 4.4),
            "A 'something's not right' card": (1.5, 4.5),
            "Referring patients to their community pharmacy": 3.1,
        },
        "submitted": 1.0,
        "drafts": 0,
        "close": True,
    },
    {
        "name": "Winter 2026 panel",
        "seed": 2026_12,
        "days_to_deadline": 21,
        "reveal_after_submit": False,
        "ideas": {
            "Call for Concern": (1.5, 4.5),
            "Supporting people to give their own insulin": 3.9,
            "DOAC dose checks": 3.5,
            "Valproate safety": 3.0,
            "Soft signs and NEWS2 (RESTORE2)": 4.0,
            "Safety plans written with the person before discharge": 3.8,
            "Opioid stewardship after surgery": 3.4,
            "Pulse oximetry and a personalised rescue pack": 2.5,
        },
        # The lead gave Priya these three by hand; she has submitted the first and not yet
        # opened the others (the browser test declares a conflict on one).
        "manual": (
            "panel@example.org",
            ["DOAC dose checks", "Valproate safety", "Opioid stewardship after surgery"],
        ),
        "submitted": 0.5,
        "drafts": 3,
        "close": False,
    },
]

# What an idea's own answers say about two criteria, on the rubric's scale.
INVOLVEMENT_SCORE = {"none": 1.3, "consulted": 3.0, "co_designed": 4.0, "co_led": 4.8}
STAGE_SCORE = {
    "idea": 1.8,
    "prototype": 2.6,
    "piloted_locally": 3.3,
    "evaluated": 4.0,
    "in_use_elsewhere": 3.8,
}
# Criteria patient partners may feel unable to judge.
TECHNICAL = {"qi_capability", "measurement", "evidence"}
ADVICE = {
    "inequalities": "Say which groups are least well served now, and how you would measure the gap.",
    "co_design": "Involve patients and carers in shaping the next version, not only in commenting on it.",
    "safety_culture": "Think about how staff will feel able to speak up when the change is not working.",
    "networks": "Name partner organisations that could test it with you.",
    "clinical_leadership": "Name a clinical lead for each profession involved.",
    "qi_capability": "Use a recognised improvement method, such as PDSA cycles, and build your team's skills as you go.",
    "measurement": "Add a baseline and a balancing measure so you can show improvement over time.",
    "pipeline": "Set out the steps from a local test to adoption elsewhere.",
    "safety_impact": "Estimate how many people would be spared harm each year.",
    "evidence": "Share the data from your pilot, even if it is small.",
    "feasibility": "Be specific about the staff time and costs you would need.",
    "scalability": "Describe what another organisation would need in order to adopt it.",
}
OPENINGS = {
    "progress": [
        "A clear, well-argued idea that tackles a serious harm.",
        "A strong proposal with a credible plan to test it.",
        "The problem is well evidenced and the change is practical.",
    ],
    "progress_with_changes": [
        "There is a lot to like here, but the plan needs more detail.",
        "A promising idea; some parts need strengthening first.",
        "Worth pursuing, with a sharper plan.",
    ],
    "do_not_progress": [
        "I could not see enough evidence that this would reduce harm as described.",
        "The problem is real, but I am not convinced this change would address it.",
        "This overlaps with work already under way nationally.",
    ],
}
FOR_PANEL = {
    "progress": [
        "Strong candidate; I would rank it near the top.",
        "Clear safety benefit at modest cost.",
        "",
    ],
    "progress_with_changes": [
        "Worth supporting if the measures are tightened.",
        "Good idea, but the plan is thin.",
        "",
    ],
    "do_not_progress": [
        "Not ready: the lead could ask for pilot data.",
        "I would not fund this as it stands.",
        "",
    ],
}


def load_demo_reviews(organisations: dict, lead) -> int:
    """Create the panel, its conflicts and the demo rounds; return how many rounds were added."""
    organisations = organisations | {
        key: find_or_create_organisation(name, type_)
        for key, (name, type_) in PANEL_ORGANISATIONS.items()
    }
    members = [_panel_member(organisations, *spec) for spec in DEMO_PANEL]
    by_email = {m.email: m for m in members}
    for email, title, kind, detail in DEMO_CONFLICTS:
        member, idea = by_email[email], idea_called(title)
        query = sa.select(Conflict.id).filter_by(user_id=member.id, idea_id=idea.id, kind=kind)
        if db.session.scalar(query) is None:
            declare_conflict(member, idea, kind, detail)
    added = 0
    # Scores are recomputed once at the end, not after each of the demo's reviews.
    with deferred_snapshots(lead, "demo reviews loaded"):
        for spec in DEMO_ROUNDS:
            if db.session.scalar(sa.select(ReviewRound.id).filter_by(name=spec["name"])) is None:
                _load_round(spec, members, by_email, lead)
                added += 1
    return added


def idea_called(start: str) -> Idea:
    """The one demo idea whose title starts with `start`."""
    return db.session.scalars(
        sa.select(Idea).where(Idea.title.startswith(start, autoescape=True))
    ).one()


def _panel_member(organisations, email, name, org, workstreams, settings, partner, about, password):
    user = find_user_by_email(email) or create_user(
        email, name, password, organisations[org], roles=[Role.PANEL_MEMBER]
    )
    if panel_profile(user) is None:
        save_panel_profile(
            user,
            workstreams=workstreams,
            care_settings=settings,
            is_patient_partner=partner,
            expertise=about,
        )
    return user


def _load_round(spec, members, by_email, lead) -> ReviewRound:
    ideas = [idea_called(title) for title in spec["ideas"]]
    for idea in ideas:
        if idea.state is IdeaState.SUBMITTED:
            accept_into_triage(idea, lead)
    today = utcnow().astimezone(LONDON).date()
    round_ = open_round(
        lead,
        name=spec["name"],
        deadline=today + timedelta(days=spec["days_to_deadline"]),
        ideas=ideas,
        panel=members,
        reviews_per_idea=3,
        blind=True,
        reveal_after_submit=spec["reveal_after_submit"],
        require_patient_partner=True,
    )
    email, titles = spec.get("manual", (None, []))
    for title in titles:
        assign_manually(round_, idea_called(title), by_email[email], lead)
    result = auto_assign(round_, lead)
    if not result.feasible:
        raise ValueError(f"demo round {spec['name']!r}: {result.message}")
    _write_reviews(spec, round_)
    if spec["close"]:
        close_round(round_, lead)
    return round_


def _write_reviews(spec, round_):
    """Submit about spec["submitted"] of the round's reviews and save a few drafts; of the
    lead's manual assignments, submit the first and leave the rest unopened."""
    rng = random.Random(spec["seed"])
    assignments = sorted(round_.assignments, key=lambda a: a.id)
    manual = [a for a in assignments if not a.automatic]
    others = [a for a in assignments if a.automatic]
    rng.shuffle(others)
    n_submit = round(spec["submitted"] * len(assignments)) - len(manual[:1])
    n_draft = n_submit + spec["drafts"]
    plan = [(a, "submit") for a in manual[:1] + others[:n_submit]]
    plan += [(a, "draft") for a in others[n_submit:n_draft]]
    # Some members have passed the conflict check but not started yet.
    plan += [(a, "checked") for a in others[n_draft:] if rng.random() < 0.4]
    criteria = round_.rubric.criteria
    offsets = {
        entry.idea_id: {c.key: rng.uniform(-0.6, 0.6) for c in criteria} for entry in round_.entries
    }
    turns: dict[int, int] = {}
    for assignment, step in sorted(plan, key=lambda p: p[0].id):
        confirm_no_conflict(assignment, assignment.user)
        if step == "checked":
            continue
        turn = turns[assignment.idea_id] = turns.get(assignment.idea_id, -1) + 1
        quality = spec["ideas"][_title_key(spec, assignment.idea)]
        if isinstance(quality, tuple):  # split: reviewers take turns to champion and doubt it
            quality = quality[(turn + 1) % 2]
        answers = _answers(rng, assignment, criteria, quality, offsets[assignment.idea_id])
        if step == "draft":
            keep = rng.randint(3, len(criteria) - 2)
            answers.scores = dict(list(answers.scores.items())[:keep])
            answers.recommendation = answers.confidence = answers.comments_for_panel = None
        save_review(assignment, assignment.user, answers, submit=step == "submit")


def _title_key(spec, idea):
    return next(key for key in spec["ideas"] if idea.title.startswith(key))


def _answers(rng, assignment, criteria, quality, offsets) -> ReviewAnswers:
    member, idea = assignment.user, assignment.idea
    profile = panel_profile(member)
    partner = profile.is_patient_partner
    lean = LENIENCY.get(member.email, 0.0)
    expected = {c.key: quality + offsets[c.key] for c in criteria}
    expected["co_design"] = (quality + INVOLVEMENT_SCORE.get(idea.involvement_level, 1.3)) / 2
    expected["evidence"] = (quality + STAGE_SCORE.get(idea.development_stage, 1.8)) / 2
    scores, comments, numbers = {}, {}, {}
    for c in criteria:
        if rng.random() < (0.12 if partner and c.key in TECHNICAL else 0.01):
            scores[c.id] = "cannot"
            comments[c.id] = "The submission does not say enough for me to judge this."
            continue
        number = min(5, max(1, round(expected[c.key] + lean + rng.gauss(0, 0.55))))
        scores[c.id], numbers[c.key] = str(number), number
    band = _recommendation(sum(numbers.values()) / len(numbers))
    matches = bool(set(profile.workstreams) & {w.key for w in idea.workstreams}) + bool(
        set(profile.care_settings) & set(idea.care_settings or [])
    )
    confidence = ["low", "medium", "high"][
        min(2, max(0, matches - partner + rng.choice([-1, 0, 0])))
    ]
    weakest = min(numbers, key=numbers.get)
    panel_note = rng.choice(FOR_PANEL[band])
    if panel_note and confidence == "low":
        panel_note += " This is outside my experience, so I scored cautiously."
    return ReviewAnswers(
        scores=scores,
        comments=comments,
        recommendation=band,
        confidence=confidence,
        comments_for_innovator=f"{rng.choice(OPENINGS[band])} {ADVICE[weakest]}",
        comments_for_panel=panel_note,
    )


def _recommendation(mean: float) -> str:
    if mean >= 3.5:
        return "progress"
    return "progress_with_changes" if mean >= 2.5 else "do_not_progress"
