"""The admin door to the tree: scoped lists and pages, and every write through the services."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import Deletion
from apps.organizations import services
from apps.organizations.admin import OrganizationAdmin
from apps.organizations.models import HostUnit, Organization, OrganizationLevel, Region, Role, RoleAssignment
from tests.factories import HostUnitFactory, UserFactory, federation, region, unit


@pytest.fixture
def two_counties(county_staff, other_county_staff, chengdong_union, chengzhong_union):
    """The same rows on both sides of the 城东区 / 城中区 line."""
    return SimpleNamespace(
        organization=(chengdong_union, chengzhong_union),
        hostunit=(
            HostUnitFactory(name="城东测试企业", region=region("630102")),
            HostUnitFactory(name="城中测试企业", region=region("630103")),
        ),
        region=(region("630102001000"), region("630103001000")),
        roleassignment=(county_staff.role_assignments.get(), other_county_staff.role_assignments.get()),
    )


def changelist(model: str) -> str:
    return reverse(f"admin:organizations_{model}_changelist")


def change_page(obj) -> str:
    return reverse(f"admin:organizations_{obj._meta.model_name}_change", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Scope ------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["organization", "hostunit", "region", "roleassignment"])
def test_county_staff_see_their_county_in_each_changelist_and_not_the_next_one(
    client, county_staff, two_counties, model
):
    mine, theirs = getattr(two_counties, model)
    client.force_login(county_staff)

    response = client.get(changelist(model), {"q": ""})

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert mine in rows and theirs not in rows
    assert str(theirs) not in response.content.decode()


@pytest.mark.parametrize("model", ["organization", "hostunit", "region", "roleassignment"])
def test_the_pages_of_an_out_of_scope_row_answer_404(client, county_staff, two_counties, model):
    mine, theirs = getattr(two_counties, model)
    client.force_login(county_staff)

    assert client.get(change_page(mine)).status_code == 200
    assert client.get(change_page(theirs)).status_code == 404
    for page in ("delete", "history"):
        url = reverse(f"admin:organizations_{model}_{page}", args=[theirs.pk])
        assert client.get(url).status_code == 404


def test_the_parent_autocomplete_offers_no_out_of_scope_organization(client, county_staff, two_counties):
    chengdong, chengzhong = two_counties.organization
    client.force_login(county_staff)
    params = {"app_label": "organizations", "model_name": "organization", "field_name": "parent"}

    everything = client.get(reverse("admin:autocomplete"), params).json()
    searched = client.get(reverse("admin:autocomplete"), {**params, "term": "西宁市"}).json()

    for results in (everything["results"], searched["results"]):
        ids = {int(result["id"]) for result in results}
        assert chengdong.pk in ids and chengzhong.pk not in ids
        assert not Organization.objects.filter(pk__in=ids).exclude(region__path__startswith=region("630102").path)


def test_foreign_key_choices_are_scoped_and_an_out_of_scope_pick_is_refused(client, county_staff, two_counties):
    chengdong, chengzhong = two_counties.organization
    client.force_login(county_staff)
    form = client.get(reverse("admin:organizations_organization_add")).context["adminform"].form
    assert chengdong in form.fields["parent"].queryset and chengzhong not in form.fields["parent"].queryset
    assert not form.fields["region"].queryset.filter(code="630103").exists()
    before = Organization.objects.count()

    response = client.post(
        reverse("admin:organizations_organization_add"),
        {"name": "越界工会", "federation": federation().pk, "region": region("630102").pk, "parent": chengzhong.pk},
    )

    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    assert Organization.objects.count() == before


# Writes through the services ----------------------------------------------------------


@pytest.fixture
def new_unit(county_staff, chengdong_union):
    """A township union under 西宁市城东区总工会, as the add form would post it."""
    return {
        "name": "东关大街街道总工会",
        "federation": federation("union").pk,
        "region": region("630102001000").pk,
        "parent": chengdong_union.pk,
    }


def test_adding_an_organization_under_another_federations_parent_shows_the_service_error(
    client, county_staff, new_unit
):
    women = unit("630102", "women")
    client.force_login(county_staff)
    before = Organization.objects.count()

    response = client.post(reverse("admin:organizations_organization_add"), {**new_unit, "parent": women.pk})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"] == [services.ORG_PARENT_FEDERATION]
    assert services.ORG_PARENT_FEDERATION in response.content.decode()
    assert Organization.objects.count() == before


def test_adding_a_valid_organization_creates_it_under_its_parent(client, county_staff, new_unit, chengdong_union):
    client.force_login(county_staff)

    response = client.post(reverse("admin:organizations_organization_add"), new_unit)

    assert response.status_code == 302
    created = Organization.objects.get(name=new_unit["name"])
    chengdong_union.refresh_from_db()
    assert created.parent == chengdong_union
    assert created.path.startswith(chengdong_union.path) and created.depth == chengdong_union.depth + 1
    assert chengdong_union.numchild == 1
    assert created.level == OrganizationLevel.TOWNSHIP
    assert LogEntry.objects.filter(object_id=str(created.pk), action_flag=ADDITION).exists()


def test_a_duplicate_name_shows_the_conflict_on_the_name_field(client, county_staff, new_unit):
    client.force_login(county_staff)
    client.post(reverse("admin:organizations_organization_add"), new_unit)

    response = client.post(reverse("admin:organizations_organization_add"), new_unit)

    assert response.status_code == 200
    expected = services.ORG_NAME_TAKEN.format(federation="工会", name=new_unit["name"])
    assert response.context["adminform"].form.errors["name"] == [expected]
    assert Organization.objects.filter(name=new_unit["name"]).count() == 1


def test_moving_an_organization_goes_through_the_service_with_its_subtree(client, province_admin, chengdong_union):
    township = services.organization_create(
        name="东关大街街道总工会", federation=federation(), region=region("630102001000"), parent=chengdong_union
    )
    xining = chengdong_union.parent
    client.force_login(province_admin)

    response = client.post(
        change_page(chengdong_union),
        {"name": chengdong_union.name, "region": region("630102").pk, "parent": xining.parent_id},
    )

    assert response.status_code == 302
    chengdong_union.refresh_from_db()
    township.refresh_from_db()
    assert chengdong_union.parent_id == xining.parent_id and chengdong_union.depth == 2
    assert township.path.startswith(chengdong_union.path) and township.depth == 3


def test_county_staff_rename_their_county_union_whose_parent_lies_above_their_scope(
    client, county_staff, chengdong_union
):
    xining = chengdong_union.parent
    client.force_login(county_staff)
    page = client.get(change_page(chengdong_union)).content.decode()
    assert f'<option value="{xining.pk}" selected>{xining.name}</option>' in page

    response = client.post(
        change_page(chengdong_union),
        {"name": "城东区总工会", "region": chengdong_union.region_id, "parent": xining.pk},
    )

    assert response.status_code == 302
    chengdong_union.refresh_from_db()
    assert chengdong_union.name == "城东区总工会" and chengdong_union.parent == xining


def test_the_organization_form_never_offers_the_tree_fields_or_the_level(client, province_admin, chengdong_union):
    client.force_login(province_admin)
    form = client.get(change_page(chengdong_union)).context["adminform"].form
    assert set(form.fields) == {"name", "region", "parent", "host_unit"}


def test_a_region_keeps_its_code_and_place_and_is_renamed_by_the_service(client, province_admin, qinghai):
    township = region("630102001000")
    client.force_login(province_admin)
    assert set(client.get(change_page(township)).context["adminform"].form.fields) == {"name"}

    response = client.post(change_page(township), {"name": "东关街道", "code": "630102999000", "parent": 1})

    assert response.status_code == 302
    township.refresh_from_db()
    assert township.code == "630102001000" and township.parent.code == "630102"
    assert township.full_name.endswith("城东区东关街道")


def test_county_staff_add_a_township_in_their_county_through_the_service(client, county_staff):
    client.force_login(county_staff)

    response = client.post(
        reverse("admin:organizations_region_add"),
        {"parent": region("630102").pk, "code": "630102999000", "name": "新街道"},
    )

    assert response.status_code == 302
    added = Region.objects.get(code="630102999000")
    assert added.level == "township" and added.full_name.endswith("城东区新街道")
    assert added.path.startswith(region("630102").path)


def test_a_bad_credit_code_is_shown_on_its_field(client, county_staff):
    client.force_login(county_staff)
    data = {"name": "坏代码企业", "kind": "enterprise", "region": region("630102").pk, "head_count": 0}

    response = client.post(reverse("admin:organizations_hostunit_add"), {**data, "credit_code": "91630102MA00000000"})

    assert response.context["adminform"].form.errors["credit_code"] == [services.HOST_UNIT_CREDIT_CODE]
    assert not HostUnit.objects.filter(name="坏代码企业").exists()


def test_a_federation_naming_rule_without_its_placeholder_is_refused_on_its_field(client, province_admin):
    union = federation("union")
    client.force_login(province_admin)
    data = {"name": union.name, "full_name": union.full_name, "unit_name_template": "总工会", "sort_order": 10}

    response = client.post(change_page(union), data)

    assert response.context["adminform"].form.errors["unit_name_template"] == ["命名规则中应包含 {region}。"]
    union.refresh_from_db()
    assert union.unit_name_template == "{region}总工会"


def test_a_role_is_granted_and_revoked_through_the_services(client, province_admin, qinghai):
    newcomer = UserFactory()
    client.force_login(province_admin)
    grant = {"user": newcomer.pk, "role": Role.COUNTY_STAFF, "region": region("630102").pk}

    assert client.post(reverse("admin:organizations_roleassignment_add"), grant).status_code == 302
    again = client.post(reverse("admin:organizations_roleassignment_add"), grant)

    assert again.context["adminform"].form.non_field_errors() == [services.ROLE_ALREADY_ASSIGNED]
    assignment = RoleAssignment.objects.get(user=newcomer)
    newcomer.refresh_from_db()
    assert newcomer.is_staff and newcomer.groups.filter(name=Role.COUNTY_STAFF.label).exists()
    assert client.get(change_page(assignment)).context["has_change_permission"] is False

    response = client.post(reverse("admin:organizations_roleassignment_delete", args=[assignment.pk]), {"post": "yes"})

    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert not newcomer.is_staff and not newcomer.groups.exists()


def test_a_role_above_the_granters_own_is_refused_on_the_form(client, qinghai):
    xining_admin = UserFactory()
    services.role_assign(user=xining_admin, role=Role.PREFECTURE_ADMIN, region=region("630100"))
    client.force_login(xining_admin)

    response = client.post(
        reverse("admin:organizations_roleassignment_add"),
        {"user": UserFactory().pk, "role": Role.PROVINCE_ADMIN, "region": region("630100").pk},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not RoleAssignment.objects.filter(role=Role.PROVINCE_ADMIN, region__code="630100").exists()


# Deletes --------------------------------------------------------------------------------


def test_deleting_an_organization_that_still_has_children_shows_an_error_and_deletes_nothing(
    client, province_admin, chengdong_union
):
    xining = chengdong_union.parent
    client.force_login(province_admin)
    before = Organization.objects.count()

    page = client.post(reverse("admin:organizations_organization_delete", args=[xining.pk]), {"post": "yes"})
    bulk = client.post(
        changelist("organization"), {"action": "delete_selected", "_selected_action": [xining.pk], "post": "yes"}
    )

    for response in (page, bulk):
        assert response.status_code == 200
        assert response.context["protected"] and chengdong_union.name in response.content.decode()
    assert Organization.objects.count() == before
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


@pytest.fixture
def admin_without_collector_check(monkeypatch):
    """The admin as if its collector missed the children (a child added in between): only the service is left."""
    original = OrganizationAdmin.get_deleted_objects

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, _ = original(self, objs, request)
        return deleted, counts, perms_needed, []

    monkeypatch.setattr(OrganizationAdmin, "get_deleted_objects", get_deleted_objects)


def test_a_delete_the_service_refuses_is_shown_and_leaves_no_trace(
    client, province_admin, chengdong_union, admin_without_collector_check
):
    xining = chengdong_union.parent
    client.force_login(province_admin)

    response = client.post(reverse("admin:organizations_organization_delete", args=[xining.pk]), {"post": "yes"})

    assert response.status_code == 302 and response.url == change_page(xining)
    assert any(services.ORG_HAS_CHILDREN in message for message in messages_of(response))
    assert Organization.objects.filter(pk=xining.pk).exists()
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()
    assert not Deletion.objects.filter(model="organizations").exists()


def test_a_bulk_delete_is_all_or_nothing_when_the_service_refuses_one(
    client, province_admin, chengdong_union, chengzhong_union, admin_without_collector_check
):
    xining = chengdong_union.parent
    client.force_login(province_admin)
    selected = [chengzhong_union.pk, xining.pk]

    response = client.post(
        changelist("organization"), {"action": "delete_selected", "_selected_action": selected, "post": "yes"}
    )

    assert response.status_code == 302
    assert any(services.ORG_HAS_CHILDREN in message for message in messages_of(response))
    assert Organization.objects.filter(pk__in=selected).count() == 2
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_deleting_a_leaf_organization_goes_through_the_service(client, province_admin, chengdong_union):
    client.force_login(province_admin)

    response = client.post(
        reverse("admin:organizations_organization_delete", args=[chengdong_union.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Organization.objects.filter(pk=chengdong_union.pk).exists()
    assert Organization.objects.get(pk=chengdong_union.parent_id).numchild == 0
    assert Deletion.objects.filter(model="organizations", object_id=chengdong_union.pk).exists()


def test_federations_cannot_be_deleted_in_the_admin(client, province_admin):
    client.force_login(province_admin)
    url = reverse("admin:organizations_federation_delete", args=[federation().pk])
    assert client.post(url, {"post": "yes"}).status_code == 403


def test_tombstones_are_read_only_and_scoped(client, province_admin, county_staff, two_counties):
    services.host_unit_delete(host_unit=two_counties.hostunit[1])
    tombstone = Deletion.objects.get(model="host-units")
    client.force_login(province_admin)
    assert tombstone in client.get(reverse("admin:core_deletion_changelist")).context["cl"].result_list
    assert client.get(reverse("admin:core_deletion_add")).status_code == 403

    Group.objects.get(name=Role.COUNTY_STAFF.label).permissions.add(Permission.objects.get(codename="view_deletion"))
    client.force_login(county_staff)
    assert client.get(reverse("admin:core_deletion_change", args=[tombstone.pk])).status_code == 404


# Accounts -------------------------------------------------------------------------------


def test_staff_see_the_accounts_of_their_scope_and_those_without_roles(client, county_staff, other_county_staff):
    xining_admin, haidong_admin, newcomer = UserFactory(), UserFactory(), UserFactory()
    services.role_assign(user=xining_admin, role=Role.PREFECTURE_ADMIN, region=region("630100"))
    services.role_assign(user=haidong_admin, role=Role.PREFECTURE_ADMIN, region=region("630200"))
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(xining_admin)

    users = set(client.get(reverse("admin:accounts_user_changelist")).context["cl"].result_list)
    picked = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "organizations", "model_name": "roleassignment", "field_name": "user"},
    ).json()["results"]

    assert {county_staff, other_county_staff, newcomer, xining_admin} <= users
    assert haidong_admin not in users and superuser not in users
    assert {int(result["id"]) for result in picked} == {user.pk for user in users}
    assert client.get(reverse("admin:accounts_user_change", args=[haidong_admin.pk])).status_code == 404


def test_a_provincial_admin_cannot_hand_out_superuser_or_staff_rights(client, province_admin, qinghai):
    newcomer = UserFactory()
    client.force_login(province_admin)

    form = client.get(reverse("admin:accounts_user_change", args=[newcomer.pk])).context["adminform"].form

    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(form.fields)


# Query counts ---------------------------------------------------------------------------


def _organizations(numbers: range, parent: Organization) -> None:
    for number in numbers:
        services.organization_create(
            name=f"测试工会{number}",
            federation=parent.federation,
            region=parent.region,
            parent=parent,
        )


def test_the_organization_changelist_costs_the_same_queries_for_10_and_100_rows(
    client, province_admin, chengdong_union, django_assert_num_queries
):
    client.force_login(province_admin)
    url = changelist("organization")
    _organizations(range(10), chengdong_union)
    client.get(url)  # warm the per-process caches (content types, site)
    with CaptureQueriesContext(connection) as ten:
        assert client.get(url).status_code == 200

    _organizations(range(10, 100), chengdong_union)

    with django_assert_num_queries(len(ten.captured_queries)):
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 100
