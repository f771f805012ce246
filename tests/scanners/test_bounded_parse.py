"""A bounded parse: feedparser never reads past the entry cap or the markup budget, runs within
limits, and small internal entities are read while amplifying ones are refused."""

import xml.etree.ElementTree as ET

import pytest

import scanners.bound
import scanners.parse
from scanners import ParseLimits, parse_feed
from scanners.parse import ENTITY_REFUSAL

from . import slow
from .conftest import NOW

RSS = {"content-type": "application/rss+xml"}
CAP_50000 = "The feed held 50,000 entries; only the first 500 were read."


def item(n, title=None, extra=b""):
    title = title or b"Patient safety alert %d" % n
    return b"<item><title>%s</title><guid>https://alerts.example/%d</guid>%s</item>" % (
        title,
        n,
        extra,
    )


def rss(items, head=b"<?xml version='1.0' encoding='utf-8'?>"):
    channel = b"<channel><title>NHS England alerts</title>" + b"".join(items) + b"</channel>"
    return head + b"<rss version='2.0'>" + channel + b"</rss>"


def parse(body, **options):
    return parse_feed(
        body, feed_url="https://feeds.example/alerts", fetched_at=NOW, headers=RSS, **options
    )


def test_a_feed_of_50000_entries_is_cut_at_the_cap_before_feedparser_reads_it(handed_over):
    parsed = parse(rss(item(n) for n in range(50_000)))

    [document] = handed_over
    assert document.count(b"<item>") == 500 and document.endswith(b"</channel></rss>")
    ET.fromstring(document)  # well-formed: feedparser's strict parser reads it to the end
    assert len(parsed.entries) == 500 and parsed.entries[-1].key.endswith("/499")
    assert parsed.errors == [CAP_50000]


@pytest.mark.parametrize("where", [3, 40_000], ids=["within-the-cap", "after-the-cap"])
def test_a_bare_ampersand_does_not_make_feedparser_read_the_whole_feed(handed_over, where):
    items = [item(n) for n in range(50_000)]
    items[where] = item(where, b"Fish & chips")

    parsed = parse(rss(items))

    [document] = handed_over
    assert document.count(b"<item>") == 500
    assert len(parsed.entries) == 500
    if where < 500:  # feedparser's loose parser reads the cut document
        assert parsed.errors[0].startswith("The feed is not well-formed XML at line 1")
        assert parsed.errors[1:] == [CAP_50000]
    else:  # cut away before feedparser saw it
        assert parsed.errors == [CAP_50000]


ATOM = "http://www.w3.org/2005/Atom"
NAMESPACED = {
    "atom": (
        f"<feed xmlns='{ATOM}'><title>t</title>"
        + "".join(f"<entry><id>urn:{n}</id><title>E{n}</title></entry>" for n in range(5))
        + "</feed>"
    ),
    "atom-prefixed": (
        f"<a:feed xmlns:a='{ATOM}'><a:title>t</a:title>"
        + "".join(
            f"<a:entry><a:id>urn:{n}</a:id><a:title>E{n}</a:title></a:entry>" for n in range(5)
        )
        + "</a:feed>"
    ),
    "rss10": (
        "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' "
        "xmlns='http://purl.org/rss/1.0/'><channel rdf:about='c'><title>t</title><items>"
        "<rdf:Seq>" + "".join(f"<rdf:li resource='urn:{n}'/>" for n in range(5)) + "</rdf:Seq>"
        "</items></channel>"
        + "".join(f"<item rdf:about='urn:{n}'><title>E{n}</title></item>" for n in range(5))
        + "</rdf:RDF>"
    ),
}


@pytest.mark.parametrize("body", NAMESPACED.values(), ids=NAMESPACED.keys())
def test_namespaced_feeds_are_cut_at_the_cap_and_stay_well_formed(handed_over, body):
    parsed = parse(body.encode(), max_entries=2)

    [document] = handed_over
    ET.fromstring(document)
    assert b">E1<" in document and b">E2<" not in document
    assert [e.title for e in parsed.entries] == ["E0", "E1"]
    assert parsed.errors == ["The feed held 5 entries; only the first 2 were read."]


def described(text):
    return b"<description>" + text + b"</description>"


MARKUP = {
    # what the feed holds after two entries, and how many of its pieces may reach feedparser
    "elements": ([b"<x/>" * 5_000, item(2)], b"<x/>", 500),  # a start and an end tag each
    "references": ([item(2, extra=described(b"&amp;" * 5_000))], b"&amp;", 0),
    "lines": ([item(2, extra=described(b"\n" * 5_000))], b"\n", 0),
}


