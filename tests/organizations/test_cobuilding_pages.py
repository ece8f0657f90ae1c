"""The staff pages of co-building: joint branches and coverage (with the xlsx of the gaps), joint meetings
with their decisions and follow-ups, and the 督办 list — through the browser's door, with its scope,
its Chinese errors and constant query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.organizations import selectors, services
from apps.organizations.forms_cobuilding import DECISION_MISSING, ROW_INCOMPLETE
from apps.organizations.models import (
    FollowUp,
    FollowUpStatus,
    HostUnitKind,
    JointBranch,
    Meeting,
    MeetingKind,
    Organization,
)
from apps.organizations.services.cobuilding import RESULT_REQUIRED, TOO_FEW_FEDERATIONS
from apps.organizations.views import PAGE_SIZE
from apps.organizations.views_cobuilding import _every_gap
from tests.factories import HostUnitFactory, federation, region, unit

pytestmark = pytest.mark.django_db
CHENGDONG = "630102"
ALL = ("union", "youth_league", "women", "disabled", "science", "red_cross")


def feds(*codes):
    return [federation(code) for code in codes]


def establish(host_unit, *codes, days_ago=30):
    return services.joint_branch_establish(
        host_unit=host_unit, federations=feds(*codes), established_on=timezone.localdate() - dt.timedelta(days=days_ago)
    )


def make_meeting(title="城东区群团联席会议", *, decisions=1, county=CHENGDONG):
    today = timezone.localdate()
    return services.meeting_create(
        kind=MeetingKind.JOINT,
        title=title,
        held_on=today - dt.timedelta(days=30),
        host=unit(county, "union"),
        attendees=[unit(county, "women"), unit(county, "youth_league")],
        decisions=[
            {
                "text": f"群众之家功能室共用 {n}",
                "follow_ups": [
                    {"organization": unit(county, "union"), "task": f"制定预约规则 {n}",
                     "due_date": today - dt.timedelta(days=5)},
                    {"organization": unit(county, "women"), "task": f"汇总需求 {n}",
                     "due_date": today + dt.timedelta(days=5)},
                ],
            }
            for n in range(1, decisions + 1)
        ],
    )  # fmt: skip


def park(name="东川工业园区", code=CHENGDONG, **kwargs):
    return HostUnitFactory(name=name, kind=HostUnitKind.INDUSTRIAL_PARK, region=region(code), **kwargs)


@pytest.fixture
def demo(qinghai):
    """Like the 城东区 demo: the federations' county units, a joint branch, a gap, a meeting."""
    for code in ALL:
        unit(CHENGDONG, code)
    covered = park()
    establish(covered, "union", "youth_league", "women", "science")
    gap = HostUnitFactory(name="大企业", kind=HostUnitKind.ENTERPRISE, region=region(CHENGDONG), head_count=140)
    establish(gap, "union", "women")
    return {"park": covered, "gap": gap, "meeting": make_meeting()}


def test_every_page_renders_for_county_staff_with_the_demo_like_data(client, county_staff, demo):
    client.force_login(county_staff)
    meeting = demo["meeting"]
    pages = {
        "web-joint-branch-list": "东川工业园区工会委员会",
        "web-joint-branch-establish": "登记联建",
        "web-coverage": "大企业",
        "web-meeting-list": "城东区群团联席会议",
        "web-meeting-create": "议定事项 5",
        "web-follow-up-list": "制定预约规则 1",
    }
    for name, text in pages.items():
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert text in response.content.decode(), name
    page = client.get(reverse("web-meeting-detail", args=[meeting.pk])).content.decode()
    assert "制定预约规则 1" in page and "逾期" in page and "汇总需求 1" in page


def test_the_joint_branch_list_shows_each_branch_with_its_members(client, county_staff, demo):
    client.force_login(county_staff)
    page = client.get(reverse("web-joint-branch-list")).content.decode()
    assert "共 2 次联建" in page and "大企业妇女委员会" in page and "0 人" in page


