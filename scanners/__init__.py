"""Scanners: fetch literature and safety feeds safely, parse, normalise and de-duplicate them.

A pure library: plain records out; it imports neither Flask nor SQLAlchemy. Its public API is
listed in `__all__` as it is built.
"""

__all__: list[str] = []
