"""Co-building: joint branches set up together (all or none), coverage per region with the gaps unit by
unit, joint meetings whose decisions give organizations follow-ups, overdue items reminded once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts.models import Notification
from apps.core.exceptions import ConflictError
from apps.organizations import selectors, services
from apps.organizations.models import FollowUpStatus, HostUnitKind, MeetingKind, Organization, Role
from apps.organizations.services import role_assign
from tests.factories import HostUnitFactory, UserFactory, federation, region, unit

pytestmark = pytest.mark.django_db


def feds(*codes):
    return [federation(code) for code in codes]


def establish(host_unit, *codes, days_ago=30, **kwargs):
    for code in codes:
        unit(host_unit.region.code, code)  # the county units the branches go under
    return services.joint_branch_establish(
        host_unit=host_unit,
        federations=feds(*codes),
        established_on=timezone.localdate() - dt.timedelta(days=days_ago),
        **kwargs,
    )


@pytest.fixture
def park(qinghai):
    return HostUnitFactory(name="东川工业园区", kind=HostUnitKind.INDUSTRIAL_PARK, region=region("630102"))


def test_a_joint_branch_sets_up_each_federations_branch_under_its_county_unit(park):
    joint = establish(park, "union", "youth_league", "women")
    branches = {b.federation.code: b for b in joint.branches.all()}
    assert set(branches) == {"union", "youth_league", "women"}
    assert branches["union"].name == "东川工业园区工会委员会"
    assert branches["union"].parent == unit("630102", "union") and branches["union"].host_unit == park
    assert branches["youth_league"].name == "共青团东川工业园区委员会"


def test_a_branch_already_there_refuses_the_whole_joint_branch(park):
    Organization.objects.filter(host_unit=park).delete()
    services.organization_create(
        name="东川园区联合工会", federation=federation("union"), region=park.region,
        parent=unit("630102", "union"), host_unit=park,
    )  # fmt: skip
    with pytest.raises(ConflictError, match="东川工业园区已有工会的组织：东川园区联合工会"):
        establish(park, "union", "women")
    assert not Organization.objects.filter(host_unit=park, federation__code="women").exists()


def test_a_joint_branch_needs_two_federations_and_a_past_date(park):
    with pytest.raises(ValidationError, match="至少需要两家群团"):
        establish(park, "union")
    with pytest.raises(ValidationError, match="不能晚于今天"):
        establish(park, "union", "women", days_ago=-1)


def test_staff_of_another_county_may_not_set_up_branches_here(park, other_county_staff):
    with pytest.raises(ValidationError):
        services.joint_branch_establish(
            actor=other_county_staff,
            host_unit=park,
            federations=feds("union", "women"),
            established_on=timezone.localdate(),
        )


def test_coverage_counts_units_that_have_what_they_should_and_lists_the_gaps(county_staff, park):
    # A park should have the union, Youth League, women's federation and science association;
    # an enterprise of 25 or more the first three; a smaller one the union only.
    big = HostUnitFactory(name="大企业", kind=HostUnitKind.ENTERPRISE, region=region("630102"), head_count=140)
    small = HostUnitFactory(name="小企业", kind=HostUnitKind.ENTERPRISE, region=region("630102"), head_count=12)
    HostUnitFactory(name="外县企业", kind=HostUnitKind.ENTERPRISE, region=region("630103"), head_count=500)
    establish(park, "union", "youth_league", "women", "science")
    establish(big, "union", "women")
    report = selectors.coverage(user=county_staff)
    enterprises = next(k for k in report.kinds if k.kind == HostUnitKind.ENTERPRISE)
    assert (enterprises.units, enterprises.covered) == (2, 0)
    gaps = selectors.unit_coverage(selectors.coverage_gaps(user=county_staff))
    missing = {gap.host_unit.name: [f.name for f in gap.missing] for gap in gaps}
    assert missing == {"大企业": ["共青团"], "小企业": ["工会"]}
    assert [f.name for f in gaps[0].present] == ["工会", "妇联"]  # 大企业, first by name
    assert (report.units, report.covered, report.gaps, report.share) == (3, 1, 2, 1 / 3)
    assert not selectors.coverage_gaps(user=county_staff, kind=HostUnitKind.INDUSTRIAL_PARK).exists()
    services.organization_create(
        name="小企业工会", federation=federation("union"), region=small.region,
        parent=unit("630102", "union"), host_unit=small,
    )  # fmt: skip
    assert selectors.coverage(user=county_staff).covered == 2
    # The same count in SQL (the scorecard's): the thresholds, the gaps and the scope agree.
    in_sql = selectors.coverable_units(user=county_staff, region=region("630100"))
    assert {unit.name: unit.covered for unit in in_sql} == {"东川工业园区": True, "大企业": False, "小企业": True}


def test_the_joint_branch_list_counts_the_members_each_branch_brings(county_staff, park):
    establish(park, "union", "women")
    (joint,) = selectors.joint_branch_list(user=county_staff)
    assert joint.branch_count == 2 and [b.members for b in joint.branches.all()] == [0, 0]


# Meetings ---------------------------------------------------------------------------------------


@pytest.fixture
def meeting(qinghai):
    today = timezone.localdate()
    return services.meeting_create(
        kind=MeetingKind.JOINT,
        title="城东区群团联席会议",
        held_on=today - dt.timedelta(days=30),
        host=unit("630102", "union"),
        attendees=[unit("630102", "women"), unit("630102", "youth_league")],
        decisions=[
            {
                "text": "群众之家功能室共用",
                "follow_ups": [
                    {"organization": unit("630102", "union"), "task": "制定预约规则",
                     "due_date": today - dt.timedelta(days=5)},
                    {"organization": unit("630102", "women"), "task": "汇总需求",
                     "due_date": today + dt.timedelta(days=5)},
                ],
            }
        ],
    )  # fmt: skip


def test_a_meeting_keeps_its_decisions_and_flags_the_overdue_follow_ups(meeting, county_staff):
    (decision,) = selectors.meeting_decisions(meeting)
    assert [f.task for f in decision.follow_ups.all()] == ["制定预约规则", "汇总需求"]
    (listed,) = selectors.meeting_list(user=county_staff)
    assert (listed.decision_count, listed.open_count, listed.overdue_count) == (1, 2, 1)
    overdue = selectors.follow_up_list(user=county_staff, overdue_only=True)
    assert [f.task for f in overdue] == ["制定预约规则"]


def test_follow_ups_are_due_after_the_meeting_and_need_a_task(meeting):
    decision = meeting.decisions.get()
    with pytest.raises(ValidationError, match="不能早于会议日期"):
        services.follow_up_add(
            decision=decision, organization=unit("630102", "science"), task="x",
            due_date=meeting.held_on - dt.timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="请写明落实任务"):
        services.follow_up_add(
            decision=decision, organization=unit("630102", "science"), task=" ", due_date=meeting.held_on
        )


def test_the_assigned_organization_reports_an_item_done_once(meeting, chengdong_union):
    liaison = UserFactory(username="union_liaison")
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=chengdong_union)
    item = meeting.decisions.get().follow_ups.get(task="制定预约规则")
    women_item = meeting.decisions.get().follow_ups.get(task="汇总需求")
    with pytest.raises(ValidationError, match="请填写办理结果"):
        services.follow_up_complete(actor=liaison, follow_up=item, result="")
    done = services.follow_up_complete(actor=liaison, follow_up=item, result="规则已印发")
    assert done.status == FollowUpStatus.DONE and done.done_on == timezone.localdate()
    with pytest.raises(ConflictError):
        services.follow_up_complete(actor=liaison, follow_up=item, result="再次")
    # The host (the union here) may record any item of its meeting; another attendee only its own.
    women_liaison = UserFactory(username="women_liaison")
    role_assign(user=women_liaison, role=Role.FEDERATION_LIAISON, organization=unit("630102", "women"))
    with pytest.raises((ValidationError, PermissionDenied)):
        services.follow_up_reopen(actor=women_liaison, follow_up=item)
    services.follow_up_complete(actor=women_liaison, follow_up=women_item, result="需求已汇总")
    services.follow_up_reopen(actor=liaison, follow_up=item)


def test_overdue_items_are_reminded_once_to_the_users_of_their_organization(meeting, chengdong_union, county_staff):
    liaison = UserFactory(username="union_liaison")
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=chengdong_union)
    assert services.follow_ups_remind_overdue() == 1
    assert services.follow_ups_remind_overdue() == 0
    reminded = set(Notification.objects.values_list("user__username", flat=True))
    assert {"union_liaison", county_staff.username} <= reminded
    assert all("制定预约规则" in n.title for n in Notification.objects.all())


def test_meetings_are_seen_by_attending_units_and_not_by_another_county(meeting, other_county_staff):
    assert list(selectors.meeting_list(user=other_county_staff)) == []
    women_liaison = UserFactory(username="women_liaison")
    role_assign(user=women_liaison, role=Role.FEDERATION_LIAISON, organization=unit("630102", "women"))
    assert list(selectors.meeting_list(user=women_liaison)) == [meeting]
    assert selectors.meetings_held(user=women_liaison, start=meeting.held_on, end=meeting.held_on) == {"joint": 1}
