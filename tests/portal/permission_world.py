"""One dataset for the permission matrix, seeded once per database, and a way to ask it.

Idea X belongs to the owner. Everyone else is named by how they stand to it: another
innovator, a panel member assigned to X in an open round that is not blind (conflict check
answered "no", a review in draft), a panel member on that round's panel with nothing
assigned, a panel member assigned to idea Y in a blind round, a lead (and panel member) from
X's own organisation (so conflicted with X automatically), a lead from elsewhere, an admin.
Each case runs in a savepoint rolled back after it, so a POST that succeeds changes nothing
for the next case; the statements a case writes are recorded, so refusals can be checked to
have written nothing.
"""

import io
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import event

from portal.auth import access_tokens, invitations
from portal.auth import services as accounts
from portal.auth.access_tokens import Scope
from portal.auth.models import ExternalIdentity, OrganisationType, User
from portal.auth.roles import Role
from portal.background.failures import TaskFailure
from portal.clock import utcnow
from portal.extensions import db
from portal.horizon.models import Feed, ItemEvidence, ItemStatus, ScannedItem
from portal.ideas import attachments
from portal.ideas import services as ideas
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, Workstream
from portal.mail import OutboxMessage
from portal.pipeline import decisions
from portal.reviews import rounds
from portal.reviews.conflict_check import confirm_no_conflict
from portal.reviews.reviewing import ReviewAnswers, save_review
from tests.conftest import IDEA_ANSWERS, PASSWORD, FakeClock, joined_connection
from tests.portal.horizon_helpers import add_items

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
X_ORGANISATION = "Northshire Community Health NHS Trust"
# (key, name, roles, organisation): the people the matrix asks as, in its column order
PEOPLE = [
    ("owner", "Asha Owner", (Role.INNOVATOR,), X_ORGANISATION),
    ("other_innovator", "Ben Other", (Role.INNOVATOR,), "Eastbridge Primary Care Network"),
    ("assigned_member", "Priya Assigned", (Role.PANEL_MEMBER,), "Reviewer Org A"),
    ("unassigned_member", "Uma Unassigned", (Role.PANEL_MEMBER,), "Reviewer Org B"),
    ("blind_member", "Bea Blind", (Role.PANEL_MEMBER,), "Reviewer Org C"),
    (
        "conflicted_lead",
        "Colin Conflicted",
        (Role.PROGRAMME_LEAD, Role.PANEL_MEMBER),
        X_ORGANISATION,
    ),
    ("lead", "Lena Lead", (Role.PROGRAMME_LEAD,), "Regional Patient Safety Collaborative"),
    ("admin", "Ada Admin", (Role.ADMIN,), "Regional Digital Services"),
]
# Not asked: the owner of the other ideas, and X's two other reviewers (one has submitted,
# unable to score a criterion; one declined), whom the round page must not show a conflicted
# lead either.
EXTRAS = [
    ("filler", "Fay Filler", (Role.INNOVATOR,), "Westmoor Care Homes"),
    ("submitted_member", "Sam Submitted", (Role.PANEL_MEMBER,), "Reviewer Org D"),
    ("declined_member", "Dee Declined", (Role.PANEL_MEMBER,), "Reviewer Org E"),
]
DECLINED_BECAUSE = "I co-wrote the audit this idea cites."
X_TITLE = "Sepsis screening prompts for community nurses"
ITEM = (
    "Sepsis screening prompts for community nurses: a stepped-wedge trial",
    "District nurses used a sepsis screening prompt on the visit app; sepsis admissions fell "
    "among housebound older people on the caseload.",
)
EVIDENCE_ITEM = (
    "Missed sepsis among housebound patients: an audit of community nursing notes",
    "Nurses' notes showed sepsis was suspected late for housebound older people.",
)
WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@dataclass
class Answer:
    status: int
    headers: dict
    body: str
    writes: list[str]

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")


@dataclass
class World:
    app: object
    conn: object
    names: dict = field(default_factory=dict)  # what tables' strings are formatted with
    objects: dict = field(default_factory=dict)  # object name -> URL values
    cookies: dict = field(default_factory=dict)  # person -> session cookie value
    api_tokens: dict = field(default_factory=dict)  # person -> personal access token
    in_case: bool = False  # inside `case()`: requests keep their changes until it ends

    def path(self, endpoint, values) -> str:
        return self.app.url_map.bind("localhost").build(endpoint, values)

    def ask(self, who, method, path, data=None, api=False) -> Answer:
        """One request as `who` (with their session, or for the API their token), in a
        savepoint rolled back after it (or after the case)."""
        client = self.app.test_client()
        headers = {}
        if api and who in self.api_tokens:
            headers["Authorization"] = f"Bearer {self.api_tokens[who]}"
        elif not api and who in self.cookies:
            client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], self.cookies[who])
        with self._recording() as writes:
            with client.open(path, method=method, data=data, headers=headers) as response:
                body = response.get_data(as_text=True)
        return Answer(response.status_code, dict(response.headers), body, writes)

    @contextmanager
    def case(self):
        """Requests asked inside see each other's changes; all are rolled back at the end."""
        savepoint, self.in_case = self.conn.begin_nested(), True
        try:
            yield
        finally:
            self.in_case = False
            savepoint.rollback()

    @contextmanager
    def _recording(self):
        writes = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if WRITES.match(statement):
                writes.append(statement.split("(")[0].strip())

        savepoint = None if self.in_case else self.conn.begin_nested()
        event.listen(self.conn, "before_cursor_execute", record)
        try:
            yield writes
        finally:
            event.remove(self.conn, "before_cursor_execute", record)
            if savepoint is not None:
                savepoint.rollback()


