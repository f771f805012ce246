"""The flask commands (demo, users create, worker) and outbox delivery over real SMTP."""

import socket
import socketserver
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.demo import DEMO_TOKEN, DEMO_USERS
from portal.extensions import db
from portal.mail import OutboxMessage, deliver_outbox, queue_mail

STRONG_PASSWORD = "quartz-lantern-orchard-64"


def users_with_email(email):
    return db.session.scalars(sa.select(User).filter_by(email=email)).all()


def test_demo_prints_each_account_and_is_idempotent(runner, query):
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])

    for result in (first, second):
        assert result.exit_code == 0, result.output
        assert "Demo accounts (email / password):" in result.output
        for _role, email, _name, _org, password in DEMO_USERS:
            assert email in result.output and password in result.output
    for role, email, *_ in DEMO_USERS:
        users = query(lambda email=email: [(u.email, u.role_set) for u in users_with_email(email)])
        assert users == [(email, frozenset({role}))]


def test_demo_prints_a_working_api_token_for_the_lead(app, runner):
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    for result in (first, second):
        assert f"Bearer {DEMO_TOKEN}" in result.output and "/api/v1/pipeline" in result.output
    answer = app.test_client().get(
        "/api/v1/pipeline?limit=2", headers={"Authorization": f"Bearer {DEMO_TOKEN}"}
    )
    assert answer.status_code == 200 and len(answer.get_json()["items"]) == 2


def test_users_create_makes_an_admin(runner, query):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "First.Admin@Example.org",
            "--role",
            "admin",
            "--password",
            STRONG_PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created first.admin@example.org with roles: admin" in result.output

    def check():
        [user] = users_with_email("first.admin@example.org")
        return user.role_set, user.active, user.name

    assert query(check) == (frozenset({Role.ADMIN}), True, "First.Admin")


def test_users_create_refuses_a_weak_password(runner, query):
    result = runner.invoke(
        args=["users", "create", "weak@example.org", "--role", "admin", "--password", "password"]
    )
    assert result.exit_code != 0
    assert "Error: Password must be at least 12 characters long" in result.output
    assert query(lambda: users_with_email("weak@example.org")) == []

    result = runner.invoke(
        args=["users", "create", "weak@example.org", "--password", "password1234"]
    )
    assert result.exit_code != 0
    assert "too common" in result.output
    assert query(lambda: users_with_email("weak@example.org")) == []


def test_users_create_refuses_a_duplicate_email(runner, query, create_user):
    create_user(email="taken@example.org", roles=(Role.INNOVATOR,))
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Taken@example.org",
            "--role",
            "admin",
            "--password",
            STRONG_PASSWORD,
        ]
    )
    assert result.exit_code != 0
    assert "An account with this email address already exists" in result.output
    roles = query(lambda: [u.role_set for u in users_with_email("taken@example.org")])
    assert roles == [frozenset({Role.INNOVATOR})]  # unchanged: no admin was granted


def test_worker_once_without_mail_server_leaves_the_outbox(app, runner, query, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    with app.app_context():
        queue_mail("someone@example.org", "Hello", "Queued while no server is set.")
        db.session.commit()

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "mail sent: 0, failed: 0" in result.output
    rows = query(
        lambda: [
            (m.sent_at, m.attempts) for m in db.session.scalars(sa.select(OutboxMessage)).all()
        ]
    )
    assert rows == [(None, 0)]


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 localhost test SMTP")
        envelope = {"from": None, "to": []}
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 localhost")
            elif verb == "MAIL":
                envelope = {"from": command.split(":", 1)[1].strip(), "to": []}
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(command.split(":", 1)[1].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.server.received.append({**envelope, "data": b"".join(lines)})
                self.reply("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture
def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens here once the socket closes


def use_mail_server(app, monkeypatch, port):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", None)


def queue_one(app):
    with app.app_context():
        message = queue_mail("innovator@example.org", "Your idea", "Thank you for your idea.")
        db.session.commit()
        return message.id


def test_deliver_outbox_sends_over_smtp(app, connection, clock, monkeypatch, smtp_server):
    use_mail_server(app, monkeypatch, smtp_server.server_address[1])
    message_id = queue_one(app)

    with app.app_context():
        assert deliver_outbox() == (1, 0)
        db.session.commit()
        message = db.session.get(OutboxMessage, message_id)
        assert (message.sent_at, message.attempts, message.last_error) == (clock.now, 1, None)

    [received] = smtp_server.received
    assert received["to"] == ["<innovator@example.org>"]
    assert received["from"] == "<no-reply@safety-pipeline.invalid>"
    email = message_from_bytes(received["data"], policy=policy.default)
    assert email["To"] == "innovator@example.org"
    assert email["Subject"] == "Your idea"
    assert email.get_content().strip() == "Thank you for your idea."

    with app.app_context():  # sent mail is not sent twice
        assert deliver_outbox() == (0, 0)
    assert len(smtp_server.received) == 1


def test_deliver_outbox_records_a_refused_connection(app, connection, monkeypatch, closed_port):
    use_mail_server(app, monkeypatch, closed_port)
    message_id = queue_one(app)

    with app.app_context():
        assert deliver_outbox() == (0, 1)
        db.session.commit()
        message = db.session.get(OutboxMessage, message_id)
        assert message.sent_at is None
        assert message.attempts == 1
        assert "refused" in message.last_error.lower()


def test_worker_prunes_expired_sign_in_records(
    app, client, runner, create_user, sign_in, clock, query
):
    from portal.auth.models import SignInAttempt, UserSession

    def counts():
        return query(
            lambda: tuple(
                db.session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (SignInAttempt, UserSession)
            )
        )

    user = create_user()
    client.post("/sign-in", data={"email": user.email, "password": "a wrong password"})
    sign_in(client, user)
    assert counts() == (1, 1)  # the success cleared the failure; the session is live
    clock.advance(minutes=59)
    runner.invoke(args=["worker", "--once"])
    assert counts() == (1, 1)
    clock.advance(days=1)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0
    assert counts() == (0, 0)


def test_a_message_another_worker_holds_is_left_to_it_until_its_claim_expires(
    app, connection, clock, monkeypatch, smtp_server
):
    use_mail_server(app, monkeypatch, smtp_server.server_address[1])
    message_id = queue_one(app)
    with app.app_context():
        db.session.get(OutboxMessage, message_id).claimed_until = clock.now + timedelta(minutes=5)
        db.session.commit()
        assert deliver_outbox() == (0, 0)  # another worker is sending it
        clock.advance(minutes=6)  # that worker died before recording it sent
        assert deliver_outbox() == (1, 0)
        message = db.session.get(OutboxMessage, message_id)
        assert (message.sent_at, message.attempts) == (clock.now, 1)
    assert len(smtp_server.received) == 1
