"""Drafts: "Share a new idea" hands back a blank draft; a draft is deleted, never withdrawn."""

import io

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal.audit import AuditEvent
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Attachment, Idea, IdeaEvent
from portal.stored_files import StoredFileChunk
from tests.portal.test_attachments import PDF


def start(client, token) -> str:
    response = client.post("/ideas/new", data={"start_token": token})
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[1]


def save_title(client, reference, title):
    data = {"title": title, "save-draft": "1"}
    assert client.post(f"/ideas/{reference}/sections/about", data=data).status_code == 302


def upload_pdf(client, reference):
    part = FileStorage(io.BytesIO(PDF), filename="audit.pdf", content_type="application/pdf")
    boundary, body = encode_multipart({"file": part})
    response = client.post(
        f"/ideas/{reference}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 302


def count(query, model, **filters):
    return query(
        lambda: db.session.scalar(
            sa.select(sa.func.count()).select_from(model).filter_by(**filters)
        )
    )


def test_share_a_new_idea_hands_back_a_blank_draft_rather_than_piling_them_up(
    innovator_client, query
):
    first = start(innovator_client, "click-1")
    assert start(innovator_client, "click-2") == first  # a blank draft is reused
    save_title(innovator_client, first, "Falls huddles")
    second = start(innovator_client, "click-3")
    assert second != first and start(innovator_client, "click-4") == second
    assert count(query, Idea) == 2
    home = innovator_client.get("/innovator").get_data(as_text=True)
    assert home.count("Untitled idea</bdi></a>") == 1


def test_deleting_a_draft_asks_first_then_removes_it_with_its_answers_and_files(
    innovator_client, query
):
    reference = start(innovator_client, "to-delete")
    save_title(innovator_client, reference, "Half a thought")
    upload_pdf(innovator_client, reference)
    task_list = innovator_client.get(f"/ideas/{reference}").get_data(as_text=True)
    assert f'href="/ideas/{reference}/delete"' in task_list
    page = innovator_client.get(f"/ideas/{reference}/delete").get_data(as_text=True)
    assert "Are you sure you want to delete this draft?" in page and "Half a thought" in page
    assert "1 of 9 sections started" in page and "1 file<" in page
    assert count(query, StoredFileChunk) == 1

    response = innovator_client.post(f"/ideas/{reference}/delete")
    assert response.headers["Location"] == "/innovator"
    home = innovator_client.get("/innovator").get_data(as_text=True)
    assert "Your draft &#39;Half a thought&#39; has been deleted." in home
    assert "Half a thought</bdi></a>" not in home
    assert [count(query, m) for m in (Idea, Attachment, IdeaEvent)] == [0, 0, 0]
    assert count(query, StoredFileChunk) == 0
    [(details, actor)] = query(
        lambda: db.session.execute(
            sa.select(AuditEvent.details, AuditEvent.actor_id).filter_by(action="idea.deleted")
        ).all()
    )
    assert actor == innovator_client.user.id
    assert details == {"reference": reference, "title": "Half a thought", "files": 1}
    assert innovator_client.get(f"/ideas/{reference}").status_code == 404


def test_a_submitted_idea_is_withdrawn_not_deleted(innovator_client, create_idea, query):
    idea = create_idea(owner=innovator_client.user)
    page = innovator_client.get(f"/ideas/{idea.reference}/delete").get_data(as_text=True)
    assert "You cannot delete" in page and "only a draft can be" in page
    assert f'href="/ideas/{idea.reference}/withdraw"' in page
    response = innovator_client.post(f"/ideas/{idea.reference}/delete")
    assert response.status_code == 409
    assert count(query, Idea, id=idea.id, state=IdeaState.SUBMITTED) == 1
    assert count(query, AuditEvent, action="idea.deleted") == 0


def test_the_withdraw_page_of_a_draft_offers_delete_in_plain_words(innovator_client, query):
    reference = start(innovator_client, "draft")
    page = innovator_client.get(f"/ideas/{reference}/withdraw").get_data(as_text=True)
    assert "nobody else has seen it and there is nothing to withdraw" in page
    assert f'href="/ideas/{reference}/delete"' in page and "<textarea" not in page
    response = innovator_client.post(f"/ideas/{reference}/withdraw", data={"reason": "No"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "&#39;draft&#39;" not in html and "cannot be moved" not in html
    assert count(query, Idea, reference=reference, state=IdeaState.DRAFT) == 1
