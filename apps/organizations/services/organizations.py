"""Federations and their organization units along the tree."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.core.exceptions import ConflictError
from apps.organizations.models import (
    Federation,
    HostUnit,
    Organization,
    OrganizationLevel,
    Region,
)
from apps.organizations.services.checks import (
    clean_name,
    require_organization_in_scope,
    require_perm,
    require_region_in_scope,
)

ORG_PARENT_FEDERATION = "上级组织必须属于同一群团类别。"
ORG_PARENT_REGION = "上级组织所在区划必须包含本组织所在区划。"
ORG_PARENT_REQUIRED = "只有省级组织可以没有上级组织。"
ORG_PARENT_IS_DESCENDANT = "不能把组织移到它自己或其下级组织之下。"
ORG_PARENT_GRASSROOTS = "基层组织下不能再设下级组织。"
ORG_HOST_UNIT_REGION = "所在单位必须位于本组织所在区划内。"
ORG_NAME_TAKEN = "同一区划内已有同名的{federation}组织“{name}”。"
ORG_HAS_CHILDREN = "该组织仍有下级组织，请先删除或移走下级组织。"
ORG_DESCENDANT_OUTSIDE_REGION = "下级组织所在区划不在新区划内，请先调整下级组织。"


@transaction.atomic
def federation_save(*, actor=None, federation: Federation) -> Federation:
    """Create or update a federation kind; only the province adds kinds such as 侨联 or 工商联."""
    require_perm(actor, f"organizations.{'change' if federation.pk else 'add'}_federation")
    federation.name = clean_name(federation.name)
    federation.full_name = clean_name(federation.full_name, field="full_name")
    if "{region}" not in federation.unit_name_template:
        raise ValidationError({"unit_name_template": "命名规则中应包含 {region}。"})
    federation.full_clean()
    federation.save()
    return federation


def _organization_level(region: Region, host_unit: HostUnit | None) -> str:
    return OrganizationLevel.GRASSROOTS if host_unit is not None else OrganizationLevel(region.level)


def _validate_organization(organization: Organization) -> None:
    parent, region, host_unit = organization.parent, organization.region, organization.host_unit
    if parent is None:
        if organization.level != OrganizationLevel.PROVINCE:
            raise ValidationError({"parent": ORG_PARENT_REQUIRED})
    else:
        if parent.federation_id != organization.federation_id:
            raise ValidationError({"parent": ORG_PARENT_FEDERATION})
        if parent.level == OrganizationLevel.GRASSROOTS:
            raise ValidationError({"parent": ORG_PARENT_GRASSROOTS})
        if not parent.region.contains(region):
            raise ValidationError({"parent": ORG_PARENT_REGION})
        if organization.pk and parent.path.startswith(organization.path):
            raise ValidationError({"parent": ORG_PARENT_IS_DESCENDANT})
    if host_unit is not None and not region.contains(host_unit.region):
        raise ValidationError({"host_unit": ORG_HOST_UNIT_REGION})
    clash = (
        Organization.objects.filter(federation=organization.federation, region=region, name=organization.name)
        .exclude(pk=organization.pk)
        .first()
    )
    if clash is not None:
        raise ConflictError(
            ORG_NAME_TAKEN.format(federation=organization.federation.name, name=organization.name), [clash.pk]
        )


@transaction.atomic
def organization_create(
    *,
    actor=None,
    name: str,
    federation: Federation,
    region: Region,
    parent: Organization | None = None,
    host_unit: HostUnit | None = None,
) -> Organization:
    require_perm(actor, "organizations.add_organization")
    if parent is not None:
        # Covering the parent is what counts: a liaison adds units below their own organization.
        require_organization_in_scope(actor, parent, field="parent")
    else:
        require_region_in_scope(actor, region)
    organization = Organization(
        name=clean_name(name),
        federation=federation,
        region=region,
        parent=parent,
        host_unit=host_unit,
        level=_organization_level(region, host_unit),
    )
    _validate_organization(organization)
    conflict = ORG_NAME_TAKEN.format(federation=federation.name, name=organization.name)
    try:
        with transaction.atomic():
            if parent is None:
                return Organization.objects.add_root(instance=organization)
            return Organization.objects.add_child(parent, instance=organization)
    except IntegrityError as exc:
        raise ConflictError(conflict) from exc


_ORGANIZATION_FIELDS = ("name", "region", "parent", "host_unit")


@transaction.atomic
def organization_update(*, actor=None, organization: Organization, **changes) -> Organization:
    """Rename, re-home or move an organization; a move carries its whole subtree along."""
    require_perm(actor, "organizations.change_organization")
    require_organization_in_scope(actor, organization, field="organization")
    for field in changes:
        if field not in _ORGANIZATION_FIELDS:
            raise TypeError(f"organization_update() got an unexpected field {field!r}")
    old_parent_id = organization.parent_id
    for field, value in changes.items():
        setattr(organization, field, clean_name(value) if field == "name" else value)
    if "parent" in changes and organization.parent is not None:
        require_organization_in_scope(actor, organization.parent, field="parent")
    if "region" in changes:
        require_region_in_scope(actor, organization.region)
        strays = Organization.objects.get_descendants(organization).exclude(
            region__path__startswith=organization.region.path
        )
        if strays.exists():
            raise ValidationError({"region": ORG_DESCENDANT_OUTSIDE_REGION})
    organization.level = _organization_level(organization.region, organization.host_unit)
    if organization.level == OrganizationLevel.GRASSROOTS and organization.numchild:
        raise ValidationError({"host_unit": ORG_PARENT_GRASSROOTS})
    _validate_organization(organization)
    organization.save()
    if organization.parent_id != old_parent_id:
        if organization.parent is None:
            Organization.objects.move(organization, Organization.objects.get_last_root_node(), "last-sibling")
        else:
            Organization.objects.move(organization, organization.parent, "last-child")
        organization.refresh_from_db()
    return organization


@transaction.atomic
def organization_delete(*, actor=None, organization: Organization) -> None:
    require_perm(actor, "organizations.delete_organization")
    require_organization_in_scope(actor, organization, field="organization")
    if organization.numchild:
        raise ConflictError(ORG_HAS_CHILDREN, [child.pk for child in organization.children.all()[:20]])
    organization.delete()
