"""parse_feed: formats, encodings, hostile documents and bad entries, all as results."""

import tracemalloc
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scanners.parse
from scanners import parse_feed
from scanners.parse import ENTITY_REFUSAL, WEB_PAGE_REFUSAL

from .conftest import FEEDS, NOW

XML = {"content-type": "application/xml"}


def parse(fixture_or_bytes, headers=XML, **options):
    body = fixture_or_bytes
    if isinstance(body, str):
        body = (FEEDS / body).read_bytes()
    return parse_feed(
        body, feed_url="https://feeds.example/feed", fetched_at=NOW, headers=headers, **options
    )


def test_rss_091_with_its_netscape_doctype_is_allowed():
    parsed = parse("mhra_dsu.rss091.xml")

    assert not parsed.rejected and parsed.format == "rss091n"
    assert parsed.title == "Drug Safety Update"
    valproate = parsed.entries[0]
    assert valproate.link == (
        "https://www.gov.uk/drug-safety-update/valproate-new-safety-and-educational-materials"
    )
    assert valproate.key == "link:" + valproate.link  # no guid in RSS 0.91
    assert valproate.published_guessed and valproate.published_at == NOW


def test_rss_10_reads_prism_doi_and_dc_identifier():
    parsed = parse("bmjqs_etoc.rss10.xml")

    assert parsed.format == "rss10" and parsed.title == "BMJ Quality & Safety current issue"
    rescue, diagnostic = parsed.entries
    assert rescue.doi == "10.1136/bmjqs-2025-019001"  # prism:doi
    assert diagnostic.doi == "10.1136/bmjqs-2025-019044"  # "doi: 10.1136/BMJQS-2025-019044."
    assert rescue.link == "https://qualitysafety.bmj.com/cgi/content/short/35/3/145"
    assert rescue.authors == ("Smith GB, Redfern OC, Pimentel MAF",)
    assert rescue.published_at.isoformat() == "2026-02-24T08:05:12+00:00"
    assert "212 000 NEWS2" in rescue.summary


def test_rss_20_pubmed_entries():
    parsed = parse("pubmed_medication_errors.rss20.xml")

    trial = parsed.entries[0]
    assert trial.key == "guid:pubmed:41234567"
    assert trial.pmid == "41234567" and trial.doi == "10.1136/bmjqs-2025-018842"
    assert trial.link == "https://pubmed.ncbi.nlm.nih.gov/41234567/"  # tracking dropped
    assert trial.summary.startswith("Background: Medication administration errors")
    assert "0.48–0.77" in trial.summary and "<" not in trial.summary
    assert trial.published_at.isoformat() == "2026-03-01T11:00:00+00:00"
    assert trial.title_key.startswith("electronic prescribing and medication administration")
    assert parsed.entries[2].doi is None and parsed.entries[2].pmid == "41229876"


def test_atom_entries_with_html_titles_and_relative_links():
    parsed = parse("nice_guidance.atom.xml")

    sepsis, care_homes = parsed.entries
    assert parsed.format == "atom10"
    assert sepsis.title == "Sepsis: recognition, diagnosis and early management (NG51) – update"
    assert sepsis.link == "https://www.nice.org.uk/guidance/ng51"  # utm_medium, gclid gone
    assert sepsis.authors == ("National Institute for Health and Care Excellence",)
    assert care_homes.link == "https://feeds.example/guidance/sc1"  # resolved against the feed
    assert care_homes.summary == "Safe and effective use of medicines for residents of care homes."


def test_a_windows_1252_body_declared_utf8_is_read_and_noted():
    parsed = parse("windows1252_declared_utf8.rss20.xml")

    (entry,) = parsed.entries
    assert entry.title == "Patients’ experience of café-style discharge lounges – a safety review"
    assert entry.summary == "Costs of £120 per bed day; “flow” improved."
    assert any("encoding was mislabelled" in error for error in parsed.errors)


@pytest.mark.parametrize("headers", [XML, None, {"content-type": "text/xml"}])
def test_a_latin1_body_without_a_declaration_is_read(headers):
    parsed = parse("latin1_undeclared.rss20.xml", headers=headers)

    assert parsed.title == "Société française d'anesthésie - sécurité"
    assert parsed.entries[0].title == "Sécurité des patients en réanimation pédiatrique"