def test_coverage_shows_the_share_per_kind_and_links_each_gap_to_the_prefilled_form(client, county_staff, demo):
    client.force_login(county_staff)
    page = client.get(reverse("web-coverage")).content.decode()
    assert "应建单位 <strong>2</strong> 个，已建全 <strong>1</strong> 个" in page
    link = f"{reverse('web-joint-branch-establish')}?host_unit={demo['gap'].pk}"
    assert link in page
    form = client.get(link).context["form"]
    assert form.initial["host_unit"] == demo["gap"].pk
    assert form.initial["federations"] == [federation("youth_league").pk]


def test_the_gaps_export_to_xlsx_with_one_row_per_unit(client, county_staff, demo):
    park(name="西山园区")  # no branch at all: a second gap
    client.force_login(county_staff)
    response = client.get(reverse("web-coverage"), {"region": region(CHENGDONG).pk, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("区划", "单位名称")
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"大企业", "西山园区"}
    assert by_name["大企业"][6] == "共青团" and by_name["西山园区"][5] == "—"


def test_the_gaps_are_shown_a_page_at_a_time_and_exported_whole(client, county_staff, demo):
    for n in range(PAGE_SIZE + 2):
        HostUnitFactory(name=f"企业{n:03}", kind=HostUnitKind.ENTERPRISE, region=region(CHENGDONG), head_count=10)
    client.force_login(county_staff)
    first = client.get(reverse("web-coverage"))
    shown = first.content.decode().count("data-host-unit=")
    assert shown == PAGE_SIZE and f"{PAGE_SIZE + 3} 个" in first.content.decode()  # with demo's 大企业
    htmx = {"HX-Request": "true", "HX-Target": "gap-results"}
    second = client.get(reverse("web-coverage"), {"page": 2}, headers=htmx)
    rows = second.content.decode()
    assert rows.count("data-host-unit=") == 3 and "<html" not in rows  # only the table, for htmx
    sheet = load_workbook(io.BytesIO(client.get(reverse("web-coverage"), {"format": "xlsx"}).content)).active
    assert sheet.max_row == 1 + PAGE_SIZE + 3


def test_the_export_reads_the_gaps_in_batches_without_repeats_or_gaps(county_staff, demo):
    for n in range(7):
        HostUnitFactory(name=f"企业{n % 3}", kind=HostUnitKind.ENTERPRISE, region=region(CHENGDONG), head_count=10)
    gaps = selectors.coverage_gaps(user=county_staff)
    batched = [gap.host_unit.pk for gap in _every_gap(gaps, batch=2)]
    assert batched == [unit.pk for unit in gaps] and len(batched) == 8


def test_another_countys_staff_get_404_on_chengdong_pages_and_see_nothing_in_lists(client, other_county_staff, demo):
    client.force_login(other_county_staff)
    meeting = demo["meeting"]
    item = FollowUp.objects.filter(decision__meeting=meeting).first()
    assert client.get(reverse("web-meeting-detail", args=[meeting.pk])).status_code == 404
    post = {"result": "办好了", "task": "x", "due_date": "2030-01-01"}
    assert client.post(reverse("web-follow-up-complete", args=[item.pk]), post).status_code == 404
    assert client.post(reverse("web-follow-up-reopen", args=[item.pk])).status_code == 404
    assert client.post(reverse("web-follow-up-add", args=[item.decision_id]), post).status_code == 404
    assert "共 0 次联建" in client.get(reverse("web-joint-branch-list")).content.decode()
    assert "共 0 次会议" in client.get(reverse("web-meeting-list")).content.decode()
    assert "共 0 项" in client.get(reverse("web-follow-up-list"), {"state": "all"}).content.decode()
    assert "大企业" not in client.get(reverse("web-coverage")).content.decode()
    item.refresh_from_db()
    assert item.status == FollowUpStatus.OPEN


def test_a_host_unit_of_another_county_is_not_offered_for_a_joint_branch(client, other_county_staff, demo):
    client.force_login(other_county_staff)
    response = client.post(
        reverse("web-joint-branch-establish"),
        {"host_unit": demo["gap"].pk, "federations": [federation("youth_league").pk, federation("science").pk],
         "established_on": timezone.localdate().isoformat()},
    )  # fmt: skip
    assert response.status_code == 400 and "host_unit" in response.context["form"].errors


def test_a_user_without_the_permission_gets_the_chinese_403_on_the_forms(client, mobile_user):
    client.force_login(mobile_user)
    for name in ("web-joint-branch-establish", "web-meeting-create"):
        response = client.get(reverse(name))
        assert response.status_code == 403 and "没有执行此操作的权限" in response.content.decode()


# Joint branches -----------------------------------------------------------------------------------


def test_a_joint_branch_is_established_through_the_form(client, county_staff, demo):
    client.force_login(county_staff)
    new = park(name="南川园区")
    response = client.post(
        reverse("web-joint-branch-establish"),
        {"host_unit": new.pk, "federations": [f.pk for f in feds("union", "women")],
         "established_on": timezone.localdate().isoformat(), "note": "党委牵头"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == reverse("web-joint-branch-list")
    joint = JointBranch.objects.get(host_unit=new)
    assert joint.note == "党委牵头" and joint.created_by == county_staff
    assert {b.federation.code for b in joint.branches.all()} == {"union", "women"}


def test_bad_joint_branch_input_shows_the_chinese_error_and_writes_nothing(client, county_staff, demo):
    client.force_login(county_staff)
    new = park(name="南川园区")
    before = (JointBranch.objects.count(), Organization.objects.count())
    response = client.post(
        reverse("web-joint-branch-establish"),
        {"host_unit": new.pk, "federations": [federation("union").pk],
         "established_on": timezone.localdate().isoformat()},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.context["form"].errors["federations"] == [TOO_FEW_FEDERATIONS]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("web-joint-branch-establish"),
        {"host_unit": new.pk, "federations": [f.pk for f in feds("union", "women")], "established_on": tomorrow},
    )
    assert response.status_code == 400 and "不能晚于今天" in response.content.decode()
    assert (JointBranch.objects.count(), Organization.objects.count()) == before


def test_a_branch_already_there_is_a_409_shown_on_the_form(client, county_staff, demo):
    client.force_login(county_staff)
    before = Organization.objects.count()
    response = client.post(
        reverse("web-joint-branch-establish"),
        {"host_unit": demo["gap"].pk, "federations": [f.pk for f in feds("union", "youth_league")],
         "established_on": timezone.localdate().isoformat()},
    )  # fmt: skip
    assert response.status_code == 409
    assert "大企业已有工会的组织：大企业工会委员会" in response.content.decode()
    assert Organization.objects.count() == before


# Meetings -------------------------------------------------------------------------------------------


def _meeting_post(**extra) -> dict:
    today = timezone.localdate()
    data = {
        "kind": MeetingKind.PROMOTION,
        "title": "联建推进会",
        "held_on": (today - dt.timedelta(days=3)).isoformat(),
        "host": unit(CHENGDONG, "union").pk,
        "attendees": [unit(CHENGDONG, "women").pk, unit(CHENGDONG, "science").pk],
        "minutes": "部署园区联建。",
        "d0_text": "年底前完成园区联建",
        "d0_f0_organization": unit(CHENGDONG, "union").pk,
        "d0_f0_task": "摸排园区企业",
        "d0_f0_due": (today + dt.timedelta(days=30)).isoformat(),
        "d0_f2_organization": unit(CHENGDONG, "science").pk,
        "d0_f2_task": "建立科协组织",
        "d0_f2_due": (today + dt.timedelta(days=60)).isoformat(),
        "d3_text": "每季度通报一次",
    }
    data.update(extra)
    return data


def test_a_meeting_is_created_with_its_decisions_and_follow_ups_and_empty_rows_ignored(client, county_staff, demo):
    client.force_login(county_staff)
    response = client.post(reverse("web-meeting-create"), _meeting_post())
    meeting = Meeting.objects.get(title="联建推进会")
    assert response.status_code == 302 and response["Location"] == reverse("web-meeting-detail", args=[meeting.pk])
    assert meeting.kind == MeetingKind.PROMOTION and meeting.attendees.count() == 2
    decisions = list(meeting.decisions.order_by("sort_order"))
    assert [d.text for d in decisions] == ["年底前完成园区联建", "每季度通报一次"]
    assert [f.task for f in decisions[0].follow_ups.order_by("due_date")] == ["摸排园区企业", "建立科协组织"]


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"title": " "}, "title", "该字段是必填项。"),
        ({"d0_f0_task": ""}, "d0_f0_task", ROW_INCOMPLETE),
        ({"d0_text": ""}, "d0_text", DECISION_MISSING),
        ({"attendees": [], "d0_f0_due": "2001-01-01"}, None, "不能早于会议日期"),
        ({"attendees": ["999999"]}, "attendees", "请选择列表中的单位"),
        ({"kind": "party"}, "kind", "选择一个有效的选项"),
    ],
)
def test_bad_meeting_input_shows_the_chinese_error_and_writes_nothing(
    client, county_staff, demo, extra, field, message
):
    client.force_login(county_staff)
    if field == "attendees" and extra["attendees"] == ["999999"]:
        extra = {"attendees": [unit(CHENGDONG, "union").pk, 999999]}
    before = (Meeting.objects.count(), FollowUp.objects.count())
    response = client.post(reverse("web-meeting-create"), _meeting_post(**extra))
    assert response.status_code == 400
    errors = response.context["form"].errors
    shown = " ".join(errors.get(field or "__all__", []))
    assert message in shown, errors
    assert (Meeting.objects.count(), FollowUp.objects.count()) == before


