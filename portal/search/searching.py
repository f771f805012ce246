"""The index side of a search, with no Flask and no database: what bench/search.py times.

Whoosh keeps the index and parses the query; the work per query is done here with numpy,
because Whoosh's collectors walk every match in Python (a common word matches nearly every
one of 55,000 documents, and a facet, a filter or a phrase multiplies that). An `IndexView`
holds one open searcher; what it reads from the index's segments (posting lists as arrays,
lengths, each facet field's (document, value) pairs) is kept by segment id (segments.py).
A query becomes a boolean array of the documents that match it, the viewer's filter and
mask; counting a facet is one `np.bincount`, scoring is BM25F over the arrays (the same
formula and constants as Whoosh's default), and only the page's ten documents are read.

Phrases use the word-pair fields (`title_pairs`, `body_pairs`): a phrase matches a field
holding each adjacent pair of its words, which is exact for two words and, for longer
phrases, also matches the rare field holding the pairs apart (a phrase's slop is ignored).
An index built before those fields existed answers phrases through Whoosh, slowly, until the
worker rebuilds it.
"""

import math
import os
import threading
from dataclasses import dataclass, field

import numpy as np
from whoosh import highlight
from whoosh import query as wq
from whoosh.analysis import Filter, StemmingAnalyzer
from whoosh.query.qcore import _NullQuery

from portal.search.segments import EMPTY, SEGMENT_ARRAYS, read_facet, read_lengths, read_postings

PAGE_SIZE = 10
FACETS = {  # filter name in the URL -> index field
    "type": "type",
    "workstream": "workstream_key",
    "stage": "stage",
    "source": "source",
    "year": "year",
}
PAIRED = {"title": "title_pairs", "body": "body_pairs"}  # field -> its word-pair field
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"
_K1, _B = 1.2, 0.75  # whoosh.scoring.BM25F's defaults


class PairFilter(Filter):
    """Turn a token stream into its adjacent pairs: "early warning score" -> "earli warn",
    "warn score" (after stemming and stop words, as the phrase query sees them)."""

    def __call__(self, tokens):
        previous = None
        for token in tokens:
            text = token.text
            if previous is not None:
                token.text = f"{previous} {text}"
                yield token
            previous = text


def pair_analyzer():
    return StemmingAnalyzer() | PairFilter()


@dataclass
class IndexPage:
    """What the index answers for one page: documents best first, counts, and words to mark."""

    total: int = 0
    page: int = 1
    keys: list[str] = field(default_factory=list)  # "idea:12", "item:7"
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    marks: frozenset = frozenset()  # analysed words of the body to highlight


