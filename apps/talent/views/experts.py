"""The local-expert pool (土专家): search by field and region, register a person found by ID
number, and an expert's page with the history of lectures and posts, where staff invite them
to teach a session or recruit them into a post."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.core.access import permission, signed_in
from apps.core.exceptions import ConflictError
from apps.core.refusals import add_service_errors, forbidden
from apps.members import selectors as member_selectors
from apps.organizations.views import paginate, render_results
from apps.talent import selectors, services
from apps.talent.forms import (
    ExpertChangeForm,
    ExpertFilterForm,
    ExpertForm,
    InviteForm,
    RecruitForm,
)
from apps.talent.models import Expert
from apps.talent.selectors import invitable_sessions

PERSON_NOT_FOUND = "未找到该身份证号对应的人员（或不在您的管辖范围内），请先在人员登记中登记。"
REGISTERED = "已将{name}登记为土专家。"
UPDATED = "已保存{name}的专家信息。"
INVITED = "已邀请{name}为“{course} · {session}”授课。"
RECRUITED = "{name}已任{organization}{title}（{post_type}）。"
# What the expert services call their fields, as the forms name them.
EXPERT_FIELDS = {"fields": "expertise", "person": "id_number"}


@signed_in
def expert_list(request: HttpRequest) -> HttpResponse:
    form = ExpertFilterForm(request.GET, user=request.user)
    experts = selectors.expert_list(user=request.user, **form.filters())
    return render_results(
        request,
        page_template="talent/expert_list.html",
        results_template="talent/_expert_results.html",
        target="expert-results",
        context={"form": form, "may_create": request.user.has_perm("talent.add_expert"), **paginate(request, experts)},
    )


@permission("talent.add_expert")
def expert_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = 200
    if request.method == "POST":
        status = 400
        form = ExpertForm(request.POST, user=user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            person = member_selectors.person_list(user=user, id_number=data.pop("id_number")).first()
            if person is None:
                form.add_error("id_number", PERSON_NOT_FOUND)
            else:
                try:
                    expert = services.expert_register(actor=user, person=person, fields=data.pop("expertise"), **data)
                except ValidationError as error:
                    add_service_errors(form, error, aliases=EXPERT_FIELDS)
                except ConflictError as conflict:
                    form.add_error("id_number", conflict.message)
                    status = 409
                except PermissionDenied:
                    return forbidden(request)
                else:
                    messages.success(request, REGISTERED.format(name=person.name))
                    return redirect("web-expert-detail", expert.pk)
    else:
        form = ExpertForm(user=user)
    return render(request, "talent/expert_form.html", {"form": form}, status=status)


@permission("talent.change_expert")
def expert_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Fields, specialty, certificates, availability; out of the pool keeps the history."""
    user = request.user
    expert = _expert(user, pk)
    status = 200
    if request.method == "POST":
        status = 400
        form = ExpertChangeForm(request.POST, user=user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.expert_update(actor=user, expert=expert, fields=data.pop("expertise"), **data)
            except ValidationError as error:
                add_service_errors(form, error, aliases=EXPERT_FIELDS)
            except PermissionDenied:
                return forbidden(request)
            else:
                messages.success(request, UPDATED.format(name=expert.person.name))
                return redirect("web-expert-detail", expert.pk)
    else:
        form = ExpertChangeForm(user=user, initial=ExpertChangeForm.initial_of(expert))
    return render(request, "talent/expert_form.html", {"form": form, "expert": expert}, status=status)


def _expert(user, pk: int) -> Expert:
    return get_object_or_404(selectors.expert_list(user=user), pk=pk)


def _render_expert(request: HttpRequest, expert: Expert, *, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    may_engage = user.has_perm("talent.add_expertengagement")
    invitable = expert.is_active and expert.availability != "unavailable"
    context = {
        "expert": expert,
        "engagements": list(selectors.expert_engagements(expert)),
        "may_engage": may_engage,
        "invitable": invitable,
    }
    if may_engage:
        context["invite_form"] = forms.get("invite_form") or InviteForm(sessions=invitable_sessions(user=user))
        context["recruit_form"] = forms.get("recruit_form") or RecruitForm(
            user=user, initial={"start_date": timezone.localdate()}
        )
    return render(request, "talent/expert_detail.html", context, status=status)


@signed_in
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_expert(request, _expert(request.user, pk))


@permission("talent.add_expertengagement")
@require_POST
def expert_invite(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    expert = _expert(user, pk)
    form = InviteForm(request.POST, sessions=invitable_sessions(user=user))
    status = 400
    if form.is_valid():
        session = form.cleaned_data["session"]
        try:
            services.expert_invite(actor=user, expert=expert, session=session, note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error, aliases={"expert": None})
        except ConflictError as conflict:
            form.add_error("session", conflict.message)
            status = 409
        except PermissionDenied:
            return forbidden(request)
        else:
            messages.success(
                request, INVITED.format(name=expert.person.name, course=session.course.title, session=session.title)
            )
            return redirect("web-expert-detail", expert.pk)
    return _render_expert(request, expert, status=status, invite_form=form)


@permission("talent.add_expertengagement")
@require_POST
def expert_recruit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    expert = _expert(user, pk)
    form = RecruitForm(request.POST, user=user)
    status = 400
    if form.is_valid():
        try:
            engagement = services.expert_recruit(actor=user, expert=expert, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, aliases={"expert": None, "person": None})
        except ConflictError as conflict:
            form.add_error(None, conflict.message)
            status = 409
        except PermissionDenied:
            return forbidden(request)
        else:
            post = engagement.post
            messages.success(
                request,
                RECRUITED.format(
                    name=expert.person.name,
                    organization=post.organization.name,
                    title=post.title,
                    post_type=post.get_post_type_display(),
                ),
            )
            return redirect("web-expert-detail", expert.pk)
    return _render_expert(request, expert, status=status, recruit_form=form)
