"""Word n-gram TF-IDF built from texts' words, so the per-text part can be computed ahead.

Screening fits its vocabulary once per pool, and for a national pool (25,000 items) most of
that fit was scikit-learn's `TfidfVectorizer` reading every text again: lowercasing, stripping
accents, matching words, joining n-grams and counting them in a dict. The first part belongs to
one text alone and never changes, so a scanned item's words (`text_tokens`: lowercased, in
order, one space between) are computed once, when it arrives, and stored. The
pool's part is numpy: `PoolWords` numbers the pool's words once, and `TokenTfidf` forms the
n-grams and counts them with array operations (a radix sort groups the bigrams).

`TokenTfidf` gives the matrix `TfidfVectorizer` gives with the same settings (sublinear tf,
smooth idf, L2-normalised rows, terms in alphabetical column order, the same `min_df` and
`max_df` pruning, English stop words removed before n-grams are formed), to rounding, from
texts or from their stored words alike.
"""

import re
import unicodedata
from collections import defaultdict
from itertools import count

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.preprocessing import normalize

__all__ = ["PoolWords", "TokenTfidf", "text_tokens"]

_WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
_DIGIT = 16  # bits sorted per pass of the radix sort (numpy sorts 16-bit keys by radix)


def text_tokens(text: str) -> str:
    """A text's words, lowercased, in order and joined by single spaces: what `TokenTfidf`
    reads, and what a scanned item stores when it arrives. A newline, not a space, ends the
    words of the text's first line (its title), for readers that weigh titles
    (`scoring.screening_tail.title_twice`); splitting on whitespace does not see it. When
    stripping the text's accents changes its words, the stripped words follow after a tab
    (scikit-learn strips a whole text before finding words, and a mark such as "™" becomes
    letters)."""
    text = text.lower()
    words = _line_words(text)
    if text.isascii():
        return words
    decomposed = unicodedata.normalize("NFKD", text)  # as strip_accents="unicode"
    stripped = _line_words("".join(c for c in decomposed if not unicodedata.combining(c)))
    return words if stripped == words else f"{words}\t{stripped}"


def _line_words(text: str) -> str:
    """The text's words joined by spaces, a newline after the first line's (if both parts
    have words)."""
    title, _, rest = text.partition("\n")
    first, after = " ".join(_WORD.findall(title)), " ".join(_WORD.findall(rest))
    return f"{first}\n{after}" if first and after else first or after


class PoolWords:
    """A pool's words numbered once, shared by every vectoriser fitted on the pool.

    Attributes
    ----------
    words : list of str
        Each word, by id (in order of first appearance).
    ids : dict
        Each word to its id.
    flat : ndarray of int
        Every text's word ids, one text after another.
    lengths : ndarray of int
        Words per text.
    """

    def __init__(self, tokens):
        numbered = defaultdict(count().__next__)
        number = numbered.__getitem__  # C all the way: map, dict lookup, counter
        sequences, stripped = [], []
        for text in tokens:
            words, tab, without_accents = text.partition("\t")
            sequence = np.fromiter(map(number, words.split()), np.int64)
            sequences.append(sequence)
            stripped.append(
                np.fromiter(map(number, without_accents.split()), np.int64) if tab else sequence
            )
        self.ids = dict(numbered)
        self.words = list(self.ids)
        self.flat, self.lengths = _joined(sequences)  # the words as found (accents kept)
        changed = any(s is not q for s, q in zip(stripped, sequences, strict=True))
        self._stripped = _joined(stripped) if changed else None

    def stripped(self):
        """The same texts with their accents stripped (itself when that changes no word)."""
        if self._stripped is None:
            return self
        out = object.__new__(PoolWords)
        out.ids, out.words, out._stripped = self.ids, self.words, None
        out.flat, out.lengths = self._stripped
        return out

    def stop_mask(self):
        """Per word id, whether it is an English stop word."""
        return np.fromiter((w in ENGLISH_STOP_WORDS for w in self.words), bool, len(self.words))


