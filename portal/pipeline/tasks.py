"""The pipeline's background task: recompute the score snapshots when a change asked."""

from flask import current_app

from portal.background import task
from portal.pipeline.snapshots import REFRESH_TASK, run_requested_refresh


# Sent as soon as a change queues a recomputation; the schedule catches any message lost.
@task(REFRESH_TASK, every=5)
def refresh_snapshots() -> str | None:
    scored = run_requested_refresh()
    if scored is None:
        return None
    current_app.logger.info("scores recomputed for %d open ideas", scored)
    return f"scores recomputed: {scored} open ideas"
