import re
from collections import Counter

import pytest
from django.db import connection

from apps.organizations.management.commands.load_divisions import read_divisions
from apps.organizations.models import Organization, Region
from apps.organizations.services import regions_load_divisions

pytestmark = pytest.mark.usefixtures("qinghai")


def test_it_holds_qinghai_with_its_8_prefectures_45_county_units_and_422_townships():
    counts = Counter(Region.objects.values_list("level", flat=True))
    assert counts == {"province": 1, "prefecture": 8, "county": 45, "township": 422}
    assert Region.objects.get(depth=1).name == "青海省"


def test_codes_are_unique_and_well_formed_for_their_level():
    codes = list(Region.objects.values_list("code", "level"))
    assert len({code for code, _ in codes}) == len(codes)
    for code, level in codes:
        pattern = r"63\d{4}" if level in ("province", "prefecture", "county") else r"63\d{10}"
        assert re.fullmatch(pattern, code), (code, level)


def test_every_path_agrees_with_its_parent_and_code():
    regions = {region.pk: region for region in Region.objects.all()}
    for region in regions.values():
        if region.parent_id is None:
            assert region.depth == 1
            continue
        parent = regions[region.parent_id]
        assert region.path.startswith(parent.path)
        assert region.depth == parent.depth + 1
        assert len(region.path) == region.depth * Region.steplen
        assert region.full_name == parent.full_name + region.name
        assert parent.numchild == sum(1 for other in regions.values() if other.parent_id == parent.pk)


def test_a_subtree_is_one_query(django_assert_num_queries):
    xining = Region.objects.get(code="630100")
    with django_assert_num_queries(1):
        names = [region.name for region in Region.objects.get_descendants(xining)]
    assert "城东区" in names and "乐都区" not in names


@pytest.mark.skipif(connection.vendor != "postgresql", reason="索引计划只在 PostgreSQL 上检查")
@pytest.mark.parametrize("model", [Region, Organization])
def test_a_subtree_query_can_use_an_index_on_postgresql(model):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = model.objects.filter(path__startswith="00010001").explain()
    assert "Index" in plan and "path" in plan, plan


def test_loading_again_changes_nothing():
    before = list(Region.objects.values_list("pk", "path", "name"))
    assert regions_load_divisions(read_divisions()) == (0, 0)
    assert list(Region.objects.values_list("pk", "path", "name")) == before
