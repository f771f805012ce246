"""A panel member's side of a round: the queue, the conflict check, the review form, blind
rounds, the reveal rule and every refusal, by URL as well as through the pages."""

import io
from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from portal.audit import AuditEvent
from portal.auth.models import OrganisationType, User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas import attachments, services
from portal.ideas.models import Idea, Workstream
from portal.reviews.conflicts import declare_conflict
from portal.reviews.models import (
    Assignment,
    AssignmentState,
    Conflict,
    ConflictKind,
    Review,
    ReviewRound,
    ReviewScore,
    ReviewState,
)
from portal.reviews.rounds import assign_manually, close_round, open_round
from portal.reviews.rubric import CriterionEdit, new_rubric_version
from tests.portal.test_triage import ANSWERS

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
INNOVATOR = "Asha Khan"
ORGANISATION = "Northshire Community Health NHS Trust"
ROLE = "Ward sister at St Elsewhere"
FILE_NAME = "Asha-Khan-audit-Northshire.pdf"
SCRIPT = "<script>alert(1)</script>"
PANEL_SECRET = "Only for the panel: the costings look doubtful"


@pytest.fixture
def make_round(app, clock, create_user, create_organisation, sign_in):
    """Factory: an idea (with a PDF) in an open round, each panel member assigned to it and
    signed in on their own client."""

    def factory(blind=True, reveal_after_submit=False, members=2):
        trust = create_organisation(ORGANISATION)
        owner = create_user(name=INNOVATOR, organisation=trust)
        lead = create_user(roles=(Role.PROGRAMME_LEAD,), name="Lee Lead")
        university = create_organisation("Southshire University", OrganisationType.UNIVERSITY)
        panel = [
            create_user(roles=(Role.PANEL_MEMBER,), organisation=university, name=f"Pat Panel {n}")
            for n in range(1, members + 1)
        ]
        with app.test_request_context():
            user = db.session.get(User, owner.id)
            idea = services.create_draft(user)
            chosen = db.session.scalars(
                sa.select(Workstream).where(Workstream.key == "medicines_safety")
            ).all()
            services.save_answers(
                idea, user, {**ANSWERS, "workstreams": chosen, "innovator_role": ROLE}
            )
            stored = attachments.store_upload(io.BytesIO(PDF), FILE_NAME)
            attachment = attachments.add_attachment(idea, user, stored)
            services.submit_idea(idea, user, missing_sections=[])
            the_lead = db.session.get(User, lead.id)
            services.accept_into_triage(idea, the_lead)
            members_ = [db.session.get(User, m.id) for m in panel]
            round_ = open_round(
                the_lead,
                name="Spring round",
                deadline=date(2026, 3, 31),
                ideas=[idea],
                panel=members_,
                reviews_per_idea=members,
                blind=blind,
                reveal_after_submit=reveal_after_submit,
            )
            made = [assign_manually(round_, idea, m, the_lead) for m in members_]
            db.session.commit()
            world = SimpleNamespace(
                round_id=round_.id,
                idea_id=idea.id,
                reference=idea.reference,
                attachment_id=attachment.id,
                owner=owner,
                lead=lead,
                members=panel,
                assignments=[a.id for a in made],
                version=idea.version_number,
                rubric_id=round_.rubric_id,
                criteria=[(c.id, c.name) for c in round_.rubric.criteria],
            )
        world.clients = []
        for member in panel:
            client = app.test_client()
            sign_in(client, member)
            world.clients.append(client)
        return world

    return factory


@pytest.fixture
def world(make_round):
    return make_round()


