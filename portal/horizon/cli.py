"""`flask scan`; `flask worker` calls `scan_in_worker`.

New items are rescored for the inbox after a scan: `flask scan` at once, the worker in its
next step (`portal.horizon.triage.run_requested_rescoring`).
"""

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.extensions import db
from portal.horizon.models import Feed
from portal.horizon.scanning import due_feed_ids, scan_due_feeds, scan_feeds
from portal.horizon.triage import queue_rescoring, run_requested_rescoring


@click.command("scan")
@click.option("--feed", "feed_id", type=int, metavar="ID", help="Scan this feed now, due or not.")
@with_appcontext
def scan_command(feed_id):
    """Scan every feed that is due (or one feed): safe to run from cron, and concurrently."""
    if feed_id is not None:
        feed = db.session.get(Feed, feed_id)
        if feed is None:
            raise click.ClickException(f"There is no feed with ID {feed_id}.")
        if not feed.active:
            raise click.ClickException(
                f"Feed {feed_id} ('{feed.name}') is paused: resume it first."
            )
        ids = [feed_id]
    else:
        ids = due_feed_ids()
    if not ids:
        click.echo("No feeds are due.")
        return
    names = dict(db.session.execute(db.select(Feed.id, Feed.name).where(Feed.id.in_(ids))).all())
    db.session.commit()
    with click.progressbar(
        ids,
        label=f"Scanning {len(ids)} feed{'s' if len(ids) != 1 else ''}",
        item_show_func=lambda i: names.get(i) if i is not None else None,
    ) as bar:
        summary = scan_feeds(bar, force=feed_id is not None)
    if summary.count("new_items"):
        queue_rescoring(None, "new items scanned")
        db.session.commit()
        click.echo(f"Relevance rescored for {run_requested_rescoring()} items.")
    for result in summary.failed:
        click.echo(f"Failed: {names.get(result.feed_id, result.feed_id)}: {result.error}")
    click.echo(summary.describe())


def scan_in_worker() -> str:
    """One worker round's scans; return a line for `--once` (details go to the log)."""
    summary = scan_due_feeds()
    if summary.results:
        current_app.logger.info("worker: %s", summary.describe())
        for result in summary.failed:
            current_app.logger.warning("worker: feed %s failed: %s", result.feed_id, result.error)
    if summary.count("new_items"):  # the worker's next step rescores them
        queue_rescoring(None, "new items scanned")
        db.session.commit()
    scanned = [r for r in summary.results if not r.skipped]
    return (
        f"feeds scanned: {len(scanned)}, failed: {len(summary.failed)}, "
        f"new items: {summary.count('new_items')}"
    )
