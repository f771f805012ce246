"""Programme leads' triage: the list of new ideas, the lead's idea page, decisions, versions."""

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas import services
from portal.ideas.diffs import word_diff
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaEvent, Workstream
from portal.mail import OutboxMessage
from portal.pipeline.models import Decision
from tests.conftest import IDEA_ANSWERS

SCRIPT = "<script>alert(1)</script>"
ADDED = '<ins><span class="nhsuk-u-visually-hidden">Added: </span>'
REMOVED = '<del><span class="nhsuk-u-visually-hidden">Removed: </span>'
ANSWERS = IDEA_ANSWERS


@pytest.fixture
def create_idea(app, create_user, create_organisation):
    """Factory: an idea built through the services (submitted unless `submit=False`)."""

    def factory(owner=None, submit=True, workstreams=("medicines_safety",), **answers):
        if owner is None:
            trust = create_organisation("Northshire Community Health NHS Trust")
            owner = create_user(name="Asha Innovator", organisation=trust)
        with app.test_request_context():
            user = db.session.get(User, owner.id)
            idea = services.create_draft(user)
            chosen = db.session.scalars(
                sa.select(Workstream).where(Workstream.key.in_(workstreams))
            ).all()
            services.save_answers(idea, user, {**ANSWERS, "workstreams": chosen, **answers})
            if submit:
                services.submit_idea(idea, user, missing_sections=[])
            db.session.commit()
            return SimpleNamespace(reference=idea.reference, id=idea.id, owner=owner)

    return factory


@pytest.fixture
def idea(create_idea):
    return create_idea()


def edit_as_owner(app, idea, **values):
    """The innovator changes answers (allowed while a question is open)."""
    with app.test_request_context():
        owner = db.session.get(User, idea.owner.id)
        services.save_answers(db.session.get(Idea, idea.id), owner, values)
        db.session.commit()


def state_of(query, idea):
    return query(lambda: db.session.get(Idea, idea.id).state)


def events_of(query, idea):
    return query(
        lambda: [
            (e.kind, e.actor_id, e.message)
            for e in db.session.scalars(
                sa.select(IdeaEvent).where(IdeaEvent.idea_id == idea.id).order_by(IdeaEvent.id)
            )
        ]
    )


def mail_to(query, email):
    return query(
        lambda: db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.recipient == email)
        ).all()
    )


def test_triage_lists_submitted_ideas_oldest_first(lead_client, create_idea, clock):
    older = create_idea(title="Older idea about falls")
    clock.advance(days=1)
    create_idea(title="Newer idea about pressure ulcers")
    create_idea(title="A draft nobody else sees", submit=False)
    response = lead_client.get("/triage")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.index("Older idea about falls") < html.index("Newer idea about pressure ulcers")
    assert "A draft nobody else sees" not in html
    assert f'href="/ideas/{older.reference}?back=/triage"' in html  # "Back to triage" there
    assert "Northshire Community Health NHS Trust" in html
    assert "Medicines Safety (MedSIP)" in html
    assert "2 March 2026" in html  # the submitted date, in Europe/London
    assert "New ideas (2)" in html


def test_triage_shows_ideas_in_hand_separately(lead_client, create_idea):
    waiting = create_idea(title="Waiting for an answer")
    lead_client.post(f"/ideas/{waiting.reference}/triage/question", data={"question": "Who?"})
    html = lead_client.get("/triage").get_data(as_text=True)
    assert "New ideas" in html and "There are no new ideas to check." in html
    assert "In triage or waiting for the innovator (1)" in html
    assert "Waiting for an answer" in html and "Waiting for the innovator</strong>" in html


@pytest.mark.parametrize("role", [Role.INNOVATOR, Role.PANEL_MEMBER, Role.ADMIN])
def test_triage_is_for_programme_leads_only(client_for, idea, role):
    other = client_for(role)
    assert other.get("/triage").status_code == 403
    assert other.get(f"/ideas/{idea.reference}/versions").status_code == 403
    assert other.post(f"/ideas/{idea.reference}/triage/accept").status_code == 403


def test_leads_see_triage_in_the_header(lead_client, innovator_client):
    assert 'href="/triage"' in lead_client.get("/pipeline").get_data(as_text=True)
    assert 'href="/triage"' not in innovator_client.get("/").get_data(as_text=True)


