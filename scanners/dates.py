"""When an entry was published: feedparser's reading of its date, checked against the text.

feedparser's ISO 8601 readers carry fields that overflow into the next ones instead of refusing
them: "2024-13-45T99:99:99Z" comes back as 1 January 2025, "2023-02-29" as 1 March. A date
whose text names an impossible month, day, week, day of the year, hour, minute, second or zone
offset is treated like a missing one, as dates before 1900 or in the future already are: the
entry gets the fetch time, marked as guessed. (feedparser's RFC 822 reader refuses impossible
values itself.)
"""

import re
from calendar import isleap, monthrange, timegm
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_FUTURE_SLACK = timedelta(days=2)
_DATE_FIELDS = ("published", "updated", "created")

_CALENDAR_DATE = re.compile(r"\s*(\d{4})-?(\d\d)(?:-?(\d\d))?(?!\d)")
_ORDINAL_DATE = re.compile(r"\s*(\d{4})-?(\d{3})(?!\d)")
_WEEK_DATE = re.compile(r"\s*(\d{4})-?W(\d\d)(?:-?(\d))?(?!\d)", re.IGNORECASE)
_TIME = re.compile(r"[Tt\s]\s*(\d\d):(\d\d)(?::(\d\d))?")
_ZONE = re.compile(r"[+-](\d\d):?(\d\d)\s*$")


def _impossible_day(text: str) -> tuple[bool, int] | None:
    """(impossible, where the date ends) for an ISO 8601 date at the start of `text`."""
    if match := _CALENDAR_DATE.match(text):
        year, month, day = (int(g) if g else None for g in match.groups())
        if not 1 <= month <= 12:
            return True, match.end()
        return day is not None and not 1 <= day <= monthrange(year, month)[1], match.end()
    if match := _ORDINAL_DATE.match(text):
        year, day = int(match[1]), int(match[2])
        return not 1 <= day <= 365 + isleap(year), match.end()
    if match := _WEEK_DATE.match(text):
        try:
            date.fromisocalendar(int(match[1]), int(match[2]), int(match[3] or 1))
        except ValueError:
            return True, match.end()
        return False, match.end()
    return None


def impossible_date(text: str) -> bool:
    """Whether an ISO 8601 date names a field that cannot be (month 13, hour 99 …)."""
    found = _impossible_day(text)
    if found is None:
        return False
    impossible, end = found
    if impossible:
        return True
    if time := _TIME.match(text, end):
        hour, minute, second = (int(g) if g else 0 for g in time.groups())
        if hour > 24 or minute > 59 or second > 60 or (hour == 24 and (minute or second)):
            return True
        end = time.end()
    zone = _ZONE.search(text, end)
    return bool(zone) and (int(zone[1]) > 23 or int(zone[2]) > 59)


def published(raw: Mapping[str, Any], fetched_at: datetime) -> tuple[datetime, bool]:
    """Return (when the entry was published, whether that was guessed as the fetch time)."""
    for name in _DATE_FIELDS:
        parsed = raw.get(f"{name}_parsed")
        if not parsed:
            continue
        text = raw.get(name)
        if isinstance(text, str) and impossible_date(text):
            continue
        try:
            # feedparser's struct_time is already UTC.
            when = datetime.fromtimestamp(timegm(parsed), tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            continue
        if _EARLIEST <= when <= fetched_at + _FUTURE_SLACK:
            return when, False
    return fetched_at, True
