import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from apps.core.exceptions import ConflictError
from apps.core.models import Deletion
from apps.organizations import services
from apps.organizations.models import HostUnit, Organization, OrganizationLevel, Region, Role
from tests.factories import GrassrootsUnitFactory, HostUnitFactory, UserFactory, federation, region

pytestmark = pytest.mark.usefixtures("qinghai")

VALID_CREDIT_CODE = "91350100M000100Y43"


def _message(error: ValidationError, field: str) -> str:
    return error.message_dict[field][0]


class TestRegions:
    def test_a_village_is_added_below_its_township_with_a_matching_code(self):
        township = region("630102001000")
        village = services.region_create(parent=township, code="630102001001", name="测试社区")
        assert village.level == "village" and village.parent == township
        assert village.path.startswith(township.path) and village.full_name.endswith("测试社区")

    def test_it_refuses_a_code_that_does_not_start_with_the_parents(self):
        with pytest.raises(ValidationError) as error:
            services.region_create(parent=region("630102001000"), code="630103001001", name="别处社区")
        assert _message(error.value, "code") == services.REGION_CODE_PREFIX.format(length=9, prefix="630102001")

    def test_it_refuses_a_code_of_the_wrong_length(self):
        with pytest.raises(ValidationError) as error:
            services.region_create(parent=region("630102001000"), code="6301020011", name="短码社区")
        assert _message(error.value, "code") == services.REGION_CODE_FORMAT.format(digits=12)

    def test_a_taken_code_is_a_conflict_that_names_the_existing_region(self):
        with pytest.raises(ConflictError) as error:
            services.region_create(parent=region("630100"), code="630102", name="重复")
        assert "城东区" in error.value.message and error.value.conflicts == [region("630102").pk]

    def test_staff_cannot_add_a_village_outside_their_county(self, county_staff):
        services.region_create(actor=county_staff, parent=region("630102001000"), code="630102001002", name="甲社区")
        with pytest.raises(ValidationError) as error:
            services.region_create(actor=county_staff, parent=region("630103001000"), code="630103001002", name="乙")
        assert _message(error.value, "parent") == services.REGION_OUT_OF_SCOPE

    def test_renaming_a_region_renames_the_full_names_below_it(self):
        services.region_update(region=region("630102"), name="东城区")
        assert region("630102001000").full_name.startswith("青海省西宁市东城区")


class TestOrganizations:
    def test_a_unit_gets_its_level_from_the_region_and_sits_under_its_parent(self, chengdong_union):
        assert chengdong_union.level == OrganizationLevel.COUNTY
        assert chengdong_union.parent.name == "西宁市总工会"
        assert chengdong_union.path.startswith(chengdong_union.parent.path)

    def test_a_unit_in_a_host_unit_is_grassroots(self, chengdong_union):
        grassroots = GrassrootsUnitFactory(host_unit=HostUnitFactory(region=region("630102")))
        assert grassroots.level == OrganizationLevel.GRASSROOTS and grassroots.parent == chengdong_union

    def test_it_refuses_a_parent_of_another_federation(self, chengdong_union):
        with pytest.raises(ValidationError) as error:
            services.organization_create(
                name="某妇联", federation=federation("women"), region=region("630102001000"), parent=chengdong_union
            )
        assert _message(error.value, "parent") == services.ORG_PARENT_FEDERATION

    def test_it_refuses_a_parent_whose_region_does_not_contain_the_unit(self, chengdong_union):
        with pytest.raises(ValidationError) as error:
            services.organization_create(
                name="错位工会", federation=federation(), region=region("630103001000"), parent=chengdong_union
            )
        assert _message(error.value, "parent") == services.ORG_PARENT_REGION

    def test_only_provincial_units_may_lack_a_parent(self):
        with pytest.raises(ValidationError) as error:
            services.organization_create(name="孤立工会", federation=federation(), region=region("630102"))
        assert _message(error.value, "parent") == services.ORG_PARENT_REQUIRED

    def test_a_duplicate_name_in_the_same_region_is_a_conflict(self, chengdong_union):
        with pytest.raises(ConflictError) as error:
            services.organization_create(
                name=chengdong_union.name,
                federation=federation(),
                region=region("630102"),
                parent=chengdong_union.parent,
            )
        assert error.value.conflicts == [chengdong_union.pk]

    def test_moving_a_unit_carries_its_subtree(self, chengdong_union):
        grassroots = GrassrootsUnitFactory(host_unit=HostUnitFactory(region=region("630102001000")))
        township_union = services.organization_create(
            name="东关大街街道工会", federation=federation(), region=region("630102001000"), parent=chengdong_union
        )
        services.organization_update(organization=grassroots, parent=township_union)
        grassroots.refresh_from_db()
        assert grassroots.parent == township_union and grassroots.path.startswith(township_union.path)
        assert Organization.objects.get_descendants(chengdong_union).filter(pk=grassroots.pk).exists()

    def test_it_refuses_to_move_a_unit_below_itself(self, chengdong_union):
        grassroots = GrassrootsUnitFactory(host_unit=HostUnitFactory(region=region("630102")))
        with pytest.raises(ValidationError):
            services.organization_update(organization=chengdong_union.parent, parent=chengdong_union)
        with pytest.raises(ValidationError):
            services.organization_update(organization=grassroots, name="")

    def test_a_unit_with_children_cannot_be_deleted(self, chengdong_union):
        with pytest.raises(ConflictError):
            services.organization_delete(organization=chengdong_union.parent)

    def test_deleting_a_unit_leaves_a_tombstone_with_its_scope(self, chengdong_union):
        grassroots = GrassrootsUnitFactory(host_unit=HostUnitFactory(region=region("630102")))
        pk, path = grassroots.pk, grassroots.path
        services.organization_delete(organization=grassroots)
        tombstone = Deletion.objects.get(model="organizations", object_id=pk)
        assert tombstone.organization_path == path and tombstone.region_path == region("630102").path

    def test_staff_cannot_write_outside_their_scope(self, county_staff, chengzhong_union):
        with pytest.raises(ValidationError) as error:
            services.organization_create(
                actor=county_staff,
                name="越界工会",
                federation=federation(),
                region=region("630103001000"),
                parent=chengzhong_union,
            )
        assert _message(error.value, "parent") == services.ORGANIZATION_OUT_OF_SCOPE

    def test_a_user_without_the_permission_cannot_write(self, mobile_user, chengdong_union):
        with pytest.raises(PermissionDenied):
            services.organization_update(actor=mobile_user, organization=chengdong_union, name="改名")


