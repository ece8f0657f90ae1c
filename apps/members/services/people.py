"""Registering a person once, changing their record, and reading the full ID number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from apps.core.audit import audit_record
from apps.core.crypto import keyed_hash
from apps.core.exceptions import ConflictError
from apps.core.models import AuditEvent
from apps.members import idnumbers
from apps.members.models import IdentityTag, Membership, MembershipSource, Person
from apps.members.services.enrollment import EnrollmentResult, person_enroll
from apps.organizations.models import HostUnit, Region
from apps.organizations.scoping import scoped
from apps.organizations.services.checks import NO_PERMISSION, clean_name, require_perm, require_region_in_scope

PERSON_EXISTS = "身份证号 {masked} 已登记为“{name}”，请勿重复登记。"
# The person is registered outside the caller's scope: say so, but not who they are.
PERSON_EXISTS_ELSEWHERE = "该身份证号已在其他地区登记，请勿重复登记；如需调整请联系上级管理员。"
GENDER_MISMATCH = "性别与身份证号不符（身份证号显示为{gender}）。"
BIRTH_DATE_MISMATCH = "出生日期与身份证号不符（身份证号显示为 {date}）。"
CERTIFICATE_REQUIRED = "登记为残疾人须填写残疾人证号。"
CERTIFICATE_FORMAT = "残疾人证号应为 20 位：18 位身份证号加残疾类别（1–7）和等级（1–4）。"
CERTIFICATE_MISMATCH = "残疾人证号的前 18 位应与身份证号一致。"
EMPLOYER_OUT_OF_SCOPE = "所选工作单位不在您的管辖范围内。"

_PERSON_FIELDS = (
    "name",
    "id_number",
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "region",
    "employer",
    "identity_tags",
    "disability_certificate_number",
)


def person_by_id_number(raw: str) -> Person | None:
    """Exact lookup through the keyed hash (an index hit); None for unknown or malformed input."""
    try:
        number = idnumbers.parse(raw)
    except ValidationError:
        return None
    return Person.objects.filter(id_number_hash=keyed_hash(number.value)).first()


def _apply_id_number(person: Person, raw: str, *, gender: str | None, birth_date: dt.date | None) -> None:
    try:
        number = idnumbers.parse(raw)
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from None
    if gender and gender != number.gender:
        raise ValidationError({"gender": GENDER_MISMATCH.format(gender="男" if number.gender == "male" else "女")})
    if birth_date and birth_date != number.birth_date:
        raise ValidationError({"birth_date": BIRTH_DATE_MISMATCH.format(date=number.birth_date.isoformat())})
    person.id_number = number.value
    person.id_number_hash = keyed_hash(number.value)
    person.id_number_masked = number.masked
    person.gender = number.gender
    person.birth_date = number.birth_date


def _apply_disability(person: Person, tags: list[IdentityTag], certificate: str | None) -> None:
    """Check a certificate number against the ID number and keep its class digits.

    None leaves the registered class as it is; an empty string clears it.
    """
    if certificate is not None:
        certificate = idnumbers.normalize(certificate)
        if certificate and (
            len(certificate) != 20 or certificate[18] not in "1234567" or certificate[19] not in "1234"
        ):
            raise ValidationError({"disability_certificate_number": CERTIFICATE_FORMAT})
        if certificate and certificate[:18] != person.id_number:
            raise ValidationError({"disability_certificate_number": CERTIFICATE_MISMATCH})
        person.disability_class = certificate[18:]
    if any(tag.code == IdentityTag.DISABLED for tag in tags) and not person.disability_class:
        raise ValidationError({"disability_certificate_number": CERTIFICATE_REQUIRED})


def _check_places(actor, person: Person) -> None:
    require_region_in_scope(actor, person.region)
    if person.employer is not None:
        try:
            require_region_in_scope(actor, person.employer.region)
        except ValidationError:
            raise ValidationError({"employer": EMPLOYER_OUT_OF_SCOPE}) from None


def _raise_if_registered(actor, person: Person) -> None:
    existing = Person.objects.filter(id_number_hash=person.id_number_hash).exclude(pk=person.pk).first()
    if existing is None:
        return
    if actor is None or scoped(Person.objects.filter(pk=existing.pk), actor).exists():
        raise ConflictError(PERSON_EXISTS.format(masked=existing.id_number_masked, name=existing.name), [existing.pk])
    raise ConflictError(PERSON_EXISTS_ELSEWHERE, [existing.pk])


def _validate_fields(person: Person) -> None:
    # Region and employer arrive as rows already checked against the scope; re-reading
    # them to prove they exist would cost two queries a person on every import.
    exclude = ["id_number_hash", "id_number", "region", "employer"]
    person.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _save(actor, person: Person) -> None:
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Another request registered the same number between our check and our insert.
        _raise_if_registered(actor, person)
        raise


@transaction.atomic
def person_register(
    *,
    actor=None,
    name: str,
    id_number: str,
    region: Region,
    ethnicity: str = "汉族",
    phone: str = "",
    employer: HostUnit | None = None,
    identity_tags: Iterable[IdentityTag] = (),
    disability_certificate_number: str = "",
    gender: str | None = None,
    birth_date: dt.date | None = None,
    membership_source: str = MembershipSource.RULE,
    today: dt.date | None = None,
) -> tuple[Person, EnrollmentResult]:
    """Register a person and enroll them wherever the rules say; 409 if the number is known.

    `membership_source` marks the memberships the rules create (`import` for imports).
    """
    require_perm(actor, "members.add_person")
    person = Person(
        name=clean_name(name),
        region=region,
        ethnicity=ethnicity,
        phone=(phone or "").strip(),
        employer=employer,
    )
    _apply_id_number(person, id_number, gender=gender, birth_date=birth_date)
    tags = list(identity_tags)
    _apply_disability(person, tags, disability_certificate_number or "")
    _check_places(actor, person)
    _validate_fields(person)
    # No look-up first: the unique hash refuses a known number and _save turns that into the 409.
    _save(actor, person)
    person.identity_tags.set(tags)
    return person, person_enroll(person=person, today=today, source=membership_source)


@transaction.atomic
def person_update(
    *, actor=None, person: Person, today: dt.date | None = None, **changes
) -> tuple[Person, EnrollmentResult]:
    """Change a person's record, then enroll again: a new employer may bring a new membership."""
    require_perm(actor, "members.change_person")
    require_region_in_scope(actor, person.region)
    unknown = set(changes) - set(_PERSON_FIELDS)
    if unknown:
        raise TypeError(f"person_update() got unexpected fields {sorted(unknown)}")
    tags = list(changes.pop("identity_tags")) if "identity_tags" in changes else list(person.identity_tags.all())
    raw_id = changes.pop("id_number", None)
    certificate = changes.pop("disability_certificate_number", None)
    gender, birth_date = changes.pop("gender", None), changes.pop("birth_date", None)
    for field, value in changes.items():
        setattr(person, field, clean_name(value) if field == "name" else value)
    if raw_id is not None or gender or birth_date:
        _apply_id_number(
            person, raw_id if raw_id is not None else person.id_number, gender=gender, birth_date=birth_date
        )
    _apply_disability(person, tags, certificate)
    _check_places(actor, person)
    _raise_if_registered(actor, person)
    _validate_fields(person)
    _save(actor, person)
    person.identity_tags.set(tags)
    return person, person_enroll(person=person, today=today)


@transaction.atomic
def person_delete(*, actor=None, person: Person) -> None:
    """Only a record with no membership history may go; otherwise end the memberships instead."""
    require_perm(actor, "members.delete_person")
    require_region_in_scope(actor, person.region)
    if Membership.objects.filter(person=person).exists():
        raise ConflictError(
            "该人员有会员记录，不能删除；请改为办理退出。", list(person.memberships.values_list("pk", flat=True)[:20])
        )
    person.delete()


def person_full_id_number(*, actor, person: Person) -> str:
    """The plaintext ID number, for holders of the permission only; every read is audited."""
    if not actor.has_perm("members.view_full_id_number"):
        raise PermissionDenied(NO_PERMISSION)
    audit_record(actor=actor, action=AuditEvent.Action.VIEW_FULL_ID_NUMBER, obj=person)
    return person.id_number


def person_full_phone(*, actor, person: Person) -> str:
    """The plaintext phone number, for holders of the permission only; every read of one is audited."""
    if not actor.has_perm("members.view_full_phone"):
        raise PermissionDenied(NO_PERMISSION)
    if person.phone:
        audit_record(actor=actor, action=AuditEvent.Action.VIEW_FULL_PHONE, obj=person)
    return person.phone