def page(client, url):
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def form_data(world, scores=None, submit=True, **extra):
    """A complete review (every criterion scored 4 unless `scores` says otherwise)."""
    data = {
        "rubric": str(world.rubric_id),
        "idea_version": str(world.version),
        "recommendation": "progress",
        "confidence": "medium",
        "comments_for_innovator": "Clear and useful.",
        "comments_for_panel": "Worth piloting.",
    }
    for n, (criterion_id, _name) in enumerate(world.criteria):
        data[f"score-{criterion_id}"] = (scores or {}).get(n, "4")
    data["submit_review" if submit else "save_draft"] = "1"
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def check_none(client, world, n=0):
    """Answer the conflict check with 'No' for the member's assignment."""
    response = client.post(
        f"/reviews/{world.assignments[n]}/conflicts", data={"has_conflict": "no"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/reviews/{world.assignments[n]}"


def post_review(client, world, n=0, **kwargs):
    return client.post(f"/reviews/{world.assignments[n]}", data=form_data(world, **kwargs))


def review_of(query, world, n=0):
    """(state, {criterion id: (score, cannot, comment)}, panel comments) or None."""

    def run():
        review = db.session.scalar(sa.select(Review).filter_by(assignment_id=world.assignments[n]))
        if review is None:
            return None
        scores = {s.criterion_id: (s.score, s.cannot_score, s.comment) for s in review.scores}
        return review.state, scores, review.comments_for_panel

    return query(run)


def count(query, model):
    return query(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(model)))


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_shows_only_my_assignments(world, make_round, panel_client):
    other = make_round()
    status, html = page(world.clients[0], "/reviews")
    assert status == 200
    assert "<h1>Your reviews</h1>" in html
    assert "Spring round" in html and world.reference in html
    assert "31 March 2026 at 11:59pm" in html  # the deadline, in Europe/London
    assert "0 of 1 submitted" in html and "Not started" in html
    assert f'href="/reviews/{world.assignments[0]}/conflicts"' in html
    assert f"/reviews/{world.assignments[1]}/" not in html  # a colleague's assignment
    assert other.reference not in html
    assert INNOVATOR not in html and ORGANISATION not in html
    status, html = page(panel_client, "/reviews")
    assert "You have no ideas to review at the moment" in html
    assert world.reference not in html


def test_the_queue_counts_progress_and_lists_closed_rounds_below(world, app, query):
    client = world.clients[0]
    check_none(client, world)
    assert post_review(client, world, submit=False).status_code == 302
    html = page(client, "/reviews")[1]
    assert "Draft saved" in html and "0 of 1 submitted" in html
    assert f'href="/reviews/{world.assignments[0]}"' in html
    post_review(client, world)
    html = page(client, "/reviews")[1]
    assert "Submitted" in html and "1 of 1 submitted" in html
    close(app, world)
    html = page(client, "/reviews")[1]
    assert "Closed rounds" in html and "You have no ideas to review" in html
    assert html.index("Closed rounds") < html.index(world.reference)


def close(app, world):
    with app.test_request_context():
        close_round(
            db.session.get(ReviewRound, world.round_id), db.session.get(User, world.lead.id)
        )
        db.session.commit()


# --- conflicts of interest ------------------------------------------------------------------


def test_the_conflict_check_comes_before_the_idea(world, query):
    client, assignment_id = world.clients[0], world.assignments[0]
    response = client.get(f"/reviews/{assignment_id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/reviews/{assignment_id}/conflicts"
    status, html = page(client, f"/reviews/{assignment_id}/conflicts")
    assert status == 200
    assert "Do you have a conflict of interest with this idea?" in html
    assert ANSWERS["title"] in html and ANSWERS["summary"] in html
    assert ANSWERS["problem_harm"] not in html  # not the full idea yet
    assert INNOVATOR not in html and ORGANISATION not in html and ROLE not in html
    assert "Another reason" in html and "Same organisation" not in html
    document = f"/reviews/{assignment_id}/documents/{world.attachment_id}"
    assert client.get(document).status_code == 404
    check_none(client, world)
    assert (
        query(
            lambda: db.session.scalar(
                sa.select(sa.func.count()).where(
                    AuditEvent.action == "conflict.none_declared",
                    AuditEvent.object_id == str(assignment_id),
                )
            )
        )
        == 1
    )
    status, html = page(client, f"/reviews/{assignment_id}")
    assert status == 200 and ANSWERS["problem_harm"] in html
    again = client.get(f"/reviews/{assignment_id}/conflicts")
    assert again.headers["Location"] == f"/reviews/{assignment_id}"
    # One member's answer is theirs alone.
    assert world.clients[1].get(f"/reviews/{world.assignments[1]}").status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Select yes if you have a conflict of interest"),
        ({"has_conflict": "yes"}, "Select what the conflict is"),
        ({"has_conflict": "yes", "kind": "same_organisation"}, "Select what the conflict is"),
        ({"has_conflict": "yes", "kind": "other", "detail": " "}, "Describe the conflict of"),
        ({"has_conflict": "maybe"}, "Not a valid choice"),
    ],
)
def test_the_conflict_check_needs_a_complete_answer(world, query, data, message):
    response = world.clients[0].post(f"/reviews/{world.assignments[0]}/conflicts", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert count(query, Conflict) == 0
    assert query(lambda: db.session.get(Assignment, world.assignments[0]).state) is (
        AssignmentState.ACTIVE
    )


def test_declaring_a_conflict_blocks_the_idea_and_declines_the_assignment(make_round, query):
    world = make_round(blind=False)
    client, assignment_id = world.clients[0], world.assignments[0]
    response = client.post(
        f"/reviews/{assignment_id}/conflicts",
        data={"has_conflict": "yes", "kind": "financial", "detail": "I advise the supplier"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/reviews"
    html = page(client, "/reviews")[1]
    assert f"You declared a conflict of interest with {world.reference}" in html
    assert f"/reviews/{assignment_id}" not in html
    assignment = query(lambda: db.session.get(Assignment, assignment_id))
    assert assignment.state is AssignmentState.DECLINED
    assert assignment.decline_reason == "Conflict of interest: I have a financial interest"
    conflict = query(lambda: db.session.scalar(sa.select(Conflict)))
    assert (conflict.kind, conflict.detail, conflict.active) == (
        ConflictKind.FINANCIAL,
        "I advise the supplier",
        True,
    )
    for url in [
        f"/reviews/{assignment_id}",
        f"/reviews/{assignment_id}/conflicts",
        f"/reviews/{assignment_id}/decline",
        f"/reviews/{assignment_id}/documents/{world.attachment_id}",
        f"/ideas/{world.reference}",
        f"/ideas/{world.reference}/attachments/{world.attachment_id}",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/reviews/{assignment_id}", data=form_data(world)).status_code == 404
    assert count(query, Review) == 0


def test_a_conflict_recorded_later_hides_an_assignment_already_checked(world, app, query):
    client, assignment_id = world.clients[0], world.assignments[0]
    check_none(client, world)
    post_review(client, world, submit=False)
    with app.test_request_context():
        declare_conflict(
            db.session.get(User, world.members[0].id),
            db.session.get(Idea, world.idea_id),
            ConflictKind.PERSONAL,
            None,
            actor=db.session.get(User, world.lead.id),
        )
        db.session.commit()
    assert world.reference not in page(client, "/reviews")[1]
    assert client.get(f"/reviews/{assignment_id}").status_code == 404
    assert client.post(f"/reviews/{assignment_id}", data=form_data(world)).status_code == 404
    assert (
        client.get(f"/reviews/{assignment_id}/documents/{world.attachment_id}").status_code == 404
    )
    assert review_of(query, world)[0] is ReviewState.DRAFT  # unchanged


# --- who may open what, by URL --------------------------------------------------------------


def test_another_members_assignment_is_404_by_url(world, panel_client, query):
    mine, theirs = world.clients[0], world.assignments[1]
    check_none(world.clients[1], world, n=1)
    for client in (mine, panel_client):
        for url in [
            f"/reviews/{theirs}",
            f"/reviews/{theirs}/conflicts",
            f"/reviews/{theirs}/decline",
            f"/reviews/{theirs}/documents/{world.attachment_id}",
            "/reviews/999999",
        ]:
            assert client.get(url).status_code == 404, url
        assert client.post(f"/reviews/{theirs}", data=form_data(world)).status_code == 404
        data = {"has_conflict": "no"}
        assert client.post(f"/reviews/{theirs}/conflicts", data=data).status_code == 404
        data = {"reason": "Too busy"}
        assert client.post(f"/reviews/{theirs}/decline", data=data).status_code == 404
    assert count(query, Review) == 0
    assert query(lambda: db.session.get(Assignment, theirs).state) is AssignmentState.ACTIVE


def test_other_roles_are_refused_the_panel_pages(world, client_for):
    for role in (Role.INNOVATOR, Role.PROGRAMME_LEAD, Role.ADMIN):
        client = client_for(role)
        for url in ["/reviews", f"/reviews/{world.assignments[0]}"]:
            assert client.get(url).status_code == 403, (role, url)


def test_a_document_of_another_idea_is_404(world, make_round):
    other = make_round()
    client = world.clients[0]
    check_none(client, world)
    url = f"/reviews/{world.assignments[0]}/documents/{other.attachment_id}"
    assert client.get(url).status_code == 404


def test_the_idea_pages_open_to_a_checked_reviewer_only_in_a_round_that_is_not_blind(
    make_round,
):
    for blind, after_check in [(True, 404), (False, 200)]:
        world = make_round(blind=blind)
        client = world.clients[0]
        url = f"/ideas/{world.reference}/attachments/{world.attachment_id}"
        with client.get(url) as response:
            assert response.status_code == 404  # the conflict check comes first
        check_none(client, world)
        with client.get(url) as response:
            assert response.status_code == after_check, blind
        # A colleague who has not answered the check still cannot.
        with world.clients[1].get(url) as response:
            assert response.status_code == 404


# --- the review form ------------------------------------------------------------------------


def test_the_form_offers_each_criterion_with_its_anchors_and_cannot_score(world):
    client, assignment_id = world.clients[0], world.assignments[0]
    check_none(client, world)
    html = page(client, f"/reviews/{assignment_id}")[1]
    first_id, first_name = world.criteria[0]
    assert html.count('type="radio" value="cannot"') == len(world.criteria)
    assert "Cannot score: not enough information" in html
    assert f'name="score-{first_id}"' in html and f'name="comment-{first_id}"' in html
    assert f"{first_name}</legend>" in html or first_name in html
    assert "1 – " in html and "5 – " in html
    assert "Comments for the panel only" in html and "The innovator never sees them" in html
    assert "Comments for the innovator" in html
    assert "Save draft" in html and "Submit review" in html
    assert "Progress with changes" in html and "Do not progress" in html
    assert ">Low<" in html or "Low" in html


def test_draft_then_submit_then_revise(world, query):
    client, assignment_id = world.clients[0], world.assignments[0]
    first, second = world.criteria[0][0], world.criteria[1][0]
    check_none(client, world)
    draft = {n: None for n in range(2, len(world.criteria))} | {0: "3", 1: "cannot"}
    data = form_data(world, scores=draft, submit=False, recommendation=None)
    data[f"comment-{first}"] = SCRIPT
    response = client.post(f"/reviews/{assignment_id}", data=data)
    assert response.status_code == 302
    state, scores, _ = review_of(query, world)
    assert state is ReviewState.DRAFT
    assert scores[first] == (3, False, SCRIPT) and scores[second] == (None, True, None)
    html = page(client, f"/reviews/{assignment_id}")[1]
    assert "Your draft has been saved" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and SCRIPT not in html
    assert f'id="score-{first}-3" name="score-{first}" type="radio" value="3" checked' in html
    assert "The programme lead will see this and may ask the innovator" in html

    assert post_review(client, world).status_code == 302
    state, scores, _ = review_of(query, world)
    assert state is ReviewState.SUBMITTED and scores[first] == (4, False, None)
    html = page(client, f"/reviews/{assignment_id}")[1]
    assert "Your review has been submitted" in html
    assert "Update review" in html and "Save draft" not in html

    assert post_review(client, world, scores={0: "5"}).status_code == 302
    state, scores, _ = review_of(query, world)
    assert state is ReviewState.SUBMITTED and scores[first][0] == 5
    assert count(query, Review) == 1
    actions = query(
        lambda: db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.action.like("review.%"))
            .order_by(AuditEvent.id)
        ).all()
    )
    assert actions == ["review.draft_saved", "review.submitted", "review.revised"]


def test_a_submitted_review_never_goes_back_to_an_incomplete_draft(world, query):
    client = world.clients[0]
    check_none(client, world)
    post_review(client, world)
    response = post_review(client, world, submit=False, scores={0: ""})
    assert response.status_code == 200
    assert f'href="#score-{world.criteria[0][0]}"' in response.get_data(as_text=True)
    assert review_of(query, world)[1][world.criteria[0][0]][0] == 4


def test_submitting_with_a_missing_criterion_saves_nothing(world, query):
    client = world.clients[0]
    check_none(client, world)
    criterion_id, name = world.criteria[2]
    response = post_review(client, world, scores={2: None}, confidence=None)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and "<title>Error:" in html
    assert f'href="#score-{criterion_id}"' in html
    assert f"Score {name}, or choose &#39;Cannot score&#39;" in html
    assert 'href="#confidence"' in html
    assert review_of(query, world) is None
    # What was typed is still there to correct.
    assert "Worth piloting." in html


@pytest.mark.parametrize("bad", ["0", "6", "NaN", "Infinity", "true", "3.5", "-1", " 3", "٣"])
def test_scores_other_than_1_to_5_are_refused_and_nothing_is_saved(world, query, bad):
    client = world.clients[0]
    check_none(client, world)
    criterion_id, name = world.criteria[1]
    response = post_review(client, world, scores={1: bad})
    assert response.status_code == 200
    assert f"Choose a score from 1 to 5 for {name}" in response.get_data(as_text=True)
    assert review_of(query, world) is None
    post_review(client, world, submit=False, scores={1: "2"})
    response = post_review(client, world, submit=False, scores={1: bad, 0: "1"})
    assert response.status_code == 200
    state, scores, _ = review_of(query, world)
    assert state is ReviewState.DRAFT
    assert scores[criterion_id][0] == 2 and scores[world.criteria[0][0]][0] == 4


def test_control_characters_in_a_review_are_refused_where_they_are(world, query):
    client = world.clients[0]
    check_none(client, world)
    criterion_id = world.criteria[0][0]
    bad = {"comments_for_panel": "Worth\x00 piloting", f"comment-{criterion_id}": "Fine\x0b"}
    response = post_review(client, world, **bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("Remove the hidden control characters") >= 4  # summary and field, twice
    assert 'href="#comments_for_panel"' in html and f'href="#comment-{criterion_id}"' in html
    assert review_of(query, world) is None
    good = post_review(client, world, comments_for_panel="Worth\r\n\tpiloting.")
    assert good.status_code == 302
    assert review_of(query, world)[2].replace("\r\n", "\n") == "Worth\n\tpiloting."


def test_a_criterion_from_another_rubric_is_refused(world, app, query):
    client = world.clients[0]
    check_none(client, world)
    with app.test_request_context():
        lead = db.session.get(User, world.lead.id)
        rubric = new_rubric_version(
            lead,
            [
                CriterionEdit(
                    key=None,
                    name="Sustainability",
                    description="Will it last?",
                    weight=1.0,
                    anchors={str(n): f"Level {n}" for n in range(1, 6)},
                )
            ],
            "Add sustainability",
        )
        db.session.commit()
        foreign = next(c.id for c in rubric.criteria if c.name == "Sustainability")
    response = post_review(client, world, **{f"score-{foreign}": "3"})
    assert response.status_code == 400
    assert "criteria that are not in this round" in response.get_data(as_text=True)
    response = post_review(client, world, **{f"comment-{foreign}": "hello"})
    assert response.status_code == 400
    assert review_of(query, world) is None


@pytest.mark.parametrize(
    "tamper",
    [
        {"rubric": "999"},
        {"rubric": None},
        {"idea_version": "abc"},
        {"idea_version": None},
        {"score-abc": "3"},
        {"score-": "3"},
        {"shadow": "1"},
    ],
)
def test_a_tampered_form_is_refused_with_nothing_saved(world, query, tamper):
    client = world.clients[0]
    check_none(client, world)
    response = post_review(client, world, **tamper)
    assert response.status_code == 400
    assert "The form was changed, so nothing was saved" in response.get_data(as_text=True)
    assert review_of(query, world) is None


def test_a_field_sent_twice_is_refused(world, query):
    client = world.clients[0]
    check_none(client, world)
    data = MultiDict(list(form_data(world).items()))
    data.add(f"score-{world.criteria[0][0]}", "1")
    response = client.post(f"/reviews/{world.assignments[0]}", data=data)
    assert response.status_code == 400
    assert review_of(query, world) is None


def test_an_idea_changed_since_the_page_loaded_is_not_saved_over(world, query):
    client = world.clients[0]
    check_none(client, world)
    response = post_review(client, world, idea_version=str(world.version - 1))
    assert response.status_code == 409
    assert "The innovator changed this idea while you were reviewing it" in (
        response.get_data(as_text=True)
    )
    assert review_of(query, world) is None


def test_after_the_round_closes_the_review_is_read_only(world, app, query):
    client, assignment_id = world.clients[0], world.assignments[0]
    check_none(client, world)
    comment = {f"comment-{world.criteria[0][0]}": "Line one\nLine <b>two</b>"}
    post_review(client, world, comments_for_panel=SCRIPT, **comment)
    close(app, world)
    response = post_review(client, world, scores={0: "1"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This review round has closed, so reviews can no longer be changed" in html
    assert review_of(query, world)[1][world.criteria[0][0]][0] == 4
    html = page(client, f"/reviews/{assignment_id}")[1]
    assert "You can read your review but can no longer change it" in html
    assert "Submit review" not in html and "Update review" not in html
    assert "&lt;script&gt;" in html and SCRIPT not in html
    assert "<br>Line one<br>Line &lt;b&gt;two&lt;/b&gt;" in html
    response = client.post(f"/reviews/{assignment_id}/decline", data={"reason": "Late"})
    assert "This round is closed" in response.get_data(as_text=True)


def test_a_second_review_of_an_idea_by_a_member_breaks_a_database_constraint(
    world, make_round, app, query
):
    client = world.clients[0]
    check_none(client, world)
    post_review(client, world)
    other = make_round()
    with app.app_context():
        first = db.session.scalar(sa.select(Review))
        copy = {
            name: getattr(first, name)
            for name in ("round_id", "idea_id", "reviewer_id", "rubric_id", "idea_version")
        }
        # Same round, idea and reviewer through another assignment row.
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(Review(assignment_id=other.assignments[0], **copy))
        # The same assignment twice.
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(
                Review(**{**copy, "assignment_id": first.assignment_id, "round_id": other.round_id})
            )
        # Two scores for one criterion of one review.
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(
                ReviewScore(review_id=first.id, criterion_id=first.scores[0].criterion_id, score=2)
            )
    assert count(query, Review) == 1


# --- blind rounds ---------------------------------------------------------------------------


def test_a_blind_round_hides_the_innovator_everywhere_the_reviewer_looks(world):
    client, assignment_id = world.clients[0], world.assignments[0]
    check_none(client, world)
    status, html = page(client, f"/reviews/{assignment_id}")
    assert status == 200 and ANSWERS["proposed_change"] in html
    for secret in (INNOVATOR, "Asha", ORGANISATION, ROLE, FILE_NAME, "Khan-audit"):
        assert secret not in html, secret
    assert "Document 1 (PDF, 1 KB)" in html
    url = f"/reviews/{assignment_id}/documents/{world.attachment_id}"
    assert f'href="{url}"' in html
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.data == PDF
        disposition = response.headers["Content-Disposition"]
    assert disposition == "attachment; filename=document-1.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    for url in (
        f"/ideas/{world.reference}",
        f"/ideas/{world.reference}/attachments/{world.attachment_id}",
    ):
        assert client.get(url).status_code == 404, url
    for url in ("/reviews", f"/reviews/{assignment_id}/decline"):
        html = page(client, url)[1]
        assert INNOVATOR not in html and ORGANISATION not in html and FILE_NAME not in html


def test_a_round_that_is_not_blind_names_the_innovator_and_the_file(make_round):
    world = make_round(blind=False)
    client, assignment_id = world.clients[0], world.assignments[0]
    check_none(client, world)
    html = page(client, f"/reviews/{assignment_id}")[1]
    assert INNOVATOR in html and ORGANISATION in html and ROLE in html and FILE_NAME in html
    with client.get(f"/reviews/{assignment_id}/documents/{world.attachment_id}") as response:
        assert FILE_NAME in response.headers["Content-Disposition"]


# --- others' reviews and the innovator ------------------------------------------------------


@pytest.mark.parametrize(("blind", "reveal"), [(True, True), (False, True), (True, False)])
def test_others_reviews_show_only_after_my_own_and_only_when_the_round_allows(
    make_round, blind, reveal
):
    world = make_round(blind=blind, reveal_after_submit=reveal)
    first, second = world.clients
    for n, client in enumerate(world.clients):
        check_none(client, world, n=n)
    post_review(first, world, n=0, comments_for_panel=PANEL_SECRET + " " + SCRIPT)
    html = page(second, f"/reviews/{world.assignments[1]}")[1]
    assert PANEL_SECRET not in html  # second has not submitted yet
    post_review(second, world, n=1, submit=False)
    assert PANEL_SECRET not in page(second, f"/reviews/{world.assignments[1]}")[1]
    post_review(second, world, n=1, comments_for_panel="Second opinion")
    html = page(second, f"/reviews/{world.assignments[1]}")[1]
    assert (PANEL_SECRET in html) is reveal
    assert SCRIPT not in html
    assert "Second opinion" in page(first, f"/reviews/{world.assignments[0]}")[1] or not reveal
    if reveal:
        assert "Other reviewers' reviews" in html
        assert ("Reviewer A" in html) is blind
        assert (world.members[0].name in html) is not blind
        assert "&lt;script&gt;" in html


def test_the_innovator_never_sees_panel_only_comments(world, sign_in, app):
    client = world.clients[0]
    check_none(client, world)
    post_review(client, world, comments_for_panel=PANEL_SECRET)
    owner = app.test_client()
    sign_in(owner, world.owner)
    for url in ["/innovator", f"/ideas/{world.reference}"]:
        status, html = page(owner, url)
        assert status == 200 and PANEL_SECRET not in html, url
    for url in ["/reviews", f"/reviews/{world.assignments[0]}"]:
        assert owner.get(url).status_code == 403


# --- declining ------------------------------------------------------------------------------


def test_declining_an_assignment_needs_a_reason(world, query):
    client, assignment_id = world.clients[0], world.assignments[0]
    status, html = page(client, f"/reviews/{assignment_id}/decline")
    assert status == 200 and "declare the conflict instead" in html
    response = client.post(f"/reviews/{assignment_id}/decline", data={"reason": "  "})
    assert "Enter the reason you cannot review this idea" in response.get_data(as_text=True)
    assert query(lambda: db.session.get(Assignment, assignment_id).state) is (
        AssignmentState.ACTIVE
    )
    response = client.post(f"/reviews/{assignment_id}/decline", data={"reason": "On leave"})
    assert response.status_code == 302 and response.headers["Location"] == "/reviews"
    assignment = query(lambda: db.session.get(Assignment, assignment_id))
    assert (assignment.state, assignment.decline_reason) == (AssignmentState.DECLINED, "On leave")
    assert client.get(f"/reviews/{assignment_id}").status_code == 404


def test_a_submitted_review_cannot_be_declined(world, query):
    client, assignment_id = world.clients[0], world.assignments[0]
    check_none(client, world)
    post_review(client, world)
    response = client.post(f"/reviews/{assignment_id}/decline", data={"reason": "Changed mind"})
    assert "You have already submitted a review for this idea" in response.get_data(as_text=True)
    assert query(lambda: db.session.get(Assignment, assignment_id).state) is (
        AssignmentState.ACTIVE
    )
