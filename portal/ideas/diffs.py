"""What changed between two versions of an idea: word-level text diffs and list changes.

Every piece of user text is escaped here, piece by piece, before it is wrapped in <del> or
<ins>; the result is Markup a template can output as it is.
"""

import difflib
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# Words, plus line breaks as tokens of their own so paragraphs survive the diff.
_TOKENS = re.compile(r"\n|[^\s]+")
_HIDDEN = '<span class="nhsuk-u-visually-hidden">{}</span>'


@dataclass
class Change:
    """One changed answer: a word diff for text, added and removed items for lists."""

    name: str
    question: str
    diff: Markup | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _tokens(text: str | None) -> list[str]:
    return _TOKENS.findall((text or "").replace("\r\n", "\n"))


def _join(tokens) -> Markup:
    return escape(" ".join(tokens))


def _removed(tokens) -> Markup:
    return Markup("<del>" + _HIDDEN.format("Removed: ") + "{}</del>").format(_join(tokens))


def _added(tokens) -> Markup:
    return Markup("<ins>" + _HIDDEN.format("Added: ") + "{}</ins>").format(_join(tokens))


def word_diff(old: str | None, new: str | None) -> Markup:
    """The new text with removed words in <del> and added words in <ins>."""
    before, after = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    pieces = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(_join(before[i1:i2]))
            continue
        if i2 > i1:
            pieces.append(_removed(before[i1:i2]))
        if j2 > j1:
            pieces.append(_added(after[j1:j2]))
    return Markup(" ").join(pieces)


def replacement(old: str | None, new: str | None) -> Markup:
    """A whole answer replaced by another (a choice from a list)."""
    pieces = []
    if old:
        pieces.append(_removed([old]))
    if new:
        pieces.append(_added([new]))
    return Markup(" ").join(pieces)


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple) else []


def compare(old: dict, new: dict, questions: dict[str, str], labels: dict[str, dict]) -> list:
    """The changes from content `old` to `new`, in the order of `questions`.

    `questions` maps each field to its question; `labels` maps a choice field to the labels of
    its stored values. Lists show the items added and removed, choices the label replaced, and
    text a word diff.
    """
    changes = []
    for name, question in questions.items():
        before, after = old.get(name), new.get(name)
        if (before or None) == (after or None):
            continue
        shown = labels.get(name, {})
        change = Change(name, question)
        if isinstance(before, list | tuple) or isinstance(after, list | tuple):
            before, after = _as_list(before), _as_list(after)
            change.added = [shown.get(v, v) for v in after if v not in before]
            change.removed = [shown.get(v, v) for v in before if v not in after]
            if not (change.added or change.removed):
                continue  # only the order changed
        elif name in labels:
            change.diff = replacement(shown.get(before, before), shown.get(after, after))
        else:
            change.diff = word_diff(before, after)
        changes.append(change)
    return changes
