"""Feeds, what scanning them found, and the items leads dismissed for good."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.database import UTCDateTime, enum_column, now_utc
from portal.extensions import db
from portal.ideas.models import Idea

FAILURES_BEFORE_BACKOFF = 3


class FeedStatus(enum.StrEnum):
    """What the feeds table shows for a feed; derived, never stored."""

    NEW = "new"
    OK = "ok"
    FAILING = "failing"
    FLAGGED = "flagged"
    PAUSED = "paused"

    @property
    def label(self) -> str:
        return {
            "new": "Not fetched yet",
            "ok": "OK",
            "failing": "Failing",
            "flagged": "Flagged",
            "paused": "Paused",
        }[self.value]


# feedparser's names for feed formats, as people know them
FORMAT_LABELS = {
    "rss090": "RSS 0.90",
    "rss091n": "RSS 0.91",
    "rss091u": "RSS 0.91",
    "rss092": "RSS 0.92",
    "rss093": "RSS 0.93",
    "rss094": "RSS 0.94",
    "rss20": "RSS 2.0",
    "rss10": "RSS 1.0",
    "rss": "RSS",
    "atom01": "Atom 0.1",
    "atom02": "Atom 0.2",
    "atom03": "Atom 0.3",
    "atom10": "Atom 1.0",
    "atom": "Atom",
    "cdf": "CDF",
    "json1": "JSON Feed 1.0",
    "json11": "JSON Feed 1.1",
}


def format_label(version: str | None) -> str:
    return FORMAT_LABELS.get(version or "", version or "Not known yet")


class ItemStatus(enum.StrEnum):
    """Where a scanned item stands in the leads' triage (see `portal.horizon.triage`)."""

    NEW = "new"
    RELEVANT = "relevant"
    NOT_RELEVANT = "not_relevant"
    PROMOTED = "promoted"
    EVIDENCE = "evidence"  # added to an existing idea as evidence for it (`ItemEvidence`)

    @property
    def label(self) -> str:
        return {
            "new": "Not screened",
            "relevant": "Relevant",
            "not_relevant": "Not relevant",
            "promoted": "Promoted to the pipeline",
            "evidence": "Added to an idea as evidence",
        }[self.value]


class Feed(db.Model):
    """A literature or safety feed that the worker fetches on a schedule."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str] = mapped_column(sa.String(2000), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    format: Mapped[str | None] = mapped_column(sa.String(20))  # feedparser's version name
    active: Mapped[bool] = mapped_column(default=True)
    paused_reason: Mapped[str | None] = mapped_column(sa.String(500))
    fetch_interval_minutes: Mapped[int] = mapped_column(default=60)

    etag: Mapped[str | None] = mapped_column(sa.String(500))
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))
    last_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None]  # HTTP status of the last fetch; None when none came
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    consecutive_errors: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[bool] = mapped_column(default=False)
    next_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # A scan holds the feed until this time, so two scans never fetch it at once.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))  # the scan task's id

    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    created_by: Mapped[User | None] = relationship()

    @property
    def status(self) -> FeedStatus:
        if not self.active:
            return FeedStatus.PAUSED
        if self.flagged:
            return FeedStatus.FLAGGED
        if self.consecutive_errors:
            return FeedStatus.FAILING
        if self.last_fetch_at is None:
            return FeedStatus.NEW
        return FeedStatus.OK


class ScannedItem(db.Model):
    """One piece of literature, however many feeds carried it (see `ItemSource`)."""

    __tablename__ = "scanned_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.Text, default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    # Unique where set (NULLs never clash): the last line of defence against two scans
    # storing one article twice.
    link: Mapped[str | None] = mapped_column(sa.String(2000), unique=True)
    doi: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    pmid: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    authors: Mapped[list] = mapped_column(sa.JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    published_guessed: Mapped[bool] = mapped_column(default=False)
    title_key: Mapped[str] = mapped_column(sa.String(500), default="", index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    status: Mapped[ItemStatus] = mapped_column(
        enum_column(ItemStatus), default=ItemStatus.NEW, index=True
    )
    triaged_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The screening model's stored scores (`triage.rescore_items`): overall relevance in
    # [0, 1] and per active workstream key.
    relevance: Mapped[float | None] = mapped_column(sa.Float)
    topic_relevance: Mapped[dict | None] = mapped_column(sa.JSON, default=dict)
    # The feed that brought it first (its first source's), kept on the row so search can
    # count and filter items by source without looking up each item's sources.
    first_feed_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("feeds.id", ondelete="SET NULL")
    )

    triaged_by: Mapped[User | None] = relationship(foreign_keys=[triaged_by_id])
    first_feed: Mapped[Feed | None] = relationship(foreign_keys=[first_feed_id])

    sources: Mapped[list["ItemSource"]] = relationship(
        back_populates="item",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ItemSource.seen_at",
    )


class ItemWords(db.Model):
    """A scanned item's words for screening (`scoring.text_tokens` of its title and summary),
    computed when it is stored, so fitting the screening model to a large pool reads them
    instead of every text (see `portal.horizon.item_words`). A table of its own: search
    reads the items' rows, and these would double their size."""

    __tablename__ = "item_words"

    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scanned_items.id", ondelete="CASCADE"), primary_key=True
    )
    # Which text the words are of: a changed title or summary makes them stale.
    text_key: Mapped[str] = mapped_column(sa.String(16))
    words: Mapped[str] = mapped_column(sa.Text)


