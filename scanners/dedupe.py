"""De-duplicate entries: unique keys within a feed, and one item per work across feeds.

Across feeds, two entries are the same item when they share a DOI, else a PubMed id, else a
canonical link, else their normalised titles are near-identical (`title_similarity` at least
`TITLE_SIMILARITY`). Short titles ("Editorial", "Correction", "Drug Safety Update") name
many different works, so they never merge on the title alone; a DOI or link still does.
"""

from collections.abc import Hashable, Iterable

from scanners.records import Entry
from scanners.titles import TitleIndex, title_similarity

__all__ = [
    "TITLE_SIMILARITY",
    "DuplicateIndex",
    "is_tombstoned",
    "title_can_match",
    "title_similarity",
    "tombstone_keys",
    "unique_per_feed",
]

TITLE_SIMILARITY = 0.92
MIN_TITLE_WORDS = 4  # shorter titles never merge (or stay dismissed) on the title alone
MIN_TITLE_CHARS = 20

_REPEAT_NOUNS = {"guid": "an id", "link": "a link", "title": "a title and date"}


def title_can_match(key: str | None) -> bool:
    """Say whether a normalised title is long enough to identify a work on its own."""
    return bool(key) and len(key) >= MIN_TITLE_CHARS and key.count(" ") >= MIN_TITLE_WORDS - 1


def unique_per_feed(entries: Iterable[Entry]) -> tuple[list[Entry], list[str]]:
    """Keep the first entry for each key; return the entries and a note per kind of repeat."""
    seen: set[str] = set()
    kept: list[Entry] = []
    repeats: dict[str, int] = {}
    for entry in entries:
        if entry.key in seen:
            kind = entry.key.split(":", 1)[0]
            repeats[kind] = repeats.get(kind, 0) + 1
            continue
        seen.add(entry.key)
        kept.append(entry)
    notes = []
    for kind, count in repeats.items():
        subject = "1 entry" if count == 1 else f"{count} entries"
        notes.append(
            f"{subject} repeated {_REPEAT_NOUNS.get(kind, 'a key')} already seen in this feed, "
            "so only the first was kept."
        )
    return kept, notes


class DuplicateIndex:
    """An in-memory index of stored items, to find the item an incoming entry duplicates.

    Build it from the stored items (`add`), then for each incoming entry call `match`; add
    new items as they are stored so later entries in the same scan match them too. Near
    titles are found with `scanners.titles.TitleIndex` (prefix filtering): matching 10,000
    titles against 50,000 takes about a second, never the n*m comparisons of a plain scan.
    """

    def __init__(self) -> None:
        self._by_doi: dict[str, Hashable] = {}
        self._by_pmid: dict[str, Hashable] = {}
        self._by_link: dict[str, Hashable] = {}
        self._by_title: dict[str, Hashable] = {}
        self._titles = TitleIndex(TITLE_SIMILARITY)

    def __len__(self) -> int:
        ids = (self._by_doi, self._by_pmid, self._by_link, self._by_title)
        return len({item for index in ids for item in index.values()})

    def add(
        self,
        item_id: Hashable,
        *,
        doi: str | None = None,
        link: str | None = None,
        title_key: str | None = None,
        pmid: str | None = None,
    ) -> None:
        """Index a stored item by DOI, PubMed id, canonical link and title (first wins)."""
        if doi:
            self._by_doi.setdefault(doi.lower(), item_id)
        if pmid:
            self._by_pmid.setdefault(pmid, item_id)
        if link:
            self._by_link.setdefault(link, item_id)
        if title_can_match(title_key) and title_key not in self._by_title:
            self._by_title[title_key] = item_id
            self._titles.add(title_key, item_id)

    def add_entry(self, item_id: Hashable, entry: Entry) -> None:
        """Index an entry stored as (or merged into) the item `item_id`."""
        self.add(
            item_id, doi=entry.doi, link=entry.link, title_key=entry.title_key, pmid=entry.pmid
        )

    def match(
        self,
        entry: Entry | None = None,
        /,
        *,
        doi: str | None = None,
        link: str | None = None,
        title_key: str | None = None,
        pmid: str | None = None,
    ) -> Hashable | None:
        """Return the id of the stored item this entry duplicates, or None when it is new."""
        if entry is not None:
            doi, link, title_key, pmid = entry.doi, entry.link, entry.title_key, entry.pmid
        if doi and (found := self._by_doi.get(doi.lower())) is not None:
            return found
        if pmid and (found := self._by_pmid.get(pmid)) is not None:
            return found
        if link and (found := self._by_link.get(link)) is not None:
            return found
        if not title_can_match(title_key):
            return None
        if (found := self._by_title.get(title_key)) is not None:
            return found
        return self._titles.find(title_key)


def tombstone_keys(doi: str | None, link: str | None, title_key: str | None) -> list[str]:
    """Return the keys ("doi:…", "url:…", "title:…") that keep a dismissed item dismissed."""
    keys = []
    if doi:
        keys.append(f"doi:{doi.lower()}")
    if link:
        keys.append(f"url:{link}")
    if title_can_match(title_key):
        keys.append(f"title:{title_key}")
    return keys


def is_tombstoned(entry: Entry, keys: set[str]) -> bool:
    """Say whether an entry matches a dismissed item by DOI, canonical link or exact title."""
    return any(k in keys for k in tombstone_keys(entry.doi, entry.link, entry.title_key))
