"""Index 50,000 scanned items + 5,000 ideas with the portal's Whoosh schema and time queries.

Synthetic documents are stitched from a patient-safety vocabulary (seeded, so every run
indexes the same text). Printed: indexing docs/s, index size on disk, and query p50/p95 over
a fixed set of 200 realistic queries, each run as the search page runs it (safe parser, a
lead's permission filter, five facet counts, one page of 10 with highlighted snippets), then
the same queries on SQLite FTS5 (porter tokenizer, bm25, 10 rows) over the same documents as
a baseline. The last line is ``docs_per_s=... p50_ms=... p95_ms=... fts5_p95_ms=...``.

Run from the repository root: ``python bench/search.py [--items N] [--ideas N] [--keep DIR]``.
"""

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _no_shadow  # noqa: F401  (bench convention: keep bench/ off sys.path)
from whoosh import highlight, sorting
from whoosh import query as wq
from whoosh.index import create_in

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.search.index import make_schema  # noqa: E402
from portal.search.query import clean, parse, words  # noqa: E402

TOPICS = (
    "sepsis screening in care homes|valproate pregnancy prevention|postpartum haemorrhage "
    "risk|inpatient falls prevention|delirium screening older people|insulin safety on wards|"
    "opioid prescribing in primary care|NEWS2 deterioration escalation|handover of critically "
    "ill patients|pressure ulcer prevention|anticoagulant dosing errors|paediatric early "
    "warning score|medicines reconciliation at discharge|suicide prevention in mental health|"
    "diagnostic error in emergency departments|safer staffing on night shifts|learning from "
    "incidents|nasogastric tube misplacement|oxygen prescribing|acute kidney injury alerts"
).split("|")
FILLER = (
    "patients staff hospital trust audit outcomes harm incidents reporting improvement quality "
    "intervention evaluation cohort randomised trial qualitative interviews nurses doctors "
    "pharmacists families carers community primary secondary care pathway protocol guideline "
    "training checklist electronic record alert prompt bundle escalation monitoring review"
).split()
WORKSTREAMS = ("maternity_neonatal", "medicines_safety", "system_safety", "managing_deterioration")
MISSPELT = ["sepsiss", "valproat", "haemorrage", "delirum", "anticoagulent", "escalaton"]


def synthetic(rng, n_items, n_ideas):
    for n in range(n_items + n_ideas):
        topic = rng.choice(TOPICS)
        body = " ".join(
            [topic, *rng.choices(FILLER, k=60), rng.choice(TOPICS), *rng.choices(FILLER, k=40)]
        )
        idea = n >= n_items
        yield {
            "doc_id": f"{'idea' if idea else 'item'}:{n}",
            "type": "idea" if idea else "item",
            "title": f"{topic.capitalize()}: {' '.join(rng.choices(FILLER, k=5))}",
            "body": body,
            "authors": "" if idea else "A Author; B Author",
            "source": "submission" if idea else f"Feed {n % 12}",
            "doi": "" if idea else f"10.5555/bench.{n}",
            "reference": f"SP-2026-{n:05d}" if idea else "",
            "workstream": WORKSTREAMS[n % 4] if idea else "",
            "workstream_key": WORKSTREAMS[n % 4] if idea else "",
            "stage": rng.choice(["in_triage", "in_review", "shortlisted"]) if idea else "new",
            "year": 2015 + n % 12,
            "organisation": f"Trust {n % 40}" if idea else "",
            "owner": str(n % 900) if idea else "",
            "vocab": body,
        }


def queries(rng):
    """200 queries of the kinds people type: topics, pairs of words, fields, typos, phrases."""
    found = []
    for n in range(200):
        topic = rng.choice(TOPICS)
        kind = n % 5
        if kind == 0:
            found.append(topic)
        elif kind == 1:
            found.append(" ".join(rng.sample(topic.split(), min(2, len(topic.split())))))
        elif kind == 2:
            stream = rng.choice(["maternity", "medicines", "deterioration"])
            found.append(f"workstream:{stream} {topic.split()[0]}")
        elif kind == 3:
            found.append(rng.choice(MISSPELT))
        else:
            found.append(f'"{topic}"')
    return found


def build(directory, docs):
    ix = create_in(str(directory), make_schema())
    writer = ix.writer(limitmb=256, procs=1)
    count = 0
    started = time.perf_counter()
    for doc in docs:
        writer.add_document(**doc)
        count += 1
    writer.commit()
    return ix, count, time.perf_counter() - started


def time_whoosh(ix, texts):
    conditions = wq.Or(
        [
            wq.Term("type", "item"),
            wq.And([wq.Term("type", "idea"), wq.Not(wq.Term("stage", "draft"))]),
        ]
    )
    facets = {
        name: sorting.FieldFacet(field, allow_overlap=name == "workstream", maptype=sorting.Count)
        for name, field in {
            "type": "type",
            "workstream": "workstream_key",
            "stage": "stage",
            "source": "source",
            "year": "year",
        }.items()
    }
    timings = []
    with ix.searcher() as searcher:
        for text in texts:
            started = time.perf_counter()
            q = parse(clean(text), searcher.schema)
            page = searcher.search_page(
                q, 1, pagelen=10, filter=conditions, groupedby=facets, terms=True
            )
            page.results.fragmenter = highlight.ContextFragmenter(maxchars=300, surround=60)
            for hit in page:
                hit.highlights("body", top=2)
            if page.total < 10:
                for word in words(text):
                    if ("vocab", word.lower()) not in searcher.reader():
                        searcher.suggest("vocab", word.lower(), limit=3, maxdist=2)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def time_fts5(docs, texts):
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(doc_id UNINDEXED, title, body, tokenize='porter')"
    )
    conn.executemany(
        "INSERT INTO docs VALUES (?, ?, ?)", ((d["doc_id"], d["title"], d["body"]) for d in docs)
    )
    conn.commit()
    timings = []
    for text in texts:
        terms = [w for w in words(text) if w.lower() != "workstream"]
        match = " ".join(f'"{w}"' for w in terms) or '""'
        started = time.perf_counter()
        conn.execute(
            "SELECT doc_id, snippet(docs, 2, '<mark>', '</mark>', ' … ', 20) FROM docs "
            "WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 10",
            (match,),
        ).fetchall()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--ideas", type=int, default=5_000)
    parser.add_argument("--keep", type=Path, help="Build the index here and keep it.")
    args = parser.parse_args()

    directory = args.keep or Path(tempfile.mkdtemp(prefix="search-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    try:
        ix, count, seconds = build(directory, synthetic(random.Random(9), args.items, args.ideas))
        size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
        print(f"indexed {count:,} documents in {seconds:.1f} s ({count / seconds:,.0f} docs/s)")
        print(f"index size {size / 1e6:.1f} MB")
        texts = queries(random.Random(10))
        time_whoosh(ix, texts[:10])  # warm the caches, as a long-running worker would be
        whoosh_ms = time_whoosh(ix, texts)
        p50, p95 = statistics.median(whoosh_ms), percentile(whoosh_ms, 95)
        print(f"whoosh: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(whoosh_ms):.1f} ms")
        fts_ms = time_fts5(synthetic(random.Random(9), args.items, args.ideas), texts)
        fts_p95 = percentile(fts_ms, 95)
        print(f"sqlite fts5: p50 {statistics.median(fts_ms):.1f} ms, p95 {fts_p95:.1f} ms")
        print(
            f"docs_per_s={count / seconds:.0f} p50_ms={p50:.1f} p95_ms={p95:.1f} "
            f"fts5_p95_ms={fts_p95:.1f}"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