class TokenTfidf:
    """Word 1- or 1-2-gram TF-IDF over `text_tokens` strings.

    Parameters
    ----------
    ngram_range : (1, 1) or (1, 2)
    min_df : int
        Terms in fewer texts are dropped.
    max_df : float
        Terms in more than this share of the texts are dropped.
    stop_words : bool
        Drop scikit-learn's English stop words before forming n-grams.
    strip_accents : bool
        Strip accents from the words first (scikit-learn's ``strip_accents="unicode"``).

    Attributes
    ----------
    terms_ : list of str
        The kept terms in column order (alphabetical, bigrams as "word word").
    idf_ : ndarray
        Per column, its inverse document frequency.
    """

    def __init__(
        self, ngram_range=(1, 2), min_df=1, max_df=1.0, stop_words=True, strip_accents=True
    ):
        if tuple(ngram_range) not in ((1, 1), (1, 2)):
            raise ValueError(f"ngram_range must be (1, 1) or (1, 2), got {ngram_range!r}")
        self.ngram_range = tuple(ngram_range)
        self.min_df, self.max_df, self.stop_words = min_df, max_df, stop_words
        self.strip_accents = strip_accents

    def fit_transform(self, tokens):
        """Fit the vocabulary and idf on `tokens` (one `text_tokens` string per text) and
        return their TF-IDF rows (csr, float64)."""
        return self.fit_words(PoolWords(tokens))[0]

    def fit_words(self, pool: PoolWords):
        """Fit on a pool's numbered words; return its TF-IDF rows, and each text's word ids in
        order with stop words dropped (as ``(flat, lengths)``, for `word_columns`)."""
        if self.strip_accents:
            pool = pool.stripped()
        self.ids_, self.words_ = pool.ids, pool.words
        self.stop_ = pool.stop_mask() if self.stop_words else np.zeros(len(pool.words), bool)
        flat, lengths = _drop(pool.flat, pool.lengths, self.stop_[pool.flat])
        unigrams, bigram_codes, doc_of_bigram = self._grams(flat, lengths)
        bigrams, which = _group(bigram_codes)
        n_words, n_docs = len(self.words_), lengths.size
        counts = sparse.csr_matrix(
            (
                np.ones(unigrams[0].size + which.size),
                (
                    np.concatenate((unigrams[0], doc_of_bigram)),
                    np.concatenate((unigrams[1], n_words + which)),
                ),
            ),
            shape=(n_docs, n_words + bigrams.size),
        )  # duplicates summed: the term counts
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        high = self.max_df * n_docs if isinstance(self.max_df, float) else self.max_df
        kept = np.flatnonzero((df >= self.min_df) & (df <= high))
        if not kept.size:
            raise ValueError("After pruning, no terms remain; lower min_df or raise max_df")
        words = self.words_
        terms = [
            words[k] if k < n_words else _bigram_name(bigrams[k - n_words], n_words, words)
            for k in kept.tolist()
        ]
        order = sorted(range(len(terms)), key=terms.__getitem__)
        self.terms_ = [terms[i] for i in order]
        column = np.full(counts.shape[1], -1, dtype=np.int64)
        column[kept[order]] = np.arange(kept.size)
        self.word_column_ = column[:n_words]
        is_bigram = kept >= n_words
        self.bigram_codes_ = bigrams[kept[is_bigram] - n_words]  # sorted, as `bigrams` is
        self.bigram_columns_ = column[kept[is_bigram]]
        self.idf_ = np.log((1 + n_docs) / (1 + df[kept[order]])) + 1.0
        return self._weighted(_renumbered(counts, column, kept.size)), (flat, lengths)

    def transform(self, tokens):
        """TF-IDF rows of `tokens` with the fitted vocabulary (terms not in it are dropped)."""
        ids = self.ids_
        sequences = [
            np.fromiter(
                (
                    ids.get(w, -2 if self.stop_words and w in ENGLISH_STOP_WORDS else -1)
                    for w in self._words(t)
                ),
                np.int64,
            )
            for t in tokens
        ]
        lengths = np.fromiter((s.size for s in sequences), np.int64, len(sequences))
        flat = np.concatenate(sequences) if sequences else np.empty(0, np.int64)
        flat, lengths = _drop(flat, lengths, (flat == -2) | ((flat >= 0) & self.stop_[flat]))
        (doc, word), codes, doc_of_bigram = self._grams(flat, lengths)
        known = word >= 0
        doc, column = doc[known], self.word_column_[word[known]]
        if codes.size:
            at = np.minimum(np.searchsorted(self.bigram_codes_, codes), self.bigram_codes_.size - 1)
            hit = self.bigram_codes_[at] == codes if self.bigram_codes_.size else codes < 0
            doc = np.concatenate((doc, doc_of_bigram[hit]))
            column = np.concatenate((column, self.bigram_columns_[at[hit]]))
        keep = column >= 0
        counts = sparse.csr_matrix(
            (np.ones(int(keep.sum())), (doc[keep], column[keep])),
            shape=(lengths.size, len(self.terms_)),
        )
        return self._weighted(counts)

    def _words(self, tokens):
        words, tab, stripped = tokens.partition("\t")
        return (stripped if tab and self.strip_accents else words).split()

    def word_columns(self):
        """The kept unigrams: per word id, the unigram's rank among them in column order (-1
        when the word is not a kept term), and their columns in order."""
        columns = np.sort(self.word_column_[self.word_column_ >= 0])
        rank = np.full(len(self.words_), -1, dtype=np.int64)
        kept = np.flatnonzero(self.word_column_ >= 0)
        rank[kept] = np.searchsorted(columns, self.word_column_[kept])
        return rank, columns

    def _grams(self, flat, lengths):
        """The unigrams as (text, word id) and the bigrams' codes (first * n_words + second)
        with their texts; word ids below 0 (unknown words) make no bigram."""
        doc = np.repeat(np.arange(lengths.size), lengths)
        if self.ngram_range[1] < 2 or flat.size < 2:
            return (doc, flat), np.empty(0, np.int64), np.empty(0, np.int64)
        pair = (doc[1:] == doc[:-1]) & (flat[1:] >= 0) & (flat[:-1] >= 0)
        codes = flat[:-1][pair] * len(self.words_) + flat[1:][pair]
        return (doc, flat), codes, doc[:-1][pair]

    def _weighted(self, counts):
        counts.data = np.log(counts.data) + 1.0  # sublinear tf
        counts.data *= self.idf_[counts.indices]
        return normalize(counts)


