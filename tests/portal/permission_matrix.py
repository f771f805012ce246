"""The permission matrix: for every route with an object id, who gets what answer.

One table per kind of object. A row names the endpoint, the object of the seeded world it is
asked about (see `permission_world`), and for each method the route takes one answer per
person, in the order of `COLUMNS`:

    in    a redirect to sign in         302   a redirect to the row's `to`
    401   sign in first (a POST)        403   refused: the role, or a conflict
    404   hidden: the object is not theirs to know of
    200, 400, 409   the page, or the form shown again (refused by the rules, not by access)

A method the route does not take is asked too and must answer 405. `to` and `data` are
formatted with the world's names (a `to` ending in `*` is a prefix). Answers are what the
rules in `portal.policy` call for; a comment says why where a row is not obvious.
"""

from dataclasses import dataclass, field

from tests.portal.permission_world import PEOPLE

COLUMNS = ("anonymous", *(key for key, *_ in PEOPLE))
REFUSED = {"in", "401", "403", "404", "405"}


@dataclass(frozen=True)
class Row:
    endpoint: str
    obj: str
    answers: dict  # method -> {person: answer}
    variant: str = ""
    args: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    to: str | None = None
    api: bool = False  # asked with each person's personal access token, not their session

    @property
    def label(self) -> str:
        return f"{self.endpoint} on {self.obj}" + (f" ({self.variant})" if self.variant else "")


def row(endpoint, obj, *, variant="", args=None, data=None, to=None, api=False, **methods) -> Row:
    answers = {}
    for method, cells in methods.items():
        cells = cells.split()
        assert len(cells) == len(COLUMNS), f"{endpoint} {method}: {len(cells)} answers"
        answers[method] = dict(zip(COLUMNS, cells, strict=True))
    return Row(endpoint, obj, answers, variant, args or {}, data or {}, to, api)


# fmt: off
# Columns:          anon owner other assigned unassigned blind conflicted lead admin
IDEA = [
    row("ideas.show", "x",
        GET=        "in   200   404   404      404        404   200        200  404"),
    row("ideas.show", "draft",
        GET=        "in   200   404   404      404        404   404        404  404"),
    row("ideas.answer", "x", data={"answer": "We audited 40 visits."},
        POST=       "401  200   404   403      403        403   403        403  403"),
    row("ideas.attachments", "x",
        GET=        "in   200   404   403      403        403   403        403  403",
        POST=       "401  200   404   403      403        403   403        403  403"),
    row("ideas.check", "x", to="/ideas/{x}",
        GET=        "in   302   404   403      403        403   403        403  403"),
    row("ideas.check", "draft",
        GET=        "in   200   404   403      403        403   403        403  403"),
    row("ideas.confirmation", "x",
        GET=        "in   200   404   403      403        403   403        403  403"),
    row("ideas.confirmation", "draft", to="/ideas/{draft}/check",
        GET=        "in   302   404   403      403        403   403        403  403"),
    row("ideas.section", "x", args={"key": "about"}, to="/ideas/{x}",
        data={"title": "A new title", "save-draft": "yes"},
        GET=        "in   302   404   403      403        403   403        403  403",
        POST=       "401  302   404   403      403        403   403        403  403"),
    row("ideas.section", "draft", args={"key": "about"}, to="/ideas/{draft}",
        data={"title": "A new title", "save-draft": "yes"},
        GET=        "in   200   404   403      403        403   403        403  403",
        POST=       "401  302   404   403      403        403   403        403  403"),
    row("ideas.submit", "x", to="/ideas/{x}/confirmation",
        POST=       "401  302   404   403      403        403   403        403  403"),
    row("ideas.submit", "draft", to="/ideas/{draft}/check",
        POST=       "401  302   404   403      403        403   403        403  403"),
    row("ideas.withdraw", "x", to="/ideas/{x}", data={"reason": "We found a better way."},
        GET=        "in   200   404   403      403        403   403        403  403",
        POST=       "401  302   404   403      403        403   403        403  403"),
    # a draft is deleted, not withdrawn (and a submitted idea the other way round): each page
    # says so to the owner and changes nothing
    row("ideas.withdraw", "draft", data={"reason": "Changed my mind."},
        GET=        "in   200   404   403      403        403   403        403  403",
        POST=       "401  409   404   403      403        403   403        403  403"),
    row("ideas.delete_draft", "draft", to="/innovator",
        GET=        "in   200   404   403      403        403   403        403  403",
        POST=       "401  302   404   403      403        403   403        403  403"),
    row("ideas.delete_draft", "x",
        GET=        "in   200   404   403      403        403   403        403  403",
        POST=       "401  409   404   403      403        403   403        403  403"),
    row("ideas.versions", "x",
        GET=        "in   403   403   403      403        403   200        200  403"),
    row("ideas.versions", "draft",
        GET=        "in   403   403   403      403        403   404        404  403"),
    # Decisions and triage moves: conflicts beat roles (403); owners never decide.
    row("pipeline.decide", "x", to="/ideas/{x}#decisions",
        data={"target": "shortlisted", "rationale": "Strong scores."},
        GET=        "in   403   403   403      403        403   403        200  403",
        POST=       "401  403   403   403      403        403   403        302  403"),
    row("pipeline.decide", "draft",
        GET=        "in   403   403   403      403        403   404        404  403",
        POST=       "401  403   403   403      403        403   404        404  403"),
    row("ideas.accept", "x",  # X is in review: a lead may not move it back to triage
        POST=       "401  403   403   403      403        403   403        409  403"),
    row("ideas.ask", "x", to="/ideas/{x}", data={"question": "How many teams?"},
        POST=       "401  403   403   403      403        403   403        302  403"),
    row("ideas.decline", "x", to="/ideas/{x}", data={"reason": "Outside the programme."},
        POST=       "401  403   403   403      403        403   403        302  403"),
]

