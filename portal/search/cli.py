"""`flask search reindex` and `flask search check`."""

import time

import click
from flask.cli import with_appcontext

from portal.extensions import db
from portal.search.backend import uses_index
from portal.search.updates import apply_queued_updates, check_index, index_location, reindex


@click.group("search")
def search_group():
    """Look after the search index."""


@search_group.command("reindex")
@with_appcontext
def reindex_command():
    """Rebuild the index from the database into a new directory and swap it in."""
    started = time.perf_counter()
    count = reindex()
    db.session.commit()
    click.echo(
        f"Indexed {count:,} documents into {index_location()} "
        f"in {time.perf_counter() - started:.1f} s."
    )


@search_group.command("check")
@click.option("--repair/--no-repair", default=True, show_default=True, help="Fix what differs.")
@with_appcontext
def check_command(repair):
    """Report (and repair) documents missing from the index, left in it, or stale there."""
    drift = check_index(repair=repair, content=True)
    db.session.commit()
    if drift.rebuilt:
        click.echo("The index was missing or unreadable: rebuilt from the database.")
    elif drift.clean:
        click.echo("The index matches the database.")
    else:
        click.echo(f"Missing from the index: {len(drift.missing)} {_sample(drift.missing)}")
        click.echo(f"In the index but not the database: {len(drift.extra)} {_sample(drift.extra)}")
        click.echo(f"Stale in the index: {len(drift.stale)} {_sample(drift.stale)}")
        if drift.repaired:
            click.echo(f"Repaired {len(drift.repaired)} documents.")


def in_worker() -> int | None:
    """The worker's turn: apply queued index updates (rebuilding a missing index); nothing
    when PostgreSQL answers searches."""
    return apply_queued_updates() if uses_index() else None


def _sample(keys) -> str:
    return f"({', '.join(keys[:5])}{', …' if len(keys) > 5 else ''})" if keys else ""
