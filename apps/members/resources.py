"""People in spreadsheets (xlsx, csv): register many at once, export a masked list.

An import only registers: every new row goes through services.person_register as the
importing user (so the scope, every rule and joint enrollment apply, the memberships
marked "批量导入"). A row whose ID number is already registered — or that names a
registered person by ID — is skipped, never updated, so the same file imported twice
creates nothing new. Any bad row (invalid ID number, impossible date, unknown region,
the same ID number twice in the file …) is reported with its number, column and a
Chinese reason, all of them, and — run with `rollback_on_validation_errors=True`, as the
admin always does — the whole file is left unwritten.

An export is scoped and never holds a plaintext ID number, whoever asks, superusers
included: the ID number and the disability certificate number (which begins with the
ID number) are masked. A full number is read one person at a time on the staff page,
which audits it. Phone numbers are exported in full only to holders of
members.view_full_phone (whoever organizes a call round needs them), masked otherwise.
Each export is itself written to the audit trail, saying which it was.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from import_export import fields, widgets

from apps.core.audit import audit_record
from apps.core.crypto import keyed_hash
from apps.core.models import AuditEvent
from apps.members import idnumbers, services
from apps.members.models import IdentityTag, MembershipSource, Person
from apps.members.services.import_cells import (  # noqa: F401 (the columns and messages, re-exported)
    BIRTH_DATE,
    BIRTH_DATE_INVALID,
    CERTIFICATE,
    EMPLOYER,
    EMPLOYER_AMBIGUOUS,
    EMPLOYER_CREDIT_CODE,
    EMPLOYER_NOT_FOUND,
    ETHNICITY,
    ETHNICITY_INVALID,
    GENDER,
    GENDER_INVALID,
    ID_NUMBER,
    ID_NUMBER_MASKED,
    ID_NUMBER_REPEATED,
    IDENTITY_TAG_NOT_FOUND,
    IDENTITY_TAGS,
    NAME,
    PHONE,
    REGION_CODE,
    REGION_NAME,
)
from apps.members.services.import_cells import TAG_SEPARATORS as _TAG_SEPARATORS
from apps.members.services.import_cells import read_birth_date as _birth_date
from apps.members.services.import_cells import read_ethnicity as _ethnicity
from apps.members.services.import_cells import read_gender as _gender
from apps.members.services.import_cells import read_id_number as _id_number
from apps.organizations.models import HostUnit
from apps.organizations.resources.base import (
    ID,
    CellError,
    ServiceResource,
    cell_text,
)
from apps.organizations.scoping import scoped
from apps.organizations.services import credit_code_normalize

EXPORT_AUDIT = "导出人员 {count} 条（身份证号、残疾人证号均已脱敏；手机号{phones}）"
PHONES_FULL, PHONES_MASKED = "完整", "已脱敏"
FULL_PHONE_PERM = "members.view_full_phone"
# ID numbers per query when the file's numbers are looked up.
_BATCH = 500
# Cells of a bad row the import page shows back: never the plaintext numbers.
_MASKED_COLUMNS = (ID_NUMBER, CERTIFICATE)


class PersonResource(ServiceResource):
    id = fields.Field(attribute="id", column_name=ID, widget=widgets.IntegerWidget())
    name = fields.Field(attribute="name", column_name=NAME)
    id_number = fields.Field(attribute="id_number_masked", column_name=ID_NUMBER)
    gender = fields.Field(attribute="get_gender_display", column_name=GENDER)
    birth_date = fields.Field(attribute="birth_date", column_name=BIRTH_DATE, widget=widgets.DateWidget("%Y-%m-%d"))
    ethnicity = fields.Field(attribute="ethnicity", column_name=ETHNICITY)
    phone = fields.Field(column_name=PHONE)
    region = fields.Field(attribute="region__code", column_name=REGION_CODE)
    region_name = fields.Field(attribute="region__full_name", column_name=REGION_NAME, readonly=True)
    employer_credit_code = fields.Field(attribute="employer__credit_code", column_name=EMPLOYER_CREDIT_CODE)
    employer = fields.Field(attribute="employer__name", column_name=EMPLOYER)
    identity_tags = fields.Field(column_name=IDENTITY_TAGS)
    disability_certificate_number = fields.Field(column_name=CERTIFICATE)

    service_columns = {
        "name": NAME,
        "id_number": ID_NUMBER,
        "gender": GENDER,
        "birth_date": BIRTH_DATE,
        "ethnicity": ETHNICITY,
        "phone": PHONE,
        "region": REGION_CODE,
        "employer": EMPLOYER,
        "identity_tags": IDENTITY_TAGS,
        "disability_certificate_number": CERTIFICATE,
    }
    conflict_column = ID_NUMBER
    list_select_related = ("region", "employer")

    class Meta:
        model = Person
        name = "人员"
        fields = (
            "id",
            "name",
            "id_number",
            "gender",
            "birth_date",
            "ethnicity",
            "phone",
            "region",
            "region_name",
            "employer_credit_code",
            "employer",
            "identity_tags",
            "disability_certificate_number",
        )
        export_order = fields
        use_transactions = True
        skip_diff = True
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        super().__init__(user, **kwargs)
        self._registered: dict[str, Person] = {}
        self._first_row: dict[str, int] = {}
        self._row_number: int | None = None
        self._tags: dict[str, IdentityTag] | None = None
        self._employers_by_code: dict[str, HostUnit] = {}
        self._employers_by_name: dict[str, list[HostUnit]] = {}
        #: memberships the registrations of this import created (joint enrollment)
        self.memberships_created = 0
        self.full_phones = bool(user is not None and user.has_perm(FULL_PHONE_PERM))

    # Export ---------------------------------------------------------------------------

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        # The ciphertext is never even read (nor decrypted) for an export.
        tags = Prefetch("identity_tags", queryset=IdentityTag.objects.order_by("sort_order", "id"))
        deferred = ("id_number",) if self.full_phones else ("id_number", "phone")
        return super().filter_export(queryset, **kwargs).defer(*deferred).prefetch_related(tags)

    def dehydrate_phone(self, person: Person) -> str:
        return person.phone if self.full_phones else person.phone_masked

    def dehydrate_identity_tags(self, person: Person) -> str:
        return "、".join(tag.name for tag in person.identity_tags.all())

    def dehydrate_disability_certificate_number(self, person: Person) -> str:
        return person.disability_certificate_masked

    def export(self, queryset=None, **kwargs):
        dataset = super().export(queryset, **kwargs)
        audit_record(
            actor=self.actor,
            action=AuditEvent.Action.EXPORT,
            model=Person._meta.label_lower,
            detail=EXPORT_AUDIT.format(count=len(dataset), phones=PHONES_FULL if self.full_phones else PHONES_MASKED),
        )
        return dataset

    # Import ---------------------------------------------------------------------------

    def import_data(self, dataset, **kwargs):
        # The rules, federations and units enrollment reads are the same for every row.
        with services.enrollment_snapshot():
            return super().import_data(dataset, **kwargs)

    def before_import(self, dataset, **kwargs) -> None:
        super().before_import(dataset, **kwargs)
        self._registered = self._registered_people(dataset)
        self._read_employers(dataset)

    def _registered_people(self, dataset) -> dict[str, Person]:
        """The file's valid ID numbers that are already registered, anywhere: a few queries.

        Not limited to the user's scope: registering such a number again would be refused
        anyway (person_register answers 409), so the row is skipped.
        """
        if ID_NUMBER not in (dataset.headers or ()):
            return {}
        hashes = set()
        for value in dataset[ID_NUMBER]:
            try:
                hashes.add(keyed_hash(_id_number(value).value))
            except CellError:
                continue
        hashes = list(hashes)
        registered: dict[str, Person] = {}
        for start in range(0, len(hashes), _BATCH):
            rows = Person.objects.filter(id_number_hash__in=hashes[start : start + _BATCH])
            for pk, digest, masked in rows.values_list("pk", "id_number_hash", "id_number_masked"):
                # Enough to skip the row; not the name, as the person may lie outside the scope.
                registered[digest] = Person(pk=pk, id_number_hash=digest, id_number_masked=masked)
        return registered

    def before_import_row(self, row, **kwargs) -> None:
        self._row_number = kwargs.get("row_number")

    def find_existing(self, row) -> Person | None:
        try:
            number = _id_number(row.get(ID_NUMBER))
        except CellError:
            return None  # read_row reports it
        return self._registered.get(keyed_hash(number.value))

    def read_row(self, instance, row, errors):
        named_by_id = bool(cell_text(row.get(ID)))
        number = None
        if not named_by_id:
            number = self.read(errors, ID_NUMBER, _id_number, row.get(ID_NUMBER))
        if number is not None:
            first = self._first_row.setdefault(number.value, self._row_number)
            if first != self._row_number:
                errors[ID_NUMBER] = ID_NUMBER_REPEATED.format(row=first)
        if instance.pk is not None:
            return {}  # already registered: skipped (ServiceResource.skip_row), never updated
        values: dict[str, Any] = {
            "name": cell_text(row.get(NAME)),  # the service asks for a blank one
            "id_number": number.value if number is not None else "",
            "gender": self.read(errors, GENDER, _gender, row.get(GENDER)),
            "birth_date": self.read(errors, BIRTH_DATE, _birth_date, row.get(BIRTH_DATE)),
            "ethnicity": self.read(errors, ETHNICITY, _ethnicity, row.get(ETHNICITY)),
            "phone": cell_text(row.get(PHONE)),
            "region": self.read(
                errors, REGION_CODE, lambda: self.region_by_code(row.get(REGION_CODE), column=REGION_CODE)
            ),
            "identity_tags": self.read(errors, IDENTITY_TAGS, self._identity_tags, row.get(IDENTITY_TAGS)) or [],
            "disability_certificate_number": cell_text(row.get(CERTIFICATE)),  # the service checks it
        }
        name, credit_code = cell_text(row.get(EMPLOYER)), cell_text(row.get(EMPLOYER_CREDIT_CODE))
        column = EMPLOYER_CREDIT_CODE if credit_code else EMPLOYER
        values["employer"] = self.read(errors, column, self._employer, name, credit_code)
        return values

    def write(self, instance, is_create):
        # Only new rows get here: a registered person's row is skipped.
        person, enrollment = services.person_register(
            actor=self.actor, membership_source=MembershipSource.IMPORT, **self._values
        )
        self.memberships_created += len(enrollment.created)
        return person

    def after_import(self, dataset, result, **kwargs) -> None:
        """Mask the numbers in the bad rows the import page shows back to the user."""
        positions = [index for index, header in enumerate(result.diff_headers) if header in _MASKED_COLUMNS]
        for invalid in result.invalid_rows:
            values = list(invalid.values)
            for index in positions:
                text = cell_text(values[index])
                values[index] = idnumbers.mask(idnumbers.normalize(text)) if text else text
            invalid.values = tuple(values)

    # Lookups --------------------------------------------------------------------------

    def _identity_tags(self, value: Any) -> list[IdentityTag]:
        if self._tags is None:
            self._tags = {tag.name: tag for tag in IdentityTag.objects.all()}
        tags = []
        for name in _TAG_SEPARATORS.split(cell_text(value)):
            if not name:
                continue
            if name not in self._tags:
                raise CellError(IDENTITY_TAG_NOT_FOUND.format(name=name, choices="、".join(self._tags)))
            tags.append(self._tags[name])
        return tags

    def _employer(self, name: str, credit_code: str) -> HostUnit | None:
        if credit_code:
            employer = self._employers_by_code.get(credit_code_normalize(credit_code))
            if employer is None:
                raise CellError(EMPLOYER_NOT_FOUND.format(value=credit_code))
            return employer
        if not name:
            return None
        candidates = self._employers_by_name.get(name, [])
        if not candidates:
            raise CellError(EMPLOYER_NOT_FOUND.format(value=name))
        if len(candidates) > 1:
            raise CellError(EMPLOYER_AMBIGUOUS.format(name=name))
        return candidates[0]

    def _read_employers(self, dataset) -> None:
        """The employers the file names, in the user's scope: a few queries for the whole file.

        Host units do not change during an import of people.
        """
        headers = dataset.headers or ()
        codes, names = set(), set()
        if EMPLOYER_CREDIT_CODE in headers:
            codes = {credit_code_normalize(cell_text(value)) for value in dataset[EMPLOYER_CREDIT_CODE]} - {""}
        if EMPLOYER in headers:
            names = {cell_text(value) for value in dataset[EMPLOYER]} - {""}
        host_units = scoped(HostUnit.objects.all(), self.actor).select_related("region")
        by_name: dict[str, dict[int, HostUnit]] = {}
        for lookup, values in (("credit_code__in", sorted(codes)), ("name__in", sorted(names))):
            for start in range(0, len(values), _BATCH):
                for host_unit in host_units.filter(**{lookup: values[start : start + _BATCH]}):
                    if host_unit.credit_code:
                        self._employers_by_code[host_unit.credit_code] = host_unit
                    by_name.setdefault(host_unit.name, {})[host_unit.pk] = host_unit
        self._employers_by_name = {name: list(units.values()) for name, units in by_name.items()}
