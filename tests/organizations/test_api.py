"""/api/v1/ for the tree, through the HTTP door: auth, scope, writes via services, errors, cost."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.core.api import ScopedViewSet
from apps.core.exceptions import CONFLICT_PROTECTED
from apps.organizations import services
from apps.organizations.models import HostUnit, Organization
from qunzhi.api_urls import router
from tests.factories import GrassrootsUnitFactory, HostUnitFactory, federation, region, unit

PASSWORD = "pass-for-tests-42"  # tests.factories.UserFactory
VALID_CREDIT_CODE = "91630102MA7XQ1234F"
WRONG_CHECK_DIGIT = "91630102MA7XQ1234A"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def bearer_client(user) -> APIClient:
    """A client that signs every request with a real access token, as the mobile app does."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def all_pages(client: APIClient, url: str, params: dict | None = None) -> list[dict]:
    rows, response = [], client.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        if not body["next"]:
            return rows
        response = client.get(body["next"])


# Authentication -------------------------------------------------------------------------


def test_a_real_password_gets_a_token_pair_that_opens_the_api_and_refreshes(county_staff, chengdong_union):
    client = APIClient()
    tokens = client.post("/api/v1/auth/token/", {"username": "chengdong_staff", "password": PASSWORD})
    assert tokens.status_code == 200, tokens.content
    assert set(tokens.json()) == {"access", "refresh"}

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    assert chengdong_union.pk in ids(client.get("/api/v1/organizations/"))

    refreshed = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": tokens.json()["refresh"]})
    assert refreshed.status_code == 200, refreshed.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    assert chengdong_union.pk in ids(client.get("/api/v1/organizations/"))


def test_a_wrong_password_gets_401(county_staff):
    response = APIClient().post("/api/v1/auth/token/", {"username": "chengdong_staff", "password": "not-it-at-all"})
    assert response.status_code == 401
    assert "access" not in response.json()


@pytest.mark.parametrize("url", ["/api/v1/organizations/", "/api/v1/regions/", "/api/v1/deletions/"])
def test_no_credentials_get_401_with_a_bearer_challenge_not_403(url, qinghai):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_forged_token_gets_401(county_staff):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    assert client.get("/api/v1/organizations/").status_code == 401


def test_every_viewset_reads_through_a_scoped_selector():
    # Deny by default: a viewset that set `queryset` instead would serve every row.
    for prefix, viewset, _ in router.registry:
        assert issubclass(viewset, ScopedViewSet), prefix
        assert viewset.selector is not None, prefix
        assert getattr(viewset, "queryset", None) is None, prefix


# Scope ----------------------------------------------------------------------------------


@pytest.fixture
def two_counties(chengdong_union, chengzhong_union):
    """A county union, a host unit and a grassroots union on each side of the 城东/城中 line."""
    mine_host, theirs_host = HostUnitFactory(region=region("630102")), HostUnitFactory(region=region("630103"))
    mine = GrassrootsUnitFactory(host_unit=mine_host)
    theirs = GrassrootsUnitFactory(host_unit=theirs_host)
    return {"mine": (chengdong_union, mine_host, mine), "theirs": (chengzhong_union, theirs_host, theirs)}


def test_county_staff_lists_never_include_chengzhong_rows(county_staff, two_counties):
    client = client_for(county_staff)
    chengdong_union, mine_host, mine = two_counties["mine"]
    chengzhong_union, theirs_host, theirs = two_counties["theirs"]

    organizations = {row["id"] for row in all_pages(client, "/api/v1/organizations/")}
    assert {chengdong_union.pk, mine.pk} <= organizations
    assert not organizations & {chengzhong_union.pk, theirs.pk}
    assert organizations == set(
        Organization.objects.filter(region__code__startswith="630102").values_list("pk", flat=True)
    )

    host_units = {row["id"] for row in all_pages(client, "/api/v1/host-units/")}
    assert mine_host.pk in host_units and theirs_host.pk not in host_units

    codes = {row["code"] for row in all_pages(client, "/api/v1/regions/")}
    assert "630102" in codes and "630102001000" in codes
    assert all(code.startswith("630102") for code in codes)


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize("resource", ["organizations", "host-units"])
def test_chengzhong_rows_are_404_for_county_staff_whatever_the_method(method, resource, county_staff, two_counties):
    _, theirs_host, theirs = two_counties["theirs"]
    row = theirs if resource == "organizations" else theirs_host
    before = type(row).objects.filter(pk=row.pk).values().get()

    client = client_for(county_staff)

    response = getattr(client, method)(f"/api/v1/{resource}/{row.pk}/", {"name": "改名"}, format="json")

    assert response.status_code == 404
    assert type(row).objects.filter(pk=row.pk).values().get() == before
    # Word for word what a missing id gets: nothing tells that the row exists.
    missing = getattr(client, method)(f"/api/v1/{resource}/{10**9}/", {"name": "改名"}, format="json")
    assert response.json() == missing.json() == {"detail": "未找到。"}