@pytest.mark.parametrize(("rest", "piece", "most"), MARKUP.values(), ids=MARKUP.keys())
def test_markup_beyond_the_budget_never_reaches_feedparser(
    monkeypatch, handed_over, rest, piece, most
):
    monkeypatch.setattr(scanners.bound, "MAX_MARKUP", 1_000)

    parsed = parse(rss([item(0), item(1), *rest]))

    [document] = handed_over
    ET.fromstring(document)
    assert document.count(piece) <= most
    assert [e.title for e in parsed.entries][:2] == [
        "Patient safety alert 0",
        "Patient safety alert 1",
    ]
    assert parsed.errors == [
        "The feed holds more markup than the scanner reads (a very large or deeply nested "
        f"document), so reading stopped part way: {len(parsed.entries)} entries read."
    ]


@pytest.mark.parametrize(
    "element",
    [
        # feedparser's strict parser looks each attribute up in a list: 20,000 take it 9 s
        b"<category " + b" ".join(b"a%d='x'" % n for n in range(65)) + b">c</category>",
        b"<link href='https://alerts.example/" + b"x" * (256 * 1024) + b"'/>",
    ],
    ids=["65-attributes", "a-256-KB-tag"],
)
def test_the_read_stops_before_an_element_no_feed_needs(handed_over, element):
    parsed = parse(rss([item(0), item(1, extra=element), item(2)]))

    [document] = handed_over
    assert element[:9] not in document and b"alerts.example/2" not in document
    assert [e.title for e in parsed.entries] == ["Patient safety alert 0", "Patient safety alert 1"]
    assert "reading stopped part way: 2 entries read." in parsed.errors[0]


def test_a_root_declaring_many_namespaces_is_read():
    spaces = b"".join(b" xmlns:n%d='https://ns.example/%d'" % (n, n) for n in range(80))
    body = rss([item(0), item(1)]).replace(b"<rss version='2.0'", b"<rss version='2.0'" + spaces)

    parsed = parse(body)

    assert len(parsed.entries) == 2 and parsed.errors == []


def test_long_texts_come_back_from_feedparser_cut_to_100000_characters():
    words = b"word " * 60_000  # 300,000 characters
    body = rss([item(0, extra=described(words))])

    (entry,) = parse(body).entries

    assert entry.summary == ("word " * 20_000).strip()


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE rss [<!ENTITY org "NHS England">]>',
        b"\n<!DOCTYPE rss [\n  <!ENTITY org 'NHS England'>\n  <!ENTITY team \"Safety\">\n]>\n",
    ],
    ids=["one-line", "multi-line"],
)
def test_a_few_small_internal_entities_are_read_not_refused(doctype):
    items = [item(n, b"From &org;: alert %d" % n) for n in range(3)]
    body = rss(items, head=b"<?xml version='1.0'?>" + doctype).replace(
        b"<title>NHS England alerts", b"<title>&org; alerts"
    )

    parsed = parse(body)

    assert not parsed.rejected and parsed.errors == []
    assert parsed.title == "NHS England alerts"
    assert [e.title for e in parsed.entries] == [f"From NHS England: alert {n}" for n in range(3)]


@pytest.mark.parametrize(
    "body",
    [
        # each value is small, but 2,000 references would add 400 KB
        rss(
            [item(0, b"&big;" * 2_000)],
            head=b'<!DOCTYPE rss [<!ENTITY big "' + b"x" * 200 + b'">]>',
        ),
        rss(
            [item(0)],
            head=b"<!DOCTYPE rss [" + b"".join(b'<!ENTITY e%d "x">' % n for n in range(17)) + b"]>",
        ),
        rss([item(0)], head=b'<!DOCTYPE rss [<!ENTITY org "NHS">\n<!ELEMENT rss ANY>]>'),
        rss([item(0)], head=b'<!DOCTYPE rss [<!ENTITY org SYSTEM "file:///etc/passwd">]>'),
    ],
    ids=["used-too-often", "too-many", "with-an-element-rule", "external"],
)
def test_entities_that_could_amplify_or_reach_out_are_still_refused(body):
    parsed = parse(body)

    assert parsed.rejected and parsed.errors == [ENTITY_REFUSAL]


@pytest.mark.parametrize(
    ("reader", "limits", "sentence"),
    [
        (slow.spin, ParseLimits(cpu_seconds=1), "The feed took too long to read"),
        (
            slow.hog,
            ParseLimits(memory_bytes=256 * 1024**2),
            "too much memory to read (over 256 MB)",
        ),
    ],
    ids=["time", "memory"],
)
def test_a_parse_over_its_limits_is_an_error_on_the_result(monkeypatch, reader, limits, sentence):
    # Stands in for feedparser meeting a document it is slow or greedy on.
    monkeypatch.setattr(scanners.parse, "read_with_feedparser", reader)

    parsed = parse(rss([item(0)]), limits=limits)

    assert parsed.rejected and parsed.entries == []
    assert len(parsed.errors) == 1 and sentence in parsed.errors[0]
