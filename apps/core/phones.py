"""Phone numbers are sensitive personal information (PIPL): stored encrypted, shown masked.

Nothing looks a person up by phone (no search, no import matching, no SMS), so there is no
keyed hash of it: the masked copy is all a list or an export needs.
"""

from __future__ import annotations

import re

PHONE_MAX_LENGTH = 20
# A mobile number (1 and ten digits), alone or after +86 / 86, not inside a longer run of digits.
MOBILE_NUMBER = re.compile(r"(?<![0-9])((?:\+?86[- ]?)?1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four characters of a long enough number, never more.

    Shorter values (an extension, a typo) keep only their last two characters.
    """
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) >= 11:
        return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
    return f"{'*' * max(len(phone) - 2, 1)}{phone[-2:]}" if len(phone) > 2 else "*" * len(phone)


def mask_mobile_numbers(text: str) -> str:
    return MOBILE_NUMBER.sub(r"\1****\2", text)


def keep_masked_phone(instance, save_kwargs: dict, field: str = "phone") -> None:
    """Derive `<field>_masked` from `<field>` on every save (call from save()), so no write path lets them drift."""
    if field in instance.get_deferred_fields():
        return
    masked = f"{field}_masked"
    setattr(instance, masked, mask_phone(getattr(instance, field)))
    update_fields = save_kwargs.get("update_fields")
    if update_fields is not None and field in update_fields and masked not in update_fields:
        save_kwargs["update_fields"] = [*update_fields, masked]