class TestHostUnits:
    def test_the_credit_code_is_normalized_and_checked(self):
        host_unit = HostUnitFactory(credit_code=" 91350100m000100y43 ")
        assert host_unit.credit_code == VALID_CREDIT_CODE
        with pytest.raises(ValidationError) as error:
            HostUnitFactory(credit_code="91350100M000100Y44")
        assert _message(error.value, "credit_code") == services.HOST_UNIT_CREDIT_CODE

    def test_a_credit_code_belongs_to_one_host_unit(self):
        first = HostUnitFactory(credit_code=VALID_CREDIT_CODE)
        with pytest.raises(ConflictError) as error:
            HostUnitFactory(credit_code=VALID_CREDIT_CODE)
        assert error.value.conflicts == [first.pk]

    def test_a_host_unit_cannot_move_away_from_its_units(self, chengdong_union):
        grassroots = GrassrootsUnitFactory(host_unit=HostUnitFactory(region=region("630102")))
        with pytest.raises(ValidationError):
            services.host_unit_update(host_unit=grassroots.host_unit, region=region("630103"))


class TestRoles:
    def test_a_role_joins_its_group_and_opens_the_admin(self):
        user = UserFactory()
        services.role_assign(user=user, role=Role.COUNTY_STAFF, region=region("630102"))
        user.refresh_from_db()
        assert user.is_staff and user.groups.filter(name="县级群团服务中心工作人员").exists()
        assert user.has_perm("organizations.add_hostunit")

    def test_revoking_the_last_role_closes_the_admin(self):
        user = UserFactory()
        assignment = services.role_assign(user=user, role=Role.COUNTY_STAFF, region=region("630102"))
        services.role_revoke(assignment=assignment)
        user.refresh_from_db()
        assert not user.is_staff and not user.groups.exists()

    def test_a_role_sits_on_a_node_of_its_level(self):
        with pytest.raises(ValidationError) as error:
            services.role_assign(user=UserFactory(), role=Role.COUNTY_STAFF, region=region("630100"))
        assert "县区" in _message(error.value, "region")

    def test_a_liaison_role_needs_an_organization(self):
        with pytest.raises(ValidationError):
            services.role_assign(user=UserFactory(), role=Role.FEDERATION_LIAISON, region=region("630102"))

    def test_the_same_role_on_the_same_node_twice_is_a_conflict(self, county_staff):
        with pytest.raises(ConflictError):
            services.role_assign(user=county_staff, role=Role.COUNTY_STAFF, region=region("630102"))

    def test_staff_cannot_grant_a_role_above_their_own(self, qinghai):
        prefecture_admin = UserFactory()
        services.role_assign(user=prefecture_admin, role=Role.PREFECTURE_ADMIN, region=region("630100"))
        services.role_assign(
            actor=prefecture_admin, user=UserFactory(), role=Role.COUNTY_STAFF, region=region("630102")
        )
        with pytest.raises(PermissionDenied):
            services.role_assign(
                actor=prefecture_admin, user=UserFactory(), role=Role.PROVINCE_ADMIN, region=Region.objects.get(depth=1)
            )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="并发约束测试需要 PostgreSQL（SQLite 写入本就串行）")
@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_of_one_credit_code_leave_one_host_unit():
    from tests.conftest import ensure_reference_data

    ensure_reference_data()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def register(index: int) -> None:
        try:
            barrier.wait()
            services.host_unit_create(
                name=f"并发企业{index}", kind="enterprise", region=region("630102"), credit_code=VALID_CREDIT_CODE
            )
            outcomes.append("created")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "created"]
    assert HostUnit.objects.filter(credit_code=VALID_CREDIT_CODE).count() == 1
