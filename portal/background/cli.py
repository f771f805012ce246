"""`flask worker` (runs tasks), `flask scheduler` (sends the scheduled ones on time) and
`flask tasks failed|resend`."""

import logging
import os

import click
from celery.signals import worker_process_init
from flask import current_app
from flask.cli import with_appcontext

from portal.background import failures
from portal.background.queue import run_once
from portal.extensions import db


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every scheduled task once, here, then stop.")
@click.option(
    "--log-tasks", is_flag=True, help="Log every task received and finished, not only failures."
)
@click.option("--concurrency", type=int, help="Processes (threads) at once; default: CPUs.")
@click.option(
    "--pool",
    type=click.Choice(["prefork", "threads", "solo"]),
    default="prefork",
    show_default=True,
)
@with_appcontext
def worker_command(once, log_tasks, concurrency, pool):
    """Run background tasks (scans, mail, scores, relevance, the search index) from the queue
    at TASK_BROKER_URL; run as many as you like, on any machines."""
    if once:
        for line in run_once():
            click.echo(line)
        return
    app = current_app._get_current_object()
    worker_process_init.connect(_dispose_engines(app), weak=False)
    if not log_tasks:  # the periodic tasks would log two lines each every few seconds
        quiet = _quiet_task_log()
        quiet()
        worker_process_init.connect(quiet, weak=False)
    argv = ["worker", "--loglevel=INFO", f"--pool={pool}", f"--hostname=worker-{os.getpid()}@%h"]
    argv += ["--without-gossip", "--without-mingle"]  # workers need not know one another
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    app.extensions["celery"].worker_main(argv)


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Send the scheduled tasks on time (Celery beat). Run exactly one per deployment."""
    celery = current_app.extensions["celery"]
    click.echo(f"Scheduler: sending {len(celery.conf.beat_schedule)} periodic tasks on time")
    celery.start(["beat", "--loglevel=WARNING"])


@click.group("tasks")
def tasks_group():
    """Background tasks that failed for good."""


@tasks_group.command("failed")
@click.option("--limit", default=20, show_default=True)
@with_appcontext
def failed_command(limit):
    """List the latest failed tasks."""
    shown = failures.recent(limit)
    if not shown:
        click.echo("No failed tasks.")
    for failure in shown:
        resent = f" (sent again {failure.resent_at:%Y-%m-%d %H:%M})" if failure.resent_at else ""
        click.echo(
            f"#{failure.id} {failure.failed_at:%Y-%m-%d %H:%M} {failure.task}"
            f"{failure.arguments} after {failure.retries} retries: {failure.error}{resent}"
        )


@tasks_group.command("resend")
@click.argument("failure_id", type=int)
@with_appcontext
def resend_command(failure_id):
    """Send a failed task again with the same arguments."""
    failure = db.session.get(failures.TaskFailure, failure_id)
    if failure is None:
        raise click.ClickException(f"No failed task has the number {failure_id}")
    failures.resend(failure)
    db.session.commit()
    click.echo(f"Sent {failure.task}{failure.arguments} again.")


def _quiet_task_log():
    def quiet(**_):
        for name in ("celery.app.trace", "celery.worker.strategy"):
            logging.getLogger(name).setLevel(logging.WARNING)

    return quiet


def _dispose_engines(app):
    def dispose(**_):
        # A forked pool process must not share its parent's database connections.
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)

    return dispose


def init_app(app) -> None:
    for command in (worker_command, scheduler_command, tasks_group):
        app.cli.add_command(command)
