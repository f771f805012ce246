"""Write load: clients triage items, save review drafts and register for a minute under
`gunicorn -w 4`, then every write is looked up to see that the answer told the truth.

The database gets the demo data plus 2,000 scanned items. Eight clients (by default) write
at once: three leads triage items (each item once), three panel members save drafts of their
own reviews with a unique tag in the panel comments, and two newcomers register with unique
addresses. Afterwards every write is checked: `lost` counts writes acknowledged (a redirect)
but missing, and writes refused (any other answer) but present. Both `http5xx` and `lost`
must be 0: a lock is retried whole or answered 503 with nothing saved.

Run: ``python bench/write_load.py [--database sqlite|postgresql] [--duration 60]
[--clients 8]``. Prints a line per kind of write and, last, ``requests=… http5xx=… lost=…``.
"""

import argparse
import itertools
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import _no_shadow  # noqa: F401  (bench convention: keep bench/ off sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.pipeline_load import (  # noqa: E402
    LEAD_EMAIL,
    LEAD_PASSWORD,
    database,
    flask_command,
    free_port,
    start_gunicorn,
    stop_gunicorn,
    wait_until_answering,
)

ITEMS = 2000  # above SCREENING_INLINE_LIMIT: triage queues rescoring rather than refitting
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (>= 3)")
    args = parser.parse_args()
    args.keep = None  # pipeline_load's database(): a throwaway database
    return args


# --- the data ------------------------------------------------------------------------------


def prepare(env) -> dict:
    """Migrate, load the demo and the items; return what the clients need."""
    flask_command(env, "db", "upgrade")
    flask_command(env, "demo")
    os.environ.update(env)
    from portal import create_app
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        plan = _seed(db)
        db.session.commit()
        db.engine.dispose()
    return plan


def _seed(db) -> dict:
    from portal.auth.models import User
    from portal.demo.reviews import DEMO_PANEL
    from portal.horizon.models import ScannedItem
    from portal.reviews.models import Assignment, AssignmentState, ReviewRound, RoundState

    now = datetime.now(UTC)
    db.session.execute(
        sa.insert(ScannedItem),
        [
            {
                "title": f"Write-load item {n}",
                "summary": f"A scanned article about patient safety, number {n}.",
                "link": f"https://example.org/write-load/{n}",
                "published_at": now,
                "title_key": f"write load item {n}",
                "first_seen_at": now,
            }
            for n in range(ITEMS)
        ],
    )
    passwords = {email: password for email, *_rest, password in DEMO_PANEL if password}
    reviewers = []
    for email, password in sorted(passwords.items()):
        user = db.session.scalar(sa.select(User).filter_by(email=email))
        open_work = db.session.scalars(
            sa.select(Assignment)
            .join(ReviewRound)
            .where(
                Assignment.user_id == user.id,
                Assignment.state == AssignmentState.ACTIVE,
                ReviewRound.state == RoundState.OPEN,
            )
        ).all()
        drafts = [a for a in open_work if a.review is None or a.review.submitted_at is None]
        for assignment in drafts:
            assignment.conflict_checked_at = assignment.conflict_checked_at or now
        if drafts:
            reviewers.append(
                {
                    "email": email,
                    "password": password,
                    "assignments": [
                        (a.id, a.round.rubric_id, a.idea.version_number) for a in drafts
                    ],
                }
            )
    items = db.session.scalars(
        sa.select(ScannedItem.id).where(ScannedItem.title_key.like("write load%"))
    )
    return {"items": sorted(items), "reviewers": reviewers}


# --- the clients ---------------------------------------------------------------------------


class Log:
    """Every write: its kind, its key, what it wrote, and the status it was answered with."""

    def __init__(self):
        self.lock, self.rows, self.statuses = threading.Lock(), [], Counter()

    def add(self, kind, key, value, status):
        with self.lock:
            self.rows.append((kind, key, value, status))
            self.statuses[status] += 1


def _token(client, path) -> str:
    page = client.get(path)
    match = TOKEN.search(page.text)
    if match is None:
        raise SystemExit(f"no csrf_token on {path} ({page.status_code})")
    return match.group(1) or match.group(2)


def _signed_in(base, email, password, form_page) -> tuple[httpx.Client, str]:
    """A client signed in as `email`, and the CSRF token of its new session (from `form_page`)."""
    client = httpx.Client(base_url=base, timeout=60)
    form = {"csrf_token": _token(client, "/sign-in"), "email": email, "password": password}
    answer = client.post("/sign-in", data=form)
    if answer.status_code != 302 or answer.headers["location"].endswith("/sign-in"):
        raise SystemExit(f"sign-in as {email} failed ({answer.status_code})")
    return client, _token(client, form_page)


