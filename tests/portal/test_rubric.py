"""Leads edit the rubric as new versions; past versions (and so past reviews) never change."""

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.reviews.models import Criterion, Rubric
from portal.reviews.rubric import (
    CriterionEdit,
    RubricError,
    current_rubric,
    new_rubric_version,
    rubric_version,
)

NOTE = "Inequalities matter more to the programme board this year"


def form_for_current(query, **changes):
    """The edit form as a lead would post it unchanged, then with `changes` applied."""

    def build():
        rubric = current_rubric()
        data = {"base_version": str(rubric.version), "note": NOTE}
        for i, c in enumerate(rubric.criteria):
            prefix = f"criteria-{i}-"
            data |= {
                prefix + "key": c.key,
                prefix + "name": c.name,
                prefix + "description": c.description,
                prefix + "weight": f"{c.weight:g}",
            }
            data |= {f"{prefix}anchor_{p}": c.anchors[p] for p in "12345"}
        return data

    return query(build) | changes


def row_values(criterion):
    return {column.name: getattr(criterion, column.key) for column in Criterion.__table__.columns}


def rubric_count(query):
    return query(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(Rubric)))


def test_version_one_is_seeded_with_twelve_criteria(query):
    rubric = query(current_rubric)
    assert rubric.version == 1
    assert len(rubric.criteria) == 12
    assert rubric.criteria[0].key == "inequalities"
    assert set(rubric.criteria[0].anchors) == {"1", "2", "3", "4", "5"}


@pytest.mark.parametrize("role", [Role.PROGRAMME_LEAD, Role.PANEL_MEMBER])
def test_leads_and_panel_members_read_the_rubric(client_for, role):
    html = client_for(role).get("/rubric").get_data(as_text=True)
    assert "Scoring rubric" in html and "Version 1 (current)" in html
    assert "Addressing inequalities" in html
    assert "Designed around a group with unequal harm" in html  # an anchor
    assert "8.3%" in html  # 12 equal weights
    assert ("Edit the rubric" in html) is (role is Role.PROGRAMME_LEAD)


def test_others_cannot_read_or_edit_the_rubric(innovator_client, panel_client, client, query):
    assert innovator_client.get("/rubric").status_code == 403
    assert innovator_client.get("/rubric/1").status_code == 403
    assert panel_client.get("/rubric/edit").status_code == 403
    assert panel_client.post("/rubric/edit", data=form_for_current(query)).status_code == 403
    assert client.get("/rubric").status_code == 302  # to sign in
    assert rubric_count(query) == 1


def test_unknown_version_is_404(lead_client):
    assert lead_client.get("/rubric/99").status_code == 404


def test_edit_page_shows_every_criterion(lead_client):
    html = lead_client.get("/rubric/edit").get_data(as_text=True)
    assert html.count('name="criteria-') >= 12 * 7
    assert 'name="criteria-11-key" value="' in html
    assert "Save as version 2" in html and "What changed and why" in html


