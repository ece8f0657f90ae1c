"""Login lockouts (django-axes): per account and per address, each with its own limit.

Failures are counted twice within the cool-off window: against the account tried
(whatever address the attempts come from) and against the address they come from (whatever
accounts they name). Either count over its limit locks that login out until the window passes:

- one account attacked from many addresses is locked by the account's count;
- one address spraying many accounts is locked by the address's count.

The two limits differ because an address is shared: a county office or a mobile network puts
many colleagues behind one address, so the address allows several times the failures an
account does (LOGIN_FAILURE_LIMIT and LOGIN_ADDRESS_FAILURE_LIMIT). A successful login clears
that account's failures only (AXES_RESET_ON_SUCCESS), so a colleague's typos followed by their
right password count for nothing, while an attacker cannot clear the address's count by
logging into an account of their own.
"""

from __future__ import annotations

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

LOCKED_OUT = "登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试；如需立即解锁，请联系管理员。"


def cool_off_seconds(request: HttpRequest | None = None) -> int:
    return int(get_cool_off(request).total_seconds())


def locked_out_message(request: HttpRequest | None = None) -> str:
    return LOCKED_OUT.format(minutes=math.ceil(cool_off_seconds(request) / 60))


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a separate, higher limit for an address than for an account."""

    def filter_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> list[QuerySet]:
        # Always exactly these two counts, in this order (get_failures relies on it).
        return [
            AccessAttempt.objects.filter(username=get_client_username(request, credentials)),
            AccessAttempt.objects.filter(ip_address=request.axes_ip_address),
        ]

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The failures that count against the account's limit (AXES_FAILURE_LIMIT).

        axes compares one number with one limit; the address's count is scaled to it, so that it
        reaches the account's limit exactly when it reaches LOGIN_ADDRESS_FAILURE_LIMIT.
        """
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        account_limit = settings.AXES_FAILURE_LIMIT
        return max(by_account, by_address * account_limit // settings.LOGIN_ADDRESS_FAILURE_LIMIT)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """After a successful login: that account's failures, never the whole address's."""
        count, _ = AccessAttempt.objects.filter(username=get_client_username(request, credentials)).delete()
        return count


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The page a locked-out login (staff or admin) gets: 429 in Chinese, with when to come back."""
    seconds = cool_off_seconds(request)
    response = render(
        request,
        "accounts/locked_out.html",
        {"message": locked_out_message(request), "login_url": request.path},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
