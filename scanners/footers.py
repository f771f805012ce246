"""Strip the boilerplate that blogging platforms append to every summary in a feed.

WordPress ends each entry with "The post <title> appeared first on <site>." (HSSIB's feeds do),
and excerpts end with "[…]", "Continue reading …" or "Read more". Such a footer says nothing
about the article, yet it would be indexed, shown in the inbox and counted by the screening
model as text of the item. Only a footer at the very end of a summary is removed, and only in
the shapes these platforms write, so a sentence of an abstract that happens to use the same
words ("nurses continue reading the chart", "the post appeared first on the ward") stays.
Works on text already cleaned by `clean_text` (markup gone, whitespace collapsed).
"""

import re

# A footer starts the text or follows the end of a sentence (or of an excerpt marker);
# `clean_text` leaves exactly one space between them.
_STARTS = r"(?:^|(?<=[.!?…\]\"”')→»›] ))"
_ARROW = r"(?: ?(?:→|»|›|>>|\.\.\.|…))"
_WORDPRESS = re.compile(
    _STARTS + r"The (?:post|article|entry) \S.{0,600}? (?:appeared first|first appeared) on "
    r"(?:(?!\. ).){1,150}?\.?$"  # the site's name: no sentence ends inside it
)
# "Continue reading", then nothing, an arrow, or the title in quotes (WordPress themes)
_CONTINUE = re.compile(
    _STARTS + r"Continue reading(?: [\"“][^\"“”]{1,250}[\"”])?" + _ARROW + r"?\.?$"
)
_READ_MORE = re.compile(
    _STARTS + r"(?:Read|View) (?:more|the (?:full|rest of the) "
    r"(?:article|story|report|post|text|entry))(?: (?:at|on) [^.]{1,80})?" + _ARROW + r"?\.?$"
)
# WordPress's excerpt marker: the excerpt was cut here. It becomes a plain ellipsis.
_CUT = re.compile(r"\s*\[\s*(?:…|\.\.\.|&hellip;)\s*\]$")
_FOOTERS = (
    (("appeared",), _WORDPRESS),
    (("Continue reading",), _CONTINUE),
    (("Read ", "View "), _READ_MORE),
)
_TAIL = 1200  # footers are short: only the end of a long summary is searched


def strip_feed_footer(text: str) -> str:
    """The summary without trailing feed boilerplate (footers may be stacked)."""
    for _ in range(4):
        stripped = _strip_once(text)
        if stripped == text:
            break
        text = stripped
    return text


def _strip_once(text: str) -> str:
    start = max(0, len(text) - _TAIL)  # lookbehinds still see the text before `start`
    tail = text[start:]
    # a substring test costs far less than a regex scan: most summaries have no footer
    for words, pattern in _FOOTERS:
        if any(word in tail for word in words):
            match = pattern.search(text, start)
            if match:
                return text[: match.start()].rstrip()
    if tail.endswith("]"):
        match = _CUT.search(text, start)
        if match:
            return text[: match.start()].rstrip() + "…"
    return text
