"""The SSRF guard: feeds are fetched only from public addresses, vetted at connect time.

A feed URL is supplied by a user, so a hostile one could point the scanner at the server's
own loopback, the office network or a cloud metadata service. `GuardedBackend` is an httpcore
network backend: when httpcore opens a connection it resolves the name itself, refuses the
connection if any address is not public (unless a setting allows that network), and connects
to the address it vetted. Checking and connecting use the same answer, so a name that changes
its answer between a check and a connect (DNS rebinding) gains nothing. TLS still verifies the
certificate against the host name, which httpcore passes separately.
"""

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

import httpcore
import httpx

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Metadata services answer with cloud credentials: never exempt, whatever is allowed.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, RFC 6598

_deadline: ContextVar[float | None] = ContextVar("scanners_fetch_deadline", default=None)


class GuardError(Exception):
    """A connection the guard would not make (not an OSError: httpcore must not remap it)."""


class BlockedAddressError(GuardError):
    def __init__(self, host: str, address: str, reason: str) -> None:
        super().__init__(f"{host} resolves to {address}, {reason}")
        self.host, self.address, self.reason = host, address, reason


class DnsError(GuardError):
    def __init__(self, host: str, detail: str) -> None:
        super().__init__(f"{host} did not resolve: {detail}")
        self.host, self.detail = host, detail


@lru_cache(maxsize=32)
def _networks(allowed: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in allowed)


def _embedded(address: IPAddress) -> Iterator[IPAddress]:
    """Yield the IPv4 addresses an IPv6 address carries (6to4, Teredo, NAT64), then itself.

    An IPv4-mapped address (::ffff:a.b.c.d) is only its IPv4 address.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            yield address.ipv4_mapped
            return
        if address.sixtofour:
            yield address.sixtofour
        if address.teredo:
            yield from address.teredo
        if address in _NAT64:
            yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    yield address


def _reason(address: IPAddress) -> str | None:
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if address in _SHARED:
        return "a carrier-grade NAT address"
    if not address.is_global:
        return "a non-public address"  # other special-purpose ranges
    return None


def blocked_reason(address: str, allowed_networks: Iterable[str] = ()) -> str | None:
    """Return why the scanner must not connect to this IP address, or None if it may."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    allowed = _networks(tuple(allowed_networks))
    for candidate in _embedded(parsed):
        if candidate in METADATA_ADDRESSES:
            return "a cloud metadata address"
        if any(candidate in network for network in allowed):
            continue
        reason = _reason(candidate)
        if reason:
            return reason
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve a host name with the operating system; return its addresses in order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@contextmanager
def fetch_deadline(deadline: float | None) -> Iterator[None]:
    """Make every guarded read, write, connect and lookup finish by `deadline` (monotonic)."""
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def _within(timeout: float | None, error: type[Exception]) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the whole-fetch deadline passed")
    return left if timeout is None else min(timeout, left)


def _resolve(resolver: Resolver, host: str, port: int, timeout: float | None) -> list[str]:
    """Run the resolver, giving up after `timeout` (getaddrinfo itself has no timeout)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["addresses"] = resolver(host, port)
        except Exception as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, name="scanners-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise httpcore.ConnectTimeout(f"looking up {host} took too long")
    if "error" in box:
        raise DnsError(host, str(box["error"]) or type(box["error"]).__name__)
    return list(box.get("addresses") or ())


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation also respects the whole-fetch deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _within(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _within(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> "DeadlineStream":
        timeout = _within(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """An httpcore backend that resolves, vets and then connects to the vetted address."""

    def __init__(
        self, *, allowed_networks: Iterable[str] = (), resolver: Resolver | None = None
    ) -> None:
        self.allowed_networks = tuple(allowed_networks)
        self.resolver = resolver or system_resolver
        self._inner = httpcore.SyncBackend()

    def vetted_addresses(self, host: str, port: int, timeout: float | None = None) -> list[str]:
        """Resolve `host` once and return its addresses, or raise if any may not be used."""
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
            addresses = [host]
        except ValueError:
            addresses = _resolve(self.resolver, host, port, timeout)
        if not addresses:
            raise DnsError(host, "no addresses")
        for address in addresses:
            reason = blocked_reason(address, self.allowed_networks)
            if reason:
                raise BlockedAddressError(host, address, reason)
        return addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options=None,
    ) -> httpcore.NetworkStream:
        addresses = self.vetted_addresses(host, port, _within(timeout, httpcore.ConnectTimeout))
        failure: Exception | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=_within(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return DeadlineStream(stream)
        assert failure is not None
        raise failure

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise GuardError("the scanner never connects to local sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@lru_cache(maxsize=2)
def _ssl_context(verify: bool):
    # Loading the CA bundle takes milliseconds; one context serves every fetch.
    return httpx.create_ssl_context(verify=verify, trust_env=False)


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport whose every connection goes through `GuardedBackend`; no proxies."""

    def __init__(
        self,
        *,
        allowed_networks: Iterable[str] = (),
        resolver: Resolver | None = None,
        verify: bool = True,
    ) -> None:
        # httpx offers no public hook for httpcore's network backend, so instead of calling
        # HTTPTransport.__init__ (which builds its own pool) this sets the one attribute its
        # methods use, `_pool`: HTTP/1.1, no retries, no proxy, the guarded backend.
        self.backend = GuardedBackend(allowed_networks=allowed_networks, resolver=resolver)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(verify),
            max_connections=10,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=self.backend,
        )
