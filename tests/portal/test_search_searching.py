"""The numpy query path (portal/search/searching.py) against Whoosh's own answers.

A small index in three segments, with deletions, is searched both ways: matches, totals,
facet counts (Whoosh's `groupedby`) and scores (Whoosh's BM25F) must agree. Title and body
keep no positions, so Whoosh cannot answer a phrase there: the oracle for a two-word phrase
is the stored text itself. No database and no app.
"""

import random

import numpy as np
import pytest
from whoosh import query as wq
from whoosh import sorting
from whoosh.analysis import StemmingAnalyzer
from whoosh.index import create_in, open_dir

from portal.search.index import complete, make_schema
from portal.search.query import parse
from portal.search.searching import (
    FACETS,
    SEGMENT_ARRAYS,
    IndexView,
    ViewCache,
    pair_analyzer,
    snippet,
)

WORDS = (
    "sepsis screening care homes valproate pregnancy haemorrhage maternity falls delirium "
    "insulin opioid early warning score handover pressure ulcers audit ward nurse"
).split()
STREAMS = ("maternity_neonatal", "medicines_safety", "system_safety")
QUERIES = [
    "sepsis",
    "sepsis care",
    "early warning",
    "sepsis OR insulin",
    "sepsis NOT care",
    "workstream:maternity audit",
    "title:handover",
    "stage:in_review",
    "year:2021 ward",
    '"early warning"',
    '"care homes" sepsis',
    "nomatchword",
]


def document(rng, n):
    idea = n % 4 == 0
    title, body = (
        " ".join(rng.choices(WORDS, k=4)),
        " ".join(rng.choices(WORDS, k=rng.randint(5, 40))),
    )
    return complete(
        {
            "doc_id": f"{'idea' if idea else 'item'}:{n}",
            "type": "idea" if idea else "item",
            "title": title,
            "body": body,
            "source": "submission" if idea else f"Feed {n % 5}",
            "workstream": " ".join(rng.sample(STREAMS, n % 3)).replace("_", " ") if idea else "",
            "workstream_key": ",".join(rng.sample(STREAMS, n % 3)) if idea else "",
            "stage": rng.choice(["draft", "in_triage", "in_review"]) if idea else "new",
            "year": 2018 + n % 6,
            "owner": str(n % 7) if idea else "",
            "vocab": f"{title} {body}",
        }
    )


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    rng = random.Random(4)
    ix = create_in(str(tmp_path_factory.mktemp("index")), make_schema())
    for start in (0, 300, 500):  # three segments
        writer = ix.writer()
        for n in range(start, start + (300 if start == 0 else 200)):
            writer.add_document(**document(rng, n))
        writer.commit(merge=False)
    writer = ix.writer()
    for n in range(0, 700, 9):
        writer.delete_by_term("doc_id", f"{'idea' if n % 4 == 0 else 'item'}:{n}")
    writer.commit(merge=False)
    return ix


@pytest.fixture(scope="module")
def view(ix):
    view = IndexView(ix)
    yield view
    view.close()


def without_phrases(view, q):
    """`q` with each title or body phrase replaced by the documents whose text holds it."""
    if type(q) is wq.Phrase and q.fieldname in ("title", "body"):
        n, analyse = len(q.words), StemmingAnalyzer()
        keys = [
            fields["doc_id"]
            for fields in view.searcher.all_stored_fields()
            for tokens in [[t.text for t in analyse(fields.get(q.fieldname, ""))]]
            if any(tokens[i : i + n] == q.words for i in range(len(tokens)))
        ]
        return wq.Or([wq.Term("doc_id", k) for k in keys]) if keys else wq.NullQuery
    return q if q.is_leaf() else q.apply(lambda sub: without_phrases(view, sub))


