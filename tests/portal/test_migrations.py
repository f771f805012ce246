"""Migrations match the models, run down and up again, and are named by date."""

import json
import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea
from portal.pipeline.disagreement import AGREEMENT_RULE, disagrees
from portal.pipeline.models import ScoreSnapshot, SnapshotRequest
from portal.pipeline.snapshots import run_requested_refresh
from portal.search.unmapped import TABLES as UNMAPPED_TABLES
from portal.search.unmapped import include_object
from portal.settings import PROJECT_ROOT
from tests.conftest import BACKENDS, fresh_database, make_config

VERSIONS = PROJECT_ROOT / "migrations" / "versions"


def schema_differences(connection):
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "render_as_batch": True, "include_object": include_object},
    )
    return compare_metadata(context, db.metadata)


def table_names(app):
    """The database's tables, less the search backend's own (PostgreSQL's only)."""
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names()) - UNMAPPED_TABLES


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        assert schema_differences(conn) == []


@pytest.fixture(params=BACKENDS)
def fresh_app(request, tmp_path):
    """An app on a new, empty database of each backend."""
    with fresh_database(request.param, tmp_path) as url:
        app = create_app(make_config(url, tmp_path))
        yield app
        with app.app_context():
            db.engine.dispose()


def test_migrations_downgrade_to_base_and_upgrade_again(fresh_app):
    model_tables = set(db.metadata.tables)
    with fresh_app.app_context():
        upgrade()
    assert table_names(fresh_app) == model_tables | {"alembic_version"}

    with fresh_app.app_context():
        downgrade(revision="base")
    assert table_names(fresh_app) <= {"alembic_version"}

    with fresh_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            assert schema_differences(conn) == []
    assert table_names(fresh_app) == model_tables | {"alembic_version"}


def test_migrations_keep_the_data_of_a_populated_database(fresh_app):
    """Going down and up again over tables that hold rows loses none of them.

    SQLite rebuilds a table to alter it; with rows referencing it, that once failed.
    """
    from portal.demo import load_demo

    with fresh_app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        before = _counts()
        downgrade(revision="8705a3a2c50d")  # back to ideas and workstreams, holding rows
        upgrade()
        assert _counts() == before
        with db.engine.connect() as conn:
            assert schema_differences(conn) == []


def test_conflict_check_answers_move_from_the_audit_trail_onto_assignments(fresh_app):
    """The migration reads each member's own "no conflict" audit rows, and nobody else's."""
    from portal.audit import AuditEvent
    from portal.demo import load_demo
    from portal.reviews.models import Assignment

    with fresh_app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        assignments = db.session.scalars(sa.select(Assignment)).all()
        checked = {a.id for a in assignments if a.conflict_checked_at is not None}
        unchecked = next(a for a in assignments if a.id not in checked)
        someone_else = next(a.user_id for a in assignments if a.user_id != unchecked.user_id)
        db.session.add(  # an answer recorded by another person does not count
            AuditEvent(
                actor_id=someone_else,
                action="conflict.none_declared",
                object_type="assignments",
                object_id=str(unchecked.id),
            )
        )
        db.session.commit()
        db.session.remove()
        downgrade(revision="41b1253a1468")  # before the column: only the audit rows remain
        upgrade()
        found = db.session.scalars(
            sa.select(Assignment.id).where(Assignment.conflict_checked_at.is_not(None))
        ).all()
    assert checked and set(found) == checked


def test_panel_invitations_become_invitations_to_the_panel_member_role(fresh_app):
    """Links already emailed keep working after the table moves, and come back on the way down."""
    row = {
        "id": 7,
        "email": "grace@example.org",
        "name": "Grace Okafor",
        "token_hash": "a" * 64,
        "created_at": datetime(2026, 12, 1, 9, 0),
        "expires_at": datetime(2026, 12, 15, 9, 0),
    }
    with fresh_app.app_context():
        upgrade(revision="754238509c2e")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO panel_invitations (id, email, name, token_hash, created_at, "
                    "expires_at) VALUES (:id, :email, :name, :token_hash, :created_at, "
                    ":expires_at)"
                ),
                row,
            )
        upgrade()
        with db.engine.begin() as conn:
            moved = conn.execute(sa.text("SELECT id, email, role FROM invitations")).all()
            conn.execute(  # the next id follows the copied ones (PostgreSQL's sequence)
                sa.text(
                    "INSERT INTO invitations (email, name, role, token_hash, created_at, "
                    "expires_at) VALUES ('ann@example.org', 'Ann', 'admin', :token_hash, "
                    ":created_at, :expires_at)"
                ),
                row | {"token_hash": "b" * 64},
            )
        downgrade(revision="754238509c2e")
        with db.engine.connect() as conn:
            back = conn.execute(sa.text("SELECT id, email FROM panel_invitations")).all()
    assert moved == [(7, "grace@example.org", "panel_member")]
    assert back == [(7, "grace@example.org")]  # an invitation to another role has no place


def _counts():
    tables = ("users", "organisations", "ideas", "idea_workstreams", "workstreams")
    with db.engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}


