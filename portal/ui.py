"""Template helpers: WTForms fields to NHS.UK component parameters, navigation, dates.

User data only ever goes into the components' "text" parameters, which they escape.
"""

import json
import re

from flask import current_app, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from portal import page_cache
from portal.auth.roles import HOME_ENDPOINTS, Role
from portal.clock import london

_INPUT_TYPES = {"EmailField": "email", "TelField": "tel", "URLField": "url", "IntegerField": "text"}
# A panel member's pages under "Reviews" (leads' round pages share the blueprint, not the tab).
PANEL_REVIEW_PAGES = {"reviews.conflicts", "reviews.review", "reviews.decline"}
# Sections whose every page marks their navigation item active.
SECTIONS = ("admin.", "horizon.")
_POST_FORM = re.compile(r'(<form\b[^>]*\bmethod="post"[^>]*>)', re.IGNORECASE)


def _text(value):
    return {"text": str(value)} if value else None


def field_params(
    field,
    hint=None,
    autocomplete=None,
    width=None,
    classes=None,
    legend=None,
    large_legend=False,
    rows=None,
    input_mode=None,
    spellcheck=None,
):
    """Return (component, params) to render `field` with the NHS.UK macro of that name."""
    error = _text(field.errors[0]) if field.errors else None
    hint = hint if hint is not None else field.description
    common = {"name": field.name, "hint": _text(hint), "errorMessage": error}
    kind = field.type
    if kind in ("RadioField", "MultiCheckboxField"):
        legend_params = {"text": legend or field.label.text}
        if large_legend:
            legend_params.update(isPageHeading=True, size="l")
        else:
            legend_params["size"] = "s"
        return ("radios" if kind == "RadioField" else "checkboxes"), common | {
            "idPrefix": field.id,
            "fieldset": {"legend": legend_params},
            "items": [
                {"value": c.value, "text": str(c.label), "checked": c.selected}
                for c in field.iter_choices()
            ],
        }
    if kind == "DatePartsField":
        return "date_input", {
            "id": field.id,
            "fieldset": {"legend": {"text": legend or field.label.text, "size": "s"}},
            "hint": _text(hint),
            "errorMessage": error,
            "items": [
                {
                    # posted as "<name>-day" and so on: the names DatePartsField reads
                    "name": f"{field.name}-{part}",
                    "id": f"{field.id}-{part}",
                    "label": part.capitalize(),
                    "value": field.raw_parts[part],
                    "width": 4 if part == "year" else 2,
                    "classes": "nhsuk-input--error" if field.errors else None,
                }
                for part in field.PARTS
            ],
        }
    common |= {"id": field.id, "label": {"text": field.label.text}}
    if kind == "FileField":
        return "file_upload", common
    if kind == "SelectField":
        return "select", common | {
            "items": [
                {"value": c.value, "text": str(c.label), "selected": c.selected}
                for c in field.iter_choices()
            ]
        }
    if kind == "BooleanField":
        return "checkboxes", {
            "name": field.name,
            "idPrefix": field.id,
            "errorMessage": error,
            "items": [
                {
                    "value": "y",
                    "text": field.label.text,
                    "hint": _text(hint),
                    "checked": bool(field.data),
                }
            ],
        }
    if kind == "TextAreaField":
        params = common | {"value": field.data or "", "rows": rows or 5}
        max_words = (field.render_kw or {}).get("max_words")
        if max_words:
            return "character_count", params | {"maxwords": max_words}
        return "textarea", params
    if kind == "PasswordField":
        return "password_input", common | {"autocomplete": autocomplete or "current-password"}
    return "input", common | {
        "type": _INPUT_TYPES.get(kind, "text"),
        "value": field._value(),
        "autocomplete": autocomplete,
        "width": width,
        "classes": classes,
        "inputmode": input_mode,
        "spellcheck": False if kind == "EmailField" else spellcheck,
    }


def error_list(form):
    """Error summary entries linking to each field in error, in the form's order."""
    items = []
    for field in form:
        if field.errors:
            anchor = f"{field.id}-day" if field.type == "DatePartsField" else field.id
            items.append({"text": field.errors[0], "href": f"#{anchor}"})
    return items


def bdi(text):
    """`text` (escaped) in <bdi>, so a name or title in another script cannot reorder the
    sentence around it; nothing for no text."""
    return Markup("<bdi>{}</bdi>").format(text) if text else ""


