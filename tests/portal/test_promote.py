"""Promoting scanned items into the pipeline, the evidence radar, and the weekly digest."""

import re
from datetime import timedelta

import feedparser
import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon import triage
from portal.horizon.models import ItemStatus, ScannedItem
from portal.ideas import services
from portal.ideas.lifecycle import IdeaState
from portal.ideas.models import Idea, IdeaEvent, IdeaSource
from tests.portal.horizon_helpers import MATERNITY, OTHER, add_items

PROMOTE = {"title": "Promoted from the literature", "workstreams": ["maternity_neonatal"]}
SEPSIS_ITEM = (
    "Sepsis screening prompts for district nurses visiting patients at home",
    "A sepsis screening prompt on the community nursing visit app reminded district nurses "
    "to screen housebound patients for sepsis; missed sepsis fell.",
)


@pytest.fixture
def pool(app, connection, clock):
    pairs = [*MATERNITY, *OTHER, SEPSIS_ITEM]
    ids = add_items(app, pairs, published=clock.now - timedelta(days=2), seen=clock.now)
    with app.app_context():
        triage.rescore_items(inline=True)
        db.session.commit()
    return dict(zip([title for title, _ in pairs], ids, strict=True))


def test_promote_page_lists_near_duplicates_first(lead_client, pool, create_idea):
    existing = create_idea()  # "Sepsis screening prompts for community nurses"
    html = lead_client.get(f"/horizon/items/{pool[SEPSIS_ITEM[0]]}/promote").get_data(as_text=True)
    similar = html.index("Similar ideas already in the pipeline")
    listed = html.index(existing.reference)
    assert similar < listed < html.index("The idea that will be created")
    assert re.search(r"\((very similar|similar|somewhat similar);", html)


EDITED = "Quantified blood loss after birth on labour wards"


def checked(html) -> list[str]:
    """The workstreams checked on a promote page."""
    return re.findall(r'name="workstreams" type="checkbox" value="(\w+)" checked', html)


