"""Forms of the people pages: a person's record, the lookups, transfers, cadre posts, filters.

Every choice is the user's own: regions, host units, organizations and people come from the
scoped selectors, so a form neither offers nor accepts a row outside the scope. The forms
only parse; the rules (ID number, certificate, scope of the places) live in the services.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.forms.models import ModelChoiceIterator
from django.urls import reverse_lazy
from django.utils import timezone

from apps.members import idnumbers, selectors
from apps.members.ethnicities import ETHNICITY_CHOICES
from apps.members.models import IdentityTag, Membership, Person, PostType
from apps.organizations import lookups
from apps.organizations import selectors as organization_selectors
from apps.organizations.models import Federation, Region, RegionLevel
from apps.organizations.views import FilterForm
from apps.organizations.widgets import SearchSelect

PHONE_FORMAT = "请填写有效的电话号码（数字，可含区号和“-”）。"
PERSON_NOT_FOUND = "您的管辖范围内没有登记该身份证号的人员。"
PERSON_REQUIRED = "请填写任职人员的身份证号。"
ABOVE_COUNTIES = "省、市州"

# The register form asks the server about the ID number as it is typed; htmx swaps the answer in.
LIVE_ID_CHECK = {
    "hx-post": reverse_lazy("web-person-check-id"),
    "hx-trigger": "keyup changed delay:300ms, change",
    "hx-target": "#id-number-check",
    "hx-params": "id_number",
    "hx-sync": "this:replace",
    "aria-describedby": "id-number-check",
}


# Grouped selects ------------------------------------------------------------------------


class GroupedModelChoiceIterator(ModelChoiceIterator):
    """Options in <optgroup>s; the queryset is ordered so that each group's rows are together."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        group_name, options = None, []
        for obj in self.queryset:
            name = self.field.group_of(obj)
            if options and name != group_name:
                yield (group_name, options)
                options = []
            group_name = name
            options.append(self.choice(obj))
        if options:
            yield (group_name, options)


class GroupedModelChoiceField(forms.ModelChoiceField):
    iterator = GroupedModelChoiceIterator

    def __init__(self, queryset, *, group_of: Callable[[object], str], **kwargs):
        self.group_of = group_of
        super().__init__(queryset, **kwargs)


def _region_group(region: Region) -> str:
    if region.level in (RegionLevel.PROVINCE, RegionLevel.PREFECTURE):
        return ABOVE_COUNTIES
    county = region if region.level == RegionLevel.COUNTY else region.parent
    return county.full_name or county.name


class ResidenceRegionField(GroupedModelChoiceField):
    """The user's regions down to townships, one group per county."""

    def __init__(self, user, **kwargs):
        regions = (
            organization_selectors.region_list(user=user)
            .exclude(level=RegionLevel.VILLAGE)
            .select_related("parent")
            .order_by("path")
        )
        super().__init__(regions, group_of=_region_group, **kwargs)

    def label_from_instance(self, region: Region) -> str:
        if region.level == RegionLevel.TOWNSHIP:
            return region.name
        return f"{region.name}（{region.get_level_display()}本级）"


class SearchSelectField(forms.ModelChoiceField):
    """A choice over a table that grows with the province: a search select, never a <select> of every row.

    Validation is a ModelChoiceField's over the scoped queryset, so an id outside the scope is
    refused as before; the widget only changes how the user finds the row.
    """

    def __init__(self, queryset, *, url: str, label_of, group_of, params: dict | None = None, **kwargs):
        kwargs.setdefault("widget", SearchSelect(url=url, params=params, label_of=label_of, group_of=group_of))
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj) -> str:
        return self.widget.label_of(obj)


class HostUnitField(SearchSelectField):
    """The user's host units, found by name or credit code (lookups.host_unit_lookup)."""

    def __init__(self, user, **kwargs):
        super().__init__(
            organization_selectors.host_unit_list(user=user),
            url=reverse_lazy("lookup-host-units"),
            label_of=lookups.host_unit_label,
            group_of=lookups.host_unit_group,
            **kwargs,
        )


