"""Encryption at rest for sensitive personal information (PIPL), with keys from the environment.

Values are sealed with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`); several keys
may be configured, the first encrypts and all decrypt, so keys rotate without downtime.
Exact lookups go through a keyed hash (HMAC-SHA256) under a separate key: the hash
column is indexed and unique, the ciphertext is not searchable.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS.") from exc


def rotate(token: str) -> str:
    """Re-encrypt under the first (current) key."""
    return _fernet().rotate(token.encode()).decode()


@cache
def _current_fernet() -> Fernet:
    return Fernet(settings.FIELD_ENCRYPTION_KEYS[0])


def is_current(token: str) -> bool:
    """Whether a token is sealed under the first key: rotation leaves such a row alone."""
    try:
        _current_fernet().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def forget_keys() -> None:
    """Read FIELD_ENCRYPTION_KEYS again (the keys are cached per process)."""
    _fernet.cache_clear()
    _current_fernet.cache_clear()


def encrypted_fields() -> list[tuple[type[models.Model], models.Field]]:
    """Every (model, field) stored through EncryptedTextField, in every installed app."""
    return [
        (model, field)
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of a normalized value: the lookup key for an encrypted column."""
    return hmac.new(settings.FIELD_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored as Fernet ciphertext; Python code only ever sees the plaintext."""

    def from_db_value(self, value, expression, connection):
        return value if value in (None, "") else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value in (None, "") else encrypt(value)


def is_token(value: str) -> bool:
    """Whether a stored value is already a token this deployment's keys open."""
    try:
        _fernet().decrypt(value.encode())
    except (InvalidToken, ValueError, TypeError):
        return False
    return True


def encrypt_plaintext_column(connection, table: str, column: str, derived: dict | None = None, batch: int = 1000):
    """Seal a column that used to hold plaintext, row by row in batches (for data migrations).

    Raw SQL, not the ORM: EncryptedTextField would try to decrypt the plaintext it reads.
    Values that already open are left alone, so the migration may run twice. `derived` maps
    further columns to functions of the plaintext (a masked copy) written in the same UPDATE.
    """
    derived = derived or {}
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(name)} = %s" for name in (column, *derived))
    last_id, changed = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                # Identifiers from the model, quoted; the values are parameters.
                f"SELECT id, {quote(column)} FROM {quote(table)} "  # noqa: S608  # nosec B608
                f"WHERE id > %s AND {quote(column)} <> '' ORDER BY id LIMIT %s",
                [last_id, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return changed
            last_id = rows[-1][0]
            updates = [
                [encrypt(value), *(derive(value) for derive in derived.values()), pk]
                for pk, value in rows
                if not is_token(value)
            ]
            if updates:
                cursor.executemany(
                    f"UPDATE {quote(table)} SET {assignments} WHERE id = %s",  # noqa: S608  # nosec B608
                    updates,
                )
                changed += len(updates)
