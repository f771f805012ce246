"""The horizon-scanning inbox: triage, stored relevance, the stopping panel, and access."""

import re

import pytest
import sqlalchemy as sa

from portal.audit import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon import triage
from portal.horizon.models import ItemStatus, ScannedItem, ScreeningRequest
from portal.horizon.stopping import stopping_signs
from scoring import irrelevant_run, stopping_rule
from tests.portal.horizon_helpers import MATERNITY, OTHER, add_items


def item_states(query):
    def load():
        rows = db.session.execute(
            sa.select(ScannedItem.title, ScannedItem.status).order_by(ScannedItem.id)
        )
        return {title: status for title, status in rows}

    return query(load)


def inbox_order(client, **args):
    """The titles of the inbox's items, top first."""
    html = client.get("/horizon/inbox", query_string=args).get_data(as_text=True)
    return re.findall(r'id="item-\d+-title"><a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def pool(app, connection):
    """Four maternity items and four unrelated ones, interleaved, scored cold."""
    pairs = [pair for both in zip(MATERNITY, OTHER, strict=True) for pair in both]
    ids = add_items(app, pairs)
    with app.app_context():
        triage.rescore_items(inline=True)
        db.session.commit()
    return dict(zip([title for title, _ in pairs], ids, strict=True))


@pytest.mark.parametrize(
    ("roles", "status"),
    [((Role.INNOVATOR,), 403), ((Role.PANEL_MEMBER,), 403), ((Role.ADMIN,), 403)],
)
def test_only_leads_triage(client_for, pool, roles, status):
    client = client_for(*roles)
    assert client.get("/horizon/inbox").status_code == status
    item = next(iter(pool.values()))
    assert (
        client.post("/horizon/inbox/triage", data={"decide": f"{item}:relevant"}).status_code
        == status
    )
    assert client.get(f"/horizon/items/{item}/promote").status_code == status
    assert client.get("/horizon/digest").status_code == status


def test_admins_see_items_but_do_not_triage(admin_client, pool):
    item = next(iter(pool.values()))
    page = admin_client.get(f"/horizon/items/{item}")
    assert page.status_code == 200
    assert "Promote to the pipeline" not in page.get_data(as_text=True)
    assert admin_client.get("/horizon/feeds").status_code == 200


def test_cold_start_ranks_by_workstream_descriptions(lead_client, pool):
    order = inbox_order(lead_client)
    assert len(order) == 8
    # Before any decision the maternity items (like the maternity workstream's description)
    # come before the estates and catering ones.
    assert set(order[:4]) == {title for title, _ in MATERNITY}


def test_triage_one_item_records_and_audits_it(lead_client, pool, query):
    title = OTHER[0][0]
    response = lead_client.post(
        "/horizon/inbox/triage",
        data={"decide": f"{pool[title]}:not_relevant", "back": "/horizon/inbox?order=uncertain"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/horizon/inbox?order=uncertain"
    assert item_states(query)[title] is ItemStatus.NOT_RELEVANT
    assert title not in inbox_order(lead_client)

    def audit():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "scanned_item.not_relevant")
        )
        item = db.session.get(ScannedItem, pool[title])
        return event.actor_id, event.object_id, item.triaged_by_id, item.triaged_at is not None

    actor, object_id, triaged_by, dated = query(audit)
    assert actor == triaged_by == lead_client.user.id
    assert object_id == str(pool[title]) and dated


def test_bulk_triage_marks_every_selected_item(lead_client, pool, query):
    chosen = [pool[title] for title, _ in OTHER[:3]]
    response = lead_client.post(
        "/horizon/inbox/triage",
        data={"item": [str(i) for i in chosen], "action": "not_relevant", "bulk": "1"},
        follow_redirects=True,
    )
    assert "3 items marked not relevant." in response.get_data(as_text=True)
    states = item_states(query)
    assert [states[t] for t, _ in OTHER] == [ItemStatus.NOT_RELEVANT] * 3 + [ItemStatus.NEW]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"bulk": "1", "action": "not_relevant"}, "Select at least one item."),
        ({"bulk": "1", "action": "delete", "item": "1"}, "Choose &#39;Relevant&#39; or"),
    ],
)
def test_bad_triage_requests_say_why(lead_client, pool, data, message):
    response = lead_client.post("/horizon/inbox/triage", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_unknown_items_are_not_found(lead_client, pool):
    assert (
        lead_client.post("/horizon/inbox/triage", data={"decide": "999999:relevant"}).status_code
        == 404
    )
    assert (
        lead_client.post("/horizon/inbox/triage", data={"decide": "x:relevant"}).status_code == 404
    )
    assert lead_client.get("/horizon/items/999999").status_code == 404
    assert lead_client.get("/horizon/items/999999/promote").status_code == 404


def test_labels_change_the_ranking(lead_client, pool, query):
    """Marking the maternity items not relevant and an estates one relevant turns the order."""
    relevance = query(
        lambda: dict(db.session.execute(sa.select(ScannedItem.title, ScannedItem.relevance)).all())
    )
    assert relevance[MATERNITY[3][0]] > relevance[OTHER[3][0]]
    maternity = [str(pool[t]) for t, _ in MATERNITY[:3]]
    lead_client.post(
        "/horizon/inbox/triage", data={"item": maternity, "action": "not_relevant", "bulk": "1"}
    )
    lead_client.post("/horizon/inbox/triage", data={"decide": f"{pool[OTHER[0][0]]}:relevant"})
    after = query(
        lambda: dict(db.session.execute(sa.select(ScannedItem.title, ScannedItem.relevance)).all())
    )
    assert after[OTHER[3][0]] > after[MATERNITY[3][0]]
    assert inbox_order(lead_client)[0] != MATERNITY[3][0]


def test_uncertain_first_orders_by_closeness_to_even_odds(lead_client, pool, query):
    order = inbox_order(lead_client, order="uncertain")
    relevance = query(
        lambda: dict(db.session.execute(sa.select(ScannedItem.title, ScannedItem.relevance)).all())
    )
    distances = [abs(relevance[t] - 0.5) for t in order]
    assert distances == sorted(distances)


def test_filters_by_workstream_source_and_date(app, lead_client, pool):
    from datetime import UTC, datetime

    add_items(
        app,
        [
            (
                "Midwife staffing and maternal outcomes",
                "Midwife staffing levels on labour wards and harm to mothers and babies.",
            )
        ],
        feed_name="Other feed",
        published=datetime(2026, 3, 1, tzinfo=UTC),
    )
    with app.app_context():
        triage.rescore_items(inline=True)
        db.session.commit()
    maternity = inbox_order(lead_client, workstream="maternity_neonatal")
    assert maternity and all("car park" not in t.lower() for t in maternity)
    assert inbox_order(lead_client, since="2026-02-25") == [
        "Midwife staffing and maternal outcomes"
    ]
    from portal.horizon.models import Feed

    with app.app_context():
        other = db.session.scalar(sa.select(Feed.id).where(Feed.name == "Other feed"))
    assert inbox_order(lead_client, feed=other) == ["Midwife staffing and maternal outcomes"]


def test_stopping_panel_reports_the_rule_in_words(app, lead_client, pool, clock):
    """8 items; 2 relevant found first, then 5 not relevant in a row: the panel's numbers
    are those of `stopping_rule` over the decisions in the order they were made."""
    order = [MATERNITY[0], MATERNITY[1], *OTHER, MATERNITY[2]]
    decisions = [
        "relevant",
        "relevant",
        "not_relevant",
        "not_relevant",
        "not_relevant",
        "not_relevant",
        "not_relevant",
    ]
    for (title, _), decision in zip(order, decisions, strict=False):
        lead_client.post("/horizon/inbox/triage", data={"decide": f"{pool[title]}:{decision}"})
        clock.advance(minutes=1)
    html = lead_client.get("/horizon/inbox").get_data(as_text=True)
    expected = stopping_rule([1, 1, 0, 0, 0, 0, 0], 8)
    assert "You have screened 7 of 8 items and found 2 relevant." in html
    low, high = expected.remaining_interval
    if round(expected.estimated_remaining_relevant) == 0:
        assert f"Probably no relevant items (at most {high}) are still unseen." in html
    else:
        assert f"(between {low} and {high}) are probably still unseen" in html
    assert ("you can stop" in html) == expected.stop
    assert ("keep going. It is not yet 95% certain" in html) == (not expected.stop)
    # The earlier estimate: 5 not relevant in a row, against the run this pool needs.
    early = irrelevant_run([1, 1, 0, 0, 0, 0, 0], 8)
    assert early.run == 5 and not early.stop
    assert (
        f"The earlier estimate: keep going. {early.to_go} more not relevant in a row "
        f"({early.needed} in all) and it will say you could stop." in html
    )
    assert "The earlier estimate is not a guarantee. It was tried on 10 test reviews" in html


def test_stopping_panel_says_the_estimate_would_stop_after_a_long_run(
    app, lead_client, connection, clock
):
    """60 items: one relevant, then 50 not relevant in a row (the least run any pool needs).
    The estimate says the lead could stop; the guarantee, with 9 unseen, still says keep going."""
    ids = add_items(app, [(f"Scanned item number {n}", f"Summary {n}") for n in range(60)])
    with app.app_context():
        for n, item_id in enumerate(ids[:51]):
            item = db.session.get(ScannedItem, item_id)
            item.status = ItemStatus.RELEVANT if n == 0 else ItemStatus.NOT_RELEVANT
            item.triaged_at = clock()
            clock.advance(minutes=1)
        db.session.commit()
        signs = stopping_signs()
    assert (signs.early.stop, signs.early.run, signs.early.needed) == (True, 50, 50)
    assert not signs.guarantee.stop
    html = lead_client.get("/horizon/inbox").get_data(as_text=True)
    assert (
        "The earlier estimate: you could probably stop. The last 50 items you screened were "
        "not relevant (it asks for 50 in a row)." in html
    )
    assert "The guarantee: keep going. It is not yet 95% certain" in html


def test_stopping_estimate_follows_triage_order(app, pool, create_user, clock):
    from portal.auth.models import User

    lead = create_user(roles=(Role.PROGRAMME_LEAD,))
    with app.test_request_context():
        user = db.session.get(User, lead.id)
        assert stopping_signs() is None
        for title, _ in MATERNITY:
            triage.triage_item(db.session.get(ScannedItem, pool[title]), user, "relevant")
            clock.advance(minutes=1)
        for title, _ in OTHER:
            triage.triage_item(db.session.get(ScannedItem, pool[title]), user, "not_relevant")
            clock.advance(minutes=1)
        result = stopping_signs().guarantee
        assert (result.n_screened, result.n_total, result.relevant_found) == (8, 8, 4)
        assert stopping_signs().early.relevant_found == 4


def test_shortcuts_toggle_is_stored_per_user(lead_client, pool, query):
    page = lead_client.get("/horizon/inbox").get_data(as_text=True)
    assert 'data-shortcuts="on"' in page and "Keyboard shortcuts: on" in page
    lead_client.post("/horizon/inbox/shortcuts", data={"back": "/horizon/inbox"})
    page = lead_client.get("/horizon/inbox").get_data(as_text=True)
    assert 'data-shortcuts="off"' in page and "Keyboard shortcuts: off" in page
    assert 'src="/static/inbox.js"' in page or "inbox.js" in page


def test_large_pools_are_rescored_by_the_worker(app, lead_client, pool, runner, query, monkeypatch):
    monkeypatch.setitem(app.config, "SCREENING_INLINE_LIMIT", 0)
    before = query(lambda: db.session.get(ScannedItem, pool[OTHER[0][0]]).relevance)
    lead_client.post("/horizon/inbox/triage", data={"decide": f"{pool[OTHER[0][0]]}:relevant"})
    assert (
        query(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(ScreeningRequest)))
        == 1
    )
    assert query(lambda: db.session.get(ScannedItem, pool[OTHER[0][0]]).relevance) == before
    assert "being updated in the background" in lead_client.get("/horizon/inbox").get_data(
        as_text=True
    )
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "relevance rescored: 8 scanned items" in result.output
    assert (
        query(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(ScreeningRequest)))
        == 0
    )
    assert query(lambda: db.session.get(ScannedItem, pool[OTHER[0][0]]).relevance) > before


