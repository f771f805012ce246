"""Load-test the pipeline page under `gunicorn -w 4` with wrk, beside a static page as baseline.

Fills a database with the demo data plus `flask demo --scale N` synthetic ideas (5,000 by
default), serves it with four gunicorn workers on a free 127.0.0.1 port, signs in as the
programme lead and runs ``wrk -t2 -c8 --latency`` against ``/pipeline`` and then against
``/static/portal.css``. The page's table is cached per data version (portal/page_cache.py),
so that run measures the warm page. A third run rotates the page's address (each sort order
both ways, alone or with one of the filters the page offers, page 1 of each, then page 2, …)
so no request is served from a cached rendering: the cold page. First views of pages no
worker has rendered are timed too, one at a time. Targets (issue 19): the warm page at least
20 % of the static file's requests/s with a p99 under 3 x its p50, the cold page at least
10 %, all in the same run, on SQLite and on PostgreSQL. Prints a small table and, last,
``p50_ms=… p95_ms=… p99_ms=… rps=… baseline_rps=… cold_rps=…``.

Where issue 19 starts (2026-12-04, 5,000 ideas, 8 clients, 2 cores, one run each, ``--keep``):

- SQLite: ``p50_ms=50.7 p95_ms=136.1 p99_ms=1213.1 rps=149.1 baseline_rps=2054.1
  cold_rps=21.7``: the warm page 7.3 % of the static file's requests/s, its p99 24 x its p50;
  the cold page 1.1 % (the first run on the fresh database; a second: ``p50_ms=36.1
  p95_ms=55.8 p99_ms=232.4 rps=210.1 baseline_rps=2454.3 cold_rps=29.0``, 8.6 %, p99 6.4 x
  p50, cold 1.2 %).
- PostgreSQL: ``p50_ms=46.9 p95_ms=66.2 p99_ms=86.1 rps=163.4 baseline_rps=1756.7
  cold_rps=25.5``: 9.3 %, p99 1.8 x p50; cold 1.5 %.

Then the NHS.UK header and footer rendered once per distinct parameters and reused
(`ui.component`; the header macro alone was ~5 ms of a warm page's ~9 ms in-process, which
is now 3.1 ms):

- SQLite: ``p50_ms=20.8 p95_ms=31.8 p99_ms=207.9 rps=367.0 baseline_rps=1798.0
  cold_rps=31.1``: 20.4 %, p99 10 x p50; cold 1.7 %. In one process, one request at a time,
  the p99 is 1.9 x the p50 (one 138 ms outlier in 3,000): SQLite's tail comes with
  concurrency, not yet explained.
- PostgreSQL: ``p50_ms=20.9 p95_ms=29.6 p99_ms=38.3 rps=374.6 baseline_rps=2589.2
  cold_rps=29.4``: 14.5 %, p99 1.8 x p50; cold 1.1 %.

Then (2026-12-04, later) with every template compiled and start-up's objects frozen out of the
cycle collector (`gc.freeze`) before a worker serves (`wsgi.py`): a worker's first render had
paid ~0.3 s of compilation with requests queued behind it, and full collections took 0.1 to
0.3 s each under load; and with the session, its user and the user's roles read in one query:

- SQLite: ``p50_ms=9.5 p95_ms=13.3 p99_ms=18.1 rps=807.6 baseline_rps=2742.4
  cold_rps=40.9``: 29.4 %, p99 1.9 x p50; cold 1.5 % (before the session change: 22.9 %,
  p99 1.8 x).
- PostgreSQL: ``p50_ms=13.0 p95_ms=18.2 p99_ms=21.6 rps=593.4 baseline_rps=2738.9
  cold_rps=44.9``: 21.7 %, p99 1.7 x p50; cold 1.6 % (the run before it, on a busier
  machine: 16.4 %, p99 1.6 x).

Then with the viewer's ranks kept per data version in each worker (`ranking._ranks`), SQLite:
``p50_ms=11.2 p95_ms=16.4 p99_ms=21.3 rps=687.9 baseline_rps=2760.6 cold_rps=61.3``: 24.9 %,
p99 1.9 x p50, cold 2.2 % (was 1.5 %; a first view 38 ms, was 52). At 50,000 ideas
(``--scale 50000 --keep /tmp/pipeline-bench-50k.sqlite3``): ``p50_ms=12.6 p95_ms=20.5
p99_ms=110.4 rps=597.7 baseline_rps=2750.3 cold_rps=11.7``: 21.7 %, within a factor of 2 of
the 5,000-idea ratio, but the p99 is 8.7 x the p50 (a worker's first render of the page takes
about 0.7 s there, and requests queue behind it) and cold 0.4 %.

Then (2026-12-05) with SQL's answers kept per data version in each worker
(`portal/pipeline/ranked_index.py`: which snapshots each filter value keeps, each sort's order,
which ideas a lead may see), so a page reads only its 50 rows; the table's rows built in Python;
the details, pagination, button and skip link rendered once per shape; and every request asking
for compression as Chromium does (``Accept-Encoding: gzip, deflate, br, zstd``: the page goes
out in zstd, 52 KiB to 9 KiB; static files are sent as they are):

- SQLite: ``p50_ms=9.0 p95_ms=12.0 p99_ms=15.7 rps=862.2 baseline_rps=2720.9
  cold_rps=371.8``: 31.7 %, p99 1.8 x p50, cold 13.7 %; two later runs 26.0 % (cold 13.0 %) on
  a busier machine and, on the final code, ``p50_ms=10.5 p95_ms=14.9 p99_ms=17.6 rps=738.4
  baseline_rps=2379.2 cold_rps=306.5``: 31.0 %, p99 1.7 x, cold 12.9 %.
- PostgreSQL made four round trips a page (BEGIN, the session, the data version, ROLLBACK)
  with its server on the same two cores, and sat on the lines (18 to 21 %, cold 9 to 10 %).
  With read-only requests in autocommit (`portal.database.configure_postgresql`: no BEGIN or
  ROLLBACK): ``p50_ms=13.0 p95_ms=18.1 p99_ms=21.6 rps=599.7 baseline_rps=2446.9
  cold_rps=289.6``: 24.5 %, p99 1.7 x, cold 11.8 %.
- 50,000 ideas, SQLite (``--scale 50000 --keep /tmp/pipeline-bench-50k.sqlite3``):
  ``p50_ms=10.4 p95_ms=15.1 p99_ms=19.3 rps=743.3 baseline_rps=2311.9 cold_rps=232.9``:
  32.2 %, p99 1.9 x, cold 10.1 %. PostgreSQL (``--database postgresql --keep
  pipeline_bench_50k``): ``p50_ms=15.0 p95_ms=20.7 p99_ms=24.5 rps=522.5 baseline_rps=2457.7
  cold_rps=193.4``: 21.3 %, p99 1.6 x, cold 7.9 %. The cold page's tail there is each worker
  asking SQL for a sort order the first time a lead uses it in a data version (0.1 to 0.3 s
  at 50,000). The scale demo now ANALYZEs after loading: without statistics (this machine's
  server runs no autovacuum) PostgreSQL JIT-compiled each page's row query (35 ms, cold 2.9 %).

Run: ``python bench/pipeline_load.py [--database sqlite|postgresql] [--scale 5000]
[--duration 15s] [--connections 8] [--keep [PATH_OR_NAME]]``. Loading the data takes about
45 s; ``--keep`` reuses (and if need be prepares) /tmp/pipeline-bench.sqlite3 or the
PostgreSQL database ``pipeline_bench`` so later runs skip it. Needs wrk (apt-get install -y
wrk) and, for PostgreSQL, a server at $PIPELINE_BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres).
"""

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, Request, build_opener

