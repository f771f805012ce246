"""The pipeline page's query string: filters, sort, score view and page, validated.

Every value is checked against the choices offered; one we do not recognise is dropped with a
message for the lead, so a mistyped or stale link never fails.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.extensions import db
from portal.ideas import choices
from portal.ideas.lifecycle import CLOSED_STATES, IdeaState
from portal.ideas.models import IdeaSource, Workstream
from portal.reviews.models import ReviewRound

OPEN_STATES = [s for s in IdeaState if s is not IdeaState.DRAFT and s not in CLOSED_STATES]
SOURCE_LABELS = {IdeaSource.SUBMISSION: "Submitted", IdeaSource.HORIZON_SCAN: "Horizon scan"}
VIEWS = ("calibrated", "raw")
# sort key -> (label, default direction); "days" sorts by days in stage, not by date
SORTS = {
    "rank": ("Rank", "asc"),
    "score": ("Score", "desc"),
    "prob": ("Chance of being in the top group", "desc"),
    "days": ("Days in stage", "desc"),
    "submitted": ("Submitted", "desc"),
}
FILTERS = ("workstream", "setting", "stage", "round", "inequality", "source")
# The table's columns a lead may hide (rank, idea and score always show), in table order, and
# whether each shows until the lead chooses: the defaults fit the NHS.UK page width at 1280 px
# with titles on two or three lines. "interval" shows only with calibrated scores.
COLUMNS = {
    "interval": ("90% interval", True),
    "chance": ("Chance of being in the top group", True),
    "agreement": ("Agreement", True),
    "stage": ("Stage", True),
    "days": ("Days in stage", True),
    "workstreams": ("Workstreams", False),
    "duplicates": ("Possible duplicates", False),
    "source": ("Source", False),
}
DEFAULT_COLUMNS = tuple(key for key, (_, shown) in COLUMNS.items() if shown)


@dataclass
class PipelineQuery:
    """Validated filters, sort, score view and page; unknown values are dropped."""

    workstream: str | None = None  # workstream key
    setting: str | None = None
    stage: IdeaState | None = None
    round: int | None = None
    inequality: str | None = None  # "group:<key>" or "area:<key>"
    source: IdeaSource | None = None
    sort: str = "rank"
    direction: str = "asc"
    view: str = "calibrated"
    page: int = 1
    columns: tuple[str, ...] = DEFAULT_COLUMNS  # optional columns shown, in table order
    ignored: list[str] = field(default_factory=list)

    def args(self, **changes) -> dict:
        """Query-string arguments that reproduce this query, with `changes` applied."""
        values = {
            "workstream": self.workstream,
            "setting": self.setting,
            "stage": self.stage.value if self.stage else None,
            "round": self.round,
            "inequality": self.inequality,
            "source": self.source.value if self.source else None,
            "sort": None if self.sort == "rank" else self.sort,
            "dir": None if self.direction == SORTS[self.sort][1] else self.direction,
            "view": None if self.view == "calibrated" else self.view,
            "page": None if self.page == 1 else self.page,
            # repeated ?cols=…; one empty value stands for "none of them"
            "cols": None if self.columns == DEFAULT_COLUMNS else list(self.columns) or [""],
        } | changes
        return {k: v for k, v in values.items() if v not in (None, "")}


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """The values each filter accepts, with their labels, in display order."""
    workstreams = db.session.execute(
        sa.select(Workstream.key, Workstream.name, Workstream.short_name).order_by(
            Workstream.position, Workstream.id
        )
    ).all()
    rounds = db.session.execute(
        sa.select(ReviewRound.id, ReviewRound.name).order_by(ReviewRound.created_at.desc())
    ).all()
    return {
        "workstream": [(k, f"{n} ({s})" if s else n) for k, n, s in workstreams],
        "setting": list(choices.CARE_SETTINGS.items()),
        "stage": [(s.value, s.staff_label) for s in OPEN_STATES],
        "round": [(str(i), name) for i, name in rounds],
        "inequality": [
            *((f"group:{k}", f"Population: {v}") for k, v in choices.CORE20PLUS5_GROUPS.items()),
            *((f"area:{k}", f"Clinical area: {v}") for k, v in choices.CLINICAL_AREAS.items()),
        ],
        "source": [(s.value, label) for s, label in SOURCE_LABELS.items()],
    }


FILTER_NAMES = {
    "workstream": "workstream",
    "setting": "care setting",
    "stage": "stage",
    "round": "review round",
    "inequality": "inequalities addressed",
    "source": "source",
}


def parse_query(args, allowed: dict[str, list[tuple[str, str]]]) -> PipelineQuery:
    """Read the query string; a value we do not recognise is ignored, with a message."""
    query = PipelineQuery()
    for name in FILTERS:
        value = (args.get(name) or "").strip()
        if not value:
            continue
        if value not in {v for v, _ in allowed[name]}:
            query.ignored.append(f"The {FILTER_NAMES[name]} filter was not recognised")
            continue
        converters = {"stage": IdeaState, "source": IdeaSource, "round": int}
        setattr(query, name, converters.get(name, str)(value))
    sort = args.get("sort") or "rank"
    if sort in SORTS:
        query.sort = sort
    else:
        query.ignored.append("The sort order was not recognised")
    query.direction = SORTS[query.sort][1]
    if args.get("dir"):
        if args["dir"] in ("asc", "desc"):
            query.direction = args["dir"]
        else:
            query.ignored.append("The sort direction was not recognised")
    if args.get("view"):
        if args["view"] in VIEWS:
            query.view = args["view"]
        else:
            query.ignored.append("The score view was not recognised")
    if "cols" in args:  # the columns form always sends one, possibly empty, cols value
        chosen = set(args.getlist("cols"))
        query.columns = tuple(key for key in COLUMNS if key in chosen)
        if chosen - {"", *COLUMNS}:
            query.ignored.append("A column name was not recognised")
    page = args.get("page") or "1"
    if page.isdigit() and len(page) < 7 and int(page) >= 1:
        query.page = int(page)
    else:
        query.ignored.append("The page number was not recognised")
    return query