def test_lead_page_shows_every_answer_with_labels(lead_client, idea):
    html = lead_client.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    for text in (
        "Asha Innovator",
        "Northshire Community Health NHS Trust (NHS trust)",
        "District nurse",
        "The harm that happens, or could happen",  # a neutral label, not the question asked
        "Sepsis is missed in people cared for at home.",
        "Piloted locally",  # a choice shows its label
        "Community",
        "Primary care",
        "People living in the most deprived 20% of areas (Core20)",
        "Medicines Safety (MedSIP)",
        "Co-designed: patients or carers helped shape it",
        "Not answered",  # no clinical areas chosen
        "Accept into triage",
        "Ask the innovator a question",
        "Decline the idea",
        "Submitted",
    ):
        assert text in html, text
    assert "See versions and changes" not in html  # only version 1 so far


def test_lead_accepts_an_idea_into_triage(lead_client, idea, query):
    response = lead_client.post(f"/ideas/{idea.reference}/triage/accept")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/ideas/{idea.reference}"
    assert state_of(query, idea) is IdeaState.IN_TRIAGE
    assert events_of(query, idea)[-1] == ("accepted", lead_client.user.id, "Accepted for checking")
    html = lead_client.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    assert f"You accepted {idea.reference} into triage." in html
    assert "Accepted for checking" in html and "from 'Submitted' to 'In triage'" in html
    assert "Accept into triage</" not in html  # no second accept button


def test_lead_asks_the_innovator_a_question(lead_client, idea, query):
    response = lead_client.post(
        f"/ideas/{idea.reference}/triage/question",
        data={"question": "How many nurses used the prompt in the pilot?"},
    )
    assert response.status_code == 302
    assert state_of(query, idea) is IdeaState.INFORMATION_REQUESTED
    (mail,) = [m for m in mail_to(query, idea.owner.email) if "question" in m.subject]
    assert "How many nurses used the prompt in the pilot?" in mail.body
    assert f"/ideas/{idea.reference}" in mail.body
    html = lead_client.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    assert "Questions and answers" in html and "Not answered yet." in html
    assert "Waiting for the innovator to answer" in html
    assert "Ask the innovator a question" not in html  # one open question at a time


