from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A platform account. Chinese names are one string, so `name` replaces first/last."""

    name = models.CharField("姓名", max_length=64, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username
