"""The lead's idea page: "Make a decision" at the top, each move offered once, a back link to
where the lead came from (an explicit, checked `back` parameter, never an open redirect), and
the lead returned there after deciding."""

import re

import pytest
from flask import url_for

from portal.auth.models import User
from portal.auth.roles import Role
from portal.backlinks import BackLink, came_from
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState, Mover, moves_from
from portal.pipeline.snapshots import refresh_snapshots
from tests.portal.decision_helpers import move

PIPELINE = "/pipeline?workstream=medicines_safety&sort=days"


@pytest.fixture
def lead(client_for):
    return client_for(Role.PROGRAMME_LEAD)


@pytest.fixture
def idea(create_idea):
    return create_idea(triage=True)  # in triage: a lead may decide on it


@pytest.fixture
def link(app):
    """url_for(endpoint, **values), with `&` as it is written in HTML."""

    def build(endpoint, **values):
        with app.test_request_context():
            return url_for(endpoint, **values).replace("&", "&amp;")

    return build


def back_link(html) -> tuple[str, str]:
    """(href, text) of the page's back link."""
    found = re.search(r'class="nhsuk-back-link"[^>]*href="([^"]*)"[^>]*>\s*([^<]*?)\s*<', html)
    if found is None:  # the attributes in the other order
        found = re.search(r'href="([^"]*)"[^>]*class="nhsuk-back-link"[^>]*>\s*([^<]*?)\s*<', html)
    return found.group(1).replace("&amp;", "&"), found.group(2)


def test_the_pipeline_links_to_ideas_with_the_way_back(app, lead, idea, link):
    with app.test_request_context():
        refresh_snapshots(db.session.get(User, lead.user.id), "test")
        db.session.commit()
    html = lead.get(PIPELINE).get_data(as_text=True)
    assert f'href="{link("ideas.show", reference=idea.reference, back=PIPELINE)}"' in html


def test_from_the_pipeline_the_back_link_and_decision_keep_its_filters(lead, idea, link):
    html = lead.get(f"/ideas/{idea.reference}", query_string={"back": PIPELINE}).get_data(
        as_text=True
    )
    assert back_link(html) == (PIPELINE, "Back to pipeline")
    decide = link("pipeline.decide", reference=idea.reference, back=PIPELINE)
    button = html.index(f'href="{decide}"')
    # "Make a decision" comes before the idea itself, its reviews and its decisions
    assert html.index("Make a decision") < html.index("About the idea") < html.index("Decisions")
    assert html.index("<h1") < button < html.index("Shared by")
    assert html.count("Make a decision") == 1
    # beside it, a link down to the triage moves open to the idea now (it is in triage)
    assert '<a href="#decision">Ask the innovator a question or decline it</a>' in html

    form = lead.get(decide.replace("&amp;", "&")).get_data(as_text=True)
    again = link("ideas.show", reference=idea.reference, back=PIPELINE).replace("&amp;", "&")
    assert back_link(form) == (again, "Back to the idea")
    assert f'action="{decide}"' in form
    response = lead.post(
        decide.replace("&amp;", "&"), data={"target": "declined", "rationale": "Not this year."}
    )
    assert response.status_code == 302 and response.headers["Location"] == PIPELINE
    page = lead.get(PIPELINE).get_data(as_text=True)
    assert f"You moved {idea.reference} to &#39;Not taken forward&#39;" in page


def test_from_triage_the_lead_goes_back_to_triage(lead, idea, link):
    back = {"back": "/triage"}
    html = lead.get(f"/ideas/{idea.reference}", query_string=back).get_data(as_text=True)
    assert back_link(html) == ("/triage", "Back to triage")
    assert f'action="{link("ideas.ask", reference=idea.reference, back="/triage")}"' in html
    response = lead.post(
        f"/ideas/{idea.reference}/triage/question", query_string=back, data={"question": "Who?"}
    )
    assert response.headers["Location"] == "/triage"


