"""The API's JWT authentication: simplejwt's checks, without redoing per request what cannot change.

Profiled on one authenticated request (bench scenario 1), the stock JWTAuthentication spent its
time decoding the very same token again on every request (PyJWT: base64, JSON, HMAC) and
reading the user. Here:

- A token whose signature checked out is remembered by its exact bytes (a bounded LRU): the
  signature and the claims of those bytes cannot change. What depends on the clock is checked
  again on every request, as PyJWT checks it (`exp`, `nbf`, `iat` with the same leeway), and then
  simplejwt's own `Token.verify()` runs as always (expiry, token type, jti, blacklist if installed).
- The user is still read on every request (simplejwt's `get_user`), so a deactivated or deleted
  account, or a changed password, is refused at once.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.exceptions import TokenBackendExpiredToken
from rest_framework_simplejwt.state import token_backend

# Tokens live 30 minutes; a worker sees a few thousand distinct ones at most in that time.
REMEMBERED_TOKENS = 4096


@lru_cache(maxsize=REMEMBERED_TOKENS)
def _verified_claims(token: bytes | str) -> dict:
    """The claims of a token whose signature is valid (raises as simplejwt does otherwise)."""
    return token_backend.decode(token, verify=True)


class _RememberingBackend:
    """simplejwt's token backend, remembering the tokens it verified."""

    def __getattr__(self, name):
        return getattr(token_backend, name)

    def decode(self, token, verify: bool = True) -> dict:
        if not verify:
            return token_backend.decode(token, verify=False)
        claims = _verified_claims(token)
        now = dt.datetime.now(tz=dt.UTC).timestamp()
        leeway = token_backend.get_leeway().total_seconds()
        # PyJWT's time checks, repeated because time moved on since the token was remembered.
        if "exp" in claims and int(claims["exp"]) <= now - leeway:
            raise TokenBackendExpiredToken(_("Token is expired"))
        if int(claims.get("nbf", now)) > now + leeway or int(claims.get("iat", now)) > now + leeway:
            _verified_claims.cache_clear()
            return token_backend.decode(token, verify=True)
        return dict(claims)


_backend = _RememberingBackend()


class AccessToken(tokens.AccessToken):
    """simplejwt's access token (same type, lifetime and checks), verified through the memory."""

    def get_token_backend(self):
        return _backend
