"""The leads' dashboard: figures from GROUP BY queries, SVG charts each with a matching table."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from portal.auth.models import OrganisationType, User
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas import services
from portal.ideas.lifecycle import IdeaState, Mover
from portal.ideas.models import Idea
from portal.pipeline import dashboard
from portal.pipeline.charts import Bar, Column, bar_chart, column_chart
from portal.pipeline.dashboard import Median, Outcome
from portal.reviews import rounds
from portal.reviews.models import Assignment
from portal.reviews.reviewing import ReviewAnswers, save_review

S = IdeaState
HOSTILE = '<script>alert(1)</script> & "Acme" Ltd'
NONE = {"populations": [], "clinical_areas": []}
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def pipeline(app, clock, create_idea, create_user, create_organisation):
    """Six submitted ideas and a draft, taken through the real services over twelve days."""
    company = create_organisation(HOSTILE, OrganisationType.COMPANY)
    public = create_organisation(
        "Patient and carer (Eastshire)", OrganisationType.PATIENT_OR_PUBLIC
    )
    by_company = create_user(organisation=company)
    lead = create_user(roles=(Role.PROGRAMME_LEAD,))
    members = [
        create_user(
            roles=(Role.PANEL_MEMBER,),
            organisation=create_organisation(f"Reviewer Org {n}", OrganisationType.UNIVERSITY),
        )
        for n in range(3)
    ]
    start = clock.now
    ideas = {
        "i1": create_idea(),
        "i2": create_idea(owner=by_company, workstreams=(), **NONE),
        "i3": create_idea(
            owner=by_company,
            workstreams=("maternity_neonatal",),
            populations=["ethnic_minority"],
            clinical_areas=["maternity"],
        ),
        "i4": create_idea(
            workstreams=("medicines_safety", "system_safety"), clinical_areas=["hypertension"]
        ),
        "i5": create_idea(owner=create_user(organisation=public), **NONE),
        "draft": create_idea(submit=False),
    }
    ids = {key: idea.id for key, idea in ideas.items()}

    def at(day, action):
        clock.now = start + timedelta(days=day)
        with app.test_request_context():
            result = action(
                lambda key: db.session.get(Idea, ids[key]), db.session.get(User, lead.id)
            )
            db.session.commit()
            return result

    at(1, lambda idea, lead: [services.accept_into_triage(idea(k), lead) for k in ("i3", "i4")])
    at(2, lambda idea, lead: services.accept_into_triage(idea("i2"), lead))

    def open_round(idea, lead):
        round_ = rounds.open_round(
            lead,
            name="Spring <round>",
            deadline=(clock.now + timedelta(days=30)).date(),
            ideas=[idea("i3"), idea("i4")],
            panel=[db.session.get(User, m.id) for m in members],
            reviews_per_idea=3,
        )
        assert rounds.auto_assign(round_, lead).feasible
        return round_.id

    round_id = at(3, open_round)
    # turnaround in days: i3 1, 2, 3; i4 1, 4, 6 -> median 2.5 of 6
    for day, key, member in (
        (4, "i3", 0),
        (4, "i4", 0),
        (5, "i3", 1),
        (6, "i3", 2),
        (7, "i4", 1),
        (9, "i4", 2),
    ):
        at(day, lambda idea, lead, k=key, m=member: _review(round_id, ids[k], members[m].id))
    at(4, lambda idea, lead: services.decline_idea(idea("i5"), lead, "Out of scope"))
    clock.now = start + timedelta(days=5)
    ids["i6"] = create_idea().id
    at(
        10,
        lambda idea, lead: services.move_idea(
            idea("i4"), S.SHORTLISTED, lead, Mover.LEAD, "shortlisted", "Strong panel scores"
        ),
    )
    clock.now = start + timedelta(days=12)
    return ids


def _review(round_id, idea_id, member_id):
    assignment = db.session.scalar(
        sa.select(Assignment).filter_by(round_id=round_id, idea_id=idea_id, user_id=member_id)
    )
    answers = ReviewAnswers(
        scores={c.id: "4" for c in assignment.round.rubric.criteria},
        recommendation="progress",
        confidence="high",
    )
    save_review(assignment, assignment.user, answers, submit=True)


def test_figures_match_hand_counts(pipeline, query, clock, create_user):
    lead = create_user(roles=(Role.PROGRAMME_LEAD,))  # no conflicts: every idea counts

    def figures():
        viewer = db.session.get(User, lead.id)
        return {
            "stage": dashboard.ideas_by_stage(viewer),
            "workstream": dict(dashboard.ideas_by_workstream(viewer)),
            "days": dashboard.days_in_stage(viewer, clock.now),
            "turnaround": dashboard.review_turnaround(),
            "types": dashboard.outcomes_by_organisation_type(viewer),
            "top": dashboard.top_organisations(viewer),
            "inequality": dashboard.outcomes_by_inequality(viewer),
        }

    found = query(figures)
    zero = dict.fromkeys(dashboard.STAGES, 0)
    assert found["stage"] == zero | {
        S.SUBMITTED: 2,
        S.IN_TRIAGE: 1,
        S.IN_REVIEW: 1,
        S.SHORTLISTED: 1,
        S.DECLINED: 1,
    }
    workstreams = found["workstream"]
    assert next(v for k, v in workstreams.items() if k.startswith("Medicines")) == zero | {
        S.SUBMITTED: 2,
        S.SHORTLISTED: 1,
        S.DECLINED: 1,
    }
    maternity = next(v for k, v in workstreams.items() if k.startswith("Maternity"))
    assert maternity == zero | {S.IN_REVIEW: 1}
    assert next(v for k, v in workstreams.items() if k.startswith("System")) == zero | {
        S.SHORTLISTED: 1
    }
    assert workstreams["No workstream chosen"] == zero | {S.IN_TRIAGE: 1}
    assert sum(1 for v in workstreams.values() if not any(v.values())) == 2  # the other two
    assert found["days"] == {
        S.SUBMITTED: Median(9.5, 2),  # 12 and 7 days
        S.IN_TRIAGE: Median(10.0, 1),
        S.IN_REVIEW: Median(9.0, 1),
        S.SHORTLISTED: Median(2.0, 1),
    }
    [(name, turnaround)] = found["turnaround"]
    assert name == "Spring <round>" and turnaround == Median(2.5, 6)
    assert found["types"] == [
        (OrganisationType.NHS_TRUST, Outcome(3, 1)),
        (OrganisationType.COMPANY, Outcome(2, 0)),
        (OrganisationType.PATIENT_OR_PUBLIC, Outcome(1, 0)),
    ]
    assert [(name, outcome) for name, _type, outcome in found["top"]] == [
        ("Northshire Community Health NHS Trust", Outcome(3, 1)),
        (HOSTILE, Outcome(2, 0)),
        ("Patient and carer (Eastshire)", Outcome(1, 0)),
    ]
    assert found["inequality"] == [
        ("core20", Outcome(3, 1)),
        ("ethnic_minority", Outcome(1, 0)),
        ("maternity", Outcome(1, 0)),
        ("hypertension", Outcome(1, 1)),
        (dashboard.NONE_STATED, Outcome(2, 0)),
    ]
    assert Outcome(3, 1).rate == pytest.approx(1 / 3) and Outcome(0, 0).rate is None


def sections(html):
    """Each dashboard section's heading id and markup."""
    return dict(re.findall(r'<section aria-labelledby="([^"]+)".*?>(.*?)</section>', html, re.S))


