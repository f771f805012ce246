"""Fixtures shared by the portal tests, in flaskr's style plus Indico-style factories.

Every test that touches the database runs on SQLite and on PostgreSQL: the session-scoped
`database_url` fixture is parametrised over both. Each backend's database is made and
migrated once per run; each test runs inside a transaction that is rolled back, and the
app's sessions join it through savepoints, so services may commit as they do in production.
"""

import os
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

import scanners.parse
from portal import create_app
from portal.auth import services
from portal.auth.models import OrganisationType, User
from portal.auth.roles import Role
from portal.extensions import db

BACKENDS = [b for b in os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",") if b]
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
PASSWORD = "correct horse battery staple"


class FakeClock:
    """An injectable clock that only moves when a test moves it."""

    def __init__(self, start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC)):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


def postgres_database():
    """Create a fresh PostgreSQL database; return (url, drop)."""
    name = f"sp_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is not answering at {POSTGRES_ADMIN_URL}: {error}")
    base = sa.make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)

    def drop():
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.render_as_string(hide_password=False), drop


def make_config(database_url, tmp_path, **overrides):
    return {
        "TESTING": True,
        "ENV_NAME": "development",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "ARGON2_PARAMS": CHEAP_ARGON2,
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "SERVER_NAME": "localhost",  # the test client's Host
        "PUBLIC_URL": "http://localhost",
        "NHSUK_FONTS": "system",  # no page asks another host (tests/portal/test_fonts.py)
        "SCANNER_ALLOWED_NETWORKS": ("127.0.0.0/8",),  # the tests' feed server
        "TASK_BROKER_URL": "memory://",  # tests that need a real broker say which
        **overrides,
    }


