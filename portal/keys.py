"""Stable keys for records people name (workstreams, rubric criteria)."""

import re


def new_key(name: str, used: set[str], fallback: str, max_length: int = 40) -> str:
    """A slug of `name` that is none of `used`: 'Falls prevention' -> 'falls_prevention(_2)'."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[: max_length - 4] or fallback
    key, n = slug, 2
    while key in used:
        key, n = f"{slug}_{n}", n + 1
    return key
