"""The innovator's journey: start, answer each section, check, submit, follow, answer, withdraw."""

import re

import pytest
import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas import services
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaEvent, IdeaVersion
from portal.ideas.reference import is_valid_reference
from portal.ideas.services import ask_question
from portal.mail import OutboxMessage
from tests.portal.idea_answers import ANSWERS, fill_all


def start(client, token="start-token-1"):
    response = client.post("/ideas/new", data={"start_token": token})
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[1]


def save_title(client, reference, title="A first idea"):
    response = client.post(
        f"/ideas/{reference}/sections/about", data={"title": title, "save-draft": "1"}
    )
    assert response.status_code == 302


def idea_row(query, reference):
    def load():
        idea = db.session.scalar(sa.select(Idea).filter_by(reference=reference))
        db.session.expunge(idea)
        return idea

    return query(load)


def count(query, model, **filters):
    return query(
        lambda: db.session.scalar(
            sa.select(sa.func.count()).select_from(model).filter_by(**filters)
        )
    )


@pytest.fixture
def submitted(innovator_client, query):
    reference = start(innovator_client)
    fill_all(innovator_client, reference)
    assert innovator_client.post(f"/ideas/{reference}/submit").status_code == 302
    return reference


def test_landing_page_explains_the_programme(client):
    html = client.get("/share-an-idea").get_data(as_text=True)
    for text in (
        "Share your idea",
        "address inequalities",
        "Maternity and Neonatal",
        "MedSIP",
        "Mental Health",
        "What happens next",
        "Do not include patient details",
    ):
        assert text in html
    assert 'href="/register"' in html  # anonymous visitors are asked to register first


def test_starting_an_idea_gives_a_checked_reference_and_a_double_click_makes_one(
    innovator_client, query
):
    reference = start(innovator_client, "same-token")
    assert is_valid_reference(reference)
    assert start(innovator_client, "same-token") == reference
    assert count(query, Idea) == 1
    html = innovator_client.get(f"/ideas/{reference}").get_data(as_text=True)
    assert "You have completed 0 of 9 sections" in html and "Not started" in html


def test_a_reference_number_taken_meanwhile_is_skipped(innovator_client, query, monkeypatch):
    first = start(innovator_client, "token-1")
    save_title(innovator_client, first)  # a blank draft would be handed back instead
    real, offered = services._next_reference, []

    def racing(now):  # another request took the number this one was about to use
        offered.append(first if not offered else real(now))
        return offered[-1]

    monkeypatch.setattr(services, "_next_reference", racing)
    second = start(innovator_client, "token-2")
    assert offered == [first, second] and second != first and is_valid_reference(second)
    assert count(query, Idea) == 2
    assert count(query, IdeaEvent, kind="created") == 2  # one each: the clash left no trace


def test_reference_numbers_taken_every_time_give_up_with_a_message(
    app, client_for, query, monkeypatch
):
    taken = start(client_for(Role.INNOVATOR), "token-1")
    monkeypatch.setattr(services, "_next_reference", lambda now: taken)
    with app.test_request_context():
        owner = db.session.scalar(sa.select(Idea).filter_by(reference=taken)).owner
        with pytest.raises(services.IdeaError, match="Could not allocate a reference number"):
            services.create_draft(owner)
        db.session.rollback()
    assert count(query, Idea) == 1


def test_sections_save_and_lead_on_to_check_answers(innovator_client, query):
    reference = start(innovator_client)
    responses = fill_all(innovator_client, reference)
    assert responses["about"].headers["Location"].endswith("/sections/problem")
    assert responses["about_you"].headers["Location"].endswith("/check")
    idea = idea_row(query, reference)
    assert idea.title == "Sepsis prompts for district nurses"
    assert idea.care_settings == ["community"] and idea.consent_to_share
    html = innovator_client.get(f"/ideas/{reference}").get_data(as_text=True)
    assert "You have completed 9 of 9 sections" in html
    check = innovator_client.get(f"/ideas/{reference}/check").get_data(as_text=True)
    assert "District nursing team leader" in check and "Managing Deterioration" in check
    assert "Submit idea" in check


