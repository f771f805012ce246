"""Ideas with stored score snapshots, written straight to the database for pipeline tests.

Building them through rounds and reviews (as tests/portal/test_snapshots.py does) is the
honest path and one test does it; these rows let a test set each column it checks exactly.
"""

from datetime import timedelta
from html.parser import HTMLParser

import sqlalchemy as sa

from portal.extensions import db
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaEvent, IdeaSource, Workstream
from portal.pipeline.disagreement import AGREEMENT_RULE
from portal.pipeline.models import ScoreSnapshot, SnapshotDetails

ALL_COLUMNS = "?" + "&".join(
    f"cols={key}"
    for key in ("interval", "chance", "agreement", "stage", "days", "workstreams", "duplicates")
    + ("source",)
)


class _TableReader(HTMLParser):
    """The ranked table's header texts and each body row's cell texts, as a screen reader
    would read them (visually hidden text included, whitespace collapsed)."""

    def __init__(self):
        super().__init__()
        self.head, self.rows, self.cell, self.part = [], [], None, None

    def handle_starttag(self, tag, attrs):
        if tag in ("thead", "tbody"):
            self.part = tag
        elif tag == "tr" and self.part == "tbody":
            self.rows.append([])
        elif tag in ("td", "th") and self.part:
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            text = " ".join("".join(self.cell).split())
            (self.head if self.part == "thead" else self.rows[-1]).append(text)
            self.cell = None
        elif tag in ("thead", "tbody"):
            self.part = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def ranked_table(html) -> list[dict[str, str]]:
    """The pipeline table's rows, each a dict from column heading to the cell's text."""
    table = html[html.index('<table class="app-ranked"') : html.index("</table>") + 8]
    reader = _TableReader()
    reader.feed(table)
    return [dict(zip(reader.head, row, strict=True)) for row in reader.rows]


class PipelineData:
    """Factory: `add(title, rank=...)` writes an idea and its snapshot; returns the idea id."""

    def __init__(self, app, clock):
        self.app, self.clock, self.count = app, clock, 0

    def add(
        self,
        title,
        *,
        rank,
        state=IdeaState.IN_REVIEW,
        owner=None,
        organisation=None,
        source=IdeaSource.SUBMISSION,
        workstreams=(),
        care_settings=(),
        populations=(),
        clinical_areas=(),
        submitted_days_ago=30,
        in_stage_days=None,
        score=3.0,
        raw=None,
        interval=None,
        prob=None,
        sufficient=True,
        n_reviews=3,
        round_id=None,
        disagreement=False,
        split=False,
        nearest=(),
        priority=None,
    ) -> int:
        self.count += 1
        now = self.clock()
        with self.app.app_context():
            idea = Idea(
                reference=f"SP-TEST-{self.count:04d}",
                title=title,
                state=state,
                source=source,
                owner_id=getattr(owner, "id", None),
                organisation_id=getattr(organisation, "id", None),
                care_settings=list(care_settings),
                populations=list(populations),
                clinical_areas=list(clinical_areas),
                submitted_at=now - timedelta(days=submitted_days_ago),
                workstreams=db.session.scalars(
                    sa.select(Workstream).where(Workstream.key.in_(workstreams))
                ).all(),
            )
            db.session.add(idea)
            db.session.flush()
            if in_stage_days is not None:
                db.session.add(
                    IdeaEvent(
                        idea_id=idea.id,
                        at=now - timedelta(days=in_stage_days),
                        kind="moved",
                        from_state=IdeaState.SUBMITTED,
                        to_state=state,
                    )
                )
            low, high = interval or (None, None)
            db.session.add(
                ScoreSnapshot(
                    idea_id=idea.id,
                    computed_at=now,
                    reason="test",
                    round_id=round_id,
                    n_reviews=n_reviews,
                    sufficient=sufficient,
                    raw_score=score if raw is None else raw,
                    calibrated_score=score,
                    interval_low=low,
                    interval_high=high,
                    prob_top_k=prob,
                    top_k=10,
                    priority=priority if priority is not None else 1.0 / rank,
                    rank=rank,
                    disagreement=disagreement,
                )
            )
            db.session.add(
                SnapshotDetails(
                    idea_id=idea.id,
                    digest=0,
                    details={
                        "criteria": {
                            "safety_impact": {
                                "name": "Patient safety impact",
                                "mean": score,
                                "count": n_reviews,
                                "range": 3 if disagreement else 1,
                                "spread": 1.53 if disagreement else 0.58,
                                "usual_spread": 0.6,
                                "disagreement": disagreement,
                            }
                        },
                        "overall": {"range": 0.5, "spread": 0.3, "usual_spread": 0.4},
                        "agreement_rule": AGREEMENT_RULE,
                        "split_recommendation": split,
                        "nearest": [
                            {"idea_id": 0, "reference": ref, "similarity": s} for ref, s in nearest
                        ],
                    },
                )
            )
            db.session.commit()
            return idea.id
