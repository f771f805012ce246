"""The portfolio page: driver diagrams per workstream and the capacity-aware shortlist."""

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from portal.auth.models import User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.lifecycle import IdeaState, Mover
from portal.ideas.models import Idea, Workstream
from portal.ideas.services import move_idea
from portal.pipeline.driver_diagram import driver_diagram_svg
from portal.pipeline.models import Decision, ScoreSnapshot
from portal.pipeline.portfolio import Driver, DriverDiagram, capacity_shortlist
from portal.pipeline.snapshots import deferred_snapshots, refresh_snapshots
from portal.reviews import rounds
from portal.reviews.models import Assignment
from portal.reviews.reviewing import ReviewAnswers, save_review

ALL = "all"
SVG = "{http://www.w3.org/2000/svg}"
# per idea: title, workstreams, panel score for the enabler "measurement" and for the rest,
# whether it addresses inequalities, and the state it ends in
IDEAS = {
    "strong": ("Strong everywhere", ("medicines_safety",), 5, 5, True, IdeaState.SHORTLISTED),
    "measure": ("Measuring falls <b>well</b>", ("system_safety",), 5, 2, False, IdeaState.IN_PILOT),
    "plain": ("Middling idea", ("medicines_safety",), 3, 3, False, IdeaState.IN_REVIEW),
    "coverer": ("Covers measurement", ("medicines_safety",), 5, 1, False, IdeaState.IN_REVIEW),
    "close": ("Conflicted idea", ("medicines_safety",), 5, 5, False, IdeaState.SHORTLISTED),
}


def set_capacity(app, **capacities):
    with app.app_context():
        for key, capacity in capacities.items():
            db.session.scalar(sa.select(Workstream).filter_by(key=key)).capacity = capacity
        db.session.commit()


@pytest.fixture
def portfolio(app, create_idea, create_user, create_organisation, connection):
    """Five reviewed ideas; a lead who is conflicted on the idea from 'Conflict Trust'."""
    conflict_trust = create_organisation("Conflict Trust")
    ideas = {}
    for name, (title, streams, _, _, fair, _) in IDEAS.items():
        owner = None
        if name == "close":
            owner = create_user(name="Close Innovator", organisation=conflict_trust)
        answers = {} if fair else {"populations": [], "clinical_areas": []}
        ideas[name] = create_idea(
            owner=owner, triage=True, title=title, workstreams=streams, **answers
        )
    members = [
        create_user(
            roles=(Role.PANEL_MEMBER,),
            name=f"Reviewer {n}",
            organisation=create_organisation(f"Reviewer Org {n}"),
        )
        for n in range(3)
    ]
    lead = create_user(roles=(Role.PROGRAMME_LEAD,), name="Lead Without Conflicts")
    conflicted = create_user(
        roles=(Role.PROGRAMME_LEAD,), name="Conflicted Lead", organisation=conflict_trust
    )
    with app.test_request_context():
        lead_user = db.session.get(User, lead.id)
        round_ = rounds.open_round(
            lead_user,
            name="Portfolio round",
            deadline=date.today() + timedelta(days=10),
            ideas=[db.session.get(Idea, i.id) for i in ideas.values()],
            panel=[db.session.get(User, m.id) for m in members],
            reviews_per_idea=3,
            require_patient_partner=False,
        )
        assert rounds.auto_assign(round_, lead_user).feasible
        with deferred_snapshots(lead_user, "portfolio test"):
            for name, idea in ideas.items():
                _, _, measure, rest, _, _ = IDEAS[name]
                for assignment in db.session.scalars(
                    sa.select(Assignment).filter_by(round_id=round_.id, idea_id=idea.id)
                ):
                    scores = {
                        c.id: str(measure if c.key == "measurement" else rest)
                        for c in assignment.round.rubric.criteria
                    }
                    answers = ReviewAnswers(
                        scores=scores, recommendation="progress", confidence="high"
                    )
                    save_review(assignment, assignment.user, answers, submit=True)
        for name, idea in ideas.items():
            target = IDEAS[name][5]
            row = db.session.get(Idea, idea.id)
            path = [IdeaState.SHORTLISTED, IdeaState.IN_PILOT]
            for state in path[: path.index(target) + 1] if target in path else []:
                move_idea(row, state, lead_user, Mover.LEAD, state.value)
        db.session.commit()
    return {"ideas": ideas, "lead": lead, "conflicted": conflicted}


