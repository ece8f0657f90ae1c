"""What the talent admins share: running an action row by row through a service, scoped choices."""

from __future__ import annotations

from django.db.models import Q


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
