"""Forms of the expert pages: the search, registering an expert, inviting and recruiting one."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from apps.members.models import PostType
from apps.organizations import selectors as organization_selectors
from apps.organizations.views import FilterForm
from apps.talent.forms.fields import (
    EXPERT_REGION_DEPTH,
    date_field,
    style,
)
from apps.talent.models import (
    Availability,
    ExpertiseField,
)
from apps.venues.forms import OrganizationChoiceField

# Experts --------------------------------------------------------------------------------


class ExpertFilterForm(FilterForm):
    """The shared filter form (name search, the region tree) with the field of expertise."""

    field = forms.ModelChoiceField(
        label="专长领域", queryset=ExpertiseField.objects.all(), required=False, empty_label="全部领域"
    )
    available = forms.BooleanField(label="只看可邀请", required=False)

    def __init__(self, data, *, user):
        super().__init__(data, user=user)
        self.fields["q"].label = "姓名或专长"
        self.fields["q"].widget.attrs["placeholder"] = "如：牦牛、藏绣"
        self.order_fields(["field", "region", "q", "available"])
        style(self)

    def filters(self) -> dict:
        self.is_valid()
        data = self.cleaned_data
        return {
            "field": data.get("field"),
            "region": data.get("region"),
            "query": data.get("q", "").strip(),
            "available_only": bool(data.get("available")),
        }


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region) -> str:
        return region.name


class ExpertForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=18, min_length=15, help_text="须是已登记的人员。")
    expertise = forms.ModelMultipleChoiceField(
        label="专长领域",
        queryset=ExpertiseField.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择至少一个专长领域。"},
    )
    specialty = forms.CharField(label="专长", max_length=128, help_text="如：牦牛养殖、藏绣、青绣、中藏医推拿。")
    region = RegionChoiceField(label="所在区划", queryset=None, required=False, empty_label="同人员居住地")
    certifications = forms.CharField(
        label="资质证书", widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="每行一项。"
    )
    availability = forms.ChoiceField(label="可邀请情况", choices=Availability.choices)
    availability_note = forms.CharField(label="说明", max_length=128, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = organization_selectors.region_list(user=user).filter(
            depth__lte=EXPERT_REGION_DEPTH
        )
        style(self)
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


class ExpertChangeForm(ExpertForm):
    """The profile without the person; `is_active` takes an expert out of the pool (history kept)."""

    is_active = forms.BooleanField(label="在库", required=False, help_text="取消勾选即出库，使用记录保留。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["id_number"]
        self.fields["region"].required = True
        self.fields["region"].empty_label = None
        self.fields["is_active"].widget.attrs["class"] = "form-check-input"

    @staticmethod
    def initial_of(expert) -> dict:
        names = ("specialty", "region", "certifications", "availability", "availability_note", "is_active")
        return {**{name: getattr(expert, name) for name in names}, "expertise": list(expert.fields.all())}


class InviteForm(forms.Form):
    prefix = "invite"
    session = forms.ModelChoiceField(label="授课课次", queryset=None, empty_label="请选择")
    note = forms.CharField(label="说明", max_length=255, required=False)

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = lambda session: (
            f"{timezone.localtime(session.starts_at):%Y-%m-%d %H:%M} {session.course.title} · {session.title}"
        )
        style(self)


class RecruitForm(forms.Form):
    prefix = "recruit"
    organization = OrganizationChoiceField(label="任用组织", queryset=None, empty_label="请选择")
    post_type = forms.ChoiceField(label="任职方式", choices=PostType.choices, initial=PostType.PART_TIME)
    title = forms.CharField(label="职务", max_length=64)
    start_date = date_field("开始日期")
    end_date = date_field("结束日期", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organization_selectors.organization_list(user=user)
        style(self)
