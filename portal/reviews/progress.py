"""How far a round has got: per idea and per member, for the leads' round pages.

A lead sees nothing of the reviews of an idea they are conflicted on (`hidden`): not who
reviews it, not whether they have submitted, not in the members' totals either.
"""

from dataclasses import dataclass, field

from portal.reviews.models import AssignmentState, ReviewState


@dataclass
class IdeaProgress:
    idea: object
    wanted: int
    hidden: bool = False
    submitted: int = 0
    assignments: list = field(default_factory=list)
    # criteria a reviewer could not score for lack of information: the lead may ask the innovator
    cannot_score: set = field(default_factory=set)

    @property
    def assigned(self) -> int:
        return len(self.assignments)


@dataclass
class MemberProgress:
    member: object
    assigned: int = 0
    submitted: int = 0
    declined: int = 0


@dataclass
class RoundProgress:
    ideas: list[IdeaProgress]
    members: list[MemberProgress]

    @property
    def submitted(self) -> int:
        return sum(p.submitted for p in self.ideas)

    @property
    def wanted(self) -> int:
        return sum(p.wanted for p in self.ideas if not p.hidden)

    @property
    def short_of_reviewers(self) -> list[IdeaProgress]:
        return [p for p in self.ideas if p.assigned < p.wanted and not p.hidden]


def round_progress(round_, hidden=frozenset()) -> RoundProgress:
    """Progress of the round, leaving out the reviews of the ideas in `hidden` (ids)."""
    ideas = {
        e.idea_id: IdeaProgress(e.idea, round_.reviews_per_idea, hidden=e.idea_id in hidden)
        for e in round_.entries
    }
    members = {m.id: MemberProgress(m) for m in round_.panel}
    for a in round_.assignments:
        if a.idea_id in hidden:
            continue
        person = members.setdefault(a.user_id, MemberProgress(a.user))
        if a.state is AssignmentState.DECLINED:
            person.declined += 1
            continue
        if a.state is not AssignmentState.ACTIVE or a.idea_id not in ideas:
            continue
        done = a.review is not None and a.review.state is ReviewState.SUBMITTED
        if done:
            ideas[a.idea_id].cannot_score.update(
                s.criterion.name for s in a.review.scores if s.cannot_score
            )
        ideas[a.idea_id].assignments.append(a)
        ideas[a.idea_id].submitted += done
        person.assigned += 1
        person.submitted += done
    return RoundProgress(
        list(ideas.values()), sorted(members.values(), key=lambda p: p.member.name)
    )
