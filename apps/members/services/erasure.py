"""Erasure (匿名化) of a person on their request (PIPL art. 47), without breaking the statistics.

What identifies the person goes, for good: the name, the ID number (with its lookup hash
and masked copy), the phone, the exact birthday (the year stays), the link to a platform
account, the free text of their memberships, and the personal data in the change log's
lines about them. What the statistics count stays: gender, birth year, ethnicity, residence
region, employer, identities (incl. the disability class), memberships, cadre posts,
activity registrations, volunteer hours, service records and trainings — so scorecards,
rollups and counts are the same before and after.

The ID number becomes a random placeholder that is not an ID number (letters), so its hash
can collide with no real number: the old number no longer finds the row, and registering it
again creates a new person. The erasure itself is audited (who, when, why).
"""

from __future__ import annotations

import secrets

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry as ChangeLogEntry
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.audit import audit_record
from apps.core.crypto import keyed_hash
from apps.core.exceptions import ConflictError
from apps.core.models import AuditEvent
from apps.members.models import Membership, Person
from apps.organizations.services.checks import require_perm, require_region_in_scope

ERASED_NAME = "已匿名化"
ERASED_MASK = "已匿名化"
ERASED_REPR = "已匿名化人员 #{pk}"
REDACTED = "（已匿名化）"
REASON_REQUIRED = "请填写匿名化的依据（如本人申请的编号和日期）。"
ALREADY_ERASED = "该人员的信息已于 {at:%Y-%m-%d %H:%M} 匿名化。"
ERASE_AUDIT = "匿名化：{reason}"


@transaction.atomic
def person_erase(*, actor, person: Person, reason: str) -> Person:
    """Anonymize a person irreversibly; memberships and every statistics row stay (see the module)."""
    require_perm(actor, "members.erase_person")
    require_region_in_scope(actor, person.region)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.erased_at is not None:
        raise ConflictError(ALREADY_ERASED.format(at=timezone.localtime(person.erased_at)), [person.pk])

    placeholder = f"ERASED-{secrets.token_hex(16)}"
    person.name = ERASED_NAME
    person.id_number = placeholder
    person.id_number_hash = keyed_hash(placeholder)
    person.id_number_masked = ERASED_MASK
    person.phone = ""
    person.birth_date = person.birth_date.replace(month=7, day=1)  # the year, for age bands
    person.user = None
    person.erased_at = timezone.now()
    # Not through the change log: its line would hold the name and birthday being erased.
    with disable_auditlog():
        person.save()
        for membership in Membership.objects.filter(person=person).exclude(note=""):
            membership.note = ""
            membership.save(update_fields=["note", "updated_at"])
    _redact_logs(person)
    audit_record(actor=actor, action=AuditEvent.Action.ERASE, obj=person, detail=ERASE_AUDIT.format(reason=reason))
    return person


def _redact_logs(person: Person) -> None:
    """The change log keeps who changed what and when about this person, not the values."""
    repr_ = ERASED_REPR.format(pk=person.pk)
    person_type = ContentType.objects.get_for_model(Person)
    membership_type = ContentType.objects.get_for_model(Membership)
    membership_ids = [str(pk) for pk in Membership.objects.filter(person=person).values_list("pk", flat=True)]
    entries = ChangeLogEntry.objects.filter(content_type=person_type, object_pk=str(person.pk)) | (
        ChangeLogEntry.objects.filter(content_type=membership_type, object_pk__in=membership_ids)
    )
    for entry in entries:
        entry.object_repr = repr_
        entry.changes = {field: [REDACTED, REDACTED] for field in (entry.changes or {})}
        entry.changes_text = ""
        entry.serialized_data = None
        entry.save(update_fields=["object_repr", "changes", "changes_text", "serialized_data"])
    # The admin's own history (imports log each person by name and masked number).
    AdminLogEntry.objects.filter(content_type=person_type, object_id=str(person.pk)).update(object_repr=repr_)
    AdminLogEntry.objects.filter(content_type=membership_type, object_id__in=membership_ids).update(object_repr=repr_)