def test_the_host_listed_again_as_attendee_is_refused_on_the_attendees(client, county_staff, demo):
    client.force_login(county_staff)
    response = client.post(reverse("web-meeting-create"), _meeting_post(attendees=[unit(CHENGDONG, "union").pk]))
    assert response.status_code == 400
    assert response.context["form"].errors["attendees"] == ["召集单位不必再列为参会单位。"]
    assert not Meeting.objects.filter(title="联建推进会").exists()


def test_the_meeting_list_filters_by_kind_and_counts_open_and_overdue_items(client, county_staff, demo):
    client.force_login(county_staff)
    page = client.get(reverse("web-meeting-list")).content.decode()
    assert 'data-figure="open">2<' in page and '<span class="badge text-bg-danger">1</span>' in page
    assert "共 0 次会议" in client.get(reverse("web-meeting-list"), {"kind": "on_site"}).content.decode()


# Follow-ups -----------------------------------------------------------------------------------------


def test_an_item_is_done_with_its_result_and_reopened(client, county_staff, demo):
    client.force_login(county_staff)
    item = FollowUp.objects.get(task="制定预约规则 1")
    response = client.post(reverse("web-follow-up-complete", args=[item.pk]), {"result": "规则已印发"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.result, item.done_on) == (FollowUpStatus.DONE, "规则已印发", timezone.localdate())
    page = client.get(reverse("web-meeting-detail", args=[demo["meeting"].pk])).content.decode()
    assert "办理结果：规则已印发" in page and f'id="reopen-{item.pk}"' in page
    second = client.post(reverse("web-follow-up-complete", args=[item.pk]), {"result": "再次"})
    assert second.status_code == 409 and "已于" in second.content.decode()
    assert client.post(reverse("web-follow-up-reopen", args=[item.pk])).status_code == 302
    item.refresh_from_db()
    assert item.status == FollowUpStatus.OPEN and item.done_on is None


def test_an_item_done_without_a_result_shows_why_on_the_item_and_stays_open(client, county_staff, demo):
    client.force_login(county_staff)
    item = FollowUp.objects.get(task="制定预约规则 1")
    response = client.post(reverse("web-follow-up-complete", args=[item.pk]), {"result": " "})
    assert response.status_code == 400
    assert f'id="result-{item.pk}-error">{RESULT_REQUIRED}' in response.content.decode()
    item.refresh_from_db()
    assert item.status == FollowUpStatus.OPEN


def test_a_follow_up_is_added_to_a_decision_and_a_bad_one_is_refused(client, county_staff, demo):
    client.force_login(county_staff)
    decision = demo["meeting"].decisions.get()
    prefix = f"d{decision.pk}-"
    url = reverse("web-follow-up-add", args=[decision.pk])
    good = {f"{prefix}organization": unit(CHENGDONG, "science").pk, f"{prefix}task": "科普进园区",
            f"{prefix}due_date": (timezone.localdate() + dt.timedelta(days=9)).isoformat()}  # fmt: skip
    early = {**good, f"{prefix}due_date": "2001-01-01"}
    response = client.post(url, early)
    assert response.status_code == 400 and "完成时限不能早于会议日期" in response.content.decode()
    assert not FollowUp.objects.filter(task="科普进园区").exists()
    assert client.post(url, good).status_code == 302
    assert FollowUp.objects.get(task="科普进园区").organization == unit(CHENGDONG, "science")


def test_the_follow_up_list_filters_overdue_done_and_by_organization(client, county_staff, demo):
    client.force_login(county_staff)
    url = reverse("web-follow-up-list")
    assert "共 2 项" in client.get(url).content.decode()
    overdue = client.get(url, {"state": "overdue"}).content.decode()
    assert "共 1 项" in overdue and "制定预约规则 1" in overdue
    women = client.get(url, {"organization": unit(CHENGDONG, "women").pk}).content.decode()
    assert "共 1 项" in women and "汇总需求 1" in women
    assert "共 0 项" in client.get(url, {"state": "done"}).content.decode()


# Query counts ---------------------------------------------------------------------------------------


def _same_queries(client, url, grow, django_assert_num_queries, params=None):
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, params or {}).status_code == 200
    grow()
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url, params or {}).status_code == 200


