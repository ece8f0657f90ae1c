"""Memberships by hand: add one, transfer it within its federation, end it. History is kept."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.exceptions import ConflictError
from apps.members.models import Membership, MembershipSource, MembershipStatus, Person
from apps.organizations.models import Organization
from apps.organizations.services.checks import require_organization_in_scope, require_perm

ALREADY_ACTIVE = "该人员已是{federation}的在册会员（{organization}），如需更换组织请办理转移。"
NOT_ACTIVE = "只有在册的会员关系可以办理此项。"
TRANSFER_FEDERATION = "只能转移到同一群团类别的组织。"
TRANSFER_SAME_UNIT = "已在该组织，无需转移。"
DATE_BEFORE_JOINING = "日期不能早于加入日期 {date}。"
END_STATUS = "结束状态只能是“已退出”或“超龄离籍”。"


def _create(person: Person, organization: Organization, **fields) -> Membership:
    try:
        with transaction.atomic():
            return Membership.objects.create(
                person=person, organization=organization, federation_id=organization.federation_id, **fields
            )
    except IntegrityError as exc:
        active = person.memberships.filter(federation_id=organization.federation_id, status=MembershipStatus.ACTIVE)
        raise ConflictError(
            ALREADY_ACTIVE.format(federation=organization.federation.name, organization="另一组织"),
            list(active.values_list("pk", flat=True)),
        ) from exc


@transaction.atomic
def membership_create(
    *,
    actor=None,
    person: Person,
    organization: Organization,
    joined_on: dt.date | None = None,
    source: str = MembershipSource.MANUAL,
    note: str = "",
) -> Membership:
    require_perm(actor, "members.add_membership")
    require_organization_in_scope(actor, organization, field="organization")
    active = (
        person.memberships.filter(federation_id=organization.federation_id, status=MembershipStatus.ACTIVE)
        .select_related("organization")
        .first()
    )
    if active is not None:
        raise ConflictError(
            ALREADY_ACTIVE.format(federation=organization.federation.name, organization=active.organization.name),
            [active.pk],
        )
    return _create(person, organization, joined_on=joined_on or timezone.localdate(), source=source, note=note)


@transaction.atomic
def membership_transfer(
    *, actor=None, membership: Membership, organization: Organization, on: dt.date | None = None, note: str = ""
) -> Membership:
    """Move an active membership to another unit of the same federation; the old one stays as history."""
    require_perm(actor, "members.change_membership")
    require_organization_in_scope(actor, membership.organization, field="membership")
    require_organization_in_scope(actor, organization, field="organization")
    membership = Membership.objects.select_for_update().select_related("organization").get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError({"membership": NOT_ACTIVE})
    if organization.federation_id != membership.federation_id:
        raise ValidationError({"organization": TRANSFER_FEDERATION})
    if organization.pk == membership.organization_id:
        raise ValidationError({"organization": TRANSFER_SAME_UNIT})
    on = on or timezone.localdate()
    if on < membership.joined_on:
        raise ValidationError({"on": DATE_BEFORE_JOINING.format(date=membership.joined_on.isoformat())})
    membership.status = MembershipStatus.TRANSFERRED
    membership.ended_on = on
    membership.save(update_fields=["status", "ended_on", "updated_at"])
    return _create(
        membership.person,
        organization,
        joined_on=on,
        source=membership.source,
        note=note or f"转自{membership.organization.name}",
        transferred_from=membership,
    )


@transaction.atomic
def membership_end(
    *,
    actor=None,
    membership: Membership,
    status: str = MembershipStatus.LAPSED,
    on: dt.date | None = None,
    note: str = "",
) -> Membership:
    require_perm(actor, "members.change_membership")
    require_organization_in_scope(actor, membership.organization, field="membership")
    if status not in (MembershipStatus.LAPSED, MembershipStatus.AGED_OUT):
        raise ValidationError({"status": END_STATUS})
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError({"membership": NOT_ACTIVE})
    on = on or timezone.localdate()
    if on < membership.joined_on:
        raise ValidationError({"on": DATE_BEFORE_JOINING.format(date=membership.joined_on.isoformat())})
    membership.status, membership.ended_on = status, on
    membership.note = note or membership.note
    membership.save(update_fields=["status", "ended_on", "note", "updated_at"])
    return membership
