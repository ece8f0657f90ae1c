"""Forms of the activity pages. They only parse: the organizations, regions and rooms offered
come from the scoped selectors, and every rule (times, sign-up window, room conflicts, target
group) lives in apps.activities.services.
"""

from __future__ import annotations

from django import forms

from apps.activities.models import ActivityMode, ActivityStatus, ParticipantRole, Theme
from apps.members.models import IdentityTag
from apps.organizations import selectors as organization_selectors
from apps.organizations.models import Federation
from apps.venues import selectors as venue_selectors
from apps.venues.forms import DATETIME_INPUT, OrganizationChoiceField

SIGNUP_ORDER = "报名截止时间必须晚于报名开始时间。"


def _datetime(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )


class OrganizationsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, organization) -> str:
        return f"{organization.name}（{organization.federation.name}）"


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, room) -> str:
        return f"{room.venue.name} · {room.name}（{room.capacity} 人）"


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label="标题", max_length=64, required=False)
    federation = forms.ModelChoiceField(label="群团", queryset=Federation.objects.all(), required=False)
    theme = forms.ModelChoiceField(label="主题", queryset=Theme.objects.select_related("parent"), required=False)
    mode = forms.ChoiceField(label="举办方式", choices=[("", "全部"), *ActivityMode.choices], required=False)
    region = forms.ModelChoiceField(label="区划", queryset=None, required=False)
    status = forms.ChoiceField(label="状态", choices=[("", "全部"), *ActivityStatus.choices], required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = organization_selectors.region_list(user=user).filter(depth__lte=3)
        _style(self)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "federation": data["federation"],
            "theme": data["theme"],
            "mode": data["mode"],
            "region": data["region"],
            "status": data["status"],
            "search": data["q"].strip(),
        }


class ActivityForm(forms.Form):
    title = forms.CharField(label="活动标题", max_length=128)
    theme = forms.ModelChoiceField(label="主题", queryset=Theme.objects.select_related("parent"), empty_label=None)
    mode = forms.ChoiceField(label="举办方式", choices=ActivityMode.choices)
    lead_organization = OrganizationChoiceField(label="牵头（主办）组织", queryset=None, empty_label=None)
    participants = OrganizationsField(
        label="参与组织", queryset=None, required=False, help_text="联合办活动至少选择一个。"
    )
    participant_role = forms.ChoiceField(label="参与组织的角色", choices=ParticipantRole.choices)
    region = forms.ModelChoiceField(label="活动区划", queryset=None, empty_label=None)
    start = _datetime("开始时间")
    end = _datetime("结束时间")
    capacity = forms.IntegerField(label="名额", min_value=1)
    signup_opens = _datetime("报名开始")
    signup_closes = _datetime("报名截止")
    target_tags = forms.ModelMultipleChoiceField(
        label="面向身份（任一，不选则不限）", queryset=IdentityTag.objects.all(), required=False
    )
    min_age = forms.IntegerField(label="最低年龄", min_value=0, required=False)
    max_age = forms.IntegerField(label="年龄上限（不含）", min_value=1, required=False)
    room = RoomChoiceField(label="功能室（可选，自动预约）", queryset=None, required=False, empty_label="不使用功能室")
    address = forms.CharField(label="地点", max_length=255, required=False)
    contact_name = forms.CharField(label="联系人", max_length=64, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = organization_selectors.organization_list(user=user).select_related("federation")
        self.fields["lead_organization"].queryset = organizations
        self.fields["participants"].queryset = organizations
        self.fields["region"].queryset = organization_selectors.region_list(user=user)
        self.fields["room"].queryset = venue_selectors.room_list(user=user).filter(is_active=True)
        _style(self)
        self.fields["room"].widget.attrs.update({"id": "id_room"})

    def activity_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        role = data.pop("participant_role")
        data["participants"] = [(organization, role) for organization in data["participants"]]
        return data


class RegisterForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=18, min_length=15)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CheckInForm(forms.Form):
    code = forms.CharField(label="身份证号或签到码", max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
        self.fields["code"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})


class SummaryForm(forms.Form):
    summary = forms.CharField(label="活动小结", widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CorrectionForm(forms.Form):
    hours = forms.DecimalField(label="志愿时长（小时）", max_digits=5, decimal_places=2)
    reason = forms.CharField(label="更正原因", max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
