"""Staff pages of 组织共建: the home page, the region browser, organizations and host units.

Each view parses the query string, calls a selector and renders. Lists come from the
selectors and details from get_in_scope, so whatever lies outside the user's scope is
simply absent, and its page answers 404.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from apps.core.access import SIGNED_IN, signed_in  # noqa: F401 - SIGNED_IN re-exported for tests
from apps.core.pagination import BoundedCountPaginator
from apps.organizations import selectors
from apps.organizations.models import (
    Federation,
    HostUnit,
    HostUnitKind,
    Organization,
    OrganizationLevel,
    Region,
)
from apps.organizations.scoping import get_in_scope, scope_for

PAGE_SIZE = 50
# Detail pages list this many related rows and link to the filtered list for the rest.
DETAIL_ROWS = 100
# The region filter offers the user's top regions and two levels below them; deeper
# regions are reached from the region browser, whose links carry ?region=.
REGION_FILTER_LEVELS = 3


# Filters --------------------------------------------------------------------------------


class RegionFilterField(forms.ModelChoiceField):
    def __init__(self, *args, top_depth: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.top_depth = top_depth

    def label_from_instance(self, region: Region) -> str:
        return "　" * max(region.depth - self.top_depth, 0) + region.name


def _top_depth(user) -> int:
    scope = scope_for(user)
    if scope.everything:
        return 1
    paths = scope.region_paths + scope.organization_region_paths
    return min((len(path) // Region.steplen for path in paths), default=1)


def _region_filter_field(user, data) -> RegionFilterField:
    """The user's regions a few levels deep, plus the one asked for (a village from a link)."""
    top_depth = _top_depth(user)
    wanted = Q(depth__lt=top_depth + REGION_FILTER_LEVELS)
    asked = data.get("region", "")
    if asked.isascii() and asked.isdigit():
        wanted |= Q(pk=int(asked))
    return RegionFilterField(
        label="区划",
        queryset=selectors.region_list(user=user).filter(wanted),
        required=False,
        empty_label="全部区划",
        top_depth=top_depth,
    )


class FilterForm(forms.Form):
    """A GET form of optional filters; `q` is the search box htmx sends as the user types."""

    q = forms.CharField(
        label="名称",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "输入名称搜索", "autocomplete": "off"}),
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["region"] = _region_filter_field(user, data)
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"


class OrganizationFilterForm(FilterForm):
    federation = forms.ModelChoiceField(
        label="群团类别", queryset=Federation.objects.all(), required=False, empty_label="全部群团"
    )
    level = forms.ChoiceField(label="层级", choices=[("", "全部层级"), *OrganizationLevel.choices], required=False)


class HostUnitFilterForm(FilterForm):
    kind = forms.ChoiceField(label="类型", choices=[("", "全部类型"), *HostUnitKind.choices], required=False)

    def __init__(self, data, *, user):
        super().__init__(data, user=user)
        self.fields["q"].label = "名称或信用代码"
        self.fields["q"].widget.attrs["placeholder"] = "输入名称或统一社会信用代码"


def cleaned_filters(form: forms.Form) -> dict:
    """The valid filters; an invalid one (a stale or foreign id) is shown as an error and ignored."""
    form.is_valid()
    return form.cleaned_data


def render_results(
    request: HttpRequest, *, page_template: str, results_template: str, target: str, context: dict
) -> HttpResponse:
    """The whole page, or only the results when htmx asks for them (search as you type).

    History restores also come from htmx, but want the whole page back.
    """
    htmx_results = (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Target") == target
        and not request.headers.get("HX-History-Restore-Request")
    )
    response = render(request, results_template if htmx_results else page_template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def paginate(request: HttpRequest, queryset) -> dict:
    # Counted up to a bound, as in the admin: no COUNT(*) over a million people on every page;
    # past it the page says "超过 10000" and search or filters narrow the list down.
    page = BoundedCountPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "page_numbers": list(page.paginator.get_elided_page_range(page.number))}


