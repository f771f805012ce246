"""Reviewers and leads read an idea's answers under neutral headings and labels ("About the
idea", "Title"), not the questions put to the innovator ("About your idea", "Give your idea a
short title"); the innovator still sees their own questions."""

import re

import sqlalchemy as sa

from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.sections import SECTIONS
from portal.reviews.models import Assignment

INNOVATORS_OWN = (
    "About your idea",
    "Give your idea a short title",
    "Summarise your idea",
    "Your idea and evidence",
    "What is your idea?",
    "How far has your idea got?",
    "What evidence do you have so far?",
    "How would your idea reduce health inequalities?",
    "What you would need",
    "About you and consent",
    "Your job title or role",
    "Yes, I agree",
)
HEADINGS = ("About the idea", "The idea and evidence", "About the innovator and consent")
LABELS = ("Title", "Summary", "How far it has got", "How it would reduce health inequalities")


def test_every_question_has_a_label_for_readers():
    for section in SECTIONS:
        labels = section.form_class.reader_labels
        assert set(labels) == set(section.fields), section.key
        assert all(label and "your" not in label.lower() for label in labels.values())
        assert "your" not in section.heading(reader=True).lower()


def assert_neutral(html):
    headings = {h.strip() for h in re.findall(r"<h[23][^>]*>([^<]+)</h[23]>", html)}
    keys = {k.strip() for k in re.findall(r"summary-list__key[^>]*>([^<]+)</dt>", html)}
    assert set(HEADINGS) <= headings and set(LABELS) <= keys
    for text in INNOVATORS_OWN:
        assert text not in html, text


def test_the_lead_reads_the_idea_under_neutral_headings(client_for, create_idea):
    lead = client_for(Role.PROGRAMME_LEAD)
    idea = create_idea(triage=True)
    assert_neutral(lead.get(f"/ideas/{idea.reference}").get_data(as_text=True))


def test_the_reviewer_reads_the_idea_under_neutral_headings(
    app, sign_in, query, create_assigned_round
):
    _round_id, _ideas, members, _lead = create_assigned_round(
        "Spring", n_ideas=1, n_members=1, reviews_per_idea=1
    )
    assignment_id = query(lambda: db.session.scalar(sa.select(Assignment.id)))
    client = app.test_client()
    sign_in(client, members[0])
    client.post(f"/reviews/{assignment_id}/conflicts", data={"has_conflict": "no"})
    assert_neutral(client.get(f"/reviews/{assignment_id}").get_data(as_text=True))


def test_the_innovator_still_sees_their_own_questions(client_for, create_idea):
    innovator = client_for(Role.INNOVATOR)
    idea = create_idea(owner=innovator.user)
    html = innovator.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    assert "About your idea" in html and "Give your idea a short title" in html