class IndexView:
    """One open searcher and its documents as arrays (use under `ViewCache.lock`)."""

    def __init__(self, ix):
        self.ix = ix
        self.searcher = ix.searcher()
        self.reader = self.searcher.reader()
        self.schema = self.searcher.schema
        self.size = self.reader.doc_count_all()
        self.live = np.zeros(self.size, dtype=bool)
        self.live[np.fromiter(self.reader.all_doc_ids(), dtype=np.int64)] = True
        self.segments = [
            (segment, offset, segment.segment().segment_id())
            for segment, offset in self.reader.leaf_readers()
        ]
        self._lengths: dict[str, np.ndarray] = {}
        self._facets: dict | None = None

    def close(self):
        self.searcher.close()

    # Postings as arrays

    def postings(self, fieldname, text) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers and weights of a term (empty when there is no such term)."""
        if fieldname not in self.schema:
            return EMPTY
        try:
            btext = self.schema[fieldname].to_bytes(text)
        except Exception:  # a value this field cannot hold (a word for a number)
            return EMPTY
        parts = []
        for segment, offset, segid in self.segments:
            ids, weights = SEGMENT_ARRAYS.get(
                ("postings", segid, fieldname, btext),
                lambda s=segment: read_postings(s, fieldname, btext),
            )
            if len(ids):
                parts.append((ids + offset if offset else ids, weights))
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return EMPTY
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def term_docs(self, fieldname, text) -> np.ndarray:
        docs = np.zeros(self.size, dtype=bool)
        docs[self.postings(fieldname, text)[0]] = True
        return docs

    def lengths(self, fieldname) -> np.ndarray:
        if fieldname not in self._lengths:
            self._lengths[fieldname] = np.concatenate(
                [
                    SEGMENT_ARRAYS.get(
                        ("lengths", segid, fieldname),
                        lambda s=segment: read_lengths(s, fieldname),
                    )
                    for segment, _offset, segid in self.segments
                ]
                or [np.zeros(0, dtype=np.float32)]
            )
        return self._lengths[fieldname]

    # Facets

    def facet_pairs(self) -> dict:
        """Per facet: its values, and (document, value number) pairs to count with."""
        if self._facets is None:
            self._facets = {}
            for name, fieldname in FACETS.items():
                parts = [
                    (
                        offset,
                        SEGMENT_ARRAYS.get(
                            ("facet", segid, fieldname),
                            lambda s=segment, f=fieldname: read_facet(s, f),
                        ),
                    )
                    for segment, offset, segid in self.segments
                ]
                values = sorted({v for _offset, (seg_values, _d, _n) in parts for v in seg_values})
                number = {v: i for i, v in enumerate(values)}
                docs, numbers = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
                for offset, (seg_values, seg_docs, seg_numbers) in parts:
                    if seg_values:
                        docs.append(seg_docs + offset)
                        numbers.append(np.array([number[v] for v in seg_values])[seg_numbers])
                self._facets[name] = (values, np.concatenate(docs), np.concatenate(numbers))
        return self._facets

    def count_facets(self, matched: np.ndarray) -> dict[str, list[tuple[str, int]]]:
        """Facet counts over the matched documents, most first, then by value."""
        counted = {}
        for name, (values, docs, numbers) in self.facet_pairs().items():
            counts = np.bincount(numbers[matched[docs]], minlength=len(values))
            counted[name] = sorted(
                ((values[i], int(counts[i])) for i in np.flatnonzero(counts)),
                key=lambda kv: (-kv[1], kv[0]),
            )
        return counted

    # Queries

    def docs(self, q) -> np.ndarray:
        """The live documents matching `q`, as a boolean array over document numbers."""
        return self._docs(q) & self.live

    def _docs(self, q):
        kind = type(q)
        if kind is wq.Term:
            return self.term_docs(q.fieldname, q.text)
        if kind is wq.And:
            found = self.live.copy()
            for sub in q.subqueries:
                found &= self._docs(sub)
            return found
        if kind is wq.DisjunctionMax or (kind is wq.Or and not q.minmatch):
            found = np.zeros(self.size, dtype=bool)
            for sub in q.subqueries:  # a mask may name 2,000 documents: no array for each
                if type(sub) is wq.Term:
                    found[self.postings(sub.fieldname, sub.text)[0]] = True
                else:
                    found |= self._docs(sub)
            return found
        if kind is wq.Not:
            return ~self._docs(q.query)
        if kind is wq.AndNot:
            return self._docs(q.a) & ~self._docs(q.b)
        if kind is wq.AndMaybe:
            return self._docs(q.a)
        if kind is wq.Every and not q.fieldname:
            return self.live.copy()
        if kind is _NullQuery or (kind is wq.Phrase and not q.words):
            return np.zeros(self.size, dtype=bool)
        if kind is wq.Phrase and PAIRED.get(q.fieldname) in self.schema:
            # Title and body keep no positions: a phrase is its adjacent pairs (slop ignored)
            if len(q.words) == 1:
                return self.term_docs(q.fieldname, q.words[0])
            found = self.live.copy()
            for a, b in zip(q.words, q.words[1:], strict=False):
                found &= self.term_docs(PAIRED[q.fieldname], f"{a} {b}")
            return found
        found = np.zeros(self.size, dtype=bool)  # anything else: Whoosh answers
        found[np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)] = True
        return found

    def scores(self, q, matched: np.ndarray) -> np.ndarray:
        """BM25F over the query's words (as Whoosh scores them), for the matched documents."""
        total = np.zeros(self.size, dtype=np.float32)
        for fieldname, text in _scored_terms(q):
            if fieldname not in self.schema:
                continue
            ids, weights = self.postings(fieldname, text)
            keep = matched[ids]
            ids, weights = ids[keep], weights[keep]
            if not len(ids):
                continue
            idf = self.searcher.idf(fieldname, text)
            if self.schema[fieldname].scorable:
                average = self.searcher.avg_field_length(fieldname) or 1
                norm = (1 - _B) + _B * self.lengths(fieldname)[ids] / average
                total[ids] += idf * (weights * (_K1 + 1)) / (weights + _K1 * norm)
            else:  # Whoosh scores a field without lengths by its weight
                total[ids] += weights
        return total

    def run(self, q, allow, deny, page: int) -> IndexPage:
        """The page, total and facet counts for `q` within `allow` (a query), less `deny`."""
        allowed = self.docs(allow) if allow is not None else self.live.copy()
        if deny is not None:
            allowed &= ~self._docs(deny)
        matched = self.docs(q) & allowed
        found = IndexPage(total=int(matched.sum()))
        pages = max(1, math.ceil(found.total / PAGE_SIZE))
        found.page = min(max(1, page), pages)
        found.facets = self.count_facets(matched)
        if found.total:
            found.keys = self._page(q, matched, found.page)
        found.marks = frozenset(t for f, t in _scored_terms(q) if f == "body")
        return found

    def _page(self, q, matched, page):
        wanted = page * PAGE_SIZE
        docnums = np.flatnonzero(matched)
        scores = self.scores(q, matched)[docnums]
        if len(docnums) > wanted:  # only those that can reach the page need sorting
            cut = np.partition(scores, len(scores) - wanted)[len(scores) - wanted]
            keep = scores >= cut
            docnums, scores = docnums[keep], scores[keep]
        order = np.lexsort((docnums, -scores))[(page - 1) * PAGE_SIZE : wanted]
        return [self.searcher.stored_fields(int(d))["doc_id"] for d in docnums[order]]

    def suggest(self, words: list[str], allowed: np.ndarray) -> dict[str, str]:
        """Respellings (lower-case word -> respelling) of the words not in the index, each
        finding something in `allowed`; empty when there is nothing to suggest."""
        respellings = {}
        for word in words:
            low = word.lower()
            if len(low) >= 4 and not low.isdigit() and ("vocab", low) not in self.reader:
                for option in self.searcher.suggest("vocab", low, limit=3, maxdist=2):
                    ids = self.postings("vocab", option)[0]
                    if option != low and allowed[ids].any():
                        respellings[low] = option
                        break
        return respellings

    def allowed(self, allow, deny) -> np.ndarray:
        """The documents a viewer may find, whatever the query."""
        docs = self.docs(allow)
        return docs & ~self._docs(deny) if deny is not None else docs


