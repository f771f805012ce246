"""Horizon scanning's background tasks: scan each due feed (one task per feed, so feeds scan
in parallel on any worker) and rescore the scanned items when asked."""

from flask import current_app

from portal.background import current_job_id, enqueue, task
from portal.extensions import db
from portal.horizon.cli import scan_in_worker
from portal.horizon.scanning import due_feed_ids, scan_feed
from portal.horizon.triage import queue_rescoring, run_requested_rescoring


@task("horizon.scan_due_feeds", every=30, once=scan_in_worker)
def scan_due_feeds() -> str:
    due = due_feed_ids()
    for feed_id in due:
        enqueue("horizon.scan_feed", feed_id)
    return f"feeds due: {len(due)}"


@task("horizon.scan_feed")
def scan_one_feed(feed_id: int) -> str:
    """The feed's claim carries this task's id, so a delivery after its worker died takes the
    feed again at once, while any other scan of it is turned away."""
    result = scan_feed(feed_id, token=current_job_id())
    if result.error:
        current_app.logger.warning("feed %s failed: %s", feed_id, result.error)
    if result.new_items:
        queue_rescoring(None, "new items scanned")
        db.session.commit()
    return f"feed {feed_id}: {'skipped' if result.skipped else f'{result.new_items} new items'}"


@task("horizon.rescore", every=5)
def rescore() -> str | None:
    rescored = run_requested_rescoring()
    if rescored is None:
        return None
    current_app.logger.info("relevance rescored for %d scanned items", rescored)
    return f"relevance rescored: {rescored} scanned items"
