"""Host units: the firms, parks, markets and social organizations units are set up in."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.exceptions import ConflictError
from apps.organizations.models import (
    HostUnit,
    Region,
)
from apps.organizations.services.checks import (
    clean_name,
    require_perm,
    require_region_in_scope,
    save_guarding_races,
)

HOST_UNIT_CREDIT_CODE = "统一社会信用代码无效（应为 18 位，校验位正确）。"
HOST_UNIT_REGION_STRANDS_UNITS = "单位内已设的群团组织不在新区划内，请先调整这些组织。"
HOST_UNIT_CREDIT_CODE_TAKEN = "统一社会信用代码已被“{name}”使用。"


_CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_normalize(code: str) -> str:
    return (code or "").strip().upper().replace(" ", "")


def credit_code_is_valid(code: str) -> bool:
    """GB 32100-2015: 18 characters from a 31-symbol alphabet, the last a weighted mod-31 check."""
    if len(code) != 18 or any(char not in _CREDIT_CODE_ALPHABET for char in code):
        return False
    total = sum(
        _CREDIT_CODE_ALPHABET.index(char) * weight for char, weight in zip(code[:17], _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return _CREDIT_CODE_ALPHABET[(31 - total % 31) % 31] == code[17]


def _validate_host_unit(host_unit: HostUnit) -> None:
    host_unit.name = clean_name(host_unit.name)
    host_unit.credit_code = credit_code_normalize(host_unit.credit_code)
    if host_unit.credit_code:
        if not credit_code_is_valid(host_unit.credit_code):
            raise ValidationError({"credit_code": HOST_UNIT_CREDIT_CODE})
        clash = HostUnit.objects.filter(credit_code=host_unit.credit_code).exclude(pk=host_unit.pk).first()
        if clash is not None:
            raise ConflictError(HOST_UNIT_CREDIT_CODE_TAKEN.format(name=clash.name), [clash.pk])
    host_unit.full_clean(validate_constraints=False)


@transaction.atomic
def host_unit_create(
    *,
    actor=None,
    name: str,
    kind: str,
    region: Region,
    credit_code: str = "",
    head_count: int = 0,
    address: str = "",
) -> HostUnit:
    require_perm(actor, "organizations.add_hostunit")
    require_region_in_scope(actor, region)
    host_unit = HostUnit(
        name=name, kind=kind, region=region, credit_code=credit_code, head_count=head_count, address=address
    )
    _validate_host_unit(host_unit)
    save_guarding_races(host_unit, HOST_UNIT_CREDIT_CODE_TAKEN.format(name="另一单位"))
    return host_unit


_HOST_UNIT_FIELDS = ("name", "kind", "region", "credit_code", "head_count", "address")


@transaction.atomic
def host_unit_update(*, actor=None, host_unit: HostUnit, **changes) -> HostUnit:
    require_perm(actor, "organizations.change_hostunit")
    require_region_in_scope(actor, host_unit.region)
    for field, value in changes.items():
        if field not in _HOST_UNIT_FIELDS:
            raise TypeError(f"host_unit_update() got an unexpected field {field!r}")
        setattr(host_unit, field, value)
    if "region" in changes:
        require_region_in_scope(actor, host_unit.region)
        outside = host_unit.organizations.exclude(region__path__startswith=host_unit.region.path)
        if outside.exists():
            raise ValidationError({"region": HOST_UNIT_REGION_STRANDS_UNITS})
    _validate_host_unit(host_unit)
    save_guarding_races(host_unit, HOST_UNIT_CREDIT_CODE_TAKEN.format(name="另一单位"))
    return host_unit


@transaction.atomic
def host_unit_delete(*, actor=None, host_unit: HostUnit) -> None:
    require_perm(actor, "organizations.delete_hostunit")
    require_region_in_scope(actor, host_unit.region)
    host_unit.delete()