class OrganizationField(SearchSelectField):
    """Organizations in the user's scope (optionally of one federation), found by name (lookups.organization_lookup)."""

    def __init__(self, user, *, federation: int | None = None, exclude: int | None = None, **kwargs):
        organizations = organization_selectors.organization_list(user=user, federation=federation)
        if exclude is not None:
            organizations = organizations.exclude(pk=exclude)
        super().__init__(
            organizations,
            url=reverse_lazy("lookup-organizations"),
            params={"federation": federation, "exclude": exclude},
            label_of=lookups.organization_label,
            group_of=lookups.organization_group,
            **kwargs,
        )


class StyledBoundField(forms.BoundField):
    """Bootstrap's `is-invalid` on a field with errors, next to the aria-invalid Django adds."""

    def build_widget_attrs(self, attrs, widget=None):
        widget = widget or self.field.widget
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors and not widget.is_hidden:
            attrs["class"] = f"{attrs.get('class', widget.attrs.get('class', ''))} is-invalid".strip()
        return attrs


class StyledForm(forms.Form):
    bound_field_class = StyledBoundField


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
            continue
        widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# A person's record ----------------------------------------------------------------------


class PersonForm(StyledForm):
    """Registration. The ID number is checked by the service (and live, as the user types)."""

    name = forms.CharField(label="姓名", max_length=64, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    id_number = forms.CharField(
        label="身份证号",
        max_length=32,
        error_messages={"required": idnumbers.ID_REQUIRED},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "18 位居民身份证号码", **LIVE_ID_CHECK}
        ),
    )
    ethnicity = forms.ChoiceField(label="民族", choices=ETHNICITY_CHOICES, initial="汉族")
    phone = forms.CharField(
        label="联系电话",
        max_length=20,
        required=False,
        validators=[RegexValidator(r"^\+?[0-9][0-9 -]{4,19}$", PHONE_FORMAT)],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    identity_tags = forms.ModelMultipleChoiceField(
        label="身份",
        queryset=IdentityTag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    disability_certificate_number = forms.CharField(
        label="残疾人证号",
        max_length=32,
        required=False,
        help_text="登记为残疾人时必填：20 位，即身份证号加残疾类别和等级。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = ResidenceRegionField(user, label="居住地", empty_label="请选择居住地（乡镇街道）")
        self.fields["employer"] = HostUnitField(
            user, label="工作单位", required=False, empty_label="无（或不在已登记的单位工作）"
        )
        self.order_fields(["name", "id_number", "ethnicity", "phone", "region", "employer"])
        _style(self)


class PersonEditForm(PersonForm):
    """Changes to a record. The ID number and the certificate are never shown back in full:
    their fields start empty, and left empty they keep what is registered."""

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        id_number = self.fields["id_number"]
        for attribute in LIVE_ID_CHECK:
            id_number.widget.attrs.pop(attribute)
        id_number.required = False
        id_number.label = "更正身份证号"
        id_number.help_text = f"现登记为 {person.id_number_masked}；无需更正请留空。"
        # The phone is write-only here too: whoever edits a record need not read the number.
        self.fields["phone"].label = "更正联系电话"
        if person.phone_masked:
            self.fields["phone"].help_text = f"现登记为 {person.phone_masked}；无需更正请留空。"
        certificate = self.fields["disability_certificate_number"]
        if person.disability_class:
            certificate.help_text = f"现登记为 {person.disability_certificate_masked}；无需更正请留空。"

    def changes(self) -> dict:
        """The cleaned data as person_update() takes it: empty secrets mean "unchanged"."""
        changes = dict(self.cleaned_data)
        for secret in ("id_number", "disability_certificate_number", "phone"):
            if not changes[secret]:
                del changes[secret]
        return changes


class IdLookupForm(StyledForm):
    """An exact lookup of one person by the full ID number (sent in a POST body, never a URL)."""

    id_number = forms.CharField(label="身份证号", max_length=32, error_messages={"required": idnumbers.ID_REQUIRED})

    def clean_id_number(self) -> str:
        return idnumbers.parse(self.cleaned_data["id_number"]).value


# Memberships and posts ------------------------------------------------------------------


class TransferForm(StyledForm):
    on = forms.DateField(label="转移日期", widget=DateInput())
    note = forms.CharField(label="说明", max_length=255, required=False)

    def __init__(self, *args, user, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = OrganizationField(
            user,
            federation=membership.federation_id,
            exclude=membership.organization_id,
            label="转入组织",
            empty_label=f"请选择{membership.federation.name}组织",
        )
        self.fields["on"].initial = timezone.localdate()
        self.order_fields(["organization", "on", "note"])
        _style(self)


class CadrePostForm(StyledForm):
    """A new post: the person comes from their page (`person`) or by their full ID number."""

    id_number = forms.CharField(
        label="人员身份证号",
        max_length=32,
        required=False,
        help_text="须为您管辖范围内已登记的人员；未登记的请先办理人员登记。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    post_type = forms.ChoiceField(label="任职方式", choices=PostType.choices)
    title = forms.CharField(label="职务", max_length=64)
    start_date = forms.DateField(label="开始日期", widget=DateInput())
    end_date = forms.DateField(label="结束日期", required=False, widget=DateInput(), help_text="在任请留空。")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["person"] = forms.ModelChoiceField(
            queryset=selectors.person_list(user=user), required=False, widget=forms.HiddenInput
        )
        self.fields["organization"] = OrganizationField(user, label="任职组织", empty_label="请选择组织")
        self.fields["start_date"].initial = timezone.localdate()
        self.order_fields(["person", "id_number", "organization", "post_type", "title", "start_date", "end_date"])
        _style(self)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("person") is None and "person" not in self.errors:
            raw = cleaned.get("id_number", "")
            if not raw:
                self.add_error("id_number", PERSON_REQUIRED)
                return cleaned
            try:
                number = idnumbers.parse(raw)
            except ValidationError as error:
                self.add_error("id_number", error)
                return cleaned
            person = selectors.person_list(user=self.user, id_number=number.value).first()
            if person is None:
                self.add_error("id_number", PERSON_NOT_FOUND)
            cleaned["person"] = person
        return cleaned

    def service_arguments(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if key != "id_number"}


# Filters --------------------------------------------------------------------------------


class PersonFilterForm(FilterForm):
    federation = forms.ModelChoiceField(
        label="在册群团", queryset=Federation.objects.all(), required=False, empty_label="全部群团"
    )
    identity_tag = forms.ModelChoiceField(
        label="身份", queryset=IdentityTag.objects.all(), required=False, empty_label="全部身份"
    )

    def __init__(self, data, *, user):
        super().__init__(data, user=user)
        self.fields["q"].label = "姓名"
        self.fields["q"].widget.attrs["placeholder"] = "输入姓名搜索"
        self.fields["region"].label = "居住地"


class CadrePostFilterForm(FilterForm):
    post_type = forms.ChoiceField(label="任职方式", choices=[("", "全部方式"), *PostType.choices], required=False)
    current = forms.ChoiceField(label="任职状态", choices=[("", "全部任职"), ("current", "仅看现任")], required=False)

    def __init__(self, data, *, user):
        super().__init__(data, user=user)
        self.fields["q"].label = "姓名"
        self.fields["q"].widget.attrs["placeholder"] = "输入姓名搜索"
        self.fields["region"].label = "组织所在区划"
        self.fields["organization"] = OrganizationField(user, label="任职组织", required=False, empty_label="全部组织")
        self.fields["organization"].widget.attrs["class"] = "form-control"
        self.order_fields(["q", "organization", "post_type", "current", "region"])