def seed(app, conn) -> World:
    """Seed the dataset on `conn` (the app's sessions are bound to it) and sign everyone in."""
    world = World(app, conn)
    with app.test_request_context():
        people = _people()
        _ideas_and_rounds(world, people)
        world.names.update({f"{key}_id": str(user.id) for key, user in people.items()})
        world.objects["other_innovator_account"] = {"user_id": people["other_innovator"].id}
        failure = TaskFailure(task="mail.deliver", job_id="j", arguments="[]", error="OSError")
        db.session.add(failure)
        db.session.flush()
        world.objects["failed_task"] = {"failure_id": failure.id}
        _tokens(world, people)
        _access_tokens(world, people)
        db.session.commit()
    _horizon(world, app)
    for key, *_ in PEOPLE:
        world.cookies[key] = _sign_in(app, f"{key}@example.org")
    return world


def _people() -> dict[str, User]:
    people = {}
    for key, name, roles, organisation in PEOPLE + EXTRAS:
        org = accounts.find_or_create_organisation(organisation, OrganisationType.NHS_TRUST)
        people[key] = accounts.create_user(
            f"{key}@example.org", name, PASSWORD, org, roles=roles, check_password=False
        )
    db.session.commit()
    return people


def _idea(owner, title, lead, attach=False):
    """An idea with every answer, a PDF if asked, submitted and accepted into triage."""
    idea = ideas.create_draft(owner)
    chosen = db.session.scalars(sa.select(Workstream).filter_by(key="medicines_safety")).all()
    ideas.save_answers(idea, owner, {**IDEA_ANSWERS, "workstreams": chosen, "title": title})
    if attach:
        stored = attachments.store_upload(io.BytesIO(PDF), "audit.pdf")
        attachments.add_attachment(idea, owner, stored)
    ideas.submit_idea(idea, owner, missing_sections=[])
    ideas.accept_into_triage(idea, lead)
    db.session.commit()
    return idea


def _ideas_and_rounds(world, people):
    lead, filler = people["lead"], people["filler"]
    x = _idea(people["owner"], X_TITLE, lead, attach=True)
    draft = ideas.create_draft(people["owner"])
    ideas.save_answers(draft, people["owner"], {"title": "Half-written idea"})
    y = _idea(filler, "Double checks for insulin in care homes", lead, attach=True)
    z = _idea(filler, "Falls huddles on older people's wards", lead)
    v = _idea(filler, "Discharge letters that pharmacists read", lead)
    w = _idea(filler, "Oxygen prescribing on respiratory wards", lead)
    decision = decisions.decide(x, lead, IdeaState.IN_REVIEW, "Ready for the panel.")
    deadline = (utcnow() + timedelta(days=10)).date()
    panel = [people[k] for k in ("assigned_member", "unassigned_member")]
    panel += [people[k] for k in ("submitted_member", "declined_member")]
    r1 = rounds.open_round(
        lead,
        name="Open panel",
        deadline=deadline,
        ideas=[x, z],
        panel=panel,
        reviews_per_idea=1,
        blind=False,
    )
    x_assignment = rounds.assign_manually(r1, x, people["assigned_member"], lead)
    rounds.assign_manually(r1, z, people["assigned_member"], lead)
    confirm_no_conflict(x_assignment, people["assigned_member"])
    save_review(
        x_assignment,
        people["assigned_member"],
        ReviewAnswers(comments_for_panel="Half done"),
        submit=False,
    )
    _other_reviews(r1, x, people)
    r2 = rounds.open_round(
        lead,
        name="Blind panel",
        deadline=deadline,
        ideas=[y],
        panel=[people["blind_member"]],
        reviews_per_idea=1,
        blind=True,
    )
    y_assignment = rounds.assign_manually(r2, y, people["blind_member"], lead)
    confirm_no_conflict(y_assignment, people["blind_member"])
    r3 = rounds.open_round(lead, name="Closed panel", deadline=deadline, ideas=[v], panel=[])
    rounds.close_round(r3, lead)
    db.session.commit()
    x_file, y_file = x.attachments[0].id, y.attachments[0].id
    world.objects.update(
        x={"reference": x.reference},
        draft={"reference": draft.reference},
        x_file={"reference": x.reference, "attachment_id": x_file},
        y_file={"reference": y.reference, "attachment_id": y_file},
        x_assignment={"assignment_id": x_assignment.id},
        y_assignment={"assignment_id": y_assignment.id},
        x_assignment_file={"assignment_id": x_assignment.id, "attachment_id": x_file},
        y_assignment_file={"assignment_id": y_assignment.id, "attachment_id": y_file},
        r1={"round_id": r1.id},
        r2={"round_id": r2.id},
        r3={"round_id": r3.id},
        r1_x_assignment={"round_id": r1.id, "assignment_id": x_assignment.id},
        x_decision={"decision_id": decision.id},
        rubric={"version": r1.rubric.version},
    )
    workstream = db.session.scalar(sa.select(Workstream).filter_by(key="medicines_safety"))
    world.objects["workstream"] = {"workstream_id": workstream.id}
    world.names.update(
        x=x.reference,
        x_id=str(x.id),
        x_version=str(x.version_number),
        draft=draft.reference,
        w_id=str(w.id),
        r1=str(r1.id),
        r1_rubric=str(r1.rubric_id),
        r2=str(r2.id),
        r2_rubric=str(r2.rubric_id),
        r3=str(r3.id),
        y_version=str(y.version_number),
        x_assignment=str(x_assignment.id),
        y_assignment=str(y_assignment.id),
        workstream_name=workstream.name,
        deadline_day=str(deadline.day),
        deadline_month=str(deadline.month),
        deadline_year=str(deadline.year),
    )


