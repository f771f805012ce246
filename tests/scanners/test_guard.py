"""The SSRF guard: refused addresses are never contacted, and the vetted address is the one used.

No test here opens a socket to anything but 127.0.0.1: the `connections` fixture records
every attempt and refuses any other address, and names resolve only through fake resolvers.
"""

import httpx
import pytest

from scanners import FetchSettings, GuardedTransport, blocked_reason, fetch_feed

from .conftest import LOOPBACK, NOW

OPEN = FetchSettings()  # the production setting: no network is exempt


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.20", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.10", "private"),  # a documentation range, private to ipaddress
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "metadata"),
        ("2002:a00:1::", "private"),  # 6to4 wrapping 10.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 wrapping 10.0.0.1
        ("not-an-address", "not an IP"),
    ],
)
def test_non_public_addresses_are_refused(address, reason):
    assert reason in blocked_reason(address)


@pytest.mark.parametrize("address", ["130.14.29.110", "151.101.2.133", "2606:4700::6810:84e5"])
def test_public_addresses_are_allowed(address):
    assert blocked_reason(address) is None


def test_allowed_networks_exempt_an_address_but_never_metadata():
    assert blocked_reason("127.0.0.1", LOOPBACK) is None
    assert blocked_reason("::ffff:127.0.0.1", LOOPBACK) is None
    assert blocked_reason("10.1.2.3", ("10.0.0.0/8",)) is None
    assert "metadata" in blocked_reason("169.254.169.254", ("169.254.0.0/16",))


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("intranet.nhs.example", "10.0.0.1"),
        ("metadata.example", "169.254.169.254"),
        ("ec2-metadata.example", "fd00:ec2::254"),
        ("mixed.example", ["130.14.29.110", "192.168.0.7"]),
    ],
)
def test_a_name_resolving_to_a_refused_address_is_never_contacted(
    name, address, fake_resolver, connections, no_system_dns
):
    resolver = fake_resolver({name: address if isinstance(address, list) else [address]})

    result = fetch_feed(
        f"https://{name}/feed.xml", settings=OPEN, resolver=resolver, clock=lambda: NOW
    )

    assert result.error_kind == "blocked_address" and result.status is None
    assert name in result.error and "does not contact" in result.error
    assert connections == [] and no_system_dns == []
    assert resolver.lookups == [name]


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:7f00:1]:8080/feed",
        "http://127.0.0.1:9/feed",
        "http://0.0.0.0/feed",
    ],
)
def test_an_ip_literal_is_vetted_too(url, connections):
    result = fetch_feed(url, settings=OPEN, clock=lambda: NOW)

    assert result.error_kind == "blocked_address"
    assert connections == []


def test_the_connection_goes_to_the_address_that_was_vetted(
    server, fake_resolver, connections, no_system_dns
):
    # DNS rebinding: the first answer passes the check; any later lookup would say 10.0.0.1.
    # The fetch must use the first answer for the connection and never look the name up again.
    url = server.feed("/feed", "pubmed_medication_errors.rss20.xml")
    url = url.replace("127.0.0.1", "rebind.example")
    resolver = fake_resolver({"rebind.example": [["127.0.0.1"], ["10.0.0.1"]]})
    settings = FetchSettings(allowed_networks=LOOPBACK)

    result = fetch_feed(url, settings=settings, resolver=resolver, clock=lambda: NOW)

    assert result.ok and result.status == 200
    assert resolver.lookups == ["rebind.example"]
    assert connections == [("127.0.0.1", server.port)]
    assert no_system_dns == []
    (headers,) = server.hits("/feed")
    assert headers["host"] == f"rebind.example:{server.port}"  # Host (and SNI) keep the name


def test_a_rebound_name_is_refused_when_the_connect_time_answer_is_private(
    fake_resolver, connections, no_system_dns
):
    # The opposite order: whatever a check before the fetch saw, the answer at connect time
    # is the one vetted, and it is refused.
    resolver = fake_resolver({"rebind.example": [["10.0.0.1"], ["130.14.29.110"]]})

    result = fetch_feed("http://rebind.example/feed", settings=OPEN, resolver=resolver)

    assert result.error_kind == "blocked_address" and "10.0.0.1" in result.error
    assert connections == []


class FirstHopOpen(httpx.BaseTransport):
    """Stands in for a public feed host: only the first request may reach the test server."""

    def __init__(self, then: httpx.BaseTransport) -> None:
        self.first = GuardedTransport(allowed_networks=LOOPBACK)
        self.then = then
        self.sent = 0

    def handle_request(self, request):
        self.sent += 1
        return (self.first if self.sent == 1 else self.then).handle_request(request)

    def close(self):
        self.first.close()
        self.then.close()


def test_a_redirect_to_loopback_is_refused_when_loopback_is_not_allowed(server, connections):
    secret = server.respond("/admin/secret", body=b"internal")
    url = server.redirect("/feed", secret)
    transport = FirstHopOpen(then=GuardedTransport())  # allowed_networks empty

    with transport:
        result = fetch_feed(url, settings=OPEN, transport=transport, clock=lambda: NOW)

    assert result.error_kind == "blocked_address"
    assert result.error.startswith(f"The feed redirected to {secret}")
    assert "loopback" in result.error
    assert len(server.hits("/feed")) == 1
    assert server.hits("/admin/secret") == []  # no request reached the refused address
    assert connections == [("127.0.0.1", server.port)]  # the first hop only


@pytest.mark.parametrize(
    ("name", "address"),
    [("intranet.nhs.example", "10.0.0.1"), ("metadata.example", "169.254.169.254")],
)
def test_a_redirect_to_a_private_or_metadata_name_is_refused(
    server, fake_resolver, connections, no_system_dns, name, address
):
    url = server.redirect("/feed", f"http://{name}/latest/meta-data/iam/")
    url = url.replace("127.0.0.1", "feeds.example")
    resolver = fake_resolver({"feeds.example": ["127.0.0.1"], name: [address]})
    settings = FetchSettings(allowed_networks=LOOPBACK)

    result = fetch_feed(url, settings=settings, resolver=resolver, clock=lambda: NOW)

    assert result.error_kind == "blocked_address"
    assert address in result.error and result.final_url.startswith(f"http://{name}/")
    assert resolver.lookups == ["feeds.example", name]
    assert connections == [("127.0.0.1", server.port)]


def test_a_name_that_does_not_resolve_is_a_dns_error(fake_resolver, connections):
    def resolver(host, port):
        raise OSError(f"no such host {host}")

    result = fetch_feed("https://feeds.invalid/rss", settings=OPEN, resolver=resolver)

    assert result.error_kind == "dns" and "feeds.invalid" in result.error
    assert connections == []


def test_a_lookup_that_hangs_is_cut_off_by_the_deadline(server, connections):
    def resolver(host, port):
        server.released.wait(10)  # returns when the test ends
        return ["130.14.29.110"]

    settings = FetchSettings(total_timeout=0.2)
    result = fetch_feed("https://slow-dns.example/rss", settings=settings, resolver=resolver)

    assert result.error_kind == "timeout"
    assert connections == []


def test_the_guarded_transport_uses_no_proxy_from_the_environment(server, monkeypatch, connections):
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.9.9.9:3128")
    url = server.feed("/feed", "nice_guidance.atom.xml")

    result = fetch_feed(url, settings=FetchSettings(allowed_networks=LOOPBACK))

    assert result.ok
    assert connections == [("127.0.0.1", server.port)]