# Columns:          anon owner other assigned unassigned blind conflicted lead admin
ATTACHMENT = [
    row("ideas.download_attachment", "x_file",
        GET=        "in   200   404   200      404        404   200        200  404"),
    # blind reviewers read the files on their review page only, under neutral names
    row("ideas.download_attachment", "y_file",
        GET=        "in   404   404   404      404        404   200        200  404"),
    row("ideas.remove_attachment", "x_file",  # X is in review: the owner is told why not
        POST=       "401  200   404   403      403        403   403        403  403"),
    row("reviews.document", "x_assignment_file",
        GET=        "in   403   403   200      404        404   404        403  403"),
    row("reviews.document", "y_assignment_file",
        GET=        "in   403   403   404      404        200   404        403  403"),
]

# Columns:          anon owner other assigned unassigned blind conflicted lead admin
REVIEW = [
    row("reviews.review", "x_assignment", to="/reviews/{x_assignment}",
        data={"rubric": "{r1_rubric}", "idea_version": "{x_version}", "save_draft": "yes"},
        GET=        "in   403   403   200      404        404   404        403  403",
        POST=       "401  403   403   302      404        404   404        403  403"),
    row("reviews.review", "y_assignment", to="/reviews/{y_assignment}",
        data={"rubric": "{r2_rubric}", "idea_version": "{y_version}", "save_draft": "yes"},
        GET=        "in   403   403   404      404        200   404        403  403",
        POST=       "401  403   403   404      404        302   404        403  403"),
    # the check is answered: it leads on to the review
    row("reviews.conflicts", "x_assignment", to="/reviews/{x_assignment}",
        data={"has_conflict": "no"},
        GET=        "in   403   403   302      404        404   404        403  403",
        POST=       "401  403   403   302      404        404   404        403  403"),
    row("reviews.conflicts", "y_assignment", to="/reviews/{y_assignment}",
        data={"has_conflict": "no"},
        GET=        "in   403   403   404      404        302   404        403  403",
        POST=       "401  403   403   404      404        302   404        403  403"),
    row("reviews.decline", "x_assignment", to="/reviews", data={"reason": "No time."},
        GET=        "in   403   403   200      404        404   404        403  403",
        POST=       "401  403   403   302      404        404   404        403  403"),
    row("reviews.decline", "y_assignment", to="/reviews", data={"reason": "No time."},
        GET=        "in   403   403   404      404        200   404        403  403",
        POST=       "401  403   403   404      404        302   404        403  403"),
]