def test_promoting_makes_an_idea_in_triage(lead_client, pool, query):
    item_id = pool[MATERNITY[0][0]]
    page = lead_client.get(f"/horizon/items/{item_id}/promote").get_data(as_text=True)
    assert f'value="{MATERNITY[0][0]}"' in page  # the title, prefilled to edit
    assert checked(page) == ["maternity_neonatal"]
    response = lead_client.post(
        f"/horizon/items/{item_id}/promote",
        data={"title": f"  {EDITED} ", "workstreams": ["maternity_neonatal", "system_safety"]},
    )
    assert response.status_code == 302

    def load():
        idea = db.session.scalar(sa.select(Idea).where(Idea.scanned_item_id == item_id))
        item = db.session.get(ScannedItem, item_id)
        kinds = db.session.scalars(
            sa.select(IdeaEvent.kind).where(IdeaEvent.idea_id == idea.id).order_by(IdeaEvent.id)
        ).all()
        actions = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.details).where(
                AuditEvent.action.in_(["idea.promoted", "scanned_item.promoted"])
            )
        ).all()
        actions = {action: details for action, details in actions}
        return (
            idea.reference,
            idea.source,
            idea.state,
            idea.owner_id,
            idea.promoted_by_id,
            idea.title,
            "10.5555/" in (idea.evidence or ""),
            [w.key for w in idea.workstreams],
            item.status,
            kinds,
            actions,
        )

    (
        reference,
        source,
        state,
        owner,
        promoted_by,
        title,
        doi,
        workstreams,
        status,
        kinds,
        actions,
    ) = query(load)
    assert response.headers["Location"] == f"/ideas/{reference}"
    assert (source, state, owner) == (IdeaSource.HORIZON_SCAN, IdeaState.IN_TRIAGE, None)
    assert promoted_by == lead_client.user.id
    assert title == EDITED and doi
    assert workstreams == ["maternity_neonatal", "system_safety"]
    assert status is ItemStatus.PROMOTED
    assert kinds == ["promoted", "accepted"]
    assert sorted(actions) == ["idea.promoted", "scanned_item.promoted"]
    assert actions["idea.promoted"]["title"] == EDITED
    assert actions["idea.promoted"]["workstreams"] == workstreams

    # The promoting lead sees it in triage and in the pipeline, and on its page where it came from.
    assert reference in lead_client.get("/triage").get_data(as_text=True)
    assert reference in lead_client.get("/pipeline").get_data(as_text=True)
    page = lead_client.get(f"/ideas/{reference}").get_data(as_text=True)
    assert "Found by horizon scanning" in page
    assert f'href="/horizon/items/{item_id}"' in page
    assert "Ask the innovator a question" not in page  # there is no innovator to ask
    assert "The innovator will see this reason" not in page
    assert "Recorded with the decision for the programme team" in page
    # A decision on it never claims to have told an innovator: there is none.
    decided = lead_client.post(
        f"/ideas/{reference}/decide",
        data={"target": "declined", "rationale": "Out of scope for the programme."},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"You moved {reference} to" in decided
    assert "innovator has been told" not in decided
    # Promoting again is refused with a message.
    again = lead_client.post(f"/horizon/items/{item_id}/promote", data=PROMOTE)
    assert again.status_code == 409
    assert "already been promoted" in again.get_data(as_text=True)


def test_promoting_skips_a_reference_number_taken_meanwhile(
    lead_client, pool, create_idea, query, monkeypatch
):
    taken = create_idea().reference
    real, offered = services._next_reference, []

    def racing(now):  # another request took the number this one was about to use
        offered.append(taken if not offered else real(now))
        return offered[-1]

    monkeypatch.setattr(services, "_next_reference", racing)
    item_id = pool[MATERNITY[0][0]]
    response = lead_client.post(f"/horizon/items/{item_id}/promote", data=PROMOTE)
    assert response.status_code == 302
    reference = query(
        lambda: db.session.scalar(sa.select(Idea.reference).where(Idea.scanned_item_id == item_id))
    )
    assert offered == [taken, reference] and reference != taken
    assert response.headers["Location"] == f"/ideas/{reference}"


def test_related_literature_on_the_idea_page(lead_client, pool, create_idea):
    idea = create_idea(triage=True)
    html = lead_client.get(f"/ideas/{idea.reference}").get_data(as_text=True)
    section = html[html.index("Related literature") :]
    assert f'href="/horizon/items/{pool[SEPSIS_ITEM[0]]}"' in section
    assert OTHER[0][0] not in section  # below the similarity floor


def test_related_ideas_on_the_item_page_respect_conflicts(
    app, client_for, pool, create_idea, create_organisation, create_user, sign_in
):
    trust = create_organisation("Northshire Community Health NHS Trust")
    idea = create_idea(owner=create_user(organisation=trust), triage=True)
    item_page = f"/horizon/items/{pool[SEPSIS_ITEM[0]]}"
    lead = client_for(Role.PROGRAMME_LEAD)
    assert idea.reference in lead.get(item_page).get_data(as_text=True)
    conflicted = client_for(Role.PROGRAMME_LEAD, organisation=trust)
    html = conflicted.get(item_page).get_data(as_text=True)
    assert idea.reference not in html
    assert "No idea you can see is similar" in html


def test_digest_page_and_private_atom_feed(lead_client, client, pool, query):
    page = lead_client.get("/horizon/digest").get_data(as_text=True)
    assert "Maternity and Neonatal" in page
    maternity = page[page.index("Maternity and Neonatal") :]
    assert MATERNITY[0][0] in maternity[: maternity.index("</ol>")]
    assert "Make my feed address" in page

    lead_client.post("/horizon/digest/token")
    page = lead_client.get("/horizon/digest").get_data(as_text=True)
    url = re.search(r'href="(http://localhost/horizon/digest/[^"]+\.atom)"', page).group(1)
    response = client.get(url)  # no session: feed readers do not sign in
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    titles = [entry.title for entry in parsed.entries]
    assert MATERNITY[0][0] in titles
    assert all(entry.link.startswith("http://localhost/horizon/items/") for entry in parsed.entries)

    assert client.get("/horizon/digest/wrong-token.atom").status_code == 404
    lead_client.post("/horizon/digest/token")  # a new address: the old one stops working
    assert client.get(url).status_code == 404


def test_a_promoted_idea_is_offered_workstreams_never_enablers(app, lead_client, pool):
    """Enabler scores sit beside workstream scores on the item; however high, they are not
    workstreams offered for the new idea."""
    item_id = pool[MATERNITY[1][0]]
    with app.app_context():
        item = db.session.get(ScannedItem, item_id)
        item.topic_relevance = {
            "maternity_neonatal": 0.6,
            "medicines_safety": 0.1,
            "enabler:measurement": 0.99,
        }
        db.session.commit()
    page = lead_client.get(f"/horizon/items/{item_id}/promote").get_data(as_text=True)
    assert checked(page) == ["maternity_neonatal"]
    offered = re.findall(r'name="workstreams" type="checkbox" value="(\w+)"', page)
    assert "measurement" not in offered and "maternity_neonatal" in offered


def test_bad_promotion_input_is_refused_and_kept(lead_client, pool, query):
    item_id = pool[MATERNITY[1][0]]
    blank = lead_client.post(f"/horizon/items/{item_id}/promote", data={"title": "  "})
    html = blank.get_data(as_text=True)
    assert blank.status_code == 400
    assert "Enter a title for the idea" in html and "Choose at least one workstream" in html
    long_title = "Fetal monitoring " * 10
    too_long = lead_client.post(
        f"/horizon/items/{item_id}/promote",
        data={"title": long_title, "workstreams": ["medicines_safety"]},
    )
    html = too_long.get_data(as_text=True)
    assert too_long.status_code == 400
    assert "Title must be 150 characters or fewer" in html
    assert f'value="{long_title.strip()}"' in html  # what was typed is kept
    assert checked(html) == ["medicines_safety"]
    made = sa.select(sa.func.count()).select_from(Idea).where(Idea.scanned_item_id == item_id)
    assert query(lambda: db.session.scalar(made)) == 0
