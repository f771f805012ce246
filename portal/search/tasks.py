"""Search's background task: apply queued updates to the Whoosh index (nothing to do when
PostgreSQL answers searches). One writer at a time holds the index's lock; a worker killed
mid-write leaves the queue as it was, so the next run applies it."""

from flask import current_app

from portal.background import task
from portal.search.cli import in_worker


@task("search.update_index", every=5)
def update_index() -> str | None:
    indexed = in_worker()
    if indexed is None:
        return None
    current_app.logger.info("search index updated for %d documents", indexed)
    return f"search index updated: {indexed} documents"
