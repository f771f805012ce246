"""Find a near-identical title among many without comparing every pair.

This is prefix filtering, as in set-similarity joins. A title's words (those of three letters
or more, each cut to its first five letters so "error" and "errors" agree) give two sets of
blocks: the pairs of neighbouring words and the triples. A title more than about 0.92 alike
differs in roughly one word in ten, so it misses only a few of the other's blocks (a changed
word is in at most two pairs and three triples). Under one global order of blocks (rarest
first), two titles that each miss at most m of the other's blocks must share a block among the
first m + 1 of each, so each title is indexed under only those few blocks and a query probes
only its own few. Titles with four or more triples are matched on triples, which stay rare
even in a corpus of look-alike titles; shorter ones on pairs. Survivors are compared with
`title_similarity`, a bit-parallel LCS that costs microseconds per pair.

The order comes from block counts frozen when matching starts and refrozen whenever the index
has doubled since. Blocks are stored as hashes in one flat array, about 150 bytes a title.
"""

from array import array
from collections.abc import Hashable
from itertools import repeat

_BLOCK_CHARS = 5
_MIN_WORD_CHARS = 3
_TRIPLES_FROM = 4  # with four or more triples, one changed word leaves one in common
_PAIR, _TRIPLE = 0, 1
_PER_WORD = (2, 3)  # blocks one changed word can touch, for pairs and for triples


_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def title_markers(key: str) -> frozenset[str]:
    """The words of a title key that tell editions apart: numbers and month names."""
    return frozenset(
        word for word in key.split() if word in _MONTHS or any(c.isdigit() for c in word)
    )


def _char_masks(text: str) -> dict[str, int]:
    masks: dict[str, int] = {}
    for position, char in enumerate(text):
        masks[char] = masks.get(char, 0) | (1 << position)
    return masks


def _lcs_length(masks: dict[str, int], length: int, other: str) -> int:
    """Length of the longest common subsequence, bit-parallel (Allison-Dix, Hyyrö 2004)."""
    row = (1 << length) - 1
    get = masks.get
    for char in other:
        matched = row & get(char, 0)
        row = (row + matched) | (row - matched)
    return length - (row & ((1 << length) - 1)).bit_count()


def title_similarity(a_key: str, b_key: str) -> float:
    """Return how alike two normalised titles are, from 0 to 1.

    This is the normalised Indel similarity, 2 * LCS / (len(a) + len(b)), the same figure as
    rapidfuzz's ``fuzz.ratio`` / 100, computed with a bit-parallel longest common subsequence.
    """
    if a_key == b_key:
        return 1.0
    if not a_key or not b_key:
        return 0.0
    lcs = _lcs_length(_char_masks(a_key), len(a_key), b_key)
    return 2 * lcs / (len(a_key) + len(b_key))


