"""Who sees what: one helper for every list, detail, admin changelist, export and viewset.

A user's scope is the union of the subtrees of their role assignments. A role on a region
covers every row tied to that region or below it; a role on an organization covers that
organization's subtree within its federation and, for rows tied only to a region (host
units, regions), the organization's region subtree.

Models declare how their rows reach the tree with `scope_region_path` and
`scope_organization_path` (lookups ending at a materialized path, or tuples of them);
`scope_shared_q(scope)` may add rows shared beyond the tree (a venue shared with a
federation's units across its prefecture).
A model that declares neither is reference data every signed-in user sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404
from guardian.models import GroupObjectPermission, UserObjectPermission

from apps.organizations.models import Organization, Region, RoleAssignment

_CACHE_ATTR = "_qunzhi_scope"


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region_paths: tuple[str, ...] = ()
    organization_paths: tuple[str, ...] = ()
    # Regions of organization roles: they open region-only data (host units, regions).
    organization_region_paths: tuple[str, ...] = ()
    # (federation id, prefecture path) of organization roles: rows shared with a federation
    # within a prefecture (a 群众之家's rooms) open to its units there.
    organization_federations: tuple[tuple[int, str], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.region_paths or self.organization_paths)

    def covers_region(self, region: Region) -> bool:
        return self.everything or _under(region.path, self.region_paths + self.organization_region_paths)

    def covers_organization(self, organization: Organization) -> bool:
        return (
            self.everything
            or _under(organization.path, self.organization_paths)
            or _under(organization.region.path, self.region_paths)
        )


class PlatformViewer:
    """The platform itself, as the viewer of figures a task works out for a whole area (a joint
    evaluation's): the door that started the work checked the user's scope; the figures must not
    depend on who that was."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    pk = None


PLATFORM = PlatformViewer()


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path.startswith(prefix) for prefix in prefixes)


def _outermost(paths: set[str]) -> tuple[str, ...]:
    """Drop paths already inside another one, so the SQL has no redundant ORs."""
    ordered = sorted(paths)
    kept: list[str] = []
    for path in ordered:
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return tuple(kept)


def sees_all_of(user, region: Region | None) -> bool:
    """Whether the user sees every row under the region (None: the whole platform), as the platform
    does: figures worked out for the platform may then be shown to them."""
    scope = scope_for(user)
    if region is None:
        return scope.everything
    return scope.everything or _under(region.path, scope.region_paths)