class ItemEvidence(db.Model):
    """A scanned item a lead added to an existing idea as evidence for it (see
    `portal.horizon.evidence`); one item may support several ideas."""

    __tablename__ = "item_evidence"
    __table_args__ = (sa.UniqueConstraint("idea_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scanned_items.id", ondelete="CASCADE"), index=True
    )
    # Where the item stood in triage before this link: removing its last link puts it back.
    item_status_before: Mapped[ItemStatus] = mapped_column(enum_column(ItemStatus))
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    item: Mapped["ScannedItem"] = relationship()
    idea: Mapped[Idea] = relationship()
    added_by: Mapped[User | None] = relationship()


class ItemSource(db.Model):
    """One feed's entry for an item: the item came in through this feed."""

    __tablename__ = "item_sources"
    __table_args__ = (sa.UniqueConstraint("feed_id", "entry_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scanned_items.id", ondelete="CASCADE"), index=True
    )
    feed_id: Mapped[int] = mapped_column(sa.ForeignKey("feeds.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(sa.String(500))  # scanners' Entry.key, hashed if long
    link: Mapped[str | None] = mapped_column(sa.String(2000))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    item: Mapped[ScannedItem] = relationship(back_populates="sources")
    feed: Mapped[Feed] = relationship()


@sa.event.listens_for(ScannedItem.sources, "append")
def _first_source(item: ScannedItem, source: ItemSource, _initiator):
    """An item given its first source through the ORM takes that source's feed as its first
    (the scanner's bulk inserts set `first_feed_id` themselves)."""
    if item.first_feed_id is None and item.first_feed is None:
        if source.feed_id is not None:
            item.first_feed_id = source.feed_id
        else:
            item.first_feed = source.feed


class FeedFetch(db.Model):
    """The log of one fetch of a feed: what came back and what was stored."""

    __tablename__ = "feed_fetches"
    __table_args__ = (sa.Index("ix_feed_fetches_feed_at", "feed_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(sa.ForeignKey("feeds.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    status: Mapped[int | None]  # HTTP status; None when no response came
    error: Mapped[str | None] = mapped_column(sa.Text)  # why the fetch failed
    problems: Mapped[list] = mapped_column(sa.JSON, default=list)  # what parsing reported
    entries_seen: Mapped[int] = mapped_column(default=0)
    new_items: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)  # entries that joined an existing item

    @property
    def outcome(self) -> str:
        if self.error:
            return "Failed"
        if self.status == 304:
            return "Not modified"
        return "OK"


class Tombstone(db.Model):
    """A key of a dismissed item (DOI, link or title): entries matching it are never stored."""

    __tablename__ = "tombstones"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "doi:…", "link:…" or "title:…" (scanners.dedupe.tombstone_keys); links are at most 2,000
    key: Mapped[str] = mapped_column(sa.String(2100), unique=True)
    title: Mapped[str] = mapped_column(sa.Text, default="")
    dismissed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class ScreeningRequest(db.Model):
    """A rescoring of the scanned items queued for `flask worker` (large pools only)."""

    __tablename__ = "screening_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(80))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