def test_section_navigation_starts_leads_at_the_inbox(lead_client, admin_client, pool):
    html = lead_client.get("/horizon/feeds").get_data(as_text=True)
    assert 'href="/horizon/inbox"' in html.split('aria-label="Horizon scanning"')[0]  # header
    section = html.split('aria-label="Horizon scanning"')[1].split("</nav>")[0]
    assert re.findall(r">(Inbox|Digest|Feeds|Scanned items)<", section) == [
        "Inbox",
        "Digest",
        "Feeds",
        "Scanned items",
    ]
    html = admin_client.get("/horizon/feeds").get_data(as_text=True)
    section = html.split('aria-label="Horizon scanning"')[1].split("</nav>")[0]
    assert re.findall(r">(Inbox|Digest|Feeds|Scanned items)<", section) == [
        "Feeds",
        "Scanned items",
    ]


INEQUALITIES_ITEM = (
    "Addressing inequalities in avoidable harm",
    "Care was made safer for the people least well served now: people in deprived areas "
    "and from ethnic minority groups had more avoidable harm, and tailored outreach "
    "narrowed these inequalities.",
)


def enabler_keys(app):
    from portal.reviews.rubric import current_rubric

    with app.app_context():
        return [c.key for c in current_rubric().criteria if c.is_enabler]


