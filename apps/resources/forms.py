"""Forms of the 资源共享 staff pages."""

from __future__ import annotations

import datetime as dt

from django import forms

MONTH_INVALID = "月份格式应为 YYYY-MM。"


class MonthForm(forms.Form):
    """?month=YYYY-MM of the roster calendar; empty or invalid falls back to the current month."""

    month = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False, error_messages={"invalid": MONTH_INVALID}
    )

    def first_day(self, default: dt.date) -> dt.date:
        if self.is_valid() and self.cleaned_data["month"]:
            year, month = self.cleaned_data["month"].split("-")
            if 1900 < int(year) < 2200:
                return dt.date(int(year), int(month), 1)
        return default.replace(day=1)
