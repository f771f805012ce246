"""Who may do what with an idea: the rules, each written once.

Conflicts beat roles: a person conflicted on an idea (their own, their organisation's unless
cleared, or one declared) never sees its scores, reviews or rank, never reviews it, manages
its place in a round or decides on it, whatever roles they hold. A conflicted lead still reads
the idea itself. Admins manage accounts, not ideas.
"""

import enum

from portal.auth.roles import Role as R
from portal.ideas.lifecycle import IdeaState
from portal.policy import relations
from portal.policy.rules import Attr, Related, Role, Rule

EDITABLE_STATES = (IdeaState.DRAFT, IdeaState.INFORMATION_REQUESTED)


class Can(enum.Enum):
    """What a person may do with an idea."""

    SEE = "see"  # open its page and read what was shared
    FIND = "find"  # find it in search
    SEE_SCORES = "see scores"  # its scores, reviews, rank, duplicates and similar ideas
    REVIEW = "review"  # score it, where assigned
    MANAGE_ROUND = "manage round"  # assign its reviewers and settle their conflicts
    DECIDE = "decide"  # move it through the stage gates, reopen decisions on it
    EDIT = "edit"  # change its answers and files
    DELETE = "delete"  # delete it, with its answers and files (a draft nobody else has seen)
    SEE_DECISIONS = "see decisions"  # its decisions and their reasons (its innovator is told)


owner = Attr("owner_id", lambda viewer: (viewer.id,))
submitted = ~Attr("state", (IdeaState.DRAFT,))
withdrawn = Attr("state", (IdeaState.WITHDRAWN,))
lead, panel_member = Role(R.PROGRAMME_LEAD), Role(R.PANEL_MEMBER)
conflicted = Related(relations.conflicted)
open_reviewer = panel_member & submitted & Related(relations.reading_openly) & ~conflicted

RULES: dict[Can, Rule] = {
    Can.SEE: owner | (lead & submitted) | open_reviewer,
    # a lead finds no idea they are conflicted on (search is for leads' own work), though
    # they may still open one they are sent to
    Can.FIND: (owner | (lead & submitted & ~conflicted) | open_reviewer) & ~withdrawn,
    Can.SEE_SCORES: lead & submitted & ~conflicted,
    Can.REVIEW: panel_member & Related(relations.assigned) & ~conflicted,
    Can.MANAGE_ROUND: lead & ~conflicted,
    Can.DECIDE: lead & submitted & ~conflicted,
    Can.EDIT: owner & Attr("state", EDITABLE_STATES),
    Can.DELETE: owner & Attr("state", (IdeaState.DRAFT,)),
    # the innovator is sent every decision with its reason; a lead, conflicted or not, reads
    # the history on the idea's page
    Can.SEE_DECISIONS: owner | (lead & submitted),
}
