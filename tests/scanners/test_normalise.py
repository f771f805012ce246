"""Normalising entries: clean text, canonical links, DOIs, PubMed ids, title keys, dates, keys."""

import time
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest

from scanners import canonical_url, clean_text, entry_from_feedparser, normalise_doi, title_key
from scanners.normalise import MAX_KEY_LENGTH, find_pmid

from .conftest import NOW


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Background</p><p>Methods<br>Results</p>", "Background Methods Results"),
        ("Never <b>events</b> &amp; near&nbsp;misses", "Never events & near misses"),
        ("<script>alert(1)</script><style>p{}</style>Safe", "Safe"),
        ('<a href="javascript:alert(1)" onclick="x()">Read</a>', "Read"),
        ("<form action=x><input value=secret><button>Go</button></form>", "Go"),
        ("&lt;p&gt;double &lt;i&gt;escaped&lt;/i&gt;&lt;/p&gt;", "double escaped"),
        ("p &lt; 0.05 and 3 &gt; 2", "p < 0.05 and 3 > 2"),
        ("  spaced \n\t out  ", "spaced out"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_text(html, text):
    assert clean_text(html) == text


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://WWW.NICE.ORG.UK:443/guidance/ng51#recs", "https://www.nice.org.uk/guidance/ng51"),
        ("http://example.org:80", "http://example.org/"),
        ("http://example.org:8080/a", "http://example.org:8080/a"),
        (
            "https://x.org/a?utm_source=rss&id=7&fbclid=1&gclid=2&mc_cid=3&mc_eid=4&page=2",
            "https://x.org/a?id=7&page=2",
        ),
        ("https://x.org/a?_hsenc=a&_hsmi=b&ref_src=twsrc&UTM_Medium=x", "https://x.org/a"),
        (
            "https://pubmed.ncbi.nlm.nih.gov/41234567/?fc=20260301&ff=20260302&v=2.18.0",
            "https://pubmed.ncbi.nlm.nih.gov/41234567/",
        ),
        (
            "https://qualitysafety.bmj.com/cgi/content/short/35/3/145?rss=1",
            "https://qualitysafety.bmj.com/cgi/content/short/35/3/145",
        ),
        ("https://other.example/feed?rss=1", "https://other.example/feed?rss=1"),
        ("https://user:pw@example.org/p", "https://example.org/p"),
        ("http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x"),
        (" https://example.org/with space ", "https://example.org/with space"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "ftp://ftp.example.org/x",
        "file:///etc/passwd",
        "mailto:safety@example.org",
        "/relative/path",
        "https://",
        "http://[::1",
        "",
        None,
    ],
)
def test_canonical_url_refuses_everything_but_http_and_https(url):
    assert canonical_url(url) is None


