"""Forms of the venue pages: a booking and a utilization period.

They only parse. The organizations offered are the user's own (the scoped selector), so a
form neither offers nor accepts a unit outside the scope; every booking rule (hours,
closures, capacity, overlaps) lives in apps.venues.services.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from apps.organizations import selectors as organization_selectors

DATETIME_INPUT = "%Y-%m-%dT%H:%M"
PERIOD_ORDER = "结束日期不能早于开始日期。"
PERIOD_TOO_LONG = "统计区间最长 {days} 天。"
PERIOD_MAX_DAYS = 366
# "Last 30 days": today and the 29 before it.
DEFAULT_PERIOD_DAYS = 30


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, organization) -> str:
        return f"{organization.name}（{organization.federation.name}）"


class BookingForm(forms.Form):
    organization = OrganizationChoiceField(label="预约组织", queryset=None, empty_label=None)
    start = forms.DateTimeField(
        label="开始时间",
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    end = forms.DateTimeField(
        label="结束时间",
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    purpose = forms.CharField(label="用途", max_length=255)
    attendees = forms.IntegerField(label="预计人数", min_value=1)
    contact_name = forms.CharField(label="联系人", max_length=64)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    # The calendar week the form was opened from: which cells to refresh after the answer.
    week = forms.DateField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organizations = organization_selectors.organization_list(user=user)
        self.fields["organization"].queryset = organizations
        if not self.is_bound and "organization" not in self.initial:
            self.initial["organization"] = organizations.values_list("pk", flat=True).first()
        for name, field in self.fields.items():
            if name != "week":
                field.widget.attrs["class"] = (
                    "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                )

    def booking_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("week", None)
        return data


class PeriodForm(forms.Form):
    """`from` and `to` (the query string's names), inclusive; the last 30 days unless asked otherwise."""

    def __init__(self, data):
        super().__init__(data)
        # `from` is a Python keyword: the fields are added by name.
        self.fields["from"] = forms.DateField(label="开始日期", required=False)
        self.fields["to"] = forms.DateField(label="结束日期", required=False)
        for field in self.fields.values():
            field.widget = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        last = cleaned.get("to") or today
        first = cleaned.get("from") or last - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if first > last:
            raise forms.ValidationError(PERIOD_ORDER)
        if (last - first).days + 1 > PERIOD_MAX_DAYS:
            raise forms.ValidationError(PERIOD_TOO_LONG.format(days=PERIOD_MAX_DAYS))
        cleaned["from"], cleaned["to"] = first, last
        return cleaned

    def period(self) -> tuple[dt.date, dt.date]:
        """The asked period when valid, else the default one (the errors show on the form)."""
        if self.is_valid():
            return self.cleaned_data["from"], self.cleaned_data["to"]
        today = timezone.localdate()
        return today - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1), today
