"""Sending one signed request safely: where it may go (SSRF guard) and how it is sent.

No delivery reaches the platform's own network: the host is resolved and **every** address
it resolves to must be public (not private, loopback, link-local, cloud metadata, shared,
multicast, reserved or unspecified; IPv4-mapped IPv6 addresses are judged as their IPv4).
The connection goes to the address that was checked (no second lookup to rebind). Only
``https`` URLs are sent, redirects are never followed (a 3xx is a failure), proxies from
the environment are ignored, the timeout is short and only the start of a response is read.
``allow_private`` (``WEBHOOKS_ALLOW_PRIVATE``, for tests only) lifts the address check and
allows ``http``.

The resolver and the sender are injectable (``Transport``), so that tests never touch DNS.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

Resolver = Callable[[str, int], Sequence[str]]

#: Addresses refused whatever ``ipaddress`` thinks of them (cloud metadata services).
METADATA_NETWORKS = (
    ipaddress.ip_network("169.254.169.254/32"),
    ipaddress.ip_network("100.100.100.200/32"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT (shared address space)
)
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
EXCERPT_BYTES = 1000


class RefusedDestination(Exception):
    """The URL may not receive deliveries (its scheme, host or one of its addresses)."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (TCP), as strings."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: str) -> bool:
    """Whether ``address`` is a public unicast address (scoped IPv6 zone ids are ignored)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in METADATA_NETWORKS if network.version == ip.version):
        return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def check_url_shape(url: str, *, allow_private: bool = False) -> tuple[str, int]:
    """The host and port of a URL we could send to, or ``RefusedDestination`` saying why."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise RefusedDestination("That is not a valid URL.") from error
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise RefusedDestination("The URL must start with https://.")
    host = parts.hostname
    if not host or parts.username or parts.password:
        raise RefusedDestination("The URL needs a host name (and no user name or password).")
    if "." not in host and ":" not in host and not allow_private:
        raise RefusedDestination("The URL needs a full host name, such as hooks.example.com.")
    return host, port or (443 if parts.scheme == "https" else 80)


def check_destination(url: str, *, resolver: Resolver, allow_private: bool = False) -> list[str]:
    """Resolve the URL's host and refuse it unless every address is public; return them."""
    host, port = check_url_shape(url, allow_private=allow_private)
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = list(resolver(host, port))
        except (OSError, UnicodeError) as error:
            raise RefusedDestination(f"The host {host} could not be resolved.") from error
    if not addresses:
        raise RefusedDestination(f"The host {host} could not be resolved.")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise RefusedDestination(
                    f"The host {host} resolves to {address}, an address on a private network."
                )
    return addresses


@dataclass(frozen=True)
class Response:
    status: int | None
    excerpt: str | None
    duration_ms: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and self.error is None


Sender = Callable[[str, bytes, dict[str, str], float, float, Sequence[str]], Response]


class PinnedAdapter(HTTPAdapter):
    """Connect to the address that was checked, not to what DNS says a moment later (DNS
    rebinding); TLS still checks the certificate against the URL's host name."""

    def __init__(self, address: str) -> None:
        super().__init__(max_retries=0)
        self.address = address

    def get_connection_with_tls_context(self, *args: Any, **kwargs: Any) -> Any:
        pool = super().get_connection_with_tls_context(*args, **kwargs)
        new_conn = pool._new_conn
        address = self.address

        def pinned() -> Any:
            conn: Any = new_conn()
            server_hostname = conn.host
            conn._dns_host = address  # urllib3 opens the socket to this address
            conn.server_hostname = server_hostname  # SNI and the certificate's name
            return conn

        setattr(pool, "_new_conn", pinned)  # noqa: B010 (urllib3 has no public hook for this)
        return pool


def requests_sender(
    url: str,
    body: bytes,
    headers: dict[str, str],
    connect_timeout: float,
    read_timeout: float,
    addresses: Sequence[str] = (),
) -> Response:
    """POST with ``requests`` to the first checked address: no redirects, no proxies from the
    environment, a short read."""
    started = time.monotonic()
    with requests.Session() as session:
        session.trust_env = False
        if addresses:
            netloc = urlsplit(url).netloc.rsplit("@", 1)[-1]
            headers = {**headers, "Host": netloc}
            session.mount("https://", PinnedAdapter(addresses[0]))
            session.mount("http://", PinnedAdapter(addresses[0]))
        try:
            response = session.post(
                url,
                data=body,
                headers=headers,
                timeout=(connect_timeout, read_timeout),
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as error:
            elapsed = int((time.monotonic() - started) * 1000)
            return Response(None, None, elapsed, f"{type(error).__name__}: {error}")
        try:
            raw = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
        except Exception as error:  # a reset mid-body: the status still counts
            raw = f"(body unreadable: {type(error).__name__})".encode()
        finally:
            response.close()
    elapsed = int((time.monotonic() - started) * 1000)
    excerpt = raw.decode("utf-8", errors="replace")[:EXCERPT_BYTES]
    problem = None
    if 300 <= response.status_code < 400:
        problem = f"Redirect to {response.headers.get('Location', '?')} not followed."
    elif not 200 <= response.status_code < 300:
        problem = f"HTTP {response.status_code}"
    return Response(response.status_code, excerpt, elapsed, problem)


@dataclass
class Transport:
    """How deliveries reach the network; tests swap ``resolver`` and ``sender``."""

    resolver: Resolver = system_resolver
    sender: Sender = requests_sender
    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    allow_private: bool = False

    def send(self, url: str, body: bytes, headers: dict[str, str]) -> Response:
        """Check the destination, then send; a refusal is a failed response, never a raise."""
        started = time.monotonic()
        try:
            addresses = check_destination(
                url, resolver=self.resolver, allow_private=self.allow_private
            )
        except RefusedDestination as error:
            elapsed = int((time.monotonic() - started) * 1000)
            return Response(None, None, elapsed, f"Refused: {error}")
        return self.sender(url, body, headers, self.connect_timeout, self.read_timeout, addresses)
