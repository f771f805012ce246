"""On the demo data the disagreement flag marks a minority of reviewed ideas, and says why.

The demo plants ideas the panel splits on (a pair of qualities in `DEMO_ROUNDS`); only those
may be flagged. The `--scale` data's rate is checked in test_demo_scale.py.
"""

import re

import sqlalchemy as sa

from portal.demo import DEMO_LEAD, DEMO_USERS
from portal.demo.reviews import DEMO_ROUNDS
from portal.extensions import db
from portal.pipeline.disagreement import disagrees
from portal.pipeline.models import ScoreSnapshot

SPLIT = [title for r in DEMO_ROUNDS for title, q in r["ideas"].items() if isinstance(q, tuple)]


def reviewed_ideas():
    """(reference, title, flagged) of each idea with two or more reviews to compare."""
    snapshots = db.session.scalars(sa.select(ScoreSnapshot).where(ScoreSnapshot.n_reviews >= 2))
    return [(s.idea.reference, s.idea.title, disagrees(s.details)) for s in snapshots]


def flag_rate(query):
    """The share of reviewed ideas flagged, printed (run pytest -s to read it)."""
    ideas = query(reviewed_ideas)
    flagged = [idea for idea in ideas if idea[2]]
    print(f"\nDisagree flag: {len(flagged)} of {len(ideas)} reviewed ideas")
    return flagged, len(flagged) / len(ideas)


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_demo_flags_only_its_split_ideas_and_says_why(runner, query, client, sign_in):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    flagged, rate = flag_rate(query)
    assert 0 < rate < 0.5
    assert all(title.startswith(tuple(SPLIT)) for _, title, _ in flagged)

    password = next(p for *_, email, _, _, p in DEMO_USERS if email == DEMO_LEAD)
    sign_in(client, DEMO_LEAD, password)
    reference = flagged[0][0]
    text = text_of(client.get(f"/ideas/{reference}").get_data(as_text=True))
    reason = re.search(
        r"Reviewers disagree more than usual .*? can explain: (.+?): scores ([\d, ]+) are ([\d.]+)"
        r" times as spread out as reviewers' scores on this criterion usually are \(a spread"
        r" of ([\d.]+) points, against a usual ([\d.]+)\)",
        text,
    )
    assert reason, text
    criterion, scores, ratio, spread, usual = (part.strip() for part in reason.groups())
    assert float(ratio) > 2 and float(spread) > float(usual)
    assert f"{criterion} Scores given {scores}" in text  # the table row it speaks of
    assert f"Spread {spread} Usual spread {usual} Agreement Reviewers disagree" in text
    assert "Agreement Wider, but could be chance" in text  # its other criteria