def test_without_a_back_parameter_the_link_follows_the_ideas_stage(
    lead, idea, create_assigned_round
):
    html = lead.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    assert back_link(html) == ("/triage", "Back to triage")
    _round, (in_review,), _members, _lead = create_assigned_round(
        "Spring", n_ideas=1, n_members=1, reviews_per_idea=1
    )
    html = lead.get(f"/ideas/{in_review.reference}").get_data(as_text=True)
    assert back_link(html) == ("/pipeline", "Back to pipeline")


HOSTILE = [
    "https://evil.example/pipeline",
    "//evil.example/pipeline",
    "/\\evil.example/pipeline",
    "javascript:alert(1)",
    "pipeline",
    "/pipeline#evil",
    "/sign-out",  # a real page, but not one registered as a way back
    "/no-such-page",
    "/" + "a" * 2000,
]


def test_only_registered_pages_on_this_site_are_ways_back(app):
    with app.test_request_context():
        assert came_from("/pipeline?page=2&workstream=x") == BackLink(
            "/pipeline?page=2&workstream=x", "Back to pipeline"
        )
        assert came_from("/triage") == BackLink("/triage", "Back to triage")
        # the query is parsed and written out again, so nothing else rides along
        assert came_from('/pipeline?q="><script>').href == "/pipeline?q=%22%3E%3Cscript%3E"
        assert [came_from(value) for value in HOSTILE] == [None] * len(HOSTILE)


def test_a_back_value_that_is_not_a_known_page_is_ignored(lead, idea):
    hostile = {"back": HOSTILE[1]}
    html = lead.get(f"/ideas/{idea.reference}", query_string=hostile).get_data(as_text=True)
    assert back_link(html) == ("/triage", "Back to triage")
    assert "evil" not in html
    response = lead.post(
        f"/ideas/{idea.reference}/decide",
        query_string=hostile,
        data={"target": "declined", "rationale": "Not this year."},
    )
    assert response.headers["Location"] == f"/ideas/{idea.reference}#decisions"


S = IdeaState
TRIAGE_FORMS = {"accept": S.IN_TRIAGE, "question": S.INFORMATION_REQUESTED, "decline": S.DECLINED}


@pytest.mark.parametrize("state", [S.SUBMITTED, S.IN_TRIAGE, S.INFORMATION_REQUESTED, S.IN_REVIEW])
def test_the_idea_page_offers_each_move_once(app, lead, create_idea, create_user, state):
    idea = create_idea(triage=state is not S.SUBMITTED)
    if state is S.INFORMATION_REQUESTED:
        lead.post(f"/ideas/{idea.reference}/triage/question", data={"question": "Which wards?"})
    elif state is S.IN_REVIEW:
        move(app, idea, S.IN_REVIEW, create_user(roles=(Role.PROGRAMME_LEAD,)))
    page = lead.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    assert f">{state.staff_label}</strong>" in page
    offered = [
        to
        for form, to in TRIAGE_FORMS.items()
        if f'action="/ideas/{idea.reference}/triage/{form}' in page
    ]
    decide = lead.get(f"/ideas/{idea.reference}/decide").get_data(as_text=True)
    radios = re.findall(r'name="target" type="radio" value="([a-z_]+)"', decide)
    assert (f'href="/ideas/{idea.reference}/decide' in page) == bool(radios)
    offered += [S(value) for value in radios]
    # the triage forms and "Make a decision" together offer every move once
    assert sorted(offered) == sorted(moves_from(state, Mover.LEAD))
    if not radios:  # the triage moves are the page's main action, and the decide page says so
        assert re.search(r'class="nhsuk-action-link"\s+href="#decision"', page)
        assert "Make a decision" not in page
        assert "use 'Triage decision' on <a href=" in decide
        assert f"/ideas/{idea.reference}#decision\">the idea's page</a>" in decide
