"""The address a request really comes from, for login lockouts, API throttles and the audit trail.

Behind a reverse proxy every request arrives from the proxy, and the client's address is in
X-Forwarded-For. That header is only as honest as whoever wrote it: a client can send its own,
naming any address it likes, to escape a lockout or to lock someone else out. So the header is
read only when the request comes from a proxy listed in TRUSTED_PROXIES, and then from the right,
skipping the trusted proxies themselves: the first address no trusted proxy vouches for is the
client (what a client prepended itself lies further left and is ignored).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the nearest address in X-Forwarded-For not vouched for by a trusted proxy."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _is_trusted(remote, networks):
        return remote
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(forwarded):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                # Garbage where an address should be: the trusted proxy is the last address known.
                return remote
    return forwarded[0] if forwarded else remote
