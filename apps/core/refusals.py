"""How a service's refusal shows on a staff page: on the form's fields, above the form, or as a
message; and the Chinese 403 page. Shared by the apps' views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.core.access import NO_PERMISSION


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", {"reason": NO_PERMISSION}, status=403)


def add_service_errors(form, error: ValidationError, *, aliases: dict[str, str | None] | None = None) -> None:
    """A service's {field: message} onto the form's fields; any other key above the form."""
    aliases = aliases or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = aliases.get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def errors_to_messages(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)
