"""What one page of the pipeline weighs: bytes of the whole page and of each table row.

Loads the demo and N synthetic ideas (`flask demo --scale N`) into a temporary SQLite database,
signs in as a lead and fetches the first 50-row page with the default columns and with
every column. Run from the repository root: ``python bench/pipeline_page_size.py [--scale N]``.

Figures (--scale 2000, the first page, sorted by rank): before issue 16 the responsive table
took 1,983 bytes a row and the page 125,936 bytes (123 KiB); after it, 377 bytes a row and
53,731 bytes with the default columns, 642 bytes a row and 68,960 bytes with every column.
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
from portal.auth.services import create_user  # noqa: E402
from portal.demo import load_demo  # noqa: E402
from portal.demo.scale import load_scale_demo  # noqa: E402
from portal.extensions import db  # noqa: E402

EMAIL, PASSWORD = "bench-lead@example.org", "bench lead password 2026"
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
            "ENV_NAME": "development",  # no security codes required of leads
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "bench",
            "PUBLIC_URL": "http://localhost",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
            "SEARCH_INDEX_DIR": str(tmp / "search-index"),
        }
    )
    with app.app_context():
        upgrade()
        load_demo()
        load_scale_demo(args.scale)
        # a lead of its own: the demo lead may have security codes set up
        create_user(
            EMAIL, "Bench Lead", PASSWORD, None, roles=[Role.PROGRAMME_LEAD], check_password=False
        )
        db.session.commit()
    client = app.test_client()
    signed_in = client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:2000]
    for label, query in (("default columns", ""), ("every column", EVERY_COLUMN)):
        response = client.get(f"/pipeline{query}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (response.status_code, response.location)
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
