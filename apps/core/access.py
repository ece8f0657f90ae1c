"""Who may open a page: every staff view declares it with one of these decorators.

The rule is recorded on the view (`view.access`), so a test walking the URL resolver can
fail on any view that declares none (deny by default).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

SIGNED_IN = "signed_in"
PUBLIC = "public"
NO_PERMISSION = "您没有执行此操作的权限。"


def signed_in(view: Callable) -> Callable:
    """Any signed-in user may open the page; the scoped selectors decide what it shows."""
    view = login_required(view)
    view.access = SIGNED_IN
    return view


def public(view: Callable) -> Callable:
    """Anyone may open the page, signed in or not. Only for what the world may check (a
    certificate's code): such a page shows nothing it was not given the key to."""
    view.access = PUBLIC
    return view


def permission(perm: str) -> Callable:
    """Signed in and holding the model permission `perm`; anyone else gets a Chinese 403 page."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perm(perm):
                return render(request, "403.html", {"reason": NO_PERMISSION}, status=403)
            return view(request, *args, **kwargs)

        guarded = login_required(guarded)
        guarded.access = perm
        return guarded

    return decorate
