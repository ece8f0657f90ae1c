"""Building blocks every app's /api/v1/ viewsets share (see ../shared/API.md).

A viewset reads through a *selector*: a function `(*, user) -> QuerySet` that already limits
the rows to the user's scope (apps.organizations.scoping.scoped). Lists, details, updates
and deletes all start from it, so a row outside the scope answers 404 and never shows up
in a list. Writes are validated by the serializer, then handed to the app's service with
`actor=request.user`; the service raises ValidationError (400), ConflictError (409) or
PermissionDenied (403), which apps.core.exceptions renders.

Core knows nothing of the tree: the selectors come from the apps, so the dependency still
points one way (core ← organizations ← the rest).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission

Selector = Callable[..., QuerySet]

_ACTION_PERMS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


class ScopedModelPermissions(BasePermission):
    """Reads: any signed-in user (the selector decides which rows). Writes: the model permission.

    A create needs `add_<model>` before anything is parsed. On `{id}/` the change/delete
    permission is checked only once the object was found in scope: a stranger's id is 404
    for everyone, and only then does a missing permission answer 403.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or getattr(view, "detail", False):
            return True
        return user.has_perm(_perm(view, _ACTION_PERMS.get(request.method, "change")))

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        # A POST on `{id}/<action>/` changes that row.
        action = "change" if request.method == "POST" else _ACTION_PERMS.get(request.method, "change")
        return request.user.has_perm(_perm(view, action, obj._meta))


def _perm(view, action: str, opts=None) -> str:
    opts = opts or _model_of(view)._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


_VIEW_MODELS: dict[type, type[Model]] = {}


def _model_of(view) -> type[Model]:
    """The model a viewset serves, learnt once per viewset class: building the user's scoped
    queryset on every create only to read its model cost ~15 % of a ledger entry (bench scenario 9).
    A viewset's selector always yields the same model, whoever the user."""
    model = _VIEW_MODELS.get(type(view))
    if model is None:
        model = _VIEW_MODELS[type(view)] = view.get_queryset().model
    return model


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A writable foreign key that only accepts rows the requesting user may see.

    `selector(user=...)` gives the rows; an id outside them is "does not exist" (400), so a
    write can never point at another county's data. The value a row already has is always
    accepted unchanged: a county's unit may keep its provincial parent on a PUT.
    """

    def __init__(self, *, selector: Selector, **kwargs):
        self.selector = selector
        # With no user a selector yields an empty queryset of the right model: the schema
        # reads the model from it, and a field used without a request accepts nothing.
        kwargs.setdefault("queryset", selector(user=None))
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        return self.selector(user=getattr(request, "user", None))

    def to_internal_value(self, data):
        instance = getattr(self.parent, "instance", None)
        if isinstance(instance, Model) and data is not None and not isinstance(data, bool):
            current_id = getattr(instance, instance._meta.get_field(self.source).attname, None)
            if current_id is not None and str(current_id) == str(data):
                return getattr(instance, self.source)
        return super().to_internal_value(data)


class ConflictSerializer(serializers.Serializer):
    """The 409 body (apps.core.exceptions): what collided, and the ids of the rows it collided with."""

    detail = serializers.CharField(help_text="冲突说明。")
    conflicts = serializers.ListField(child=serializers.IntegerField(), help_text="与之冲突的记录 ID。")


def scoped_choices(selector: Selector) -> Callable[[Any], QuerySet]:
    """The `queryset=` of a django-filter ModelChoiceFilter, limited to the user's scope.

    An id outside the scope is refused exactly like an id that does not exist (400), so a
    filter tells nothing about what lies beyond.
    """

    def queryset(request) -> QuerySet:
        return selector(user=getattr(request, "user", None))

    return queryset


class QuietFilterSet(filters.FilterSet):
    """A FilterSet that, when the request names none of its filters, returns the rows untouched
    without building its form: django-filter would build a form class, copy every field and
    construct each scoped choice queryset (the user's regions…) only to filter nothing — a good
    part of an unfiltered list page (bench scenario 2). A query parameter that merely starts with
    a filter's name (`born_after` of a range filter `born`) counts as naming it.
    """

    def _names_no_filter(self) -> bool:
        return self.is_bound and not any(key.startswith(name) for key in self.data for name in self.base_filters)

    def is_valid(self) -> bool:
        return True if self._names_no_filter() else super().is_valid()

    @property
    def qs(self) -> QuerySet:
        return self.queryset.all() if self._names_no_filter() else super().qs


class ScopedViewSet(viewsets.GenericViewSet):
    """Base of every /api/v1/ viewset: rows come from `selector`, reads need a signed-in user.

    `selector` is a staticmethod-wrapped function `(*, user) -> QuerySet` that applies
    scoped(); a viewset without one refuses to serve rather than serve everything.
    """

    selector: Selector | None = None
    permission_classes = [ScopedModelPermissions]
    # Delta sync compares and orders on this field (UpdatedSinceFilter, SyncCursorPagination).
    updated_field = "updated_at"

    def get_queryset(self) -> QuerySet:
        if self.selector is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must set `selector` to a scoped read.")
        return self.selector(user=self.request.user)


class ScopedReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """list and retrieve, through the scoped selector."""


class ServiceModelViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedReadOnlyViewSet,
):
    """Full CRUD where every write goes through the app's service functions.

    Set `create_service`, `update_service`, `delete_service` (staticmethod-wrapped) and
    `service_instance_kwarg`, the name under which the update and delete services take the
    row (`organization=`, `host_unit=`). The serializer only parses and validates input.
    """

    create_service: Callable[..., Model] | None = None
    update_service: Callable[..., Model] | None = None
    delete_service: Callable[..., None] | None = None
    service_instance_kwarg: str = ""

    def perform_create(self, serializer) -> None:
        # Rendering the response from `serializer.instance` reads back what the service wrote.
        serializer.instance = self._service("create_service")(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer) -> None:
        instance = serializer.instance
        # Only what the client changed: a PUT echoing an unchanged parent the user may not
        # see must not be re-checked against the user's scope.
        changes = {name: value for name, value in serializer.validated_data.items() if _differs(instance, name, value)}
        serializer.instance = self._service("update_service")(
            actor=self.request.user, **{self._instance_kwarg(): instance}, **changes
        )

    def perform_destroy(self, instance) -> None:
        self._service("delete_service")(actor=self.request.user, **{self._instance_kwarg(): instance})

    def _service(self, name: str) -> Callable:
        service = getattr(self, name)
        if service is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must set `{name}`.")
        return service

    def _instance_kwarg(self) -> str:
        if not self.service_instance_kwarg:
            raise ImproperlyConfigured(f"{type(self).__name__} must set `service_instance_kwarg`.")
        return self.service_instance_kwarg


def _differs(instance: Model, name: str, value) -> bool:
    field = instance._meta.get_field(name)
    if field.is_relation:
        # Compare ids: no query to load the current related row.
        return getattr(instance, field.attname) != (value.pk if value is not None else None)
    return getattr(instance, name) != value