def workstream_id(query, key):
    return query(lambda: db.session.scalar(sa.select(Workstream.id).filter_by(key=key)))


def section(html, ws_id):
    start = html.index(
        f'<section class="nhsuk-u-margin-bottom-7" aria-labelledby="workstream-{ws_id}"'
    )
    return html[start : html.index("</section>", start)]


def drivers_in(section_html):
    """Driver name -> text of the change ideas listed under it (in the list by the diagram)."""
    chunks = section_html.split("<h4")[1:]
    names = [re.sub(r"<[^>]+>", "", c[c.index(">") + 1 : c.index("</h4>")]) for c in chunks]
    return {
        unescape(re.sub(r"\s*\(\d+\)$", "", " ".join(name.split()))): unescape(chunk)
        for name, chunk in zip(names, chunks, strict=True)
    }


def test_driver_diagram_lists_enablers_and_change_ideas_under_the_right_workstream(
    client, sign_in, portfolio, query
):
    sign_in(client, portfolio["lead"])
    response = client.get("/pipeline/portfolio")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    ideas = portfolio["ideas"]
    medicines = drivers_in(section(html, workstream_id(query, "medicines_safety")))
    system = drivers_in(section(html, workstream_id(query, "system_safety")))
    assert "Halve severe harm from high-risk medicines" in section(
        html, workstream_id(query, "medicines_safety")
    )
    enablers = [
        "Addressing inequalities",
        "Patient and carer co-design",
        "Safety culture",
        "Patient safety networks",
        "Clinical leadership",
        "QI capacity and capability",
        "Measurement",
        "Improvement and innovation pipeline",
    ]
    assert list(medicines) == [*enablers, "Other"]
    strong, measure = ideas["strong"].reference, ideas["measure"].reference
    for enabler in enablers:  # scored 5 on every enabler: under every driver
        assert strong in medicines[enabler]
        assert measure not in medicines[enabler]
    assert measure in system["Measurement"]  # 5 on measurement, 2 elsewhere
    assert all(measure not in text for name, text in system.items() if name != "Measurement")
    assert "In pilot" in system["Measurement"]
    # ideas still in review are not change ideas yet
    assert ideas["plain"].reference not in section(html, workstream_id(query, "medicines_safety"))


def test_adopted_ideas_sit_in_the_adopting_workstream_scored_from_their_reviews(
    app, client, sign_in, portfolio, query
):
    measure = portfolio["ideas"]["measure"]
    maternity = workstream_id(query, "maternity_neonatal")
    with app.test_request_context():
        lead = db.session.get(User, portfolio["lead"].id)
        idea = db.session.get(Idea, measure.id)
        move_idea(idea, IdeaState.ADOPTED, lead, Mover.LEAD, "decided")
        db.session.add(
            Decision(
                idea=idea,
                from_state=IdeaState.IN_PILOT,
                to_state=IdeaState.ADOPTED,
                workstream_id=maternity,
                rationale="Adopted by maternity",
                decided_by_id=lead.id,
            )
        )
        refresh_snapshots(lead, "decision")  # closed ideas lose their snapshot
        db.session.commit()
        assert db.session.get(ScoreSnapshot, measure.id) is None
    sign_in(client, portfolio["lead"])
    html = client.get("/pipeline/portfolio").get_data(as_text=True)
    drivers = drivers_in(section(html, maternity))
    assert measure.reference in drivers["Measurement"] and "Adopted" in drivers["Measurement"]
    assert measure.reference not in drivers["Other"]
    assert measure.reference not in section(html, workstream_id(query, "system_safety"))


