"""The served coverage report (apps.organizations.coverage_cache): counted once per region for every
viewer who sees all of it, counted again after any write that could change it; liaisons always live."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from apps.organizations import coverage_cache, selectors, services
from apps.organizations.models import CoverageRule, HostUnitKind, Role
from apps.organizations.scoping import forget_scope
from apps.organizations.services import role_assign
from tests.factories import HostUnitFactory, UserFactory, federation, region, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def counts(monkeypatch) -> list:
    """The regions the report was counted for (not served from the cache)."""
    counted = []
    count = selectors.coverage

    def spy(*, user, region=None):
        counted.append(region.code if region else None)
        return count(user=user, region=region)

    monkeypatch.setattr(selectors, "coverage", spy)
    return counted


@pytest.fixture
def enterprise(qinghai):
    for code in ("union", "youth_league", "women"):
        unit("630102", code)
    return HostUnitFactory(name="大企业", kind=HostUnitKind.ENTERPRISE, region=region("630102"), head_count=140)


def _report(user, code="630102") -> tuple[int, int]:
    forget_scope(user)  # as a fresh request
    client = APIClient()
    client.force_authenticate(user)
    body = client.get("/api/v1/coverage/", {"region": region(code).pk}).json()
    return body["units"], body["covered"]


def _establish(host_unit, *codes):
    services.joint_branch_establish(
        host_unit=host_unit, federations=[federation(code) for code in codes], established_on=dt.date(2026, 11, 2)
    )


def test_a_second_request_is_served_from_the_cache(province_admin, enterprise, counts):
    assert _report(province_admin) == _report(province_admin) == (1, 0)
    assert counts == ["630102"]


def test_every_viewer_who_sees_the_whole_region_shares_one_entry(province_admin, county_staff, enterprise, counts):
    _report(province_admin)
    assert _report(county_staff) == (1, 0)
    assert counts == ["630102"]


def test_a_liaison_is_counted_live_every_time(enterprise, counts):
    liaison = UserFactory()
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=unit("630102", "union"))
    _report(liaison)
    _report(liaison)
    assert counts == ["630102", "630102"]


def _branch(host_unit, code="union"):
    parent = unit("630102", code)
    services.organization_create(
        name=f"{host_unit.name}{code}", federation=parent.federation, region=region("630102"), parent=parent,
        host_unit=host_unit,
    )  # fmt: skip


def _ask_only_for_a_union(enterprise, small):
    rule = CoverageRule.objects.get(host_unit_kind=HostUnitKind.ENTERPRISE, min_head_count=25)
    rule.federations.remove(federation("youth_league"), federation("women"))


@pytest.mark.parametrize(
    ("write", "after"),
    [
        (lambda enterprise, small: _establish(enterprise, "youth_league", "women"), (2, 1)),
        (lambda enterprise, small: _branch(small), (2, 1)),
        (lambda enterprise, small: HostUnitFactory(kind=HostUnitKind.ENTERPRISE, region=region("630102")), (3, 0)),
        (lambda enterprise, small: services.host_unit_update(host_unit=enterprise, head_count=10), (2, 1)),
        (lambda enterprise, small: services.host_unit_delete(host_unit=small), (1, 0)),
        (_ask_only_for_a_union, (2, 1)),
    ],
    ids=["joint branch", "branch", "host unit added", "head count", "host unit deleted", "rule's federations"],
)
def test_any_write_that_could_change_the_report_is_seen_at_once(province_admin, enterprise, write, after):
    _branch(enterprise)  # a union; the youth league's and the women's are missing (140 employees)
    small = HostUnitFactory(name="小企业", kind=HostUnitKind.ENTERPRISE, region=region("630102"), head_count=10)
    assert _report(province_admin) == (2, 0)
    write(enterprise, small)
    assert _report(province_admin) == after


def test_a_report_counted_while_a_write_commits_is_not_kept_as_current(province_admin, enterprise, counts, monkeypatch):
    count = selectors.coverage  # the spy

    def meanwhile_a_write_commits(*, user, region=None):
        report = count(user=user, region=region)
        coverage_cache.renew()  # another request's write, between reading the token and keeping the report
        return report

    monkeypatch.setattr(selectors, "coverage", meanwhile_a_write_commits)
    _report(province_admin)
    monkeypatch.setattr(selectors, "coverage", count)
    _report(province_admin)
    assert counts == ["630102", "630102"]


def test_a_write_is_seen_again_once_its_transaction_commits(
    province_admin, enterprise, counts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _establish(enterprise, "union", "youth_league", "women")
        _report(province_admin)  # kept under the token the write set before committing
    assert _report(province_admin) == (1, 1)
    assert counts == ["630102", "630102"]
