"""Service projects and service records in spreadsheets (xlsx, csv).

Projects: each new row is one project through services.project_create as the importing
user (scope, permissions, period, budget and fund rules). Organizations, policy standards,
natures, content categories and service types are named as people write them (name, or
code for the reference data); identity tags and services by name, several in a cell
separated by 、. A row with an ID names a project already there: it is skipped, never
updated, so an exported file imports back as all skipped.

Service records: each row is one record through services.service_record_create; the
person is found by the full ID number (members.services.person_by_id_number). A file with
any bad row — unknown ID number or project, a person outside the target group, a one-off
service already received, or received twice within the same file — writes nothing, and
every bad row is reported with its number, column and a Chinese reason. The ID numbers of
bad rows are masked on the import page; an export never holds a plaintext ID number and
is written to the audit trail, as the people export is.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from import_export import fields, widgets

from apps.core.audit import audit_record
from apps.core.models import AuditEvent
from apps.members import idnumbers
from apps.members.models import Gender, IdentityTag
from apps.members.resources import ID_NUMBER_MASKED
from apps.members.services import person_by_id_number
from apps.organizations.models import Organization
from apps.organizations.resources.base import (
    COLUMN_REQUIRED,
    ID,
    NAME_CANDIDATES,
    CellError,
    ServiceResource,
    cell_text,
)
from apps.organizations.scoping import scoped
from apps.projects import services
from apps.projects.models import (
    ContentCategory,
    PolicyStandard,
    ProjectParticipant,
    ProjectRole,
    ServiceProject,
    ServiceRecord,
    ServiceType,
    WorkNature,
)
from apps.resources.models import Fund

# Project columns.
NAME = "项目名称"
LEAD = "牵头组织"
PARTICIPANTS = "参与组织"
POLICY = "政策标准"
NATURE = "工作性质"
CONTENT = "服务内容"
SERVICES = "提供的服务"
REGION_CODE = "服务区域代码"
REGION_NAME = "服务区域"
TAGS = "服务对象身份"
MIN_AGE = "最低年龄"
MAX_AGE = "年龄上限"
GENDER = "性别"
FUND = "经费ID"
FUND_NAME = "经费来源"
BUDGET = "预算（元）"
START = "开始日期"
END = "结束日期"
DESCRIPTION = "项目内容"
STATUS = "状态"
BUNDLE = "所属捆绑项目"

# Service record columns.
ID_NUMBER = "身份证号"
PERSON_NAME = "姓名"
PROJECT = "项目"
SERVICE = "服务"
DATE = "服务日期"
QUANTITY = "数量"
AMOUNT = "折合金额"
UNIT = "服务单位"
NOTE = "说明"
RECORD_HEADERS = (ID_NUMBER, PROJECT, SERVICE, DATE, QUANTITY, AMOUNT, UNIT, NOTE)

# Messages for cells the services are never asked about.
ORGANIZATION_NOT_FOUND = "找不到名为“{name}”的组织，或它不在您的管辖范围内。"
ORGANIZATION_AMBIGUOUS = "名为“{name}”的组织不止一个，无法确定是哪一个。"
ROLE_NOT_FOUND = "“{value}”中的角色应为以下之一：{choices}。"
REFERENCE_NOT_FOUND = "没有名称或代码为“{value}”的{kind}；可填：{choices}。"
IDENTITY_TAG_NOT_FOUND = "没有名为“{name}”的身份；可填：{choices}。"
INTEGER_INVALID = "“{column}”应为不小于 0 的整数。"
GENDER_INVALID = "性别应为“男”“女”，或留空（不限）。"
FUND_INVALID = "经费ID 应为整数。"
FUND_NOT_FOUND = "找不到 ID 为 {pk} 的经费，或它不在您的管辖范围内。"
NUMBER_INVALID = "“{column}”应为数字，如 1200.50。"
DATE_INVALID = "“{column}”应为 YYYY-MM-DD 格式，如 2027-03-15。"
PERSON_NOT_FOUND = "找不到身份证号为 {masked} 的人员，请先登记人员信息。"
PROJECT_NOT_FOUND = "找不到名为“{name}”的服务项目，或它不在您的管辖范围内。"
PROJECT_AMBIGUOUS = "名为“{name}”的服务项目不止一个，请填写项目 ID。"
ONE_OFF_REPEATED = "与第 {row} 行重复：“{service}”为一次性服务，每人限一次。"
EXPORT_AUDIT = "导出服务记录 {count} 条（身份证号已脱敏）"

# Several names in one cell: 职工、农民工 (also commas and semicolons).
_LIST_SEPARATORS = re.compile(r"[、,，;；]+")
# 西宁市城东区红十字会（配合参与）: a unit and, in brackets, its role.
_WITH_ROLE = re.compile(r"^(?P<name>.+?)\s*[（(](?P<role>[^（）()]+)[）)]$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


# Cells --------------------------------------------------------------------------------------


def _names(value: Any) -> list[str]:
    return [name.strip() for name in _LIST_SEPARATORS.split(cell_text(value)) if name.strip()]


def read_date(value: Any, column: str, *, required: bool = True) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value).removesuffix(" 00:00:00")
    if not text:
        if required:
            raise CellError(COLUMN_REQUIRED.format(column=column))
        return None
    for date_format in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, date_format).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise CellError(DATE_INVALID.format(column=column))


def read_decimal(value: Any, column: str) -> Decimal | None:
    text = cell_text(value).replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(NUMBER_INVALID.format(column=column)) from None
    if not number.is_finite():
        raise CellError(NUMBER_INVALID.format(column=column))
    return number


def _age(value: Any, column: str) -> int | None:
    text = cell_text(value)
    if not text:
        return None
    if not text.isdigit():
        raise CellError(INTEGER_INVALID.format(column=column))
    return int(text)


def _gender(value: Any) -> str:
    text = cell_text(value)
    if text in ("", "不限"):
        return ""
    for gender in Gender:
        if text in (gender.label, gender.value, f"{gender.label}性"):
            return gender.value
    raise CellError(GENDER_INVALID)


def _id_number(value: Any) -> idnumbers.IdNumber:
    text = cell_text(value)
    if "*" in text:
        raise CellError(ID_NUMBER_MASKED)
    try:
        return idnumbers.parse(text)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


class _Lookups:
    """Reference data and organizations read once per file; none of them change during an import."""

    def __init__(self, actor):
        self.actor = actor
        self._reference: dict[type, dict[str, Any]] = {}
        self._tags: dict[str, IdentityTag] | None = None
        self._organizations: dict[str, Organization] = {}

    def reference(self, model, value: Any, column: str, *, required: bool = True):
        """A row of reference data by name or code."""
        text = cell_text(value)
        if not text:
            if required:
                raise CellError(COLUMN_REQUIRED.format(column=column))
            return None
        if model not in self._reference:
            rows = list(model.objects.all())
            self._reference[model] = {**{row.code: row for row in rows}, **{row.name: row for row in rows}}
        found = self._reference[model].get(text)
        if found is None:
            names = "、".join(row.name for row in model.objects.all())
            raise CellError(REFERENCE_NOT_FOUND.format(value=text, kind=model._meta.verbose_name, choices=names))
        return found

    def service_types(self, value: Any) -> list[ServiceType]:
        names = _names(value)
        if not names:
            raise CellError(COLUMN_REQUIRED.format(column=SERVICES))
        return [self.reference(ServiceType, name, SERVICES) for name in names]

    def identity_tags(self, value: Any) -> list[IdentityTag]:
        if self._tags is None:
            self._tags = {tag.name: tag for tag in IdentityTag.objects.all()}
        tags = []
        for name in _names(value):
            if name not in self._tags:
                raise CellError(IDENTITY_TAG_NOT_FOUND.format(name=name, choices="、".join(self._tags)))
            tags.append(self._tags[name])
        return tags

    def organization(self, value: Any, column: str, *, required: bool = True) -> Organization | None:
        name = cell_text(value)
        if not name:
            if required:
                raise CellError(COLUMN_REQUIRED.format(column=column))
            return None
        if name not in self._organizations:
            found = scoped(Organization.objects.filter(name=name), self.actor).select_related("region", "federation")
            candidates = list(found[:NAME_CANDIDATES])
            if not candidates:
                raise CellError(ORGANIZATION_NOT_FOUND.format(name=name))
            if len(candidates) > 1:
                raise CellError(ORGANIZATION_AMBIGUOUS.format(name=name))
            self._organizations[name] = candidates[0]
        return self._organizations[name]

    def participants(self, value: Any) -> list[tuple[Organization, str]]:
        roles = {role.label: role.value for role in ProjectRole}
        participants = []
        for text in _names(value):
            name, role = text, ProjectRole.PARTNER.value
            matched = _WITH_ROLE.match(text)
            if matched:
                if matched["role"] not in roles:
                    raise CellError(ROLE_NOT_FOUND.format(value=text, choices="、".join(roles)))
                name, role = matched["name"], roles[matched["role"]]
            participants.append((self.organization(name, PARTICIPANTS), role))
        return participants


# Projects ------------------------------------------------------------------------------------


class ServiceProjectResource(ServiceResource):
    id = fields.Field(attribute="id", column_name=ID, widget=widgets.IntegerWidget())
    name = fields.Field(attribute="name", column_name=NAME)
    lead_organization = fields.Field(attribute="lead_organization__name", column_name=LEAD)
    participants = fields.Field(column_name=PARTICIPANTS)
    policy_standard = fields.Field(attribute="policy_standard__name", column_name=POLICY)
    work_nature = fields.Field(attribute="work_nature__name", column_name=NATURE)
    content_category = fields.Field(attribute="content_category__name", column_name=CONTENT)
    service_types = fields.Field(column_name=SERVICES)
    region = fields.Field(attribute="region__code", column_name=REGION_CODE)
    region_name = fields.Field(attribute="region__full_name", column_name=REGION_NAME, readonly=True)
    target_tags = fields.Field(column_name=TAGS)
    min_age = fields.Field(attribute="min_age", column_name=MIN_AGE)
    max_age = fields.Field(attribute="max_age", column_name=MAX_AGE)
    gender = fields.Field(attribute="get_gender_display", column_name=GENDER)
    fund = fields.Field(attribute="fund_id", column_name=FUND)
    fund_name = fields.Field(attribute="fund__name", column_name=FUND_NAME, readonly=True)
    budget = fields.Field(attribute="budget", column_name=BUDGET)
    start_date = fields.Field(attribute="start_date", column_name=START, widget=widgets.DateWidget("%Y-%m-%d"))
    end_date = fields.Field(attribute="end_date", column_name=END, widget=widgets.DateWidget("%Y-%m-%d"))
    description = fields.Field(attribute="description", column_name=DESCRIPTION)
    status = fields.Field(attribute="get_status_display", column_name=STATUS, readonly=True)
    bundle = fields.Field(attribute="bundle__name", column_name=BUNDLE, readonly=True)

    service_columns = {
        "name": NAME,
        "lead_organization": LEAD,
        "participants": PARTICIPANTS,
        "policy_standard": POLICY,
        "work_nature": NATURE,
        "content_category": CONTENT,
        "service_types": SERVICES,
        "region": REGION_CODE,
        "target_tags": TAGS,
        "min_age": MIN_AGE,
        "max_age": MAX_AGE,
        "gender": GENDER,
        "fund": FUND,
        "budget": BUDGET,
        "start_date": START,
        "end_date": END,
        "description": DESCRIPTION,
    }
    conflict_column = NAME
    list_select_related = (
        "lead_organization",
        "policy_standard",
        "work_nature",
        "content_category",
        "region",
        "fund",
        "bundle",
    )

    class Meta:
        model = ServiceProject
        name = "服务项目"
        fields = (
            "id",
            "name",
            "lead_organization",
            "participants",
            "policy_standard",
            "work_nature",
            "content_category",
            "service_types",
            "region",
            "region_name",
            "target_tags",
            "min_age",
            "max_age",
            "gender",
            "fund",
            "fund_name",
            "budget",
            "start_date",
            "end_date",
            "description",
            "status",
            "bundle",
        )
        export_order = fields
        use_transactions = True
        skip_diff = True
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        super().__init__(user, **kwargs)
        self._lookups: _Lookups | None = None
        self._funds: set[int] = set()

    @property
    def lookups(self) -> _Lookups:
        if self._lookups is None:
            self._lookups = _Lookups(self.actor)
        return self._lookups

    # Export ---------------------------------------------------------------------------

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        participants = Prefetch(
            "participants", queryset=ProjectParticipant.objects.select_related("organization").order_by("id")
        )
        return (
            super()
            .filter_export(queryset, **kwargs)
            .prefetch_related(
                participants,
                Prefetch("service_types", queryset=ServiceType.objects.order_by("sort_order", "id")),
                Prefetch("target_tags", queryset=IdentityTag.objects.order_by("sort_order", "id")),
            )
        )

    def dehydrate_participants(self, project: ServiceProject) -> str:
        return "、".join(f"{p.organization.name}（{p.get_role_display()}）" for p in project.participants.all())

    def dehydrate_service_types(self, project: ServiceProject) -> str:
        return "、".join(service.name for service in project.service_types.all())

    def dehydrate_target_tags(self, project: ServiceProject) -> str:
        return "、".join(tag.name for tag in project.target_tags.all())

    # Import ---------------------------------------------------------------------------

    def before_import(self, dataset, **kwargs) -> None:
        super().before_import(dataset, **kwargs)
        self._funds = self.keys_in_scope_of(Fund, dataset, FUND)

    def keys_in_scope_of(self, model, dataset, column: str) -> set[int]:
        if column not in (dataset.headers or ()):
            return set()
        pks = {_as_int(value) for value in dataset[column]} - {None}
        return set(scoped(model.objects.filter(pk__in=pks), self.actor).values_list("pk", flat=True))

    def read_row(self, instance, row, errors):
        if instance.pk is not None:
            return {}  # an existing project: skipped (ServiceResource.skip_row), never updated by a file
        lookups = self.lookups
        values = {
            "name": cell_text(row.get(NAME)),  # the service names a blank one
            "lead_organization": self.read(errors, LEAD, lookups.organization, row.get(LEAD), LEAD),
            "participants": self.read(errors, PARTICIPANTS, lookups.participants, row.get(PARTICIPANTS)) or [],
            "policy_standard": self.read(errors, POLICY, lookups.reference, PolicyStandard, row.get(POLICY), POLICY),
            "work_nature": self.read(errors, NATURE, lookups.reference, WorkNature, row.get(NATURE), NATURE),
            "content_category": self.read(
                errors, CONTENT, lookups.reference, ContentCategory, row.get(CONTENT), CONTENT
            ),
            "service_types": self.read(errors, SERVICES, lookups.service_types, row.get(SERVICES)),
            "region": self.read(
                errors, REGION_CODE, lambda: self.region_by_code(row.get(REGION_CODE), column=REGION_CODE)
            ),
            "target_tags": self.read(errors, TAGS, lookups.identity_tags, row.get(TAGS)) or [],
            "min_age": self.read(errors, MIN_AGE, _age, row.get(MIN_AGE), MIN_AGE),
            "max_age": self.read(errors, MAX_AGE, _age, row.get(MAX_AGE), MAX_AGE),
            "gender": self.read(errors, GENDER, _gender, row.get(GENDER)) or "",
            "fund": self.read(errors, FUND, self._fund, row.get(FUND)),
            "budget": self.read(errors, BUDGET, read_decimal, row.get(BUDGET), BUDGET) or Decimal("0"),
            "start_date": self.read(errors, START, read_date, row.get(START), START),
            "end_date": self.read(errors, END, read_date, row.get(END), END),
            "description": cell_text(row.get(DESCRIPTION)),
        }
        return values

    def write(self, instance, is_create):
        # Only new rows get here: a row naming an existing project is skipped.
        return services.project_create(actor=self.actor, **self._values)

    def _fund(self, value: Any) -> Fund | None:
        text = cell_text(value)
        if not text:
            return None
        pk = _as_int(text)
        if pk is None:
            raise CellError(FUND_INVALID)
        if pk not in self._funds:
            raise CellError(FUND_NOT_FOUND.format(pk=pk))
        return Fund.objects.select_related("owner__region").get(pk=pk)


def _as_int(value: Any) -> int | None:
    try:
        return int(cell_text(value))
    except ValueError:
        return None


# Service records -------------------------------------------------------------------------------


class ServiceRecordResource(ServiceResource):
    id_number = fields.Field(attribute="person__id_number_masked", column_name=ID_NUMBER)
    person_name = fields.Field(attribute="person__name", column_name=PERSON_NAME, readonly=True)
    project = fields.Field(attribute="project__name", column_name=PROJECT)
    service_type = fields.Field(attribute="service_type__name", column_name=SERVICE)
    date = fields.Field(attribute="date", column_name=DATE, widget=widgets.DateWidget("%Y-%m-%d"))
    quantity = fields.Field(attribute="quantity", column_name=QUANTITY)
    amount = fields.Field(attribute="amount", column_name=AMOUNT)
    organization = fields.Field(attribute="organization__name", column_name=UNIT)
    note = fields.Field(attribute="note", column_name=NOTE)

    service_columns = {
        "person": ID_NUMBER,
        "project": PROJECT,
        "service_type": SERVICE,
        "date": DATE,
        "quantity": QUANTITY,
        "amount": AMOUNT,
        "organization": UNIT,
        "note": NOTE,
    }
    # A one-off service the person already received (409): a fact about the person.
    conflict_column = ID_NUMBER
    list_select_related = ("person", "project", "service_type", "organization")

    class Meta:
        model = ServiceRecord
        name = "服务记录"
        fields = (
            "id_number",
            "person_name",
            "project",
            "service_type",
            "date",
            "quantity",
            "amount",
            "organization",
            "note",
        )
        export_order = fields
        use_transactions = True
        skip_diff = True
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        super().__init__(user, **kwargs)
        self._lookups: _Lookups | None = None
        self._projects: dict[str, ServiceProject] = {}
        self._row_number: int | None = None
        # (person, one-off service) → the file's first row giving it
        self._one_off_rows: dict[tuple[int, int], int] = {}

    @property
    def lookups(self) -> _Lookups:
        if self._lookups is None:
            self._lookups = _Lookups(self.actor)
        return self._lookups

    # Export ---------------------------------------------------------------------------

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        # The ciphertext is never even read (nor decrypted) for an export.
        return super().filter_export(queryset, **kwargs).defer("person__id_number").order_by("-date", "-id")

    def export(self, queryset=None, **kwargs):
        dataset = super().export(queryset, **kwargs)
        audit_record(
            actor=self.actor,
            action=AuditEvent.Action.EXPORT,
            model=ServiceRecord._meta.label_lower,
            detail=EXPORT_AUDIT.format(count=len(dataset)),
        )
        return dataset

    # Import ---------------------------------------------------------------------------

    def get_instance(self, instance_loader, row):
        return None  # every row is a new record: the ledger of services is never rewritten by a file

    def before_import_row(self, row, **kwargs) -> None:
        self._row_number = kwargs.get("row_number")

    def read_row(self, instance, row, errors):
        lookups = self.lookups
        person = self.read(errors, ID_NUMBER, self._person, row.get(ID_NUMBER))
        service_type = self.read(errors, SERVICE, lookups.reference, ServiceType, row.get(SERVICE), SERVICE)
        if person is not None and service_type is not None and service_type.one_off:
            first = self._one_off_rows.setdefault((person.pk, service_type.pk), self._row_number)
            if first != self._row_number:
                errors[SERVICE] = ONE_OFF_REPEATED.format(row=first, service=service_type.name)
        return {
            "person": person,
            "project": self.read(errors, PROJECT, self._project, row.get(PROJECT)),
            "service_type": service_type,
            "date": self.read(errors, DATE, read_date, row.get(DATE), DATE),
            "quantity": self.read(errors, QUANTITY, read_decimal, row.get(QUANTITY), QUANTITY) or Decimal("1"),
            "amount": self.read(errors, AMOUNT, read_decimal, row.get(AMOUNT), AMOUNT),
            "organization": self.read(errors, UNIT, lambda: lookups.organization(row.get(UNIT), UNIT, required=False)),
            "note": cell_text(row.get(NOTE)),
        }

    def write(self, instance, is_create):
        return services.service_record_create(actor=self.actor, **self._values)

    def after_import(self, dataset, result, **kwargs) -> None:
        """Mask the numbers in the bad rows the import page shows back to the user."""
        positions = [index for index, header in enumerate(result.diff_headers) if header == ID_NUMBER]
        for invalid in result.invalid_rows:
            values = list(invalid.values)
            for index in positions:
                text = cell_text(values[index])
                values[index] = idnumbers.mask(idnumbers.normalize(text)) if text else text
            invalid.values = tuple(values)

    # Lookups --------------------------------------------------------------------------

    def _person(self, value: Any):
        number = _id_number(value)
        person = person_by_id_number(number.value)
        if person is None:
            raise CellError(PERSON_NOT_FOUND.format(masked=number.masked))
        return person

    def _project(self, value: Any) -> ServiceProject:
        name = cell_text(value)
        if not name:
            raise CellError(COLUMN_REQUIRED.format(column=PROJECT))
        if name not in self._projects:
            found = scoped(ServiceProject.objects.filter(name=name), self.actor)
            pk = _as_int(name)
            if pk is not None and not found.exists():
                found = scoped(ServiceProject.objects.filter(pk=pk), self.actor)
            candidates = list(found.select_related("lead_organization")[:NAME_CANDIDATES])
            if not candidates:
                raise CellError(PROJECT_NOT_FOUND.format(name=name))
            if len(candidates) > 1:
                raise CellError(PROJECT_AMBIGUOUS.format(name=name))
            self._projects[name] = candidates[0]
        return self._projects[name]
