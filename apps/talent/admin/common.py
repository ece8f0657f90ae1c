"""What the talent admins share: running an action row by row through a service, scoped choices."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from apps.core.admin import NO_PERMISSION
from apps.core.exceptions import ConflictError

REFUSED = "“{obj}”未处理：{reason}"


def refusal(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    if isinstance(exc, ConflictError):
        return exc.message
    return str(exc) or NO_PERMISSION


def run_action(modeladmin, request, queryset, service: Callable, done_message: str) -> list:
    """Row by row through the service; a refused row is reported, the others go ahead.

    Returns what the service returned for each row it accepted.
    """
    done = []
    for obj in queryset:
        try:
            with transaction.atomic():
                done.append(service(obj))
        except (PermissionDenied, ValidationError, ConflictError) as exc:
            modeladmin.message_user(request, REFUSED.format(obj=obj, reason=refusal(exc)), messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message.format(count=len(done)), messages.SUCCESS)
    return done


class ScopedChoicesMixin:
    """Many-to-many choices through the user's scope too (ScopedAdminMixin does the foreign keys).

    `scoped_many_to_many` names the relations; a row's current values stay valid choices.
    """

    scoped_many_to_many: tuple[str, ...] = ()

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.scoped_many_to_many and "queryset" not in kwargs:
            kwargs["queryset"] = self.related_queryset(db_field.remote_field.model, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            for name in self.scoped_many_to_many:
                if name in form.base_fields:
                    choices = form.base_fields[name]
                    model = choices.queryset.model
                    in_scope, current = choices.queryset.values("pk"), getattr(obj, name).values("pk")
                    choices.queryset = model._default_manager.filter(Q(pk__in=in_scope) | Q(pk__in=current))
        return form


class ReadOnlyInline(admin.TabularInline):
    """History shown with its parent: nothing added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
