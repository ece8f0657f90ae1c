from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from apps.core.crypto import EncryptedTextField
from apps.core.phones import PHONE_MAX_LENGTH, keep_masked_phone


class User(AbstractUser):
    """A platform account. Chinese names are one string, so `name` replaces first/last."""

    name = models.CharField("姓名", max_length=64, blank=True)
    phone = EncryptedTextField("手机号（密文）", max_length=PHONE_MAX_LENGTH, blank=True)
    phone_masked = models.CharField("手机号", max_length=PHONE_MAX_LENGTH, blank=True, editable=False)

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.name or self.username

    def save(self, *args, **kwargs):
        keep_masked_phone(self, kwargs)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username


class Notification(models.Model):
    """A message to one user in the platform (booking decided, reminder for tomorrow …)."""

    user = models.ForeignKey(User, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField("标题", max_length=128)
    body = models.CharField("内容", max_length=500, blank=True)
    url = models.CharField("链接", max_length=255, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="accounts_notification_unread")]

    def __str__(self) -> str:
        return self.title