def test_every_item_is_scored_for_every_enabler(app, lead_client, pool, query):
    keys = enabler_keys(app)
    assert "inequalities" in keys
    scores = query(lambda: db.session.scalars(sa.select(ScannedItem.topic_relevance)).all())
    for topic_relevance in scores:
        assert {f"enabler:{key}" for key in keys} <= set(topic_relevance)
        assert "maternity_neonatal" in topic_relevance
    page = lead_client.get(f"/horizon/items/{next(iter(pool.values()))}").get_data(as_text=True)
    assert "By enabler" in page and "Addressing inequalities" in page


def test_inbox_filters_by_enabler(app, lead_client, pool):
    add_items(app, [INEQUALITIES_ITEM])
    with app.app_context():
        triage.rescore_items(inline=True)
        db.session.commit()
    page = lead_client.get("/horizon/inbox").get_data(as_text=True)
    assert '<select class="nhsuk-select" id="enabler" name="enabler">' in page
    shown = inbox_order(lead_client, enabler="inequalities")
    assert shown[0] == INEQUALITIES_ITEM[0]
    assert all("car park" not in title.lower() for title in shown)
    both = inbox_order(lead_client, enabler="inequalities", workstream="maternity_neonatal")
    assert set(both) <= set(shown) & set(inbox_order(lead_client, workstream="maternity_neonatal"))