def _drop(flat, lengths, dropped):
    """Each text's word ids without the `dropped` ones."""
    doc = np.repeat(np.arange(lengths.size), lengths)
    return flat[~dropped], np.bincount(doc[~dropped], minlength=lengths.size)


def _group(codes):
    """The distinct codes, sorted, and each code's index among them.

    A least-significant-digit radix sort: numpy sorts 16-bit keys stably by radix, several
    times faster than a comparison sort of the 64-bit codes."""
    if not codes.size:
        return codes, codes
    order = np.arange(codes.size)
    shift, top = 0, int(codes.max())
    while True:
        digit = ((codes[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += _DIGIT
        if top >> shift == 0:
            break
    ordered = codes[order]
    first = np.empty(codes.size, dtype=bool)
    first[0], first[1:] = True, ordered[1:] != ordered[:-1]
    index = np.empty(codes.size, dtype=np.int64)
    index[order] = np.cumsum(first) - 1
    return ordered[first], index


def _bigram_name(code, n_words, words):
    first, second = divmod(int(code), n_words)
    return f"{words[first]} {words[second]}"


def _renumbered(counts, column, n_columns):
    """`counts` with its columns renumbered by `column` (-1: dropped)."""
    new = column[counts.indices]
    keep = new >= 0
    row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    indptr = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of[keep], minlength=counts.shape[0]), out=indptr[1:])
    return sparse.csr_matrix(
        (counts.data[keep], new[keep], indptr), shape=(counts.shape[0], n_columns)
    )


def _joined(sequences):
    """Texts' word ids one after another, and words per text."""
    lengths = np.fromiter((s.size for s in sequences), np.int64, len(sequences))
    return (np.concatenate(sequences) if sequences else np.empty(0, np.int64)), lengths
