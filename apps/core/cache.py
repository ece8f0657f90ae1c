"""A Redis cache that a Redis outage turns into a cache miss, not into a 500.

Everything the platform keeps in the cache can be worked out again from the database (the
scorecards, the scoping trees), so while Redis is away every read is a miss and every write
is dropped; pages and the API stay up, only slower. After a failure the backend does not touch
Redis for `RETRY_AFTER` seconds (a dead host would otherwise cost a connect timeout on every
call), logs one warning per outage, and tries again after that.

What fails open, for whoever later relies on the cache for more than speed:
- `add()` answers True (as if the key was free): a lock taken with `add` admits everyone
  during an outage, rather than no one;
- `incr()` answers `delta` (a counter starting over): a rate limit counted in the cache does
  not limit during an outage. DRF's throttles read and write a history list (`get`/`set`), so
  they too let requests through; django-axes counts failed logins in the database, not here,
  so login lockout is unaffected.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


class _ReusedClients(RedisCacheClient):
    """Django's client makes a new redis.Redis for every cache call, which costs more than the call
    itself (≈0.3 ms: redis-py fills a table of ~170 response callbacks for each one). One per
    connection pool serves them all: a redis.Redis is safe to share between threads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class TolerantRedisCache(RedisCache):
    """Django's RedisCache; while Redis cannot be reached, a cache that remembers nothing."""

    #: Seconds during which the backend answers from nothing after a connection failure.
    RETRY_AFTER = 10.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClients
        self.retry_after = float(params.get("RETRY_AFTER", self.RETRY_AFTER))
        self._down_until = 0.0

    @property
    def available(self) -> bool:
        """False while the backend skips Redis after a failure (the health check reports it)."""
        return time.monotonic() >= self._down_until

    def ping(self) -> bool:
        """Ask Redis itself, past the pause (for the health check); True if it answered."""
        try:
            answered = bool(self._cache.get_client(write=True).ping())
        except UNAVAILABLE as exc:
            self._went_down(exc)
            return False
        self._down_until = 0.0
        return answered

    def _went_down(self, exc: Exception) -> None:
        if self.available:
            logger.warning("Redis cache unreachable, serving without a cache for %.0f s: %s", self.retry_after, exc)
        self._down_until = time.monotonic() + self.retry_after

    def _try(self, call, fallback):
        if not self.available:
            return fallback
        try:
            return call()
        except UNAVAILABLE as exc:
            self._went_down(exc)
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(lambda: super(TolerantRedisCache, self).add(key, value, timeout, version), True)

    def get(self, key, default=None, version=None):
        return self._try(lambda: super(TolerantRedisCache, self).get(key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(lambda: super(TolerantRedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(lambda: super(TolerantRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        return self._try(lambda: super(TolerantRedisCache, self).delete(key, version), False)

    def get_many(self, keys, version=None):
        return self._try(lambda: super(TolerantRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._try(lambda: super(TolerantRedisCache, self).has_key(key, version), False)

    def incr(self, key, delta=1, version=None):
        return self._try(lambda: super(TolerantRedisCache, self).incr(key, delta, version), delta)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that could not be stored.
        return self._try(lambda: super(TolerantRedisCache, self).set_many(data, timeout, version), list(data))

    def delete_many(self, keys, version=None):
        return self._try(lambda: super(TolerantRedisCache, self).delete_many(keys, version), None)

    def clear(self):
        return self._try(lambda: super(TolerantRedisCache, self).clear(), False)

    def count(self, key, timeout: int, delta: int = 1, version=None) -> int:
        """Add `delta` to the counter `key` (made, living `timeout` seconds, when missing) and answer
        it: one round trip, where add() then incr() take three. An outage answers `delta`, as incr() does."""
        key = self.make_and_validate_key(key, version=version)

        def call() -> int:
            pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
            pipeline.set(key, 0, ex=timeout, nx=True)
            pipeline.incrby(key, delta)
            return pipeline.execute()[1]

        return self._try(call, delta)
