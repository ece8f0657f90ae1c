"""The talent forms' shared parts: date and time inputs, the search box, the year picker, the
organizers a user may choose, and the Bootstrap classes."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from apps.organizations import selectors as organization_selectors
from apps.organizations.models import OrganizationLevel
from apps.venues.forms import DATETIME_INPUT

DATE_INPUT = "%Y-%m-%d"
HOURS = {"max_digits": 5, "decimal_places": 1, "min_value": Decimal("0.5")}
# Courses are led and co-organized by units down to the townships; village and workplace
# units take part as trainees, which keeps the organizer lists short.
ORGANIZER_LEVELS = (
    OrganizationLevel.PROVINCE,
    OrganizationLevel.PREFECTURE,
    OrganizationLevel.COUNTY,
    OrganizationLevel.TOWNSHIP,
)
# The expert register's region list: down to the townships (depth 4).
EXPERT_REGION_DEPTH = 4
# The bulk-enroll list shows this many cadres; a search narrows it.
CANDIDATE_ROWS = 100
NO_MARKS = "请至少登记一名学员的出勤。"
PEOPLE_GONE = "所选人员中有人不在您的管辖范围内，请刷新页面后重试。"
CODE_REQUIRED = "请输入证书上的验证码。"


def date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format=DATE_INPUT), **kwargs)


def datetime_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )


def style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
            continue
        widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"


def organizers(user) -> QuerySet:
    return organization_selectors.organization_list(user=user).filter(level__in=ORGANIZER_LEVELS)


class OrganizationsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, organization) -> str:
        return f"{organization.name}（{organization.federation.name}）"


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, room) -> str:
        return f"{room.venue.name} · {room.name}（{room.capacity} 人）"


class SearchField(forms.CharField):
    def __init__(self, label: str, placeholder: str, **kwargs):
        super().__init__(
            label=label,
            required=False,
            max_length=64,
            widget=forms.TextInput(attrs={"type": "search", "placeholder": placeholder, "autocomplete": "off"}),
            **kwargs,
        )


def _year_choices() -> list[tuple[int, str]]:
    this = timezone.localdate().year
    return [(year, f"{year} 年") for year in range(this + 1, this - 6, -1)]


def _this_year() -> int:
    return timezone.localdate().year


class YearField(forms.TypedChoiceField):
    """A year of the last few; none chosen is this year, as the pages read it."""

    def __init__(self, **kwargs):
        super().__init__(label="年度", coerce=int, choices=_year_choices, required=False, initial=_this_year, **kwargs)

    def bound_data(self, data, initial):
        # Shown as read: without it the select would show its first option, next year.
        return data or _this_year()
