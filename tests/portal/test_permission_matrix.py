"""Every route with an object id, asked by every relationship, answers as the matrix says.

The tables are in `permission_matrix`, the seeded world in `permission_world`. A route added
later with a placeholder in its rule fails `test_every_route_with_an_object_id_is_in_the_matrix`
until it has rows. The README's "Who may see and do what" table is checked against the matrix.
"""

import re
from collections import defaultdict
from itertools import takewhile
from pathlib import Path

import pytest

from tests.portal.permission_matrix import COLUMNS, NOT_OBJECTS, REFUSED, TABLES
from tests.portal.permission_world import DECLINED_BECAUSE, X_ORGANISATION, X_TITLE, seeded

METHODS = ("GET", "POST")
API_BOOKKEEPING = ("UPDATE access_tokens ", "INSERT INTO audit_events")  # statements' starts
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def world(app, tmp_path_factory):
    with seeded(app, tmp_path_factory.mktemp("matrix")) as world:
        yield world


def test_every_route_with_an_object_id_is_in_the_matrix(app):
    rows = {}
    for table in TABLES.values():
        for r in table:
            rows.setdefault(r.endpoint, []).append(r)
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    with_ids = {endpoint for endpoint, rule in rules.items() if rule.arguments}
    api = {
        e
        for e, rule in rules.items()
        if getattr(app.view_functions[e], "access_rule", None)
        and app.view_functions[e].access_rule.scope
    }
    assert sorted(with_ids - rows.keys() - NOT_OBJECTS.keys()) == [], "routes with no rows"
    assert sorted(api - rows.keys()) == [], "API routes with no rows"
    assert sorted((rows.keys() | NOT_OBJECTS.keys()) - with_ids - api) == [], "rows for no route"
    assert all(r.api == (r.endpoint in api) for found in rows.values() for r in found)
    assert sorted(rows.keys() & NOT_OBJECTS.keys()) == []
    wrong_methods = [
        r.label
        for endpoint, found in rows.items()
        for r in found
        if set(r.answers) != rules[endpoint].methods - {"HEAD", "OPTIONS"}
    ]
    assert wrong_methods == [], "rows that do not answer exactly the methods their route takes"
    nowhere = [
        r.label
        for found in rows.values()
        for r in found
        if r.to is None and any("302" in answers.values() for answers in r.answers.values())
    ]
    assert nowhere == [], "rows that expect a redirect but do not say where to"


def check(world, r, method, who, expected) -> str | None:
    """Ask one case; return why it is wrong, or None."""
    path = world.path(r.endpoint, {**world.objects[r.obj], **r.args})
    data = {k: v.format(**world.names) for k, v in r.data.items()} if method == "POST" else None
    got = world.ask(who, method, path, data, api=r.api)
    if expected == "in":
        right = got.status == 302 and got.location.startswith("/sign-in?next=")
    elif expected == "302":
        to = r.to.format(**world.names)
        right = got.status == 302 and (
            got.location.startswith(to[:-1]) if to.endswith("*") else got.location == to
        )
    else:
        right = got.status == int(expected)
    # an API call with a working token is counted and audited, even when its owner is refused
    writes = [w for w in got.writes if not (r.api and w.startswith(API_BOOKKEEPING))]
    if expected in REFUSED and writes:
        right = False
    if right:
        return None
    wanted = f"302 to {r.to.format(**world.names)}" if expected == "302" else expected
    answer = f"{got.status}" + (f" to {got.location}" if got.location else "")
    wrote = f", and wrote {sorted(set(got.writes))}" if got.writes else ""
    return f"{method} {path} [{r.label}] as {who}: expected {wanted}, got {answer}{wrote}"


def not_taken(r) -> dict:
    """A method the route does not take is 405 before anyone is asked who they are (the
    router answers before the access rule), so two people stand for everyone: a visitor and
    the first person the route serves (or a lead, where it serves nobody)."""
    [answers] = r.answers.values()
    served = next((who for who in COLUMNS if answers[who] not in REFUSED), "lead")
    return {"anonymous": "405", served: "405"}


