"""bench/search.py's PostgreSQL side: the same documents as rows, searched as the portal does.

A fresh database (dropped afterwards) on ``BENCH_POSTGRES_URL`` (default the local server's
``postgres`` database, as the tests use), migrated by the portal's own migrations, so the
weighted `search_vector` columns, their GIN indexes and the `search_words` triggers are the
real ones. "Indexing" is inserting the rows: PostgreSQL generates the vectors, and updates
the indexes and the word list, as it would for the portal. A query is timed
through `engine.search` itself, as the search page calls it: the lead's scope (the policy's
clause), `postgres.run` (the match, total and five facet counts, the ranked page of 10), the
page's rows with their snippets (`postgres.shown`) and, under 10 hits, `postgres.suggest`.
"""

import os
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
STATES = {"in_triage", "in_review", "shortlisted"}


@contextmanager
def fresh_app():
    """A portal app on a new, migrated PostgreSQL database, dropped afterwards."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    name = f"search_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        sa.make_url(ADMIN_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    try:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            }
        )
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def n_feed(item_id: int) -> int:
    """The one feed that brought this item (ids 0-11)."""
    return (item_id - 1) % 12


def _rows(docs):
    """The synthetic documents as idea rows (with workstream links) and item rows."""
    ideas, links, items = [], [], []
    for doc in docs:
        kind, _, n = doc["doc_id"].partition(":")
        when = datetime(doc["year"], 6, 1, tzinfo=UTC)
        if kind == "idea":
            state = doc["stage"] if doc["stage"] in STATES else "in_triage"
            ideas.append(
                {
                    "id": int(n) + 1,
                    "reference": doc["reference"],
                    "title": doc["title"][:150],
                    "summary": doc["body"],
                    "state": state,
                    "source": "submission",
                    "organisation_id": 1 + int(n) % 40,
                    "created_at": when,
                    "submitted_at": when,
                }
            )
            links.append((int(n) + 1, doc["workstream_key"]))
        else:
            items.append(
                {
                    "id": int(n) + 1,
                    "title": doc["title"],
                    "summary": doc["body"],
                    "authors": doc["authors"].split("; "),
                    "doi": doc["doi"],
                    "link": f"https://example.org/{n}",
                    "published_at": when,
                    "title_key": doc["title"].lower()[:500],
                    "first_feed_id": n_feed(int(n) + 1),
                }
            )
    return ideas, links, items


def load(docs, batch=2000) -> tuple[int, float]:
    """Insert the documents; return (count, seconds) for the inserts alone."""
    from portal.auth.models import Organisation
    from portal.extensions import db
    from portal.horizon.models import Feed, ItemSource, ScannedItem
    from portal.ideas.models import Idea, Workstream, idea_workstreams

    ideas, links, items = _rows(docs)
    db.session.execute(
        sa.insert(Organisation),
        [
            {"id": i, "name": f"Trust {i}", "name_key": f"trust {i}", "type": "nhs_trust"}
            for i in range(1, 41)
        ],
    )
    db.session.execute(
        sa.insert(Feed),
        [{"id": i, "name": f"Feed {i}", "url": f"https://example.org/{i}.xml"} for i in range(12)],
    )
    streams = dict(db.session.execute(sa.select(Workstream.key, Workstream.id)).all())
    db.session.commit()
    started = time.perf_counter()
    for table, rows in ((Idea.__table__, ideas), (ScannedItem.__table__, items)):
        for start in range(0, len(rows), batch):
            # with RETURNING, as the scanner stores items: multi-row INSERTs, not one per row
            db.session.execute(table.insert().returning(table.c.id), rows[start : start + batch])
    sources = [
        {"item_id": row["id"], "feed_id": row["first_feed_id"], "entry_key": row["link"]}
        for row in items
    ]
    for start in range(0, len(sources), batch):
        db.session.execute(ItemSource.__table__.insert(), sources[start : start + batch])
    db.session.execute(
        idea_workstreams.insert(),
        [{"idea_id": i, "workstream_id": streams[k]} for i, k in links if k in streams],
    )
    db.session.commit()
    seconds = time.perf_counter() - started
    # What autovacuum does soon after so many inserts, before the queries: statistics, the
    # visibility map, and the GIN indexes' pending entries merged (ANALYZE alone leaves them,
    # and every query would read them).
    db.session.commit()
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
    return len(ideas) + len(items), seconds


def lead_user():
    """A programme lead with no conflicts, in the bench's database."""
    from portal.auth.models import User, UserRole
    from portal.auth.roles import Role
    from portal.extensions import db

    found = db.session.scalar(sa.select(User).where(User.email == "lead@example.org"))
    if found is not None:
        return found
    lead = User(email="lead@example.org", name="Lead", password_hash="x")
    lead.role_grants = [UserRole(role=Role.PROGRAMME_LEAD)]
    db.session.add(lead)
    db.session.commit()
    return lead


def time_queries(app, texts) -> list[float]:
    """Milliseconds per query through the search page's own call, `engine.search`: the lead's
    scope, the query, facets and page, the page's rows, snippets and any suggestion. Each
    query is a transaction of its own, as each request is."""
    from portal.extensions import db
    from portal.search.engine import search

    lead = lead_user()
    timings = []
    with app.test_request_context():
        for text in texts:
            lead.name  # noqa: B018 (loaded, as a request's user is before its page runs the search)
            started = time.perf_counter()
            search(text, viewer=lead)
            timings.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
    return timings