def test_a_text_id_in_the_path_is_404_not_500(county_staff):
    assert client_for(county_staff).get("/api/v1/organizations/abc/").status_code == 404


@pytest.mark.parametrize("field", ["region", "parent"])
def test_county_staff_cannot_point_a_new_organization_at_chengzhong(field, county_staff, two_counties):
    chengdong_union, _, _ = two_counties["mine"]
    chengzhong_union, _, _ = two_counties["theirs"]
    payload = {"name": "新建的工会", "federation": federation().pk, "region": region("630102").pk}
    payload["parent"] = chengzhong_union.pk if field == "parent" else chengdong_union.pk
    if field == "region":
        payload["region"] = region("630103").pk
    count = Organization.objects.count()

    response = client_for(county_staff).post("/api/v1/organizations/", payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Organization.objects.count() == count


def test_a_user_without_roles_gets_403_on_create(mobile_user, chengdong_union):
    client = client_for(mobile_user)
    organization = {
        "name": "新建的工会",
        "federation": federation().pk,
        "region": region("630102").pk,
        "parent": chengdong_union.pk,
    }
    assert client.post("/api/v1/organizations/", organization, format="json").status_code == 403
    host_unit = {"name": "某企业", "kind": "enterprise", "region": region("630102").pk}
    assert client.post("/api/v1/host-units/", host_unit, format="json").status_code == 403
    assert not HostUnit.objects.filter(name="某企业").exists()


def test_a_user_without_roles_sees_federations_but_no_scoped_rows(mobile_user, chengdong_union):
    client = client_for(mobile_user)
    assert {row["code"] for row in client.get("/api/v1/federations/").json()["results"]} >= {"union", "women"}
    assert ids(client.get("/api/v1/organizations/")) == set()
    assert ids(client.get("/api/v1/regions/")) == set()
    assert client.get(f"/api/v1/organizations/{chengdong_union.pk}/").status_code == 404


def test_a_missing_permission_is_403_in_scope_and_404_outside(county_staff, two_counties):
    # 县级工作人员 may add and change organizations, not delete them.
    _, _, mine = two_counties["mine"]
    _, _, theirs = two_counties["theirs"]
    client = client_for(county_staff)
    assert client.delete(f"/api/v1/organizations/{mine.pk}/").status_code == 403
    assert client.delete(f"/api/v1/organizations/{theirs.pk}/").status_code == 404
    assert Organization.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2


def test_a_filter_pointing_outside_the_scope_is_refused_like_a_missing_id(county_staff, two_counties):
    client = client_for(county_staff)
    outside = client.get("/api/v1/organizations/", {"region": region("630103").pk})
    missing = client.get("/api/v1/organizations/", {"region": 10**9})
    assert outside.status_code == missing.status_code == 400
    assert list(outside.json()) == list(missing.json()) == ["region"]


# Filters, search, ordering -----------------------------------------------------------------


def test_the_region_filter_covers_the_whole_subtree(province_admin, two_counties):
    haidong = unit("630200")
    client = client_for(province_admin)
    xining = ids(client.get("/api/v1/organizations/", {"region": region("630100").pk, "page_size": 200}))
    chengdong_union, _, mine = two_counties["mine"]
    chengzhong_union, _, theirs = two_counties["theirs"]
    assert {chengdong_union.pk, mine.pk, chengzhong_union.pk, theirs.pk} <= xining
    assert Organization.objects.get(name="西宁市总工会").pk in xining
    assert haidong.pk not in xining and haidong.parent_id not in xining


def test_organizations_filter_by_federation_parent_level_and_name(province_admin, chengdong_union):
    women = unit("630102", "women")
    client = client_for(province_admin)
    assert ids(client.get("/api/v1/organizations/", {"federation": federation("women").pk})) == set(
        Organization.objects.filter(federation__code="women").values_list("pk", flat=True)
    )
    assert ids(client.get("/api/v1/organizations/", {"parent": chengdong_union.parent_id})) == {chengdong_union.pk}
    county_level = ids(client.get("/api/v1/organizations/", {"level": "county"}))
    assert county_level == {chengdong_union.pk, women.pk}
    assert ids(client.get("/api/v1/organizations/", {"search": "城东区妇女"})) == {women.pk}


def test_regions_filter_by_parent_and_level_and_list_children(county_staff):
    client = client_for(county_staff)
    chengdong = region("630102")
    by_parent = client.get("/api/v1/regions/", {"parent": chengdong.pk, "page_size": 200})
    children = client.get(f"/api/v1/regions/{chengdong.pk}/children/", {"page_size": 200})
    expected = set(chengdong.children.values_list("pk", flat=True))
    assert len(expected) == 10
    assert ids(by_parent) == ids(children) == expected
    assert ids(client.get("/api/v1/regions/", {"level": "county"})) == {chengdong.pk}
    assert ids(client.get("/api/v1/regions/", {"search": "乐家湾"})) == {region("630102100000").pk}
    assert client.get(f"/api/v1/regions/{region('630103').pk}/children/").status_code == 404


def test_a_region_reads_with_its_contract_fields(county_staff):
    chengdong = region("630102")
    body = client_for(county_staff).get(f"/api/v1/regions/{chengdong.pk}/").json()
    assert {k: body[k] for k in ("id", "code", "name", "level", "parent")} == {
        "id": chengdong.pk,
        "code": "630102",
        "name": "城东区",
        "level": "county",
        "parent": chengdong.parent_id,
    }
    assert body["updated_at"].endswith("+08:00")


def test_host_units_filter_by_region_subtree_and_kind_and_search_by_credit_code(county_staff, qinghai):
    in_town = HostUnitFactory(region=region("630102100000"), kind="industrial_park")
    at_county = HostUnitFactory(region=region("630102"), credit_code=VALID_CREDIT_CODE)
    client = client_for(county_staff)
    assert ids(client.get("/api/v1/host-units/", {"region": region("630102").pk})) == {in_town.pk, at_county.pk}
    assert ids(client.get("/api/v1/host-units/", {"region": region("630102100000").pk})) == {in_town.pk}
    assert ids(client.get("/api/v1/host-units/", {"kind": "industrial_park"})) == {in_town.pk}
    assert ids(client.get("/api/v1/host-units/", {"search": VALID_CREDIT_CODE})) == {at_county.pk}


def test_ordering_by_name_descending(county_staff, qinghai):
    for name in ("乙企业", "甲企业", "丙企业"):
        HostUnitFactory(name=name)
    names = [
        row["name"] for row in client_for(county_staff).get("/api/v1/host-units/?ordering=-name").json()["results"]
    ]
    assert names == sorted(names, reverse=True) and len(names) == 3


# Organization writes --------------------------------------------------------------------


def township_payload(parent: Organization, /, **overrides) -> dict:
    return {
        "name": "西宁市城东区乐家湾镇总工会",
        "federation": parent.federation_id,
        "region": region("630102100000").pk,
        "parent": parent.pk,
        **overrides,
    }


def test_it_creates_an_organization_under_its_parent_at_the_level_of_its_region(county_staff, chengdong_union):
    response = client_for(county_staff).post("/api/v1/organizations/", township_payload(chengdong_union), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    created = Organization.objects.get(pk=body["id"])
    assert body["parent"] == chengdong_union.pk and body["level"] == "township"
    assert body["federation"] == chengdong_union.federation_id and body["host_unit"] is None
    assert created.path.startswith(chengdong_union.path) and created.depth == chengdong_union.depth + 1


def test_a_duplicate_name_in_the_same_region_and_federation_is_a_409_naming_the_clash(county_staff, chengdong_union):
    client = client_for(county_staff)
    first = client.post("/api/v1/organizations/", township_payload(chengdong_union), format="json")
    assert first.status_code == 201

    again = client.post("/api/v1/organizations/", township_payload(chengdong_union), format="json")

    assert again.status_code == 409
    assert again.json() == {
        "detail": services.ORG_NAME_TAKEN.format(federation="工会", name="西宁市城东区乐家湾镇总工会"),
        "conflicts": [first.json()["id"]],
    }
    assert Organization.objects.filter(name="西宁市城东区乐家湾镇总工会").count() == 1


def test_a_parent_of_another_federation_is_refused_on_parent(county_staff, chengdong_union):
    payload = township_payload(
        chengdong_union, name="西宁市城东区乐家湾镇妇女联合会", federation=federation("women").pk
    )

    response = client_for(county_staff).post("/api/v1/organizations/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == {"parent": [services.ORG_PARENT_FEDERATION]}
    assert not Organization.objects.filter(name=payload["name"]).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"federation": 999_999}, "federation"),
        ({"federation": "工会"}, "federation"),
        ({"region": "abc"}, "region"),
        ({"region": 10**30}, "region"),
        ({"parent": {"id": 1}}, "parent"),
        ({"host_unit": True}, "host_unit"),
    ],
)
def test_bad_input_is_a_400_on_the_field_never_a_500(overrides, field, county_staff, chengdong_union):
    payload = {k: v for k, v in township_payload(chengdong_union, **overrides).items() if v is not None}

    response = client_for(county_staff).post("/api/v1/organizations/", payload, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert re.search(r"[\u4e00-\u9fff]", response.json()[field][0]), "messages are Chinese"


def test_malformed_json_is_a_400(county_staff):
    response = client_for(county_staff).post(
        "/api/v1/organizations/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_a_put_may_keep_a_parent_the_user_cannot_see(county_staff, chengdong_union):
    # 西宁市总工会 lies outside 城东区, yet 城东区总工会 keeps it as its parent.
    client = client_for(county_staff)
    body = client.get(f"/api/v1/organizations/{chengdong_union.pk}/").json()

    response = client.put(
        f"/api/v1/organizations/{chengdong_union.pk}/", {**body, "name": "城东区总工会（新）"}, format="json"
    )

    assert response.status_code == 200, response.content
    chengdong_union.refresh_from_db()
    assert chengdong_union.name == "城东区总工会（新）" and response.json()["parent"] == chengdong_union.parent_id


def test_a_patch_cannot_move_an_organization_under_a_parent_outside_the_scope(county_staff, two_counties):
    _, _, mine = two_counties["mine"]
    chengzhong_union, _, _ = two_counties["theirs"]
    parent_before = mine.parent_id

    response = client_for(county_staff).patch(f"/api/v1/organizations/{mine.pk}/", {"parent": chengzhong_union.pk})

    assert response.status_code == 400 and list(response.json()) == ["parent"]
    mine.refresh_from_db()
    assert mine.parent_id == parent_before


def test_a_patch_moves_a_unit_with_its_subtree_through_the_service(county_staff, chengdong_union):
    client = client_for(county_staff)
    township = client.post("/api/v1/organizations/", township_payload(chengdong_union), format="json").json()
    host_unit = HostUnitFactory(region=region("630102100000"))
    grassroots = services.organization_create(
        name="某企业工会",
        federation=chengdong_union.federation,
        region=host_unit.region,
        parent=chengdong_union,
        host_unit=host_unit,
    )

    response = client.patch(f"/api/v1/organizations/{grassroots.pk}/", {"parent": township["id"]}, format="json")

    assert response.status_code == 200, response.content
    grassroots.refresh_from_db()
    assert grassroots.parent_id == township["id"]
    assert grassroots.path.startswith(Organization.objects.get(pk=township["id"]).path)
    assert response.json()["level"] == "grassroots"


def test_province_admin_deletes_a_leaf_organization_and_a_unit_with_children_is_a_409(province_admin, chengdong_union):
    client = client_for(province_admin)
    leaf = GrassrootsUnitFactory()

    assert client.delete(f"/api/v1/organizations/{leaf.pk}/").status_code == 204
    assert not Organization.objects.filter(pk=leaf.pk).exists()

    with_children = chengdong_union.parent
    response = client.delete(f"/api/v1/organizations/{with_children.pk}/")
    assert response.status_code == 409
    assert response.json() == {"detail": services.ORG_HAS_CHILDREN, "conflicts": [chengdong_union.pk]}


# Host unit writes ------------------------------------------------------------------------


def host_unit_payload(**overrides) -> dict:
    return {"name": "青海某某科技有限公司", "kind": "enterprise", "region": region("630102").pk, **overrides}


def test_it_creates_a_host_unit_with_a_normalized_credit_code(county_staff):
    payload = host_unit_payload(credit_code=VALID_CREDIT_CODE.lower(), head_count=35)

    response = client_for(county_staff).post("/api/v1/host-units/", payload, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["credit_code"] == VALID_CREDIT_CODE
    assert HostUnit.objects.get(pk=response.json()["id"]).head_count == 35


def test_an_invalid_credit_code_is_a_400_on_credit_code(county_staff):
    response = client_for(county_staff).post(
        "/api/v1/host-units/", host_unit_payload(credit_code=WRONG_CHECK_DIGIT), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"credit_code": [services.HOST_UNIT_CREDIT_CODE]}
    assert not HostUnit.objects.exists()


def test_a_duplicate_credit_code_is_a_409(county_staff):
    existing = HostUnitFactory(credit_code=VALID_CREDIT_CODE, name="先登记的企业")

    response = client_for(county_staff).post(
        "/api/v1/host-units/", host_unit_payload(credit_code=VALID_CREDIT_CODE), format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": services.HOST_UNIT_CREDIT_CODE_TAKEN.format(name="先登记的企业"),
        "conflicts": [existing.pk],
    }
    assert HostUnit.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"head_count": "many"}, "head_count"),
        ({"head_count": -1}, "head_count"),
        ({"kind": "factory"}, "kind"),
        ({"region": "630102"}, "region"),
    ],
)
def test_bad_host_unit_input_is_a_400(overrides, field, county_staff):
    response = client_for(county_staff).post("/api/v1/host-units/", host_unit_payload(**overrides), format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_county_staff_update_and_delete_their_host_units(county_staff, qinghai):
    host_unit = HostUnitFactory()
    client = client_for(county_staff)

    moved = client.patch(f"/api/v1/host-units/{host_unit.pk}/", {"region": region("630103").pk})
    assert moved.status_code == 400 and list(moved.json()) == ["region"]
    renamed = client.patch(f"/api/v1/host-units/{host_unit.pk}/", {"name": "改名后的企业", "address": "八一路 1 号"})
    assert renamed.status_code == 200, renamed.content
    host_unit.refresh_from_db()
    assert (host_unit.name, host_unit.address, host_unit.region.code) == ("改名后的企业", "八一路 1 号", "630102")

    assert client.delete(f"/api/v1/host-units/{host_unit.pk}/").status_code == 204
    assert not HostUnit.objects.filter(pk=host_unit.pk).exists()


def test_a_host_unit_still_holding_organizations_is_a_409_on_delete(province_admin, chengdong_union):
    grassroots = GrassrootsUnitFactory()

    response = client_for(province_admin).delete(f"/api/v1/host-units/{grassroots.host_unit_id}/")

    assert response.status_code == 409
    assert response.json() == {"detail": CONFLICT_PROTECTED, "conflicts": [grassroots.pk]}
    assert HostUnit.objects.filter(pk=grassroots.host_unit_id).exists()


# Cost -----------------------------------------------------------------------------------


def _queries_for(client: APIClient, url: str, expected_rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == expected_rows
    return len(queries)


@pytest.mark.parametrize("resource", ["organizations", "host-units"])
def test_a_list_costs_the_same_queries_for_10_and_100_rows(resource, county_staff, chengdong_union):
    county_rows = Organization.objects.filter(region__code__startswith="630102").count()
    for _ in range(10):
        GrassrootsUnitFactory()
    url = f"/api/v1/{resource}/?page_size=200"
    expected = 10 + county_rows if resource == "organizations" else 10
    few = _queries_for(bearer_client(county_staff), url, expected)
    for _ in range(90):
        GrassrootsUnitFactory()

    with CaptureQueriesContext(connection) as queries:
        many = _queries_for(bearer_client(county_staff), url, expected + 90)
    assert many == few, "\n".join(query["sql"] for query in queries.captured_queries)
    # Signed-in user, their scope, the page.
    assert few == 3


def test_the_regions_list_costs_the_same_queries_for_10_and_100_rows(province_admin):
    client = bearer_client(province_admin)
    assert _queries_for(client, "/api/v1/regions/?page_size=10", 10) == _queries_for(
        client, "/api/v1/regions/?page_size=100", 100
    )


def test_the_browsable_api_works_for_a_signed_in_browser_and_offers_only_rows_in_scope(county_staff, two_counties):
    client = APIClient()
    client.force_login(county_staff)
    for url in ("/api/v1/", "/api/v1/organizations/", "/api/v1/host-units/", "/api/v1/regions/", "/api/v1/deletions/"):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        # The create forms list the foreign keys a user may pick: none of them in 城中区.
        assert "城中区" not in response.content.decode(), url


# OpenAPI --------------------------------------------------------------------------------


def test_the_schema_describes_the_api_and_its_jwt_scheme(mobile_user):
    assert APIClient().get("/api/schema/", {"format": "json"}).status_code == 401
    response = client_for(mobile_user).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/organizations/", "/api/v1/regions/{id}/children/", "/api/v1/deletions/"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"


def test_the_docs_page_loads_only_local_assets(mobile_user):
    assert APIClient().get("/api/docs/").status_code == 302  # to the login page
    client = APIClient()
    client.force_login(mobile_user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle" in asset for asset in assets)
    assert all(asset.startswith("/static/") for asset in assets), assets
    assert not re.search(r"https?://", html)
    assert '"validatorUrl": null' in html
