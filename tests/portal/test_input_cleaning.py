"""Text input is cleaned once: control characters are refused (a form error, or 400 or 404 in
an address, never a 500), invisible direction and zero-width characters are taken out of names
and titles, and people's names and idea titles are shown inside <bdi>."""

import importlib
import inspect
import pkgutil
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.fields import FieldList, FormField

import portal
from portal.auth.models import Organisation, User
from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon.models import Feed, ScannedItem
from portal.horizon.promote import idea_fields
from portal.ideas.models import Idea, Workstream
from portal.pipeline.whatif import what_if_form
from tests.conftest import fetch_user
from tests.feed_server import Reply, rss
from tests.portal.horizon_helpers import article
from tests.portal.idea_answers import ANSWERS
from tests.portal.test_register import form as register_form
from tests.portal.test_workstreams import GOOD as WORKSTREAM

REFUSED = "Remove the hidden control characters"
# Right-to-left override, left-to-right isolate, pop directional isolate, zero-width space,
# word joiner and byte order mark: all invisible, all taken out of names and titles.
INVISIBLE = "\u202e\u2066\u2069\u200b\u2060\ufeff"
NURSE_EMOJI = "\U0001f469\u200d\u2695\ufe0f"  # woman health worker: a zero-width joiner inside


def count(query, model, *where):
    return query(
        lambda: db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
    )


def start_idea(client):
    response = client.post("/ideas/new", data={"start_token": "cleaning"})
    return response.headers["Location"].rsplit("/", 1)[1]


def idea_title(query, reference):
    return query(lambda: db.session.scalar(sa.select(Idea.title).filter_by(reference=reference)))


# --- addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "url", "status"),
    [
        (None, "/horizon/digest/a%00b.atom", 404),
        (None, "/sign-in?next=/a%00b", 400),
        ((Role.PROGRAMME_LEAD,), "/ideas/{reference}%00", 404),
        ((Role.PROGRAMME_LEAD,), "/ideas/{reference}%01", 404),
        ((Role.PROGRAMME_LEAD,), "/search?q=sepsis%00", 400),
        ((Role.ADMIN,), "/admin/users?q=a%00", 400),
        ((Role.ADMIN,), "/admin/users?q%00=a", 400),
    ],
)
def test_control_characters_in_an_address_are_refused_not_a_500(
    client, client_for, create_idea, roles, url, status
):
    requester = client if roles is None else client_for(*roles)
    if "{reference}" in url:
        url = url.format(reference=create_idea().reference)
    response = requester.get(url)
    assert response.status_code == status
    assert "nhsuk-header" in response.get_data(as_text=True)  # the NHS-styled error page


# --- forms ----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "organisation_name", "email", "password"])
def test_registering_with_a_nul_is_a_form_error_and_saves_nothing(client, query, field):
    data = register_form()
    response = client.post("/register", data={**data, field: data[field] + "\x00x"})
    assert response.status_code == 200
    assert REFUSED in response.get_data(as_text=True)
    assert count(query, User) == 0 and count(query, Organisation) == 0


def test_signing_in_with_a_nul_is_a_form_error(client, create_user):
    create_user(email="nadia@example.org")
    response = client.post("/sign-in", data={"email": "nadia@example.org\x00", "password": "x"})
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\t", "\n", "\x7f", "\x9b"])
def test_a_control_character_in_an_idea_title_is_refused(innovator_client, query, bad):
    reference = start_idea(innovator_client)
    data = {**ANSWERS["about"], "title": f"Sepsis{bad}prompts"}
    response = innovator_client.post(f"/ideas/{reference}/sections/about", data=data)
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    assert idea_title(query, reference) is None


def test_line_breaks_and_tabs_stay_in_multi_line_answers(innovator_client, query):
    reference = start_idea(innovator_client)
    summary = "First line.\r\n\tSecond line, indented."
    data = {**ANSWERS["about"], "summary": summary}
    assert innovator_client.post(f"/ideas/{reference}/sections/about", data=data).status_code == 302
    saved = query(lambda: db.session.scalar(sa.select(Idea.summary).filter_by(reference=reference)))
    assert saved.replace("\r\n", "\n") == "First line.\n\tSecond line, indented."
    response = innovator_client.post(
        f"/ideas/{reference}/sections/about", data={**data, "summary": "Bell\x07 in a summary"}
    )
    assert REFUSED in response.get_data(as_text=True)


def test_a_feed_address_with_a_nul_is_refused_before_any_fetch(lead_client, query, feed_server):
    url = feed_server.route(Reply(rss([article(1)])))
    for button in ("check", "save"):
        response = lead_client.post("/horizon/feeds/new", data={"url": url + "\x00", button: "1"})
        assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    assert count(query, Feed) == 0 and feed_server.hits(url) == []


def test_a_workstream_name_with_a_nul_is_refused(lead_client, query):
    before = count(query, Workstream)
    response = lead_client.post(
        "/pipeline/workstreams/new", data={**WORKSTREAM, "name": "Falls\x00 Prevention"}
    )
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    assert count(query, Workstream) == before