def test_enabler_models_learn_from_not_relevant_items_and_panel_scores(
    app, lead_client, pool, create_user, create_organisation
):
    """Not relevant is 0 for every topic; a promoted item's enabler label follows the panel's
    submitted scores of its idea on that enabler."""
    from datetime import date, timedelta

    from portal.auth.models import User
    from portal.ideas.models import Idea
    from portal.reviews import rounds
    from tests.portal.decision_helpers import submit_review

    maternity, other = pool[MATERNITY[0][0]], pool[OTHER[0][0]]
    lead_client.post("/horizon/inbox/triage", data={"decide": f"{other}:not_relevant"})
    promoted = {"title": MATERNITY[0][0], "workstreams": "maternity_neonatal"}
    assert lead_client.post(f"/horizon/items/{maternity}/promote", data=promoted).status_code == 302
    member = create_user(
        roles=(Role.PANEL_MEMBER,), name="Panel Person", organisation=create_organisation("P")
    )
    lead = create_user(roles=(Role.PROGRAMME_LEAD,), name="Round Lead")
    with app.test_request_context():
        idea = db.session.scalar(sa.select(Idea).where(Idea.scanned_item_id == maternity))
        round_ = rounds.open_round(
            db.session.get(User, lead.id),
            name="Enabler panel",
            deadline=date.today() + timedelta(days=10),
            ideas=[idea],
            panel=[db.session.get(User, member.id)],
            reviews_per_idea=1,
            require_patient_partner=False,
        )
        assert rounds.auto_assign(round_, db.session.get(User, lead.id)).feasible
        db.session.commit()
        round_id, idea_id = round_.id, idea.id
    submit_review(app, round_id, idea_id, member.id, 4, 0, 0)
    with app.app_context():
        rows = db.session.execute(
            sa.select(ScannedItem.id, ScannedItem.status).order_by(ScannedItem.id)
        ).all()
        keys = [f"enabler:{key}" for key in enabler_keys(app)]
        labels = triage._topic_labels(rows, ["maternity_neonatal"], keys)
    at = {r.id: n for n, r in enumerate(rows)}
    for key in keys:
        assert labels[key][at[other]] == 0
        assert labels[key][at[maternity]] == 1  # scored 4 of 5 on every enabler
        assert labels[key][at[pool[MATERNITY[1][0]]]] is None
    assert labels["maternity_neonatal"][at[other]] == 0


def test_rescoring_hands_the_model_the_decisions_in_the_order_made(
    app, connection, clock, monkeypatch
):
    """One relevant item then 20 not relevant in a row: the screening model switches to its
    late classifier, which it can only tell from the order the decisions were made in."""
    from scoring import ScreeningModel

    ids = add_items(app, [(f"Scanned item number {n}", f"Summary {n} words") for n in range(30)])
    modes = []
    update = ScreeningModel.update

    def recording(self, labels, order=None):
        result = update(self, labels, order=order)
        modes.append((list(order) if order is not None else None, result.mode_))
        return result

    monkeypatch.setattr(ScreeningModel, "update", recording)
    with app.app_context():
        # Decided in reverse id order, so the order made is not the order stored.
        for n, item_id in enumerate(reversed(ids[:21])):
            item = db.session.get(ScannedItem, item_id)
            item.status = ItemStatus.RELEVANT if n == 0 else ItemStatus.NOT_RELEVANT
            item.triaged_at = clock()
            clock.advance(minutes=1)
        db.session.commit()
        triage.compute_relevance()
    # The per-topic models (`TopicScreening`) are updated without an order and never switch.
    [(order, mode)] = [(order, mode) for order, mode in modes if order is not None]
    assert order == list(range(20, -1, -1))
    assert mode == "late"
