"""Rotating the field encryption key while the app runs: add the new key first, rotate, drop the old one."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from apps.accounts.models import User
from apps.core import crypto
from apps.members.models import Person
from tests.factories import UserFactory
from tests.members.factories import PersonFactory, id_number

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture
def keys(settings):
    """Switches FIELD_ENCRYPTION_KEYS as a deployment would (and every process re-reads them)."""

    def use(*configured: str) -> None:
        settings.FIELD_ENCRYPTION_KEYS = list(configured)
        crypto.forget_keys()

    use(OLD_KEY)
    yield use
    crypto.forget_keys()


def stored(model, pk: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def opens_with(key: str, token: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(token.encode())
    except Exception:  # noqa: BLE001 - InvalidToken, whatever the reason
        return False
    return True


@pytest.fixture
def sealed_under_old_key(keys, qinghai):
    number = id_number(age=30)
    person = PersonFactory(id_number=number, phone="13812345678")
    user = UserFactory()
    user.phone = "13987654321"
    user.save()
    return person, number, user


def test_rows_sealed_under_the_old_key_stay_readable_once_the_new_key_is_added(keys, sealed_under_old_key):
    person, number, user = sealed_under_old_key

    keys(NEW_KEY, OLD_KEY)

    assert Person.objects.get(pk=person.pk).id_number == number
    assert User.objects.get(pk=user.pk).phone == "13987654321"
    # New writes already use the new key.
    fresh = PersonFactory(phone="13700001111")
    assert opens_with(NEW_KEY, stored(Person, fresh.pk, "phone"))


def test_after_rotation_the_new_key_alone_reads_every_encrypted_column(keys, sealed_under_old_key):
    person, number, user = sealed_under_old_key
    keys(NEW_KEY, OLD_KEY)

    call_command("rotate_field_keys", batch_size=1, stdout=open("/dev/null", "w"))  # noqa: SIM115
    keys(NEW_KEY)

    person = Person.objects.get(pk=person.pk)
    assert (person.id_number, person.phone, person.phone_masked) == (number, "13812345678", "138****5678")
    assert User.objects.get(pk=user.pk).phone == "13987654321"
    assert not opens_with(OLD_KEY, stored(Person, person.pk, "id_number"))


def test_without_rotation_dropping_the_old_key_would_lose_the_data(keys, sealed_under_old_key):
    person, _, _ = sealed_under_old_key

    keys(NEW_KEY)

    with pytest.raises(ImproperlyConfigured):
        Person.objects.get(pk=person.pk)


def test_the_check_fails_before_rotation_and_passes_after_it(keys, sealed_under_old_key, capsys):
    keys(NEW_KEY, OLD_KEY)

    with pytest.raises(CommandError, match="仍有 3 行"):
        call_command("rotate_field_keys", check=True)
    call_command("rotate_field_keys")
    call_command("rotate_field_keys", check=True)

    output = capsys.readouterr().out
    assert "members.person.phone：检查 1 行，重新加密 1 行" in output
    assert "可以从 FIELD_ENCRYPTION_KEYS 中移除旧密钥" in output


def test_a_second_run_rewrites_nothing(keys, sealed_under_old_key, capsys):
    keys(NEW_KEY, OLD_KEY)
    call_command("rotate_field_keys")
    token = stored(Person, sealed_under_old_key[0].pk, "id_number")

    call_command("rotate_field_keys")

    assert stored(Person, sealed_under_old_key[0].pk, "id_number") == token
    assert "members.person.id_number：检查 1 行，重新加密 0 行，已是当前密钥 1 行" in capsys.readouterr().out


def test_start_after_resumes_past_the_rows_already_done(keys, qinghai):
    first, second = PersonFactory(), PersonFactory()
    keys(NEW_KEY, OLD_KEY)

    call_command("rotate_field_keys", start_after=f"members.person:{first.pk}", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert opens_with(OLD_KEY, stored(Person, first.pk, "id_number"))
    assert opens_with(NEW_KEY, stored(Person, second.pk, "id_number"))


def test_a_row_the_app_changes_during_rotation_keeps_the_apps_value(keys, sealed_under_old_key, monkeypatch, capsys):
    person = sealed_under_old_key[0]
    keys(NEW_KEY, OLD_KEY)
    rotate = crypto.rotate

    def rotate_while_the_app_writes(token: str) -> str:
        if token == stored(Person, person.pk, "phone"):
            # The application saves a new phone between the command's read and its write.
            changed = Person.objects.get(pk=person.pk)
            changed.phone = "13600009999"
            changed.save(update_fields=["phone"])
        return rotate(token)

    monkeypatch.setattr(crypto, "rotate", rotate_while_the_app_writes)
    call_command("rotate_field_keys")

    person = Person.objects.get(pk=person.pk)
    assert (person.phone, person.phone_masked) == ("13600009999", "136****9999")
    assert (
        "members.person.phone：检查 1 行，重新加密 0 行，已是当前密钥 0 行，期间被修改 1 行" in capsys.readouterr().out
    )
