"""Staff pages for people: registration with a live ID-number check, the person list and page,
enrollment by the rules, transfers and cadre posts.

Thin, like the tree's pages: parse, call one service or selector, render. Pages of one row
come from get_in_scope (404 outside the scope), lists from the scoped selectors. A full ID
number is only ever shown through services.person_full_id_number, which checks the
permission and writes the audit trail. Full ID numbers travel in POST bodies, never in a URL,
so they stay out of the address bar, the browser history and the access logs.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from apps.core.access import permission, signed_in
from apps.core.exceptions import ConflictError
from apps.members import idnumbers, selectors, services
from apps.members.forms import (
    CadrePostFilterForm,
    CadrePostForm,
    IdLookupForm,
    PersonEditForm,
    PersonFilterForm,
    PersonForm,
    TransferForm,
)
from apps.members.models import Gender, Membership, MembershipStatus, Person
from apps.organizations.scoping import get_in_scope, scope_for, scoped
from apps.organizations.views import cleaned_filters, paginate, render_results

ERASED = "已匿名化：个人信息已清除，会员关系和统计数据保留。"
REGISTERED_OUT_OF_SCOPE = "该身份证号已有登记，登记记录不在您的管辖范围内，请勿重复登记；如需调整请联系上级管理员。"


def _is_htmx(request: HttpRequest, target: str) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == target


def _add_service_errors(form, error: ValidationError) -> None:
    """A service's ValidationError({field: …}) lands on that field, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _visible_person(user, pks) -> Person | None:
    return scoped(Person.objects.filter(pk__in=list(pks)), user).first()


def _conflict_context(user, form, conflict: ConflictError) -> dict:
    """The existing person, linked and named only when the user may see them.

    The number already registered is not offered back in the form for another try.
    """
    form.data = form.data.copy()
    form.data["id_number"] = ""
    existing = _visible_person(user, conflict.conflicts)
    return {"conflict": conflict.message if existing else REGISTERED_OUT_OF_SCOPE, "conflict_person": existing}


def _enrollment_message(lead: str, result: services.EnrollmentResult) -> str:
    """What enrollment did and why it did not do the rest, as an HTML message (a SafeString)."""
    return render_to_string("members/_enrollment_message.html", {"lead": lead, "result": result})


# Registration and the live ID-number check ----------------------------------------------


def _id_check(user, raw: str) -> dict:
    normalized = idnumbers.normalize(raw)
    if not normalized:
        return {}
    try:
        number = idnumbers.parse(normalized)
    except ValidationError as error:
        # Still typing: a short number is not yet wrong.
        typing = error.code == "length" and len(normalized) < 18
        return {"error": error.messages[0], "typing": typing}
    existing = services.person_by_id_number(number.value)
    if existing is not None:
        return {"registered": True, "existing": _visible_person(user, [existing.pk])}
    return {
        "number": number,
        "gender": Gender(number.gender).label,
        "age": Person(birth_date=number.birth_date).age_on(timezone.localdate()),
    }


@permission("members.add_person")
@require_POST
def person_check_id(request: HttpRequest) -> HttpResponse:
    """The register form's live check (htmx, as the user types): message, derived facts, or 已登记."""
    response = render(
        request, "members/_id_check.html", {"check": _id_check(request.user, request.POST.get("id_number", ""))}
    )
    add_never_cache_headers(response)
    return response


