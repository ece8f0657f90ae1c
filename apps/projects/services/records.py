"""The beneficiary ledger: who received which service from which project, and from which unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.exceptions import ConflictError
from apps.members.models import Person
from apps.organizations.models import Organization
from apps.organizations.services.checks import require_organization_in_scope, require_perm
from apps.projects.models import ProjectStatus, ServiceProject, ServiceRecord, ServiceType
from apps.projects.targets import TargetGroup, person_refusal

PROJECT_NOT_ACTIVE = "项目当前为「{status}」，只有实施中的项目可以登记服务。"
DATE_OUTSIDE_PERIOD = "服务日期应在项目期间（{start} 至 {end}）内。"
DATE_IN_FUTURE = "服务日期不能晚于今天。"
SERVICE_NOT_OFFERED = "项目「{project}」不提供「{service}」服务。"
UNIT_NOT_TAKING_PART = "服务单位须为项目的牵头或参与组织。"
NOT_IN_TARGET = "{name}不在项目服务对象范围内：{reason}。"
ALREADY_SERVED = "{name}已于 {date} 通过「{project}」接受过一次性服务「{service}」，每人限一次。"
QUANTITY_POSITIVE = "数量必须大于 0。"
AMOUNT_NOT_NEGATIVE = "金额不能为负数。"


def _already_served(person: Person, service_type: ServiceType) -> ConflictError:
    earlier = ServiceRecord.objects.select_related("project").filter(person=person, service_type=service_type).first()
    return ConflictError(
        ALREADY_SERVED.format(
            name=person.name,
            date=earlier.date.isoformat() if earlier else "",
            project=earlier.project.name if earlier else "",
            service=service_type.name,
        ),
        [earlier.pk] if earlier else [],
    )


def _validate(project: ServiceProject, service_type: ServiceType, organization: Organization, date: dt.date) -> None:
    errors: dict[str, str] = {}
    if date < project.start_date or date > project.end_date:
        errors["date"] = DATE_OUTSIDE_PERIOD.format(start=project.start_date, end=project.end_date)
    elif date > timezone.localdate():
        errors["date"] = DATE_IN_FUTURE
    if not project.service_types.filter(pk=service_type.pk).exists():
        errors["service_type"] = SERVICE_NOT_OFFERED.format(project=project.name, service=service_type.name)
    taking_part = organization.pk == project.lead_organization_id or (
        project.participants.filter(organization=organization).exists()
    )
    if not taking_part:
        errors["organization"] = UNIT_NOT_TAKING_PART
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def service_record_create(
    *,
    actor=None,
    project: ServiceProject,
    person: Person,
    service_type: ServiceType,
    date: dt.date,
    organization: Organization | None = None,
    quantity: Decimal = Decimal("1"),
    amount: Decimal | None = None,
    note: str = "",
) -> ServiceRecord:
    """Record a service; a one-off one (每人限一次) is refused with 409 the second time, whichever project."""
    require_perm(actor, "projects.add_servicerecord")
    organization = organization or project.lead_organization
    require_organization_in_scope(actor, organization, field="organization")
    project = ServiceProject.objects.select_related("region").get(pk=project.pk)
    if project.status != ProjectStatus.ACTIVE:
        raise ValidationError({"project": PROJECT_NOT_ACTIVE.format(status=project.get_status_display())})
    _validate(project, service_type, organization, date)
    if Decimal(quantity) <= 0:
        raise ValidationError({"quantity": QUANTITY_POSITIVE})
    if amount is not None and Decimal(amount) < 0:
        raise ValidationError({"amount": AMOUNT_NOT_NEGATIVE})
    refusal = person_refusal(TargetGroup.of(project), person, on=date)
    if refusal:
        raise ValidationError({"person": NOT_IN_TARGET.format(name=person.name, reason=refusal)})
    if service_type.one_off and ServiceRecord.objects.filter(person=person, service_type=service_type).exists():
        raise _already_served(person, service_type)
    record = ServiceRecord(
        project=project,
        person=person,
        service_type=service_type,
        one_off=service_type.one_off,
        organization=organization,
        date=date,
        quantity=quantity,
        amount=amount,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    record.full_clean(
        exclude=["project", "person", "service_type", "organization", "recorded_by"], validate_constraints=False
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:  # a concurrent writer recorded the same one-off service first
        raise _already_served(person, service_type) from exc
    return record


@transaction.atomic
def service_record_delete(*, actor=None, record: ServiceRecord) -> None:
    """Remove a record entered by mistake (the project's figures change with it)."""
    require_perm(actor, "projects.delete_servicerecord")
    require_organization_in_scope(actor, record.organization, field="record")
    record.delete()
