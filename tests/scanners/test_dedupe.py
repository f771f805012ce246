"""De-duplication: unique keys per feed, one item per work across feeds, tombstones."""

import random
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

import scanners.titles
from scanners import (
    TITLE_SIMILARITY,
    DuplicateIndex,
    Entry,
    is_tombstoned,
    title_key,
    title_similarity,
    tombstone_keys,
    unique_per_feed,
)

from .conftest import NOW

TRIAL = "Electronic prescribing and medication administration errors in English care homes"


def entry(title=TRIAL, *, key=None, doi=None, link=None, pmid=None, feed="https://f.example/"):
    return Entry(
        feed_url=feed,
        key=key or f"title:{title_key(title)}|2026-03-02",
        title=title,
        summary="",
        link=link,
        authors=(),
        published_at=NOW,
        published_guessed=False,
        doi=doi,
        pmid=pmid,
        title_key=title_key(title),
    )


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (TRIAL, TRIAL + ".", True),
        (TRIAL, TRIAL.replace("errors", "error"), True),
        (TRIAL, TRIAL.replace("English", "the English"), True),
        (TRIAL, TRIAL.replace("care homes", "hospitals"), False),  # 0.919: just below
        (TRIAL, TRIAL + ": a cost-effectiveness analysis", False),
        (TRIAL, TRIAL.replace("medication administration", "dispensing"), False),
        ("Haemorrhage after caesarean section", "Hemorrhage after cesarean section", True),
    ],
)
def test_title_similarity_threshold(a, b, same):
    score = title_similarity(title_key(a), title_key(b))

    assert 0 <= score <= 1
    assert (score >= TITLE_SIMILARITY) is same


def _lcs_by_table(a, b):
    row = [0] * (len(b) + 1)
    for char in a:
        previous = 0
        for j, other in enumerate(b, start=1):
            previous, row[j] = row[j], previous + 1 if char == other else max(row[j], row[j - 1])
    return row[-1]


@given(st.text("abcde ", max_size=80), st.text("abcde ", max_size=80))
def test_title_similarity_is_the_normalised_indel_similarity(a, b):
    expected = 1.0 if a == b else 2 * _lcs_by_table(a, b) / (len(a) + len(b))

    assert title_similarity(a, b) == pytest.approx(expected)


def test_title_similarity_edges():
    assert title_similarity("same words here", "same words here") == 1.0
    assert title_similarity("", "anything") == 0.0
    assert title_similarity("abc", "xyz") == 0.0


def test_unique_per_feed_keeps_the_first_of_each_key():
    first = entry(key="guid:a", title="First")
    repeated = [entry(key="guid:a", title="Again"), entry(key="guid:a", title="And again")]
    by_link = [entry(key="link:https://x.org/1"), entry(key="link:https://x.org/1")]

    kept, notes = unique_per_feed([first, *repeated, *by_link])

    assert kept == [first, by_link[0]]
    assert notes == [
        "2 entries repeated an id already seen in this feed, so only the first was kept.",
        "1 entry repeated a link already seen in this feed, so only the first was kept.",
    ]
    assert unique_per_feed([]) == ([], [])


def test_matches_the_same_doi_across_feeds():
    index = DuplicateIndex()
    index.add(7, doi="10.1136/BMJQS-2025-018842", link="https://pubmed.ncbi.nlm.nih.gov/1/")

    incoming = entry(
        "A different title altogether for the same paper", doi="10.1136/bmjqs-2025-018842"
    )

    assert index.match(incoming) == 7
    assert index.match(doi="10.1136/bmjqs-2025-018842") == 7
    assert index.match(doi="10.1136/bmjqs-2025-000000") is None


def test_matches_the_same_canonical_link_or_pubmed_id():
    index = DuplicateIndex()
    index.add_entry(3, entry(link="https://www.nice.org.uk/guidance/ng51", pmid="41234567"))

    assert index.match(link="https://www.nice.org.uk/guidance/ng51") == 3
    assert index.match(entry("Other title words for this", pmid="41234567")) == 3
    assert index.match(link="https://www.nice.org.uk/guidance/ng52") is None