# Round r1 (open, not blind) holds X; r2 (blind) holds Y; r3 is closed. Managing who reviews X,
# and putting X in a round, is refused to the conflicted lead (Can.MANAGE_ROUND).
# Columns:          anon owner other assigned unassigned blind conflicted lead admin
ROUND = [
    row("reviews.round", "r1",
        GET=        "in   403   403   403      403        403   200        200  403"),
    row("reviews.round", "r2",
        GET=        "in   403   403   403      403        403   200        200  403"),
    row("reviews.assign", "r1", variant="X to the unassigned member", to="/rounds/{r1}",
        data={"idea": "{x_id}", "member": "{unassigned_member_id}"},
        POST=       "401  403   403   403      403        403   403        302  403"),
    row("reviews.remove_assignment", "r1_x_assignment", to="/rounds/{r1}",
        POST=       "401  403   403   403      403        403   403        302  403"),
    row("reviews.conflict", "r1", variant="clear the conflicted lead's own", to="/rounds/{r1}",
        data={"idea": "{x_id}", "member": "{conflicted_lead_id}", "action": "clear",
              "reason": "Different team."},
        POST=       "401  403   403   403      403        403   403        302  403"),
    row("reviews.conflict", "r1", variant="record one for X's reviewer", to="/rounds/{r1}",
        data={"idea": "{x_id}", "member": "{assigned_member_id}", "action": "add",
              "reason": "Co-author."},
        POST=       "401  403   403   403      403        403   403        302  403"),
    row("reviews.add_ideas", "r2", variant="add X", to="/rounds/{r2}", data={"ideas": "{x_id}"},
        POST=       "401  403   403   403      403        403   403        302  403"),
    row("reviews.add_ideas", "r2", variant="add W", to="/rounds/{r2}", data={"ideas": "{w_id}"},
        POST=       "401  403   403   403      403        403   302        302  403"),
    row("reviews.auto_assign", "r2", to="/rounds/{r2}",
        POST=       "401  403   403   403      403        403   302        302  403"),
    row("reviews.deadline", "r2", to="/rounds/{r2}",
        data={"deadline-day": "{deadline_day}", "deadline-month": "{deadline_month}",
              "deadline-year": "{deadline_year}"},
        POST=       "401  403   403   403      403        403   302        302  403"),
    row("reviews.remind", "r2", to="/rounds/{r2}",
        POST=       "401  403   403   403      403        403   302        302  403"),
    row("reviews.close", "r2", to="/rounds/{r2}",
        POST=       "401  403   403   403      403        403   302        302  403"),
    row("reviews.reopen", "r3", to="/rounds/{r3}", data={"reason": "One review came late."},
        POST=       "401  403   403   403      403        403   302        302  403"),
]

# Columns:          anon owner other assigned unassigned blind conflicted lead admin
DECISION = [
    row("pipeline.reopen", "x_decision", to="/ideas/{x}#decisions",
        data={"reopen_reason": "Sent to the panel too soon."},
        GET=        "in   403   403   403      403        403   403        200  403",
        POST=       "401  403   403   403      403        403   403        302  403"),
]

