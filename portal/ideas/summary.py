"""An idea's answers as question/answer rows, for check-your-answers and idea pages.

The innovator reads their answers under their own questions; anyone else (reviewers, leads)
reads them under neutral headings and labels (`reader=True`): "Title", not "Give your idea a
short title".
"""

from flask import url_for
from markupsafe import Markup, escape

from portal.ideas import choices
from portal.ideas.sections import SECTIONS

LABELS = {
    "development_stage": choices.DEVELOPMENT_STAGES,
    "care_settings": choices.CARE_SETTINGS,
    "populations": choices.CORE20PLUS5_GROUPS,
    "clinical_areas": choices.CLINICAL_AREAS,
    "involvement_level": choices.INVOLVEMENT_LEVELS,
}
NOT_ANSWERED = "Not answered"


def answer_text(idea, name, reader=False) -> str:
    """An answer as a person reads it: labels for choices, one per line for lists."""
    value = getattr(idea, name)
    if name == "workstreams":
        return "\n".join(w.label for w in value) or NOT_ANSWERED
    if name == "consent_to_share":
        return ("Agreed" if reader else "Yes, I agree") if value else "Not agreed"
    labels = LABELS.get(name)
    if isinstance(value, list):
        return "\n".join(labels.get(v, v) if labels else v for v in value) or NOT_ANSWERED
    if labels and value:
        return labels.get(value, value)
    return value or NOT_ANSWERED


def with_line_breaks(text: str) -> Markup:
    """Escaped text with its line breaks kept, safe for a component's "html" parameter."""
    return Markup("<br>").join(escape(line) for line in text.splitlines())


def questions(section, reader=False) -> dict[str, str]:
    """What each of the section's answers is called: the innovator's questions, or the
    readers' labels."""
    if reader:
        return {name: section.form_class.reader_labels[name] for name in section.fields}
    form = section.form_class(meta={"csrf": False}, formdata=None)
    return {name: form[name].label.text for name in section.fields}


def section_rows(idea, change_links=False, reader=False) -> list[dict]:
    """[{section, heading, rows}] where rows are NHS.UK summary-list rows (user text escaped);
    `reader` for anyone but the innovator (neutral headings and labels)."""
    grouped = []
    for section in SECTIONS:
        rows = []
        for name, label in questions(section, reader).items():
            row = {
                "key": {"text": label},
                "value": {"html": with_line_breaks(answer_text(idea, name, reader))},
            }
            if change_links:
                row["actions"] = {
                    "items": [
                        {
                            "href": url_for(
                                "ideas.section", reference=idea.reference, key=section.key
                            )
                            + f"#{name}",
                            "text": "Change",
                            "visuallyHiddenText": label.lower(),
                        }
                    ]
                }
            rows.append(row)
        grouped.append({"section": section, "heading": section.heading(reader), "rows": rows})
    return grouped
