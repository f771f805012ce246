"""Adding a scanned item to an idea already in the pipeline as evidence, and removing it."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon import triage
from portal.horizon.models import ItemEvidence, ItemStatus, ScannedItem
from portal.ideas.models import IdeaEvent
from portal.ideas.reference import format_reference
from tests.portal.horizon_helpers import OTHER, add_items

SEPSIS = (
    "Sepsis screening prompts for district nurses visiting patients at home",
    "A sepsis screening prompt on the community nursing visit app reminded district nurses "
    "to screen housebound patients for sepsis; missed sepsis fell.",
)


@pytest.fixture
def items(app, connection, clock):
    ids = add_items(app, [SEPSIS, *OTHER[:2]], published=clock.now - timedelta(days=2))
    with app.app_context():
        triage.rescore_items(inline=True)
        db.session.commit()
    return ids


def state(query, item_id):
    def load():
        item = db.session.get(ScannedItem, item_id)
        links = db.session.scalars(sa.select(ItemEvidence).where(ItemEvidence.item_id == item_id))
        actions = db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "scanned_items", AuditEvent.object_id == str(item_id))
            .order_by(AuditEvent.id)
        )
        kinds = db.session.scalars(sa.select(IdeaEvent.kind).where(IdeaEvent.kind.like("evid%")))
        return item.status, [link.idea.reference for link in links], list(actions), list(kinds)

    return query(load)


def test_a_similar_idea_takes_the_item_as_evidence_and_gives_it_back(
    lead_client, items, create_idea, query
):
    idea = create_idea(triage=True)  # "Sepsis screening prompts for community nurses"
    item_id = items[0]
    page = lead_client.get(f"/horizon/items/{item_id}/promote").get_data(as_text=True)
    assert f'href="/horizon/items/{item_id}/evidence"' in page  # the control promote offers
    form = lead_client.get(f"/horizon/items/{item_id}/evidence").get_data(as_text=True)
    assert f'value="{idea.reference}"' in form and "Another idea" in form

    added = lead_client.post(f"/horizon/items/{item_id}/evidence", data={"idea": idea.reference})
    assert added.status_code == 302
    assert added.headers["Location"] == f"/ideas/{idea.reference}#evidence-items"
    assert state(query, item_id) == (
        ItemStatus.EVIDENCE,
        [idea.reference],
        ["scanned_item.added_as_evidence"],
        ["evidence_added"],
    )
    # On the idea's page it is evidence, not merely similar; it left the inbox; the item
    # page names the idea.
    html = lead_client.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    literature = html[html.index('id="related-literature"') :]
    evidence = literature[: literature.index("Similar scanned items")]
    assert f'href="/horizon/items/{item_id}"' in evidence
    assert f'href="/horizon/items/{item_id}"' not in literature[len(evidence) :]
    assert f'id="item-{item_id}"' not in lead_client.get("/horizon/inbox").get_data(as_text=True)
    item_page = lead_client.get(f"/horizon/items/{item_id}").get_data(as_text=True)
    assert "Added to an idea as evidence by" in item_page
    assert f"{idea.reference}: <bdi>" in item_page
    again = lead_client.post(f"/horizon/items/{item_id}/evidence", data={"idea": idea.reference})
    assert again.status_code == 409
    assert f"already evidence for {idea.reference}" in again.get_data(as_text=True)

    removed = lead_client.post(f"/horizon/items/{item_id}/evidence/{idea.reference}/remove")
    assert removed.headers["Location"] == f"/ideas/{idea.reference}#related-literature"
    status, links, actions, kinds = state(query, item_id)
    assert (status, links, kinds) == (ItemStatus.NEW, [], ["evidence_added", "evidence_removed"])
    assert actions[-1] == "scanned_item.evidence_removed"
    assert f'id="item-{item_id}"' in lead_client.get("/horizon/inbox").get_data(as_text=True)


def test_any_idea_by_reference_and_bad_input(lead_client, items, create_idea, create_user, query):
    idea = create_idea(triage=True, title="Catering waste audit", summary="Food waste.")
    draft = create_idea(submit=False)
    item_id = items[1]  # "Car park lighting survey": no similar idea is offered
    url = f"/horizon/items/{item_id}/evidence"
    form = lead_client.get(url).get_data(as_text=True)
    assert "Another idea" not in form and "Reference of the idea" in form

    def refused(reference, status=400):
        response = lead_client.post(url, data={"reference": reference})
        assert response.status_code == status
        return response.get_data(as_text=True)

    assert "Enter the reference of the idea" in refused("")
    assert "check each digit" in refused(idea.reference[:-1] + str(9 - int(idea.reference[-1])))
    unknown = format_reference("2601", 9999)
    assert f"No idea you can see has the reference {unknown}" in refused(unknown)
    # a draft is as unknown to a lead as a reference nobody holds
    assert f"No idea you can see has the reference {draft.reference}" in refused(draft.reference)
    assert state(query, item_id)[:2] == (ItemStatus.NEW, [])

    added = lead_client.post(url, data={"reference": f" {idea.reference.lower()} "})
    assert added.status_code == 302
    assert state(query, item_id)[:2] == (ItemStatus.EVIDENCE, [idea.reference])


def test_a_conflicted_lead_may_neither_add_nor_remove(
    app, client_for, lead_client, items, create_idea, create_organisation, create_user
):
    trust = create_organisation("Northshire Community Health NHS Trust")
    idea = create_idea(owner=create_user(organisation=trust), triage=True)
    conflicted = client_for(Role.PROGRAMME_LEAD, organisation=trust)
    item_id = items[0]
    url = f"/horizon/items/{item_id}/evidence"
    # the similar idea is not offered to them, and typing its reference is refused
    assert idea.reference not in conflicted.get(url).get_data(as_text=True)
    refused = conflicted.post(url, data={"idea": "another", "reference": idea.reference})
    assert refused.status_code == 409
    assert "conflict of interest" in refused.get_data(as_text=True)

    assert lead_client.post(url, data={"idea": idea.reference}).status_code == 302
    remove = f"{url}/{idea.reference}/remove"
    assert conflicted.post(remove).status_code == 403
    page = conflicted.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    assert f'href="/horizon/items/{item_id}"' in page and remove not in page
    assert lead_client.post(f"{url}/{format_reference('2601', 9999)}/remove").status_code == 404
