"""Correcting volunteer hours, with a reason and a trail."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.activities.models import VolunteerCorrection, VolunteerRecord
from apps.organizations.services.checks import require_organization_in_scope, require_perm

REASON_REQUIRED = "更正志愿时长须填写原因。"
HOURS_INVALID = "志愿时长应为 0 到 24 之间、最多两位小数的数字。"


@transaction.atomic
def volunteer_hours_correct(*, actor=None, record: VolunteerRecord, hours, reason: str) -> VolunteerRecord:
    require_perm(actor, "activities.change_volunteerrecord")
    require_organization_in_scope(actor, record.organization, field="record")
    try:
        hours = Decimal(str(hours))
    except InvalidOperation:
        raise ValidationError({"hours": HOURS_INVALID}) from None
    if not Decimal(0) <= hours <= Decimal(24) or hours != hours.quantize(Decimal("0.01")):
        raise ValidationError({"hours": HOURS_INVALID})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    record = VolunteerRecord.objects.select_for_update().get(pk=record.pk)
    VolunteerCorrection.objects.create(
        record=record, old_hours=record.hours, new_hours=hours, reason=reason, corrected_by=actor
    )
    record.hours = hours
    record.save(update_fields=["hours", "updated_at"])
    return record
