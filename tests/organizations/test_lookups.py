"""The search selects' lookups (apps/organizations/lookups.py) and the forms that use them:
scoped answers in constant queries, forms that still refuse what lies outside the scope, and
pages that no longer list every organization of the scope."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.members.models import CadrePost, PostType
from apps.organizations.lookups import LOOKUP_LIMIT
from apps.organizations.models import Region, RegionLevel
from tests.factories import HostUnitFactory, federation, region, unit

pytestmark = pytest.mark.django_db

ORGANIZATIONS = reverse("lookup-organizations")
HOST_UNITS = reverse("lookup-host-units")


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _township_units(count: int, federation_code: str = "women") -> list:
    townships = Region.objects.filter(path__startswith=region("630102").path, level=RegionLevel.TOWNSHIP)
    return [unit(township.code, federation_code) for township in townships.order_by("path")[:count]]


def test_the_organization_lookup_answers_only_the_users_scope(client, county_staff, chengdong_union, chengzhong_union):
    client.force_login(county_staff)
    found = client.get(ORGANIZATIONS, {"q": "总工会"}).json()["results"]
    ids = [row["id"] for row in found]
    assert chengdong_union.pk in ids and chengzhong_union.pk not in ids
    # Parents above the county are outside a county staff member's scope too.
    assert chengdong_union.parent_id not in ids
    row = next(row for row in found if row["id"] == chengdong_union.pk)
    # The group tells same-named units apart: federation and region.
    region_name = chengdong_union.region.full_name or chengdong_union.region.name
    assert row == {
        "id": chengdong_union.pk,
        "label": chengdong_union.name,
        "group": f"{chengdong_union.federation.name} · {region_name}",
    }
    # Another county's organization is never named, whatever is typed.
    assert chengzhong_union.pk not in _ids(client.get(ORGANIZATIONS, {"q": chengzhong_union.name}))


def test_the_organization_lookup_narrows_by_federation_and_leaves_out_one(client, county_staff, chengdong_union):
    women = unit("630102", "women")
    client.force_login(county_staff)
    by_federation = _ids(client.get(ORGANIZATIONS, {"federation": federation("women").pk}))
    assert women.pk in by_federation and chengdong_union.pk not in by_federation
    assert women.pk not in _ids(client.get(ORGANIZATIONS, {"federation": federation("women").pk, "exclude": women.pk}))


def test_the_lookups_refuse_strangers_and_malformed_numbers(client, county_staff, chengdong_union):
    response = client.get(ORGANIZATIONS, {"q": "总工会"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert client.get(HOST_UNITS).status_code == 302
    client.force_login(county_staff)
    response = client.get(ORGANIZATIONS, {"federation": "1 or 1=1"})
    assert response.status_code == 400 and response.json()["field"] == "federation"
    assert response.json()["detail"] == "参数须为整数。"
    assert "no-cache" in client.get(ORGANIZATIONS)["Cache-Control"]


def test_the_lookups_answer_at_most_the_limit_in_the_same_queries_for_few_and_many(client, province_admin):
    client.force_login(province_admin)
    _township_units(2)

    def queries(url) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            answered = len(_ids(client.get(url, {"q": ""})))
        return len(captured), answered

    few = queries(ORGANIZATIONS), queries(HOST_UNITS)
    for code in ("women", "youth_league", "union"):
        _township_units(LOOKUP_LIMIT, code)
    for number in range(LOOKUP_LIMIT + 5):
        HostUnitFactory(name=f"企业{number}")
    many = queries(ORGANIZATIONS), queries(HOST_UNITS)
    assert [count for count, _ in many] == [count for count, _ in few]
    assert [answered for _, answered in many] == [LOOKUP_LIMIT, LOOKUP_LIMIT]


def test_the_host_unit_lookup_answers_only_the_users_scope(client, county_staff):
    ours = HostUnitFactory(name="东川工业园区")
    theirs = HostUnitFactory(name="南川工业园区", region=region("630103"))
    client.force_login(county_staff)
    found = client.get(HOST_UNITS, {"q": "工业园区"}).json()["results"]
    assert [(row["id"], row["label"]) for row in found] == [(ours.pk, "东川工业园区")]
    assert theirs.pk not in _ids(client.get(HOST_UNITS, {"q": "南川"}))


# The forms ------------------------------------------------------------------------------


def _post(**changes) -> dict:
    return {
        "id_number": "",
        "post_type": PostType.PART_TIME,
        "title": "委员",
        "start_date": "2026-01-01",
        **changes,
    }


def test_the_cadre_post_form_refuses_an_organization_outside_the_scope(client, county_staff, chengzhong_union):
    client.force_login(county_staff)
    response = client.post(reverse("web-cadre-post-create"), _post(organization=chengzhong_union.pk))
    assert "organization" in response.context["add_form"].errors
    page = response.content.decode()
    # Nothing out of scope is shown back as chosen.
    assert chengzhong_union.name not in page and 'name="organization" value=""' in page
    assert CadrePost.objects.count() == 0


def test_a_form_with_an_error_shows_the_chosen_organization_back(client, county_staff, chengdong_union):
    client.force_login(county_staff)
    response = client.post(reverse("web-cadre-post-create"), _post(organization=chengdong_union.pk, title=""))
    assert "title" in response.context["add_form"].errors
    page = response.content.decode()
    assert f'name="organization" value="{chengdong_union.pk}"' in page
    assert f'value="{chengdong_union.name}"' in page and 'role="combobox"' in page


def _options(page: str) -> int:
    return len(re.findall(r"<option\b", page))


def test_the_cadre_post_page_does_not_list_the_scopes_organizations(client, province_admin):
    client.force_login(province_admin)
    url = reverse("web-cadre-post-list")
    few = client.get(url).content.decode()
    added = _township_units(30)
    many = client.get(url).content.decode()
    # The add form and the filter: a search select each, the same options however many units there are.
    assert _options(many) == _options(few) < 80
    assert added[-1].name not in many
    assert many.count('data-url="/lookup/organizations/"') == 2


def test_the_register_and_transfer_pages_do_not_list_host_units_or_organizations(client, province_admin):
    client.force_login(province_admin)
    units = _township_units(10, "youth_league")
    hosts = [HostUnitFactory(name=f"园区企业{number}") for number in range(10)]
    page = client.get(reverse("web-person-register")).content.decode()
    assert 'data-url="/lookup/host-units/"' in page
    assert not any(host.name in page for host in hosts)
    assert not any(organization.name in page for organization in units)
