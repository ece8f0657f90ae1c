"""The staff pages of 组织共建, through HTTP: who sees what, search, htmx partials, query counts."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.organizations import urls as organization_urls
from apps.organizations.models import HostUnit, HostUnitKind, Organization, Region
from apps.organizations.scoping import scoped
from tests.factories import GrassrootsUnitFactory, HostUnitFactory, region, unit

HTMX = {"HX-Request": "true", "HX-Target": "organization-results"}


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _org_url(organization: Organization) -> str:
    return reverse("web-organization-detail", args=[organization.pk])


@pytest.fixture
def staff_client(client, county_staff):
    client.force_login(county_staff)
    return client


@pytest.fixture
def two_counties(chengdong_union, chengzhong_union):
    """A host unit with a grassroots union in each of 城东区 and 城中区."""
    here = GrassrootsUnitFactory(name="东川工业园区联合工会", host_unit=HostUnitFactory(name="东川工业园区"))
    there = GrassrootsUnitFactory(
        name="南川工业园区联合工会", host_unit=HostUnitFactory(name="南川工业园区", region=region("630103"))
    )
    return here, there


# Access ---------------------------------------------------------------------------------


def _every_page_url() -> list[str]:
    urls = []
    for pattern in organization_urls.urlpatterns:
        kwargs = {"pk": 1} if "pk" in pattern.pattern.converters else {}
        urls.append(reverse(pattern.name, kwargs=kwargs))
    return urls


def test_every_page_declares_who_may_use_it():
    undeclared = [p.name for p in organization_urls.urlpatterns if getattr(p.callback, "access", None) is None]
    assert undeclared == []


@pytest.mark.parametrize("url", _every_page_url())
def test_it_sends_an_anonymous_visitor_to_the_login_page(client, url, qinghai):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_the_login_page_renders_in_chinese(client, qinghai):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    text = _text(response)
    assert '<html lang="zh-CN">' in text
    assert "登录群智" in text and 'name="csrfmiddlewaretoken"' in text


def test_a_staff_member_logs_in_with_a_real_post_and_lands_on_the_home_page(client, county_staff):
    response = client.post(
        reverse("accounts:login"), {"username": "chengdong_staff", "password": "pass-for-tests-42"}, follow=True
    )
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert int(client.session[SESSION_KEY]) == county_staff.pk
    assert "县级群团服务中心工作人员" in _text(response)


def test_it_refuses_a_wrong_password_and_says_why(client, county_staff):
    response = client.post(reverse("accounts:login"), {"username": "chengdong_staff", "password": "wrong-password-1"})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    errors = response.context["form"].non_field_errors()
    assert errors
    assert errors[0] in _text(response)


def test_logging_out_takes_a_post_and_ends_the_session(staff_client):
    assert 'action="/accounts/logout/"' in _text(staff_client.get(reverse("home")))
    response = staff_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in staff_client.session
    assert staff_client.get(reverse("home")).status_code == 302


# Layout ---------------------------------------------------------------------------------


def test_the_layout_links_every_common(staff_client):
    text = _text(staff_client.get(reverse("home")))
    assert '<a class="nav-link active" aria-current="true" href="/">组织共建</a>' in text
    assert f'<a class="nav-link" href="{reverse("web-venue-list")}">阵地共用</a>' in text
    assert f'<a class="nav-link" href="{reverse("web-center-list")}">资源共享</a>' in text
    assert f'<a class="nav-link" href="{reverse("web-activity-list")}">活动共办</a>' in text
    assert f'<a class="nav-link" href="{reverse("web-project-list")}">服务共融</a>' in text
    assert f'<a class="nav-link" href="{reverse("web-course-list")}">人才共育</a>' in text
    assert "尚未开通" not in text


def test_the_layout_loads_only_vendored_assets(staff_client):
    text = _text(staff_client.get(reverse("home")))
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in text
    assert "/static/vendor/htmx/htmx.min.js" in text
    assert "//cdn" not in text and "https://" not in text


def test_the_admin_link_is_offered_to_staff_accounts_only(staff_client, county_staff):
    county_staff.is_staff = False
    county_staff.save(update_fields=["is_staff"])
    assert reverse("admin:index") not in _text(staff_client.get(reverse("home")))
    county_staff.is_staff = True
    county_staff.save(update_fields=["is_staff"])
    text = _text(staff_client.get(reverse("home")))
    assert reverse("admin:index") in text and reverse("api-docs") in text


# Home -----------------------------------------------------------------------------------


def test_the_home_page_shows_the_role_and_the_counts_of_the_scope(staff_client, county_staff, two_counties):
    response = staff_client.get(reverse("home"))
    text = _text(response)
    assert "县级群团服务中心工作人员" in text and "青海省西宁市城东区" in text
    regions = scoped(Region.objects.all(), county_staff).count()
    organizations = scoped(Organization.objects.all(), county_staff).count()
    host_units = scoped(HostUnit.objects.all(), county_staff).count()
    # The counts are the county's own: 城东区 and its streets, its union and the park's union, one park.
    assert (organizations, host_units) == (2, 1)
    assert regions == Region.objects.filter(path__startswith=region("630102").path).count()
    assert f'id="region-count">{regions}<' in text
    assert f'id="organization-count">{organizations}<' in text
    assert f'id="host-unit-count">{host_units}<' in text
    assert reverse("web-region-detail", args=[region("630102").pk]) in text


def test_a_user_without_a_role_is_told_they_have_no_staff_role(client, mobile_user):
    client.force_login(mobile_user)
    text = _text(client.get(reverse("home")))
    assert "您的账号没有工作人员角色" in text
    assert 'id="organization-count"' not in text


# Organizations --------------------------------------------------------------------------


def test_county_staff_see_their_county_organizations_and_not_another_county(staff_client, two_counties):
    text = _text(staff_client.get(reverse("web-organization-list")))
    assert "西宁市城东区总工会" in text and "东川工业园区联合工会" in text
    assert "西宁市城中区总工会" not in text and "南川工业园区联合工会" not in text
    assert "西宁市总工会</a>" not in text  # the parent above the county is out of scope


def test_the_search_finds_organizations_by_name_within_the_scope_only(staff_client, two_counties):
    text = _text(staff_client.get(reverse("web-organization-list"), {"q": "总工会"}))
    assert "西宁市城东区总工会" in text
    assert "东川工业园区联合工会" not in text
    assert "西宁市城中区总工会" not in text
    assert 'value="总工会"' in text


def test_the_htmx_search_returns_only_the_results_table(staff_client, two_counties):
    response = staff_client.get(reverse("web-organization-list"), {"q": "工业园区"}, headers=HTMX)
    text = _text(response)
    assert "<html" not in text and "<form" not in text
    assert 'id="organization-table"' in text
    assert "东川工业园区联合工会</a>" in text and "西宁市城东区总工会</a>" not in text
    assert "南川工业园区联合工会" not in text
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(staff_client, two_counties):
    response = staff_client.get(
        reverse("web-organization-list"), {"q": "工业园区"}, headers={**HTMX, "HX-History-Restore-Request": "true"}
    )
    assert '<html lang="zh-CN">' in _text(response)


def test_the_organization_list_filters_by_federation_level_and_region_subtree(staff_client, two_counties):
    women = unit("630102", "women")
    street = region("630102001000")
    street_unit = GrassrootsUnitFactory(name="东关大街商户联合工会", host_unit=HostUnitFactory(region=street))
    url = reverse("web-organization-list")

    text = _text(staff_client.get(url, {"federation": women.federation_id}))
    assert f"{women.name}</a>" in text and "西宁市城东区总工会</a>" not in text

    text = _text(staff_client.get(url, {"level": "grassroots"}))
    assert "东川工业园区联合工会</a>" in text and f"{street_unit.name}</a>" in text
    assert "西宁市城东区总工会</a>" not in text

    text = _text(staff_client.get(url, {"region": street.pk}))
    assert f"{street_unit.name}</a>" in text
    assert "东川工业园区联合工会</a>" not in text and f"{women.name}</a>" not in text


def test_a_region_filter_outside_the_scope_is_refused_and_leaks_nothing(staff_client, two_counties):
    response = staff_client.get(reverse("web-organization-list"), {"region": region("630103").pk})
    text = _text(response)
    assert response.status_code == 200
    assert response.context["form"].errors["region"]
    assert "南川工业园区联合工会" not in text and "城中区" not in text
    # The refused filter is dropped; the user still sees their own rows.
    assert "西宁市城东区总工会" in text


def test_the_organization_list_pages_by_fifty(staff_client, chengdong_union):
    host_unit = HostUnitFactory()
    for number in range(60):
        GrassrootsUnitFactory(name=f"分页测试{number:02d}号工会", host_unit=host_unit)
    first = _text(staff_client.get(reverse("web-organization-list")))
    second = _text(staff_client.get(reverse("web-organization-list"), {"page": 2}))
    assert "共 61 个组织，第 1/2 页" in first
    # Tree order: the county union first, then its 60 grassroots unions.
    assert "西宁市城东区总工会" in first and first.count("分页测试") == 49
    assert 'href="?page=2"' in first
    assert second.count("分页测试") == 11 and "分页测试49号工会" in second


def test_the_organization_page_shows_its_facts_and_links_only_within_the_scope(staff_client, two_counties):
    grassroots, _ = two_counties
    county_union = grassroots.parent
    text = _text(staff_client.get(_org_url(county_union)))
    assert county_union.federation.full_name in text
    assert "县级" in text
    assert f'href="{_org_url(grassroots)}">东川工业园区联合工会</a>' in text
    # Its parent, 西宁市总工会, is outside the county: named, not linked.
    assert "西宁市总工会" in text and f'href="{_org_url(county_union.parent)}"' not in text
    # The breadcrumb links the county but not the city or the province above it.
    assert f'href="{reverse("web-region-detail", args=[region("630102").pk])}">城东区</a>' in text
    assert f'href="{reverse("web-region-detail", args=[region("630100").pk])}"' not in text

    text = _text(staff_client.get(_org_url(grassroots)))
    assert f'href="{reverse("web-host-unit-detail", args=[grassroots.host_unit_id])}">东川工业园区</a>' in text
    assert f'href="{_org_url(county_union)}">西宁市城东区总工会</a>' in text


def test_pages_outside_the_scope_answer_404(staff_client, two_counties):
    here, there = two_counties
    own_pages = [
        _org_url(here.parent),
        reverse("web-region-detail", args=[region("630102").pk]),
        reverse("web-host-unit-detail", args=[here.host_unit_id]),
    ]
    foreign_pages = [
        _org_url(there.parent),
        reverse("web-region-detail", args=[region("630103").pk]),
        reverse("web-host-unit-detail", args=[there.host_unit_id]),
        _org_url(Organization.objects.get(name="西宁市总工会")),
        reverse("web-region-detail", args=[region("630100").pk]),
        _org_url(Organization(pk=10**9)),
    ]
    assert [staff_client.get(url).status_code for url in own_pages] == [200, 200, 200]
    responses = [staff_client.get(url) for url in foreign_pages]
    assert [response.status_code for response in responses] == [404] * 6
    # The same Chinese page for a row that does not exist and one that is someone else's.
    assert len({_text(response).split("<main")[1] for response in responses}) == 1
    assert "页面不存在" in _text(responses[0])


# Regions --------------------------------------------------------------------------------


def test_the_region_list_starts_at_the_top_of_each_scope(staff_client, client, province_admin):
    text = _text(staff_client.get(reverse("web-region-list")))
    assert f'href="{reverse("web-region-detail", args=[region("630102").pk])}"' in text
    for below_or_above in ("630102001000", "630100", "630000"):
        assert reverse("web-region-detail", args=[region(below_or_above).pk]) not in text

    client.force_login(province_admin)
    text = _text(client.get(reverse("web-region-list")))
    assert f'href="{reverse("web-region-detail", args=[region("630000").pk])}"' in text
    assert reverse("web-region-detail", args=[region("630100").pk]) not in text


def test_the_region_page_shows_breadcrumb_children_organizations_and_host_units(staff_client, two_counties):
    women = unit("630102", "women")
    county = region("630102")
    text = _text(staff_client.get(reverse("web-region-detail", args=[county.pk])))
    # Ancestors outside the scope are plain text.
    assert '<li class="breadcrumb-item text-body-secondary">青海省</li>' in text
    assert '<li class="breadcrumb-item text-body-secondary">西宁市</li>' in text
    assert f'href="{reverse("web-region-detail", args=[region("630102001000").pk])}">东关大街街道</a>' in text
    # Organizations at this region, grouped under their federation.
    union_group = text.index(">工会</h3>")
    women_group = text.index(">妇联</h3>")
    assert union_group < text.index("西宁市城东区总工会") < women_group < text.index(women.name)
    assert "东川工业园区联合工会" in text and "东川工业园区</a>" in text
    assert "南川工业园区" not in text

    street = region("630102001000")
    text = _text(staff_client.get(reverse("web-region-detail", args=[street.pk])))
    assert f'<a href="{reverse("web-region-detail", args=[county.pk])}">城东区</a>' in text


def test_host_units_list_searches_and_filters_by_kind_within_the_scope(staff_client, two_counties):
    HostUnitFactory(name="城东电商产业园", kind=HostUnitKind.INDUSTRIAL_PARK)
    url = reverse("web-host-unit-list")
    text = _text(staff_client.get(url))
    assert "东川工业园区" in text and "城东电商产业园" in text and "南川工业园区" not in text

    text = _text(staff_client.get(url, {"q": "电商"}))
    assert "城东电商产业园" in text and "东川工业园区" not in text

    text = _text(staff_client.get(url, {"kind": HostUnitKind.INDUSTRIAL_PARK}))
    assert "城东电商产业园" in text and "东川工业园区" not in text

    response = staff_client.get(url, {"q": "电商"}, headers={"HX-Request": "true", "HX-Target": "host-unit-results"})
    assert "<html" not in _text(response) and "城东电商产业园" in _text(response)


def test_the_host_unit_page_lists_the_organizations_set_up_in_it(staff_client, two_counties):
    here, _ = two_counties
    women = GrassrootsUnitFactory(name="东川工业园区妇女联合会", host_unit=here.host_unit, federation_code="women")
    text = _text(staff_client.get(reverse("web-host-unit-detail", args=[here.host_unit_id])))
    assert f'href="{_org_url(here)}">东川工业园区联合工会</a>' in text
    assert f'href="{_org_url(women)}">东川工业园区妇女联合会</a>' in text
    assert "企业" in text


# Query counts ---------------------------------------------------------------------------


def _grow_scope(count: int) -> None:
    """`count` grassroots unions in 城东区, and a few outside the scope in 城中区 and 城西区."""
    inside = HostUnitFactory(region=region("630102"))
    for _ in range(count):
        GrassrootsUnitFactory(host_unit=inside)
    for code in ("630103", "630104"):
        GrassrootsUnitFactory(host_unit=HostUnitFactory(region=region(code)))


def _in_scope(user) -> int:
    return scoped(Organization.objects.all(), user).count()


# session, user, scope, count, page rows
RESULTS_QUERIES = 5
# + the federation and region choices of the filter form around the results
PAGE_QUERIES = RESULTS_QUERIES + 2
# + validating the federation and the region filters
FILTER_QUERIES = 2


@pytest.mark.parametrize(
    ("filters", "headers", "queries"),
    [
        ({}, {}, PAGE_QUERIES),
        ({"q": "工会"}, HTMX, RESULTS_QUERIES),
        (
            {"q": "测试", "level": "grassroots", "federation": "union", "region": "630102"},
            {},
            PAGE_QUERIES + FILTER_QUERIES,
        ),
        (
            {"q": "测试", "level": "grassroots", "federation": "union", "region": "630102"},
            HTMX,
            RESULTS_QUERIES + FILTER_QUERIES,
        ),
    ],
    ids=["page", "htmx-search", "page-all-filters", "htmx-all-filters"],
)
def test_the_organization_list_costs_the_same_queries_for_10_or_100_organizations(
    staff_client, county_staff, chengdong_union, django_assert_num_queries, filters, headers, queries
):
    params = dict(filters)
    if "federation" in params:
        params["federation"] = chengdong_union.federation_id
        params["region"] = region(params["region"]).pk
    url = reverse("web-organization-list")

    _grow_scope(9)
    assert _in_scope(county_staff) == 10
    with django_assert_num_queries(queries):
        response = staff_client.get(url, params, headers=headers)
    assert "测试企业" in _text(response)

    _grow_scope(90)
    assert _in_scope(county_staff) == 100
    with django_assert_num_queries(queries):
        response = staff_client.get(url, params, headers=headers)
    assert "第 1/2 页" in _text(response)
    assert ("<html" in _text(response)) is not bool(headers)


def test_the_other_pages_cost_the_same_queries_for_10_or_100_organizations(staff_client, chengdong_union):
    urls = [
        reverse("home"),
        reverse("web-region-list"),
        reverse("web-region-detail", args=[region("630102").pk]),
        reverse("web-organization-detail", args=[chengdong_union.pk]),
        reverse("web-host-unit-list"),
        reverse("web-host-unit-list") + "?q=测试&kind=enterprise&region=" + str(region("630102").pk),
    ]

    def capture() -> dict[str, list[str]]:
        captured = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert staff_client.get(url).status_code == 200
            captured[url] = [query["sql"] for query in queries.captured_queries]
        return captured

    _grow_scope(9)
    with_ten = capture()
    _grow_scope(90)
    with_hundred = capture()
    for url in urls:
        assert len(with_hundred[url]) == len(with_ten[url]), f"{url}:\n" + "\n".join(with_hundred[url])
