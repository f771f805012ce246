"""Who may see and do what: the one place every page, export, search, panel and rank asks.

Each rule about an idea is written once (`portal.policy.ideas.RULES`) and read three ways:

- `may(user, Can.SEE, idea)`: a Python answer for one idea (a view about to render or act);
- `clause(user, Can.SEE)`: a SQL condition on `Idea`, for lists, counts and exports;
- `index_filter(user, Can.FIND)`: plain data a search backend turns into its own filter.

A rank shown to a person is their position among the ideas they may see the scores of
(`ranks_for`). Conflicts come from `relations.conflict_condition`, one SQL definition for one
person or many (`conflicted_pairs`).

The policy reads models only (ideas, reviews, pipeline snapshots, auth), so it sits below
every part that asks it. Adding a part: its pages ask this package rather than testing roles
or owners themselves; a new kind of permission becomes a member of `Can` with its rule in
`RULES`, built from the leaves in `rules.py` (a new relationship is a SQL condition in
`relations.py`); then add its routes to `tests/portal/test_permission_matrix.py`, which fails
until every route with an object id has a row.
"""

from portal.policy.ideas import RULES, Can, conflicted, owner
from portal.policy.ranks import Ranks, open_ideas, ranked_clause, ranks_for
from portal.policy.relations import conflicted_pairs
from portal.policy.rules import as_clause, as_index_filter


def may(user, ability: Can, idea) -> bool:
    """Whether `user` may do `ability` with `idea`."""
    return RULES[ability].holds(user, idea)


def clause(user, ability: Can):
    """SQL over `Idea`: the ideas `user` may do `ability` with."""
    return as_clause(RULES[ability], user)


def index_filter(user, ability: Can = Can.FIND):
    """The ideas `user` may do `ability` with, as an index filter (see `rules`)."""
    return as_index_filter(RULES[ability], user)


def is_conflicted(user, idea) -> bool:
    """Whether `user` has a conflict of interest with `idea` (their own idea included)."""
    return conflicted.holds(user, idea)


def owns(user, idea) -> bool:
    """Whether `user` shared `idea` (and so is its innovator)."""
    return owner.holds(user, idea)


__all__ = [
    "Can",
    "Ranks",
    "clause",
    "conflicted_pairs",
    "index_filter",
    "is_conflicted",
    "may",
    "open_ideas",
    "owns",
    "ranked_clause",
    "ranks_for",
]
