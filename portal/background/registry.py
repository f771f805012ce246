"""The declared background tasks, collected at import time before any Celery app exists."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TaskSpec:
    name: str
    run: Callable
    every: float | None  # seconds between scheduled runs; None: only when enqueued
    retries: int
    once: Callable | None  # what `flask worker --once` runs instead, in its own process
    options: dict = field(default_factory=dict)


DECLARED: dict[str, TaskSpec] = {}


def task(
    name: str,
    *,
    every: float | None = None,
    retries: int = 3,
    once: Callable | None = None,
    **options,
):
    """Declare `run` as the task `name`; `every` puts it on the schedule. A task must be
    idempotent: it may be delivered again after its worker died, so doing it twice applies
    its effect once."""

    def declare(run: Callable) -> Callable:
        DECLARED[name] = TaskSpec(name, run, every, retries, once, options)
        return run

    return declare


def scheduled() -> list[TaskSpec]:
    return [spec for spec in DECLARED.values() if spec.every is not None]