def cells(fragment):
    """The text of every table row in `fragment`, one list per row."""
    fragment = re.sub(r'<span class="nhsuk-table__heading".*?</span>', "", fragment, flags=re.S)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", fragment, re.S)
    return [
        [
            unescape(" ".join(re.sub(r"<[^>]+>", " ", c).split()))
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def test_every_chart_has_a_table_with_the_same_numbers(pipeline, lead_client):
    response = lead_client.get("/pipeline/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/pipeline/dashboard"' in html  # in the lead navigation
    found = sections(html)
    assert list(found) == [
        "stages",
        "workstreams",
        "submitted",
        "time-in-stage",
        "time-to-decision",
        "turnaround",
        "organisation-types",
        "organisations",
        "inequalities",
    ]
    for key, part in found.items():
        svg, *small = re.findall(r"<svg.*?</svg>", part, re.S)
        root = ET.fromstring(svg)  # well-formed, with an accessible name and description
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == f"chart-{key}-title chart-{key}-desc"
        assert root.find(f"{SVG}title").get("id") == f"chart-{key}-title"
        assert part.count("<table") == 1 and "Show the data as a table" in part
        table = {row[0]: row[1:] for row in cells(part) if row}
        if "app-chart--columns" in root.get("class"):
            _check_trend(key, root, small, table)
            continue
        # every bar's label starts a row of the table, and its numbers are in that row
        texts = list(root.iter(f"{SVG}text"))
        labels = [t.text for t in texts if t.get("class") == "app-chart__label"]
        values = [t.text for t in texts if t.get("class") == "app-chart__value"]
        assert labels and len(labels) == len(values)
        for label, value in zip(labels, values, strict=True):
            numbers = re.findall(r"[\d.,]+%?", value)
            assert label in table, (key, label)
            assert set(numbers) <= set(table[label]), (key, label)
        assert not small
    assert ["Submitted", "2"] in cells(found["stages"])
    assert ["In triage", "1"] in cells(found["stages"])
    assert ["Spring <round>", "2.5", "6"] in cells(found["turnaround"])
    assert ["In triage", "10.0", "1"] in cells(found["time-in-stage"])
    assert ["NHS trust", "3", "1", "33%"] in cells(found["organisation-types"])
    assert ["None stated", "2", "0", "0%"] in cells(found["inequalities"])
    assert ["Hypertension case-finding and lipid management", "1", "1", "100%"] in cells(
        found["inequalities"]
    )
    assert "3 (33% succeeded)" in found["organisation-types"]  # a bar's value text


def _check_trend(key, root, small, table):
    """A trend: 12 months in the chart's description and the table, one small chart per
    workstream column of the table, each its own named image."""
    head = table.pop(next(iter(table)))  # "Month": "All ideas", then each workstream
    assert list(table)[-1] == "March 2026 (so far)" and len(table) == 12
    desc = root.find(f"{SVG}desc").text
    assert all(month in desc for month in table)
    assert head[0] == "All ideas" and len(small) == len(head) - 1
    for n, svg in enumerate(small, start=1):
        chart = ET.fromstring(svg)
        assert chart.get("role") == "img" and chart.find(f"{SVG}title").get("id") == (
            f"chart-{key}-{n}-title"
        )


def test_trends_count_this_months_ideas_and_decisions(pipeline, lead_client):
    found = sections(lead_client.get("/pipeline/dashboard").get_data(as_text=True))
    submitted = {row[0]: row[1:] for row in cells(found["submitted"]) if row}
    # six ideas this month: one with no workstream, one in two (counted in both)
    assert submitted["March 2026 (so far)"] == ["6", "1", "4", "1", "0", "0", "1"]
    assert submitted["February 2026"] == ["0"] * 7
    decided = {row[0]: row[1:] for row in cells(found["time-to-decision"]) if row}
    # declined on day 4 and shortlisted on day 10, each since submission on day 0
    assert decided["March 2026 (so far)"][:3] == ["7.0 (2)", "–", "7.0 (2)"]
    assert decided["February 2026"][0] == "–"
    assert "Time to decision: median days" in found["time-to-decision"]


def test_html_in_names_is_escaped_in_charts_and_tables(pipeline, lead_client):
    html = lead_client.get("/pipeline/dashboard").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<round>" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Acme&#34; Ltd"
    part = sections(html)["organisations"]
    svg = re.search(r"<svg.*?</svg>", part, re.S).group()
    table = part[part.index("<table") :]
    assert escaped in svg and escaped in table
    assert HOSTILE in [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]


@pytest.mark.parametrize("role", [Role.INNOVATOR, Role.PANEL_MEMBER, Role.ADMIN])
def test_dashboard_is_for_programme_leads_only(client_for, role):
    assert client_for(role).get("/pipeline/dashboard").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/pipeline/dashboard")
    assert response.status_code == 302 and "/sign-in" in response.location


def test_an_empty_pipeline_says_so(lead_client):
    html = lead_client.get("/pipeline/dashboard").get_data(as_text=True)
    found = sections(html)
    assert len(found) == 9
    assert not any("<svg" in part or "<table" in part for part in found.values())
    assert "No ideas have been submitted yet." in html
    assert "No reviews have been submitted yet." in html
    assert "No ideas were submitted in the last 12 months." in html
    assert "No ideas were decided in the last 12 months." in html


def test_bar_chart_escapes_labels_and_scales_bars():
    svg = bar_chart(
        "c",
        "A <title>",
        "About & more.",
        [Bar("<b>one</b>", (2, 2), "4"), Bar("two", (1, 0), "1"), Bar("x" * 100, (0, 0), "0")],
        series=["First", "Second"],
    )
    root = ET.fromstring(str(svg))
    assert root.find(f"{SVG}title").text == "A <title>"
    assert (
        root.find(f"{SVG}desc").text == "About & more. <b>one</b>: 4; two: 1; " + "x" * 100 + ": 0."
    )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:2] == ["First", "Second"] and "<b>one</b>" in texts
    assert "x" * 79 + "…" in texts  # long labels are shortened in the chart only
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("height") == "22"]
    assert widths[0] == widths[1] == 2 * widths[2]  # stacked segments share one scale


def test_column_chart_escapes_labels_and_draws_to_the_given_scale():
    columns = [
        Column("<b>Jan</b>", 2, "2 ideas", name="January <2026>"),
        Column("Feb", None, "No decisions", short="–"),
        Column("Mar", 4, "4 ideas", note="2026"),
    ]
    root = ET.fromstring(str(column_chart("c", "A <title>", "About & more.", columns, scale=8)))
    assert root.find(f"{SVG}title").text == "A <title>"
    assert root.find(f"{SVG}desc").text == (
        "About & more. January <2026>: 2 ideas; Feb: No decisions; Mar: 4 ideas."
    )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<b>Jan</b>" in texts and "–" in texts and "2026" in texts
    heights = [float(r.get("height")) for r in root.iter(f"{SVG}rect")]
    assert heights == [37.5, 75.0]  # 2 and 4 of a full bar's 8; none for no data
