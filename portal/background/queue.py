"""One Celery app per Flask app: at-least-once delivery, the schedule, and enqueueing.

Every task is acknowledged only after it returns (`task_acks_late`), so a task whose worker
dies is delivered again: at once when a pool process dies (`task_reject_on_worker_lost`), and
on Redis after `TASK_VISIBILITY_TIMEOUT` seconds when the whole worker is killed. A worker
takes one task at a time per process, so a slow feed holds one process, never the mail.
"""

from pathlib import Path

from celery import Celery, Task, current_task
from flask import current_app

from portal.background.registry import DECLARED, scheduled
from portal.extensions import db

RETRY_BACKOFF_MAX = 300  # seconds; below any sensible visibility timeout


class FlaskTask(Task):
    """Runs in a fresh app context of the Flask app that made its Celery app, and leaves no
    session behind for the next task."""

    def __call__(self, *args, **kwargs):
        with self.app.flask_app.app_context():
            try:
                return self.run(*args, **kwargs)
            finally:
                db.session.remove()


def init_app(app) -> Celery:
    """Bind every declared task to a new Celery app configured from the Flask config."""
    celery = Celery(app.import_name, task_cls=FlaskTask, set_as_current=False)
    celery.conf.update(settings(app.config, app.instance_path))
    celery.flask_app = app
    for spec in DECLARED.values():
        options = {
            "autoretry_for": (Exception,),
            "retry_backoff": 2,  # seconds before the first retry, doubling each time
            "retry_backoff_max": RETRY_BACKOFF_MAX,
            **spec.options,
        }
        celery.task(name=spec.name, max_retries=spec.retries, **options)(spec.run)
    app.extensions["celery"] = celery
    return celery


def settings(config, instance_path: str) -> dict:
    url = config["TASK_BROKER_URL"]
    values = {
        "broker_url": url,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "task_default_queue": config["TASK_QUEUE"],
        "timezone": "UTC",
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        # A scheduled run that waited longer than its period is dropped: the next one is due.
        "beat_schedule": {
            spec.name: {
                "task": spec.name,
                "schedule": spec.every,
                "options": {"expires": spec.every},
            }
            for spec in scheduled()
        },
        "beat_schedule_filename": str(Path(instance_path) / "task-schedule"),
    }
    if url.startswith(("redis://", "rediss://")):
        timeout = config["TASK_VISIBILITY_TIMEOUT"]
        values["broker_transport_options"] = {
            "visibility_timeout": timeout,
            # Look for the unacknowledged tasks of dead workers this often (kombu's default
            # looks every 100 s), so a redelivery waits little longer than the timeout.
            "unacked_restore_interval": max(1, min(10, timeout // 2)),
            "unacked_restore_throttle": 1,
        }
    elif url.startswith("sqla+sqlite"):
        # kombu's SQLAlchemy transport passes these to create_engine: wait for the lock.
        values["broker_transport_options"] = {"connect_args": {"timeout": 30}}
    return values


def enqueue(name: str, *args, **options) -> None:
    """Send the task `name` to whichever worker takes it first (`options`: Celery's
    `apply_async` options, such as ``retry=False`` to fail at once if the broker is away)."""
    current_app.extensions["celery"].tasks[name].apply_async(args, **options)


def current_job_id() -> str | None:
    """The running task's id, the same on every delivery of it; None outside a task."""
    request = current_task.request if current_task else None
    return getattr(request, "id", None)


def run_once() -> list[str]:
    """Run every scheduled task once, here and in order, without a broker (`flask worker
    --once`); return the lines they reported."""
    lines = []
    for spec in scheduled():
        line = (spec.once or spec.run)()
        if line is not None:
            lines.append(line)
    return lines
