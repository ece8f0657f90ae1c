"""Co-building in the admin: scoped lists and pages, adds and actions through the services, exports."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.organizations import services
from apps.organizations.admin_cobuilding import COMPLETED_RESULT
from apps.organizations.models import (
    CoverageRule,
    Decision,
    FollowUp,
    FollowUpStatus,
    HostUnitKind,
    JointBranch,
    Meeting,
    MeetingKind,
    Organization,
    Role,
)
from apps.organizations.services import role_assign
from apps.organizations.services.cobuilding import DUE_BEFORE_MEETING, HOST_ATTENDS, TOO_FEW_FEDERATIONS
from tests.factories import HostUnitFactory, UserFactory, federation, region, unit

pytestmark = pytest.mark.django_db

XLSX = "0"
TODAY = timezone.localdate


def establish(host_unit, *codes, days_ago=30):
    for code in codes:
        unit(host_unit.region.code, code)  # the county units the branches go under
    return services.joint_branch_establish(
        host_unit=host_unit,
        federations=[federation(code) for code in codes],
        established_on=TODAY() - dt.timedelta(days=days_ago),
    )


def hold_meeting(county: str, title: str, *, follow_ups: int = 2) -> Meeting:
    """A joint meeting of the county's union with one decision: the first item overdue, the rest not."""
    today = TODAY()
    items = [
        {
            "organization": unit(county, "women" if number else "union"),
            "task": f"{title}任务{number}",
            "due_date": today + dt.timedelta(days=-5 if number == 0 else 5),
        }
        for number in range(follow_ups)
    ]
    return services.meeting_create(
        kind=MeetingKind.JOINT,
        title=title,
        held_on=today - dt.timedelta(days=30),
        host=unit(county, "union"),
        attendees=[unit(county, "women")],
        decisions=[{"text": f"{title}议定事项", "follow_ups": items}],
    )


@pytest.fixture
def two_counties(county_staff, other_county_staff):
    """The same co-building on both sides of the 城东区 / 城中区 line."""
    mine = HostUnitFactory(name="东川工业园区", kind=HostUnitKind.INDUSTRIAL_PARK, region=region("630102"))
    theirs = HostUnitFactory(name="城中商务楼宇", kind=HostUnitKind.BUSINESS_DISTRICT, region=region("630103"))
    joints = (establish(mine, "union", "women"), establish(theirs, "union", "women"))
    meetings = (hold_meeting("630102", "城东区群团联席会议"), hold_meeting("630103", "城中区群团联席会议"))
    return {
        "jointbranch": joints,
        "meeting": meetings,
        "decision": tuple(meeting.decisions.get() for meeting in meetings),
        "followup": tuple(FollowUp.objects.filter(decision__meeting=m).order_by("id").first() for m in meetings),
    }


def changelist(model: str) -> str:
    return reverse(f"admin:organizations_{model}_changelist")


def add_page(model: str) -> str:
    return reverse(f"admin:organizations_{model}_add")


def change_page(obj) -> str:
    return reverse(f"admin:organizations_{obj._meta.model_name}_change", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# Pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["coveragerule", "jointbranch", "meeting", "decision", "followup"])
def test_every_changelist_and_change_page_renders_for_the_provincial_admin(client, province_admin, two_counties, model):
    client.force_login(province_admin)

    response = client.get(changelist(model))

    assert response.status_code == 200
    obj = CoverageRule.objects.first() if model == "coveragerule" else two_counties[model][0]
    assert client.get(change_page(obj)).status_code == 200


@pytest.mark.parametrize("model", ["coveragerule", "jointbranch", "meeting", "followup"])
def test_every_add_page_renders_for_the_provincial_admin(client, province_admin, model):
    client.force_login(province_admin)
    assert client.get(add_page(model)).status_code == 200


def test_the_meeting_page_shows_its_decisions_and_follow_ups_to_read(client, province_admin, two_counties):
    meeting = two_counties["meeting"][0]
    client.force_login(province_admin)

    page = client.get(change_page(meeting)).content.decode()

    assert "城东区群团联席会议议定事项" in page
    assert "城东区群团联席会议任务0" in page and "已逾期" in page
    assert client.post(change_page(meeting), {"title": "改名"}).status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).title == "城东区群团联席会议"


# Scope ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["jointbranch", "meeting", "decision", "followup"])
def test_county_staff_see_their_county_in_each_changelist_and_not_the_next_one(
    client, county_staff, two_counties, model
):
    mine, theirs = two_counties[model]
    client.force_login(county_staff)

    response = client.get(changelist(model), {"q": ""})

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert mine in rows and theirs not in rows
    assert client.get(change_page(mine)).status_code == 200
    assert client.get(change_page(theirs)).status_code == 404