@permission("members.add_person")
def person_register(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {}
    if request.method == "POST":
        form = PersonForm(request.POST, user=user)
        if form.is_valid():
            try:
                person, result = services.person_register(actor=user, **form.cleaned_data)
            except ValidationError as error:
                _add_service_errors(form, error)
            except ConflictError as conflict:
                context = _conflict_context(user, form, conflict)
            else:
                messages.success(request, _enrollment_message(f"已登记“{person.name}”。", result))
                return redirect("web-person-detail", pk=person.pk)
    else:
        form = PersonForm(user=user)
    return render(request, "members/person_form.html", {"form": form, "creating": True, **context})


# List and page --------------------------------------------------------------------------


def _active_memberships(user) -> Prefetch:
    active = Membership.objects.filter(status=MembershipStatus.ACTIVE).select_related("federation", "organization")
    return Prefetch(
        "memberships", queryset=scoped(active, user).order_by("federation__sort_order"), to_attr="active_memberships"
    )


@signed_in
def person_list(request: HttpRequest) -> HttpResponse:
    """Search by name and filters (GET); an exact ID-number lookup comes as a POST."""
    user = request.user
    form = PersonFilterForm(request.GET, user=user)
    filters = cleaned_filters(form)
    lookup = IdLookupForm(request.POST) if request.method == "POST" else None
    looked_up = lookup is not None and lookup.is_valid()
    people = selectors.person_list(
        user=user,
        search=filters.get("q", ""),
        id_number=lookup.cleaned_data["id_number"] if looked_up else "",
        region=filters.get("region"),
        federation=filters.get("federation"),
        identity_tag=filters.get("identity_tag"),
    )
    if lookup is not None and not looked_up:
        people = people.none()
    people = people.prefetch_related(_active_memberships(user))
    return render_results(
        request,
        page_template="members/person_list.html",
        results_template="members/_person_results.html",
        target="person-results",
        context={
            "form": form,
            "lookup": lookup,
            "lookup_masked": idnumbers.mask(lookup.cleaned_data["id_number"]) if looked_up else "",
            **paginate(request, people),
        },
    )


def _person(user, pk: int) -> Person:
    return get_in_scope(Person.objects.select_related("region", "employer__region"), user, pk=pk)


def _membership_groups(user, person: Person) -> list[tuple]:
    """(federation, memberships newest first) for each federation the person was ever in."""
    scope = scope_for(user)
    may_transfer = user.has_perm("members.change_membership")
    groups: dict[int, tuple] = {}
    for membership in scoped(selectors.person_memberships(person=person), user):
        membership.may_transfer = (
            may_transfer
            and membership.status == MembershipStatus.ACTIVE
            and scope.covers_organization(membership.organization)
        )
        groups.setdefault(membership.federation_id, (membership.federation, []))[1].append(membership)
    return list(groups.values())


def _mark_current(posts, today) -> list:
    posts = list(posts)
    for post in posts:
        post.current, post.upcoming = post.is_current(today), post.start_date > today
    return posts


def _detail(request: HttpRequest, person: Person, **extra) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    context = {
        "person": person,
        "tags": list(person.identity_tags.all()),
        "certificate": person.disability_certificate_masked,
        "employer_visible": person.employer is not None and scope_for(user).covers_region(person.employer.region),
        "membership_groups": _membership_groups(user, person),
        "posts": _mark_current(selectors.cadre_post_list(user=user, person=person), today),
        "age": person.age_on(today),
        **extra,
    }
    return render(request, "members/person_detail.html", context)


@signed_in
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _person(request.user, pk))


@permission("members.view_full_id_number")
@require_POST
def person_id_number(request: HttpRequest, pk: int) -> HttpResponse:
    return _reveal(request, pk, services.person_full_id_number, "id-number", "full_id_number")


@permission("members.view_full_phone")
@require_POST
def person_phone(request: HttpRequest, pk: int) -> HttpResponse:
    return _reveal(request, pk, services.person_full_phone, "phone", "full_phone")


def _reveal(request: HttpRequest, pk: int, read, target: str, name: str) -> HttpResponse:
    """Show one full number: read through the service, which writes the audit trail; never cached."""
    person = _person(request.user, pk)
    full = read(actor=request.user, person=person)
    if _is_htmx(request, target):
        template = f"members/_{target.replace('-', '_')}.html"
        response = render(request, template, {"person": person, name: full})
    else:
        response = _detail(request, person, **{name: full})
    add_never_cache_headers(response)
    return response