import _no_shadow  # noqa: F401  (bench convention: keep bench/ off sys.path)

ROOT = Path(__file__).resolve().parents[1]
LEAD_EMAIL, LEAD_PASSWORD = "lead@example.org", "demo-lead-meadow-83"
SECRET_KEY = "pipeline-load-bench-secret"
POSTGRES_ADMIN_URL = os.environ.get(
    "PIPELINE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
KEEP_DEFAULTS = {"sqlite": "/tmp/pipeline-bench.sqlite3", "postgresql": "pipeline_bench"}
PAGE, BASELINE = "/pipeline", "/static/portal.css"
TARGET_P95_MS = 150
THREADS = 2  # wrk's
ACCEPT_ENCODING = "gzip, deflate, br, zstd"  # what Chromium sends: every request asks for it
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("bench_p50_us=%d bench_p95_us=%d bench_p99_us=%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""
# The cold run: each wrk thread walks its own share of a list of distinct addresses (filters,
# sort orders, directions and pages), so no request finds a rendering cached by an earlier one.
COLD_LUA = """
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
function init(args)
  step = tonumber(args[1])
  n = offset
end
function request()
  n = n + step
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
paths = {%s}
"""
COLD_FILTERS = ("workstream", "stage", "setting", "source")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--scale", type=int, default=5000, help="synthetic ideas to load")
    parser.add_argument("--duration", default="15s", help="wrk duration per page, e.g. 15s")
    parser.add_argument("--connections", type=int, default=8, help="concurrent wrk clients")
    parser.add_argument(
        "--keep",
        nargs="?",
        const="",
        default=None,
        metavar="PATH_OR_NAME",
        help="reuse (prepare once) a SQLite file or PostgreSQL database name; defaults: "
        + ", ".join(f"{k} {v}" for k, v in KEEP_DEFAULTS.items()),
    )
    args = parser.parse_args()
    if args.keep == "":
        args.keep = KEEP_DEFAULTS[args.database]
    if re.fullmatch(r"\d+", args.duration):
        args.duration += "s"
    return args


# --- database -----------------------------------------------------------------------------


def _postgres_url(name):
    import sqlalchemy as sa

    return (
        sa.make_url(POSTGRES_ADMIN_URL)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def _postgres_admin(sql):
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else None


@contextmanager
def database(args):
    """Yield a database URL: the kept one (created if missing) or a throwaway one."""
    if args.database == "sqlite":
        if args.keep:
            yield f"sqlite:///{Path(args.keep).resolve()}"
            return
        directory = tempfile.mkdtemp(prefix="pipeline-bench-")
        try:
            yield f"sqlite:///{directory}/portal.sqlite3"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    name = args.keep or f"pipeline_bench_{uuid.uuid4().hex[:10]}"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        sys.exit(f"PostgreSQL database name must be a plain lower-case identifier: {name!r}")
    exists = _postgres_admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
    if not exists:
        _postgres_admin(f'CREATE DATABASE "{name}"')
    try:
        yield _postgres_url(name)
    finally:
        if not args.keep:
            _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scale_data_loaded(url):
    """True if the database is migrated and holds the scale demo data."""
    import sqlalchemy as sa

    from portal.demo.scale.people import MARK

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            if "alembic_version" not in tables or "organisations" not in tables:
                return False
            query = sa.text("SELECT 1 FROM organisations WHERE name LIKE :pattern LIMIT 1")
            return conn.execute(query, {"pattern": f"%{MARK}"}).first() is not None
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def flask_command(env, *command):
    flask = [sys.executable, "-m", "flask", "--app", "wsgi:app"]
    done = subprocess.run(flask + list(command), cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"flask {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done


def prepare(url, env, scale):
    started = time.perf_counter()
    print(f"preparing {redact(url)}: flask db upgrade; flask demo --scale {scale} ...", flush=True)
    flask_command(env, "db", "upgrade")
    done = flask_command(env, "demo", "--scale", str(scale))
    lines = done.stdout.strip().splitlines()
    print(f"  {lines[-1] if lines else ''}\n  prepared in {time.perf_counter() - started:.0f} s")


def redact(url):
    return re.sub(r"//([^:@/]+):[^@/]+@", r"//\1:***@", url)


# --- server and client --------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env, port, log):
    command = [sys.executable, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "wsgi:app"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_gunicorn(server):
    """Stop the server, killing it if it has not stopped within 30 s."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_until_answering(server, base, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    opener = build_opener()
    while True:
        try:
            with opener.open(f"{base}{BASELINE}", timeout=5) as response:
                response.read()
                return
        except (OSError, HTTPError):
            if server.poll() is not None:
                sys.exit(f"gunicorn exited ({server.returncode}):\n{Path(log_path).read_text()}")
            if time.monotonic() > deadline:
                sys.exit(f"gunicorn did not answer within {timeout} s")
            time.sleep(0.2)


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base):
    """Sign in as the lead; return the sp_session cookie value, checking /pipeline answers 200."""
    jar = CookieJar()
    opener = build_opener(HTTPCookieProcessor(jar))
    with opener.open(f"{base}/sign-in", timeout=60) as response:
        html = response.read().decode()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    if not match:
        sys.exit("no csrf_token in the sign-in form")
    form = {"csrf_token": match.group(1), "email": LEAD_EMAIL, "password": LEAD_PASSWORD}
    with opener.open(f"{base}/sign-in", data=urlencode(form).encode(), timeout=60) as response:
        landed = urlsplit(response.geturl()).path
        response.read()
    cookie = next((c.value for c in jar if c.name == "sp_session"), None)
    if cookie is None or landed == "/sign-in":
        sys.exit(f"sign-in as {LEAD_EMAIL} failed (landed on {landed})")
    check = build_opener(_NoRedirect())
    sizes = []
    for accepted in ("identity", ACCEPT_ENCODING):
        headers = {"Cookie": f"sp_session={cookie}", "Accept-Encoding": accepted}
        try:
            with check.open(Request(f"{base}{PAGE}", headers=headers), timeout=60) as response:
                status = response.status
                sizes.append(len(response.read()))
        except HTTPError as error:
            status = error.code
        if status != 200:
            sys.exit(f"GET {PAGE} as the lead answered {status}, not 200")
    return cookie, sizes


def run_wrk(url, args, lua_path, cookie=None, script_args=()):
    command = ["wrk", f"-t{THREADS}", f"-c{args.connections}", f"-d{args.duration}", "--latency"]
    command += ["-s", lua_path]
    if cookie:
        command += ["-H", f"Cookie: sp_session={cookie}"]
    command += ["-H", f"Accept-Encoding: {ACCEPT_ENCODING}"]
    done = subprocess.run(command + [url, "--", *script_args], capture_output=True, text=True)
    out = done.stdout
    if done.returncode:
        sys.exit(f"wrk failed ({done.returncode}):\n{out}{done.stderr}")

    def grab(pattern, default=None):
        match = re.search(pattern, out, re.MULTILINE)
        if match is None and default is None:
            sys.exit(f"could not find {pattern!r} in wrk's output:\n{out}")
        return match.group(1) if match else default

    percentiles = re.search(r"bench_p50_us=(\d+) bench_p95_us=(\d+) bench_p99_us=(\d+)", out)
    if percentiles is None:
        sys.exit(f"the wrk Lua script printed no percentiles:\n{out}")
    return {
        "p50_ms": int(percentiles.group(1)) / 1000,
        "p95_ms": int(percentiles.group(2)) / 1000,
        "p99_ms": int(percentiles.group(3)) / 1000,
        "rps": float(grab(r"^Requests/sec:\s+([\d.]+)")),
        "requests": int(grab(r"^\s*(\d+) requests in")),
        "non_2xx": int(grab(r"Non-2xx or 3xx responses:\s+(\d+)", "0")),
        "socket_errors": grab(r"^\s*Socket errors:\s*(.+)$", ""),
    }


# --- main ---------------------------------------------------------------------------------


def main():
    args = parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        sys.exit(1)
    with database(args) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "PORTAL_ENV": "development",
            "SECRET_KEY": SECRET_KEY,
        }
        if scale_data_loaded(url):
            print(f"reusing prepared {redact(url)} (scale data already loaded)")
            flask_command(env, "db", "upgrade")  # a kept database may predate new migrations
        else:
            prepare(url, env, args.scale)
        bench(args, env)


def bench(args, env):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "PUBLIC_URL": base, "TRUSTED_HOSTS": "127.0.0.1"}
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as tmp:
        log_path, lua_path = f"{tmp}/gunicorn.log", f"{tmp}/percentiles.lua"
        Path(lua_path).write_text(LUA)
        with open(log_path, "w") as log:
            server = start_gunicorn(env, port, log)
        try:
            wait_until_answering(server, base, log_path)
            cookie, (size, compressed) = sign_in(base)
            print(
                f"gunicorn -w 4 on {base} ({args.database}); signed in as {LEAD_EMAIL}; "
                f"{PAGE} is {size / 1024:.0f} KiB, {compressed / 1024:.0f} KiB compressed"
            )
            cold = first_views(base, cookie)
            print(f"wrk -t{THREADS} -c{args.connections} -d{args.duration} a run ...", flush=True)
            page = run_wrk(f"{base}{PAGE}", args, lua_path, cookie)
            static = run_wrk(f"{base}{BASELINE}", args, lua_path)
            cold_lua = f"{tmp}/cold.lua"
            Path(cold_lua).write_text(LUA + COLD_LUA % lua_strings(cold_paths(base, cookie)))
            cold["wrk"] = run_wrk(f"{base}{PAGE}", args, cold_lua, cookie, [str(THREADS)])
        finally:
            stop_gunicorn(server)
        server_log = Path(log_path).read_text()
    report(args, page, static, server_log, cold)


def cold_paths(base, cookie, n=10_000):
    """Distinct addresses of the pipeline page: each sort order both ways, alone or with one
    filter (the values offered on the page itself), page 1 of every such view, then page 2, …"""
    opener = build_opener(_NoRedirect())
    with opener.open(Request(f"{base}{PAGE}", headers={"Cookie": f"sp_session={cookie}"})) as r:
        html = r.read().decode()
    options = {}
    for name in (*COLD_FILTERS, "sort"):
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
        found = re.findall(r'<option value="([^"]*)"', select.group(1)) if select else []
        options[name] = [value for value in found if value]
    views = [
        {"sort": sort, "dir": direction, **({name: value} if name else {})}
        for sort in options["sort"] or ["rank"]
        for direction in ("asc", "desc")
        for name, value in [(None, None)]
        + [(name, value) for name in COLD_FILTERS for value in options[name]]
    ]
    paths, page, shuffle = [], 1, random.Random(1).shuffle
    while len(paths) < n:
        batch = [f"{PAGE}?{urlencode({**view, 'page': page})}" for view in views]
        shuffle(batch)
        paths += batch
        page += 1
    return paths[:n]


def lua_strings(values):
    return ", ".join(f'"{v}"' for v in values)  # URL-encoded: no quotes or backslashes


def first_views(base, cookie, n=40):
    """Latency of pages no worker has rendered yet (each a cache miss), one at a time."""
    opener = build_opener(_NoRedirect())
    times = []
    for number in range(1, n + 1):
        url = f"{base}{PAGE}?sort=submitted&page={number}"
        started = time.perf_counter()
        headers = {"Cookie": f"sp_session={cookie}", "Accept-Encoding": ACCEPT_ENCODING}
        with opener.open(Request(url, headers=headers), timeout=60) as r:
            r.read()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": times[len(times) // 2], "p95_ms": times[int(len(times) * 0.95) - 1]}


def report(args, page, static, server_log, cold):
    rotated = cold["wrk"]
    print(f"{'page':<26} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>9} {'requests':>9}")
    rows = ((PAGE, page), (f"{BASELINE} (base)", static), (f"{PAGE} rotated", rotated))
    for label, r in rows:
        print(
            f"{label:<26} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['p99_ms']:>8.1f} "
            f"{r['rps']:>9.1f} {r['requests']:>9}"
        )
    print(
        f"{'first view (not cached)':<26} {cold['p50_ms']:>8.1f} {cold['p95_ms']:>8.1f}"
        "            (one client, 40 pages no worker had rendered)"
    )
    for label, r in rows:
        if r["non_2xx"]:
            print(f"WARNING: {label}: {r['non_2xx']} non-2xx/3xx responses of {r['requests']}")
        if r["socket_errors"]:
            print(f"WARNING: {label}: socket errors: {r['socket_errors']}")
    if "Traceback" in server_log:
        print("WARNING: gunicorn logged a traceback:\n" + server_log[-3000:])
    verdict = "meets" if page["p95_ms"] < TARGET_P95_MS else "MISSES"
    print(
        f"{args.database}, scale {args.scale}, {args.connections} clients: p95 "
        f"{page['p95_ms']:.1f} ms {verdict} the {TARGET_P95_MS} ms target; the page serves "
        f"{page['rps'] / static['rps']:.1%} of the static file's requests/s (cold: "
        f"{rotated['rps'] / static['rps']:.1%}); its p99 is {page['p99_ms'] / page['p50_ms']:.1f} "
        "x its p50"
    )
    print(
        f"p50_ms={page['p50_ms']:.1f} p95_ms={page['p95_ms']:.1f} p99_ms={page['p99_ms']:.1f} "
        f"rps={page['rps']:.1f} baseline_rps={static['rps']:.1f} cold_rps={rotated['rps']:.1f}"
    )


if __name__ == "__main__":
    main()
