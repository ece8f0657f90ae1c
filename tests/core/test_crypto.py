from cryptography.fernet import Fernet

from apps.core import crypto


def test_values_round_trip_and_differ_each_time():
    first, second = crypto.encrypt("630102198506120019"), crypto.encrypt("630102198506120019")
    assert first != second and "630102198506120019" not in first
    assert crypto.decrypt(first) == crypto.decrypt(second) == "630102198506120019"


def test_an_old_key_still_decrypts_and_rotate_moves_to_the_new_one(settings):
    old_token = crypto.encrypt("secret")
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
    crypto._fernet.cache_clear()
    try:
        assert crypto.decrypt(old_token) == "secret"
        rotated = crypto.rotate(old_token)
        assert Fernet(new_key.encode()).decrypt(rotated.encode()) == b"secret"
    finally:
        crypto._fernet.cache_clear()


def test_the_lookup_hash_is_keyed(settings):
    plain = crypto.keyed_hash("630102198506120019")
    settings.FIELD_HASH_KEY = "another-key"
    assert crypto.keyed_hash("630102198506120019") != plain
    assert len(plain) == 64
