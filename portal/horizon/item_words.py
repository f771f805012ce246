"""Each scanned item's words for screening, computed once and kept beside it.

The screening model reads a text as its words (`scoring.text_tokens`: lowercased, in order,
with an accent-stripped spelling after them where stripping changes them). Finding them is the
part of fitting a pool that belongs to each item alone, about 2 s of a 25,000-item fit, so the
scan task computes an item's words when it stores the item (`words_row`), and a rescoring
reads them (`pool_words`), computing only those of items stored before this table or whose
text has changed since, which it then stores.
"""

import hashlib

import sqlalchemy as sa

from portal.extensions import db
from portal.horizon.models import ItemWords
from scoring import text_tokens


def item_text(title: str | None, summary: str | None) -> str:
    """An item's title, then its summary."""
    return "\n".join(part for part in (title, summary) if part)


def screening_text(title: str | None, summary: str | None) -> str:
    """What the screening model reads of an item (an empty item as the word "untitled")."""
    return item_text(title, summary) or "untitled"


WORDS_FORMAT = 2  # 2: a newline ends the title's words; a change finds every item's again


def text_key(text: str) -> str:
    """A short digest of the text the stored words were found in, and of how they were
    found (`WORDS_FORMAT`), so words stored in an older form are found again."""
    return hashlib.blake2b(f"{WORDS_FORMAT}\n{text}".encode(), digest_size=8).hexdigest()


def words_row(item_id: int, text: str) -> dict:
    """The `ItemWords` row of an item with this text."""
    return {"item_id": item_id, "text_key": text_key(text), "words": text_tokens(text)}


def pool_words(ids: list[int], texts: list[str]) -> tuple[list[str], list[dict]]:
    """The words of each item (`ids`, with their `texts`): stored ones where they are of the
    current text; and the rows to store for the others."""
    stored = {
        item_id: (key, words)
        for item_id, key, words in db.session.execute(
            sa.select(ItemWords.item_id, ItemWords.text_key, ItemWords.words)
        )
    }
    found, missing = [], []
    for item_id, text in zip(ids, texts, strict=True):
        key, words = stored.get(item_id, (None, None))
        if key is None or key != text_key(text):
            row = words_row(item_id, text)
            missing.append(row)
            words = row["words"]
        found.append(words)
    return found, missing


def store_words(rows: list[dict]) -> None:
    """Store items' words, replacing any stale ones."""
    if not rows:
        return
    ids = [row["item_id"] for row in rows]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        db.session.execute(sa.delete(ItemWords).where(ItemWords.item_id.in_(chunk)))
    db.session.execute(sa.insert(ItemWords), rows)
