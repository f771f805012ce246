"""Tasks that failed for good (every retry spent), kept for admins to see and send again."""

import json
from datetime import datetime

import sqlalchemy as sa
from celery.signals import task_failure
from sqlalchemy.orm import Mapped, mapped_column

from portal.background.queue import enqueue
from portal.clock import utcnow
from portal.database import UTCDateTime, now_utc
from portal.extensions import db


class TaskFailure(db.Model):
    __tablename__ = "task_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(sa.String(100), index=True)
    job_id: Mapped[str] = mapped_column(sa.String(64))
    arguments: Mapped[str] = mapped_column(sa.Text)  # JSON list
    error: Mapped[str] = mapped_column(sa.Text)
    retries: Mapped[int] = mapped_column(default=0)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    resent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@task_failure.connect
def _record(sender=None, task_id=None, exception=None, args=None, **_):
    flask_app = getattr(getattr(sender, "app", None), "flask_app", None)
    if flask_app is None or sender.request.is_eager:
        return
    with flask_app.app_context():
        db.session.add(
            TaskFailure(
                task=sender.name,
                job_id=task_id or "",
                arguments=json.dumps(list(args or ()), default=str),
                error=f"{type(exception).__name__}: {exception}"[:2000],
                retries=sender.request.retries or 0,
                failed_at=utcnow(),
            )
        )
        db.session.commit()
        db.session.remove()


def recent(limit: int = 100) -> list[TaskFailure]:
    return db.session.scalars(
        sa.select(TaskFailure).order_by(TaskFailure.id.desc()).limit(limit)
    ).all()


def resend(failure: TaskFailure) -> None:
    """Send the failed task again with the same arguments (a new delivery, a new id)."""
    enqueue(failure.task, *json.loads(failure.arguments))
    failure.resent_at = utcnow()
