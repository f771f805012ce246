"""Who may find what: the policy's `Can.FIND` rule as an index filter, a SQL clause and a check.

Everyone signed in finds scanned items; ideas are found as `portal.policy` allows. The policy
gives its filter as plain data over the ideas' attributes and ids; this module turns it into
Whoosh terms on the fields the index keeps for that purpose (`owner`, `stage`, `doc_id`).
"""

from dataclasses import dataclass
from functools import cached_property

from whoosh import query as wq

from portal import policy
from portal.policy import Can
from portal.policy.rules import AllOf, AnyOf, Ids, Match, Negate

# The index field and the text stored in it, for each idea attribute the policy filters on.
FIELDS = {
    "owner_id": ("owner", str),
    "state": ("stage", lambda state: state.value),
}


def to_whoosh(node):
    """A policy index filter as a Whoosh query over idea documents."""
    if isinstance(node, Match):
        name, text = FIELDS[node.field]
        return wq.Or([wq.Term(name, text(v)) for v in sorted(node.values, key=str)])
    if isinstance(node, Ids):
        return wq.Or([wq.Term("doc_id", f"idea:{i}") for i in sorted(node.ids)])
    if isinstance(node, AllOf):
        return wq.And([to_whoosh(p) for p in node.parts]) if node.parts else wq.Every()
    if isinstance(node, AnyOf):
        return wq.Or([to_whoosh(p) for p in node.parts]) if node.parts else wq.NullQuery
    if isinstance(node, Negate):
        return wq.Not(to_whoosh(node.part))
    raise TypeError(f"not a policy index filter: {node!r}")


@dataclass
class Scope:
    viewer: object

    @cached_property
    def ideas(self):
        """The policy's index filter for the ideas the viewer may find: worked out (a few
        queries) only for the Whoosh backend, as PostgreSQL asks `idea_clause` instead."""
        return policy.index_filter(self.viewer, Can.FIND)

    def allow(self):
        """The index filter: the documents this viewer may find (before the database check)."""
        ideas = wq.And([wq.Term("type", "idea"), to_whoosh(self.ideas)])
        return wq.Or([wq.Term("type", "item"), ideas])

    def deny(self, also=()):
        """The index mask: documents in `also` (gone from the database, still indexed)."""
        return wq.Or([wq.Term("doc_id", k) for k in also]) if also else None

    def idea_clause(self):
        """SQL: the ideas this viewer may find."""
        return self._clause

    @cached_property
    def _clause(self):
        # worked out once per search: both the query and the page's rows ask for it
        return policy.clause(self.viewer, Can.FIND)


def scope_for(user) -> Scope:
    """What `user` may find, worked out when a backend first asks."""
    return Scope(viewer=user)