def test_an_attending_units_liaison_sees_the_meeting_and_its_decisions(client, two_counties):
    meeting = two_counties["meeting"][0]
    liaison = UserFactory(username="women_liaison")
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=unit("630102", "women"))
    client.force_login(liaison)

    assert list(client.get(changelist("meeting")).context["cl"].result_list) == [meeting]
    assert "城东区群团联席会议议定事项" in client.get(change_page(meeting)).content.decode()


def test_coverage_rules_are_the_provinces_to_edit_and_county_staff_only_read_them(client, province_admin, county_staff):
    rule = CoverageRule.objects.get(host_unit_kind=HostUnitKind.PROFESSIONAL_MARKET, min_head_count=0)
    client.force_login(county_staff)
    assert client.get(changelist("coveragerule")).status_code == 200
    assert client.get(add_page("coveragerule")).status_code == 403
    assert client.post(change_page(rule), {"host_unit_kind": rule.host_unit_kind}).status_code == 403

    client.force_login(province_admin)
    response = client.post(
        change_page(rule),
        {
            "host_unit_kind": rule.host_unit_kind,
            "min_head_count": 0,
            "federations": [federation("union").pk, federation("women").pk, federation("science").pk],
            "note": "专业市场联建",
        },
    )
    assert response.status_code == 302
    assert set(rule.federations.values_list("code", flat=True)) == {"union", "women", "science"}


# Joint branches ---------------------------------------------------------------------------------


@pytest.fixture
def park(county_staff):
    unit("630102", "union"), unit("630102", "youth_league")
    return HostUnitFactory(name="东川工业园区", kind=HostUnitKind.INDUSTRIAL_PARK, region=region("630102"))


def joint_branch_form(host_unit, *codes, **changes):
    return {
        "host_unit": host_unit.pk,
        "federations": [federation(code).pk for code in codes],
        "established_on": (TODAY() - dt.timedelta(days=3)).isoformat(),
        "note": "",
        **changes,
    }


def test_a_joint_branch_added_in_the_admin_sets_up_every_branch(client, county_staff, park):
    client.force_login(county_staff)

    response = client.post(add_page("jointbranch"), joint_branch_form(park, "union", "youth_league"))

    assert response.status_code == 302
    joint = JointBranch.objects.get(host_unit=park)
    assert {branch.federation.code for branch in joint.branches.all()} == {"union", "youth_league"}
    assert joint.created_by == county_staff