# Columns:          anon owner other assigned unassigned blind conflicted lead admin
SCANNED_ITEM = [
    row("horizon.item", "item",
        GET=        "in   403   403   403      403        403   200        200  200"),
    row("horizon.item_dismiss", "item", to="/horizon/items",
        POST=       "401  403   403   403      403        403   302        302  403"),
    row("horizon.item_promote", "item", to="/ideas/*",
        data={"title": "Sepsis prompts from the literature", "workstreams": "system_safety"},
        GET=        "in   403   403   403      403        403   200        200  403",
        POST=       "401  403   403   403      403        403   302        302  403"),
    # Adding the item to X as evidence: the conflicted lead is told why not (a conflict).
    row("horizon.item_evidence", "item", to="/ideas/{x}#evidence-items",
        data={"idea": "another", "reference": "{x}"},
        GET=        "in   403   403   403      403        403   200        200  403",
        POST=       "401  403   403   403      403        403   409        302  403"),
    # Taking it off X again: conflicts beat roles.
    row("horizon.item_evidence_remove", "x_evidence", to="/ideas/{x}#related-literature",
        POST=       "401  403   403   403      403        403   403        302  403"),
]

FEED_FORM = {"url": "{feed_url}", "name": "Journal feed", "description": "", "interval": "60"}
# Columns:          anon owner other assigned unassigned blind conflicted lead admin
FEED = [
    row("horizon.feed", "feed",
        GET=        "in   403   403   403      403        403   200        200  200"),
    row("horizon.feed_edit", "feed", to="/horizon/feeds/{feed}", data=FEED_FORM,
        GET=        "in   403   403   403      403        403   200        200  200",
        POST=       "401  403   403   403      403        403   302        302  302"),
    *[
        row("horizon.feed_action", "feed", variant=action, args={"action": action},
            to="/horizon/feeds/{feed}",
            POST=   "401  403   403   403      403        403   302        302  302")
        for action in ("pause", "resume", "scan")
    ],
]

# Columns:          anon owner other assigned unassigned blind conflicted lead admin
WORKSTREAM = [
    row("pipeline.workstream_edit", "workstream", to="/pipeline/workstreams",
        data={"name": "{workstream_name}", "short_name": "", "description": "Safer medicines.",
              "aim": "Halve severe harm from high-risk medicines.", "capacity": "5",
              "active": "yes"},
        GET=        "in   403   403   403      403        403   200        200  403",
        POST=       "401  403   403   403      403        403   302        302  403"),
]

# Columns:          anon owner other assigned unassigned blind conflicted lead admin
RUBRIC = [
    row("reviews.rubric_at", "rubric",
        GET=        "in   403   403   200      200        200   200        200  403"),
]

# Columns:          anon owner other assigned unassigned blind conflicted lead admin
USER = [
    row("admin.user", "other_innovator_account", to="/admin/users/{other_innovator_id}",
        data={"roles-roles": "innovator", "roles-submit": "Save roles"},
        GET=        "in   403   403   403      403        403   403        403  200",
        POST=       "401  403   403   403      403        403   403        403  302"),
    row("admin.reset_second_factor", "other_innovator_account",
        to="/admin/users/{other_innovator_id}",
        POST=       "401  403   403   403      403        403   403        403  302"),
    row("admin.resend_task", "failed_task", to="/admin/tasks",
        POST=       "401  403   403   403      403        403   403        403  302"),
]

NEW_PANEL_ACCOUNT = {
    "name": "Nia Invitee", "organisation": "not-listed", "organisation_name": "Nia's Forum",
    "organisation_type": "patient_or_public", "password": "lantern orchard copper meadow",
}
# An invitation to someone with no account yet: anyone holding the link sees it, only a
# visitor who is not signed in can set the account up; an unknown link is 404 to all.
# Columns:          anon owner other assigned unassigned blind conflicted lead admin
INVITATION = [
    row("auth.accept_invitation", "invitation", to="/panel/profile", data=NEW_PANEL_ACCOUNT,
        GET=        "200  200   200   200      200        200   200        200  200",
        POST=       "302  200   200   200      200        200   200        200  200"),
    row("auth.accept_invitation", "unknown_token", data=NEW_PANEL_ACCOUNT,
        GET=        "404  404   404   404      404        404   404        404  404",
        POST=       "404  404   404   404      404        404   404        404  404"),
    # A link emailed before invitations covered every role: on to its new address.
    row("auth.old_invitation_link", "invitation", to="/invitations/*",
        GET=        "302  302   302   302      302        302   302        302  302"),
]