def scope_for(user) -> Scope:
    """The user's scope, read once per request (one query) and kept on the user object."""
    if not user or not user.is_authenticated or not user.is_active:
        return Scope()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(everything=True)
    else:
        rows = RoleAssignment.objects.filter(user=user).values_list(
            "region__path", "organization__path", "organization__region__path", "organization__federation_id"
        )
        region_paths, organization_paths, organization_region_paths = set(), set(), set()
        federations = set()
        prefecture_length = 2 * Region.steplen
        for region_path, organization_path, organization_region_path, federation_id in rows:
            if region_path:
                region_paths.add(region_path)
            else:
                organization_paths.add(organization_path)
                organization_region_paths.add(organization_region_path)
                federations.add((federation_id, organization_region_path[:prefecture_length]))
        scope = Scope(
            region_paths=_outermost(region_paths),
            organization_paths=_outermost(organization_paths),
            organization_region_paths=_outermost(organization_region_paths),
            organization_federations=tuple(sorted(federations)),
        )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user) -> None:
    """Call after changing a user's roles within the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _lookups(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _prefix_q(model: type[Model], lookups: tuple[str, ...], paths: tuple[str, ...]) -> Q:
    q = Q(pk__in=[])
    if paths:
        for lookup in lookups:
            q |= _path_prefix_q(model, lookup, paths)
    return q


def _path_prefix_q(model: type[Model], lookup: str, paths: tuple[str, ...]) -> Q:
    """`lookup` (`…__<fk>__path`) starts with one of `paths`, as `<fk> IN (ids of the rows in scope)`.

    The same rows as joining to the tree and OR-ing the prefixes, one join fewer: under an OR
    PostgreSQL could only walk the whole table joining row by row (a county's page of people took
    40 ms at a million rows, bench scenario 2), whereas a short list of region or organization ids
    is one hashed lookup per row. A lookup not ending in a forward foreign key keeps the join.
    """
    chain, _, last = lookup.rpartition("__")
    field = _last_field(model, chain) if chain and last == "path" else None
    if field is not None and field.concrete and (field.many_to_one or field.one_to_one):
        in_scope = Q(pk__in=[])
        for path in paths:
            in_scope |= Q(path__startswith=path)
        rows = field.related_model._base_manager.filter(in_scope)
        return Q(**{f"{chain}__in": rows.values(field.target_field.name)})
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{lookup}__startswith": path})
    return q


def _last_field(model: type[Model], chain: str):
    field = None
    for name in chain.split("__"):
        if field is not None:
            model = field.related_model
        field = model._meta.get_field(name)
    return field


def _granted_q(model: type[Model], user) -> Q:
    """Rows granted to the user one by one through django-guardian (e.g. a venue's manager)."""
    # A grant's content type is its permission's (guardian checks it on save); naming it by id,
    # from Django's cache as guardian does, spares every scoped query two joins to plan.
    perm = {
        "content_type": ContentType.objects.get_for_model(model, for_concrete_model=False),
        "permission__codename": f"view_{model._meta.model_name}",
    }
    users = UserObjectPermission.objects.filter(user=user, **perm)
    groups = GroupObjectPermission.objects.filter(group_id__in=_user_group_ids(user), **perm)
    as_pk = Cast("object_pk", BigIntegerField())
    return Q(pk__in=users.values(pk=as_pk)) | Q(pk__in=groups.values(pk=as_pk))


def _user_group_ids(user) -> QuerySet:
    return user.groups.through.objects.filter(user_id=user.pk).values("group_id")


# scope_q's answers by (model, user id, scope). A Q holds only lazy subqueries, which Django
# clones whenever a query uses them, and depends on nothing but these three, so a worker builds
# each one once instead of several times a request: the rebuilding (a dozen querysets filtered
# and compiled for guardian grants, tree prefixes, sharing) was a large part of every scoped
# write (bench scenario 9). A changed role changes the scope, hence the key.
_SCOPE_Q_CACHE: dict[tuple, Q | None] = {}
_SCOPE_Q_CACHE_SIZE = 4096


def scope_q(model: type[Model], user) -> Q | None:
    """The filter that limits `model` to the user's scope; None when nothing limits it."""
    scope = scope_for(user)
    key = (model, user.pk, scope)
    try:
        return _SCOPE_Q_CACHE[key]
    except KeyError:
        pass
    q = _build_scope_q(model, user, scope)
    if len(_SCOPE_Q_CACHE) >= _SCOPE_Q_CACHE_SIZE:
        _SCOPE_Q_CACHE.clear()
    _SCOPE_Q_CACHE[key] = q
    return q


def _build_scope_q(model: type[Model], user, scope: Scope) -> Q | None:
    region_lookups = _lookups(getattr(model, "scope_region_path", None))
    organization_lookups = _lookups(getattr(model, "scope_organization_path", None))
    if scope.everything or not (region_lookups or organization_lookups):
        return None
    widened = _outermost(set(scope.region_paths + scope.organization_region_paths))
    if not organization_lookups:
        q = _prefix_q(model, region_lookups, widened)
    else:
        q = _prefix_q(model, region_lookups, scope.region_paths) | _prefix_q(
            model, organization_lookups, scope.organization_paths
        )
        # Rows of such models that name no organization (a region role, a host unit's
        # tombstone) are region-only data, which organization roles open too.
        for lookup in organization_lookups:
            no_organization = Q(**{f"{lookup}__isnull": True}) | Q(**{lookup: ""})
            q |= no_organization & _prefix_q(model, region_lookups, scope.organization_region_paths)
    if hasattr(model, "scope_always_visible"):
        q |= model.scope_always_visible()
    if hasattr(model, "scope_shared_q"):
        q |= model.scope_shared_q(scope)
    return q | _granted_q(model, user)


def scoped(queryset: QuerySet, user) -> QuerySet:
    """Limit any queryset to the rows `user` may see. Out-of-scope rows simply do not exist."""
    if not user or not user.is_authenticated or not user.is_active:
        return queryset.none()
    q = scope_q(queryset.model, user)
    return queryset if q is None else queryset.filter(q)


def get_in_scope(queryset: QuerySet, user, **lookup) -> Model:
    """The one row matching `lookup` inside the user's scope, or 404 — never a 403 that leaks."""
    return get_object_or_404(scoped(queryset, user), **lookup)