def test_migration_files_are_named_with_a_date_prefix():
    files = sorted(VERSIONS.glob("*.py"))
    assert files, f"no migrations in {VERSIONS}"
    for path in files:
        match = re.fullmatch(r"(\d{8})_\w+\.py", path.name)
        assert match, f"{path.name} should be named YYYYMMDD_description_revision.py"
        datetime.strptime(match.group(1), "%Y%m%d")  # a real date, not just eight digits


def test_snapshots_stored_under_the_earlier_disagreement_rule_are_recomputed(fresh_app):
    """The migration queues one recomputation when there are snapshots, and none otherwise."""
    earlier = {"criteria": {"safety_impact": {"range": 2.0, "disagreement": True}}}
    with fresh_app.app_context():
        upgrade()
        assert db.session.scalars(sa.select(SnapshotRequest)).all() == []
        idea = Idea(reference="SP-OLD-0001", title="Stored before", state=IdeaState.IN_REVIEW)
        db.session.add(idea)
        db.session.flush()
        db.session.add(ScoreSnapshot(idea_id=idea.id, reason="old", rank=1, joint=earlier))
        db.session.commit()
        downgrade(revision="754238509c2e")  # where `joint` was `details`
        upgrade()
        reasons = db.session.scalars(sa.select(SnapshotRequest.reason)).all()
        assert any("disagreement" in reason for reason in reasons)
        assert not disagrees(db.session.get(ScoreSnapshot, idea.id).details)
        db.session.remove()
        assert run_requested_refresh() == 1  # what `flask worker` does
        details = db.session.get(ScoreSnapshot, idea.id).details
        assert details["agreement_rule"] == AGREEMENT_RULE


def test_snapshot_details_move_to_their_own_table_and_are_recomputed(fresh_app):
    """Stored details are copied whole (read as before) and one recomputation is queued,
    which leaves the snapshot row the joint figures only and the details with a digest."""
    stored = {"agreement_rule": AGREEMENT_RULE, "criteria": {"evidence": {"mean": 4.0}}}
    with fresh_app.app_context():
        upgrade(revision="7b3e9d1f4a62")
        db.session.add(Idea(id=1, reference="SP-MOV-0001", state=IdeaState.IN_REVIEW))
        db.session.flush()
        db.session.execute(
            sa.text(
                "INSERT INTO score_snapshots (idea_id, computed_at, reason, n_reviews, "
                "sufficient, top_k, relevance, novelty, priority, rank, details) VALUES "
                "(1, :at, 'old', 2, true, 10, 0, 1, 0, 1, :details)"
            ),
            {"at": datetime(2026, 12, 4), "details": json.dumps(stored)},
        )
        db.session.commit()
        upgrade()
        snapshot = db.session.get(ScoreSnapshot, 1)
        assert snapshot.details == stored and snapshot.kept.digest == 0
        assert db.session.scalars(sa.select(SnapshotRequest.reason)).all() == [
            "snapshot details stored apart"
        ]
        db.session.remove()
        assert run_requested_refresh() == 1
        snapshot = db.session.get(ScoreSnapshot, 1)
        assert set(snapshot.joint) == {"reviews", "contributions"}
        assert snapshot.kept.digest != 0 and "criteria" in snapshot.kept.details


def test_snapshots_get_their_disagreement_flag_from_their_details(fresh_app):
    """Flagged on a criterion or overall under the current rule: True; else False."""
    cell = {"range": 3.0, "disagreement": True}
    stored = {
        "SP-DIS-0001": {"agreement_rule": AGREEMENT_RULE, "criteria": {"evidence": cell}},
        "SP-DIS-0002": {"agreement_rule": AGREEMENT_RULE, "overall": {"disagreement": True}},
        "SP-DIS-0003": {"agreement_rule": AGREEMENT_RULE, "criteria": {"evidence": {}}},
        "SP-DIS-0004": {"agreement_rule": 1, "criteria": {"evidence": cell}},
        "SP-DIS-0005": {},
    }
    with fresh_app.app_context():
        upgrade(revision="d4a8b2c6e913")
        for number, (reference, details) in enumerate(stored.items(), start=1):
            db.session.add(Idea(id=number, reference=reference, state=IdeaState.IN_REVIEW))
            db.session.flush()
            db.session.execute(
                sa.text(
                    "INSERT INTO score_snapshots (idea_id, computed_at, reason, n_reviews, "
                    "sufficient, top_k, relevance, novelty, priority, rank, details) VALUES "
                    "(:id, :at, 'old', 2, true, 10, 0, 1, 0, :id, :details)"
                ),
                {"id": number, "at": datetime(2026, 12, 1), "details": json.dumps(details)},
            )
        db.session.commit()
        upgrade()
        flags = dict(
            db.session.execute(
                sa.select(Idea.reference, ScoreSnapshot.disagreement).join(ScoreSnapshot)
            ).all()
        )
    assert flags == {
        "SP-DIS-0001": True,
        "SP-DIS-0002": True,
        "SP-DIS-0003": False,
        "SP-DIS-0004": False,
        "SP-DIS-0005": False,
    }
