"""Checks every service of the tree shares: permissions, scope, names, races."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from apps.core.exceptions import ConflictError
from apps.organizations.models import Organization, Region
from apps.organizations.scoping import scope_for

NO_PERMISSION = "您没有执行此操作的权限。"
REGION_OUT_OF_SCOPE = "所选区划不在您的管辖范围内。"
ORGANIZATION_OUT_OF_SCOPE = "所选组织不在您的管辖范围内。"
NAME_REQUIRED = "请填写名称。"


def require_perm(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(NO_PERMISSION)


def require_region_in_scope(actor, region: Region, *, field: str = "region") -> None:
    if actor is not None and not scope_for(actor).covers_region(region):
        raise ValidationError({field: REGION_OUT_OF_SCOPE})


def require_organization_in_scope(actor, organization: Organization, *, field: str) -> None:
    if actor is not None and not scope_for(actor).covers_organization(organization):
        raise ValidationError({field: ORGANIZATION_OUT_OF_SCOPE})


def clean_name(name: str, *, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({field: NAME_REQUIRED})
    return name


def save_guarding_races(instance, conflict_message: str) -> None:
    """Save; a unique constraint tripped by a concurrent writer becomes a 409, not a 500."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ConflictError(conflict_message) from exc
