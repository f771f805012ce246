"""The current time, injectable through `app.config["CLOCK"]` so tests never sleep."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LONDON = ZoneInfo("Europe/London")


def system_clock() -> datetime:
    return datetime.now(UTC)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    if has_app_context():
        return current_app.config.get("CLOCK", system_clock)()
    return system_clock()


def london(moment: datetime | None) -> datetime | None:
    """Return `moment` in Europe/London, for display."""
    return moment.astimezone(LONDON) if moment else None