def test_a_utf16_feed_is_read():
    parsed = parse("utf16_bom.atom.xml")

    (entry,) = parsed.entries
    assert entry.title == "Learning from deaths: “I wish someone had listened”"
    assert parsed.title == "Patient Safety Learning — blog"


def test_entries_without_id_link_title_or_date():
    parsed = parse("missing_fields.rss20.xml")

    oxygen, workforce, falls, virtual_wards, epr = parsed.entries
    assert (
        oxygen.key == "link:https://www.hssib.org.uk/patient-safety-investigations/oxygen-therapy/"
    )
    assert workforce.link is None and workforce.key == (
        "title:workforce and patient safety temporary staffing in mental health inpatient "
        "settings|2026-02-23"
    )
    assert falls.title == "" and falls.summary.startswith("Interim bulletin")
    assert virtual_wards.key == "guid:hssib-2026-017"
    assert virtual_wards.published_guessed and virtual_wards.published_at == NOW  # garbled
    assert epr.published_guessed and epr.published_at == NOW  # the year 2100
    assert not oxygen.published_guessed
    assert parsed.errors == []


def test_duplicate_guids_keep_the_first_entry_and_say_so():
    parsed = parse("duplicate_guids.rss20.xml")

    assert [e.title for e in parsed.entries] == [
        "Hospital at home and readmission after heart failure: a target trial emulation",
        "Nurse staffing levels and missed care in acute wards: a cross-sectional study",
    ]
    assert parsed.errors == [
        "2 entries repeated an id already seen in this feed, so only the first was kept."
    ]
    assert parsed.entries[0].doi == "10.1101/2026.02.20.26301234v1"


def test_hostile_html_becomes_plain_text_and_unsafe_links_are_dropped():
    parsed = parse("hostile_html.rss20.xml")

    tubes, oxygen = parsed.entries
    assert tubes.title == "Risk of death from unsafe enteral feeding tubes"
    assert tubes.summary == (
        "Nasogastric tubes placed in the lung must be detected before feeding. Read the alert "
        "Sign in framed & more."
    )
    assert tubes.link is None and oxygen.link is None  # javascript: and data: links
    assert oxygen.summary == "Details double escaped"
    for entry in parsed.entries:
        text = entry.title + entry.summary
        for unsafe in ("<", "script", "alert(", "onclick", "onerror", "javascript", "password"):
            assert unsafe not in text


def test_a_web_page_is_not_a_feed():
    html = {"content-type": "text/html; charset=utf-8"}
    parsed = parse("nhs_web_page.html", headers=html)

    assert parsed.rejected and parsed.entries == []
    assert parsed.errors == [WEB_PAGE_REFUSAL]


@pytest.mark.parametrize(
    "body",
    [b"", b"   \n", b'{"items": []}', b"Service temporarily unavailable", b"<?xml version='1.0'?>"],
)
def test_other_documents_are_rejected_not_raised(body):
    parsed = parse(body)

    assert parsed.rejected and parsed.entries == [] and len(parsed.errors) == 1


def test_a_bozo_feed_keeps_what_parsed_and_records_the_problem():
    parsed = parse("malformed_bozo.rss20.xml")

    assert not parsed.rejected
    assert [e.title for e in parsed.entries] == [
        "Wrong-site surgery: never events in 2025",
        "Safer handover at shift change",
    ]
    assert len(parsed.errors) == 1 and "not well-formed XML" in parsed.errors[0]


def _feed(n):
    items = "".join(
        f"<item><title>Never event report {i}: retained swab after caesarean section</title>"
        f"<guid>https://www.england.nhs.uk/never-events/{i}</guid></item>"
        for i in range(n)
    )
    return f"<rss version='2.0'><channel><title>NHS England</title>{items}</channel></rss>".encode()


def test_entries_are_capped():
    parsed = parse(_feed(8), max_entries=5)

    assert len(parsed.entries) == 5 and parsed.entries[-1].key.endswith("/never-events/4")
    assert parsed.errors == ["The feed held 8 entries; only the first 5 were read."]