def snippet(text: str, marks, schema, top: int = 2) -> str:
    """The best fragments of `text` with the marked words between MARK_OPEN and MARK_CLOSE."""
    if not marks:
        return ""
    return highlight.highlight(
        text,
        marks,
        schema["body"].analyzer,
        highlight.ContextFragmenter(maxchars=300, surround=60),
        _Marks(),
        top=top,
    )


class _Marks(highlight.Formatter):
    between = " … "

    def format_token(self, text, token, replace=False):
        return MARK_OPEN + highlight.get_text(text, token, replace) + MARK_CLOSE


class ViewCache:
    """One `IndexView` per process, kept while its index directory is unchanged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.view: IndexView | None = None
        self.key = None

    def get(self, path, opener) -> IndexView | None:
        """The view of the index at `path` (reopened when any file there changed), or None.

        `opener(path)` opens the index or returns None; call under `self.lock`.
        """
        key = (str(path), _signature(path))
        if self.view is not None and key == self.key:
            return self.view
        self.forget()
        ix = opener(path)
        if ix is None:
            return None
        self.view, self.key = IndexView(ix), key
        return self.view

    def forget(self):
        if self.view is not None:
            self.view.close()
        self.view = self.key = None


def _signature(path):
    # Whoosh writes new files and never rewrites one, so names, sizes and inodes say when the
    # index changed (a new generation, a deletion, a merge) or was damaged in place.
    try:
        entries = list(os.scandir(path))
    except OSError:
        return None
    return tuple(
        sorted((e.name, e.inode(), e.stat().st_size, e.stat().st_mtime_ns) for e in entries)
    )


def _scored_terms(q):
    """The (field, word) pairs a match is scored on: not those under Not, nor numbers."""
    kind = type(q)
    if kind is wq.Not:
        return []
    if kind in (wq.AndNot, wq.AndMaybe):
        return _scored_terms(q.a) + (_scored_terms(q.b) if kind is wq.AndMaybe else [])
    if kind is wq.Phrase:
        return [(q.fieldname, w) for w in q.words]
    if kind is wq.Term:
        return [(q.fieldname, q.text)] if isinstance(q.text, str) else []
    if q.is_leaf():
        return []
    found = []
    for sub in q.children():
        for term in _scored_terms(sub):
            if term not in found:
                found.append(term)
    return found
