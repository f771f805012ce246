"""How many reviewed ideas the "Disagree" flag marks on the demo and on `--scale` data.

Loads the demo, and apart N synthetic ideas (`flask demo --scale N`, no split planted), each
into a temporary SQLite database, and counts the snapshots with two or more reviews that
`portal.pipeline.disagreement.disagrees` flags, beside the earlier rule (any criterion two
points apart, or a split recommendation). Run from the repository root:
``python bench/disagreement.py [--scale N]``.

Figures (2 cores, shared): demo 3 of 11 reviewed ideas flagged, the three planted splits with
three reviews in (the earlier rule: 11 of 11); scale 2,000: 11 of 756 (1.5%, all false alarms
as no split is planted there; the earlier rule: 708, 93.7%).
"""

import argparse
import sys
import tempfile
from pathlib import Path

import _no_shadow  # noqa: F401  (bench convention: keep bench/ off sys.path)
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.demo import load_demo  # noqa: E402
from portal.demo.scale import load_scale_demo  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.pipeline.disagreement import disagrees  # noqa: E402
from portal.pipeline.models import ScoreSnapshot  # noqa: E402
from scoring import DISAGREEMENT_RANGE  # noqa: E402


def earlier_rule(details) -> bool:
    """The flag before: any criterion two points apart, or a split recommendation."""
    ranges = [c.get("range") or 0 for c in details.get("criteria", {}).values()]
    return details.get("split_recommendation", False) or max(ranges) >= DISAGREEMENT_RANGE


def measure(label, load):
    """Load data into a fresh database and print how many reviewed ideas are flagged."""
    tmp = Path(tempfile.mkdtemp(prefix="disagreement-"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "PUBLIC_URL": "http://127.0.0.1",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
            "SEARCH_INDEX_DIR": str(tmp / "search-index"),
        }
    )
    with app.app_context():
        upgrade()
        load()
        db.session.commit()
        snapshots = db.session.scalars(
            sa.select(ScoreSnapshot).where(ScoreSnapshot.n_reviews >= 2)
        ).all()
        now = [s for s in snapshots if disagrees(s.details)]
        before = sum(earlier_rule(s.details) for s in snapshots)
        n = len(snapshots)
        print(f"{label}: {len(now)} of {n} reviewed ideas flagged ({len(now) / n:.1%});")
        print(f"  the earlier rule flagged {before} ({before / n:.1%})")
        for snapshot in now[:10]:
            print(f"  {snapshot.idea.reference} {snapshot.idea.title[:70]}")
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=2000, help="synthetic ideas to add")
    args = parser.parse_args()
    measure("demo", load_demo)
    measure(f"scale {args.scale:,}", lambda: load_scale_demo(args.scale))


if __name__ == "__main__":
    main()
