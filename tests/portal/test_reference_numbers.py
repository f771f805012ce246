"""A reference number or idea id once given out is never given again: not after its draft is
deleted, not to two requests at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth import services as auth_services
from portal.auth.models import User
from portal.extensions import db
from portal.ideas import services
from portal.ideas.models import Idea
from portal.ideas.reference import format_reference, period_of, sequence_of
from tests.conftest import PASSWORD
from tests.portal.test_drafts import save_title, start

TOGETHER = 4


def id_of(query, reference):
    return query(lambda: db.session.scalar(sa.select(Idea.id).filter_by(reference=reference)))


def test_a_deleted_drafts_reference_and_id_go_to_no_other_idea(innovator_client, query):
    kept = start(innovator_client, "kept")
    save_title(innovator_client, kept, "Kept")
    newest = start(innovator_client, "newest")
    deleted_id = id_of(query, newest)
    assert innovator_client.post(f"/ideas/{newest}/delete").status_code == 302

    again = start(innovator_client, "again")
    assert sequence_of(again) == sequence_of(newest) + 1 == sequence_of(kept) + 2
    assert id_of(query, again) > deleted_id
    trail = query(
        lambda: db.session.execute(
            sa.select(AuditEvent.object_id, AuditEvent.action).filter_by(object_type="ideas")
        ).all()
    )
    assert sorted(action for object_id, action in trail if object_id == str(deleted_id)) == [
        "idea.created",
        "idea.deleted",
    ]


def test_a_number_given_out_past_the_counter_is_skipped(innovator_client, query):
    first = start(innovator_client, "first")
    save_title(innovator_client, first, "First")
    # The demo's bulk loader numbers its ideas itself, without the counter.
    later = format_reference(first.split("-")[1], sequence_of(first) + 5)

    def renumber():
        db.session.execute(sa.update(Idea).filter_by(reference=first).values(reference=later))
        db.session.commit()

    query(renumber)
    assert sequence_of(start(innovator_client, "second")) == sequence_of(later) + 1


def test_drafts_started_at_once_get_one_number_each(committed_app):
    """The first ideas of a period race to start its counter as well as to claim numbers."""
    with committed_app.app_context():
        owners = [
            auth_services.create_user(f"racer{n}@example.org", f"Racer {n}", PASSWORD, None).id
            for n in range(TOGETHER)
        ]
        db.session.commit()
    ready = threading.Barrier(TOGETHER, timeout=10)

    def start_draft(owner_id):
        with committed_app.app_context():
            ready.wait()  # before any query: on SQLite a write transaction locks at BEGIN
            reference = services.create_draft(db.session.get(User, owner_id)).reference
            db.session.commit()
            return reference

    with ThreadPoolExecutor(max_workers=TOGETHER) as pool:
        references = list(pool.map(start_draft, owners))
    with committed_app.app_context():
        period = period_of(db.session.scalar(sa.select(sa.func.min(Idea.created_at))))
    assert sorted(references) == [format_reference(period, n) for n in range(1, TOGETHER + 1)]