def _other_reviews(r1, x, people):
    """A submitted review of X that could not score one criterion; a declined assignment."""
    lead, member = people["lead"], people["submitted_member"]
    done = rounds.assign_manually(r1, x, member, lead)
    confirm_no_conflict(done, member)
    criteria = [c.id for c in r1.rubric.criteria]
    answers = ReviewAnswers(
        scores={c: "cannot" if n == 0 else "4" for n, c in enumerate(criteria)},
        recommendation="progress",
        confidence="medium",
    )
    save_review(done, member, answers, submit=True)
    declined = rounds.assign_manually(r1, x, people["declined_member"], lead)
    rounds.decline_assignment(declined, people["declined_member"], DECLINED_BECAUSE)


def _tokens(world, people):
    """An invitation to someone with no account, a reset link, a lead's digest address."""
    invitations.invite(people["lead"], "Nia Invitee", "nia.invitee@example.org", Role.PANEL_MEMBER)
    accounts.request_password_reset(people["other_innovator"].email)
    people["lead"].digest_token = "digest-token-of-the-lead-0123456789"
    db.session.flush()
    world.objects.update(
        invitation={"token": _link_token("nia.invitee@example.org", "/invitations/")},
        reset_link={"token": _link_token(people["other_innovator"].email, "/password-reset/")},
        digest={"token": people["lead"].digest_token},
        unknown_token={"token": "no-such-token-0123456789"},
    )


def _access_tokens(world, people):
    """A personal access token with every scope for each person the matrix asks as, and the
    lead's account at an OpenID provider."""
    for key, *_ in PEOPLE:
        token, world.api_tokens[key] = access_tokens.create(
            people[key], f"{key}'s token", tuple(Scope), 30
        )
        if key == "lead":
            world.objects["lead_token"] = {"token_id": token.id}
    world.objects["api"] = {}  # the API's lists: no object in their address
    identity = ExternalIdentity(
        user=people["lead"], issuer="https://login.example.org", subject="lena-at-work"
    )
    db.session.add(identity)
    db.session.flush()
    world.objects["lead_identity"] = {"identity_id": identity.id}


def _link_token(recipient, prefix) -> str:
    bodies = db.session.scalars(
        sa.select(OutboxMessage.body).where(OutboxMessage.recipient == recipient)
    )
    return next(m[1] for b in bodies if (m := re.search(re.escape(prefix) + r"(\S+)", b)))


def _horizon(world, app):
    """A scanned item like X, and another a lead added to X as evidence."""
    [item, evidence] = add_items(app, [ITEM, EVIDENCE_ITEM], feed_name="Journal feed")
    with app.app_context():
        feed = db.session.scalar(sa.select(Feed).filter_by(name="Journal feed"))
        x = db.session.scalar(sa.select(Idea).filter_by(reference=world.names["x"]))
        db.session.add(
            ItemEvidence(idea_id=x.id, item_id=evidence, item_status_before=ItemStatus.NEW)
        )
        db.session.get(ScannedItem, evidence).status = ItemStatus.EVIDENCE
        db.session.commit()
        world.objects.update(
            item={"item_id": item},
            feed={"feed_id": feed.id},
            x_evidence={"item_id": evidence, "reference": world.names["x"]},
        )
        world.names.update(feed=str(feed.id), feed_url=feed.url)


def _sign_in(app, email) -> str:
    """Sign in through the real page; return the session cookie it sets."""
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


@contextmanager
def seeded(app, tmp_path):
    """The world on its own connection and clock, rolled back and restored at the end."""
    saved = {key: app.config.get(key) for key in ("CLOCK",)}
    app.config.update(CLOCK=FakeClock())
    try:
        with joined_connection(app) as conn:
            yield seed(app, conn)
    finally:
        for key, value in saved.items():
            if value is None:
                app.config.pop(key, None)
            else:
                app.config[key] = value
