"""Shared set-up for the feed and scanning tests: feeds made through the services, and reads."""

import zlib
from datetime import UTC, datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.horizon import services
from portal.horizon.models import Feed, FeedFetch, ScannedItem
from portal.horizon.scanning import scan_due_feeds, scan_feed

PUBLISHED = datetime(2026, 2, 20, 8, 30, tzinfo=UTC)
# Titles far enough apart that no two are near-identical (the library merges those).
TOPICS = [
    "Handover errors on acute medical wards",
    "Insulin prescribing mistakes after elective surgery",
    "Night-time falls among older inpatients with delirium",
    "Missed sepsis in paediatric emergency departments",
    "Medicines reconciliation failures at hospital discharge",
    "Obstetric early warning charts and maternal collapse",
    "Diagnostic delay in cancer referrals from general practice",
    "Anticoagulant dosing in chronic kidney disease",
    "Pressure ulcer prevention in community nursing teams",
    "Nasogastric tube misplacement never events",
]


def article(n, **fields):
    """A journal-style entry numbered `n`: GUID, link, DOI, date, HTML summary, authors."""
    return {
        "title": f"{TOPICS[n % len(TOPICS)]}: a multicentre audit",
        "link": f"https://journal.example.org/articles/{n}?utm_source=rss&utm_medium=feed",
        "guid": f"journal:{n}",
        "doi": f"10.5555/psj.2026.{n:04d}",
        "date": PUBLISHED,
        "summary": f"<p>Background: study {n}.</p><p>Methods: <b>audit</b> of handovers.</p>",
        "authors": [f"Author {n}A", f"Author {n}B"],
        **fields,
    }


def add_feed(app, url, name="Test feed", **values):
    """Add a feed through the service (no check fetch); return its id."""
    with app.app_context():
        feed = services.add_feed(
            None, {"url": url, "name": name, "description": "", "interval": 60, **values}
        )
        db.session.commit()
        return feed.id


def scan(app, feed_id=None, **options):
    """Scan one feed (forced) or every due feed; return the result or summary."""
    with app.app_context():
        if feed_id is None:
            return scan_due_feeds()
        return scan_feed(feed_id, force=True, **options)


def feed_state(query, feed_id) -> Feed:
    def load():
        feed = db.session.get(Feed, feed_id)
        db.session.expunge(feed)
        return feed

    return query(load)


def items(query):
    """Every stored item as (title, doi, sorted source feed ids), by id."""

    def load():
        rows = db.session.scalars(sa.select(ScannedItem).order_by(ScannedItem.id)).all()
        return [(i.title, i.doi, sorted(s.feed_id for s in i.sources)) for i in rows]

    return query(load)


def first_feeds(query):
    """Every stored item's first feed id (the feed that brought it first), by id."""
    select = sa.select(ScannedItem.first_feed_id).order_by(ScannedItem.id)
    return query(lambda: db.session.scalars(select).all())


def count(query, model) -> int:
    return query(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(model)))


def fetch_log(query, feed_id):
    def load():
        rows = db.session.scalars(
            sa.select(FeedFetch).where(FeedFetch.feed_id == feed_id).order_by(FeedFetch.id)
        )
        return [(f.status, f.error, f.entries_seen, f.new_items, f.duplicates) for f in rows]

    return query(load)


# Items for the triage tests: realistic abstracts, half about the maternity workstream.
MATERNITY = [
    (
        "Postpartum haemorrhage recognition on labour wards",
        "Midwives missed early signs of postpartum haemorrhage after birth; a quantified blood "
        "loss protocol on labour wards reduced maternal harm.",
    ),
    (
        "Fetal monitoring training for midwives and obstetricians",
        "Cardiotocograph interpretation errors in labour led to neonatal brain injury; "
        "multidisciplinary fetal monitoring training for midwives reduced them.",
    ),
    (
        "Maternal sepsis screening in the postnatal period",
        "Women readmitted after birth with maternal sepsis were screened late; a postnatal "
        "sepsis tool for midwives improved timely antibiotics for mothers.",
    ),
    (
        "Neonatal hypoglycaemia after birth in term babies",
        "Babies born to mothers with diabetes had hypoglycaemia missed on the postnatal ward; "
        "feeding plans and glucose checks by midwives reduced neonatal admissions.",
    ),
]
OTHER = [
    (
        "Car park lighting survey",
        "A survey about car park lighting, parking charges and the walk from the bus stop "
        "to the main entrance.",
    ),
    (
        "Catering waste in kitchens",
        "Food waste from kitchens was weighed for a month; portion sizes and menu choices "
        "were changed to cut catering costs.",
    ),
    (
        "Laundry contracts and linen supply",
        "Linen supply contracts were compared on price, delivery times and the number of "
        "lost sheets and towels.",
    ),
    (
        "Estates maintenance backlog in older buildings",
        "Roof repairs, boiler replacement and window maintenance in older buildings were "
        "costed and ranked by the estates department.",
    ),
]


def add_items(app, pairs, feed_name="Journal feed", published=PUBLISHED, seen=None):
    """Store scanned items (title, summary) from one feed directly; return their ids."""
    from portal.horizon.models import ItemSource

    with app.app_context():
        feed = db.session.scalar(sa.select(Feed).where(Feed.name == feed_name))
        if feed is None:
            feed = Feed(name=feed_name, url=f"https://example.org/{feed_name.replace(' ', '-')}")
            db.session.add(feed)
            db.session.flush()
        ids = []
        for n, (title, summary) in enumerate(pairs):
            item = ScannedItem(
                title=title,
                summary=summary,
                doi=f"10.5555/{feed.id}.{zlib.crc32(title.encode())}",
                link=f"https://journal.example.org/{zlib.crc32(title.encode())}",
                published_at=published,
                first_seen_at=seen or published,
                title_key=title.lower(),
                authors=["A Author", "B Author"],
            )
            item.sources.append(ItemSource(feed_id=feed.id, entry_key=f"{title}:{n}"))
            db.session.add(item)
            db.session.flush()
            ids.append(item.id)
        db.session.commit()
        return ids
