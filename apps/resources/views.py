"""Staff pages of 资源共享: service centers with their staffing and duty roster, and the
pooled funds with their ledger and grassroots share.

Thin, like the other pages: parse, call one service, render. Centers, secondments, shifts,
funds and ledger entries come through `scoped` / `get_in_scope`, so whatever lies outside
the user's scope is absent from the lists and its page answers 404.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.access import permission, signed_in
from apps.core.holidays import public_holiday
from apps.organizations.scoping import get_in_scope, scoped
from apps.organizations.views import paginate, render_results
from apps.resources import services
from apps.resources.forms import MonthForm
from apps.resources.models import DutyShift, Fund, LedgerEntry, Secondment, ServiceCenter, Shift
from apps.resources.services.roster import DEFAULT_WEEKS

GENERATED = "已生成 {start:%Y年%-m月%-d日}–{end:%-m月%-d日} 的排班：新增 {created} 个班次。"
GENERATED_UNFILLED = "以下班次人手不足，未能排满：{slots}。"
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
SHIFT_LABELS = dict(Shift.choices)
REST_DAY = "休息"
HOLIDAY = "节假日"


def _center(user, pk: int) -> ServiceCenter:
    return get_in_scope(ServiceCenter.objects.select_related("region", "host_unit", "director"), user, pk=pk)


# Centers --------------------------------------------------------------------------------


@signed_in
def center_list(request: HttpRequest) -> HttpResponse:
    centers = scoped(ServiceCenter.objects.select_related("region", "director"), request.user)
    return render_results(
        request,
        page_template="resources/center_list.html",
        results_template="resources/_center_results.html",
        target="center-results",
        context=paginate(request, centers),
    )


@signed_in
def center_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    center = _center(user, pk)
    today = timezone.localdate()
    secondments = scoped(
        Secondment.objects.filter(center=center).select_related("person", "organization__federation"), user
    ).order_by("-start_date", "id")
    return render(
        request,
        "resources/center_detail.html",
        {
            "center": center,
            "staffing": services.center_staffing(center=center, day=today),
            "secondments": [(s, s.end_date is None or s.end_date >= today) for s in secondments],
            "may_generate": user.has_perm("resources.change_servicecenter"),
            "weeks": DEFAULT_WEEKS,
        },
    )


@permission("resources.change_servicecenter")
@require_POST
def roster_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan the next four weeks (idempotent: a second press creates nothing new)."""
    center = _center(request.user, pk)
    today = timezone.localdate()
    end = today + dt.timedelta(weeks=DEFAULT_WEEKS) - dt.timedelta(days=1)
    result = services.duty_roster_generate(center=center, start=today, end=end, today=today)
    messages.success(request, GENERATED.format(start=today, end=end, created=result.created))
    if result.unfilled:
        slots = "、".join(f"{day:%-m月%-d日}{SHIFT_LABELS.get(shift, shift)}" for day, shift in result.unfilled)
        messages.warning(request, GENERATED_UNFILLED.format(slots=slots))
    return redirect("web-center-detail", pk=center.pk)


def _day_off_label(day: dt.date) -> str:
    return HOLIDAY if public_holiday(day) else REST_DAY


@signed_in
def center_roster(request: HttpRequest, pk: int) -> HttpResponse:
    """A month calendar: who is on duty per shift on each working day; two queries for the data."""
    user = request.user
    center = _center(user, pk)
    first = MonthForm(request.GET).first_day(timezone.localdate())
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    by_slot: dict[tuple[dt.date, str], list[DutyShift]] = defaultdict(list)
    shifts = scoped(DutyShift.objects.filter(center=center, date__range=(first, last)), user).select_related("person")
    for shift in shifts.order_by("date", "shift", "person__name", "id"):
        by_slot[(shift.date, shift.shift)].append(shift)
    shift_names = center.shift_names
    today = timezone.localdate()
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        row = []
        for day in week:
            working = services.is_working_day(day)
            row.append(
                {
                    "date": day,
                    "in_month": day.month == first.month,
                    "working": working,
                    # A past day without shifts was simply before the roster; only future gaps are "未排".
                    "past": day < today,
                    "off_label": "" if working else _day_off_label(day),
                    "slots": [(SHIFT_LABELS[name], by_slot.get((day, name), [])) for name in shift_names],
                }
            )
        weeks.append(row)
    previous_month = (first - dt.timedelta(days=1)).replace(day=1)
    next_month = last + dt.timedelta(days=1)
    return render(
        request,
        "resources/center_roster.html",
        {
            "center": center,
            "month": first,
            "weeks": weeks,
            "weekdays": WEEKDAYS,
            "previous_month": previous_month,
            "next_month": next_month,
            "this_month": today.replace(day=1),
            "today": today,
        },
    )


# Funds ----------------------------------------------------------------------------------


@signed_in
def fund_list(request: HttpRequest) -> HttpResponse:
    funds = scoped(Fund.objects.select_related("owner"), request.user)
    return render_results(
        request,
        page_template="resources/fund_list.html",
        results_template="resources/_fund_results.html",
        target="fund-results",
        context=paginate(request, funds),
    )


@signed_in
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    fund = get_in_scope(Fund.objects.select_related("owner__region"), user, pk=pk)
    entries = list(
        scoped(LedgerEntry.objects.filter(fund=fund), user)
        .select_related("category", "receiving_organization", "reverses", "created_by")
        .order_by("date", "id")
    )
    reversed_ids = {entry.reverses_id for entry in entries if entry.reverses_id}
    share = services.grassroots_share(fund=fund, start=dt.date(fund.year, 1, 1), end=dt.date(fund.year, 12, 31))
    percent = (share.share * 100).quantize(Decimal("0.01"))
    target = (services.GRASSROOTS_TARGET * 100).quantize(Decimal("1"))
    return render(
        request,
        "resources/fund_detail.html",
        {
            "fund": fund,
            "balance": services.fund_balance(fund),
            "ledger": [(entry, entry.pk in reversed_ids) for entry in entries],
            "share": share,
            "percent": percent,
            # The bar itself is capped at 100 %; a reversal can push the share outside 0–100.
            "bar_width": max(Decimal(0), min(percent, Decimal(100))),
            "target": target,
        },
    )
