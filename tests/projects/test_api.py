"""/api/v1/projects/, bundles/, bundles/suggestions/, service-records/ and the reference lists: writes
through the services, scope answers 404, bad input a Chinese 400 with nothing written, a second one-off
service a 409, lists in a constant number of queries, and delta sync."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.organizations.scoping import forget_scope
from apps.projects import services
from apps.projects.bundling import CRITERIA
from apps.projects.models import Bundle, GoalMetric, ProjectStatus, ServiceProject, ServiceRecord
from apps.projects.targets import TOO_YOUNG
from apps.resources.models import EntryKind, ExpenseCategory, Fund, FundKind, LedgerEntry
from apps.resources.services import fund_save, ledger_entry_create
from tests.factories import region, unit
from tests.members.factories import PersonFactory, id_number, identity_tag
from tests.projects.factories import ProjectFactory, content, nature, policy, served, service

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC)  # 12:00 in Xining


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def county_fund(county_staff):
    fund = fund_save(fund=Fund(name="城东区总工会经费", kind=FundKind.OWN, owner=unit("630102", "union"), year=2026))
    ledger_entry_create(
        fund=fund, kind=EntryKind.INCOME, amount=Decimal("50000"), date=dt.date(2026, 1, 5), voucher_number="IN-1"
    )
    return fund


def _project_body(**overrides) -> dict:
    body = {
        "name": "城东区退休职工暖炕工程",
        "lead_organization": unit("630102", "union").pk,
        "participants": [{"organization": unit("630102", "women").pk, "role": "partner"}],
        "policy_standard": policy().pk,
        "work_nature": nature().pk,
        "content_category": content().pk,
        "service_types": [service().pk],
        "region": region("630102").pk,
        "target_tags": ["retired"],
        "min_age": 55,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "goals": [{"name": "改造 40 户", "metric": "quantity", "service_type": service().pk, "target": "40"}],
    }
    return {**body, **overrides}


def _retiree(**extra):
    return PersonFactory(identity_tags=[identity_tag("retired")], id_number=id_number(age=66), **extra)


# Projects


def test_staff_create_start_edit_spend_and_follow_a_project(county_staff, county_fund):
    client = client_for(county_staff)
    women = unit("630102", "women")
    created = client.post("/api/v1/projects/", _project_body(fund=county_fund.pk, budget="30000"), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["participants"] == [{"organization": women.pk, "role": "partner"}]
    assert (body["status"], body["bundle"], body["budget"], body["spent"]) == ("planned", None, "30000.00", "0.00")
    assert (body["target_tags"], body["service_types"]) == (["retired"], [service().pk])
    assert [(goal["metric"], goal["target"]) for goal in body["goals"]] == [("quantity", "40.00")]
    url = f"/api/v1/projects/{body['id']}/"

    started = client.post(f"{url}start/")
    assert started.json()["status"] == "active"
    edited = client.patch(url, {"name": "城东区暖炕工程", "participants": [], "max_age": 90}, format="json")
    assert edited.status_code == 200, edited.json()
    assert (edited.json()["name"], edited.json()["participants"], edited.json()["max_age"]) == (
        "城东区暖炕工程",
        [],
        90,
    )
    # A PUT echoing the whole project back changes nothing it does not name.
    put = client.put(url, {**edited.json(), "description": "每户一铺电热炕"}, format="json")
    assert put.status_code == 200, put.json()
    assert put.json()["goals"] == edited.json()["goals"]

    goal = client.post(f"{url}goals/", {"name": "服务 40 人", "metric": "people", "target": "40"}, format="json")
    assert goal.status_code == 201, goal.json()
    expense = client.post(
        f"{url}expenses/",
        {
            "amount": "12000.00",
            "date": "2026-11-20",
            "voucher_number": "P-1",
            "category": ExpenseCategory.objects.get(code="grassroots_service").pk,
            "note": "炕板材料",
        },
        format="json",
    )
    assert expense.status_code == 201, expense.json()
    entry = LedgerEntry.objects.get(pk=expense.json()["entry"])
    assert (entry.fund, entry.kind, entry.receiving_organization) == (
        county_fund,
        EntryKind.EXPENDITURE,
        unit("630102", "union"),
    )
    served(ServiceProject.objects.get(pk=body["id"]), _retiree(), actor=county_staff)

    figures = client.get(f"{url}figures/").json()
    assert (figures["people"], figures["records"], figures["spent"], figures["remaining"]) == (
        1,
        1,
        "12000.00",
        "18000.00",
    )
    assert [(g["name"], g["achieved"], g["percent"]) for g in figures["goals"]] == [
        ("改造 40 户", "1.00", 2),
        ("服务 40 人", "1.00", 2),
    ]
    assert client.get(url).json()["spent"] == "12000.00"
    assert client.post(f"{url}finish/").json()["status"] == "finished"


def test_bad_input_is_a_400_in_chinese_on_the_field_and_nothing_is_written(county_staff):
    client = client_for(county_staff)
    refused = client.post("/api/v1/projects/", _project_body(end_date="2025-12-31", budget="1000"), format="json")
    assert refused.status_code == 400
    assert refused.json() == {"end_date": [services.PERIOD], "fund": [services.BUDGET_NEEDS_FUND]}
    no_service = client.post("/api/v1/projects/", _project_body(service_types=[]), format="json")
    assert no_service.json() == {"service_types": [services.SERVICES_REQUIRED]}
    assert not ServiceProject.objects.exists()

    project = ProjectFactory(start=False)
    refused = client.post(f"/api/v1/projects/{project.pk}/finish/")
    assert refused.status_code == 400
    assert refused.json() == {"status": ["项目当前为「筹备中」，不能结项。"]}
    record = client.post(
        "/api/v1/service-records/",
        {"project": project.pk, "person": PersonFactory().pk, "service_type": service().pk, "date": "2026-11-20"},
    )
    assert record.status_code == 400
    assert record.json() == {"project": [services.PROJECT_NOT_ACTIVE.format(status="筹备中")]}
    assert not ServiceRecord.objects.exists()


def test_a_project_outside_the_scope_answers_404_and_an_id_filter_outside_it_400(county_staff, other_county_staff):
    project = ProjectFactory(name="城东区暖炕")
    client = client_for(other_county_staff)
    assert client.get("/api/v1/projects/").json()["results"] == []
    url = f"/api/v1/projects/{project.pk}/"
    assert client.get(url).status_code == 404
    assert client.patch(url, {"name": "改名"}, format="json").status_code == 404
    assert client.post(f"{url}cancel/").status_code == 404
    assert client.get(f"{url}figures/").status_code == 404
    project.refresh_from_db()
    assert (project.name, project.status) == ("城东区暖炕", ProjectStatus.ACTIVE)

    outside = client.get("/api/v1/projects/", {"region": region("630102").pk})
    assert outside.status_code == 400
    assert list(outside.json()) == ["region"]
    assert client.get("/api/v1/service-records/", {"project": project.pk}).status_code == 400
    # Nor can a write point at it.
    record = client.post(
        "/api/v1/service-records/",
        {"project": project.pk, "person": PersonFactory(region=region("630103")).pk, "service_type": service().pk},
    )
    assert record.status_code == 400
    assert "project" in record.json()


def test_project_filters_and_search(county_staff):
    kang = ProjectFactory(name="职工暖炕")
    women = ProjectFactory(
        name="巾帼暖炕", lead=unit("630102", "women"), participants=[(unit("630102", "union"), "partner")]
    )
    law = ProjectFactory(
        name="法律援助", lead=unit("630102", "women"), content_code="legal_aid", service_codes=["legal_consultation"]
    )
    planned = ProjectFactory(name="筹备中的暖炕", start=False)
    bundle = services.bundle_create(name="暖炕捆绑", lead_organization=unit("630102", "union"), projects=[kang, women])
    client = client_for(county_staff)

    def ids(**params) -> set[int]:
        response = client.get("/api/v1/projects/", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    union = unit("630102", "union").federation_id
    assert ids(federation=union) == {kang.pk, women.pk, planned.pk}  # leading or taking part
    assert ids(content_category=content("legal_aid").pk) == {law.pk}
    assert ids(status="planned") == {planned.pk}
    assert ids(bundle=bundle.pk) == ids(bundled="true") == {kang.pk, women.pk}
    assert ids(bundled="false") == {law.pk, planned.pk}
    assert ids(search="巾帼") == {women.pk}
    assert ids(region=region("630102").pk, policy_standard=policy().pk, work_nature=nature().pk) == {
        kang.pk,
        women.pk,
        law.pk,
        planned.pk,
    }


def test_updated_since_returns_only_what_changed(county_staff, time_machine):
    old, changed = ProjectFactory(name="早先的项目"), ProjectFactory(name="后来改过的项目")
    record = served(old, PersonFactory())
    time_machine.move_to(NOW + dt.timedelta(hours=2), tick=False)
    services.project_update(project=changed, name="改过名的项目")
    since = {"updated_since": (NOW + dt.timedelta(hours=1)).isoformat()}
    client = client_for(county_staff)
    assert [row["id"] for row in client.get("/api/v1/projects/", since).json()["results"]] == [changed.pk]
    assert client.get("/api/v1/service-records/", since).json()["results"] == []
    assert [row["id"] for row in client.get("/api/v1/service-records/").json()["results"]] == [record.pk]


# Service records


def test_a_second_one_off_service_is_a_409_whichever_project_gives_it(county_staff):
    union_kang = ProjectFactory(name="职工暖炕")
    women_kang = ProjectFactory(name="巾帼暖炕", lead=unit("630102", "women"))
    person = PersonFactory(name="赵大爷")
    client = client_for(county_staff)
    body = {"person": person.pk, "service_type": service().pk, "date": "2026-03-02", "amount": "3200.00"}
    first = client.post("/api/v1/service-records/", {**body, "project": union_kang.pk})
    assert first.status_code == 201, first.json()
    assert first.json() == {
        "id": first.json()["id"],
        "project": union_kang.pk,
        "person": person.pk,
        "person_name": "赵大爷",
        "service_type": service().pk,
        "one_off": True,
        "organization": union_kang.lead_organization_id,
        "date": "2026-03-02",
        "quantity": "1.00",
        "amount": "3200.00",
        "note": "",
        "updated_at": first.json()["updated_at"],
    }
    second = client.post("/api/v1/service-records/", {**body, "project": women_kang.pk, "date": "2026-11-20"})
    assert second.status_code == 409
    assert second.json() == {
        "detail": services.ALREADY_SERVED.format(
            name="赵大爷", date="2026-03-02", project="职工暖炕", service="电热炕改造"
        ),
        "conflicts": [first.json()["id"]],
    }
    assert ServiceRecord.objects.filter(person=person).count() == 1


def test_a_person_outside_the_target_group_is_told_why_and_records_filter_and_delete(county_staff, province_admin):
    project = ProjectFactory(
        name="法律援助", content_code="legal_aid", service_codes=["legal_consultation"], min_age=60
    )
    client = client_for(county_staff)
    young = PersonFactory(name="小王", id_number=id_number(age=30))
    refused = client.post(
        "/api/v1/service-records/",
        {
            "project": project.pk,
            "person": young.pk,
            "service_type": service("legal_consultation").pk,
            "date": "2026-11-20",
        },
    )
    assert refused.status_code == 400
    reason = TOO_YOUNG.format(age=30, min_age=60)
    assert refused.json() == {"person": [services.NOT_IN_TARGET.format(name="小王", reason=reason)]}
    elder = PersonFactory(name="老李", id_number=id_number(age=70))
    records = [served(project, elder, date=dt.date(2026, 11, day)) for day in (2, 20)]
    listed = client.get("/api/v1/service-records/", {"person": elder.pk, "date_from": "2026-11-10"}).json()
    assert [row["id"] for row in listed["results"]] == [records[1].pk]
    # 县级工作人员 record services; removing one entered by mistake is for the administrators.
    assert client.delete(f"/api/v1/service-records/{records[0].pk}/").status_code == 403
    assert client_for(province_admin).delete(f"/api/v1/service-records/{records[0].pk}/").status_code == 204
    assert list(ServiceRecord.objects.values_list("pk", flat=True)) == [records[1].pk]


# Bundles and suggestions


@pytest.fixture
def kang_projects(county_staff):
    """Two projects matching on all four criteria, and one under another policy standard."""
    union = ProjectFactory(name="职工暖炕", lead=unit("630102", "union"), budget=Decimal("0"))
    women = ProjectFactory(
        name="巾帼暖炕",
        lead=unit("630102", "women"),
        goals=[
            {"name": "改造 20 户", "metric": GoalMetric.QUANTITY, "target": Decimal("20"), "service_type": service()}
        ],
    )
    other = ProjectFactory(name="残联暖炕", lead=unit("630102", "disabled"), policy_code="other")
    return union, women, other


def test_suggestions_list_the_matching_group_with_its_score_and_criteria(county_staff, kang_projects):
    union, women, _ = kang_projects
    response = client_for(county_staff).get("/api/v1/bundles/suggestions/", {"min_score": 100})
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "key": f"{union.pk}-{women.pk}",
            "score": 100,
            "matches": {"policy_standard": True, "target": True, "work_nature": True, "content_category": True},
            "matched": list(CRITERIA.values()),
            "unmatched": [],
            "projects": [
                {
                    "id": p.pk,
                    "name": p.name,
                    "lead_organization": p.lead_organization_id,
                    "lead_organization_name": p.lead_organization.name,
                }
                for p in (union, women)
            ],
            "suggested_name": "城东区暖心工程捆绑项目",
            "suggested_lead_organization": union.lead_organization_id,
            "suggested_lead_organization_name": union.lead_organization.name,
        }
    ]
    everything = client_for(county_staff).get("/api/v1/bundles/suggestions/").json()["results"]
    partial = [row for row in everything if row["score"] < 100]
    assert partial and all(row["unmatched"] and row["matches"]["content_category"] for row in partial)
    assert client_for(county_staff).get("/api/v1/bundles/suggestions/", {"min_score": 101}).status_code == 400
    others = client_for(county_staff).get("/api/v1/bundles/suggestions/", {"content_category": content("legal_aid").pk})
    assert others.json()["results"] == []


def test_suggestions_come_in_pages_best_first(county_staff, kang_projects):
    client = client_for(county_staff)
    everything = client.get("/api/v1/bundles/suggestions/").json()
    assert everything["count"] == len(everything["results"]) >= 2 and everything["next"] is None
    first = client.get("/api/v1/bundles/suggestions/", {"page_size": 1}).json()
    assert first["results"] == everything["results"][:1] and first["next"]
    second = client.get(first["next"]).json()
    assert second["results"] == everything["results"][1:2] and second["previous"]
    assert client.get("/api/v1/bundles/suggestions/", {"page": 99}).status_code == 404


def test_a_suggestion_becomes_a_bundle_in_one_post_that_counts_a_person_once(county_staff, kang_projects):
    union, women, _ = kang_projects
    client = client_for(county_staff)
    (suggestion,) = client.get("/api/v1/bundles/suggestions/", {"min_score": 100}).json()["results"]
    created = client.post(
        "/api/v1/bundles/",
        {
            "name": suggestion["suggested_name"],
            "lead_organization": suggestion["suggested_lead_organization"],
            "projects": [project["id"] for project in suggestion["projects"]],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    bundle = created.json()
    assert (bundle["projects"], bundle["budget"], bundle["project_count"]) == ([union.pk, women.pk], "0.00", 2)
    assert [(goal["metric"], goal["target"]) for goal in bundle["goals"]] == [("quantity", "20.00")]
    assert client.get("/api/v1/bundles/suggestions/", {"min_score": 100}).json()["results"] == []

    # One person in both members' target groups: a one-off service only once, and a repeatable one by both.
    person = PersonFactory()
    served(union, person, actor=county_staff)
    for project in (union, women):
        both = services.project_update(project=project, service_types=[service(), service("health_check")])
        served(both, person, "health_check", actor=county_staff)
    figures = client.get(f"/api/v1/bundles/{bundle['id']}/figures/").json()
    assert (figures["totals"]["people"], figures["totals"]["records"]) == (1, 3)
    assert [(m["id"], m["people_served"], m["records_count"]) for m in figures["members"]] == [
        (union.pk, 1, 2),
        (women.pk, 1, 1),
    ]
    assert figures["people_counted_twice"] == 1
    assert [(g["name"], g["achieved"]) for g in figures["totals"]["goals"]] == [("改造 20 户", "1.00")]
    listed = client.get(f"/api/v1/bundles/{bundle['id']}/").json()
    assert (listed["people_served"], listed["records_count"]) == (1, 3)


def test_a_project_already_bundled_is_a_409_and_members_come_and_go(county_staff, kang_projects):
    union, women, other = kang_projects
    client = client_for(county_staff)
    lead = unit("630102", "union").pk
    first = client.post(
        "/api/v1/bundles/", {"name": "甲", "lead_organization": lead, "projects": [union.pk, women.pk]}, format="json"
    ).json()
    taken = client.post(
        "/api/v1/bundles/", {"name": "乙", "lead_organization": lead, "projects": [women.pk, other.pk]}, format="json"
    )
    assert taken.status_code == 409
    assert taken.json()["conflicts"] == [women.pk]
    assert Bundle.objects.count() == 1
    too_few = client.post(
        "/api/v1/bundles/", {"name": "丙", "lead_organization": lead, "projects": [other.pk]}, format="json"
    )
    assert too_few.json() == {"projects": [services.TOO_FEW]}

    url = f"/api/v1/bundles/{first['id']}/"
    added = client.post(f"{url}add-project/", {"project": other.pk})
    assert added.status_code == 200, added.json()
    assert added.json()["projects"] == [union.pk, women.pk, other.pk]
    removed = client.post(f"{url}remove-project/", {"project": union.pk})
    assert removed.json()["projects"] == [women.pk, other.pk]
    renamed = client.patch(url, {"name": "城东区暖炕捆绑", "budget": "5000"}, format="json")
    assert (renamed.json()["name"], renamed.json()["budget"]) == ("城东区暖炕捆绑", "5000.00")
    goal = client.post(f"{url}goals/", {"name": "服务 100 人", "metric": "people", "target": "100"}, format="json")
    assert goal.status_code == 201
    assert client.delete(url).status_code == 204
    assert not ServiceProject.objects.filter(bundle__isnull=False).exists()
    assert ServiceProject.objects.count() == 3


def test_a_bundle_outside_the_scope_answers_404(county_staff, other_county_staff, kang_projects):
    bundle = services.bundle_create(
        name="暖炕捆绑", lead_organization=unit("630102", "union"), projects=kang_projects[:2]
    )
    client = client_for(other_county_staff)
    assert client.get("/api/v1/bundles/").json()["results"] == []
    assert client.get(f"/api/v1/bundles/{bundle.pk}/figures/").status_code == 404
    assert client.delete(f"/api/v1/bundles/{bundle.pk}/").status_code == 404
    assert client.get("/api/v1/bundles/suggestions/").json()["results"] == []
    assert Bundle.objects.filter(pk=bundle.pk).exists()


# Reference data and query counts


def test_reference_lists_are_plain_lists_for_every_signed_in_user(mobile_user):
    client = client_for(mobile_user)
    types = client.get("/api/v1/service-types/").json()
    kang = next(row for row in types if row["code"] == "kang_retrofit")
    assert (kang["name"], kang["unit"], kang["one_off"], kang["category"]) == ("电热炕改造", "户", True, content().pk)
    for resource in ("policy-standards", "work-natures", "content-categories"):
        assert isinstance(client.get(f"/api/v1/{resource}/").json(), list)
    assert APIClient().get("/api/v1/work-natures/").status_code == 401


def _queries(user, url: str) -> int:
    forget_scope(user)  # a fresh request reads the scope again
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, response.json()
    return len(queries)


def _pair(county_staff, index: int) -> None:
    """Two bundled projects with participants, goals, tags and records."""
    projects = [
        ProjectFactory(
            name=f"暖炕{index}{side}",
            lead=unit("630102", lead),
            participants=[(unit("630102", "youth_league"), "support")],
            target_tags=[identity_tag("retired")],
            goals=[{"name": "服务 10 人", "metric": GoalMetric.PEOPLE, "target": Decimal("10")}],
        )
        for side, lead in (("甲", "union"), ("乙", "women"))
    ]
    for project in projects:
        served(project, _retiree(), actor=county_staff)
    services.bundle_create(name=f"捆绑{index}", lead_organization=unit("630102", "union"), projects=projects)


def test_lists_take_the_same_number_of_queries_for_2_and_6_rows(county_staff):
    client = client_for(county_staff)
    urls = ("/api/v1/projects/", "/api/v1/bundles/", "/api/v1/service-records/")
    _pair(county_staff, 0)
    two = [_queries(county_staff, url) for url in urls]
    for index in (1, 2):
        _pair(county_staff, index)
    six = [_queries(county_staff, url) for url in urls]
    assert two == six
    assert len(client.get(urls[0]).json()["results"]) == len(client.get(urls[2]).json()["results"]) == 6