@pytest.mark.parametrize("kind", TABLES)
def test_permission_matrix(world, kind):
    failures = []
    for r in TABLES[kind]:
        for method in METHODS:
            cases = r.answers.get(method) or not_taken(r)
            for who, expected in cases.items():
                if (why := check(world, r, method, who, expected)) is not None:
                    failures.append(why)
    assert not failures, f"{len(failures)} cases answer wrongly:\n" + "\n".join(failures)


# Focused checks of what a page shows, beside the answers above. Each asks a lead first, so
# that what the conflicted lead or the admin must not see is known to be on the page.


def row_of(html, text) -> str:
    """The table row (<tr>) that holds `text`."""
    rows = [r for r in re.findall(r"<tr\b.*?</tr>", html, flags=re.S) if text in r]
    assert len(rows) == 1, f"{len(rows)} rows hold {text}"
    return rows[0]


def related_ideas(page) -> str:
    """The part of a scanned item's page that lists related ideas."""
    return page.split("<h2>Related ideas</h2>", 1)[1]


X_REVIEWERS = ("Priya Assigned", "Sam Submitted")


def test_round_page_hides_x_reviewers_and_their_progress_from_the_conflicted_lead(world):
    path = world.path("reviews.round", world.objects["r1"])
    lead = row_of(world.ask("lead", "GET", path).body, world.names["x"])
    assert all(name in lead for name in X_REVIEWERS) and "(submitted)" in lead
    assert "1 of 1 reviews" in lead
    row = row_of(world.ask("conflicted_lead", "GET", path).body, world.names["x"])
    shown = [f"names {name}" for name in X_REVIEWERS if name in row]
    shown += ["says who submitted"] * ("(submitted)" in row)
    shown += ["counts its reviews"] * bool(re.search(r"\d+ of \d+ reviews", row))
    assert shown == [], "X's row, to the conflicted lead"


def test_round_page_hides_x_declines_and_unscored_criteria_from_the_conflicted_lead(world):
    path = world.path("reviews.round", world.objects["r1"])
    unscored = re.compile(r"<li><a href=\"/ideas/" + world.names["x"] + r"\">.*?</li>", re.S)
    lead = world.ask("lead", "GET", path).body
    assert DECLINED_BECAUSE in lead and unscored.search(lead)
    page = world.ask("conflicted_lead", "GET", path).body
    shown = ["who declined X, and why"] * (DECLINED_BECAUSE in page)
    shown += ["what X's reviewers could not score"] * bool(unscored.search(page))
    assert shown == [], "the round page, to the conflicted lead"


def test_scanned_item_lists_x_as_related_only_to_those_who_may_see_it(world):
    path = world.path("horizon.item", world.objects["item"])
    x = f"{world.names['x']}: <bdi>{X_TITLE}</bdi>"
    assert x in related_ideas(world.ask("lead", "GET", path).body)
    for who in ("conflicted_lead", "admin"):
        assert x not in related_ideas(world.ask(who, "GET", path).body), f"X is listed to {who}"


def test_scanned_item_names_the_idea_it_became_only_to_leads(world):
    item = world.objects["item"]
    with world.case():
        data = {"title": "Sepsis prompts", "workstreams": "system_safety"}
        promoted = world.ask("lead", "POST", world.path("horizon.item_promote", item), data)
        reference = promoted.location.rsplit("/", 1)[1]
        assert reference in world.ask("lead", "GET", world.path("horizon.item", item)).body
        page = world.ask("admin", "GET", world.path("horizon.item", item)).body
    assert reference not in page, "the idea made from the item is named to the admin"


def test_blind_round_review_hides_who_shared_the_idea(world):
    shown = world.ask(
        "assigned_member", "GET", world.path("reviews.review", world.objects["x_assignment"])
    )
    assert "Asha Owner" in shown.body and X_ORGANISATION in shown.body
    blind = world.ask(
        "blind_member", "GET", world.path("reviews.review", world.objects["y_assignment"])
    )
    assert "Fay Filler" not in blind.body and "Westmoor Care Homes" not in blind.body
    file = world.ask(
        "blind_member", "GET", world.path("reviews.document", world.objects["y_assignment_file"])
    )
    assert file.headers["Content-Disposition"] == "attachment; filename=document-1.pdf"