def test_save_as_draft_keeps_a_half_finished_section(innovator_client, query):
    reference = start(innovator_client)
    response = innovator_client.post(
        f"/ideas/{reference}/sections/problem",
        data={"problem_harm": "Late recognition", "save-draft": "1"},
    )
    assert response.headers["Location"] == f"/ideas/{reference}"
    html = innovator_client.get(f"/ideas/{reference}").get_data(as_text=True)
    assert "In progress" in html
    assert idea_row(query, reference).problem_harm == "Late recognition"


@pytest.mark.parametrize(
    ("key", "overrides", "message"),
    [
        ("about", {"title": ""}, "Enter a title for your idea"),
        ("about", {"title": "x" * 151}, "Title must be 150 characters or fewer"),
        ("about", {"summary": "word " * 151}, "Your summary must be 150 words or fewer"),
        ("fit", {"workstreams": []}, "Choose at least one workstream"),
        ("fit", {"workstreams": ["not_a_workstream"]}, "a valid choice"),
        ("change", {"development_stage": "finished"}, "a valid choice"),
        ("about_you", {"consent_to_share": ""}, "Confirm that your idea can be shared"),
    ],
)
def test_bad_answers_get_clear_messages_and_lose_nothing(
    innovator_client, query, key, overrides, message
):
    reference = start(innovator_client)
    fill_all(innovator_client, reference)
    before = idea_row(query, reference).content()
    data = {**ANSWERS[key], **overrides}
    response = innovator_client.post(f"/ideas/{reference}/sections/{key}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert idea_row(query, reference).content() == before


def test_over_long_text_is_refused_even_when_saving_a_draft(innovator_client, query):
    reference = start(innovator_client)
    response = innovator_client.post(
        f"/ideas/{reference}/sections/about",
        data={"title": "Fine", "summary": "word " * 200, "save-draft": "1"},
    )
    assert "150 words or fewer" in response.get_data(as_text=True)
    assert idea_row(query, reference).title is None


def test_cannot_submit_until_every_section_is_complete(innovator_client, query):
    reference = start(innovator_client)
    fill_all(innovator_client, reference, skip={"measures"})
    html = innovator_client.get(f"/ideas/{reference}/check").get_data(as_text=True)
    assert "You cannot submit your idea yet" in html and "Measuring improvement" in html
    response = innovator_client.post(f"/ideas/{reference}/submit")
    assert response.headers["Location"].endswith("/check")
    assert idea_row(query, reference).state is IdeaState.DRAFT


def test_submit_confirms_emails_and_versions_once_however_often_clicked(
    innovator_client, submitted, query
):
    again = innovator_client.post(f"/ideas/{submitted}/submit")
    assert again.headers["Location"] == f"/ideas/{submitted}/confirmation"
    page = innovator_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Idea submitted" in page and submitted in page
    idea = idea_row(query, submitted)
    assert idea.state is IdeaState.SUBMITTED and idea.submitted_at is not None
    assert count(query, IdeaVersion) == 1
    assert count(query, IdeaEvent, kind="submitted") == 1
    mails = query(lambda: db.session.scalars(sa.select(OutboxMessage)).all())
    assert len(mails) == 1 and submitted in mails[0].subject
    assert f"http://localhost/ideas/{submitted}" in mails[0].body


def test_submitted_ideas_cannot_be_edited(innovator_client, submitted, query):
    response = innovator_client.post(
        f"/ideas/{submitted}/sections/about", data={**ANSWERS["about"], "title": "Sneaky change"}
    )
    assert response.headers["Location"] == f"/ideas/{submitted}"
    assert "cannot be changed now" in innovator_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert idea_row(query, submitted).title == ANSWERS["about"]["title"]


@pytest.mark.parametrize("suffix", ["", "/sections/about", "/check", "/confirmation", "/withdraw"])
def test_another_innovators_idea_is_404(client_for, innovator_client, submitted, suffix):
    other = client_for(Role.INNOVATOR)
    assert other.get(f"/ideas/{submitted}{suffix}").status_code == 404
    assert other.post(f"/ideas/{submitted}/answer", data={"answer": "x"}).status_code == 404


def test_leads_do_not_see_drafts(innovator_client, lead_client):
    reference = start(innovator_client)
    assert lead_client.get(f"/ideas/{reference}").status_code == 404


def test_answering_a_question_returns_the_idea_and_versions_the_edit(
    app, innovator_client, lead_client, submitted, query
):
    with app.test_request_context():
        idea = db.session.scalar(sa.select(Idea).filter_by(reference=submitted))
        ask_question(idea, lead_client.user, "How many nurses would use it?")
        db.session.commit()
    home = innovator_client.get("/innovator").get_data(as_text=True)
    assert "Questions for you" in home and submitted in home
    page = innovator_client.get(f"/ideas/{submitted}").get_data(as_text=True)
    assert "How many nurses would use it?" in page

    edit = innovator_client.post(
        f"/ideas/{submitted}/sections/resources",
        data={"resources_needed": "Training for 40 nurses."},
    )
    assert edit.headers["Location"] == f"/ideas/{submitted}"
    assert count(query, IdeaVersion) == 2
    empty = innovator_client.post(f"/ideas/{submitted}/answer", data={"answer": ""})
    assert "Enter your answer" in empty.get_data(as_text=True)
    innovator_client.post(f"/ideas/{submitted}/answer", data={"answer": "About 40 nurses."})
    idea = idea_row(query, submitted)
    assert idea.state is IdeaState.SUBMITTED
    timeline = innovator_client.get(f"/ideas/{submitted}").get_data(as_text=True)
    assert "About 40 nurses." in timeline and "Question asked" in timeline
    assert (
        innovator_client.post(f"/ideas/{submitted}/answer", data={"answer": "again"}).status_code
        == 200
    )
    assert "no open question" in innovator_client.post(
        f"/ideas/{submitted}/answer", data={"answer": "again"}
    ).get_data(as_text=True)


def test_withdrawing_with_a_reason(innovator_client, submitted, query):
    response = innovator_client.post(
        f"/ideas/{submitted}/withdraw", data={"reason": "We found an existing solution."}
    )
    assert response.headers["Location"] == f"/ideas/{submitted}"
    assert idea_row(query, submitted).state is IdeaState.WITHDRAWN
    page = innovator_client.get(f"/ideas/{submitted}").get_data(as_text=True)
    assert "We found an existing solution." in page and "Withdraw your idea" not in page
    again = innovator_client.post(f"/ideas/{submitted}/withdraw", data={"reason": ""})
    assert again.status_code == 409
    assert "This idea has been withdrawn, so it cannot be withdrawn now." in again.get_data(
        as_text=True
    )


def test_html_typed_into_fields_is_shown_as_text(innovator_client, query):
    reference = start(innovator_client)
    script = '<script>alert("x")</script>'
    fill_all(innovator_client, reference)
    innovator_client.post(
        f"/ideas/{reference}/sections/about",
        data={"title": script, "summary": f"<b>bold</b> {script}"},
    )
    for path in (
        f"/ideas/{reference}",
        f"/ideas/{reference}/check",
        "/innovator",
        f"/ideas/{reference}/sections/about",
    ):
        html = innovator_client.get(path).get_data(as_text=True)
        assert script not in html and "<b>bold</b>" not in html, path
        assert "&lt;script&gt;" in html, path
    innovator_client.post(f"/ideas/{reference}/submit")
    body = query(lambda: db.session.scalars(sa.select(OutboxMessage.body)).one())
    assert script in body  # plain-text email: the text as typed, never rendered
    confirmation = innovator_client.get(f"/ideas/{reference}/confirmation")
    assert script not in confirmation.get_data(as_text=True)


def test_reference_is_case_insensitive_in_urls(innovator_client, submitted):
    assert innovator_client.get(f"/ideas/{submitted.lower()}").status_code == 200


def test_references_count_up_within_a_month(client_for, query):
    first = start(client_for(Role.INNOVATOR), "a")
    second = start(client_for(Role.INNOVATOR), "b")
    assert int(second.split("-")[2]) == int(first.split("-")[2]) + 1
    assert re.match(r"PSI-\d{4}-\d{4}-\d", second)
