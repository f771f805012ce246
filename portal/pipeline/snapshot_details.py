"""The part of each score snapshot that is the idea's own, stored only where it changed.

A refresh recomputes every open idea, but one review changes the own figures (per criterion
mean, count, spread against the panel's usual spread; overall spread; relevance; nearest
ideas) of its idea alone. Each idea's own details are therefore built from one row of
numbers plus what all ideas share (the rubric's criteria, the workstreams, the texts' and the
relevance model's keys), and that row and those shared parts are hashed into a 64-bit
`digest`. A refresh compares the digests with the stored ones and builds and writes only the
ideas whose digest differs; since the details are made from exactly what is hashed, equal
digests mean equal details.
"""

import hashlib
from dataclasses import dataclass

import numpy as np
import orjson
import sqlalchemy as sa

from portal.database import insert_many, integer_rows
from portal.extensions import db
from portal.pipeline import disagreement
from portal.pipeline.models import SnapshotDetails

# a criterion's figures, in the order each row holds them
CRITERION_FIELDS = ("mean", "count", "cannot", "range", "spread", "usual_spread", "disagreement")
OVERALL_FIELDS = ("range", "spread", "usual_spread", "disagreement")
WHOLE_NUMBERS = {"count", "cannot"}
FLAGS = {"disagreement"}
CHUNK = 500  # ids per DELETE statement
# Part of every digest: change it whenever `OwnDetails.build` stores something new or in a new
# shape, so that the next refresh rewrites every idea's details, not only the changed ones.
FORMAT = 1


@dataclass
class OwnDetails:
    """Every open idea's own details, as a row of figures each and what they all share."""

    ids: np.ndarray  # the ideas' ids, in the order of `figures`' rows
    figures: np.ndarray  # per idea: criteria x CRITERION_FIELDS, OVERALL_FIELDS, split,
    # the criterion the rank is most sensitive to (-1 none), relevance per topic
    keys: list  # the criteria's keys
    names: list  # and names
    topics: list  # the workstreams' keys
    nearest: list  # per idea, its nearest others as stored (fixed by `corpus`)
    corpus: str
    relevance_key: str | None

    @classmethod
    def of(cls, ideas, criteria, summary, disagree, split, sensitivity, relevance, **shared):
        """From the scoring library's results for `ideas` (`scoring.Aggregate`, the
        `scoring.disagreement_table`, the weight sensitivity and relevance arrays)."""
        n = len(ideas)
        per_criterion = np.stack(
            [
                summary.mean,
                summary.count,
                summary.n_cannot,
                disagree.criteria.ranges,
                disagree.criteria.spread,
                disagree.criteria.usual_spread,
                disagree.criteria.flags,
            ],
            axis=2,
        ).reshape(n, len(criteria) * len(CRITERION_FIELDS))
        overall = disagree.overall
        figures = np.column_stack(
            [
                per_criterion,
                overall.ranges,
                overall.spread,
                overall.usual_spread,
                overall.flags,
                split,
                sensitivity.criterion,
                relevance.reshape(n, len(shared["topics"])),
            ]
        ).astype(float)
        figures[np.isnan(figures)] = np.nan  # one NaN, whatever sign or payload arithmetic gave
        return cls(
            ids=np.array([idea.id for idea in ideas], dtype=np.int64),
            figures=figures,
            keys=[c.key for c in criteria],
            names=[c.name for c in criteria],
            **shared,
        )

    def digests(self) -> np.ndarray:
        """Per idea, a 64-bit hash of its row and the shared parts: the shared parts' hash,
        then each figure's 64 bits mixed in by a bijection (SplitMix64's finaliser), so rows
        that differ in one figure never share a digest. Vectorised over the ideas: hashing
        each row with hashlib took 0.2 s at 40,000 ideas."""
        shared = [FORMAT, disagreement.AGREEMENT_RULE, self.keys, self.names, self.topics]
        start = hashlib.blake2b(
            orjson.dumps([*shared, self.corpus, self.relevance_key]), digest_size=8
        ).digest()
        digests = np.full(len(self.ids), int.from_bytes(start, "big"), dtype=np.uint64)
        for column in np.ascontiguousarray(self.figures.T).view(np.uint64):
            digests = _mixed(digests ^ column)
        return digests.view(np.int64)

    def build(self, n: int) -> dict:
        """The stored details of the idea in row `n`, from that row alone."""
        values = disagreement.as_values(self.figures[n])
        size, c = len(CRITERION_FIELDS), len(self.keys)
        criteria = {
            key: {
                "name": name,
                **{
                    field: _value(field, value)
                    for field, value in zip(
                        CRITERION_FIELDS, values[k * size : (k + 1) * size], strict=True
                    )
                },
            }
            for k, (key, name) in enumerate(zip(self.keys, self.names, strict=True))
        }
        rest = values[c * size :]
        overall = {
            field: _value(field, value)
            for field, value in zip(OVERALL_FIELDS, rest[: len(OVERALL_FIELDS)], strict=True)
        }
        split, moved_by, *relevance = rest[len(OVERALL_FIELDS) :]
        return {
            "criteria": criteria,
            "overall": overall,
            "agreement_rule": disagreement.AGREEMENT_RULE,
            "split_recommendation": bool(split),
            "sensitive_to": self.keys[int(moved_by)] if moved_by >= 0 else None,
            "relevance": dict(zip(self.topics, relevance, strict=True)),
            "nearest": self.nearest[n],
            "corpus": self.corpus,
            "relevance_key": self.relevance_key,
        }

    def store(self) -> int:
        """Write the details whose digest differs from the stored one, and drop those of ideas
        no longer open; how many were written. Run in the writing transaction: the digests
        are compared with what is stored then, whoever stored it."""
        digests = self.digests().tolist()
        ids = self.ids.tolist()
        stored = integer_rows(
            db.session, sa.select(SnapshotDetails.idea_id, SnapshotDetails.digest)
        ).tolist()
        previous = dict(stored)
        changed = [
            n for n, (i, d) in enumerate(zip(ids, digests, strict=True)) if previous.get(i) != d
        ]
        if len(changed) > len(ids) // 2:  # most: quicker to write them all afresh
            db.session.execute(sa.delete(SnapshotDetails))
            changed = list(range(len(ids)))
        else:
            rewritten = {ids[n] for n in changed} & previous.keys()
            stale = sorted((previous.keys() - set(ids)) | rewritten)
            for start in range(0, len(stale), CHUNK):
                db.session.execute(
                    sa.delete(SnapshotDetails).where(
                        SnapshotDetails.idea_id.in_(stale[start : start + CHUNK])
                    )
                )
        rows = [
            {"idea_id": ids[n], "digest": digests[n], "details": self.build(n)} for n in changed
        ]
        insert_many(db.session.connection(), SnapshotDetails.__table__, rows)
        return len(rows)


def _mixed(words: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection on 64-bit words that spreads every bit."""
    words = (words ^ (words >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    words = (words ^ (words >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return words ^ (words >> np.uint64(31))


def _value(field: str, value):
    """A figure as stored: counts as whole numbers, flags as booleans, NaN already None."""
    if value is None:
        return None
    if field in WHOLE_NUMBERS:
        return int(value)
    if field in FLAGS:
        return bool(value)
    return value