def test_a_bad_entry_becomes_an_error_and_the_rest_continue(monkeypatch):
    real = scanners.parse.entry_from_feedparser

    def fragile(raw, **kwargs):
        if raw.get("title", "").endswith(" 2: retained swab after caesarean section"):
            raise ValueError("boom")
        return real(raw, **kwargs)

    monkeypatch.setattr(scanners.parse, "entry_from_feedparser", fragile)

    parsed = parse(_feed(4))

    assert [e.key[-1] for e in parsed.entries] == ["0", "1", "3"]
    assert parsed.errors == ["Entry 3 could not be read (ValueError): skipped."]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><description>&lol9;</description></item></channel></rss>
"""


def _big_entity(encoding="utf-8", declaration=True):
    """The attack feedparser falls for: one 10 KB "safe" entity used 7,000 times (70 KB)."""
    head = f'<?xml version="1.0" encoding="{encoding}"?>\n' if declaration else ""
    text = (
        head + '<!DOCTYPE rss [\n<!ENTITY big "' + "A" * 10_000 + '">\n]>\n'
        '<rss version="2.0"><channel><title>Safety</title><item><title>x</title>'
        "<description>" + "&big;" * 7_000 + "</description></item></channel></rss>"
    )
    return text.encode(encoding)


def _memory_peak(parse_call):
    tracemalloc.start()
    try:
        result = parse_call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        _big_entity(),
        _big_entity("utf-16"),
        _big_entity("utf-7"),  # an encoding that hides "<" as "+ADw-"
        _big_entity("utf-8").replace(b"<!DOCTYPE rss [\n", b"<!-- <a --><!DOCTYPE rss [\n"),
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ELEMENT rss ANY>]><rss version="2.0"/>',
        b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "x" [<!ENTITY % p "x">]><rss/>',
    ],
    ids=["billion-laughs", "big-entity", "utf-16", "utf-7", "hidden-head", "subset", "param"],
)
def test_entity_declarations_and_internal_subsets_are_refused(body):
    parsed, peak = _memory_peak(lambda: parse(body))

    assert parsed.rejected and parsed.entries == []
    assert parsed.errors == [ENTITY_REFUSAL]
    assert peak < 5 * 1024 * 1024


def test_an_entity_attack_is_refused_whatever_the_http_charset_says():
    body = _big_entity("utf-16", declaration=False)

    parsed = parse(body, headers={"content-type": "application/rss+xml; charset=utf-16"})

    assert parsed.rejected and parsed.errors == [ENTITY_REFUSAL]


def test_published_dates_are_utc_and_the_fetch_time_is_used_when_absent():
    body = (
        b"<rss version='2.0'><channel><title>t</title>"
        b"<item><guid>a</guid><title>Dated</title><pubDate>Mon, 02 Mar 2026 08:30:00 +0100"
        b"</pubDate></item>"
        b"<item><guid>b</guid><title>Too old</title><pubDate>Sat, 01 Jan 1870 00:00:00 GMT"
        b"</pubDate></item>"
        b"<item><guid>c</guid><title>Tomorrow</title><pubDate>Tue, 03 Mar 2026 09:00:00 GMT"
        b"</pubDate></item></channel></rss>"
    )

    dated, old, tomorrow = parse(body).entries

    assert dated.published_at == NOW - timedelta(minutes=90) and not dated.published_guessed
    assert old.published_guessed and old.published_at == NOW
    assert not tomorrow.published_guessed  # within two days of the fetch: clocks differ


def test_a_feed_labelled_text_html_is_still_a_feed():
    body = (FEEDS / "pubmed_medication_errors.rss20.xml").read_bytes()
    body = body.replace(b"<rss ", b"<!-- not an <html> page --><rss ", 1)

    parsed = parse(body, headers={"content-type": "text/html; charset=utf-8"})

    assert not parsed.rejected and len(parsed.entries) == 3 and parsed.errors == []


def test_an_xhtml_page_is_a_web_page():
    page = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>'

    assert parse(page).errors == [WEB_PAGE_REFUSAL]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_parse_feed_never_raises(body):
    parsed = parse(b"<rss version='2.0'><channel><item><title>" + body)

    assert isinstance(parsed.errors, list)
