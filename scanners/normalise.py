"""Turn what feedparser produced into plain `Entry` records: clean text, canonical links, ids.

Every function here is pure and cheap: normalisation runs once per entry of every fetch, so
it must cost a small fraction of feedparser's own parse (see bench/ingest.py).
"""

import html
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from hashlib import sha256
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import nh3

from scanners.dates import published
from scanners.footers import strip_feed_footer
from scanners.records import Entry

# Block-level tags end a word: "<p>Background</p><p>Methods" must not read "BackgroundMethods".
_BLOCK_TAG = re.compile(
    r"<(?=/?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|section|article|header|"
    r"footer|dd|dt|dl|pre|hr|figure|figcaption)\b)",
    re.IGNORECASE,
)
_NO_TAGS: set[str] = set()
_TAG_LIKE = re.compile(r"<[A-Za-z/!]")

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt.mc_id",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
# Per-site parameters that only track the feed or the fetch (PubMed adds the fetch time).
_SITE_TRACKING = {
    "pubmed.ncbi.nlm.nih.gov": frozenset({"fc", "ff", "v"}),
    "bmj.com": frozenset({"rss"}),
    "medrxiv.org": frozenset({"rss"}),
    "biorxiv.org": frozenset({"rss"}),
}
_DEFAULT_PORTS = {"http": 80, "https": 443}

# A DOI is "10.<registrant>/<suffix>"; the suffix runs to whitespace or markup.
_DOI = re.compile(r"10\.\d{4,9}/[^\s\"'<>]+")
_DOI_TRAILING = ".,;:!?'\"]}>"
_DOI_URL_TAILS = ("/full", "/abstract", "/pdf", "/epdf", "/epub", ".full.pdf", ".pdf", ".full")
_PMID_PATTERNS = (
    re.compile(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d{1,9})\b"),
    re.compile(r"ncbi\.nlm\.nih\.gov/pubmed/(\d{1,9})\b"),
    re.compile(r"\b(?:pubmed|pmid)\s*:\s*(\d{1,9})\b", re.IGNORECASE),
)
_PUNCTUATION = re.compile(r"[^\w\s]|_")
MAX_KEY_LENGTH = 500  # longer keys become "kind:sha256:<hex>" so they fit a database column
# The fields of a feedparser entry that entry_from_feedparser reads: parsing keeps only these.
FEEDPARSER_FIELDS = frozenset(
    {"title", "summary", "content", "link", "links", "id", "dc_identifier", "identifier"}
    | {"prism_doi", "authors", "author", "published", "updated", "created"}
    | {"published_parsed", "updated_parsed", "created_parsed"}
)


def clean_text(html_or_text: str | None) -> str:
    """Strip all markup with a real sanitiser, decode entities and collapse whitespace."""
    if not html_or_text:
        return ""
    text = html_or_text
    if "<" in text:
        # nh3 (ammonia) drops script and style contents entirely and keeps other text.
        text = nh3.clean(_BLOCK_TAG.sub(" <", text), tags=_NO_TAGS)
    if "&" in text:
        text = html.unescape(text)
        if _TAG_LIKE.search(text):
            # Escaped markup ("&lt;p&gt;…", common in double-escaped feeds) is still markup.
            text = html.unescape(nh3.clean(text, tags=_NO_TAGS))
    return " ".join(text.split())