def test_matches_a_near_identical_title_from_another_feed():
    index = DuplicateIndex()
    index.add_entry(1, entry(TRIAL, feed="https://pubmed.example/"))
    index.add_entry(2, entry("Insulin omission in hospital inpatients with type 1 diabetes"))

    bmj = entry(
        "Electronic-prescribing and medication administration error in English care homes.",
        feed="https://bmj.example/",
    )
    hospitals = entry(TRIAL.replace("care homes", "hospitals"))

    assert index.match(bmj) == 1
    assert index.match(title_key=title_key(TRIAL.upper() + "!")) == 1  # exact after normalising
    assert index.match(hospitals) is None


@pytest.mark.parametrize(
    ("stored", "incoming"),
    [
        (
            "Letters and medicine recalls sent to healthcare professionals in September 2026",
            "Letters and medicine recalls sent to healthcare professionals in October 2026",
        ),
        (
            "Drug Safety Update volume 20 issue 3: valproate and topiramate",
            "Drug Safety Update volume 20 issue 4: valproate and topiramate",
        ),
        (
            "National maternity safety report for the East of England 2025",
            "National maternity safety report for the East of England 2026",
        ),
    ],
)
def test_editions_that_differ_in_a_number_or_month_never_merge(stored, incoming):
    assert title_similarity(title_key(stored), title_key(incoming)) >= TITLE_SIMILARITY
    index = DuplicateIndex()
    index.add_entry(1, entry(stored))
    assert index.match(entry(incoming, feed="https://other.example/")) is None
    assert index.match(entry(stored + ".", feed="https://other.example/")) == 1


def test_short_titles_never_merge_on_the_title_alone():
    index = DuplicateIndex()
    index.add(1, title_key=title_key("Editorial"))
    index.add(2, title_key=title_key("Drug Safety Update"), doi="10.1000/dsu")

    assert index.match(entry("Editorial")) is None
    assert index.match(entry("Drug Safety Update")) is None
    assert index.match(entry("Drug Safety Update", doi="10.1000/DSU")) == 2


def test_the_first_item_added_for_a_key_wins():
    index = DuplicateIndex()
    index.add(1, doi="10.1000/x", title_key=title_key(TRIAL))
    index.add(2, doi="10.1000/x", title_key=title_key(TRIAL))

    assert index.match(doi="10.1000/x") == 1 and index.match(entry(TRIAL)) == 1
    assert len(index) == 1


def test_near_titles_are_found_among_many_without_comparing_every_pair(monkeypatch):
    """A speed sanity check that counts work instead of timing it."""
    rng = random.Random(7)
    words = (
        "patient safety incident harm learning staff culture escalation warning frailty "
        "polypharmacy discharge prescribing alert fatigue simulation mortality readmission "
        "equity maternity neonatal sepsis deterioration diagnostic insulin opioid falls "
        "handover surgery paediatric ambulance pharmacy nursing workforce digital cohort "
        "trial review qualitative evaluation implementation bundle checklist audit hospital"
    ).split()
    stored = {
        " ".join(rng.choice(words) for _ in range(rng.randint(7, 14))) + f" {n}"
        for n in range(5000)
    }
    stored = sorted(stored)
    compared = []
    real = scanners.titles._lcs_length

    def counting(*args, **kwargs):
        compared.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(scanners.titles, "_lcs_length", counting)
    index = DuplicateIndex()
    for item_id, title in enumerate(stored):
        index.add(item_id, title_key=title)

    near = {}
    for item_id in rng.sample(range(len(stored)), 100):
        title = stored[item_id].split()
        title.insert(3, "the")  # "…in the care…": a near-identical title
        near[" ".join(title)] = item_id
    new = [" ".join(rng.choice(words) for _ in range(10)) + " new" for _ in range(900)]

    found = {title: index.match(title_key=title) for title in [*near, *new]}

    assert all(found[title] == item_id for title, item_id in near.items())
    assert sum(found[title] is not None for title in new) <= 5
    assert len(compared) < 0.001 * len(stored) * len(found)  # a plain scan: 5,000,000


