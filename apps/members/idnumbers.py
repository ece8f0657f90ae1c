"""Resident ID numbers (公民身份号码, GB 11643-1999): normalize, validate, read, mask.

The six address digits are those of the first registration and may name a county that has
since been renamed or merged, so only the province prefix is checked, never today's
divisions. 15-digit numbers (the pre-1999 form) have not been valid documents since
2013; they are refused with a message asking for the 18-digit number rather than
upgraded silently, since the upgraded number is the person's to state.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from operator import mul

from django.core.exceptions import ValidationError
from django.utils import timezone

ID_REQUIRED = "请填写身份证号。"
ID_LEGACY_15 = "15 位旧身份证号已停止使用，请填写 18 位身份证号。"
ID_LENGTH = "身份证号应为 18 位（现为 {length} 位）。"
ID_CHARACTERS = "身份证号前 17 位应为数字，最后一位为数字或 X。"
ID_PROVINCE = "身份证号前两位“{prefix}”不是有效的省级行政区代码。"
ID_BIRTH_DATE = "身份证号中的出生日期 {date} 不存在。"
ID_FUTURE_BIRTH = "身份证号中的出生日期 {date} 晚于今天。"
ID_TOO_OLD = "身份证号中的出生日期 {date} 早于 1900 年。"
ID_CHECK_DIGIT = "身份证号校验位不正确，请核对是否输错。"

# GB/T 2260 province-level codes; 71 台湾, 81 香港, 82 澳门 and 83 (台湾居民居住证) also occur.
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_STRIP = {" ", "-", "\u3000", "\t"}


def check_digit(first17: str) -> str:
    if len(first17) != len(_WEIGHTS):
        raise ValueError(f"check_digit takes the first 17 characters, not {len(first17)}")
    return _CHECK[sum(map(mul, map(int, first17), _WEIGHTS)) % 11]


def normalize(raw: str) -> str:
    """As people type it: full-width digits, a lower-case x, spaces and dashes are all fine."""
    if raw and raw.isascii() and raw.isalnum():
        return raw.upper()  # as typed in a spreadsheet: nothing to normalize (a bulk import's every row)
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(char for char in text if char not in _STRIP).upper()


@dataclass(frozen=True)
class IdNumber:
    value: str

    @property
    def birth_date(self) -> dt.date:
        return dt.date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    @property
    def gender(self) -> str:
        return "male" if int(self.value[16]) % 2 else "female"

    @property
    def masked(self) -> str:
        return mask(self.value)


def parse(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """The normalized, validated number; ValidationError with one clear Chinese message otherwise."""
    value = normalize(raw)
    if not value:
        raise ValidationError(ID_REQUIRED, code="required")
    if len(value) == 15 and value.isdigit():
        raise ValidationError(ID_LEGACY_15, code="legacy")
    if len(value) != 18:
        raise ValidationError(ID_LENGTH.format(length=len(value)), code="length")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(ID_CHARACTERS, code="characters")
    if value[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(ID_PROVINCE.format(prefix=value[:2]), code="province")
    shown = f"{value[6:10]}-{value[10:12]}-{value[12:14]}"
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(ID_BIRTH_DATE.format(date=shown), code="birth_date") from None
    if birth > (today or timezone.localdate()):
        raise ValidationError(ID_FUTURE_BIRTH.format(date=shown), code="future")
    if birth.year < 1900:
        raise ValidationError(ID_TOO_OLD.format(date=shown), code="too_old")
    if check_digit(value[:17]) != value[17]:
        raise ValidationError(ID_CHECK_DIGIT, code="check_digit")
    return IdNumber(value)


def mask(value: str) -> str:
    """630***********1234: the province and the last four, as receipts print it."""
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}" if len(value) > 7 else "*" * len(value)