@contextmanager
def fresh_database(backend, directory):
    """Yield the URL of a new, empty database: a SQLite file in `directory`, or PostgreSQL."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'test.sqlite3'}"
        return
    url, drop = postgres_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(make_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade()
    # Sessions bound to the test's connection join its transaction through savepoints.
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def committed_app(request, tmp_path):
    """An app on a new database of each backend, for tests whose work commits (requests or
    workers racing each other): no transaction to roll back, so each gets its own."""
    with app_on_new_database(request.param, tmp_path) as app:
        yield app


@contextmanager
def app_on_new_database(backend: str, tmp_path):
    """An app on a new, migrated database of `backend`, disposed of afterwards."""
    with fresh_database(backend, tmp_path) as url:
        app = create_app(make_config(url, tmp_path))
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            db.engine.dispose()


@contextmanager
def joined_connection(app):
    """Bind the app's sessions to one connection inside one transaction, rolled back at the
    end; the sessions join it through savepoints."""
    with app.app_context():
        engine = db.engine
    conn = engine.connect()
    outer = conn.begin()
    engines = db._app_engines[app]  # Flask-SQLAlchemy offers no public hook for this
    engines[None] = conn
    try:
        yield conn
    finally:
        engines[None] = engine
        outer.rollback()
        conn.close()


@pytest.fixture
def connection(app):
    """Run the test inside one transaction on one connection, rolled back at the end."""
    with joined_connection(app) as conn:
        yield conn


@pytest.fixture
def clock(app):
    fake = FakeClock()
    saved = app.config.get("CLOCK")
    app.config["CLOCK"] = fake
    yield fake
    if saved is None:
        app.config.pop("CLOCK", None)
    else:
        app.config["CLOCK"] = saved


@pytest.fixture
def client(app, connection):
    return app.test_client()


@pytest.fixture
def runner(app, connection):
    return app.test_cli_runner()


@pytest.fixture
def create_organisation(app, connection):
    def factory(
        name="Northshire Teaching Hospitals NHS Foundation Trust", type_=OrganisationType.NHS_TRUST
    ):
        with app.app_context():
            organisation = services.find_or_create_organisation(name, type_)
            db.session.commit()
            db.session.refresh(organisation)
            db.session.expunge(organisation)
            return organisation

    return factory


@pytest.fixture
def create_user(app, connection, create_organisation):
    """Factory: an active user with `roles`; returns the (detached) user."""
    counter = iter(range(1, 10_000))

    def factory(
        email=None,
        roles=(Role.INNOVATOR,),
        password=PASSWORD,
        name=None,
        organisation=None,
        active=True,
    ):
        n = next(counter)
        email = email or f"user{n}@example.org"
        with app.app_context():
            org = db.session.get(type(organisation), organisation.id) if organisation else None
            user = services.create_user(
                email, name or f"Test User {n}", password, org, roles=roles, check_password=False
            )
            user.active = active
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return factory


@pytest.fixture
def sign_in(app):
    def do(client, user_or_email, password=PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        response = client.post("/sign-in", data={"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


@pytest.fixture
def client_for(app, create_user, sign_in):
    """Factory: a new client signed in as a new user holding `roles`."""

    def factory(*roles, **user_options):
        user = create_user(roles=roles or (Role.INNOVATOR,), **user_options)
        signed_in_client = app.test_client()
        sign_in(signed_in_client, user)
        signed_in_client.user = user
        return signed_in_client

    return factory


@pytest.fixture
def innovator_client(client_for):
    return client_for(Role.INNOVATOR)


@pytest.fixture
def panel_client(client_for):
    return client_for(Role.PANEL_MEMBER)


@pytest.fixture
def lead_client(client_for):
    return client_for(Role.PROGRAMME_LEAD)


@pytest.fixture
def admin_client(client_for):
    return client_for(Role.ADMIN)


@pytest.fixture
def query(app, connection):
    """Run a function with a fresh session inside an app context: query(lambda: ...)."""

    def run(fn):
        with app.app_context():
            return fn()

    return run


IDEA_ANSWERS = {
    "title": "Sepsis screening prompts for community nurses",
    "summary": "A prompt on the visit app reminds nurses to screen for sepsis.",
    "problem_harm": "Sepsis is missed in people cared for at home.",
    "problem_who": "Older people receiving district nursing visits.",
    "problem_frequency": "About once a month in our team.",
    "problem_evidence": "Incident reports and a local audit.",
    "proposed_change": "Add a sepsis screening prompt to every visit record.",
    "development_stage": "piloted_locally",
    "evidence": "A three-month pilot in one team.",
    "care_settings": ["community", "primary_care"],
    "populations": ["core20"],
    "clinical_areas": [],
    "inequalities": "Housebound people in deprived areas are screened least often.",
    "involvement_level": "co_designed",
    "involvement_detail": "Two carers helped design the prompt.",
    "outcome_measures": "Sepsis admissions per 1,000 patients on the caseload.",
    "process_measures": "Percentage of visits with a completed screen.",
    "balancing_measures": "Visit length.",
    "resources_needed": "App developer time and training.",
    "innovator_role": "District nurse",
    "consent_to_share": True,
}


@pytest.fixture
def create_idea(app, create_user, create_organisation):
    """Factory: an idea built through the services; submitted, and in triage if asked."""

    def factory(
        owner=None, submit=True, triage=False, workstreams=("medicines_safety",), **answers
    ):
        from portal.ideas import services
        from portal.ideas.models import Workstream

        if owner is None:
            trust = create_organisation("Northshire Community Health NHS Trust")
            owner = create_user(name="Asha Innovator", organisation=trust)
        lead = create_user(roles=(Role.PROGRAMME_LEAD,)) if triage else None
        with app.test_request_context():
            user = db.session.get(User, owner.id)
            idea = services.create_draft(user)
            chosen = db.session.scalars(
                sa.select(Workstream).where(Workstream.key.in_(workstreams))
            ).all()
            services.save_answers(idea, user, {**IDEA_ANSWERS, "workstreams": chosen, **answers})
            if submit:
                services.submit_idea(idea, user, missing_sections=[])
            if triage:
                services.accept_into_triage(idea, db.session.get(User, lead.id))
            db.session.commit()
            db.session.refresh(idea)
            db.session.expunge(idea)
            return idea

    return factory


@pytest.fixture
def create_assigned_round(app, create_idea, create_user, create_organisation):
    """Factory: `n_ideas` ideas in an open round, `n_members` panel members (each in their own
    organisation) assigned by the optimiser; returns (round id, ideas, members, lead)."""

    def factory(name, n_ideas=3, n_members=3, reviews_per_idea=3, title="Idea"):
        from datetime import date, timedelta

        from portal.ideas.models import Idea
        from portal.reviews import rounds

        ideas = [create_idea(triage=True, title=f"{title} {n}") for n in range(n_ideas)]
        members = [
            create_user(
                roles=(Role.PANEL_MEMBER,),
                name=f"Reviewer {n}",
                organisation=create_organisation(f"Reviewer Org {n}"),
            )
            for n in range(n_members)
        ]
        lead = create_user(roles=(Role.PROGRAMME_LEAD,))
        with app.test_request_context():
            round_ = rounds.open_round(
                db.session.get(User, lead.id),
                name=name,
                deadline=date.today() + timedelta(days=10),
                ideas=[db.session.get(Idea, i.id) for i in ideas],
                panel=[db.session.get(User, m.id) for m in members],
                reviews_per_idea=reviews_per_idea,
                require_patient_partner=False,
            )
            assert rounds.auto_assign(round_, db.session.get(User, lead.id)).feasible
            db.session.commit()
            return round_.id, ideas, members, lead

    return factory


def fetch_user(email):
    return db.session.scalar(sa.select(User).filter_by(email=email))


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql` run with that database only: deselected, not skipped. One
    that makes its own database (no `database_url`) runs when PostgreSQL is among BACKENDS."""
    own = "postgresql" if "postgresql" in BACKENDS else None
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec else {}
        database = params["database_url"] if "database_url" in params else own
        wrong = item.get_closest_marker("postgresql") and database != "postgresql"
        (dropped if wrong else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_sessionfinish(session, exitstatus):
    """Under `make test` (and so CI), a skipped test fails the run: nothing hides."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("FAIL_ON_SKIP") and skipped and session.exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(
                f"FAILED: {skipped} test(s) skipped; make test allows none.", red=True
            )


@pytest.fixture
def handed_over(monkeypatch):
    """The documents the scanners hand to feedparser (which runs in their sandbox), in order."""
    documents = []
    real = scanners.parse.run_limited

    def spy(function, data, *args, **kwargs):
        documents.append(data)
        return real(function, data, *args, **kwargs)

    monkeypatch.setattr(scanners.parse, "run_limited", spy)
    return documents