def test_the_lists_and_the_coverage_run_the_same_number_of_queries_whatever_their_size(
    client, county_staff, demo, django_assert_num_queries
):
    client.force_login(county_staff)

    grown = iter(range(100))

    def more_joints():
        for n in (next(grown) for _ in range(3)):
            establish(park(name=f"园区{n}"), "union", "women", "disabled")
            HostUnitFactory(name=f"企业{n}", kind=HostUnitKind.ENTERPRISE, region=region(CHENGDONG), head_count=30)

    def more_meetings():
        for n in (next(grown) for _ in range(3)):
            make_meeting(f"推进会{n}", decisions=3)

    _same_queries(client, reverse("web-joint-branch-list"), more_joints, django_assert_num_queries)
    _same_queries(client, reverse("web-coverage"), more_joints, django_assert_num_queries)
    _same_queries(client, reverse("web-meeting-list"), more_meetings, django_assert_num_queries)
    _same_queries(client, reverse("web-follow-up-list"), more_meetings, django_assert_num_queries, {"state": "all"})
    meeting = demo["meeting"]
    detail = reverse("web-meeting-detail", args=[meeting.pk])

    def more_decisions():
        for n in (next(grown) for _ in range(3)):
            services.decision_add(
                meeting=meeting,
                text=f"补充事项{n}",
                follow_ups=[{"organization": unit(CHENGDONG, "women"), "task": f"任务{n}",
                             "due_date": timezone.localdate()}],
            )  # fmt: skip

    _same_queries(client, detail, more_decisions, django_assert_num_queries)
