"""Rotation and exchange of cadres (轮岗交流): the list with the year's counts, planning one, its
start, end or cancellation, and the cadres due to rotate."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.access import permission, signed_in
from apps.core.exceptions import ConflictError
from apps.core.refusals import add_service_errors, errors_to_messages, forbidden
from apps.members.models import PostType
from apps.organizations.views import paginate, render_results
from apps.talent import selectors, services
from apps.talent.forms import RotationFilterForm, RotationForm
from apps.talent.rules import DUE_WITHIN_DAYS, add_months

PLANNED = "已安排{name}到{organization}轮岗（{start} 至 {end}）。"
CHANGED = {"start": "轮岗已开始，{name}的轮岗任职已生效。", "complete": "轮岗已结束。", "cancel": "轮岗已取消。"}
ACTIONS = {"start": services.rotation_start, "complete": services.rotation_complete, "cancel": services.rotation_cancel}


@signed_in
def rotation_list(request: HttpRequest) -> HttpResponse:
    form = RotationFilterForm(request.GET)
    status, year = form.values()
    rotations = selectors.rotation_list(user=request.user)
    if status:
        rotations = rotations.filter(status=status)
    return render_results(
        request,
        page_template="talent/rotation_list.html",
        results_template="talent/_rotation_results.html",
        target="rotation-results",
        context={
            "form": form,
            "year": year,
            "counts": selectors.rotation_counts(user=request.user, year=year),
            "may_plan": request.user.has_perm("talent.add_rotation"),
            "may_change": request.user.has_perm("talent.change_rotation"),
            **paginate(request, rotations),
        },
    )


@permission("talent.add_rotation")
def rotation_create(request: HttpRequest) -> HttpResponse:
    """Plan a rotation; ?post= (from the due list) picks the cadre's current post."""
    user = request.user
    status = 200
    if request.method == "POST":
        status = 400
        form = RotationForm(request.POST, user=user)
        if form.is_valid():
            try:
                rotation = services.rotation_plan(actor=user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            except ConflictError as conflict:
                form.add_error(None, conflict.message)
                status = 409
            except PermissionDenied:
                return forbidden(request)
            else:
                messages.success(
                    request,
                    PLANNED.format(
                        name=rotation.person.name,
                        organization=rotation.to_organization.name,
                        start=rotation.start_date,
                        end=rotation.end_date,
                    ),
                )
                return redirect("web-rotation-list")
    else:
        post = request.GET.get("post", "")
        today = timezone.localdate()
        form = RotationForm(
            user=user,
            initial={
                "from_post": int(post) if post.isascii() and post.isdigit() else None,
                "post_type": PostType.ROTATION,
                "start_date": today,
                "end_date": add_months(today, 12),
            },
        )
    return render(request, "talent/rotation_form.html", {"form": form}, status=status)


@permission("talent.change_rotation")
@require_POST
def rotation_change(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    rotation = get_object_or_404(selectors.rotation_list(user=request.user), pk=pk)
    try:
        ACTIONS[action](actor=request.user, rotation=rotation)
    except PermissionDenied:
        return forbidden(request)
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(request, CHANGED[action].format(name=rotation.person.name))
    return redirect("web-rotation-list")


@signed_in
def rotation_due(request: HttpRequest) -> HttpResponse:
    """Current posts whose longest stay ends within DUE_WITHIN_DAYS (or is over), none planned yet."""
    pages = paginate(request, selectors.rotation_due_list(user=request.user))
    today = timezone.localdate()
    rows = []
    for post in pages["page"].object_list:
        due = add_months(post.start_date, post.max_months)
        rows.append({"post": post, "due": due, "overdue": due < today})
    return render_results(
        request,
        page_template="talent/rotation_due.html",
        results_template="talent/_due_results.html",
        target="due-results",
        context={
            "rows": rows,
            "within": DUE_WITHIN_DAYS,
            "may_plan": request.user.has_perm("talent.add_rotation"),
            **pages,
        },
    )
