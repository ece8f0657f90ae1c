"""The API's JWT authentication: simplejwt's checks, without redoing per request what cannot change.

Profiled on one authenticated request (bench scenario 1), the stock JWTAuthentication spent its
time decoding the very same token again on every request (PyJWT: base64, JSON, HMAC) and
building the ORM query for `User.objects.get(pk=…)`. Here:

- A token whose signature checked out is remembered by its exact bytes (a bounded LRU): the
  signature and the claims of those bytes cannot change. What depends on the clock is checked
  again on every request, as PyJWT checks it (`exp`, `nbf`, `iat` with the same leeway), and then
  simplejwt's own `Token.verify()` runs as always (expiry, token type, jti, blacklist if installed).
- The user is still read on every request, so a deactivated or deleted account is refused at
  once; the row comes from one SELECT written once, turned into a User as the ORM would.
"""

from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache

from django.contrib.auth import get_user_model
from django.db import DatabaseError, connections, router
from django.db.models.expressions import Col
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenBackendExpiredToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.utils import get_md5_hash_password

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


@cache
def _user_select(alias: str) -> tuple[str, list[str], list[tuple[int, list, Col]]]:
    """`SELECT <every column> FROM accounts_user WHERE id = %s`, and the converters the ORM would apply."""
    user_model = get_user_model()
    connection = connections[alias]
    opts, quote = user_model._meta, connection.ops.quote_name
    fields = opts.concrete_fields
    columns = ", ".join(f"{quote(opts.db_table)}.{quote(field.column)}" for field in fields)
    sql = f"SELECT {columns} FROM {quote(opts.db_table)} WHERE {quote(opts.db_table)}.{quote(opts.pk.column)} = %s"
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(opts.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    return sql, [field.attname for field in fields], converters


def user_by_pk(pk):
    """The user with this primary key, all columns loaded, or None: `User.objects.get(pk=pk)` for less.

    It is the request's first query, so it doubles as Django's connection health check
    (CONN_HEALTH_CHECKS) instead of a `SELECT 1` round trip before it: if it fails on a connection
    that turns out dead, the connection is reopened and the query run again, as the check would have.
    """
    user_model = get_user_model()
    alias = router.db_for_read(user_model)
    connection = connections[alias]
    sql, attnames, converters = _user_select(alias)
    params = [user_model._meta.pk.get_prep_value(pk)]
    checks_health = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )
    if checks_health:
        connection.health_check_done = True
    try:
        row = _fetch_one(connection, sql, params)
    except DatabaseError:
        if not checks_health or connection.is_usable():
            raise
        connection.close()
        row = _fetch_one(connection, sql, params)
    if row is None:
        return None
    values = list(row)
    for index, functions, column in converters:
        for convert in functions:
            values[index] = convert(values[index], column, connection)
    return user_model.from_db(alias, attnames, values)


def _fetch_one(connection, sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


class QunzhiJWTAuthentication(JWTAuthentication):
    """`Authorization: Bearer <access token>`, answered exactly as simplejwt's JWTAuthentication answers."""

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        if get_user_model()._meta.pk.name != api_settings.USER_ID_FIELD:
            return super().get_user(validated_token)
        user = user_by_pk(user_id)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user


class QunzhiJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema describes it as simplejwt's (drf-spectacular matches exact classes)."""

    target_class = "apps.accounts.authentication.QunzhiJWTAuthentication"
