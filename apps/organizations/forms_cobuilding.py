"""Forms of the co-building pages: they only parse; the rules live in the services."""

from __future__ import annotations

from django import forms

from apps.organizations import selectors
from apps.organizations.models import (
    Federation,
    HostUnit,
    MeetingKind,
)
from apps.organizations.views import FilterForm

ROW_INCOMPLETE = "请填写完整：承办单位、落实任务和完成时限。"
DECISION_MISSING = "请先写明议定事项，再交办落实任务。"
ORGANIZATION_INVALID = "请选择列表中的单位。"
DECISION_ROWS = 5
FOLLOW_UP_ROWS = 3
DATE_INPUT = "%Y-%m-%d"
FOLLOW_UP_STATES = [("open", "办理中"), ("overdue", "已逾期"), ("done", "已办结"), ("all", "全部")]


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format=DATE_INPUT), **kwargs)


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            widget.attrs["class"] = "form-check-input"
        else:
            widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"


class OrganizationPick:
    """The federations' own units in scope, read once: a page renders many selects of them."""

    def __init__(self, user):
        units = selectors.organization_list(user=user).filter(host_unit__isnull=True)
        self.by_pk = {o.pk: o for o in units.order_by("region__path", "federation__sort_order", "path")}
        self.choices = [(pk, f"{o.name}") for pk, o in self.by_pk.items()]

    def field(self, label: str, *, required: bool = True, multiple: bool = False) -> forms.Field:
        empty = [] if multiple else [("", "请选择" if required else "—")]
        kind = forms.TypedMultipleChoiceField if multiple else forms.TypedChoiceField
        extra = {"widget": forms.SelectMultiple(attrs={"size": 6})} if multiple else {"empty_value": None}
        return kind(
            label=label,
            choices=empty + self.choices,
            coerce=lambda value: self.by_pk[int(value)],
            required=required,
            error_messages={"invalid_choice": ORGANIZATION_INVALID},
            **extra,
        )


# Forms ------------------------------------------------------------------------------------


class HostUnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit: HostUnit) -> str:
        return f"{unit.name}（{unit.region.name}，{unit.get_kind_display()}）"


class JointBranchForm(forms.Form):
    host_unit = HostUnitChoiceField(label="所在单位", queryset=None, empty_label="请选择")
    federations = forms.ModelMultipleChoiceField(
        label="联建的群团",
        queryset=Federation.objects.order_by("sort_order"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择两家群团。"},
    )
    established_on = _date("联建日期")
    note = forms.CharField(label="说明", max_length=255, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_unit"].queryset = selectors.host_unit_list(user=user)
        _style(self)


class CoverageForm(FilterForm):
    def __init__(self, data, *, user):
        super().__init__(data, user=user)
        del self.fields["q"]
        self.fields["region"].empty_label = "我的全部辖区"


class MeetingFilterForm(forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=[("", "全部类型"), *MeetingKind.choices], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=MeetingKind.choices)
    title = forms.CharField(label="会议名称", max_length=128)
    held_on = _date("召开日期")
    minutes = forms.CharField(label="会议纪要", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, pick: OrganizationPick, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"] = pick.field("召集单位")
        self.fields["attendees"] = pick.field("参会单位", required=False, multiple=True)
        self.fields["attendees"].help_text = "可多选（按住 Ctrl 键点选）；召集单位不必再选。"
        for d in range(DECISION_ROWS):
            self.fields[f"d{d}_text"] = forms.CharField(label=f"议定事项 {d + 1}", max_length=500, required=False)
            for f in range(FOLLOW_UP_ROWS):
                self.fields[f"d{d}_f{f}_organization"] = pick.field("承办单位", required=False)
                self.fields[f"d{d}_f{f}_task"] = forms.CharField(label="落实任务", max_length=255, required=False)
                self.fields[f"d{d}_f{f}_due"] = _date("完成时限", required=False)
        _style(self)

    def decision_rows(self) -> list[dict]:
        """The bound fields of each decision row and its follow-up rows, for the template."""
        return [
            {
                "text": self[f"d{d}_text"],
                "follow_ups": [
                    (self[f"d{d}_f{f}_organization"], self[f"d{d}_f{f}_task"], self[f"d{d}_f{f}_due"])
                    for f in range(FOLLOW_UP_ROWS)
                ],
            }
            for d in range(DECISION_ROWS)
        ]

    def clean(self):
        data = super().clean()
        decisions = []
        for d in range(DECISION_ROWS):
            text = (data.get(f"d{d}_text") or "").strip()
            follow_ups = []
            for f in range(FOLLOW_UP_ROWS):
                prefix = f"d{d}_f{f}_"
                if any(f"{prefix}{name}" in self.errors for name in ("organization", "task", "due")):
                    continue
                row = {
                    "organization": data.get(f"{prefix}organization"),
                    "task": (data.get(f"{prefix}task") or "").strip(),
                    "due_date": data.get(f"{prefix}due"),
                }
                if not any(row.values()):
                    continue  # an empty row is ignored
                if not all(row.values()):
                    self.add_error(f"{prefix}task", ROW_INCOMPLETE)
                    continue
                follow_ups.append(row)
            if not text:
                if follow_ups:
                    self.add_error(f"d{d}_text", DECISION_MISSING)
                continue
            decisions.append({"text": text, "follow_ups": follow_ups})
        data["decisions"] = decisions
        return data

    def meeting_arguments(self) -> dict:
        data = self.cleaned_data
        names = ("kind", "title", "held_on", "host", "attendees", "minutes", "decisions")
        return {name: data[name] for name in names}


class FollowUpForm(forms.Form):
    task = forms.CharField(label="落实任务", max_length=255)
    due_date = _date("完成时限")

    def __init__(self, *args, pick: OrganizationPick, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"organization": pick.field("承办单位"), **self.fields}
        _style(self)


class FollowUpFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", choices=FOLLOW_UP_STATES, required=False)

    def __init__(self, data, *, pick: OrganizationPick):
        super().__init__(data)
        self.fields["organization"] = pick.field("承办单位", required=False)
        self.fields["organization"].choices = [("", "全部单位"), *pick.choices]
        _style(self)

    def values(self) -> tuple[str, object]:
        self.is_valid()
        data = self.cleaned_data
        return data.get("state") or "open", data.get("organization")
