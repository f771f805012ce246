"""Background work on Celery: parts declare tasks here, `flask worker` runs them anywhere.

A part writes a plain function and declares it with `@task("part.name", every=seconds)`; the
factory's `init_app` binds every declared task to one Celery app per Flask app, whose tasks run
inside that Flask app's context. Parts never import Celery: they call `enqueue` and
`current_job_id`, so what carries the work (Redis in production, a SQLite file embedded) is
this package's business alone. Why Celery, and what each broker promises on a `kill -9`: the
README's "Background work".
"""

from portal.background.queue import current_job_id, enqueue, init_app, run_once
from portal.background.registry import task

__all__ = ["current_job_id", "enqueue", "init_app", "run_once", "task"]
