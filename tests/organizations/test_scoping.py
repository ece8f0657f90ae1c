import pytest
from guardian.shortcuts import assign_perm

from apps.organizations.models import HostUnit, Organization, Region, Role
from apps.organizations.scoping import scope_for, scoped
from apps.organizations.services import role_assign
from tests.factories import HostUnitFactory, UserFactory, region, unit


@pytest.fixture
def units(chengdong_union, chengzhong_union):
    return chengdong_union, chengzhong_union


def test_county_staff_see_their_county_subtree_only(county_staff, units):
    chengdong, chengzhong = units
    visible = scoped(Organization.objects.all(), county_staff)
    assert chengdong in visible and chengzhong not in visible
    assert Organization.objects.get(name="西宁市总工会") not in visible
    regions = scoped(Region.objects.all(), county_staff)
    assert regions.filter(code="630102").exists()
    assert regions.filter(code="630102001000").exists()
    assert not regions.filter(code="630103").exists()


def test_a_province_role_covers_everything(province_admin, units):
    assert scoped(Organization.objects.all(), province_admin).count() == Organization.objects.count()


def test_a_user_without_roles_sees_nothing_scoped(mobile_user, units):
    assert not scoped(Organization.objects.all(), mobile_user).exists()
    assert scope_for(mobile_user).is_empty


def test_a_liaison_sees_their_federation_subtree_and_the_region_data_of_their_county(chengdong_union, qinghai):
    women = unit("630102", "women")
    host_unit = HostUnitFactory(region=region("630102"))
    liaison = UserFactory()
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=chengdong_union)
    organizations = scoped(Organization.objects.all(), liaison)
    assert chengdong_union in organizations and women not in organizations
    assert host_unit in scoped(HostUnit.objects.all(), liaison)


def test_an_object_grant_opens_one_row_beyond_the_tree(county_staff, qinghai):
    elsewhere = HostUnitFactory(region=region("630103"))
    assert elsewhere not in scoped(HostUnit.objects.all(), county_staff)
    assign_perm("organizations.view_hostunit", county_staff, elsewhere)
    assert elsewhere in scoped(HostUnit.objects.all(), county_staff)


def test_the_scope_costs_one_query_per_request(county_staff, django_assert_num_queries):
    county_staff = type(county_staff).objects.get(pk=county_staff.pk)
    with django_assert_num_queries(1):
        scope_for(county_staff)
        scope_for(county_staff)


def test_a_liaison_learns_of_deleted_host_units_in_their_region_but_not_of_other_federations_units(
    chengdong_union, qinghai
):
    from apps.core.models import Deletion
    from apps.organizations.services import host_unit_delete, organization_delete

    liaison = UserFactory()
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=chengdong_union)
    host_unit = HostUnitFactory(region=region("630102"))
    women_township = unit("630102001000", "women")
    host_unit_delete(host_unit=host_unit)
    organization_delete(organization=women_township)
    visible = set(scoped(Deletion.objects.all(), liaison).values_list("model", flat=True))
    assert visible == {"host-units"}


def test_a_grant_to_one_of_the_users_groups_opens_the_row_to_its_members_only(
    county_staff, other_county_staff, qinghai
):
    from django.contrib.auth.models import Group

    elsewhere = HostUnitFactory(region=region("630104"))
    group = Group.objects.create(name="某单位管理员")
    county_staff.groups.add(group)
    assign_perm("organizations.view_hostunit", group, elsewhere)

    assert elsewhere in scoped(HostUnit.objects.all(), county_staff)
    assert elsewhere not in scoped(HostUnit.objects.all(), other_county_staff)
