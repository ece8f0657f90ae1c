from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Notification, User


@transaction.atomic
def notify(*, users: Iterable[User], title: str, body: str = "", url: str = "") -> list[Notification]:
    """One notification per distinct user; the platform's inbox is the channel every user has."""
    recipients = {user.pk: user for user in users if user is not None and user.is_active}
    return Notification.objects.bulk_create(
        Notification(user=user, title=title[:128], body=body[:500], url=url) for user in recipients.values()
    )


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