def test_an_empty_question_is_refused(lead_client, idea, query):
    response = lead_client.post(f"/ideas/{idea.reference}/triage/question", data={"question": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and "Enter your question" in html
    assert 'href="#question"' in html
    assert "<title>Error:" in html
    assert state_of(query, idea) is IdeaState.SUBMITTED


def test_decline_needs_a_reason(lead_client, idea, query):
    before = events_of(query, idea)
    response = lead_client.post(f"/ideas/{idea.reference}/triage/decline", data={"reason": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and "Enter the reason for declining" in html
    assert state_of(query, idea) is IdeaState.SUBMITTED
    assert events_of(query, idea) == before
    assert not [m for m in mail_to(query, idea.owner.email) if "decision" in m.subject]


def test_lead_declines_with_a_reason(lead_client, idea, query):
    reason = "It duplicates the national sepsis work already under way."
    response = lead_client.post(f"/ideas/{idea.reference}/triage/decline", data={"reason": reason})
    assert response.status_code == 302
    assert state_of(query, idea) is IdeaState.DECLINED
    assert events_of(query, idea)[-1] == ("decided", lead_client.user.id, reason)
    decisions = query(
        lambda: [
            (d.from_state, d.to_state, d.rationale, d.decided_by_id)
            for d in db.session.scalars(sa.select(Decision).filter_by(idea_id=idea.id))
        ]
    )  # declining from triage is a stage-gate decision like any other, with its record
    assert decisions == [(IdeaState.SUBMITTED, IdeaState.DECLINED, reason, lead_client.user.id)]
    (mail,) = [m for m in mail_to(query, idea.owner.email) if "decision" in m.subject]
    assert reason in mail.body
    html = lead_client.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    assert reason in html
    assert "There is no triage decision to make while the idea is 'not taken forward'" in html


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("accept", {}),
        ("question", {"question": "Can you tell us more?"}),
        ("decline", {"reason": "Declined twice"}),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(lead_client, idea, query, action, data):
    lead_client.post(f"/ideas/{idea.reference}/triage/decline", data={"reason": "Out of scope"})
    before_events, before_mail = events_of(query, idea), mail_to(query, idea.owner.email)
    response = lead_client.post(f"/ideas/{idea.reference}/triage/{action}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "There is a problem" in html
    assert "This idea has not been taken forward, so " in html
    assert state_of(query, idea) is IdeaState.DECLINED
    assert events_of(query, idea) == before_events
    assert len(mail_to(query, idea.owner.email)) == len(before_mail)


def test_a_second_accept_is_refused(lead_client, idea, query):
    lead_client.post(f"/ideas/{idea.reference}/triage/accept")
    response = lead_client.post(f"/ideas/{idea.reference}/triage/accept")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This idea is being checked by the programme team, so it cannot be accepted" in html
    assert [e[0] for e in events_of(query, idea)].count("accepted") == 1


def test_leads_never_see_drafts(lead_client, create_idea, query):
    draft = create_idea(submit=False)
    assert lead_client.get(f"/ideas/{draft.reference}").status_code == 404
    assert lead_client.get(f"/ideas/{draft.reference}/versions").status_code == 404
    for action in ("accept", "question", "decline"):
        response = lead_client.post(
            f"/ideas/{draft.reference}/triage/{action}", data={"question": "?", "reason": "No"}
        )
        assert response.status_code == 404
    assert state_of(query, draft) is IdeaState.DRAFT
    assert lead_client.get("/ideas/PSI-0000-0000/versions").status_code == 404


def test_a_lead_cannot_triage_their_own_idea(client_for, create_idea, query):
    lead = client_for(Role.PROGRAMME_LEAD, Role.INNOVATOR)
    own = create_idea(owner=lead.user)
    assert lead.post(f"/ideas/{own.reference}/triage/accept").status_code == 403
    assert state_of(query, own) is IdeaState.SUBMITTED


def test_versions_show_what_changed(app, lead_client, idea, query):
    lead_client.post(f"/ideas/{idea.reference}/triage/question", data={"question": "More?"})
    edit_as_owner(
        app,
        idea,
        summary="A prompt on the visit app reminds district nurses to screen for sepsis daily.",
        care_settings=["community", "care_homes"],
        development_stage="evaluated",
    )
    assert query(lambda: db.session.get(Idea, idea.id).version_number) == 2
    page = lead_client.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    assert f'href="/ideas/{idea.reference}/versions"' in page
    assert "Idea changed" in page and "Version 2 saved" in page

    html = lead_client.get(f"/ideas/{idea.reference}/versions").get_data(as_text=True)
    assert html.index('id="version-2"') < html.index('id="version-1"')
    assert "Summary" in html and "Summarise your idea" not in html  # the leads' label
    assert f"reminds {ADDED}district</ins> nurses" in html
    assert f"for {REMOVED}sepsis.</del> {ADDED}sepsis daily.</ins>" in html
    assert "<li><ins>Care homes</ins></li>" in html
    assert "<li><del>Primary care</del></li>" in html
    assert f"{REMOVED}Piloted locally</del> {ADDED}Evaluated, with results</ins>" in html
    assert "The harm that happens" not in html  # unchanged answers are not listed
    assert "Asha Innovator" in html  # who saved each version


def test_versions_can_compare_any_two(app, lead_client, idea):
    lead_client.post(f"/ideas/{idea.reference}/triage/question", data={"question": "More?"})
    edit_as_owner(app, idea, problem_who="Older people at home.")
    edit_as_owner(app, idea, problem_who="Older people living at home alone.")
    html = lead_client.get(f"/ideas/{idea.reference}/versions").get_data(as_text=True)
    assert "Compare version 3 with the submitted version" in html
    html = lead_client.get(f"/ideas/{idea.reference}/versions?compare=3,1").get_data(as_text=True)
    assert "Changes from version 1 to version 3" in html
    bad = lead_client.get(f"/ideas/{idea.reference}/versions?compare=1,9").get_data(as_text=True)
    assert "Changes from version" not in bad


def test_user_text_is_escaped_everywhere_a_lead_sees_it(app, lead_client, create_idea):
    idea = create_idea(title=SCRIPT, summary=f"Summary {SCRIPT}")
    lead_client.post(f"/ideas/{idea.reference}/triage/question", data={"question": SCRIPT})
    edit_as_owner(app, idea, summary=f"Changed {SCRIPT} <b>bold</b>", problem_who=SCRIPT)
    for path in ("/triage", f"/ideas/{idea.reference}", f"/ideas/{idea.reference}/versions"):
        html = lead_client.get(path).get_data(as_text=True)
        assert SCRIPT not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "<b>bold</b>" not in html, path


def test_word_diff_marks_changes_and_escapes_every_piece():
    diff = word_diff(
        "Check <b>obs</b> daily.\nEscalate", "Check <b>obs</b> hourly & chart.\nEscalate"
    )
    assert diff == (
        "Check &lt;b&gt;obs&lt;/b&gt; "
        f"{REMOVED}daily.</del> {ADDED}hourly &amp; chart.</ins> \n Escalate"
    )
    assert word_diff(None, "<i>new</i>") == f"{ADDED}&lt;i&gt;new&lt;/i&gt;</ins>"