def test_tombstone_keys_and_matching():
    dismissed = entry(TRIAL, doi="10.1136/BMJQS-1", link="https://x.org/a")
    keys = set(tombstone_keys(dismissed.doi, dismissed.link, dismissed.title_key))

    assert keys == {"doi:10.1136/bmjqs-1", "url:https://x.org/a", f"title:{title_key(TRIAL)}"}
    assert is_tombstoned(dismissed, keys)
    assert is_tombstoned(entry("Another title for the same paper", doi="10.1136/bmjqs-1"), keys)
    assert is_tombstoned(entry("Another title for the same paper", link="https://x.org/a"), keys)
    assert is_tombstoned(entry(TRIAL.upper()), keys)
    assert not is_tombstoned(entry("Insulin omission in hospital inpatients"), keys)


def test_short_titles_are_not_tombstoned_by_title():
    assert tombstone_keys(None, None, title_key("Editorial")) == []
    editorial = replace(entry("Editorial"), doi=None)

    assert not is_tombstoned(editorial, {"title:editorial"})


VOCABULARY = (
    "safety medication errors care homes older people deterioration recognition escalation "
    "sepsis maternity neonatal stillbirth diagnostic delay emergency department handover "
    "insulin omission anticoagulation falls fractures pressure ulcers infection prevention "
    "surgical never events retained swab wrong site learning disability autism restraint "
    "mental health inpatients suicide prevention discharge summaries primary secondary "
    "interface prescribing pharmacist review polypharmacy frailty digital alerts fatigue"
).split()


def _one_word_changed(title, rng):
    words = title.split()
    where = rng.randrange(len(words))
    change = rng.choice(("replace", "insert", "delete", "suffix"))
    if change == "replace":
        words[where] = rng.choice(VOCABULARY)
    elif change == "insert":
        words.insert(where, rng.choice(VOCABULARY))
    elif change == "delete" and len(words) > 4:
        del words[where]
    else:
        words[where] += "s"
    return " ".join(words)


def test_the_index_finds_what_comparing_every_title_finds():
    rng = random.Random(11)
    stored = [
        " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(4, 18))) for _ in range(300)
    ]
    index = DuplicateIndex()
    for item_id, title in enumerate(stored[:150]):
        index.add(item_id, title_key=title)
    index.match(title_key="a first query freezes the order of blocks here")
    for item_id, title in enumerate(stored[150:], start=150):
        index.add(item_id, title_key=title)  # indexed under the frozen order

    matched = 0
    for title in rng.sample(stored, 150):
        query = _one_word_changed(title, rng)
        # Titles whose lengths differ by over 16% cannot be 0.92 alike: skip them.
        alike = [o for o in stored if 0.85 * len(query) <= len(o) <= len(query) / 0.85]
        best = max((title_similarity(query, other) for other in alike), default=0.0)

        found = index.match(title_key=query)

        if best >= TITLE_SIMILARITY:
            assert found is not None and title_similarity(query, stored[found]) >= TITLE_SIMILARITY
            matched += 1
        else:
            assert found is None
    assert matched >= 50  # the test exercises both outcomes


def test_titles_added_after_matching_starts_are_found_before_and_after_a_refreeze():
    rng = random.Random(5)
    titles = [" ".join(rng.choice(VOCABULARY) for _ in range(9)) + f" {n}" for n in range(1300)]
    index = DuplicateIndex()
    for item_id, title in enumerate(titles[:10]):
        index.add(item_id, title_key=title)
    assert index.match(title_key=titles[3] + " s") == 3  # freezes the order of blocks

    for item_id, title in enumerate(titles[10:200], start=10):
        index.add(item_id, title_key=title)
    assert index.match(title_key=titles[150].replace(" ", "  the ", 1)) == 150

    for item_id, title in enumerate(titles[200:], start=200):
        index.add(item_id, title_key=title)  # the index has doubled: the next match refreezes
    assert index.match(title_key="the " + titles[1299]) == 1299
    assert index.match(title_key=titles[3] + " s") == 3


@pytest.mark.parametrize("stored", [[], ["a b c d e f g h i j k l m n"], ["ab cd ef gh ij kl"]])
def test_an_index_without_usable_titles_matches_nothing(stored):
    index = DuplicateIndex()
    for item_id, title in enumerate(stored):
        index.add(item_id, title_key=title)

    assert index.match(title_key=title_key(TRIAL)) is None
    index.add(9, title_key=title_key(TRIAL))  # after the first match, titles still go in
    assert index.match(title_key=title_key(TRIAL) + "s") == 9
