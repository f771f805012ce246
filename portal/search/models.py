"""Index updates waiting for the worker, written in the same transaction as the change."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, now_utc
from portal.extensions import db


class SearchQueueEntry(db.Model):
    """One document (an idea or a scanned item) whose index entry must be refreshed."""

    __tablename__ = "search_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(sa.String(10))  # "idea" or "item"
    doc_id: Mapped[int]
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
