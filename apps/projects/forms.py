"""Forms of the project pages. They only parse: the organizations, regions and funds offered come
from the scoped selectors, and every rule (period, budget, target group, one-off services,
bundling) lives in apps.projects.services.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms

from apps.members.models import Gender, IdentityTag
from apps.organizations import selectors as organization_selectors
from apps.organizations.models import Federation, Organization
from apps.organizations.views import FilterForm
from apps.projects.models import (
    ContentCategory,
    GoalMetric,
    PolicyStandard,
    ProjectRole,
    ProjectStatus,
    ServiceType,
    WorkNature,
)
from apps.resources import selectors as resource_selectors
from apps.resources.models import ExpenseCategory
from apps.venues.forms import OrganizationChoiceField

GOAL_TARGET_REQUIRED = "请填写目标值。"
GOAL_SERVICE_REQUIRED = "服务量口径须选择一项服务。"
SUGGESTION_INVALID = "捆绑建议无效，请刷新页面后重试。"
BUNDLED_CHOICES = [("", "全部"), ("yes", "已捆绑"), ("no", "未捆绑")]
DATE_INPUT = "%Y-%m-%d"
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format=DATE_INPUT), **kwargs)


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            widget.attrs["class"] = "form-check-input"
            continue
        widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"


class OrganizationsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, organization) -> str:
        return f"{organization.name}（{organization.federation.name}）"


class FundChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, fund) -> str:
        return f"{fund.year} {fund.name}（{fund.owner.name}）"


class ServiceTypesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, service) -> str:
        return f"{service.name}（{service.unit}{'，每人限一次' if service.one_off else ''}）"


# Lists ----------------------------------------------------------------------------------


class ProjectFilterForm(FilterForm):
    federation = forms.ModelChoiceField(
        label="群团", queryset=Federation.objects.all(), required=False, empty_label="全部群团"
    )
    work_nature = forms.ModelChoiceField(
        label="工作性质", queryset=WorkNature.objects.all(), required=False, empty_label="全部性质"
    )
    content_category = forms.ModelChoiceField(
        label="服务内容", queryset=ContentCategory.objects.all(), required=False, empty_label="全部内容"
    )
    status = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *ProjectStatus.choices], required=False)
    bundled = forms.ChoiceField(label="捆绑", choices=BUNDLED_CHOICES, required=False)

    def __init__(self, data, *, user):
        super().__init__(data, user=user)
        self.fields["q"].label = "项目名称"

    def filters(self) -> dict:
        """project_list's keyword arguments; an invalid filter is ignored (and shown as such)."""
        self.is_valid()
        data = self.cleaned_data
        bundled = data.get("bundled")
        return {
            "search": data.get("q", ""),
            "region": data.get("region"),
            "federation": data.get("federation"),
            "work_nature": data.get("work_nature"),
            "content_category": data.get("content_category"),
            "status": data.get("status", ""),
            "bundled": {"yes": True, "no": False}.get(bundled),
        }