def test_a_joint_branch_the_service_refuses_shows_why_on_its_field_and_sets_up_nothing(client, county_staff, park):
    client.force_login(county_staff)
    before = Organization.objects.count()

    response = client.post(add_page("jointbranch"), joint_branch_form(park, "union"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["federations"] == [TOO_FEW_FEDERATIONS]
    assert Organization.objects.count() == before and not JointBranch.objects.exists()


def test_a_branch_already_there_is_shown_as_a_conflict(client, county_staff, park):
    establish(park, "union", "youth_league")
    client.force_login(county_staff)

    response = client.post(add_page("jointbranch"), joint_branch_form(park, "union", "youth_league"))

    assert response.status_code == 200
    assert "东川工业园区已有工会的组织" in str(response.context["adminform"].form.errors["federations"])
    assert JointBranch.objects.count() == 1


def test_a_host_unit_of_another_county_cannot_be_picked(client, county_staff, other_county_staff):
    theirs = HostUnitFactory(name="城中企业", region=region("630103"))
    client.force_login(county_staff)

    response = client.post(add_page("jointbranch"), joint_branch_form(theirs, "union", "women"))

    assert response.status_code == 200
    assert "host_unit" in response.context["adminform"].form.errors
    assert not JointBranch.objects.exists()


def test_a_joint_branch_is_read_never_edited_nor_deleted(client, province_admin, two_counties):
    joint = two_counties["jointbranch"][0]
    client.force_login(province_admin)

    assert client.post(change_page(joint), {"note": "改"}).status_code == 403
    delete = reverse("admin:organizations_jointbranch_delete", args=[joint.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert JointBranch.objects.filter(pk=joint.pk).exists()


# Meetings ---------------------------------------------------------------------------------------


def meeting_form(**changes):
    return {
        "kind": MeetingKind.PROMOTION,
        "title": "城东区群团工作推进会",
        "held_on": (TODAY() - dt.timedelta(days=1)).isoformat(),
        "host": unit("630102", "union").pk,
        "attendees": [unit("630102", "women").pk, unit("630102", "youth_league").pk],
        "minutes": "会议听取了各群团工作汇报。",
        "decisions": "推进园区联建\n\n共用群众之家\n",
        **changes,
    }


def test_a_meeting_added_in_the_admin_keeps_its_decisions_in_order(client, county_staff):
    client.force_login(county_staff)

    response = client.post(add_page("meeting"), meeting_form())

    assert response.status_code == 302
    meeting = Meeting.objects.get(title="城东区群团工作推进会")
    assert list(meeting.decisions.values_list("text", flat=True)) == ["推进园区联建", "共用群众之家"]
    assert meeting.attendees.count() == 2 and meeting.created_by == county_staff


def test_a_host_listed_among_the_attendees_is_refused_on_that_field(client, county_staff):
    client.force_login(county_staff)
    host = unit("630102", "union")

    response = client.post(add_page("meeting"), meeting_form(attendees=[host.pk]))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["attendees"] == [HOST_ATTENDS]
    assert not Meeting.objects.exists() and not Decision.objects.exists()


def test_a_host_of_another_county_cannot_be_picked(client, county_staff, other_county_staff):
    client.force_login(county_staff)

    response = client.post(add_page("meeting"), meeting_form(host=unit("630103", "union").pk, attendees=[]))

    assert response.status_code == 200
    assert "host" in response.context["adminform"].form.errors
    assert not Meeting.objects.exists()


# Follow-ups -------------------------------------------------------------------------------------


def test_a_follow_up_added_in_the_admin_goes_to_its_decision(client, county_staff, two_counties):
    decision = two_counties["decision"][0]
    client.force_login(county_staff)
    form = {
        "decision": decision.pk,
        "organization": unit("630102", "youth_league").pk,
        "task": "组织青年志愿者",
        "due_date": (TODAY() + dt.timedelta(days=10)).isoformat(),
    }

    refused = client.post(add_page("followup"), {**form, "due_date": "2000-01-01"})
    response = client.post(add_page("followup"), form)

    meeting = decision.meeting
    assert refused.context["adminform"].form.errors["due_date"] == [DUE_BEFORE_MEETING.format(date=meeting.held_on)]
    assert response.status_code == 302
    assert decision.follow_ups.filter(task="组织青年志愿者").count() == 1


def test_a_decision_of_another_county_is_not_offered(client, county_staff, two_counties):
    client.force_login(county_staff)
    form = client.get(add_page("followup")).context["adminform"].form
    decisions = form.fields["decision"].queryset
    assert two_counties["decision"][0] in decisions and two_counties["decision"][1] not in decisions


def action(client, name: str, items) -> object:
    return client.post(
        changelist("followup"), {"action": name, "_selected_action": [item.pk for item in items]}, follow=True
    )


def test_the_done_action_reports_items_done_through_the_service(client, county_staff, two_counties):
    item = two_counties["followup"][0]
    client.force_login(county_staff)

    response = action(client, "complete_selected", [item])

    item.refresh_from_db()
    assert (item.status, item.result, item.done_on) == (FollowUpStatus.DONE, COMPLETED_RESULT, TODAY())
    assert "已办结 1 项落实事项。" in messages_of(response)


def test_an_item_already_done_is_reported_and_the_others_go_ahead(client, county_staff, two_counties):
    done = two_counties["followup"][0]
    services.follow_up_complete(follow_up=done, result="规则已印发")
    other = FollowUp.objects.get(task="城东区群团联席会议任务1")
    client.force_login(county_staff)

    response = action(client, "complete_selected", [done, other])

    shown = messages_of(response)
    assert any("未处理" in message and "已于" in message for message in shown)
    assert "已办结 1 项落实事项。" in shown
    done.refresh_from_db()
    assert done.result == "规则已印发"


def test_the_reopen_action_reopens_through_the_service_and_refuses_an_open_item(client, county_staff, two_counties):
    item = two_counties["followup"][0]
    services.follow_up_complete(follow_up=item, result="规则已印发")
    open_item = FollowUp.objects.get(task="城东区群团联席会议任务1")
    client.force_login(county_staff)

    response = action(client, "reopen_selected", [item, open_item])

    item.refresh_from_db()
    assert item.status == FollowUpStatus.OPEN and item.done_on is None
    shown = messages_of(response)
    assert "已重新打开 1 项落实事项。" in shown
    assert any("该事项尚未办结" in message for message in shown)


def test_a_liaison_reports_only_the_items_it_may_answer_for(client, two_counties):
    """The women's federation attends but does not host: it may report its own items, not the union's."""
    liaison = UserFactory(username="women_liaison")
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=unit("630102", "women"))
    own = FollowUp.objects.get(task="城东区群团联席会议任务1")
    client.force_login(liaison)

    rows = list(client.get(changelist("followup")).context["cl"].result_list)
    response = action(client, "complete_selected", [own])

    assert rows == [own]
    assert "已办结 1 项落实事项。" in messages_of(response)


def test_the_overdue_filter_and_the_search_find_the_items(client, county_staff, two_counties):
    overdue, upcoming = FollowUp.objects.filter(decision__meeting=two_counties["meeting"][0]).order_by("id")
    client.force_login(county_staff)

    def listed(**params):
        return list(client.get(changelist("followup"), params).context["cl"].result_list)

    assert listed(overdue="yes") == [overdue]
    assert listed(overdue="no") == [upcoming]
    assert listed(q="任务1") == [upcoming]
    assert set(listed(q="妇女联合会")) == {upcoming}
    page = client.get(changelist("followup"), {"overdue": "yes"}).content.decode()
    assert "逾期" in page


def test_a_follow_up_is_never_edited_nor_deleted_in_place(client, province_admin, two_counties):
    item = two_counties["followup"][0]
    client.force_login(province_admin)

    assert client.post(change_page(item), {"task": "改"}).status_code == 403
    delete = reverse("admin:organizations_followup_delete", args=[item.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403


# Query counts -----------------------------------------------------------------------------------


def _joint_branches(numbers: range) -> None:
    for number in numbers:
        host_unit = HostUnitFactory(name=f"联建企业{number}", region=region("630102"))
        establish(host_unit, "union", "women")


def _meetings(numbers: range) -> None:
    for number in numbers:
        hold_meeting("630102", f"联席会议{number}")


@pytest.mark.parametrize(
    ("model", "grow", "per_step"),
    [
        ("jointbranch", _joint_branches, 1),
        ("meeting", _meetings, 1),
        ("decision", _meetings, 1),
        ("followup", _meetings, 2),
    ],
)
def test_each_changelist_costs_the_same_queries_for_few_and_many_rows(
    client, province_admin, django_assert_num_queries, model, grow, per_step
):
    client.force_login(province_admin)
    url = changelist(model)
    grow(range(3))
    client.get(url)  # warm the per-process caches (content types, site)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200

    grow(range(3, 15))

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 15 * per_step


# Export -----------------------------------------------------------------------------------------


def exported_rows(response) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers, *rows = [[cell.value for cell in row] for row in sheet.rows]
    return [dict(zip(headers, row, strict=True)) for row in rows]


def export(client, model: str) -> list[dict]:
    response = client.post(reverse(f"admin:organizations_{model}_export"), {"format": XLSX, "resource": "0"})
    assert response.status_code == 200
    return exported_rows(response)


def test_county_staff_export_their_countys_joint_branches(client, county_staff, two_counties):
    client.force_login(county_staff)

    (row,) = export(client, "jointbranch")

    assert row["所在单位"] == "东川工业园区" and row["单位类型"] == "产业园区"
    assert row["区划代码"] == "630102" and "城东区" in row["所在区划"]
    assert str(row["联建日期"])[:10] == (TODAY() - dt.timedelta(days=30)).isoformat()
    assert row["覆盖会员数"] == 0
    assert "东川工业园区工会委员会（0 人）" in row["联建的群团组织"]


def test_county_staff_export_their_countys_meetings(client, county_staff, two_counties):
    client.force_login(county_staff)

    (row,) = export(client, "meeting")

    assert (row["会议名称"], row["会议类型"]) == ("城东区群团联席会议", "联席会议")
    assert row["议定事项"] == "1. 城东区群团联席会议议定事项"
    assert (row["议定事项数"], row["办理中事项"], row["逾期事项"]) == (1, 2, 1)


def test_county_staff_export_their_countys_follow_ups_with_the_overdue_flag(client, county_staff, two_counties):
    client.force_login(county_staff)

    rows = export(client, "followup")

    assert [(row["落实任务"], row["状态"], row["是否逾期"]) for row in rows] == [
        ("城东区群团联席会议任务0", "办理中", "是"),
        ("城东区群团联席会议任务1", "办理中", "否"),
    ]
    assert rows[0]["会议"] == "城东区群团联席会议" and rows[0]["议定事项"] == "城东区群团联席会议议定事项"


def test_the_export_follows_the_changelists_filter(client, county_staff, two_counties):
    client.force_login(county_staff)
    url = reverse("admin:organizations_followup_export") + "?overdue=yes"

    rows = exported_rows(client.post(url, {"format": XLSX, "resource": "0"}))

    assert [row["落实任务"] for row in rows] == ["城东区群团联席会议任务0"]


def test_co_building_rows_are_not_imported(client, province_admin):
    client.force_login(province_admin)
    for model in ("jointbranch", "meeting", "followup"):
        assert client.get(reverse(f"admin:organizations_{model}_import")).status_code == 403
