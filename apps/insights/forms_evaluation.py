"""Forms of the joint evaluation pages: they only parse; the rules live in apps.insights.services."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone

from apps.insights import services
from apps.insights.models import (
    COMMON_CHOICES,
    EvaluationSubject,
    IndicatorMethod,
    SchemeStatus,
)
from apps.organizations.models import OrganizationLevel, Region
from apps.organizations.scoping import scope_for, scoped

# Evidence is downloaded, never shown inline; still, only the kinds of file a report or a photo comes in.
STATUS_CHOICES = [("", "全部状态"), *SchemeStatus.choices]


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


class SchemeFilterForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int, empty_value=None, required=False)
    status = forms.ChoiceField(label="状态", choices=STATUS_CHOICES, required=False)

    def __init__(self, data, *, years: list[int]):
        super().__init__(data)
        self.fields["year"].choices = [("", "全部年度"), *[(year, f"{year} 年") for year in years]]
        _style(self)

    def values(self) -> tuple[int | None, str]:
        """The valid filters; a stale year or status is ignored (and shown as such)."""
        self.is_valid()
        return self.cleaned_data.get("year"), self.cleaned_data.get("status") or ""


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, region: Region) -> str:
        return f"{region.name}（{region.get_level_display()}）"


def scheme_regions(user):
    """Where the user may draft a scheme: the regions of their roles and the regions just below them."""
    scope = scope_for(user)
    if scope.everything:
        wanted = Q(depth__lte=2)
    else:
        wanted = Q(path__in=scope.region_paths) | Q(parent__path__in=scope.region_paths)
    return scoped(Region.objects.filter(wanted), user).order_by("path")


class SchemeForm(forms.Form):
    year = forms.IntegerField(label="年度")
    name = forms.CharField(label="方案名称", max_length=128)
    region = RegionChoiceField(label="考评区划", queryset=Region.objects.none(), empty_label="请选择")
    subject = forms.ChoiceField(
        label="考评对象",
        choices=EvaluationSubject.choices,
        help_text="下一级区划：对所选区划的各下级区划排名；群团组织：对所选区划内某一层级的群团组织排名。",
    )
    organization_level = forms.ChoiceField(
        label="组织层级", choices=[("", "—"), *OrganizationLevel.choices], required=False
    )
    notes = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {"year": timezone.localdate().year, "subject": EvaluationSubject.REGION})
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = scheme_regions(user)
        _style(self)


class SchemeCopyForm(forms.Form):
    year = forms.IntegerField(label="年度")
    name = forms.CharField(label="新方案名称", max_length=128)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class IndicatorForm(forms.Form):
    common = forms.ChoiceField(label="所属“六共”", choices=[("", "请选择"), *COMMON_CHOICES])
    name = forms.CharField(label="指标", max_length=128)
    weight = forms.DecimalField(label="分值", max_digits=5, decimal_places=2)
    method = forms.ChoiceField(label="评分方式", choices=IndicatorMethod.choices)
    formula = forms.CharField(
        label="计算公式",
        max_length=200,
        required=False,
        help_text="按平台数据计算时填写：下方“可用数据”中的代码与 + - * / ( )，如 trainee_times / 100",
    )
    target = forms.DecimalField(
        label="满分值", max_digits=14, decimal_places=2, required=False, help_text="公式的值达到此值得满分"
    )
    lower_is_better = forms.BooleanField(label="越低越好", required=False)
    guidance = forms.CharField(label="评分细则", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    position = forms.IntegerField(label="排序", min_value=0, max_value=32767, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["formula"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        _style(self)

    def arguments(self) -> dict:
        data = dict(self.cleaned_data)
        if data["position"] is None:
            del data["position"]  # the service puts a new one last, an edited one stays where it is
        return data


class ScoreForm(forms.Form):
    points = forms.DecimalField(label="得分", max_digits=6, decimal_places=2)
    evidence = forms.CharField(label="佐证说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence_file = forms.FileField(
        label="佐证材料（可选）",
        required=False,
        help_text=f"PDF、OFD、Word、Excel、图片或 ZIP，不超过 {services.EVIDENCE_MAX_MB} MB。",
    )

    def __init__(self, *args, compact: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if compact:
            self.fields["evidence"].widget = forms.TextInput(attrs={"placeholder": "佐证说明"})
        _style(self)
        if compact:
            for field in self.fields.values():
                field.widget.attrs["class"] += " form-control-sm"