class BundleFilterForm(forms.Form):
    q = forms.CharField(
        label="名称",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "输入名称搜索", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class SuggestionFilterForm(forms.Form):
    content_category = forms.ModelChoiceField(
        label="服务内容", queryset=ContentCategory.objects.all(), required=False, empty_label="全部内容"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


# A project ------------------------------------------------------------------------------


class ProjectForm(forms.Form):
    name = forms.CharField(label="项目名称", max_length=128)
    lead_organization = OrganizationChoiceField(label="牵头组织", queryset=None, empty_label=None)
    participants = OrganizationsField(
        label="参与组织", queryset=None, required=False, help_text="可多选（按住 Ctrl 键点选）；牵头组织不必再选。"
    )
    participant_role = forms.ChoiceField(
        label="参与组织的角色", choices=ProjectRole.choices, initial=ProjectRole.PARTNER
    )
    policy_standard = forms.ModelChoiceField(
        label="政策标准", queryset=PolicyStandard.objects.all(), empty_label="请选择"
    )
    work_nature = forms.ModelChoiceField(label="工作性质", queryset=WorkNature.objects.all(), empty_label="请选择")
    content_category = forms.ModelChoiceField(
        label="服务内容", queryset=ContentCategory.objects.all(), empty_label="请选择"
    )
    service_types = ServiceTypesField(
        label="提供的服务",
        queryset=ServiceType.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一项提供的服务。"},
    )
    region = forms.ModelChoiceField(label="服务区域", queryset=None, empty_label=None)
    target_tags = forms.ModelMultipleChoiceField(
        label="服务对象身份（任一，不选则不限）",
        queryset=IdentityTag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    min_age = forms.IntegerField(label="最低年龄", min_value=0, max_value=150, required=False)
    max_age = forms.IntegerField(label="年龄上限（不含）", min_value=1, max_value=150, required=False)
    gender = forms.ChoiceField(label="性别", choices=[("", "不限"), *Gender.choices], required=False)
    fund = FundChoiceField(label="经费来源", queryset=None, required=False, empty_label="不使用经费")
    budget = forms.DecimalField(label="预算（元）", initial=Decimal("0"), **MONEY)
    start_date = _date("开始日期")
    end_date = _date("结束日期")
    description = forms.CharField(label="项目内容", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    goal_metric = forms.ChoiceField(label="统计口径", choices=[("", "暂不设目标"), *GoalMetric.choices], required=False)
    goal_target = forms.DecimalField(label="目标值", max_digits=14, decimal_places=2, required=False)
    goal_service_type = forms.ModelChoiceField(
        label="服务（服务量口径）", queryset=ServiceType.objects.all(), required=False, empty_label="—"
    )
    goal_name = forms.CharField(label="目标名称", max_length=64, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = organization_selectors.organization_list(user=user).select_related("federation")
        self.fields["lead_organization"].queryset = organizations
        self.fields["participants"].queryset = organizations
        self.fields["region"].queryset = organization_selectors.region_list(user=user)
        self.fields["fund"].queryset = resource_selectors.fund_list(user=user).select_related("owner")
        _style(self)

    def clean(self):
        data = super().clean()
        metric = data.get("goal_metric")
        if metric:
            if data.get("goal_target") is None:
                self.add_error("goal_target", GOAL_TARGET_REQUIRED)
            if metric == GoalMetric.QUANTITY and data.get("goal_service_type") is None:
                self.add_error("goal_service_type", GOAL_SERVICE_REQUIRED)
        return data

    def project_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        role = data.pop("participant_role")
        data["participants"] = [(organization, role) for organization in data["participants"]]
        metric, target = data.pop("goal_metric"), data.pop("goal_target")
        service_type, name = data.pop("goal_service_type"), data.pop("goal_name")
        data["goals"] = (
            [
                {
                    "name": name or GoalMetric(metric).label,
                    "metric": metric,
                    "target": target,
                    "service_type": service_type,
                }
            ]
            if metric
            else []
        )
        return data


class ServiceRecordForm(forms.Form):
    """Who was served: the person is found by ID number, the service and unit among the project's."""

    id_number = forms.CharField(label="服务对象身份证号", max_length=18, min_length=15)
    service_type = forms.ModelChoiceField(label="服务", queryset=None, empty_label=None)
    date = _date("服务日期")
    quantity = forms.DecimalField(label="数量", max_digits=10, decimal_places=2, initial=Decimal("1"))
    amount = forms.DecimalField(label="折合金额（元）", max_digits=12, decimal_places=2, required=False)
    organization = OrganizationChoiceField(label="服务单位", queryset=None, empty_label=None)
    note = forms.CharField(label="说明", max_length=255, required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        # The project's own (prefetched) services and units: the form costs no query.
        self.fields["service_type"].queryset = project.service_types.all()
        self.fields["service_type"].choices = [(s.pk, s.name) for s in project.service_types.all()]
        units = [project.lead_organization, *(p.organization for p in project.participants.all())]
        self.fields["organization"].queryset = Organization.objects.filter(pk__in=[unit.pk for unit in units])
        self.fields["organization"].choices = [(unit.pk, f"{unit.name}（{unit.federation.name}）") for unit in units]
        _style(self)
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


class GoalForm(forms.Form):
    prefix = "goal"  # beside the record form on one page
    name = forms.CharField(label="目标名称", max_length=64)
    metric = forms.ChoiceField(label="统计口径", choices=GoalMetric.choices)
    target = forms.DecimalField(label="目标值", max_digits=14, decimal_places=2)
    service_type = forms.ModelChoiceField(
        label="服务（服务量口径）", queryset=ServiceType.objects.all(), required=False, empty_label="—"
    )

    def __init__(self, *args, service_types=None, **kwargs):
        super().__init__(*args, **kwargs)
        if service_types is not None:  # a project's goal: one of its services (prefetched, no query)
            self.fields["service_type"].choices = [("", "—"), *((s.pk, s.name) for s in service_types)]
        _style(self)


class ExpenseForm(forms.Form):
    prefix = "expense"
    amount = forms.DecimalField(label="金额（元）", max_digits=14, decimal_places=2)
    date = _date("日期")
    voucher_number = forms.CharField(label="凭证号", max_length=32)
    category = forms.ModelChoiceField(label="支出类别", queryset=ExpenseCategory.objects.all(), empty_label=None)
    note = forms.CharField(label="摘要", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


# Bundles --------------------------------------------------------------------------------


class SuggestionBundleForm(forms.Form):
    """One click on a suggestion: its projects (by key), a name and a lead, prefilled from it."""

    projects = forms.RegexField(regex=r"^\d+(-\d+)+$", widget=forms.HiddenInput, max_length=20000)
    name = forms.CharField(label="捆绑项目名称", max_length=128)
    lead_organization = OrganizationChoiceField(label="牵头组织", queryset=None, empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].error_messages["invalid"] = SUGGESTION_INVALID
        self.fields["projects"].error_messages["required"] = SUGGESTION_INVALID
        self.fields["lead_organization"].queryset = organization_selectors.organization_list(user=user)
        _style(self)

    @property
    def project_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["projects"].split("-")]


class BundleAddProjectForm(forms.Form):
    project = forms.ModelChoiceField(label="加入项目", queryset=None, empty_label=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = candidates
        _style(self)
