"""Arrays read from index segments, kept per process by segment id (no Flask, no database).

Whoosh reads a posting list one entry at a time in Python; here a list is read a block at a
time into numpy arrays (document numbers and weights), as are each field's lengths and each
facet field's values. A segment never changes once written (deletions aside, which the
reader's live documents apply), so what was read from it serves every later generation that
still holds it: after the worker adds a small segment, only that segment is read.
"""

import threading
from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

BUDGET = 6_000_000  # array elements kept, per process (under 50 MB)
_BYTE_LENGTHS = np.array([0] + [byte_to_length(b) for b in range(1, 256)], dtype=np.float32)

EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))


class _ArrayCache:
    """Least recently used arrays, by (what, segment id, ...), within a budget of elements."""

    def __init__(self, budget: int):
        self.budget = budget
        self.held = 0
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, read):
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                return found[0]
        value = read()
        parts = value if isinstance(value, tuple) else (value,)
        size = 64 + sum(a.size for a in parts if isinstance(a, np.ndarray))  # 64: the entry
        with self.lock:
            self.items[key] = (value, size)
            self.held += size
            while self.held > self.budget and len(self.items) > 1:
                _key, (_value, dropped) = self.items.popitem(last=False)
                self.held -= dropped
        return value

    def clear(self):
        with self.lock:
            self.items.clear()
            self.held = 0


SEGMENT_ARRAYS = _ArrayCache(BUDGET)


def read_postings(segment, fieldname, btext):
    """A term's document numbers (within the segment) and weights, deleted ones included."""
    if (fieldname, btext) not in segment:
        return EMPTY
    matcher = segment.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):  # deletions: `IndexView.live` masks them
        matcher = matcher.child
    return _read_matcher(matcher)


def read_lengths(segment, fieldname):
    """Each document's length in this field (0 where the field keeps no lengths)."""
    n = segment.doc_count_all()
    if not segment.schema[fieldname].scorable:
        return np.zeros(n, dtype=np.float32)
    try:  # the lengths column's bytes at once (Whoosh 3 codec): 0.5 ms, not 100 ms
        column = segment._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is not None and column._fixedlen == 1 and column._count == n:
            raw = column._dbfile.get(column._basepos, n)
            return _BYTE_LENGTHS[np.frombuffer(raw, dtype=np.uint8)]
    except AttributeError:  # another codec: ask document by document
        pass
    return np.fromiter(
        (segment.doc_field_length(d, fieldname) for d in range(n)), dtype=np.float32, count=n
    )


def read_facet(segment, fieldname):
    """A segment's values of a facet field, and (document, value number) pairs."""
    fieldobj = segment.schema[fieldname]
    values, docs, numbers = [], [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for btext in fieldobj.sortable_terms(segment, fieldname):
        value = fieldobj.from_bytes(btext)
        if value in (None, ""):
            continue
        ids = read_postings(segment, fieldname, btext)[0]
        docs.append(ids)
        numbers.append(np.full(len(ids), len(values), dtype=np.int64))
        values.append(str(value))
    return values, np.concatenate(docs), np.concatenate(numbers)


def _read_matcher(matcher):
    """All of a posting list, a block at a time where the codec allows (Whoosh 3 codec)."""
    ids, weights = [], []
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            ids.append(np.asarray(matcher._ids, dtype=np.int64))
            weights.append(np.asarray(matcher._weights, dtype=np.float32))
            matcher._next_block()
        if ids:
            return np.concatenate(ids), np.concatenate(weights)
        return EMPTY
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)
