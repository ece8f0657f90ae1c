"""API throttles: per user when signed in, per address when not, stricter on the token endpoints.

DRF's own throttles keep a list of every request's time in the cache and write it back on each
request: the list grows with the rate, and two gunicorn workers writing it at once lose each
other's requests. These count in fixed windows with the cache's atomic increment instead, at the
cost of allowing up to twice the rate across a window boundary, which is enough to stop a runaway
client or a guessing script.

A round trip to Redis costs as much as a whole trivial request (≈0.25 ms here), so a worker does not
make one per request: it takes request numbers from the window's shared counter a few at a time (a
lease of 1/20 of the rate, at most 100; one at a time for rates under 40) and hands them out
locally. A request is let through only if its number is within the rate, so the rate is never
exceeded; a client whose requests go to several workers may be refused up to (workers − 1) × (lease
− 1) requests early, for numbers other workers hold and have not used.

Rates are read at each request from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (API_THROTTLE_* in
the environment); a rate of None turns that throttle off.
"""

from __future__ import annotations

import math
import threading

from rest_framework import throttling
from rest_framework.exceptions import APIException, Throttled
from rest_framework.settings import api_settings

from apps.core.client_address import client_address

THROTTLED = "请求过于频繁，请 {wait} 秒后再试。"


class TooManyRequests(Throttled):
    """429 with one Chinese sentence (DRF's would append its own); DRF's handler adds Retry-After."""

    def __init__(self, wait: int):
        APIException.__init__(self, THROTTLED.format(wait=wait))
        self.wait = wait


class _CountingThrottle(throttling.SimpleRateThrottle):
    def __init__(self):
        # SimpleRateThrottle reads its rate at construction; ours reads the settings as they are now.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self._wait = None

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request) -> str:
        return client_address(request)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        key = f"{self.key}:{window}"
        number = leases.number(self.cache, key, lease_size(self.num_requests), timeout=self.duration + 1)
        if number <= self.num_requests:
            return True
        self._wait = (window + 1) * self.duration - now
        # Raised here rather than returning False, so the answer is our Chinese one, not DRF's.
        raise TooManyRequests(wait=math.ceil(self._wait))

    def wait(self) -> float | None:
        return self._wait


#: A worker takes this share of a window's rate from the shared counter at once, at most LEASE_MAX.
LEASE_SHARE = 20
LEASE_MAX = 100
#: Windows a worker holds numbers of; past it they are dropped (unused numbers only refuse early).
HELD_MAX = 10_000


def lease_size(rate: int) -> int:
    """Request numbers a worker takes at once for a window of `rate` requests."""
    return min(LEASE_MAX, max(1, rate // LEASE_SHARE))


class _Leases:
    """The request numbers this worker holds, per window key: (next, last)."""

    def __init__(self):
        self._held: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def number(self, cache, key: str, size: int, timeout: int) -> int:
        """This request's number in the window: from the lease held, or from a new one."""
        with self._lock:
            following, last = self._held.get(key, (1, 0))
            if following <= last:
                self._held[key] = (following + 1, last)
                return following
        last = _count(cache, key, timeout, size)  # the lease: numbers last - size + 1 … last
        with self._lock:
            if len(self._held) >= HELD_MAX:
                self._held.clear()  # past windows and clients gone quiet
            self._held[key] = (last - size + 2, last)
        return last - size + 1

    def clear(self) -> None:
        with self._lock:
            self._held.clear()


leases = _Leases()


def _count(cache, key: str, timeout: int, delta: int) -> int:
    """The window's shared counter after adding `delta`, atomic across workers."""
    if hasattr(cache, "count"):  # Redis (apps.core.cache): one round trip
        return cache.count(key, timeout, delta)
    # add() is a no-op if the window's counter exists; incr() is atomic.
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key, delta)
    except ValueError:  # expired between the two calls
        cache.set(key, delta, timeout=timeout)
        return delta


class UserThrottle(_CountingThrottle):
    """Per signed-in user (API_THROTTLE_USER); anonymous requests are AnonThrottle's."""

    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonThrottle(_CountingThrottle):
    """Per client address for requests without credentials (API_THROTTLE_ANON)."""

    scope = "anon"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenThrottle(_CountingThrottle):
    """Per client address on the token endpoints (API_THROTTLE_TOKEN), which take passwords."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
