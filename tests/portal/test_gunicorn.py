"""The portal under `gunicorn -w 4 wsgi:app`: concurrent writes across workers all succeed.

Several workers writing to one SQLite file fail with "database is locked" when transactions
begin with a deferred BEGIN; the portal begins writing transactions with BEGIN IMMEDIATE.
Sessions live in the database, so a sign-in made by one worker is honoured by the others.
"""

import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.auth.models import User
from portal.extensions import db
from tests.conftest import fresh_database

ROOT = Path(__file__).resolve().parents[2]
REGISTRATIONS = 16


@pytest.fixture(params=["sqlite", "postgresql"])
def served_database(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        yield url


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def register(base, n):
    opener = build_opener(HTTPCookieProcessor(CookieJar()))
    with opener.open(f"{base}/register", timeout=90) as response:
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', response.read().decode()
        ).group(1)
    form = {
        "csrf_token": token,
        "name": f"Worker Test {n}",
        "email": f"worker{n}@example.org",
        "organisation": "not-listed",
        "organisation_name": f"Trust {n % 3}",
        "organisation_type": "nhs_trust",
        "password": "violet tractor harbour mosaic",
    }
    with opener.open(f"{base}/register", data=urlencode(form).encode(), timeout=90) as response:
        landed = response.geturl(), response.read().decode()
    with opener.open(f"{base}/sign-in", timeout=90) as response:
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', response.read().decode()
        ).group(1)
    credentials = {"csrf_token": token, "email": form["email"], "password": form["password"]}
    opener.open(f"{base}/sign-in", data=urlencode(credentials).encode(), timeout=90).close()
    # later requests may be served by any worker: the session is in the database
    pages = []
    for _ in range(4):
        with opener.open(f"{base}/innovator", timeout=90) as response:
            pages.append(response.geturl())
    return landed, pages


def test_four_workers_take_concurrent_registrations(served_database, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": served_database,
        "PORTAL_ENV": "development",
        "SECRET_KEY": "gunicorn-test-secret",
    }
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": served_database, "SECRET_KEY": "x", "ENV_NAME": "development"}
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    port = free_port()
    env |= {"PUBLIC_URL": f"http://127.0.0.1:{port}", "TRUSTED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda n: register(base, n), range(REGISTRATIONS)))
    finally:
        server.terminate()
        output = server.communicate(timeout=90)[0]
    assert "database is locked" not in output, output
    assert "Traceback" not in output, output
    for (url, html), pages in results:
        assert url.endswith("/register/check-your-email") and "Check your email" in html
        assert all(page.endswith("/innovator") for page in pages)
    with app.app_context():
        emails = db.session.scalars(sa.select(User.email)).all()
        db.session.remove()
        db.engine.dispose()
    assert sorted(emails) == sorted(f"worker{n}@example.org" for n in range(REGISTRATIONS))