@permission("members.erase_person")
@require_POST
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Anonymize on the person's request: irreversible, so the page asks for the reason first."""
    person = _person(request.user, pk)
    try:
        services.person_erase(actor=request.user, person=person, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    except ConflictError as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(request, ERASED)
    return redirect("web-person-detail", pk=person.pk)


@permission("members.change_person")
@require_POST
def person_enroll(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request.user, pk)
    result = services.person_enroll(person=person)
    messages.success(request, _enrollment_message("已按入会规则重新核对。", result))
    return redirect("web-person-detail", pk=person.pk)


@permission("members.change_person")
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = _person(user, pk)
    context = {}
    if request.method == "POST":
        form = PersonEditForm(request.POST, user=user, person=person)
        if form.is_valid():
            try:
                person, result = services.person_update(actor=user, person=person, **form.changes())
            except ValidationError as error:
                _add_service_errors(form, error)
                person = _person(user, pk)
            except ConflictError as conflict:
                context = _conflict_context(user, form, conflict)
                person = _person(user, pk)
            else:
                messages.success(request, _enrollment_message(f"已保存“{person.name}”的信息。", result))
                return redirect("web-person-detail", pk=person.pk)
    else:
        initial = {
            "name": person.name,
            "ethnicity": person.ethnicity,
            "region": person.region_id,
            "employer": person.employer_id,
            "identity_tags": [tag.pk for tag in person.identity_tags.all()],
        }
        form = PersonEditForm(initial=initial, user=user, person=person)
    return render(request, "members/person_form.html", {"form": form, "person": person, **context})


# Memberships ----------------------------------------------------------------------------


@permission("members.change_membership")
def membership_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    membership = get_in_scope(
        Membership.objects.select_related("person", "organization__region", "federation"), user, pk=pk
    )
    form = TransferForm(request.POST or None, user=user, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.membership_transfer(actor=user, membership=membership, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"已将{membership.federation.name}会员关系从{membership.organization.name}转至{moved.organization.name}。",
            )
            return redirect("web-person-detail", pk=membership.person_id)
    return render(
        request,
        "members/membership_transfer.html",
        {"membership": membership, "form": form, "active": membership.status == MembershipStatus.ACTIVE},
    )


# Cadre posts ----------------------------------------------------------------------------


def _cadre_posts_page(request: HttpRequest, *, add_form: CadrePostForm | None) -> HttpResponse:
    user = request.user
    form = CadrePostFilterForm(request.GET, user=user)
    filters = cleaned_filters(form)
    today = timezone.localdate()
    posts = selectors.cadre_post_list(
        user=user,
        organization=filters.get("organization"),
        current_on=today if filters.get("current") else None,
    ).select_related("organization__region", "person__region", "person__employer__region")
    if filters.get("q"):
        posts = posts.filter(person__name__contains=filters["q"].strip())
    if filters.get("post_type"):
        posts = posts.filter(post_type=filters["post_type"])
    if filters.get("region") is not None:
        posts = posts.filter(organization__region__path__startswith=filters["region"].path)
    post_person = None
    if add_form is not None:
        person_pk = add_form["person"].value()
        if person_pk:
            post_person = _visible_person(user, [person_pk]) if str(person_pk).isdigit() else None
    pages = paginate(request, posts)
    scope = scope_for(user)
    for post in _mark_current(pages["page"].object_list, today):
        employer = post.person.employer
        post.person_visible = scope.covers_region(post.person.region) or (
            employer is not None and scope.covers_region(employer.region)
        )
    return render_results(
        request,
        page_template="members/cadre_post_list.html",
        results_template="members/_cadre_post_results.html",
        target="cadre-post-results",
        context={"form": form, "add_form": add_form, "post_person": post_person, **pages},
    )


@signed_in
def cadre_post_list(request: HttpRequest) -> HttpResponse:
    add_form = None
    if request.user.has_perm("members.add_cadrepost"):
        add_form = CadrePostForm(initial={"person": request.GET.get("person", "")}, user=request.user)
    return _cadre_posts_page(request, add_form=add_form)


@permission("members.add_cadrepost")
@require_POST
def cadre_post_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = CadrePostForm(request.POST, user=user)
    if form.is_valid():
        try:
            post = services.cadre_post_create(actor=user, **form.service_arguments())
        except ValidationError as error:
            _add_service_errors(form, error)
        except ConflictError as conflict:
            form.add_error(None, conflict.message)
        else:
            messages.success(
                request,
                f"已登记{post.person.name}在{post.organization.name}任{post.title}（{post.get_post_type_display()}）。",
            )
            return redirect("web-cadre-post-list")
    return _cadre_posts_page(request, add_form=form)
