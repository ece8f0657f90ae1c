"""Domain errors and how the API renders them: 400 per field, 409 on conflict, never 500."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

CONFLICT_INTEGRITY = "与已有数据冲突，请刷新后重试。"
CONFLICT_PROTECTED = "仍有其他数据引用该记录，无法删除。"


class ConflictError(Exception):
    """A write that collides with existing state (duplicate, overlap, still referenced)."""

    def __init__(self, message: str, conflicts: list | None = None):
        super().__init__(message)
        self.message = message
        self.conflicts = conflicts or []


def validation_error_detail(error: DjangoValidationError) -> dict | list:
    if hasattr(error, "error_dict"):
        return {field if field != "__all__" else "non_field_errors": msgs for field, msgs in error.message_dict.items()}
    return {"non_field_errors": error.messages}


def _conflict(message: str, conflicts: list) -> Response:
    # As DRF does for the errors it handles: with ATOMIC_REQUESTS nothing of the request is kept.
    set_rollback()
    return Response({"detail": message, "conflicts": conflicts}, status=status.HTTP_409_CONFLICT)


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(validation_error_detail(exc))
    elif isinstance(exc, Http404):
        # Django's text is English and names the model; missing and out of scope read the same.
        exc = NotFound()
    elif isinstance(exc, ConflictError):
        return _conflict(exc.message, exc.conflicts)
    elif isinstance(exc, ProtectedError | RestrictedError):
        objs = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        # Ids, as every other 409 gives: names could tell of rows outside the caller's scope.
        return _conflict(CONFLICT_PROTECTED, [obj.pk for obj in list(objs)[:20]])
    elif isinstance(exc, IntegrityError):
        # The database caught a race the service-level check could not see.
        return _conflict(CONFLICT_INTEGRITY, [])
    return exception_handler(exc, context)