def test_shortlist_respects_capacity_and_shows_the_plain_top_k(
    app, client, sign_in, portfolio, query
):
    set_capacity(
        app,
        medicines_safety=2,
        system_safety=1,
        maternity_neonatal=0,
        managing_deterioration=0,
        mental_health=0,
    )
    with app.test_request_context():
        shortlist = capacity_shortlist(db.session.get(User, portfolio["lead"].id))
        chosen = {p.idea.reference: p.workstream.key for p in shortlist.portfolio}
        plain = [p.idea.reference for p in shortlist.plain]
        places = {ws.key: (capacity, n) for ws, capacity, n in shortlist.places}
    ideas = portfolio["ideas"]
    assert places["medicines_safety"] == (2, 2) and places["system_safety"] == (1, 1)
    assert sum(1 for key in chosen.values() if key == "medicines_safety") == 2
    assert chosen[ideas["measure"].reference] == "system_safety"
    assert len(plain) == len(chosen) == 3
    sign_in(client, portfolio["lead"])
    html = client.get("/pipeline/portfolio").get_data(as_text=True)
    assert "Capacity-aware shortlist (3)" in html and "Plain top 3" in html
    assert "3 of 5 ideas chosen for 3 places." in html


def test_ideas_in_only_one_list_are_marked_with_the_reason(app, client, sign_in, portfolio):
    # One place in medicines safety: "strong" (5s and addresses inequalities) takes it; the
    # plain top 2 also takes "close" (5s too), for which the capacity-aware list has no room.
    set_capacity(
        app,
        medicines_safety=1,
        system_safety=1,
        maternity_neonatal=0,
        managing_deterioration=0,
        mental_health=0,
    )
    with app.test_request_context():
        shortlist = capacity_shortlist(db.session.get(User, portfolio["lead"].id))
        chosen = [p.idea.reference for p in shortlist.portfolio]
        plain = [p.idea.reference for p in shortlist.plain]
        reasons = {p.idea.reference: p.reasons for p in shortlist.plain + shortlist.portfolio}
    ideas = portfolio["ideas"]
    assert set(chosen) == {ideas["strong"].reference, ideas["measure"].reference}
    assert ideas["close"].reference in plain and shortlist.differs
    assert reasons[ideas["close"].reference] == [
        "No room: Medicines Safety (MedSIP) already at capacity"
    ]
    assert reasons[ideas["measure"].reference]  # says why it is in the shortlist
    sign_in(client, portfolio["lead"])
    html = client.get("/pipeline/portfolio").get_data(as_text=True)
    assert "Not in the capacity-aware shortlist" in html
    assert "Not in the plain top 2" in html
    assert "So the two lists differ" in html


def test_capacity_zero_everywhere_says_so(app, client, sign_in, portfolio):
    set_capacity(
        app,
        medicines_safety=0,
        system_safety=0,
        maternity_neonatal=0,
        managing_deterioration=0,
        mental_health=0,
    )
    sign_in(client, portfolio["lead"])
    html = client.get("/pipeline/portfolio").get_data(as_text=True)
    assert "Every active workstream has a capacity of 0, so no idea can be shortlisted." in html


def test_conflicted_lead_does_not_see_the_conflicted_idea(app, client, sign_in, portfolio):
    close = portfolio["ideas"]["close"]
    sign_in(client, portfolio["lead"])
    assert close.reference in client.get("/pipeline/portfolio").get_data(as_text=True)
    other = app.test_client()
    sign_in(other, portfolio["conflicted"])
    html = other.get("/pipeline/portfolio").get_data(as_text=True)
    assert close.reference not in html
    assert "Conflicted idea" not in html
    with app.test_request_context():
        shortlist = capacity_shortlist(db.session.get(User, portfolio["conflicted"].id))
        seen = {p.idea.id for p in shortlist.portfolio + shortlist.plain}
    assert close.id not in seen


