"""Scanned items' words for screening: found when a scan stores an item, read by rescoring,
found again for items without them or whose text changed; the scores are the same either way."""

import hashlib

import sqlalchemy as sa

from portal import page_cache
from portal.extensions import db
from portal.horizon import triage
from portal.horizon.item_words import screening_text
from portal.horizon.models import ItemWords, ScannedItem
from scoring import text_tokens
from tests.feed_server import Reply, rss
from tests.portal.horizon_helpers import MATERNITY, OTHER, add_feed, add_items, article, scan


def stored_words(query):
    select = sa.select(ItemWords.item_id, ItemWords.words)
    return query(lambda: dict(db.session.execute(select).all()))


def texts(query):
    rows = query(lambda: db.session.execute(sa.select(ScannedItem)).scalars().all())
    return {item.id: screening_text(item.title, item.summary) for item in rows}


def test_a_scan_stores_each_new_items_words(app, feed_server, query):
    url = feed_server.route(Reply(rss([article(1), article(2), article(3)])))
    scan(app, add_feed(app, url))
    words = stored_words(query)
    assert len(words) == 3
    assert words == {item_id: text_tokens(text) for item_id, text in texts(query).items()}
    assert "insulin prescribing mistakes" in next(iter(words.values()))


def scores(app):
    with app.app_context():
        page_cache.for_app(app, "horizon_screening").clear()  # fit afresh
        triage.rescore_items(inline=True)
        db.session.commit()
        return dict(db.session.execute(sa.select(ScannedItem.id, ScannedItem.relevance)).all())


def test_rescoring_finds_missing_and_stale_words_and_scores_alike(app, query):
    ids = add_items(app, MATERNITY + OTHER)  # stored directly, as before words were kept
    assert stored_words(query) == {}
    first = scores(app)
    assert stored_words(query) == {i: text_tokens(t) for i, t in texts(query).items()}
    assert scores(app) == first  # from the stored words: the same scores
    with app.app_context():
        db.session.get(ScannedItem, ids[0]).summary = "Estates: roof repairs and boilers."
        db.session.commit()
    changed = scores(app)
    assert stored_words(query)[ids[0]] == text_tokens(texts(query)[ids[0]])
    assert changed[ids[0]] != first[ids[0]]


def test_words_stored_in_an_older_form_are_found_again(app, query):
    """Words found before a newline began to end the title's are stale: the key says so."""
    ids = add_items(app, MATERNITY[:2])
    scores(app)
    with app.app_context():
        row = db.session.get(ItemWords, ids[0])
        row.words = row.words.replace("\n", " ")  # as text_tokens gave them before
        row.text_key = hashlib.blake2b(texts(query)[ids[0]].encode(), digest_size=8).hexdigest()
        db.session.commit()
    scores(app)
    assert stored_words(query)[ids[0]] == text_tokens(texts(query)[ids[0]])
    assert "\n" in stored_words(query)[ids[0]]
