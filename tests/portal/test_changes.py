"""The change-capture hook: what a transaction changed reaches only the subscribers that asked."""

import pytest
import sqlalchemy as sa

from portal import changes
from portal.audit import AuditEvent
from portal.auth.models import Organisation, OrganisationType
from portal.extensions import db
from portal.ideas.models import Idea, Workstream


class Recorder:
    """A subscriber: the changes its flushes were told of, and what each commit took."""

    def __init__(self, key, tables):
        self.key, self.flushed, self.committed = key, [], []
        changes.on_flush(tables, self.flushed_with)
        changes.before_commit(self.committing)

    def flushed_with(self, session, found):
        self.flushed.extend(found)
        changes.note(
            session, self.key, [(c.action, getattr(c.obj, "object_type", None)) for c in found]
        )

    def committing(self, session):
        self.committed.append(changes.take(session, self.key))

    def close(self):
        changes.disconnect(self.flushed_with)
        changes.disconnect(self.committing)


@pytest.fixture
def subscribe(app, connection):
    made = []

    def factory(key, tables):
        made.append(Recorder(key, tables))
        return made[-1]

    yield factory
    for recorder in made:
        recorder.close()


def add_event(label):
    event = AuditEvent(action="test.change", object_type=label)
    db.session.add(event)
    return event


def test_orm_inserts_updates_and_deletes_reach_the_subscriber(app, subscribe):
    audit = subscribe("audit", [AuditEvent])
    with app.app_context():
        event = add_event("first")
        db.session.flush()
        event.object_type = "first"  # set to the value it has: not a change
        db.session.flush()
        event.object_type = "renamed"
        db.session.flush()
        db.session.delete(event)
        add_event("unflushed")  # the commit flushes it before its callbacks run
        db.session.commit()
    assert [(c.table, c.action, c.obj is event, c.rows) for c in audit.flushed] == [
        ("audit_events", "insert", True, ()),
        ("audit_events", "update", True, ()),
        ("audit_events", "insert", False, ()),
        ("audit_events", "delete", True, ()),
    ]
    assert audit.committed == [
        {("insert", "first"), ("update", "renamed"), ("insert", "unflushed"), ("delete", "renamed")}
    ]


def test_a_change_tells_which_attributes_changed_while_its_callback_runs(app, subscribe):
    seen = []

    def record(_session, found):
        seen.extend((c.action, c.modified("object_type"), c.modified("action")) for c in found)

    changes.on_flush(["audit_events"], record)
    try:
        with app.app_context():
            event = add_event("first")
            db.session.flush()
            event.object_type = "second"
            db.session.commit()
    finally:
        changes.disconnect(record)
    assert seen == [("insert", True, True), ("update", True, False)]  # an insert sets both


def test_bulk_statements_reach_the_subscriber_with_their_rows(app, subscribe):
    audit = subscribe("audit", ["audit_events"])
    rows = [{"action": "test.bulk", "object_type": label} for label in ("a", "b")]
    with app.app_context():
        db.session.execute(sa.insert(AuditEvent), rows)
        ids = db.session.scalars(sa.select(AuditEvent.id).filter_by(action="test.bulk")).all()
        by_key = [{"id": i, "object_type": "c"} for i in ids]
        db.session.execute(sa.update(AuditEvent), by_key)
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.action == "test.bulk"))
        db.session.commit()
    assert [(c.table, c.action, c.obj, c.rows) for c in audit.flushed] == [
        ("audit_events", "insert", None, tuple(rows)),
        ("audit_events", "update", None, tuple(by_key)),
        ("audit_events", "delete", None, ()),
    ]
    assert audit.committed == [{("insert", None), ("update", None), ("delete", None)}]


def test_a_collection_change_reaches_the_many_to_many_tables_subscriber(
    app, subscribe, create_idea
):
    idea_id = create_idea(workstreams=()).id
    links = subscribe("links", ["idea_workstreams"])
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        workstream = db.session.scalars(sa.select(Workstream)).first()
        idea.workstreams.append(workstream)
        db.session.flush()
        idea.workstreams.remove(workstream)
        db.session.commit()
    assert [(c.table, c.action, c.obj is idea) for c in links.flushed] == [
        ("idea_workstreams", "insert", True),
        ("idea_workstreams", "delete", True),
    ]


def test_one_subscribers_tables_do_not_reach_another(app, subscribe):
    audit = subscribe("audit", ["audit_events"])
    organisations = subscribe("organisations", ["organisations"])
    with app.app_context():
        add_event("only audit")
        db.session.commit()
        db.session.add(
            Organisation(name="Westshire", name_key="westshire", type=OrganisationType.CARE_HOME)
        )
        db.session.commit()
    assert [(c.table, c.action) for c in audit.flushed] == [("audit_events", "insert")]
    assert [(c.table, c.action) for c in organisations.flushed] == [("organisations", "insert")]
    assert audit.committed == [{("insert", "only audit")}, set()]
    assert organisations.committed == [set(), {("insert", None)}]


def test_a_rolled_back_flush_leaves_nothing_for_the_next_commit(app, subscribe):
    audit = subscribe("audit", [AuditEvent])
    with app.app_context():
        add_event("undone")
        db.session.flush()
        db.session.rollback()
        db.session.commit()
    assert [c.action for c in audit.flushed] == ["insert"]
    assert audit.committed == [set()]


def test_a_rolled_back_savepoint_forgets_only_its_own_changes(app, subscribe):
    audit = subscribe("audit", [AuditEvent])
    with app.app_context():
        add_event("kept")
        db.session.flush()
        with pytest.raises(RuntimeError), db.session.begin_nested():
            add_event("undone")
            db.session.flush()
            raise RuntimeError("roll the savepoint back")
        db.session.commit()
    assert audit.committed == [{("insert", "kept")}]


def test_what_a_released_savepoint_wrote_is_written_again_if_its_parent_rolls_back(app, subscribe):
    audit = subscribe("audit", [AuditEvent])
    with app.app_context():
        add_event("outer")
        db.session.flush()
        with pytest.raises(RuntimeError), db.session.begin_nested():
            add_event("middle")
            with db.session.begin_nested():  # released: its callbacks run
                add_event("inner")
            raise RuntimeError("roll the middle savepoint back")
        db.session.commit()
    outer, middle, inner = ("insert", "outer"), ("insert", "middle"), ("insert", "inner")
    assert audit.committed == [{outer, middle, inner}, {outer}]