def test_a_line_break_in_the_page_to_go_back_to_is_refused_not_a_500(lead_client):
    back = "/horizon/inbox\r\nSet-Cookie: session=stolen"  # would break the Location header
    response = lead_client.post("/horizon/inbox/shortcuts", data={"back": back})
    assert response.status_code == 400


def _form_classes():
    """Every form class the portal defines (importing every module first)."""
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        importlib.import_module(module.name)
    found, todo = [], [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("portal."):
                found.append(sub)
    return found


def _leaves(fields):
    for field in fields:
        if isinstance(field, FormField):
            yield from _leaves(field.form)
        elif isinstance(field, FieldList):
            yield from _leaves(field.entries)
        elif field.short_name != "csrf_token" and field.type != "FileField":
            yield field  # (an uploaded file's name is cleaned by portal.ideas.files)


def _build(form_class, formdata):
    needed = [
        p
        for p in list(inspect.signature(form_class.__init__).parameters.values())[1:]
        if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    return form_class(*([[]] * len(needed)), formdata=formdata)


def test_every_form_field_in_the_portal_refuses_a_nul(app):
    with app.test_request_context():  # the what-if form's class is made per rubric
        what_if = what_if_form([SimpleNamespace(key="k", name="K", weight=1.0)], None)
    classes = _form_classes()
    assert type(what_if) in classes
    assert len(classes) > 40
    tried = 0
    with app.test_request_context(method="POST"):
        for form_class in classes:
            if not issubclass(form_class, FlaskForm):
                continue  # a form nested in another (FormField) is tried inside it
            blank = _build(form_class, None)
            for field in blank:
                if isinstance(field, FieldList):
                    field.append_entry()
            if not list(_leaves(blank)):
                continue  # a button that posts only its CSRF token
            names = []
            for field in _leaves(blank):
                names += [field.name]
                names += [f"{field.name}-{part}" for part in ("day", "month", "year")]
            form = _build(form_class, MultiDict({name: "a\x00b" for name in names}))
            for field in _leaves(form):
                if getattr(field, "choices", ()) is None:
                    field.choices = []  # a view sets these
            assert not form.validate(), form_class
            for field in _leaves(form):
                tried += 1
                assert REFUSED in " ".join(map(str, field.errors)), (form_class, field.name)
    assert tried > 100


# --- invisible characters in names and titles -----------------------------------------------


def test_direction_and_zero_width_characters_leave_names_zero_width_joiners_stay(client, query):
    name = f"Nadia{INVISIBLE} Nurse {NURSE_EMOJI}"
    organisation = f"{INVISIBLE}Westshire Community Trust"
    response = client.post(
        "/register", data=register_form(name=name, organisation_name=organisation)
    )
    assert response.status_code == 302

    def check():
        user = fetch_user("nadia.nurse@example.nhs.uk")
        assert user.name == f"Nadia Nurse {NURSE_EMOJI}"
        assert "\u200d" in user.name
        assert user.organisation.name == "Westshire Community Trust"

    query(check)


def test_direction_characters_leave_an_idea_title_and_only_them_is_no_title(
    innovator_client, query
):
    reference = start_idea(innovator_client)
    data = {**ANSWERS["about"], "title": "Sepsis \u202egnippots\u202c prompts\u200b"}
    innovator_client.post(f"/ideas/{reference}/sections/about", data=data)
    assert idea_title(query, reference) == "Sepsis gnippots prompts"
    response = innovator_client.post(
        f"/ideas/{reference}/sections/about", data={**data, "title": INVISIBLE}
    )
    assert "Enter a title for your idea" in response.get_data(as_text=True)
    assert idea_title(query, reference) == "Sepsis gnippots prompts"


def test_workstream_names_lose_direction_characters(lead_client, query):
    lead_client.post(
        "/pipeline/workstreams/new", data={**WORKSTREAM, "name": "\u202eFalls Prevention"}
    )
    names = query(lambda: set(db.session.scalars(sa.select(Workstream.name))))
    assert "Falls Prevention" in names and "\u202eFalls Prevention" not in names


def test_a_promoted_items_title_loses_direction_characters_in_its_idea():
    item = ScannedItem(
        title="Sepsis \u202egnippots\u202c prompts", summary="", authors=[], published_guessed=True
    )
    assert idea_fields(item)["title"] == "Sepsis gnippots prompts"


# --- <bdi> ----------------------------------------------------------------------------------


def test_names_and_titles_are_isolated_in_bdi(client_for, create_idea, query):
    innovator = client_for(Role.INNOVATOR, name="\u0633\u0627\u0631\u0627 Ahmed")
    html = innovator.get("/innovator").get_data(as_text=True)
    assert "Welcome, <bdi>\u0633\u0627\u0631\u0627 Ahmed</bdi>" in html
    reference = start_idea(innovator)
    innovator.post(f"/ideas/{reference}/sections/about", data=ANSWERS["about"])
    html = innovator.get(f"/ideas/{reference}").get_data(as_text=True)
    assert "<h1><bdi>Sepsis prompts for district nurses</bdi></h1>" in html
