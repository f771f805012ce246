"""Fetch one feed over HTTP safely: bounded in time and size, guarded, never raising.

feedparser's own fetching has no timeout and follows redirects anywhere, so the scanner
fetches with httpx: redirects are followed by hand so each hop is checked, the body is read
as a stream and decompressed here so neither its wire size nor its inflated size can pass
the caps (a gzip bomb stops after 15 MB, not after filling memory), and a whole-fetch
deadline covers a server that drips its answer slowly.
"""

import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus

import httpx

from scanners.body import FetchStop, read_body
from scanners.guard import (
    BlockedAddressError,
    DnsError,
    GuardedTransport,
    GuardError,
    Resolver,
    fetch_deadline,
)
from scanners.records import FetchResult

ACCEPT = (
    "application/rss+xml, application/rdf+xml;q=0.8, application/atom+xml, "
    "application/xml;q=0.6, text/xml;q=0.6, */*;q=0.2"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class FetchSettings:
    """Limits for one fetch; `allowed_networks` lists CIDRs exempt from the SSRF guard."""

    connect_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 15 * 1024 * 1024
    max_decompressed_bytes: int = 15 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = (
        "SafetyPipeline/0.1 (+horizon scanning for the National Patient Safety Improvement "
        "Programmes)"
    )
    allowed_networks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A typo in a CIDR should fail when the settings are made, not at the first fetch.
        object.__setattr__(self, "allowed_networks", tuple(self.allowed_networks))
        for cidr in self.allowed_networks:
            ipaddress.ip_network(cidr, strict=False)


def _retry_after(value: str | None, now: datetime) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        if value.isdigit():
            return now + timedelta(seconds=int(value))
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when.astimezone(UTC), now)


def _http_error(status: int, url: str) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "an unexpected status"
    if status == 410:
        return f"The server says the feed at {url} is gone for good (410): remove or replace it."
    if status == 404:
        return f"The feed at {url} was not found (404): check the address."
    if status in (401, 403):
        return f"The server refused access to the feed ({status} {phrase})."
    if status in (429, 503):
        return f"The server asked the scanner to try again later ({status} {phrase})."
    return f"The server answered {status} ({phrase}) instead of the feed."