def test_editing_makes_version_two_and_leaves_version_one_untouched(lead_client, query):
    before = query(lambda: [row_values(c) for c in rubric_version(1).criteria])
    data = form_for_current(
        query,
        **{
            "criteria-0-weight": "2",
            "criteria-0-anchor_1": "Ignores who is least safe now",
            "criteria-1-name": "Co-design with patients and carers",
        },
    )
    response = lead_client.post("/rubric/edit", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/rubric"

    assert query(lambda: [row_values(c) for c in rubric_version(1).criteria]) == before
    latest = query(current_rubric)
    assert latest.version == 2 and latest.note == NOTE
    assert latest.created_by_id == lead_client.user.id
    assert [c.key for c in latest.criteria] == [c["key"] for c in before]
    assert {c.id for c in latest.criteria}.isdisjoint({c["id"] for c in before})
    first, second = latest.criteria[:2]
    assert first.weight == 2.0 and first.anchors["1"] == "Ignores who is least safe now"
    assert first.anchors["5"] == before[0]["anchors"]["5"]
    assert second.name == "Co-design with patients and carers"

    page = lead_client.get("/rubric").get_data(as_text=True)
    assert "Version 2 of the rubric is saved" in page and "Version 2 (current)" in page
    assert "15.4%" in page and "7.7%" in page  # 2/13 and 1/13
    old = lead_client.get("/rubric/1").get_data(as_text=True)
    assert "This is not the current rubric" in old
    assert "No consideration of who is less safe now" in old
    event = query(
        lambda: db.session.scalars(
            sa.select(AuditEvent).filter_by(action="rubric.version_created")
        ).one()
    )
    assert event.actor_id == lead_client.user.id
    assert event.details["changed"] == ["inequalities", "co_design"]
    assert event.details["based_on"] == 1


def test_leads_retire_and_add_criteria_with_stable_keys(lead_client, query):
    data = form_for_current(
        query,
        **{
            "criteria-3-retire": "y",  # Patient safety networks
            "criteria-3-weight": "not looked at when retiring",
            "new-name": "Networks",
            "new-description": "Does it build a network beyond the pilot site?",
            "new-weight": "0.5",
            **{f"new-anchor_{p}": f"Networks, score {p}" for p in "12345"},
        },
    )
    assert lead_client.post("/rubric/edit", data=data).status_code == 302
    latest = query(current_rubric)
    keys = [c.key for c in latest.criteria]
    assert "networks" not in keys[:-1]
    assert keys[-1] == "networks_2"  # a retired key is never given to a different criterion
    assert len(keys) == 12 and latest.criteria[-1].weight == 0.5
    assert latest.criteria[-1].is_enabler is False
    assert len(query(lambda: rubric_version(1).criteria)) == 12


BAD_EDITS = [
    ({"criteria-0-weight": "-1"}, "Weight must be 0 or more"),
    ({"criteria-0-weight": "lots"}, "Weight must be a number, like 1 or 0.5"),
    ({"criteria-0-weight": "101"}, "Weight must be 100 or less"),
    (
        {f"criteria-{i}-weight": "0" for i in range(12)},
        "At least one criterion must have a weight greater than 0",
    ),
    ({"criteria-2-anchor_3": "   "}, "Safety culture: Enter what a score of 3 means"),
    ({"criteria-0-name": "x" * 121}, "Name must be 120 characters or fewer"),
    ({"criteria-0-anchor_1": "x" * 201}, "What a score of 1 means must be 200 characters or fewer"),
    ({"criteria-0-description": ""}, "Enter a description"),
    (
        {"criteria-0-key": "bribery", "criteria-0-weight": "3"},
        "The form did not match the current rubric",
    ),
    ({"criteria-12-key": "inequalities", "criteria-12-name": "Again"}, "The form did not match"),
    ({"criteria-1-name": "Addressing inequalities"}, "Two criteria cannot have the same name"),
    ({"note": ""}, "Say what changed and why"),
    ({"new-name": "Cost"}, "New criterion: Enter a description"),
    ({}, "You have not changed any criteria"),
    ({"base_version": "0", "criteria-0-weight": "3"}, "Someone else saved a new version"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_EDITS)
def test_bad_edits_are_refused_and_nothing_is_saved(lead_client, query, changes, message):
    data = form_for_current(query, **changes)
    if "criteria-12-key" in changes:
        data |= {"criteria-12-description": "d", "criteria-12-weight": "1"}
        data |= {f"criteria-12-anchor_{p}": "a" for p in "12345"}
    before = query(lambda: [row_values(c) for c in rubric_version(1).criteria])
    response = lead_client.post("/rubric/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert "<title>Error: Edit the rubric" in html
    assert rubric_count(query) == 1
    assert query(lambda: [row_values(c) for c in rubric_version(1).criteria]) == before


def test_html_typed_into_the_rubric_is_shown_escaped(lead_client, query):
    script = "<script>alert('x')</script>"
    data = form_for_current(
        query, **{"criteria-0-name": "Equity " + script, "criteria-0-anchor_2": script}
    )
    lead_client.post("/rubric/edit", data=data)
    for path in ("/rubric", "/rubric/edit"):
        html = lead_client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    refused = lead_client.post(
        "/rubric/edit", data=form_for_current(query, **{"criteria-1-name": script + "x" * 120})
    ).get_data(as_text=True)
    assert "<script>alert" not in refused


def test_service_refuses_weights_that_are_not_finite_numbers(app, create_user, query):
    lead = create_user(roles=(Role.PROGRAMME_LEAD,))
    with app.test_request_context():
        for weight in (float("nan"), float("inf"), True):
            edit = CriterionEdit(
                key="inequalities",
                name="Addressing inequalities",
                description="Fair?",
                weight=weight,
                anchors={p: "a" for p in "12345"},
            )
            with pytest.raises(RubricError, match="weight must be a number"):
                new_rubric_version(lead, [edit], NOTE)
            db.session.rollback()
    assert rubric_count(query) == 1
