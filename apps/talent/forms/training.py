"""Forms of the training pages: courses, sessions, bulk enrollment, the attendance sheet, the
hours lists and the public certificate check."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.members.models import PostType
from apps.organizations.models import Federation, Organization, OrganizationLevel
from apps.talent.forms.fields import (
    CODE_REQUIRED,
    HOURS,
    NO_MARKS,
    PEOPLE_GONE,
    OrganizationsField,
    RoomChoiceField,
    SearchField,
    YearField,
    datetime_field,
    organizers,
    style,
)
from apps.talent.models import (
    AttendanceStatus,
    CourseStatus,
    TrainingCourse,
    TrainingFormat,
    TrainingMode,
)
from apps.talent.selectors import lecturer_candidates, people_in_reach
from apps.venues import selectors as venue_selectors
from apps.venues.forms import OrganizationChoiceField

# Courses --------------------------------------------------------------------------------


class CourseFilterForm(forms.Form):
    q = SearchField("培训班名称", "输入名称搜索")
    status = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *CourseStatus.choices], required=False)
    format = forms.ChoiceField(label="形式", choices=[("", "全部形式"), *TrainingFormat.choices], required=False)
    federation = forms.ModelChoiceField(
        label="主办群团", queryset=Federation.objects.all(), required=False, empty_label="全部群团"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def apply(self, courses: QuerySet) -> QuerySet:
        """The valid filters on the scoped course list; an invalid one is shown and ignored."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("q", "").strip():
            courses = courses.filter(title__contains=data["q"].strip())
        if data.get("status"):
            courses = courses.filter(status=data["status"])
        if data.get("format"):
            courses = courses.filter(format=data["format"])
        if data.get("federation"):
            # Led by the federation or organized together with it.
            co_organized = TrainingCourse.co_organizers.through.objects.filter(
                organization__federation=data["federation"]
            ).values("trainingcourse_id")
            courses = courses.filter(Q(lead_organization__federation=data["federation"]) | Q(pk__in=co_organized))
        return courses


class CourseForm(forms.Form):
    title = forms.CharField(label="培训班名称", max_length=128)
    lead_organization = OrganizationChoiceField(label="牵头组织", queryset=None, empty_label=None)
    co_organizers = OrganizationsField(
        label="联合主办", queryset=None, required=False, help_text="可多选（按住 Ctrl 键点选）；牵头组织不必再选。"
    )
    mode = forms.ChoiceField(label="方式", choices=TrainingMode.choices, initial=TrainingMode.OFFLINE)
    format = forms.ChoiceField(label="形式", choices=TrainingFormat.choices)
    is_common = forms.TypedChoiceField(
        label="培训类别",
        choices=[("1", "通用知识培训（面向各群团）"), ("0", "群团业务培训")],
        coerce=lambda value: value == "1",
        initial="1",
    )
    federation = forms.ModelChoiceField(
        label="业务所属群团", queryset=Federation.objects.all(), required=False, empty_label="—（通用知识培训不选）"
    )
    credit_hours = forms.DecimalField(label="学时", **HOURS)
    capacity = forms.IntegerField(label="名额", min_value=1)
    target_federation = forms.ModelChoiceField(
        label="培训对象：群团", queryset=Federation.objects.all(), required=False, empty_label="各群团"
    )
    target_level = forms.ChoiceField(
        label="培训对象：层级", choices=[("", "各层级"), *OrganizationLevel.choices], required=False
    )
    target_post_type = forms.ChoiceField(
        label="培训对象：任职方式", choices=[("", "各种任职方式"), *PostType.choices], required=False
    )
    description = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, user, course: TrainingCourse | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        units = organizers(user)
        if course is not None:  # keep the course's own organizers choosable, whoever edits it
            ids = [course.lead_organization_id, *(o.pk for o in course.co_organizers.all())]
            units = (units | Organization.objects.filter(pk__in=ids)).distinct()
        self.fields["lead_organization"].queryset = units
        self.fields["co_organizers"].queryset = units
        self.fields["co_organizers"].widget.attrs["size"] = 8
        style(self)

    @staticmethod
    def initial_of(course: TrainingCourse) -> dict:
        initial = {name: getattr(course, name) for name in CourseForm.base_fields if name != "co_organizers"}
        initial["is_common"] = "1" if course.is_common else "0"
        initial["co_organizers"] = list(course.co_organizers.all())
        return initial

    def course_arguments(self) -> dict:
        return dict(self.cleaned_data)


