"""/api/v1/joint-branches/, coverage/, meetings/ and follow-ups/: writes through the services, scope answers
404, bad input a Chinese 400 with nothing written, conflicts a 409, lists in a constant number of queries,
delta sync, and attending units see the meetings they attend."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps.organizations import services
from apps.organizations.api_cobuilding import FEDERATION_UNKNOWN, NAME_NOT_CHOSEN
from apps.organizations.models import (
    FollowUp,
    FollowUpStatus,
    HostUnitKind,
    JointBranch,
    Meeting,
    MeetingKind,
    Organization,
    Role,
)
from apps.organizations.scoping import forget_scope
from apps.organizations.services import role_assign
from apps.organizations.services.cobuilding import ALREADY_DONE, HOST_ATTENDS, NOT_DONE
from tests.factories import HostUnitFactory, UserFactory, federation, region, unit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def days(n: int) -> dt.date:
    return TODAY() + dt.timedelta(days=n)


def establish(host_unit, *codes, days_ago=30):
    for code in codes:
        unit(host_unit.region.code, code)
    return services.joint_branch_establish(
        host_unit=host_unit,
        federations=[federation(code) for code in codes],
        established_on=days(-days_ago),
    )


def liaison_of(organization, username: str):
    user = UserFactory(username=username)
    role_assign(user=user, role=Role.FEDERATION_LIAISON, organization=organization)
    return user


@pytest.fixture
def park(qinghai):
    for code in ("union", "youth_league", "women", "science"):
        unit("630102", code)
    return HostUnitFactory(name="东川工业园区", kind=HostUnitKind.INDUSTRIAL_PARK, region=region("630102"))


def make_meeting(title="城东区群团联席会议", held_days_ago=30):
    return services.meeting_create(
        kind=MeetingKind.JOINT,
        title=title,
        held_on=days(-held_days_ago),
        host=unit("630102", "union"),
        attendees=[unit("630102", "women"), unit("630102", "youth_league")],
        decisions=[
            {
                "text": "群众之家功能室共用",
                "follow_ups": [
                    {"organization": unit("630102", "union"), "task": "制定预约规则", "due_date": days(-5)},
                    {"organization": unit("630102", "women"), "task": "汇总需求", "due_date": days(5)},
                ],
            }
        ],
    )


@pytest.fixture
def meeting(qinghai):
    return make_meeting()


# Joint branches ---------------------------------------------------------------------------


def test_staff_establish_a_joint_branch_by_codes_or_ids_and_read_it_back(county_staff, park):
    client = client_for(county_staff)
    body = {
        "host_unit": park.pk,
        "federations": ["union", federation("women").pk, "youth_league"],
        "established_on": str(days(-3)),
        "note": "园区党群服务中心揭牌",
        "names": {"union": "东川工业园区联合工会"},
    }
    created = client.post("/api/v1/joint-branches/", body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    names = {branch["federation_name"]: branch["name"] for branch in data["branches"]}
    assert names == {
        "工会": "东川工业园区联合工会",
        "共青团": "共青团东川工业园区委员会",
        "妇联": "东川工业园区妇女委员会",
    }
    assert all(branch["members"] == 0 for branch in data["branches"]) and data["members"] == 0
    assert (data["host_unit_name"], data["region"]) == ("东川工业园区", region("630102").pk)
    joint = JointBranch.objects.get(pk=data["id"])
    assert joint.created_by == county_staff
    assert Organization.objects.get(name="东川工业园区联合工会").parent == unit("630102", "union")

    assert client.get(f"/api/v1/joint-branches/{joint.pk}/").json()["branches"] == data["branches"]
    listed = client.get("/api/v1/joint-branches/", {"region": region("630102").pk, "kind": "industrial_park"})
    assert [row["id"] for row in listed.json()["results"]] == [joint.pk]
    assert client.get("/api/v1/joint-branches/", {"kind": "enterprise"}).json()["results"] == []
    after = client.get("/api/v1/joint-branches/", {"established_after": str(days(-1))})
    assert after.json()["results"] == []
    before = client.get("/api/v1/joint-branches/", {"established_before": str(days(-1)), "host_unit": park.pk})
    assert [row["id"] for row in before.json()["results"]] == [joint.pk]


def test_a_branch_already_in_the_unit_is_a_409_and_nothing_is_set_up(county_staff, park):
    union = services.organization_create(
        name="东川园区工会", federation=federation("union"), region=park.region,
        parent=unit("630102", "union"), host_unit=park,
    )  # fmt: skip
    body = {"host_unit": park.pk, "federations": ["union", "women"], "established_on": str(days(-1))}
    response = client_for(county_staff).post("/api/v1/joint-branches/", body, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "东川工业园区已有工会的组织：东川园区工会。", "conflicts": [union.pk]}
    assert not JointBranch.objects.exists()
    assert list(Organization.objects.filter(host_unit=park)) == [union]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"federations": ["union"]}, "federations", services.TOO_FEW_FEDERATIONS),
        ({"federations": ["union", "nope"]}, "federations", FEDERATION_UNKNOWN.format(value="nope")),
        ({"names": {"science": "某科协"}}, "names", NAME_NOT_CHOSEN.format(code="science")),
        ({"established_on": str(days(1))}, "established_on", "联建日期不能晚于今天。"),
        ({"established_on": "2026-02-30"}, "established_on", "日期格式错误"),
    ],
)
def test_bad_joint_branch_input_is_a_chinese_400_and_nothing_is_written(county_staff, park, change, field, message):
    before = Organization.objects.count()
    body = {"host_unit": park.pk, "federations": ["union", "women"], "established_on": str(days(-1)), **change}
    response = client_for(county_staff).post("/api/v1/joint-branches/", body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not JointBranch.objects.exists() and Organization.objects.count() == before


def test_another_county_gets_404_and_may_not_set_up_branches_there(other_county_staff, park):
    joint = establish(park, "union", "women")
    client = client_for(other_county_staff)
    assert client.get(f"/api/v1/joint-branches/{joint.pk}/").status_code == 404
    assert client.get("/api/v1/joint-branches/").json()["results"] == []
    body = {"host_unit": park.pk, "federations": ["union", "women"], "established_on": str(days(-1))}
    response = client.post("/api/v1/joint-branches/", body, format="json")
    assert response.status_code == 400 and "host_unit" in response.json()
    assert JointBranch.objects.count() == 1


def test_users_without_the_permission_may_read_but_not_establish(chengdong_union, park):
    liaison = liaison_of(chengdong_union, "union_liaison")
    body = {"host_unit": park.pk, "federations": ["union", "women"], "established_on": str(days(-1))}
    assert client_for(liaison).post("/api/v1/joint-branches/", body, format="json").status_code == 403
    assert APIClient().get("/api/v1/joint-branches/").status_code == 401


# Coverage ---------------------------------------------------------------------------------


def test_coverage_counts_units_per_kind_and_lists_the_gaps_unit_by_unit(county_staff, other_county_staff, park):
    big = HostUnitFactory(name="大企业", kind=HostUnitKind.ENTERPRISE, region=region("630102"), head_count=140)
    HostUnitFactory(name="外县企业", kind=HostUnitKind.ENTERPRISE, region=region("630103"), head_count=500)
    establish(park, "union", "youth_league", "women", "science")
    establish(big, "union", "women")
    client = client_for(county_staff)
    report = client.get("/api/v1/coverage/", {"region": region("630102").pk})
    assert report.status_code == 200, report.json()
    data = report.json()
    assert (data["region"], data["units"], data["covered"], data["gaps"], data["share"]) == (
        region("630102").pk, 2, 1, 1, 0.5,
    )  # fmt: skip
    kinds = {kind["kind"]: kind for kind in data["kinds"]}
    assert (kinds["industrial_park"]["share"], kinds["industrial_park"]["gaps"]) == (1.0, 0)
    assert (kinds["enterprise"]["units"], kinds["enterprise"]["gaps"]) == (1, 1)
    assert client.get("/api/v1/coverage/").json()["units"] == 2  # the whole scope: 城东区

    gaps = client.get("/api/v1/coverage-gaps/", {"region": region("630102").pk})
    assert gaps.status_code == 200, gaps.json()
    (gap,) = gaps.json()["results"]
    assert (gap["host_unit"], gap["host_unit_name"], gap["head_count"]) == (big.pk, "大企业", 140)
    assert [f["code"] for f in gap["required"]] == ["union", "youth_league", "women"]
    assert [f["code"] for f in gap["missing"]] == ["youth_league"]
    assert [f["code"] for f in gap["present"]] == ["union", "women"]
    assert client.get("/api/v1/coverage-gaps/", {"kind": "industrial_park"}).json()["results"] == []

    # Another county's region is refused like one that does not exist; there the report is theirs.
    refused = client.get("/api/v1/coverage/", {"region": region("630103").pk})
    assert refused.status_code == 400 and "region" in refused.json()
    assert client.get("/api/v1/coverage-gaps/", {"region": region("630103").pk}).status_code == 400
    theirs = client_for(other_county_staff)
    assert theirs.get("/api/v1/coverage/").json()["units"] == 1
    assert [gap["host_unit_name"] for gap in theirs.get("/api/v1/coverage-gaps/").json()["results"]] == ["外县企业"]


def test_the_gaps_come_a_page_at_a_time_by_name_without_repeats(county_staff):
    for n in range(7):
        HostUnitFactory(name=f"企业{n % 3}", kind=HostUnitKind.ENTERPRISE, region=region("630102"), head_count=10)
    client, url, seen = client_for(county_staff), "/api/v1/coverage-gaps/?page_size=3", []
    while url:
        page = client.get(url).json()
        seen += [(gap["host_unit_name"], gap["host_unit"]) for gap in page["results"]]
        url = page["next"]
    assert len(seen) == 7 and seen == sorted(seen)


# Meetings ---------------------------------------------------------------------------------


def _meeting_body(**overrides) -> dict:
    body = {
        "kind": "joint",
        "title": "城东区群团第一次联席会议",
        "held_on": str(days(-2)),
        "host": unit("630102", "union").pk,
        "attendees": [unit("630102", "women").pk, unit("630102", "youth_league").pk],
        "minutes": "研究群众之家功能室共用。",
        "decisions": [
            {
                "text": "功能室统一预约",
                "follow_ups": [
                    {"organization": unit("630102", "union").pk, "task": "制定预约规则", "due_date": str(days(10))},
                    {"organization": unit("630102", "women").pk, "task": "汇总需求", "due_date": str(days(-1))},
                ],
            },
            {"text": "每季度召开一次"},
        ],
    }
    return {**body, **overrides}


def test_staff_record_a_meeting_with_its_decisions_and_add_more(county_staff):
    client = client_for(county_staff)
    created = client.post("/api/v1/meetings/", _meeting_body(), format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["kind"], data["region"], data["host_name"]) == ("joint", region("630102").pk, "西宁市城东区总工会")
    assert (data["decision_count"], data["open_count"], data["overdue_count"]) == (2, 2, 1)
    assert [d["text"] for d in data["decisions"]] == ["功能室统一预约", "每季度召开一次"]
    assert [(f["task"], f["overdue"]) for f in data["decisions"][0]["follow_ups"]] == [
        ("汇总需求", True),
        ("制定预约规则", False),
    ]
    url = f"/api/v1/meetings/{data['id']}/"

    added = client.post(
        f"{url}decisions/",
        {"text": "联建工作纳入考核", "follow_ups": [{"organization": unit("630102", "science").pk,
                                                  "task": "拟定考核办法", "due_date": str(days(20))}]},
        format="json",
    )  # fmt: skip
    assert added.status_code == 201, added.json()
    assert (added.json()["sort_order"], added.json()["follow_ups"][0]["task"]) == (3, "拟定考核办法")
    detail = client.get(url).json()
    assert [d["text"] for d in detail["decisions"]][-1] == "联建工作纳入考核"
    assert detail["decision_count"] == 3

    assert [m["id"] for m in client.get("/api/v1/meetings/", {"kind": "joint"}).json()["results"]] == [data["id"]]
    assert client.get("/api/v1/meetings/", {"kind": "on_site"}).json()["results"] == []
    assert client.get("/api/v1/meetings/", {"held_after": str(days(-1))}).json()["results"] == []
    found = client.get("/api/v1/meetings/", {"held_before": str(days(-1)), "host": unit("630102", "union").pk})
    assert len(found.json()["results"]) == 1
    assert client.get("/api/v1/meetings/", {"region": region("630102001000").pk}).json()["results"] == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"attendees": [999999]}, "attendees", "999999"),
        ({"kind": "party"}, "kind", "不是合法选项"),
        ({"title": " "}, "title", ""),
    ],
)
def test_bad_meeting_input_is_a_chinese_400_and_nothing_is_written(county_staff, change, field, message):
    body = _meeting_body(**change)
    response = client_for(county_staff).post("/api/v1/meetings/", body, format="json")
    assert response.status_code == 400
    assert field in response.json() and message in str(response.json()[field])
    assert not Meeting.objects.exists() and not FollowUp.objects.exists()


def test_a_follow_up_due_before_the_meeting_or_the_host_attending_writes_nothing(county_staff):
    client = client_for(county_staff)
    late = _meeting_body()
    late["decisions"][0]["follow_ups"][0]["due_date"] = str(days(-3))
    response = client.post("/api/v1/meetings/", late, format="json")
    assert response.status_code == 400
    assert response.json() == {"follow_ups": [services.DUE_BEFORE_MEETING.format(date=days(-2))]}
    hosting = _meeting_body(attendees=[unit("630102", "union").pk])
    assert client.post("/api/v1/meetings/", hosting, format="json").json() == {"attendees": [HOST_ATTENDS]}
    assert not Meeting.objects.exists() and not FollowUp.objects.exists()


def test_a_liaison_of_an_attending_unit_sees_the_meeting_and_another_county_does_not(meeting, other_county_staff):
    women = liaison_of(unit("630102", "women"), "women_liaison")
    client = client_for(women)
    assert [m["id"] for m in client.get("/api/v1/meetings/").json()["results"]] == [meeting.pk]
    detail = client.get(f"/api/v1/meetings/{meeting.pk}/")
    assert detail.status_code == 200 and detail.json()["decisions"][0]["text"] == "群众之家功能室共用"
    # Reading is not convening: no decisions added to another unit's meeting.
    assert client.post(f"/api/v1/meetings/{meeting.pk}/decisions/", {"text": "x"}, format="json").status_code == 403

    stranger = client_for(other_county_staff)
    assert stranger.get("/api/v1/meetings/").json()["results"] == []
    assert stranger.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/meetings/{meeting.pk}/decisions/", {"text": "x"}, format="json").status_code == 404
    item = FollowUp.objects.get(task="汇总需求")
    assert stranger.get(f"/api/v1/follow-ups/{item.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/follow-ups/{item.pk}/complete/", {"result": "x"}).status_code == 404
    assert meeting.decisions.count() == 1 and FollowUp.objects.get(pk=item.pk).status == FollowUpStatus.OPEN


# Follow-ups -------------------------------------------------------------------------------


def test_follow_ups_are_added_listed_completed_once_and_reopened(meeting, county_staff):
    client = client_for(county_staff)
    decision = meeting.decisions.get()
    body = {"decision": decision.pk, "organization": unit("630102", "science").pk, "task": "科普进园区",
            "due_date": str(days(7))}  # fmt: skip
    created = client.post("/api/v1/follow-ups/", body, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["meeting"], created.json()["status"], created.json()["overdue"]) == (
        meeting.pk,
        "open",
        False,
    )

    overdue = client.get("/api/v1/follow-ups/", {"overdue": "true"}).json()["results"]
    assert [row["task"] for row in overdue] == ["制定预约规则"] and overdue[0]["overdue"] is True
    on_time = client.get("/api/v1/follow-ups/", {"overdue": "false", "meeting": meeting.pk}).json()["results"]
    assert [row["task"] for row in on_time] == ["汇总需求", "科普进园区"]
    mine = client.get("/api/v1/follow-ups/", {"organization": unit("630102", "women").pk}).json()["results"]
    assert [row["task"] for row in mine] == ["汇总需求"]

    url = f"/api/v1/follow-ups/{overdue[0]['id']}/"
    done = client.post(f"{url}complete/", {"result": "预约规则已印发"}, format="json")
    assert done.status_code == 200, done.json()
    assert (done.json()["status"], done.json()["done_on"], done.json()["overdue"]) == ("done", str(TODAY()), False)
    again = client.post(f"{url}complete/", {"result": "再次"}, format="json")
    assert again.status_code == 409 and again.json()["detail"] == ALREADY_DONE.format(date=TODAY())
    assert client.get("/api/v1/follow-ups/", {"status": "done"}).json()["results"][0]["result"] == "预约规则已印发"
    reopened = client.post(f"{url}reopen/")
    assert (reopened.status_code, reopened.json()["status"], reopened.json()["done_on"]) == (200, "open", None)
    not_done = client.post(f"{url}reopen/")
    assert not_done.status_code == 400 and not_done.json() == {"status": [NOT_DONE]}


def test_bad_follow_up_input_is_a_chinese_400_and_nothing_changes(meeting, county_staff, other_county_staff):
    client = client_for(county_staff)
    decision = meeting.decisions.get()
    base = {"decision": decision.pk, "organization": unit("630102", "science").pk, "task": "科普进园区",
            "due_date": str(days(7))}  # fmt: skip
    early = client.post("/api/v1/follow-ups/", {**base, "due_date": str(days(-40))}, format="json")
    assert early.json() == {"follow_ups": [services.DUE_BEFORE_MEETING.format(date=meeting.held_on)]}
    blank = client.post("/api/v1/follow-ups/", {**base, "task": " "}, format="json")
    assert blank.json() == {"task": ["该字段不能为空。"]}
    hidden = client_for(other_county_staff).post("/api/v1/follow-ups/", base, format="json")
    assert hidden.status_code == 400 and "decision" in hidden.json()
    assert FollowUp.objects.count() == 2

    item = FollowUp.objects.get(task="汇总需求")
    url = f"/api/v1/follow-ups/{item.pk}/complete/"
    assert client.post(url, {"result": ""}, format="json").json() == {"result": ["请填写办理结果。"]}
    future = client.post(url, {"result": "已汇总", "done_on": str(days(1))}, format="json")
    assert future.json() == {"done_on": ["办结日期不能晚于今天。"]}
    assert FollowUp.objects.get(pk=item.pk).status == FollowUpStatus.OPEN


def test_the_assigned_units_liaison_reports_its_own_item_done(meeting):
    women = client_for(liaison_of(unit("630102", "women"), "women_liaison"))
    mine = FollowUp.objects.get(task="汇总需求")
    done = women.post(f"/api/v1/follow-ups/{mine.pk}/complete/", {"result": "需求已汇总", "done_on": str(days(-1))})
    assert done.status_code == 200, done.json()
    assert done.json()["done_on"] == str(days(-1))
    # The union's item is the union's: not even visible to the women's federation.
    theirs = FollowUp.objects.get(task="制定预约规则")
    assert women.post(f"/api/v1/follow-ups/{theirs.pk}/complete/", {"result": "x"}).status_code == 404


# Delta sync and query counts -------------------------------------------------------------


def test_updated_since_returns_only_what_changed(county_staff, meeting, park, time_machine):
    establish(park, "union", "women")
    time_machine.move_to(timezone.now() + dt.timedelta(hours=2), tick=False)
    since = {"updated_since": (timezone.now() - dt.timedelta(hours=1)).isoformat()}
    client = client_for(county_staff)
    for resource in ("joint-branches", "meetings", "follow-ups"):
        assert client.get(f"/api/v1/{resource}/", since).json()["results"] == [], resource
    item = FollowUp.objects.get(task="汇总需求")
    services.follow_up_complete(follow_up=item, result="已汇总")
    services.decision_add(meeting=meeting, text="新的议定事项")
    assert [row["id"] for row in client.get("/api/v1/follow-ups/", since).json()["results"]] == [item.pk]
    assert [row["id"] for row in client.get("/api/v1/meetings/", since).json()["results"]] == [meeting.pk]
    assert client.get("/api/v1/joint-branches/", since).json()["results"] == []
    assert client.get("/api/v1/meetings/", {"updated_since": "yesterday"}).status_code == 400


def _queries(user, url: str) -> int:
    forget_scope(user)  # a fresh request reads the scope again
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, response.json()
    return len(queries)


def _round(index: int) -> None:
    host = HostUnitFactory(name=f"园区{index}", kind=HostUnitKind.INDUSTRIAL_PARK, region=region("630102"))
    establish(host, "union", "youth_league", "women")
    make_meeting(title=f"联席会议{index}", held_days_ago=30 + index)


def test_lists_take_the_same_number_of_queries_for_1_and_4_rows(county_staff, qinghai):
    urls = (
        "/api/v1/joint-branches/", "/api/v1/meetings/", "/api/v1/follow-ups/", "/api/v1/coverage/",
        "/api/v1/coverage-gaps/",
    )  # fmt: skip
    _round(0)
    meeting = Meeting.objects.get()
    one = [_queries(county_staff, url) for url in (*urls, f"/api/v1/meetings/{meeting.pk}/")]
    for index in (1, 2, 3):
        _round(index)
    services.decision_add(meeting=meeting, text="再加一条", follow_ups=[
        {"organization": unit("630102", "science"), "task": "科普", "due_date": days(1)},
    ])  # fmt: skip
    four = [_queries(county_staff, url) for url in (*urls, f"/api/v1/meetings/{meeting.pk}/")]
    assert one == four
    client = client_for(county_staff)
    assert len(client.get(urls[0]).json()["results"]) == len(client.get(urls[1]).json()["results"]) == 4
    assert client.get(urls[3]).json()["units"] == 4