def component(name: str, params: dict, copied=(), caller=None) -> Markup:
    """An NHS.UK component (the header, footer, …) for these parameters, rendered once per
    process for each distinct set and then reused. The header's macro costs ~4 ms a page (its
    logo and items go through Jinja's indent filter), more than a cached pipeline table; the
    same parameters always give the same HTML. A form's CSRF token is added after
    (`add_csrf_to_forms`), never cached.

    `copied` names parameters the component only writes out (escaped), never tests or
    transforms, such as pagination's "href" and "number": the component is rendered once per
    set of the other parameters with a marker in their place, and their values are put in
    after, so pages whose links differ still share one rendering. Called with a block
    (``{% call nhsuk_component("details", {...}) %}``), the block is the "html" parameter
    and copied so (only its indentation differs from the macro's own)."""
    values: list[str] = []
    if caller is not None:
        params = params | {"html": _MARKER_TEXT.format(0)}
        values.append(str(caller()))
    # only a component with copied parameters is walked for them (the header, on every page,
    # has none)
    shape = _with_markers(params, frozenset(copied), values) if copied else params
    key = json.dumps(shape, sort_keys=True)
    cache = page_cache.for_app(current_app, f"nhsuk-{name}")
    html = cache.get(key)
    if html is None:
        macros = current_app.jinja_env.get_template(f"nhsuk/components/{name}/macro.jinja")
        macro = re.sub(r"-([a-z])", lambda m: m.group(1).upper(), name)  # skip-link: skipLink
        html = Markup(getattr(macros.module, macro)(shape))
        cache.put(key, html)
    if values:
        html = Markup(_MARKER.sub(lambda found: values[int(found.group(1))], html))
    return html


_MARKER_TEXT, _MARKER = "\x02{}\x03", re.compile("\x02([0-9]+)\x03")


def _with_markers(value, copied: frozenset, values: list):
    """`value` with each truthy parameter named in `copied` replaced by a marker, its escaped
    text appended to `values`."""
    if isinstance(value, dict):
        shaped = {}
        for name, item in value.items():
            if name in copied and item and not isinstance(item, dict | list):
                shaped[name] = _MARKER_TEXT.format(len(values))
                values.append(str(escape(item)))
            else:
                shaped[name] = _with_markers(item, copied, values)
        return shaped
    if isinstance(value, list):
        return [_with_markers(item, copied, values) for item in value]
    return value


def add_csrf_to_forms(html):
    """Add the CSRF token to POST forms that a package macro rendered without one."""
    token = Markup('<input type="hidden" name="csrf_token" value="{}">').format(generate_csrf())
    return Markup(_POST_FORM.sub(lambda m: m.group(1) + str(token), str(html)))


def navigation_items():
    """Header navigation for the signed-in user's roles, marking the current section."""
    if not current_user.is_authenticated:
        return []
    roles = current_user.role_set
    # leads start at the triage inbox; admins (who do not triage) at the feeds
    horizon = "horizon.inbox" if Role.PROGRAMME_LEAD in roles else "horizon.feeds"
    candidates = [
        (Role.INNOVATOR, "Your ideas", HOME_ENDPOINTS[Role.INNOVATOR]),
        (Role.INNOVATOR, "Messages", "ideas.messages"),
        (Role.PANEL_MEMBER, "Reviews", HOME_ENDPOINTS[Role.PANEL_MEMBER]),
        (Role.PROGRAMME_LEAD, "Pipeline", HOME_ENDPOINTS[Role.PROGRAMME_LEAD]),
        (Role.PROGRAMME_LEAD, "Portfolio", "pipeline.portfolio"),
        (Role.PROGRAMME_LEAD, "Triage", "ideas.triage"),
        (Role.PROGRAMME_LEAD, "Panel", "reviews.panel_members"),
        (Role.PROGRAMME_LEAD, "Review rounds", "reviews.rounds_list"),
        (Role.PROGRAMME_LEAD, "Dashboard", "pipeline.dashboard"),
        ((Role.PROGRAMME_LEAD, Role.ADMIN), "Horizon scanning", horizon),
        (Role.ADMIN, "Admin", HOME_ENDPOINTS[Role.ADMIN]),
    ]
    items = []
    for allowed, text, endpoint in candidates:
        if roles & set(allowed if isinstance(allowed, tuple) else (allowed,)):
            href = url_for(endpoint)
            section = endpoint.split(".")[0] + "."
            current = request.endpoint == endpoint
            active = (
                current
                or (section in SECTIONS and (request.endpoint or "").startswith(section))
                or (endpoint == "reviews.queue" and request.endpoint in PANEL_REVIEW_PAGES)
            )
            items.append({"text": text, "href": href, "current": current, "active": active})
    return items


def format_datetime(moment, pattern="%-d %B %Y at %-I:%M%p"):
    """Show a UTC datetime in Europe/London, as '3 March 2026 at 2:05pm'."""
    if moment is None:
        return ""
    text = london(moment).strftime(pattern)
    return text.replace("AM", "am").replace("PM", "pm")
