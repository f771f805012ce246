"""`flask demo` loads realistic ideas through the real services, each one complete and valid."""

from collections import Counter

import sqlalchemy as sa

from portal.demo import DEMO_INNOVATORS, DEMO_ORGANISATIONS
from portal.extensions import db
from portal.ideas import choices
from portal.ideas.demo_ideas import DEMO_IDEAS
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaQuestion, IdeaVersion
from portal.ideas.sections import SECTIONS, SectionStatus, build_form, missing_sections, status_of

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


def demo_summary():
    ideas = db.session.scalars(sa.select(Idea).order_by(Idea.id)).all()
    return {
        "ideas": [(i.reference, i.owner.email, i.state, i.version_number) for i in ideas],
        "versions": db.session.scalar(sa.select(sa.func.count()).select_from(IdeaVersion)),
        "questions": db.session.scalar(sa.select(sa.func.count()).select_from(IdeaQuestion)),
    }


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

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    with app.test_request_context():
        assert demo_summary() == first