class _Fetch:
    """One fetch in progress: the hop being made and the last response seen."""

    def __init__(self, url, settings, transport, fetched_at) -> None:
        self.url, self.settings, self.transport = url, settings, transport
        self.fetched_at = fetched_at
        self.deadline = time.monotonic() + settings.total_timeout
        self.current, self.hop = url, 0
        self.status: int | None = None
        self.headers: dict[str, str] = {}

    def result(self, **fields) -> FetchResult:
        return FetchResult(
            url=self.url,
            final_url=self.current,
            fetched_at=self.fetched_at,
            status=self.status,
            headers=self.headers,
            **fields,
        )

    def target(self) -> httpx.URL:
        kind = "scheme" if self.hop == 0 else "redirects"
        where = "This address" if self.hop == 0 else f"The feed redirected to {self.current}, which"
        try:
            target = httpx.URL(self.current)
        except (httpx.InvalidURL, TypeError) as exc:
            raise FetchStop(kind, f"{where} is not a valid web address.") from exc
        if target.scheme not in ("http", "https") or not target.host:
            scheme = f"{target.scheme}:" if target.scheme else "no scheme"
            raise FetchStop(
                kind, f"{where} uses {scheme}; only http and https addresses are fetched."
            )
        return target

    def send(self, target: httpx.URL, headers: dict[str, str]) -> httpx.Response:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpx.ReadTimeout("the whole-fetch deadline passed")
        timeout = httpx.Timeout(left, connect=min(self.settings.connect_timeout, left))
        request = httpx.Request(
            "GET", target, headers=headers, extensions={"timeout": timeout.as_dict()}
        )
        response = self.transport.handle_request(request)
        response.request = request
        return response

    def run(self, etag: str | None, last_modified: str | None) -> FetchResult:
        headers = {
            "User-Agent": self.settings.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        visited = {self.current}
        while True:
            target = self.target()
            response = self.send(target, headers)
            try:
                self.status = response.status_code
                self.headers = {k.lower(): v for k, v in response.headers.items()}
                if self.status in REDIRECT_STATUSES:
                    self.redirect(target, response, visited)
                    continue
                if self.status == 304:
                    return self.result(
                        not_modified=True,
                        etag=response.headers.get("etag") or etag,
                        last_modified=response.headers.get("last-modified") or last_modified,
                    )
                if not 200 <= self.status < 300:
                    return self.failed_status()
                body = read_body(
                    response,
                    max_bytes=self.settings.max_bytes,
                    max_decompressed_bytes=self.settings.max_decompressed_bytes,
                    deadline=self.deadline,
                )
                return self.result(
                    body=body,
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                )
            finally:
                response.close()

    def redirect(self, target: httpx.URL, response: httpx.Response, visited: set[str]) -> None:
        location = response.headers.get("location")
        if not location:
            raise FetchStop(
                "http", f"The server answered {self.status} without saying where to go."
            )
        try:
            following = str(target.join(location.strip()))
        except httpx.InvalidURL as exc:
            raise FetchStop("redirects", "The feed redirected to an invalid address.") from exc
        if following in visited:
            raise FetchStop(
                "redirects", f"The feed's address redirects in a loop (via {following})."
            )
        if self.hop >= self.settings.max_redirects:
            raise FetchStop(
                "redirects",
                f"The feed's address redirected more than {self.settings.max_redirects} times.",
            )
        visited.add(following)
        self.current, self.hop = following, self.hop + 1

    def failed_status(self) -> FetchResult:
        status = self.status or 0
        retry_after = None
        if status in (429, 503):
            retry_after = _retry_after(self.headers.get("retry-after"), self.fetched_at)
        return self.result(
            gone=status == 410,
            retry_after=retry_after,
            error_kind="http",
            error=_http_error(status, self.current),
        )

    def failure(self, exc: Exception) -> FetchResult:
        """Turn what stopped the fetch into an error kind and a sentence a lead can act on."""
        host = _host(self.current)
        redirected = f"The feed redirected to {self.current}, but " if self.hop else ""
        if isinstance(exc, FetchStop):
            kind, sentence = exc.kind, exc.sentence
        elif isinstance(exc, BlockedAddressError):
            kind = "blocked_address"
            if exc.host == exc.address:
                where = f"{redirected or 'The address '}{exc.address} is"
            else:
                where = f"{redirected or 'The name '}{exc.host} resolves to {exc.address},"
            sentence = f"{where} {exc.reason}, which the scanner does not contact."
        elif isinstance(exc, DnsError):
            kind = "dns"
            sentence = f"{redirected or 'The name '}{exc.host} could not be found (DNS)."
        elif isinstance(exc, GuardError):
            kind = "blocked_address"
            sentence = f"{redirected or ''}The scanner refused the connection ({exc})."
        elif isinstance(exc, httpx.ConnectTimeout):
            kind = "timeout"
            sentence = f"Could not connect to {host} within {self.settings.connect_timeout:g} s."
        elif isinstance(exc, httpx.TimeoutException):
            kind = "timeout"
            sentence = f"The feed took longer than {self.settings.total_timeout:g} s to download."
        elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            kind, sentence = "scheme", "Only http and https addresses are fetched."
        else:
            kind = "connection"
            detail = str(exc) or type(exc).__name__
            sentence = f"Could not fetch the feed from {host} ({detail})."
        return self.result(error_kind=kind, error=sentence)


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host or url
    except (httpx.InvalidURL, TypeError):
        return url


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    settings: FetchSettings = FetchSettings(),  # noqa: B008 - frozen, so sharing is safe
    resolver: Resolver | None = None,
    clock: Callable[[], datetime] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> FetchResult:
    """Fetch a feed; problems come back as `error_kind` and `error`, never as exceptions."""
    fetched_at = (clock or (lambda: datetime.now(UTC)))()
    owned = transport is None
    if owned:
        transport = GuardedTransport(allowed_networks=settings.allowed_networks, resolver=resolver)
    fetch = _Fetch(url, settings, transport, fetched_at)
    try:
        with fetch_deadline(fetch.deadline):
            return fetch.run(etag, last_modified)
    except (FetchStop, GuardError, httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        return fetch.failure(exc)
    finally:
        if owned:
            transport.close()
