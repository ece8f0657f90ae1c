"""API throttles: per user when signed in, per address when not, stricter on the token endpoints.

DRF's own throttles keep a list of every request's time in the cache and write it back on each
request: the list grows with the rate, and two gunicorn workers writing it at once lose each
other's requests. These count in fixed windows with the cache's atomic increment instead (one
Redis INCR per request in production), at the cost of allowing up to twice the rate across a
window boundary, which is enough to stop a runaway client or a guessing script.

Rates are read at each request from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (API_THROTTLE_* in
the environment); a rate of None turns that throttle off.
"""

from __future__ import annotations

import math

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
        # add() is a no-op if the window's counter exists; incr() is atomic across workers.
        self.cache.add(key, 0, timeout=self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # expired between the two calls
            self.cache.set(key, 1, timeout=self.duration + 1)
            count = 1
        if count <= self.num_requests:
            return True
        self._wait = (window + 1) * self.duration - now
        # Raised here rather than returning False, so the answer is our Chinese one, not DRF's.
        raise TooManyRequests(wait=math.ceil(self._wait))

    def wait(self) -> float | None:
        return self._wait


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
