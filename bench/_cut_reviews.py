"""Pseudo-reviews cut from the shared screening reviews, for choosing models and stopping rules.

A pseudo-review keeps a review's records but makes "relevant" the records that mention one
topic, with the topic's words deleted from every record: a model must find those records by
the company the deleted words kept. Topics are chosen to hold 1-6% of the records, like a real
review. Keyed by the CSV's file name without its extension.
"""

import re

import numpy as np

TOPICS = {
    "nudging": {
        "hand hygiene": r"\bhand[- ]?(?:hygiene|washing|wash|rub\w*)\b",
        "antibiotics": r"\bantibiotic\w*|\bantimicrobial\w*",
        "vaccination": r"\bvaccin\w*|\bimmuni[sz]\w*",
        "imaging": r"\bimaging\b|\bradiolog\w*|\bmri\b|\bx-?rays?\b|\bradiograph\w*",
        "diabetes": r"\bdiabet\w*",
    },
    "virus": {
        "rotavirus": r"\brotavir\w*",
        "hepatitis E": r"\bhepatitis e\b|\bhev\b",
        "astrovirus": r"\bastrovir\w*",
        "coronavirus": r"\bcoronavir\w*",
        "circovirus": r"\bcircovir\w*|\bpcv\d?\b",
    },
}


def pseudo_reviews(name, texts):
    """Yield (topic, texts with the topic's words deleted, 0/1 labels) for review `name`."""
    if name not in TOPICS:
        raise KeyError(f"no pseudo-reviews for {name!r}: there are some for {', '.join(TOPICS)}")
    for topic, pattern in TOPICS[name].items():
        words = re.compile(pattern, re.IGNORECASE)
        labels = np.array([int(bool(words.search(text))) for text in texts])
        yield topic, [words.sub(" ", text) for text in texts], labels
