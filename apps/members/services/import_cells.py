"""A people spreadsheet's columns and how one cell is read: shared by the row-by-row resource
(django-import-export) and the bulk import, so both read a file the same way."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError

from apps.members import idnumbers
from apps.members.ethnicities import ETHNICITIES
from apps.members.models import Gender
from apps.organizations.resources.base import CellError, cell_text

# Column headers.
NAME = "姓名"
ID_NUMBER = "身份证号"
GENDER = "性别"
BIRTH_DATE = "出生日期"
ETHNICITY = "民族"
PHONE = "手机号"
REGION_CODE = "居住地区划代码"
REGION_NAME = "居住地"
EMPLOYER_CREDIT_CODE = "工作单位统一社会信用代码"
EMPLOYER = "工作单位"
IDENTITY_TAGS = "身份"
CERTIFICATE = "残疾人证号"

# Messages for cells the services are never asked about.
ID_NUMBER_MASKED = "身份证号已脱敏（含 *），不能据此登记，请填写完整的 18 位身份证号。"
ID_NUMBER_REPEATED = "与第 {row} 行的身份证号重复。"
GENDER_INVALID = "性别应为“男”或“女”。"
BIRTH_DATE_INVALID = "出生日期“{value}”无法识别，请写成 2001-03-15 的形式。"
ETHNICITY_INVALID = "民族“{value}”不是 56 个民族的规范名称（如“汉族”“藏族”）。"
EMPLOYER_NOT_FOUND = "找不到工作单位“{value}”，或它不在您的管辖范围内。"
EMPLOYER_AMBIGUOUS = "名为“{name}”的工作单位不止一个，请填写“工作单位统一社会信用代码”。"
IDENTITY_TAG_NOT_FOUND = "没有名为“{name}”的身份；可填：{choices}。"

# Several identities in one cell: 职工、农民工 (also commas, semicolons, slashes, spaces).
TAG_SEPARATORS = re.compile(r"[、,，;；/\s]+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def read_id_number(value: Any, today: dt.date | None = None) -> idnumbers.IdNumber:
    text = cell_text(value)
    if "*" in text:
        raise CellError(ID_NUMBER_MASKED)
    try:
        return idnumbers.parse(text, today=today)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


def read_gender(value: Any) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    for gender in Gender:
        if text in (gender.label, gender.value, f"{gender.label}性"):
            return gender.value
    raise CellError(GENDER_INVALID)


def read_birth_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    text = text.removesuffix(" 00:00:00")
    for date_format in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, date_format).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise CellError(BIRTH_DATE_INVALID.format(value=text))


def read_ethnicity(value: Any) -> str:
    text = cell_text(value)
    if not text:
        return "汉族"
    for name in (text, f"{text}族"):
        if name in ETHNICITIES:
            return name
    raise CellError(ETHNICITY_INVALID.format(value=text))
