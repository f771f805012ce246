"""What one page of the pipeline weighs: bytes of the whole page and of each table row.

Loads the demo and N synthetic ideas (`flask demo --scale N`) into a temporary SQLite database,
signs in as the demo lead and fetches the first 50-row page with the default columns and with
every column. Run from the repository root: ``python bench/pipeline_page_size.py [--scale N]``.

Figures (--scale 2000): before issue 16 the responsive table took 1,983 bytes a row and the
page 125,936 bytes (123 KiB); see the figures this prints for today's.
"""

import argparse
import sys
import tempfile
from pathlib import Path

import _no_shadow  # noqa: F401  (bench convention: keep bench/ off sys.path)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.auth.roles import Role  # noqa: E402
from portal.demo import DEMO_USERS, load_demo  # noqa: E402
from portal.demo.scale import load_scale_demo  # noqa: E402
from portal.extensions import db  # noqa: E402

EVERY_COLUMN = "?" + "&".join(
    f"cols={c}"
    for c in (
        "interval",
        "chance",
        "agreement",
        "stage",
        "days",
        "workstreams",
        "duplicates",
        "source",
    )
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=2000, help="synthetic ideas to add")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pipeline-page-"))
    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "bench",
            "PUBLIC_URL": "http://localhost",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
            "SEARCH_INDEX_DIR": str(tmp / "search-index"),
            "UPLOAD_DIR": str(tmp / "uploads"),
        }
    )
    with app.app_context():
        upgrade()
        load_demo()
        load_scale_demo(args.scale)
        db.session.commit()
    email, password = next((e, p) for r, e, _n, _o, p in DEMO_USERS if r == Role.PROGRAMME_LEAD)
    client = app.test_client()
    client.post("/sign-in", data={"email": email, "password": password})
    for label, query in (("default columns", ""), ("every column", EVERY_COLUMN)):
        html = client.get(f"/pipeline{query}").get_data(as_text=True)
        body = html[html.index("<tbody") : html.index("</tbody>")]
        rows = body.count("<tr>")
        print(
            f"{label}: page={len(html.encode()):,} B rows={rows} "
            f"table_body={len(body.encode()):,} B per_row={len(body.encode()) / rows:,.0f} B"
        )
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
