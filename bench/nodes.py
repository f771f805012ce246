"""Capacity bench: one and two web nodes on one PostgreSQL under a mixed workload, and what
each kind of request costs the web node (CPU) and the database server (CPU).

A fresh database (dropped at the end unless ``--keep``) gets the demo, ``flask demo --scale N``
and synthetic scanned items, so searches match ideas and items. A node is one gunicorn with
``-w 2`` sync workers (a worker per core of a small node; the requests are short and CPU-bound,
so threads would only share a GIL) and its own instance folder (INSTANCE_PATH), with the same
DATABASE_URL, SECRET_KEY and SEARCH_BACKEND=postgresql. Clients (threads, httpx)
send each request to the next node in turn, as a load balancer would; sessions and CSRF tokens
live in the database, so one sign-in serves both nodes. The kinds of request:

- view: the lead's GET /pipeline (pages 1-3) or an idea's page, half each;
- search: the lead's GET /search?q=… (a harm from the demo's topics, or one word of it);
- review: a demo panel member POSTs the whole review form (``submit_review``) for one of
  their open assignments: the first post submits, later ones revise the submitted review (the
  open round allows it; same path, every criterion scored, scores_changed sent). Past
  SNAPSHOT_INLINE_LIMIT open ideas that queues a score refresh for ``flask worker``, which
  does not run under load; its one refresh of the queue is timed at the end, in this process;
- cold pipeline (alone only, not in the mix): /pipeline with an argument it ignores, so no
  worker has the page cached, as after any change to the data or for a lead's first view.

Any other answer than 200 (302 for a review) is an error. Each kind runs alone on one node:
app_cpu_ms is the CPU time (utime+stime, /proc) of the gunicorn masters and workers per
request; db_ms is the CPU time of the PostgreSQL client backends on the bench database
(pg_stat_activity) per request: database SERVER CPU, not time waited on it, and without the
shared WAL writer and checkpointer. Then the mix (60% views, 30% searches, 10% reviews) runs
closed-loop on one node, then on two. On 2 cores shared with PostgreSQL and the driver,
throughput cannot grow with nodes: the per-request costs are the point (README.md's capacity
estimate). The mix's own rows give its measured costs too: higher than the weighted sum, as
every review queues a refresh, which changes the pipeline's data version. Last line:
``nodes=1,2 rps=A,B p95_ms=C,D app_cpu_ms=X db_ms=Y``, X and Y the costs of each kind alone
weighted by the mix.

Run: ``python bench/nodes.py [--scale 5000] [--items 5000] [--clients 8] [--duration 20]
[--solo 10] [--keep]`` (PostgreSQL at $PIPELINE_BENCH_POSTGRES_URL, as bench/pipeline_load.py).
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import _no_shadow  # noqa: F401  (bench convention: keep bench/ off sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.pipeline_load import (  # noqa: E402
    LEAD_EMAIL,
    LEAD_PASSWORD,
    _postgres_admin,
    _postgres_url,
    flask_command,
    free_port,
    stop_gunicorn,
    wait_until_answering,
)
from bench.write_load import _signed_in  # noqa: E402

MIX = {"view": 0.6, "search": 0.3, "review": 0.1}
TICK = os.sysconf("SC_CLK_TCK")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=5000, help="synthetic ideas to load")
    parser.add_argument("--items", type=int, default=5000, help="scanned items to add")
    parser.add_argument("--clients", type=int, default=8, help="closed-loop clients")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per mixed phase")
    parser.add_argument("--solo", type=float, default=10.0, help="seconds per kind alone")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


# --- the data ------------------------------------------------------------------------------


def prepare(env, args) -> dict:
    """Migrate, load the demo, the scale data and the items; return what the clients need."""
    started = time.perf_counter()
    flask_command(env, "db", "upgrade")
    demo = flask_command(env, "demo", "--scale", str(args.scale)).stdout.strip().splitlines()
    os.environ.update(env)
    from portal import create_app
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        plan = _seed(db, args.items)
        db.session.commit()
        db.engine.dispose()
    print(f"prepared in {time.perf_counter() - started:.0f} s: {demo[-1] if demo else ''}")
    return plan


def _seed(db, n_items) -> dict:
    from portal.auth.models import User
    from portal.demo.reviews import DEMO_PANEL
    from portal.demo.scale.words import TOPICS
    from portal.horizon.models import ScannedItem
    from portal.ideas.models import Idea
    from portal.policy import Can, clause
    from portal.reviews.models import Assignment, AssignmentState, ReviewRound, RoundState

    rng, now = random.Random(18), datetime.now(UTC)
    items = []
    for n, t in enumerate(rng.choice(TOPICS) for _ in range(n_items)):
        title = f"{t.harm.capitalize()} {t.place}: study {n}"
        summary = f"We studied {t.harm} among {t.who} {t.place}, measuring {t.measure}."
        link = f"https://example.org/nodes-bench/{n}"
        items.append(dict(title=title, summary=summary, link=link, title_key=title.lower()))
    db.session.execute(sa.insert(ScannedItem).values(published_at=now, first_seen_at=now), items)
    lead = db.session.scalar(sa.select(User).filter_by(email=LEAD_EMAIL))
    ideas = db.session.scalars(sa.select(Idea.reference).where(clause(lead, Can.SEE))).all()
    passwords = {email: password for email, *_, password in DEMO_PANEL if password}
    open_work = db.session.execute(
        sa.select(Assignment, User.email)
        .join(ReviewRound, ReviewRound.id == Assignment.round_id)
        .join(User, User.id == Assignment.user_id)
        .where(
            User.email.in_(passwords),
            Assignment.state == AssignmentState.ACTIVE,
            ReviewRound.state == RoundState.OPEN,
        )
    ).all()
    forms = {}
    for a, email in open_work:
        a.conflict_checked_at = a.conflict_checked_at or now  # the check, answered "no"
        criteria = [c.id for c in a.round.rubric.criteria]
        form = (a.id, a.round.rubric_id, a.idea.version_number, criteria)
        forms.setdefault(email, []).append(form)
    words = sorted({w for t in TOPICS for w in t.harm.split() if len(w) > 4})
    return {
        "ideas": rng.sample(ideas, min(200, len(ideas))),
        "reviewers": [(e, passwords[e], f) for e, f in sorted(forms.items())],
        "queries": [t.harm for t in TOPICS] + words,
    }


# --- nodes and their CPU time --------------------------------------------------------------


def start_node(env, tmp, number) -> tuple:
    """gunicorn -w 2 on a free port, with this node's own directories."""
    port, home = free_port(), Path(tmp, f"node{number}")
    node = {**env, "INSTANCE_PATH": str(home)}
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "wsgi:app"]
    home.mkdir()
    with open(home / "gunicorn.log", "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=node, stdout=log, stderr=log)
    return server, f"http://127.0.0.1:{port}", home / "gunicorn.log"


def _ticks(pid, reaped=False) -> int:
    """utime+stime of a process, plus its reaped children's for a gunicorn master; 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return sum(int(f) for f in fields[11 : 15 if reaped else 13])


def app_ticks(masters) -> int:
    """CPU ticks of the gunicorn masters and their live workers."""
    workers = [w for m in masters for w in Path(f"/proc/{m}/task/{m}/children").read_text().split()]
    return sum(_ticks(m, reaped=True) for m in masters) + sum(_ticks(w) for w in workers)


def db_ticks(name) -> dict:
    """CPU ticks of each client backend connected to the bench database."""
    query = "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = "
    return {pid: _ticks(pid) for (pid,) in _postgres_admin(query + f"'{name}'")}


# --- the clients ---------------------------------------------------------------------------


def signed_in_clients(base, plan, n) -> list[dict]:
    """Per client: a lead's session, a panel member's session and token, its own dice."""
    clients, members = [], {}
    for i in range(n):
        email, password, forms = plan["reviewers"][i % len(plan["reviewers"])]
        if email not in members:
            members[email] = _signed_in(base, email, password, "/reviews")
        lead, _ = _signed_in(base, LEAD_EMAIL, LEAD_PASSWORD, "/search")
        member, token = members[email]
        rng = random.Random(i)
        clients.append(dict(lead=lead, member=member, token=token, forms=forms, rng=rng))
    return clients


def one_request(client, kind, base, plan) -> bool:
    rng = client["rng"]
    if kind in ("view", "cold pipeline"):
        path = f"/pipeline?page={rng.randint(1, 3)}"
        if kind == "cold pipeline":  # an argument it ignores: no worker has this page cached
            path += f"&fresh={uuid.uuid4().hex}"
        elif rng.random() < 0.5:
            path = f"/ideas/{rng.choice(plan['ideas'])}"
        return client["lead"].get(base + path).status_code == 200
    if kind == "search":
        answer = client["lead"].get(f"{base}/search", params={"q": rng.choice(plan["queries"])})
        return answer.status_code == 200
    assignment_id, rubric_id, version, criteria = rng.choice(client["forms"])
    form = {
        "csrf_token": client["token"],
        "rubric": str(rubric_id),
        "idea_version": str(version),
        "submit_review": "1",
        "recommendation": rng.choice(["progress", "progress_with_changes", "do_not_progress"]),
        "confidence": rng.choice(["low", "medium", "high"]),
        "comments_for_panel": f"Bench review {uuid.uuid4().hex[:8]}",
        **{f"score-{c}": str(rng.randint(1, 5)) for c in criteria},
    }
    answer = client["member"].post(f"{base}/reviews/{assignment_id}", data=form)
    return answer.status_code == 302 and answer.headers["location"].endswith(f"/{assignment_id}")


def run_phase(clients, bases, plan, mix, seconds, db_name, masters) -> dict:
    """Closed loop for `seconds`: each client sends its next request when the last returns."""
    results, lock, turn = [], threading.Lock(), iter(range(10**9))
    deadline = time.monotonic() + seconds

    def loop(client):
        kinds, weights = list(mix), list(mix.values())
        while time.monotonic() < deadline:
            kind = client["rng"].choices(kinds, weights)[0]
            with lock:
                base = bases[next(turn) % len(bases)]
            started = time.perf_counter()
            try:
                ok = one_request(client, kind, base, plan)
            except Exception:  # a timeout or a dropped connection counts as an error
                ok = False
            with lock:
                results.append((kind, (time.perf_counter() - started) * 1000, ok))

    app_before, db_before, started = app_ticks(masters), db_ticks(db_name), time.perf_counter()
    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    app_used = app_ticks(masters) - app_before
    db_used = sum(t - db_before.get(pid, 0) for pid, t in db_ticks(db_name).items())
    n, cuts = len(results), statistics.quantiles([ms for _, ms, _ in results], n=20)
    found = dict(n=n, errors=sum(not ok for *_, ok in results), p50=cuts[9], p95=cuts[18])
    ms = 1000 / TICK / n  # a tick's share of a request, in ms
    return found | dict(rps=n / elapsed, app_ms=app_used * ms, db_ms=db_used * ms)


# --- main ----------------------------------------------------------------------------------


def main():
    args = parse_args()
    name = f"nodes_bench_{uuid.uuid4().hex[:10]}"
    _postgres_admin(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="nodes-bench-") as tmp:
            bench(args, name, tmp)
    finally:
        if args.keep:
            print(f"kept database {name}")
        else:
            _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench(args, name, tmp):
    env = {
        **os.environ,
        "DATABASE_URL": _postgres_url(name),
        "PORTAL_ENV": "development",
        "SECRET_KEY": "nodes-bench-secret",
        "SEARCH_BACKEND": "postgresql",
        "TRUSTED_HOSTS": "127.0.0.1",
        "INSTANCE_PATH": f"{tmp}/prepare",
        "FLASK_APP": "wsgi:app",
    }
    plan = prepare(env, args)
    with ExitStack() as stack:
        nodes = [start_node(env, tmp, number) for number in (1, 2)]
        for server, base, log_path in nodes:
            stack.callback(stop_gunicorn, server)
            wait_until_answering(server, base, log_path)
        bases, masters = [b for _, b, _ in nodes], {s.pid for s, _, _ in nodes}
        clients = signed_in_clients(bases[0], plan, args.clients)
        print(f"{args.clients} clients; nodes {', '.join(bases)}; gunicorn -w 2 each", flush=True)
        run_phase(clients, bases, plan, MIX, 5, name, masters)  # warm both nodes' workers
        solo = {
            kind: run_phase(clients, bases[:1], plan, {kind: 1}, args.solo, name, masters)
            for kind in [*MIX, "cold pipeline"]
        }
        mixed = [
            run_phase(clients, bases[:k], plan, MIX, args.duration, name, masters) for k in (1, 2)
        ]
        tracebacks = sum(Path(p).read_text().count("Traceback") for *_, p in nodes)
    report(args, solo, mixed, tracebacks, worker_refresh(env))


def worker_refresh(env) -> tuple:
    """Time the worker's one score refresh of what the review submissions queued."""
    from portal import create_app
    from portal.extensions import db
    from portal.pipeline.snapshots import run_requested_refresh

    app = create_app()
    with app.app_context():
        cpu, wall = time.process_time(), time.perf_counter()
        scored = run_requested_refresh()
        db.session.commit()
        result = (scored, time.process_time() - cpu, time.perf_counter() - wall)
        db.engine.dispose()
    return result


def report(args, solo, mixed, tracebacks, refresh):
    head = f"{'':19} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}"
    print(f"scale {args.scale} ideas, {args.items} items, {args.clients} clients")
    print(f"{head} {'app_cpu_ms':>10} {'db_ms':>6}")
    rows = [(f"{kind} alone", r) for kind, r in solo.items()]
    rows += [(f"mix, {k} node{'s' * (k > 1)}", r) for k, r in zip((1, 2), mixed, strict=True)]
    for label, r in rows:
        print(
            f"{label:19} {r['n']:>8} {r['errors']:>6} {r['rps']:>7.1f} {r['p50']:>7.1f} "
            f"{r['p95']:>7.1f} {r['app_ms']:>10.1f} {r['db_ms']:>6.1f}"
        )
    scored, cpu, wall = refresh
    if scored is not None:
        print(f"worker: one score refresh of {scored} open ideas, {cpu:.1f} s CPU, {wall:.1f} s")
    if tracebacks:
        print(f"WARNING: the gunicorn logs hold {tracebacks} tracebacks")
    app_ms = sum(MIX[kind] * solo[kind]["app_ms"] for kind in MIX)
    db_ms = sum(MIX[kind] * solo[kind]["db_ms"] for kind in MIX)
    print(
        f"nodes=1,2 rps={mixed[0]['rps']:.1f},{mixed[1]['rps']:.1f} "
        f"p95_ms={mixed[0]['p95']:.1f},{mixed[1]['p95']:.1f} "
        f"app_cpu_ms={app_ms:.1f} db_ms={db_ms:.1f}"
    )


if __name__ == "__main__":
    main()