def _first_rows(queryset, limit: int = DETAIL_ROWS) -> tuple[list, bool]:
    """Up to `limit` rows and whether there are more, in one query."""
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


def _breadcrumb(user, region: Region) -> list[tuple[Region, bool]]:
    """The region's ancestors and itself, each with whether the user may open it."""
    scope = scope_for(user)
    return [(node, scope.covers_region(node)) for node in [*selectors.region_ancestors(region), region]]


# Pages ----------------------------------------------------------------------------------


@signed_in
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "organizations/home.html",
        {
            "summary": selectors.scope_summary(user=request.user),
            "roots": list(selectors.region_scope_roots(user=request.user)),
        },
    )


@signed_in
def region_list(request: HttpRequest) -> HttpResponse:
    return render(request, "organizations/region_list.html", {"roots": selectors.region_scope_roots(user=request.user)})


@signed_in
def region_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    region = get_in_scope(Region.objects.all(), user, pk=pk)
    organizations, more_organizations = _first_rows(
        selectors.organization_list(user=user)
        .filter(region=region)
        .order_by("federation__sort_order", "federation_id", "path")
    )
    host_units, more_host_units = _first_rows(selectors.host_unit_list(user=user).filter(region=region))
    return render(
        request,
        "organizations/region_detail.html",
        {
            "region": region,
            "breadcrumb": _breadcrumb(user, region),
            "children": selectors.region_list(user=user, parent=region),
            "organizations": organizations,
            "more_organizations": more_organizations,
            "host_units": host_units,
            "more_host_units": more_host_units,
        },
    )


@signed_in
def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationFilterForm(request.GET, user=request.user)
    filters = cleaned_filters(form)
    organizations = selectors.organization_list(
        user=request.user,
        federation=filters.get("federation"),
        region=filters.get("region"),
        level=filters.get("level"),
        search=filters.get("q", ""),
    )
    return render_results(
        request,
        page_template="organizations/organization_list.html",
        results_template="organizations/_organization_results.html",
        target="organization-results",
        context={"form": form, **paginate(request, organizations)},
    )


@signed_in
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    organization = get_in_scope(
        Organization.objects.select_related("federation", "region", "parent__region", "host_unit__region"),
        user,
        pk=pk,
    )
    scope = scope_for(user)
    children, more_children = _first_rows(selectors.organization_list(user=user, parent=organization))
    return render(
        request,
        "organizations/organization_detail.html",
        {
            "organization": organization,
            "breadcrumb": _breadcrumb(user, organization.region),
            "parent_visible": organization.parent is not None and scope.covers_organization(organization.parent),
            "host_unit_visible": organization.host_unit is not None
            and scope.covers_region(organization.host_unit.region),
            "children": children,
            "more_children": more_children,
        },
    )


@signed_in
def host_unit_list(request: HttpRequest) -> HttpResponse:
    form = HostUnitFilterForm(request.GET, user=request.user)
    filters = cleaned_filters(form)
    host_units = selectors.host_unit_list(
        user=request.user, region=filters.get("region"), kind=filters.get("kind"), search=filters.get("q", "")
    )
    return render_results(
        request,
        page_template="organizations/host_unit_list.html",
        results_template="organizations/_host_unit_results.html",
        target="host-unit-results",
        context={"form": form, **paginate(request, host_units)},
    )


@signed_in
def host_unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    host_unit = get_in_scope(HostUnit.objects.select_related("region"), user, pk=pk)
    organizations, more_organizations = _first_rows(selectors.organization_list(user=user).filter(host_unit=host_unit))
    return render(
        request,
        "organizations/host_unit_detail.html",
        {
            "host_unit": host_unit,
            "breadcrumb": _breadcrumb(user, host_unit.region),
            "organizations": organizations,
            "more_organizations": more_organizations,
        },
    )