def canonical_url(url: str | None) -> str | None:
    """Return the http(s) URL without fragment, default port or tracking parameters, else None."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    # The netloc is rebuilt from host and port, so any user:password@ never reaches storage.
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    query = parts.query
    if query:
        site = _site_tracking(host)
        kept = [p for p in query.split("&") if p and not _is_tracking(p.split("=", 1)[0], site)]
        query = "&".join(kept)
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _site_tracking(host: str) -> frozenset[str]:
    for site, names in _SITE_TRACKING.items():
        if host == site or host.endswith("." + site):
            return names
    return frozenset()


def _is_tracking(name: str, site: frozenset[str]) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name in site or name.startswith(_TRACKING_PREFIXES)


def normalise_doi(text: str | None) -> str | None:
    """Find a DOI in a doi.org URL, a "doi:" string or free text; return it lower-case."""
    if not text or "10." not in text:
        return None
    if "%2" in text or "%3" in text:
        text = unquote(text)
    match = _DOI.search(text)
    if not match:
        return None
    doi = match.group(0)
    if "://" in text[: match.start()]:
        # Inside a URL the DOI stops at the query or fragment, and publishers add view suffixes.
        doi = re.split(r"[?#&]", doi, maxsplit=1)[0]
        lowered = doi.lower()
        for tail in _DOI_URL_TAILS:
            if lowered.endswith(tail):
                doi = doi[: -len(tail)]
                break
    doi = doi.rstrip(_DOI_TRAILING)
    while doi.endswith(")") and doi.count(")") > doi.count("("):
        doi = doi[:-1].rstrip(_DOI_TRAILING)
    return doi.lower() if "/" in doi and not doi.endswith("/") else None


def _sole_doi(text: str) -> str | None:
    """Return the DOI free text names, unless it names several (a summary citing others)."""
    if "10." not in text:
        return None
    found = {normalise_doi(match.group(0)) for match in _DOI.finditer(text)}
    found.discard(None)
    return found.pop() if len(found) == 1 else None


def find_pmid(*texts: str | None) -> str | None:
    """Return the first PubMed id in PubMed links or "pubmed:"/"pmid:" ids, digits only."""
    for text in texts:
        if not text:
            continue
        lowered = text.lower()
        if "pubmed" not in lowered and "pmid" not in lowered:
            continue
        for pattern in _PMID_PATTERNS:
            match = pattern.search(text)
            if match:
                return match.group(1).lstrip("0") or None
    return None


def title_key(title: str | None) -> str:
    """Normalise a title for matching: NFKC, casefold, punctuation removed, spaces collapsed."""
    if not title:
        return ""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def _authors(raw: Mapping[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for author in raw.get("authors") or ():
        name = author.get("name") if isinstance(author, Mapping) else author
        if isinstance(name, str):
            names.append(name)
    if not names and isinstance(raw.get("author"), str):
        names.append(raw["author"])
    seen: dict[str, None] = {}
    for name in names:
        cleaned = clean_text(name)
        if cleaned:
            seen.setdefault(cleaned, None)
    return tuple(seen)


def _link(raw: Mapping[str, Any]) -> str | None:
    link = canonical_url(raw.get("link"))
    if link:
        return link
    for candidate in raw.get("links") or ():
        if candidate.get("rel", "alternate") == "alternate":
            link = canonical_url(candidate.get("href"))
            if link:
                return link
    return None


def _summary(raw: Mapping[str, Any]) -> str:
    summary = raw.get("summary")
    if not summary:
        for content in raw.get("content") or ():
            if content.get("value"):
                summary = content["value"]
                break
    return strip_feed_footer(clean_text(summary if isinstance(summary, str) else None))


def _short_key(kind: str, value: str) -> str:
    key = f"{kind}:{value}"
    if len(key) > MAX_KEY_LENGTH:
        key = f"{kind}:sha256:{sha256(value.encode()).hexdigest()}"
    return key


def entry_from_feedparser(raw: Mapping[str, Any], *, feed_url: str, fetched_at: datetime) -> Entry:
    """Normalise one feedparser entry into an `Entry` (may raise; callers catch per entry)."""
    # A plain copy: FeedParserDict's fallbacks (updated_parsed -> published_parsed) warn.
    raw = dict(raw)
    title = clean_text(raw.get("title"))
    summary = _summary(raw)
    link = _link(raw)
    raw_id = raw.get("id")
    entry_id = raw_id.strip() if isinstance(raw_id, str) else ""
    identifier = raw.get("dc_identifier") or raw.get("identifier")
    prism_doi = raw.get("prism_doi")
    doi = (
        normalise_doi(prism_doi)
        or normalise_doi(identifier)
        or normalise_doi(entry_id)
        or normalise_doi(raw.get("link"))
        or _sole_doi(summary)
    )
    pmid = find_pmid(entry_id, raw.get("link"), identifier)
    published_at, guessed = published(raw, fetched_at)
    key_title = title_key(title)
    if entry_id:
        key = _short_key("guid", entry_id)
    elif link:
        key = _short_key("link", link)
    else:
        # With no title either, the opening of the summary stands in so entries stay apart;
        # a guessed date (the fetch time) would change every day, so it is left out.
        basis = key_title or title_key(summary[:200])
        date = "undated" if guessed else published_at.date().isoformat()
        key = _short_key("title", f"{basis}|{date}")
    return Entry(
        feed_url=feed_url,
        key=key,
        title=title,
        summary=summary,
        link=link,
        authors=_authors(raw),
        published_at=published_at,
        published_guessed=guessed,
        doi=doi,
        pmid=pmid,
        title_key=key_title,
    )