def test_conflicted_lead_sees_idea_x_without_its_reviews(world):
    path = world.path("ideas.show", world.objects["x"])
    assert "Sam Submitted" in world.ask("lead", "GET", path).body
    page = world.ask("conflicted_lead", "GET", path).body
    assert "You have a conflict of interest with this idea" in page
    assert [name for name in X_REVIEWERS if name in page] == []


# The README's table


README_COLUMNS = {
    "Anonymous": "anonymous",
    "Owner": "owner",
    "Other innovator": "other_innovator",
    "Assigned panel member": "assigned_member",
    "Unassigned panel member": "unassigned_member",
    "Blind-round member": "blind_member",
    "Conflicted lead": "conflicted_lead",
    "Lead": "lead",
    "Admin": "admin",
}
# Each README row, and the matrix cases it stands for: "yes" if any of them is allowed.
README_ROWS = {
    "See the idea": [("ideas.show", "x", "GET")],
    "Read its files": [
        ("ideas.download_attachment", "x_file", "GET"),
        ("reviews.document", "y_assignment_file", "GET"),
    ],
    "Change, withdraw or delete it": [
        ("ideas.section", "draft", "POST"),
        ("ideas.withdraw", "x", "POST"),
        ("ideas.delete_draft", "draft", "POST"),
    ],
    "See its reviews and scores": [("pipeline.decide", "x", "GET")],
    "Review it": [
        ("reviews.review", "x_assignment", "POST"),
        ("reviews.review", "y_assignment", "POST"),
    ],
    "Manage its review round": [
        ("reviews.assign", "r1", "POST"),
        ("reviews.conflict", "r1", "POST"),
        ("reviews.remove_assignment", "r1_x_assignment", "POST"),
    ],
    "Decide on it": [
        ("pipeline.decide", "x", "POST"),
        ("ideas.ask", "x", "POST"),
        ("ideas.decline", "x", "POST"),
        ("pipeline.reopen", "x_decision", "POST"),
        ("horizon.item_evidence_remove", "x_evidence", "POST"),
    ],
    "See scanned items": [("horizon.item", "item", "GET")],
    "Screen and promote scanned items": [
        ("horizon.item_dismiss", "item", "POST"),
        ("horizon.item_promote", "item", "POST"),
        ("horizon.item_evidence", "item", "POST"),
    ],
    "Manage feeds": [
        ("horizon.feed_edit", "feed", "POST"),
        ("horizon.feed_action", "feed", "POST"),
    ],
    "Manage workstreams": [("pipeline.workstream_edit", "workstream", "POST")],
    "Manage users": [("admin.user", "other_innovator_account", "POST")],
}


def readme_table() -> tuple[list[str], dict[str, list[str]]]:
    """The header and rows of the README's 'Who may see and do what' table."""
    lines = README.read_text().split("## Who may see and do what", 1)[1].splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("|"))
    table = takewhile(lambda line: line.startswith("|"), lines[start:])
    header, _rule, *body = [[c.strip() for c in line.strip("|").split("|")] for line in table]
    return header[1:], {r[0]: r[1:] for r in body}


def test_readme_table_agrees_with_the_matrix():
    header, rows = readme_table()
    assert header == list(README_COLUMNS)
    assert list(rows) == list(README_ROWS)
    by_case = defaultdict(list)  # (endpoint, object, method) -> answers of each variant
    for table in TABLES.values():
        for r in table:
            for method, answers in r.answers.items():
                by_case[(r.endpoint, r.obj, method)].append(answers)
    unknown = [case for cases in README_ROWS.values() for case in cases if case not in by_case]
    assert unknown == [], "README rows mapped to cases the matrix does not have"
    wrong = []
    for label, cases in README_ROWS.items():
        for column, cell in zip(header, rows[label], strict=True):
            who = README_COLUMNS[column]
            allowed = any(
                answers[who] not in REFUSED for case in cases for answers in by_case[case]
            )
            if cell != ("yes" if allowed else "no"):
                wrong.append(f"{label} / {column}: README says {cell}")
    assert wrong == []