# A reset link is the other innovator's: whoever holds it may use it.
# Columns:          anon owner other assigned unassigned blind conflicted lead admin
RESET_LINK = [
    row("auth.reset_password", "reset_link", to="/sign-in",
        data={"password": "lantern orchard copper meadow"},
        GET=        "200  200   200   200      200        200   200        200  200",
        POST=       "302  302   302   302      302        302   302        302  302"),
    row("auth.reset_password", "unknown_token",
        data={"password": "lantern orchard copper meadow"},
        GET=        "404  404   404   404      404        404   404        404  404",
        POST=       "404  404   404   404      404        404   404        404  404"),
]

# The lead's private digest address needs no sign-in (feed readers fetch it).
# Columns:          anon owner other assigned unassigned blind conflicted lead admin
DIGEST = [
    row("horizon.digest_feed", "digest",
        GET=        "200  200   200   200      200        200   200        200  200"),
    row("horizon.digest_feed", "unknown_token",
        GET=        "404  404   404   404      404        404   404        404  404"),
]
# A person's own personal access tokens and linked sign-in accounts: only they may revoke one.
# Columns:          anon owner other assigned unassigned blind conflicted lead admin
ACCESS_TOKEN = [
    row("auth.revoke_token", "lead_token", to="/account/tokens",
        POST=       "401  404   404   404      404        404   404        302  404"),
    # the lead's account at an OpenID provider: only the lead may stop it signing them in
    row("auth.sso_unlink", "lead_identity", to="/account",
        POST=       "401  404   404   404      404        404   404        302  404"),
]

# The read API, asked with each person's token (every scope): the token holder's column.
# "anon" sends no token (401). Ideas answer by the policy for seeing them (an open reader of
# X's round reads it; a blind one does not); the rest is for leads, as their pages are.
# Columns:          anon owner other assigned unassigned blind conflicted lead admin
API = [
    row("api_ideas.idea", "x", api=True,
        GET=        "401  200   404   200      404        404   200        200  404"),
    row("api_ideas.idea", "draft", api=True,
        GET=        "401  200   404   404      404        404   404        404  404"),
    row("api_ideas.ideas", "api", api=True,
        GET=        "401  200   200   200      200        200   200        200  200"),
    row("api_pipeline.pipeline", "api", api=True,
        GET=        "401  403   403   403      403        403   200        200  403"),
    row("api_pipeline.decisions", "api", api=True,
        GET=        "401  403   403   403      403        403   200        200  403"),
    row("api_pipeline.workstreams", "api", api=True,
        GET=        "401  403   403   403      403        403   200        200  403"),
    row("api_items.items", "api", api=True,
        GET=        "401  403   403   403      403        403   200        200  403"),
    row("api_items.digest", "api", api=True,
        GET=        "401  403   403   403      403        403   200        200  403"),
]
# fmt: on

TABLES = {
    "idea": IDEA,
    "attachment": ATTACHMENT,
    "review": REVIEW,
    "round": ROUND,
    "decision": DECISION,
    "scanned_item": SCANNED_ITEM,
    "feed": FEED,
    "workstream": WORKSTREAM,
    "rubric": RUBRIC,
    "user": USER,
    "invitation": INVITATION,
    "reset_link": RESET_LINK,
    "digest": DIGEST,
    "access_token": ACCESS_TOKEN,
    "api": API,
}

# Placeholders that name no object: a page, a file, an export format. test_access_rules
# covers these routes; the matrix leaves them out on purpose.
NOT_OBJECTS = {
    "pages.information": "an information page's name",
    "pages.nhsuk_assets": "a file of the NHS.UK frontend",
    "pages.nhsuk_bundle": "a file of the NHS.UK frontend",
    "pages.static": "a static file",
    "pipeline.export": "the export's format (csv or xlsx)",
}
