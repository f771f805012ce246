"""A small rule language: one definition read as a Python test, a SQL clause or an index filter.

A rule is a tree of three kinds of leaf joined with `&`, `|` and `~`:

- `Role(role)`: a fact about the viewer alone, so a constant once the viewer is known;
- `Attr(name, values)`: a column of the idea compared with values (which may depend on the
  viewer, as the owner's id does);
- `Related(condition)`: a SQL condition on the idea's row that reaches other tables
  (conflicts, assignments). Its Python test asks the database about that one idea, and its
  index filter is the set of idea ids it selects.

Role leaves are folded away first, so a viewer without the role never pays for the queries
behind the leaves it guards. Index filters are plain data (`Match`, `Ids`, `AllOf`, `AnyOf`,
`Negate`) for a search backend to translate into its own query language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.ideas.models import Idea

# Index filters


@dataclass(frozen=True)
class Match:
    """Ideas whose attribute `field` holds one of `values`."""

    field: str
    values: frozenset


@dataclass(frozen=True)
class Ids:
    """Ideas with these ids."""

    ids: frozenset


@dataclass(frozen=True)
class AllOf:
    parts: tuple  # an empty tuple matches every idea


@dataclass(frozen=True)
class AnyOf:
    parts: tuple  # an empty tuple matches none


@dataclass(frozen=True)
class Negate:
    part: Any


EVERY_IDEA, NO_IDEA = AllOf(()), AnyOf(())


# Rules


class Rule:
    def __and__(self, other: Rule) -> Rule:
        return Both(self, other)

    def __or__(self, other: Rule) -> Rule:
        return Either(self, other)

    def __invert__(self) -> Rule:
        return Not(self)

    def holds(self, viewer, idea) -> bool:
        raise NotImplementedError

    def fold(self, viewer) -> Rule | bool:
        """The rule with the viewer's own facts replaced by True or False."""
        return self

    def clause(self, viewer):
        """SQL over `Idea` (the rule must be folded first)."""
        raise NotImplementedError

    def index(self, viewer):
        """An index filter (the rule must be folded first)."""
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class Role(Rule):
    role: Any

    def holds(self, viewer, idea) -> bool:
        return bool(viewer.is_authenticated and viewer.has_role(self.role))

    def fold(self, viewer):
        return self.holds(viewer, None)


@dataclass(frozen=True, eq=False)
class Attr(Rule):
    name: str
    values: Any  # a tuple, or a function of the viewer giving one

    def _values(self, viewer) -> tuple:
        values = self.values(viewer) if callable(self.values) else self.values
        return tuple(v for v in values if v is not None)

    def holds(self, viewer, idea) -> bool:
        return getattr(idea, self.name) in self._values(viewer)

    def clause(self, viewer):
        values = self._values(viewer)
        return getattr(Idea, self.name).in_(values) if values else sa.false()

    def index(self, viewer):
        values = self._values(viewer)
        return Match(self.name, frozenset(values)) if values else NO_IDEA


@dataclass(frozen=True, eq=False)
class Related(Rule):
    condition: Any  # a function of the viewer giving a SQL condition on `Idea`

    def holds(self, viewer, idea) -> bool:
        if not viewer.is_authenticated or idea.id is None:
            return False
        found = sa.select(Idea.id).where(Idea.id == idea.id, self.condition(viewer))
        return db.session.scalar(sa.select(sa.exists(found))) or False

    def clause(self, viewer):
        return self.condition(viewer) if viewer.is_authenticated else sa.false()

    def index(self, viewer):
        if not viewer.is_authenticated:
            return NO_IDEA
        return Ids(frozenset(db.session.scalars(sa.select(Idea.id).where(self.clause(viewer)))))


@dataclass(frozen=True, eq=False)
class Both(Rule):
    left: Rule
    right: Rule

    def holds(self, viewer, idea) -> bool:
        return self.left.holds(viewer, idea) and self.right.holds(viewer, idea)

    def fold(self, viewer):
        left = self.left.fold(viewer)
        if left is False:
            return False
        right = self.right.fold(viewer)
        if left is True or right is False:
            return right
        return left if right is True else Both(left, right)

    def clause(self, viewer):
        return sa.and_(self.left.clause(viewer), self.right.clause(viewer))

    def index(self, viewer):
        return AllOf((self.left.index(viewer), self.right.index(viewer)))


@dataclass(frozen=True, eq=False)
class Either(Rule):
    left: Rule
    right: Rule

    def holds(self, viewer, idea) -> bool:
        return self.left.holds(viewer, idea) or self.right.holds(viewer, idea)

    def fold(self, viewer):
        left = self.left.fold(viewer)
        if left is True:
            return True
        right = self.right.fold(viewer)
        if left is False or right is True:
            return right
        return left if right is False else Either(left, right)

    def clause(self, viewer):
        return sa.or_(self.left.clause(viewer), self.right.clause(viewer))

    def index(self, viewer):
        return AnyOf((self.left.index(viewer), self.right.index(viewer)))


@dataclass(frozen=True, eq=False)
class Not(Rule):
    part: Rule

    def holds(self, viewer, idea) -> bool:
        return not self.part.holds(viewer, idea)

    def fold(self, viewer):
        part = self.part.fold(viewer)
        return (not part) if isinstance(part, bool) else Not(part)

    def clause(self, viewer):
        return sa.not_(self.part.clause(viewer))

    def index(self, viewer):
        return Negate(self.part.index(viewer))


def as_clause(rule: Rule, viewer):
    """The rule as SQL over `Idea` for this viewer."""
    folded = rule.fold(viewer)
    if isinstance(folded, bool):
        return sa.true() if folded else sa.false()
    return folded.clause(viewer)


def as_index_filter(rule: Rule, viewer):
    """The rule as an index filter for this viewer."""
    folded = rule.fold(viewer)
    if isinstance(folded, bool):
        return EVERY_IDEA if folded else NO_IDEA
    return folded.index(viewer)