def _blocks(key: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    words = [w[:_BLOCK_CHARS] for w in key.split() if len(w) >= _MIN_WORD_CHARS]
    pairs = tuple(set(map(hash, zip(words, words[1:], strict=False))))
    triples = tuple(set(map(hash, zip(words, words[1:], words[2:], strict=False))))
    return pairs, triples


def _allowed(n_blocks: int, kind: int) -> int:
    # One changed word, plus one more for every ten blocks (about ten words).
    return _PER_WORD[kind] * (1 + n_blocks // 10)


def _posted(kind: int, n_triples: int) -> bool:
    """Say whether a stored title is indexed under its pairs, or its triples.

    A query with four or more triples probes triples, a shorter one pairs; a title within
    one changed word of such a query has at most five triples, or at least two.
    """
    if kind == _PAIR:
        return n_triples < _TRIPLES_FROM + 2
    return n_triples >= _TRIPLES_FROM - 2


def _rarest(blocks, kind: int, frequency: dict[int, int]) -> list[int]:
    ranked = sorted(zip(map(frequency.get, blocks, repeat(0)), blocks, strict=True))
    return [block for _count, block in ranked[: _allowed(len(blocks), kind) + 1]]


class TitleIndex:
    """Normalised titles and their items, searchable for a near-identical title."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self._keys: list[str] = []
        self._items: list[Hashable] = []
        self._flat = array("q")  # each title's pair hashes, then its triple hashes
        self._bounds = array("q", [0])  # title i: pairs [2i, 2i+1), triples [2i+1, 2i+2)
        self._frequency: dict[int, int] | None = None  # frozen counts of repeated blocks
        self._frozen_at = 0
        self._postings: dict[int, int | list[int]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str, item: Hashable) -> None:
        """Index a normalised title for `item`."""
        position = len(self._keys)
        pairs, triples = _blocks(key)
        self._keys.append(key)
        self._items.append(item)
        self._flat.extend(pairs)
        self._bounds.append(len(self._flat))
        self._flat.extend(triples)
        self._bounds.append(len(self._flat))
        if self._frequency is not None:
            for kind, blocks in ((_PAIR, pairs), (_TRIPLE, triples)):
                if _posted(kind, len(triples)):
                    for block in _rarest(blocks, kind, self._frequency):
                        self._post(block, position)

    def _post(self, block: int, position: int) -> None:
        # Most blocks lead to one title: store it bare rather than in a list.
        posted = self._postings.get(block)
        if posted is None:
            self._postings[block] = position
        elif isinstance(posted, int):
            self._postings[block] = [posted, position]
        else:
            posted.append(position)

    def _slice(self, position: int, kind: int):
        return self._flat[self._bounds[2 * position + kind] : self._bounds[2 * position + kind + 1]]

    def _refreeze(self) -> None:
        """Count the blocks, then index every title under its rarest few, all in numpy."""
        import numpy as np  # counting a million hashes in a dict would take ~70 MB

        self._frozen_at, self._postings = len(self._keys), {}
        if not self._flat:
            self._frequency = {}
            return
        flat = np.frombuffer(self._flat, dtype=np.int64)
        bounds = np.frombuffer(self._bounds, dtype=np.int64)
        sizes = np.diff(bounds)  # segment 2i: title i's pairs; 2i + 1: its triples
        segment = np.repeat(np.arange(len(sizes)), sizes)
        values, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
        repeated = counts > 1  # a block seen once ranks as unseen, as in `_rarest`
        self._frequency = dict(
            zip(values[repeated].tolist(), counts[repeated].tolist(), strict=True)
        )
        rank_count = np.where(repeated, counts, 0)[inverse]
        # Sort by segment, then rarity, then hash (`inverse` ranks the hashes): one packed key
        # when it fits in 63 bits (always, below millions of titles), else a slower lexsort.
        count_bits, value_bits = int(counts.max()).bit_length(), len(values).bit_length()
        if len(sizes).bit_length() + count_bits + value_bits <= 63:
            packed = (segment << (count_bits + value_bits)) | (rank_count << value_bits) | inverse
            order = np.argsort(packed)
        else:
            order = np.lexsort((flat, rank_count, segment))
        segment = segment[order]
        kind = segment % 2
        triples = sizes[segment | 1]
        allowed = np.where(kind == _PAIR, _PER_WORD[_PAIR], _PER_WORD[_TRIPLE])
        allowed = allowed * (1 + sizes[segment] // 10)
        posted = np.where(kind == _PAIR, triples < _TRIPLES_FROM + 2, triples >= _TRIPLES_FROM - 2)
        keep = posted & (np.arange(len(flat)) - bounds[segment] <= allowed)
        blocks, titles = flat[order][keep], segment[keep] // 2
        if not len(blocks):
            return
        by_block = np.argsort(blocks, kind="stable")
        blocks, titles = blocks[by_block], titles[by_block].tolist()
        starts = np.flatnonzero(np.r_[True, blocks[1:] != blocks[:-1]]).tolist()
        ends = [*starts[1:], len(titles)]
        self._postings = {
            block: titles[start] if end - start == 1 else titles[start:end]
            for block, start, end in zip(blocks[starts].tolist(), starts, ends, strict=True)
        }

    def find(self, key: str) -> Hashable | None:
        """Return the item of the most alike title at or above the threshold, else None.

        Titles that differ in a number or a month name are never alike, however close:
        "... recalls in October 2026" and "... in September 2026" are two bulletins.
        """
        if self._frequency is None or len(self._keys) > 2 * self._frozen_at + 1000:
            self._refreeze()
        pairs, triples = _blocks(key)
        kind, mine = (_TRIPLE, triples) if len(triples) >= _TRIPLES_FROM else (_PAIR, pairs)
        if not mine:
            return None
        candidates: set[int] = set()
        for block in _rarest(mine, kind, self._frequency):
            posted = self._postings.get(block)
            if isinstance(posted, int):
                candidates.add(posted)
            elif posted:
                candidates.update(posted)
        mine_set, misses = set(mine), _allowed(len(mine), kind)
        threshold = self.threshold
        lowest = threshold * len(key) / (2 - threshold)
        highest = (2 - threshold) * len(key) / threshold
        masks, length, markers = None, len(key), title_markers(key)
        best, best_score = None, threshold
        for position in sorted(candidates):
            other = self._keys[position]
            if not lowest <= len(other) <= highest or title_markers(other) != markers:
                continue
            theirs = self._slice(position, kind)
            shared = len(mine_set.intersection(theirs))
            if len(mine) - shared > misses or len(theirs) - shared > _allowed(len(theirs), kind):
                continue
            if masks is None:
                masks = _char_masks(key)
            score = 2 * _lcs_length(masks, length, other) / (length + len(other))
            if score > best_score or (best is None and score >= best_score):
                best, best_score = self._items[position], score
        return best