def triager(base, items, log, deadline):
    client, token = _signed_in(base, LEAD_EMAIL, LEAD_PASSWORD, "/horizon/inbox")
    while time.monotonic() < deadline:
        item_id = next(items, None)
        if item_id is None:
            return
        decision = "relevant" if item_id % 2 else "not_relevant"
        answer = client.post(
            "/horizon/inbox/triage",
            data={"csrf_token": token, "decide": f"{item_id}:{decision}", "back": "/horizon/inbox"},
        )
        log.add("triage", item_id, decision, answer.status_code)


def reviewer(base, plan, log, deadline):
    first = plan["assignments"][0][0]
    client, token = _signed_in(base, plan["email"], plan["password"], f"/reviews/{first}")
    for assignment_id, rubric_id, version in itertools.cycle(plan["assignments"]):
        if time.monotonic() >= deadline:
            return
        tag = uuid.uuid4().hex
        answer = client.post(
            f"/reviews/{assignment_id}",
            data={
                "csrf_token": token,
                "rubric": str(rubric_id),
                "idea_version": str(version),
                "save_draft": "1",
                "comments_for_panel": f"Draft {tag}",
            },
        )
        log.add("review", assignment_id, tag, answer.status_code)


def registrant(base, log, deadline):
    while time.monotonic() < deadline:
        with httpx.Client(base_url=base, timeout=60) as client:
            email = f"load-{uuid.uuid4().hex[:16]}@example.org"
            answer = client.post(
                "/register",
                data={
                    "csrf_token": _token(client, "/register"),
                    "name": "Load Tester",
                    "email": email,
                    "organisation": "not-listed",
                    "organisation_name": "Write Load Trust",
                    "organisation_type": "nhs_trust",
                    "password": "violet tractor harbour mosaic",
                },
            )
            log.add("register", email, email, answer.status_code)


def run(base, plan, args) -> Log:
    log, deadline = Log(), time.monotonic() + args.duration
    items = iter(plan["items"])
    item_lock = threading.Lock()

    def next_item():
        with item_lock:
            return next(items, None)

    shared_items = iter(next_item, None)
    reviewers = plan["reviewers"][:3]
    workers = [threading.Thread(target=triager, args=(base, shared_items, log, deadline))]
    workers += [threading.Thread(target=reviewer, args=(base, r, log, deadline)) for r in reviewers]
    while len(workers) < args.clients - 2:
        workers.append(threading.Thread(target=triager, args=(base, shared_items, log, deadline)))
    workers += [threading.Thread(target=registrant, args=(base, log, deadline)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return log


# --- the check -----------------------------------------------------------------------------


def lost_writes(url, log) -> Counter:
    """Per kind, the writes whose answer and stored state disagree."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    lost = Counter()
    with engine.connect() as conn:
        status = dict(conn.execute(sa.text("SELECT id, status FROM scanned_items")).all())
        emails = set(conn.execute(sa.text("SELECT email FROM users")).scalars())
        drafts = dict(
            conn.execute(sa.text("SELECT assignment_id, comments_for_panel FROM reviews")).all()
        )
    engine.dispose()
    expected_draft = {}
    for kind, key, value, code in log.rows:
        acked = code == 302
        if kind == "triage":
            lost[kind] += acked != (status.get(key) == value)
        elif kind == "register":
            lost[kind] += acked != (value in emails)
        elif acked:  # a review draft: the last acknowledged tag must be the stored one
            expected_draft[key] = f"Draft {value}"
    for assignment_id, text in expected_draft.items():
        lost["review"] += drafts.get(assignment_id) != text
    return lost


def main():
    args = parse_args()
    with database(args) as url, tempfile.TemporaryDirectory(prefix="write-load-") as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "PORTAL_ENV": "development",
            "SECRET_KEY": "write-load-bench-secret",
            "PUBLIC_URL": base,
            "TRUSTED_HOSTS": "127.0.0.1",
            "SEARCH_INDEX_DIR": f"{tmp}/search-index",
            "FLASK_APP": "wsgi:app",
        }
        started = time.perf_counter()
        plan = prepare(env)
        print(f"prepared {args.database} in {time.perf_counter() - started:.0f} s", flush=True)
        log_path = f"{tmp}/gunicorn.log"
        with open(log_path, "w") as server_log:
            server = start_gunicorn(env, port, server_log)
        try:
            wait_until_answering(server, base, log_path)
            print(f"{args.clients} clients for {args.duration:.0f} s on {base} ...", flush=True)
            log = run(base, plan, args)
        finally:
            stop_gunicorn(server)
        lost = lost_writes(url, log)
        errors = Path(log_path).read_text().count("Traceback")
    by_kind = Counter(kind for kind, *_ in log.rows)
    for kind in ("triage", "review", "register"):
        codes = Counter(code for k, _, _, code in log.rows if k == kind)
        print(f"{kind:9} writes={by_kind[kind]:5} answers={dict(codes)} lost={lost[kind]}")
    http5xx = sum(n for code, n in log.statuses.items() if code >= 500)
    print(f"server tracebacks={errors}")
    print(f"requests={len(log.rows)} http5xx={http5xx} lost={sum(lost.values())}")


if __name__ == "__main__":
    main()
