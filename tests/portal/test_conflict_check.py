"""The panel member's conflict-of-interest check: an error that fits a yes/no question, the
follow-up revealed by "Yes", nothing lost when a "Yes" is incomplete, and a blind round that
asks only what the member can know."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.auth.models import OrganisationType, User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.models import Idea
from portal.reviews.models import Assignment, AssignmentState, Conflict, ConflictKind
from portal.reviews.rounds import assign_manually, open_round

INNOVATOR, TRUST = "Asha Innovator", "Northshire Community Health NHS Trust"  # create_idea's
YES_NO = "Select yes if you have a conflict of interest with this idea, or no if you do not"
DETAIL = "I sat on the project board for a similar scheme <b>last year</b>"


@pytest.fixture
def assigned(app, create_idea, create_user, create_organisation, sign_in):
    """Factory: (client, conflict check URL, assignment id) for a member assigned one idea."""

    def factory(blind):
        idea = create_idea(triage=True)
        university = create_organisation("Southshire University", OrganisationType.UNIVERSITY)
        member = create_user(roles=(Role.PANEL_MEMBER,), organisation=university)
        lead = create_user(roles=(Role.PROGRAMME_LEAD,))
        with app.test_request_context():
            the_lead, the_idea = db.session.get(User, lead.id), db.session.get(Idea, idea.id)
            the_member = db.session.get(User, member.id)
            round_ = open_round(
                the_lead,
                name="Spring round",
                deadline=date.today() + timedelta(days=10),
                ideas=[the_idea],
                panel=[the_member],
                reviews_per_idea=1,
                blind=blind,
            )
            assignment_id = assign_manually(round_, the_idea, the_member, the_lead).id
            db.session.commit()
        client = app.test_client()
        sign_in(client, member)
        return client, f"/reviews/{assignment_id}/conflicts", assignment_id

    return factory


def conditional(html) -> str:
    """The block that 'Yes' reveals, from its opening tag to the 'No' radio after it."""
    start = html.index('class="nhsuk-radios__conditional')
    return html[html.rindex("<div", 0, start) : html.index('value="no"', start)]


def yes_radio(html) -> str:
    return re.search(r'<input[^>]*name="has_conflict"[^>]*value="yes"[^>]*>', html).group()


def recorded(query):
    return query(lambda: db.session.scalars(sa.select(Conflict)).all())


def test_the_question_reveals_what_the_conflict_is_only_on_yes(assigned):
    client, url, _ = assigned(blind=False)
    html = client.get(url).get_data(as_text=True)
    follow_up = conditional(html)
    # NHS.UK conditional radios: "Yes" controls the block, hidden until chosen (with JS; the
    # hiding class only applies once the page's script has marked the body as supported).
    assert 'data-aria-controls="conditional-has_conflict"' in yes_radio(html)
    assert "nhsuk-radios__conditional--hidden" in follow_up
    assert "What is the conflict?" in follow_up and 'name="detail"' in follow_up
    assert html.count("What is the conflict?") == 1
    # Not blind: the hint names the innovator the member is asked about.
    assert f"For example, you have worked with {INNOVATOR}, you manage them" in html


def test_no_answer_gets_an_error_that_fits_a_yes_or_no_question(assigned, query):
    client, url, _ = assigned(blind=False)
    response = client.post(url, data={})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count(YES_NO) == 2  # in the summary and by the question
    assert re.search(r'<a href="#has_conflict"\s*>\s*' + re.escape(YES_NO), html)
    assert 'id="has_conflict"' in yes_radio(html)  # the summary's link lands on "Yes"
    assert recorded(query) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"has_conflict": "yes", "detail": DETAIL}, "Select what the conflict is"),
        ({"has_conflict": "yes", "kind": "other", "detail": "  "}, "Describe the conflict of"),
    ],
)
def test_an_incomplete_yes_says_what_is_missing_and_keeps_the_answers(
    assigned, query, data, message
):
    client, url, assignment_id = assigned(blind=False)
    html = client.post(url, data=data).get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert "checked" in yes_radio(html)  # "Yes" stays chosen, and its follow-up open
    follow_up = conditional(html)
    assert "nhsuk-radios__conditional--hidden" not in follow_up
    assert message in follow_up  # the error sits by the field inside the revealed block
    if data.get("kind"):
        assert re.search(r'value="other"[^>]*checked', follow_up)
    else:
        assert "I sat on the project board for a similar scheme &lt;b&gt;last year&lt;/b&gt;" in (
            follow_up
        )
    assert recorded(query) == []
    state = query(lambda: db.session.get(Assignment, assignment_id).state)
    assert state is AssignmentState.ACTIVE


def test_a_blind_round_asks_what_the_member_can_know(assigned, query):
    client, url, assignment_id = assigned(blind=True)
    html = client.get(url).get_data(as_text=True)
    assert INNOVATOR not in html and TRUST not in html
    assert "worked with the innovator" not in html  # nobody is named, so nobody is asked about
    assert "You cannot know who shared it, so say yes if you recognise the idea" in html
    assert "or think you may know who shared it" in html
    assert "If you are not sure, say yes and tell us why." in html
    follow_up = conditional(html)
    assert "I recognise the idea: I may have worked on it, or a related idea, with the" in (
        follow_up
    )
    assert "I think it was shared by someone I manage, or who manages me" in follow_up
    assert "Another reason, or I recognise the idea but do not know who shared it" in follow_up

    response = client.post(url, data={"has_conflict": "yes", "kind": "collaborator"})
    assert response.status_code == 302 and response.headers["Location"] == "/reviews"
    (conflict,) = recorded(query)
    assert conflict.kind is ConflictKind.COLLABORATOR and conflict.detail is None
    state = query(lambda: db.session.get(Assignment, assignment_id).state)
    assert state is AssignmentState.DECLINED