ALLOW = wq.Or(
    [
        wq.Term("type", "item"),
        wq.Term("owner", "3"),
        wq.And([wq.Term("type", "idea"), wq.Not(wq.Term("stage", "draft"))]),
    ]
)
DENY = wq.Or([wq.Term("doc_id", "idea:8"), wq.Term("doc_id", "item:13")])


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("allow, deny", [(None, None), (ALLOW, DENY)])
def test_totals_facets_and_scores_agree_with_whoosh(view, text, allow, deny):
    q = parse(text, view.schema)
    groups = {
        name: sorting.FieldFacet(f, allow_overlap=name == "workstream", maptype=sorting.Count)
        for name, f in FACETS.items()
    }
    whoosh = view.searcher.search(
        without_phrases(view, q), limit=None, filter=allow, mask=deny, groupedby=groups
    )
    found = view.run(q, allow, deny, 1)

    assert found.total == len(whoosh)
    for name in FACETS:
        expected = {str(k): n for k, n in whoosh.groups(name).items() if k not in (None, "")}
        assert dict(found.facets[name]) == expected, name
    assert len(found.keys) == min(10, len(whoosh))
    if '"' in text:
        return  # a phrase scores as its words do here; Whoosh scores the phrase's frequency
    # the same scores, up to a constant (Whoosh scores a NOT as 1 for every document)
    scores = view.scores(q, view.docs(q))
    shifts = [hit.score - scores[hit.docnum] for hit in whoosh]
    assert shifts == pytest.approx([shifts[0] if shifts else 0] * len(shifts), abs=1e-3)
    best = sorted((round(-h.score, 4), h.docnum) for h in whoosh)[:10]
    assert found.keys == [view.searcher.stored_fields(d)["doc_id"] for _s, d in best]


@pytest.mark.parametrize(
    "text",
    [
        *QUERIES,
        "early",
        '"warning early"',
        '"sepsis sepsis"',
        'title:"care homes"',
        '"care homes"~3',
    ],
)
def test_matches_agree_with_whoosh_including_two_word_phrases(view, text):
    q = parse(text, view.schema)
    expected = set(view.searcher.docs_for_query(without_phrases(view, q)))
    assert expected or text in ("nomatchword", '"sepsis sepsis"', '"warning early"')
    assert set(np.flatnonzero(view.docs(q))) == expected


def test_paging_and_past_the_end(view):
    q = parse("sepsis", view.schema)
    first, second = view.run(q, None, None, 1), view.run(q, None, None, 2)
    assert not set(first.keys) & set(second.keys) and len(second.keys) == 10
    last = view.run(q, None, None, 1000)
    assert last.page == -(-first.total // 10) and 0 < len(last.keys) <= 10


def test_pairs_and_snippets(view):
    tokens = [t.text for t in pair_analyzer()("Early warning in the ward scores")]
    assert tokens == ["earli warn", "warn ward", "ward score"]
    marked = snippet("Sepsis in care homes; more sepsis.", frozenset({"sepsi"}), view.schema)
    assert marked.count("\x02") == 2 and "\x02Sepsis\x03" in marked
    assert snippet("anything", frozenset(), view.schema) == ""


def test_suggestions_only_from_allowed_documents(view):
    everything = view.live
    assert view.suggest(["sepsiss", "care"], everything) == {"sepsiss": "sepsis"}
    assert view.suggest(["sepsis"], everything) == {}
    nothing = np.zeros(view.size, dtype=bool)
    assert view.suggest(["sepsiss"], nothing) == {}


def test_a_cached_view_is_kept_until_the_index_changes(tmp_path):
    rng = random.Random(1)
    ix = create_in(str(tmp_path), make_schema())
    writer = ix.writer()
    for n in range(50):
        writer.add_document(**document(rng, n))
    writer.commit()
    views = ViewCache()
    with views.lock:
        first = views.get(tmp_path, open_dir)
        assert views.get(tmp_path, open_dir) is first
        before = first.run(parse("zebra", first.schema), None, None, 1).total
        reads = len(SEGMENT_ARRAYS.items)
        writer = ix.writer()
        writer.add_document(**{**document(rng, 99), "title": "zebra crossing"})
        writer.commit(merge=False)
        second = views.get(tmp_path, open_dir)
        assert second is not first and first.searcher.is_closed
        assert (before, second.run(parse("zebra", second.schema), None, None, 1).total) == (0, 1)
        # the first segment's arrays were reused: only the new segment was read
        second.run(parse("sepsis", second.schema), None, None, 1)
        assert len(SEGMENT_ARRAYS.items) > reads
        views.forget()
    assert second.searcher.is_closed
