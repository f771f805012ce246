"""Safe query parsing, on an index of a few thousand documents (no database needed).

Whoosh's default parser let single queries run for minutes. Each of these must simply
return: no timed asserts (bench/search.py measures), but an expanding wildcard, a range or
a 100,000-character query would make this module take minutes rather than a second or two.
"""

import random

import pytest
from whoosh import sorting
from whoosh.index import create_in
from whoosh.query import NullQuery

from portal.search.index import make_schema
from portal.search.query import MAX_QUERY_CHARS, clean, parse, words
from tests.portal.search_helpers import BAD_INPUT

VOCABULARY = (
    "sepsis screening care homes valproate pregnancy haemorrhage maternity falls delirium "
    "insulin opioid deterioration escalation handover pressure ulcers medicines safety audit "
    "anticoagulant ward nurse midwife paediatric discharge"
).split()


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    rng = random.Random(9)
    ix = create_in(str(tmp_path_factory.mktemp("index")), make_schema())
    writer = ix.writer()
    for n in range(3000):
        text = " ".join(rng.choices(VOCABULARY, k=40)) + f" token{n} a{n}b"
        writer.add_document(
            doc_id=f"item:{n}",
            type="item" if n % 3 else "idea",
            title=" ".join(rng.choices(VOCABULARY, k=6)),
            body=text,
            vocab=text,
            source=f"Feed {n % 7}",
            stage="new",
            year=2000 + n % 26,
            workstream_key="maternity_neonatal,medicines_safety" if n % 2 else "",
            owner=str(n % 50),
        )
    writer.commit()
    with ix.searcher() as s:
        yield s


@pytest.mark.parametrize("text", BAD_INPUT, ids=range(len(BAD_INPUT)))
def test_bad_input_parses_to_a_small_query_and_returns(searcher, text):
    q = parse(clean(text), searcher.schema)
    facets = {"year": sorting.FieldFacet("year", maptype=sorting.Count)}
    found = searcher.search_page(q, 1, pagelen=10, groupedby=facets)
    assert found.total <= 3000
    leaves = _leaves(q)
    assert all(getattr(leaf, "fieldname", None) not in ("owner", "vocab") for leaf in leaves)
    assert not {type(leaf).__name__ for leaf in leaves} & EXPENSIVE


EXPENSIVE = {"Every", "Wildcard", "TermRange", "NumericRange", "Prefix", "FuzzyTerm", "Regex"}


def _leaves(q):
    if q is NullQuery or type(q).__name__ == "_NullQuery":
        return []
    return [q] if q.is_leaf() else list(q.leaves())


def test_length_and_terms_are_capped():
    assert len(clean("x" * 100_000)) == MAX_QUERY_CHARS
    assert clean("  sepsis\x00\n\tcare\u202e ") == "sepsis care"
    assert len(words("word " * 1000)) <= 24


def test_field_queries_and_plain_words_still_work(searcher):
    found = searcher.search(parse("workstream:maternity", searcher.schema))
    assert parse("workstream:maternity", searcher.schema).fieldname == "workstream"
    assert searcher.search(parse("token17", searcher.schema)).scored_length() == 1
    assert searcher.search(parse('"sepsis screening', searcher.schema)).scored_length() > 0
    assert found is not None
