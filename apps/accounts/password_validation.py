"""Password rules as Django ships them, with the one message Django's Chinese catalogue lacks."""

from __future__ import annotations

from django.contrib.auth import password_validation

# A message about passwords, not one (bandit matches the name).
PASSWORD_TOO_SHORT = "密码太短，至少需要 {min_length} 个字符。"  # nosec B105


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django 5.2 reworded this message and its zh-hans translation has not caught up (it reads English)."""

    def get_error_message(self) -> str:
        return PASSWORD_TOO_SHORT.format(min_length=self.min_length)