def test_titles_and_aims_are_escaped(app, client, sign_in, portfolio):
    with app.app_context():
        ws = db.session.scalar(sa.select(Workstream).filter_by(key="system_safety"))
        ws.aim = "<script>alert('aim')</script>"
        db.session.commit()
    sign_in(client, portfolio["lead"])
    html = client.get("/pipeline/portfolio").get_data(as_text=True)
    assert "<b>well</b>" not in html and "Measuring falls &lt;b&gt;well&lt;/b&gt;" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(" in html


def test_deactivated_workstreams_have_no_diagram(app, client, sign_in, portfolio, query):
    ws_id = workstream_id(query, "system_safety")
    with app.app_context():
        db.session.get(Workstream, ws_id).active = False
        db.session.commit()
    sign_in(client, portfolio["lead"])
    html = client.get("/pipeline/portfolio").get_data(as_text=True)
    assert f'aria-labelledby="workstream-{ws_id}"' not in html
    assert portfolio["ideas"]["measure"].reference not in html


@pytest.mark.parametrize(("role", "status"), [(Role.INNOVATOR, 403), (Role.PANEL_MEMBER, 403)])
def test_only_leads_see_the_portfolio(client_for, connection, role, status):
    assert client_for(role).get("/pipeline/portfolio").status_code == status


def test_portfolio_is_in_the_lead_navigation(lead_client):
    html = lead_client.get("/pipeline/portfolio").get_data(as_text=True)
    start = html.index('class="nhsuk-header__navigation')
    nav = html[start : html.index("</nav>", start)]
    assert 'href="/pipeline/portfolio"' in nav
    assert re.search(r">\s*Portfolio\s*<", nav)
    assert "There are no ideas" not in html  # an empty programme still renders


def test_driver_diagram_is_drawn_as_an_image_with_the_list_after_it(
    client, sign_in, portfolio, query
):
    sign_in(client, portfolio["lead"])
    html = client.get("/pipeline/portfolio").get_data(as_text=True)
    ws_id = workstream_id(query, "medicines_safety")
    part = section(html, ws_id)
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", part, re.S).group())
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == f"diagram-{ws_id}-title diagram-{ws_id}-desc"
    assert svg.find(f"{SVG}title").text == "Driver diagram: Medicines Safety (MedSIP)"
    desc = svg.find(f"{SVG}desc").text
    assert desc.startswith("Aim: Halve severe harm from high-risk medicines")
    assert "Measurement: 2 change ideas;" in desc and "Other: 0 change ideas." in desc
    # aim -> 9 drivers (8 enablers and Other) -> 9 boxes of change ideas, each pair joined
    boxes = svg.findall(f"{SVG}rect")
    assert len(boxes) == 1 + 9 + 9 and len(svg.findall(f"{SVG}path")) == 9 + 9
    assert [b.get("stroke-dasharray") for b in boxes].count("6 4") == 1  # "Other"
    lines = [line for t in svg.iter(f"{SVG}text") for line in t.itertext()]
    assert lines[0] == "Aim" and lines[1].startswith("Halve severe harm")
    assert lines.count("Strong everywhere") == 8  # strong in every enabler
    assert lines.count("No change ideas yet") == 1  # under Other
    # the list, the diagram's text alternative, follows it with every driver and idea
    assert part.index("</svg>") < part.index("Primary drivers and change ideas</h3>")
    assert list(drivers_in(part))[-1] == "Other"


def test_driver_diagram_shortens_what_does_not_fit():
    criterion = SimpleNamespace(name="Measurement")
    ideas = [
        SimpleNamespace(reference=f"R-{n}", display_title=f"Idea {n} " + "word " * 30)
        for n in range(5)
    ]
    diagram = DriverDiagram(
        SimpleNamespace(label="W <1>", aim="Reduce harm " * 30),
        [Driver(criterion, ideas)],
        Driver(None, []),
    )
    svg = ET.fromstring(str(driver_diagram_svg("d", diagram)))
    assert svg.find(f"{SVG}title").text == "Driver diagram: W <1>"
    texts = [list(t.itertext()) for t in svg.iter(f"{SVG}text")]
    aim = texts[1]
    assert len(aim) == 12 and aim[-1].endswith(" …")  # wrapped, then cut at a word
    names = next(t for t in texts if t[0].startswith("Idea 0"))
    assert len(names) == 4 and names[3] == "and 2 more"  # three of five named
    assert all(n.endswith(" …") for n in names[:3])
    assert all(len(line) <= 48 for line in names)
