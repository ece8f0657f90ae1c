from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.models import Notification
from apps.accounts.services import notifications_mark_read
from apps.core.access import signed_in


@signed_in
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's inbox: booking decisions, reminders and the like, newest first."""
    notifications = Notification.objects.filter(user=request.user).order_by("-created_at", "-id")
    page = Paginator(notifications, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})


@signed_in
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    return redirect("accounts:notifications")