# Sessions -------------------------------------------------------------------------------


class LecturersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person) -> str:
        if person.expert_specialty:
            return f"{person.name}（土专家 · {person.expert_specialty}）"
        return f"{person.name}（{person.post_label or '干部'}）"


class SessionForm(forms.Form):
    prefix = "session"  # beside the other forms of the course page
    title = forms.CharField(label="课次主题", max_length=128)
    starts_at = datetime_field("开始时间")
    ends_at = datetime_field("结束时间")
    hours = forms.DecimalField(label="学时", **HOURS)
    room = RoomChoiceField(label="场地房间（可选，自动预约）", queryset=None, required=False, empty_label="不预约场地")
    location = forms.CharField(label="地点", max_length=128, required=False, help_text="选了房间可不填。")
    online_url = forms.URLField(label="线上链接", required=False, assume_scheme="https")
    lecturers = LecturersField(label="授课人", queryset=None, required=False, help_text="可多选：干部或土专家。")

    def __init__(self, *args, user, course: TrainingCourse, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = venue_selectors.room_list(user=user).filter(is_active=True)
        self.fields["lecturers"].queryset = lecturer_candidates(user=user, course=course)
        self.fields["lecturers"].widget.attrs["size"] = 5
        style(self)


# Roster and attendance ------------------------------------------------------------------


class CandidateSearchForm(forms.Form):
    q = SearchField("姓名", "输入姓名搜索")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    @property
    def search(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class EnrollForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        label="学员",
        queryset=None,
        error_messages={
            "required": "请选择至少一名学员。",
            "invalid_choice": PEOPLE_GONE,
            "invalid_pk_value": PEOPLE_GONE,
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people_in_reach(user)


class AttendanceSheetForm(forms.Form):
    """One radio group per cadre on the roster (`p<person id>`); a cadre left blank stays unmarked."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"p{row.person.pk}"] = forms.ChoiceField(
                label=row.person.name,
                choices=AttendanceStatus.choices,
                required=False,
                initial=row.status or None,
                widget=forms.RadioSelect,
            )

    def clean(self):
        data = super().clean()
        if not any(data.get(f"p{row.person.pk}") for row in self.rows):
            raise forms.ValidationError(NO_MARKS)
        return data

    def marks(self) -> dict[int, str]:
        return {
            row.person.pk: self.cleaned_data[f"p{row.person.pk}"]
            for row in self.rows
            if self.cleaned_data.get(f"p{row.person.pk}")
        }

    def sheet(self) -> list[tuple]:
        """(row, its bound field) for the template."""
        return [(row, self[f"p{row.person.pk}"]) for row in self.rows]


CADRE_ORDER_CHOICES = [("recent", "最近登记的在前"), ("hours", "学时最少的在前")]


class TrainingListForm(forms.Form):
    year = YearField()
    behind = forms.BooleanField(label="只看未达标", required=False)
    q = SearchField("姓名", "输入姓名搜索")
    # Fewest hours first sums every cadre's hours to sort them: asked for, not the default.
    order = forms.ChoiceField(label="排序", choices=CADRE_ORDER_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def values(self) -> tuple[int, bool, str]:
        self.is_valid()
        data = self.cleaned_data
        return data.get("year") or timezone.localdate().year, bool(data.get("behind")), data.get("q", "").strip()

    @property
    def chosen_order(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("order") or CADRE_ORDER_CHOICES[0][0]


class YearForm(forms.Form):
    year = YearField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    @property
    def chosen_year(self) -> int:
        return (self.cleaned_data.get("year") if self.is_valid() else None) or timezone.localdate().year


# The public check -----------------------------------------------------------------------


class VerifyForm(forms.Form):
    code = forms.CharField(
        label="证书验证码",
        max_length=40,
        error_messages={"required": CODE_REQUIRED},
        widget=forms.TextInput(
            attrs={"placeholder": "如 ABCD-EFGH-JKLM-NPQR", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)
        self.fields["code"].widget.attrs["class"] += " form-control-lg font-monospace"