@pytest.mark.parametrize(
    ("text", "doi"),
    [
        ("https://doi.org/10.1136/bmjqs-2023-016000", "10.1136/bmjqs-2023-016000"),
        (
            "https://dx.doi.org/10.1136%2FBMJQS-2023-016000?utm_source=x",
            "10.1136/bmjqs-2023-016000",
        ),
        ("doi: 10.1136/BMJQS-2023-016000.", "10.1136/bmjqs-2023-016000"),
        ("info:doi/10.1136/bmjqs-2025-019001", "10.1136/bmjqs-2025-019001"),
        ("10.1136/bmjqs-2025-019001", "10.1136/bmjqs-2025-019001"),  # prism:doi
        ("PMID:41234567 | DOI:10.1111/dme.15431", "10.1111/dme.15431"),
        ("(see 10.1016/S0140-6736(23)01234-5)", "10.1016/s0140-6736(23)01234-5"),
        ("https://onlinelibrary.wiley.com/doi/full/10.1111/jep.13912", "10.1111/jep.13912"),
        ("https://onlinelibrary.wiley.com/doi/10.1111/jep.13912/abstract", "10.1111/jep.13912"),
        ("https://www.bmj.com/content/10.1136/bmj-2024-079999.full.pdf", "10.1136/bmj-2024-079999"),
        (
            "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0290000&type=x",
            "10.1371/journal.pone.0290000",
        ),
        ("version 10.2 of the guideline", None),
        ("10.1136/", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_doi(text, doi):
    assert normalise_doi(text) == doi


@pytest.mark.parametrize(
    ("texts", "pmid"),
    [
        (("pubmed:41234567",), "41234567"),
        (("https://pubmed.ncbi.nlm.nih.gov/41234567/?fc=1",), "41234567"),
        (("https://www.ncbi.nlm.nih.gov/pubmed/38000001",), "38000001"),
        ((None, "pmid:12345"), "12345"),
        (("PMID: 39999999",), "39999999"),
        (("https://example.org/pubmed-news",), None),
        ((None,), None),
    ],
)
def test_find_pmid(texts, pmid):
    assert find_pmid(*texts) == pmid


@pytest.mark.parametrize(
    ("title", "key"),
    [
        (
            "Medication Errors in Care Homes: A Systematic Review.",
            "medication errors in care homes a systematic review",
        ),
        ("ＮＥＷＳ２ escalation — “failure to rescue”", "news2 escalation failure to rescue"),
        ("Straße  und\tSTRASSE", "strasse und strasse"),
        ("Look-alike, sound-alike (LASA) drugs", "look alike sound alike lasa drugs"),
        ("", ""),
        (None, ""),
    ],
)
def test_title_key(title, key):
    assert title_key(title) == key


def struct(year, month, day, hour=0):
    return time.struct_time((year, month, day, hour, 0, 0, 0, 1, 0))


def test_entry_from_feedparser_falls_back_through_dates():
    raw = {"id": "x", "title": "t", "updated_parsed": struct(2026, 2, 1, 12)}

    entry = entry_from_feedparser(raw, feed_url="https://f.example/", fetched_at=NOW)

    assert entry.published_at.isoformat() == "2026-02-01T12:00:00+00:00"
    assert not entry.published_guessed


@pytest.mark.parametrize(
    "parsed",
    [None, struct(1850, 1, 1), struct(2026, 3, 5), struct(9999, 12, 31), "garbage", (2026,)],
)
def test_missing_absurd_or_garbled_dates_become_the_fetch_time(parsed):
    raw = {"id": "x", "title": "t", "published_parsed": parsed}

    entry = entry_from_feedparser(raw, feed_url="https://f.example/", fetched_at=NOW)

    assert entry.published_at == NOW and entry.published_guessed


def test_a_date_just_ahead_of_the_fetch_is_kept():
    ahead = NOW + timedelta(days=1)
    raw = {"id": "x", "published_parsed": ahead.timetuple()}

    entry = entry_from_feedparser(raw, feed_url="https://f.example/", fetched_at=NOW)

    assert entry.published_at == ahead and not entry.published_guessed


def test_keys_prefer_the_id_then_the_link_then_title_and_date():
    def key(**raw):
        return entry_from_feedparser(raw, feed_url="https://f.example/", fetched_at=NOW).key

    assert key(id="pubmed:1", link="https://x.org/1") == "guid:pubmed:1"
    assert key(link="https://x.org/1?utm_source=rss#top") == "link:https://x.org/1"
    dated = {"published_parsed": struct(2026, 2, 27)}
    assert key(link="javascript:void(0)", title="Falls: A Review", **dated) == (
        "title:falls a review|2026-02-27"
    )
    # A guessed date is the fetch time, which changes: the key must not.
    assert key(title="Falls: A Review") == "title:falls a review|undated"
    assert key(summary="<p>Only a summary</p>") == "title:only a summary|undated"


def test_very_long_ids_are_hashed_to_a_stable_bounded_key():
    raw = {"id": "urn:x:" + "9" * 2000, "title": "t"}

    first = entry_from_feedparser(raw, feed_url="https://f.example/", fetched_at=NOW)
    again = entry_from_feedparser(raw, feed_url="https://f.example/", fetched_at=NOW)

    assert first.key == again.key and first.key.startswith("guid:sha256:")
    assert len(first.key) <= MAX_KEY_LENGTH


def test_doi_sources_in_order_and_authors():
    raw = {
        "id": "https://doi.org/10.1000/from-id",
        "link": "https://doi.org/10.1000/from-link",
        "prism_doi": "10.1000/FROM-PRISM",
        "authors": [{"name": "Vincent C"}, {"name": "<b>Amalberti R</b>"}, {"name": "Vincent C"}],
        "title": "Safer healthcare",
    }

    entry = entry_from_feedparser(raw, feed_url="https://f.example/", fetched_at=NOW)

    assert entry.doi == "10.1000/from-prism"
    assert entry.authors == ("Vincent C", "Amalberti R")
    del raw["prism_doi"]
    assert entry_from_feedparser(raw, feed_url="x", fetched_at=NOW).doi == "10.1000/from-id"
    raw = {"title": "t", "summary": "Free text DOI: 10.1000/in-text."}
    assert entry_from_feedparser(raw, feed_url="x", fetched_at=NOW).doi == "10.1000/in-text"
    raw = {"title": "t", "summary": "Commentary on doi:10.1000/a, see also 10.1000/b."}
    assert entry_from_feedparser(raw, feed_url="x", fetched_at=NOW).doi is None  # ambiguous


HSSIB_COPY = Path(__file__).resolve().parents[2] / "portal" / "demo" / "feed_copies"
KEPT = "Nurses missed sepsis in care homes."


@pytest.mark.parametrize(
    ("summary", "stripped"),
    [
        (f"{KEPT} The post Sepsis: a review appeared first on HSSIB.", KEPT),
        (f"{KEPT} The post Sepsis. Part 2 first appeared on Safety Blog", KEPT),
        (f"{KEPT} Continue reading →", KEPT),
        (f'{KEPT} Continue reading "Sepsis in care homes"', KEPT),
        (f"{KEPT} Continue reading…", KEPT),
        (f"{KEPT} Read more at The BMJ.", KEPT),
        (f"{KEPT} Read more »", KEPT),
        (f"{KEPT} Read the full article", KEPT),
        ("Nurses missed sepsis in care homes [&hellip;]", "Nurses missed sepsis in care homes…"),
        ("Nurses missed sepsis in care homes [...]", "Nurses missed sepsis in care homes…"),
        # stacked footers, as WordPress excerpts write them
        (
            "Nurses missed sepsis [&hellip;] Continue reading → "
            "The post Sepsis appeared first on HSSIB.",
            "Nurses missed sepsis…",
        ),
        ("The post Sepsis appeared first on HSSIB.", ""),
        # a sentence of the abstract that uses the same words stays
        ("Staff continue reading the chart. Read more often than not.", None),
        ("The post appeared first on the ward rota. It was filled in 2024.", None),
        (f"{KEPT} Readers wanted more. Continue reading was not advised at night", None),
        (f"{KEPT} Continue reading Sepsis in care homes", None),
        ("We read more than 400 notes", None),
        ("Quotes [...] in the middle [...] are kept as they are.", None),
        (f"The post Sepsis appeared first on HSSIB. {KEPT}", None),
    ],
)
def test_feed_footers_are_stripped_from_summaries(summary, stripped):
    raw = {"id": "x", "title": "t", "summary": f"<p>{summary}</p>"}

    entry = entry_from_feedparser(raw, feed_url="https://f.example/", fetched_at=NOW)

    assert entry.summary == (summary if stripped is None else stripped).replace("&hellip;", "…")
    assert entry.title == "t"


def test_hssib_summaries_lose_their_wordpress_footer():
    parsed = feedparser.parse((HSSIB_COPY / "hssib-reports.xml").read_bytes())
    entries = [
        entry_from_feedparser(raw, feed_url="https://www.hssib.org.uk/", fetched_at=NOW)
        for raw in parsed.entries
    ]

    assert len(entries) == 15
    assert all(e.summary.endswith(".") for e in entries)
    assert not [e.summary for e in entries if "appeared first on" in e.summary]
    first = entries[0].summary
    assert first.startswith("This investigation explored how staff recognise deterioration")
    assert first.endswith("on hospital passports and baseline observations.")
