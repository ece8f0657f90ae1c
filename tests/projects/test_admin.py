"""The admin door to integrated services: scoped, fast lists; every add, change and delete through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.organizations.models import Role
from apps.organizations.services import role_assign
from apps.projects import services
from apps.projects.admin import STARTED
from apps.projects.models import Bundle, Goal, GoalMetric, ProjectRole, ProjectStatus, ServiceProject, ServiceRecord
from apps.projects.services.projects import GOAL_SERVICE, STATUS_CHANGE
from apps.projects.targets import TAGS_MISSING
from apps.resources import services as resources
from apps.resources.models import ExpenseCategory, Fund, FundKind
from tests.factories import UserFactory, region, unit
from tests.members.factories import PersonFactory, id_number, identity_tag
from tests.projects.factories import ProjectFactory, content, nature, policy, served, service
from tests.venues.factories import aware

NOW = aware(2026, 6, 15, 10)
TODAY = NOW.date()
YEAR_START, YEAR_END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
MODELS = (
    "policystandard",
    "worknature",
    "contentcategory",
    "servicetype",
    "serviceproject",
    "bundle",
    "servicerecord",
    "projectexpense",
)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def changelist(model: str) -> str:
    return reverse(f"admin:projects_{model}_changelist")


def add_page(model: str) -> str:
    return reverse(f"admin:projects_{model}_add")


def change_page(obj) -> str:
    return reverse(f"admin:projects_{obj._meta.model_name}_change", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def health_project(lead, **kwargs) -> ServiceProject:
    """A project whose service (a health check) may be given to one person again and again."""
    return ProjectFactory(
        lead=lead,
        policy_code="health",
        nature_code="care",
        content_code="health",
        service_codes=["health_check"],
        **kwargs,
    )


def funded_project(lead) -> ServiceProject:
    fund = resources.fund_save(fund=Fund(name="城东区总工会自有经费", kind=FundKind.OWN, owner=lead, year=2026))
    resources.ledger_entry_create(
        fund=fund, kind="income", amount=Decimal("100000.00"), date=YEAR_START, voucher_number="SR-001"
    )
    return ProjectFactory(lead=lead, fund=fund, budget=Decimal("50000.00"))


# Rows for the changelists: `count` of each, all in 城东区 ----------------------------------------


def _projects(lead, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        ProjectFactory(name=f"城东区暖心工程{number}", lead=lead)


def _bundles(lead, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        pair = [ProjectFactory(name=f"城东区暖心工程{number}-{side}", lead=lead) for side in "甲乙"]
        services.bundle_create(name=f"城东区暖心工程捆绑项目{number}", lead_organization=lead, projects=pair)


def _records(lead, count: int, start: int = 0) -> None:
    project = ServiceProject.objects.filter(name="城东区健康体检").first() or health_project(
        lead, name="城东区健康体检"
    )
    person = PersonFactory(name=f"体检对象{start}")
    for _ in range(count):
        served(project, person, "health_check")


def _expenses(lead, count: int, start: int = 0) -> None:
    project = ServiceProject.objects.filter(fund__isnull=False).first() or funded_project(lead)
    category = ExpenseCategory.objects.get(code="grassroots_service")
    for number in range(start, start + count):
        services.project_expense_record(
            project=project, amount=Decimal("100.00"), date=TODAY, voucher_number=f"XM-{number:03d}", category=category
        )


ROWS = {"serviceproject": _projects, "bundle": _bundles, "servicerecord": _records, "projectexpense": _expenses}


# Every page opens ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_and_add_page_opens_for_a_provincial_admin(client, province_admin, chengdong_union, model):
    policy("warm_kang")  # the province enters the policy standards; the migrations bring the rest
    if model in ROWS:
        ROWS[model](chengdong_union, 1)
    client.force_login(province_admin)

    assert province_admin.is_staff and not province_admin.is_superuser
    assert client.get(changelist(model)).status_code == 200
    if model != "projectexpense":  # spending is written by project_expense_record only
        assert client.get(add_page(model)).status_code == 200
    first = client.get(changelist(model)).context["cl"].result_list[0]
    assert client.get(change_page(first)).status_code == 200


@pytest.mark.parametrize("model", sorted(ROWS))
def test_a_changelist_costs_the_same_queries_for_2_and_6_rows(
    client, province_admin, chengdong_union, model, django_assert_num_queries
):
    client.force_login(province_admin)
    ROWS[model](chengdong_union, 2)
    client.get(changelist(model))  # warm the per-process caches (content types, site)
    with CaptureQueriesContext(connection) as two:
        assert client.get(changelist(model)).status_code == 200

    ROWS[model](chengdong_union, 4, start=2)

    with django_assert_num_queries(len(two.captured_queries)):
        response = client.get(changelist(model))
    assert len(response.context["cl"].result_list) == 6


# Scope --------------------------------------------------------------------------------------------


@pytest.fixture
def projects_in_two_counties(chengdong_union, chengzhong_union):
    mine = ProjectFactory(name="城东区职工电热炕改造", lead=chengdong_union)
    theirs = ProjectFactory(name="城中区职工电热炕改造", lead=chengzhong_union, region=region("630103"))
    return mine, theirs


def test_county_staff_see_only_their_countys_projects_and_the_others_answer_404(
    client, county_staff, projects_in_two_counties
):
    mine, theirs = projects_in_two_counties
    client.force_login(county_staff)

    response = client.get(changelist("serviceproject"))

    assert list(response.context["cl"].result_list) == [mine]
    assert "城中区职工电热炕改造" not in response.content.decode()
    assert client.get(change_page(mine)).status_code == 200
    assert client.get(change_page(theirs)).status_code == 404


def test_a_prefecture_admin_does_not_see_another_prefectures_projects(client, projects_in_two_counties):
    haidong_admin = UserFactory(username="haidong_admin")
    role_assign(user=haidong_admin, role=Role.PREFECTURE_ADMIN, region=region("630200"))
    xining_admin = UserFactory(username="xining_admin")
    role_assign(user=xining_admin, role=Role.PREFECTURE_ADMIN, region=region("630100"))

    client.force_login(haidong_admin)
    assert not client.get(changelist("serviceproject")).context["cl"].result_list
    assert client.get(change_page(projects_in_two_counties[0])).status_code == 404
    client.force_login(xining_admin)
    assert set(client.get(changelist("serviceproject")).context["cl"].result_list) == set(projects_in_two_counties)


def test_county_staff_see_only_their_countys_service_records(client, county_staff, chengdong_union, chengzhong_union):
    mine = served(health_project(chengdong_union), PersonFactory(name="城东居民"))
    theirs = served(
        health_project(chengzhong_union, region=region("630103")),
        PersonFactory(name="城中居民", region=region("630103"), id_number=id_number(region_code="630103")),
    )
    client.force_login(county_staff)

    response = client.get(changelist("servicerecord"))

    assert list(response.context["cl"].result_list) == [mine]
    assert client.get(change_page(theirs)).status_code == 404


# Projects through the services ------------------------------------------------------------------


def project_post(lead, partner, **overrides) -> dict:
    data = {
        "name": "城东区巾帼暖炕行动",
        "lead_organization": lead.pk,
        "co_leads": [],
        "partners": [partner.pk],
        "supporters": [],
        "policy_standard": policy("warm_kang").pk,
        "work_nature": nature("care").pk,
        "content_category": content("warm_heart").pk,
        "service_types": [service("kang_retrofit").pk],
        "region": region("630102").pk,
        "target_tags": [identity_tag("worker").pk],
        "min_age": "",
        "max_age": "",
        "gender": "",
        "fund": "",
        "budget": "0",
        "start_date": YEAR_START.isoformat(),
        "end_date": YEAR_END.isoformat(),
        "description": "",
        "goals-TOTAL_FORMS": "1",
        "goals-INITIAL_FORMS": "0",
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "1000",
        "goals-0-name": "改造户数",
        "goals-0-metric": GoalMetric.PEOPLE,
        "goals-0-service_type": "",
        "goals-0-target": "40",
        "_save": "保存",
    }
    data.update(overrides)
    return data


@pytest.fixture
def chengdong_women():
    return unit("630102", "women")


def test_a_project_added_in_the_admin_takes_its_participants_and_goals(
    client, county_staff, chengdong_union, chengdong_women
):
    client.force_login(county_staff)

    response = client.post(add_page("serviceproject"), project_post(chengdong_union, chengdong_women))

    assert response.status_code == 302
    project = ServiceProject.objects.get()
    assert project.created_by == county_staff and project.status == ProjectStatus.PLANNED
    assert [(p.organization, p.role) for p in project.participants.all()] == [(chengdong_women, ProjectRole.PARTNER)]
    assert [(g.name, g.metric, g.target) for g in project.goals.all()] == [("改造户数", "people", Decimal("40"))]
    assert list(project.target_tags.values_list("code", flat=True)) == ["worker"]


def test_a_refused_project_shows_the_services_chinese_error_on_its_field_and_writes_nothing(
    client, county_staff, chengdong_union, chengdong_women
):
    client.force_login(county_staff)

    response = client.post(
        add_page("serviceproject"), project_post(chengdong_union, chengdong_women, budget="30000.00")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["fund"] == [services.BUDGET_NEEDS_FUND]
    assert services.BUDGET_NEEDS_FUND in response.content.decode()
    assert not ServiceProject.objects.exists()


def test_a_refused_goal_shows_its_error_on_the_goal_and_the_project_is_not_written(
    client, county_staff, chengdong_union, chengdong_women
):
    client.force_login(county_staff)

    response = client.post(
        add_page("serviceproject"),
        project_post(chengdong_union, chengdong_women, **{"goals-0-metric": GoalMetric.QUANTITY}),
    )

    assert response.status_code == 200
    (goals,) = response.context["inline_admin_formsets"]
    assert goals.formset.forms[0].errors["service_type"] == [GOAL_SERVICE]
    assert not ServiceProject.objects.exists() and not Goal.objects.exists()


def test_a_project_changed_in_the_admin_goes_through_project_update(
    client, county_staff, chengdong_union, chengdong_women
):
    project = ProjectFactory(
        name="城东区暖炕", lead=chengdong_union, goals=[{"name": "服务人数", "metric": "people", "target": 5}]
    )
    goal = project.goals.get()
    client.force_login(county_staff)
    data = project_post(
        chengdong_union,
        chengdong_women,
        name="城东区暖炕（二期）",
        target_tags=[],
        **{
            "goals-TOTAL_FORMS": "2",
            "goals-INITIAL_FORMS": "1",
            "goals-0-id": goal.pk,
            "goals-0-project": project.pk,
            "goals-0-DELETE": "on",
            "goals-1-name": "服务人次",
            "goals-1-metric": GoalMetric.RECORDS,
            "goals-1-service_type": "",
            "goals-1-target": "80",
        },
    )
    del data["goals-0-name"], data["goals-0-metric"], data["goals-0-service_type"], data["goals-0-target"]

    response = client.post(change_page(project), data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "城东区暖炕（二期）" and project.status == ProjectStatus.ACTIVE
    assert [(p.organization, p.role) for p in project.participants.all()] == [(chengdong_women, ProjectRole.PARTNER)]
    assert [(g.name, g.target) for g in project.goals.all()] == [("服务人次", Decimal("80"))]


def test_the_start_action_starts_the_planned_and_reports_each_refused_row(client, county_staff, chengdong_union):
    planned = ProjectFactory(name="筹备中的项目", lead=chengdong_union, start=False)
    running = ProjectFactory(name="实施中的项目", lead=chengdong_union)
    client.force_login(county_staff)

    response = client.post(
        changelist("serviceproject"),
        {"action": "start_selected", "_selected_action": [planned.pk, running.pk]},
        follow=True,
    )

    planned.refresh_from_db()
    assert planned.status == ProjectStatus.ACTIVE
    shown = messages_of(response)
    assert STARTED.format(count=1) in shown
    assert f"“实施中的项目”未处理：{STATUS_CHANGE.format(status='实施中', action='启动')}" in shown


# Bundles ------------------------------------------------------------------------------------------


def test_a_bundle_made_in_the_admin_counts_a_person_served_by_two_members_once(
    client, county_staff, chengdong_union, chengdong_women
):
    first = health_project(chengdong_union, name="职工健康体检")
    second = health_project(chengdong_women, name="妇女健康体检")
    both, only_first = PersonFactory(name="两个项目都体检"), PersonFactory(name="只在工会体检")
    for project, person in ((first, both), (second, both), (first, only_first)):
        served(project, person)
    client.force_login(county_staff)

    response = client.post(
        add_page("bundle"),
        {
            "name": "城东区健康体检捆绑项目",
            "lead_organization": chengdong_union.pk,
            "projects": [first.pk, second.pk],
            "budget": "",
            "description": "",
            "_save": "保存",
        },
    )

    assert response.status_code == 302
    bundle = Bundle.objects.get()
    assert set(bundle.projects.all()) == {first, second} and bundle.created_by == county_staff
    listed = client.get(changelist("bundle")).context["cl"].result_list[0]
    assert (listed.project_count, listed.people_served, listed.records_count) == (2, 2, 3)
    page = client.get(change_page(bundle)).content.decode()
    assert "职工健康体检" in page and "妇女健康体检" in page


def test_a_bundle_of_different_contents_is_refused_on_the_projects_field(client, county_staff, chengdong_union):
    kang = ProjectFactory(lead=chengdong_union)
    health = health_project(chengdong_union)
    client.force_login(county_staff)

    response = client.post(
        add_page("bundle"),
        {"name": "拼凑的捆绑项目", "lead_organization": chengdong_union.pk, "projects": [kang.pk, health.pk]},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["projects"] == [services.CONTENT_DIFFERS]
    assert not Bundle.objects.exists()


def test_deleting_a_bundle_in_the_admin_lets_its_projects_carry_on_alone(client, province_admin, chengdong_union):
    _bundles(chengdong_union, 1)
    bundle = Bundle.objects.get()
    client.force_login(province_admin)

    response = client.post(reverse("admin:projects_bundle_delete", args=[bundle.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Bundle.objects.exists()
    assert ServiceProject.objects.count() == 2 and not ServiceProject.objects.filter(bundle__isnull=False).exists()


# Service records ----------------------------------------------------------------------------------


def record_post(project, person, **overrides) -> dict:
    return {
        "project": project.pk,
        "person": person.pk,
        "service_type": service("kang_retrofit").pk,
        "organization": "",
        "date": TODAY.isoformat(),
        "quantity": "1",
        "amount": "3000",
        "note": "",
        "_save": "保存",
        **overrides,
    }


def test_a_service_record_added_in_the_admin_goes_through_the_service(client, county_staff, chengdong_union):
    project = ProjectFactory(lead=chengdong_union)
    person = PersonFactory(name="卓玛")
    client.force_login(county_staff)

    response = client.post(add_page("servicerecord"), record_post(project, person))

    assert response.status_code == 302
    record = ServiceRecord.objects.get()
    assert (record.person, record.organization, record.recorded_by) == (person, chengdong_union, county_staff)
    assert record.one_off


def test_a_projects_count_of_people_served_opens_its_records(client, county_staff, chengdong_union):
    warm, other = ProjectFactory(lead=chengdong_union, name="暖心"), ProjectFactory(lead=chengdong_union, name="助学")
    served(warm, PersonFactory(name="卓玛"))
    served(other, PersonFactory(name="拉姆"))
    client.force_login(county_staff)

    link = f"{changelist('servicerecord')}?project__id__exact={warm.pk}"
    assert link in client.get(changelist("serviceproject")).content.decode()
    records = client.get(link)
    assert records.status_code == 200
    assert [record.person.name for record in records.context["cl"].result_list] == ["卓玛"]


def test_a_one_off_service_received_twice_is_refused_on_the_person_field(client, county_staff, chengdong_union):
    project = ProjectFactory(lead=chengdong_union)
    person = PersonFactory(name="卓玛")
    served(project, person)
    client.force_login(county_staff)

    response = client.post(add_page("servicerecord"), record_post(project, person))

    assert response.status_code == 200
    (error,) = response.context["adminform"].form.errors["person"]
    assert error == services.ALREADY_SERVED.format(
        name="卓玛", date=TODAY.isoformat(), project=project.name, service="电热炕改造"
    )
    assert ServiceRecord.objects.count() == 1


def test_a_person_outside_the_target_group_is_told_why_on_the_person_field(client, county_staff, chengdong_union):
    project = ProjectFactory(lead=chengdong_union, target_tags=[identity_tag("disabled")])
    person = PersonFactory(name="扎西")
    client.force_login(county_staff)

    response = client.post(add_page("servicerecord"), record_post(project, person))

    assert response.status_code == 200
    (error,) = response.context["adminform"].form.errors["person"]
    assert error == services.NOT_IN_TARGET.format(name="扎西", reason=TAGS_MISSING.format(tags="残疾人"))
    assert not ServiceRecord.objects.exists()


def test_the_service_record_list_shows_masked_id_numbers_and_searches_by_name_only(
    client, county_staff, chengdong_union
):
    person = PersonFactory(name="卓玛")
    served(ProjectFactory(lead=chengdong_union), person)
    client.force_login(county_staff)

    page = client.get(changelist("servicerecord")).content.decode()
    by_name = client.get(changelist("servicerecord"), {"q": "卓玛"}).context["cl"].result_list
    by_number = client.get(changelist("servicerecord"), {"q": person.id_number}).context["cl"].result_list

    assert person.id_number_masked in page and person.id_number not in page
    assert len(by_name) == 1 and not by_number


def test_deleting_a_service_record_in_the_admin_goes_through_the_service(client, province_admin, chengdong_union):
    record = served(ProjectFactory(lead=chengdong_union), PersonFactory())
    client.force_login(province_admin)

    response = client.post(reverse("admin:projects_servicerecord_delete", args=[record.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not ServiceRecord.objects.exists()


def test_project_spending_is_listed_read_only_with_its_reversal(client, county_staff, chengdong_union):
    _expenses(chengdong_union, 2)
    spent, kept = ServiceProject.objects.get().expenses.order_by("id")
    resources.ledger_entry_reverse(entry=spent.entry, date=TODAY, voucher_number="XM-R01")
    client.force_login(county_staff)

    response = client.get(changelist("projectexpense"))

    rows = response.context["cl"].result_list
    expense_admin = response.context["cl"].model_admin
    with CaptureQueriesContext(connection) as queries:
        shown = {row.pk: expense_admin.reversed(row) for row in rows}
    assert shown == {spent.pk: True, kept.pk: False}
    assert not queries.captured_queries  # the reversal came with the row
    assert client.get(add_page("projectexpense")).status_code == 403


def test_the_bundle_pages_project_picker_finds_projects_in_scope_by_name(
    client, county_staff, chengdong_union, chengzhong_union
):
    ProjectFactory(name="城东区暖心工程", lead=chengdong_union)
    ProjectFactory(name="城中区暖心工程", lead=chengzhong_union, region=region("630103"))
    client.force_login(county_staff)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "projects", "model_name": "servicerecord", "field_name": "project", "term": "暖心"},
    )

    assert [row["text"] for row in response.json()["results"]] == ["城东区暖心工程"]


def test_a_view_only_user_reads_a_project_page(client, chengdong_union):
    reader = UserFactory(username="station_reader")
    township = region("630102001000")
    role_assign(user=reader, role=Role.STATION_STAFF, region=township)
    project = ProjectFactory(
        name="东关街道暖心工程",
        lead=chengdong_union,
        region=township,
        participants=[(unit("630102", "women"), ProjectRole.SUPPORT)],
        goals=[{"name": "服务人数", "metric": "people", "target": 5}],
    )
    client.force_login(reader)

    response = client.get(change_page(project))

    assert response.status_code == 200
    page = response.content.decode()
    assert "东关街道暖心工程" in page and "服务人数" in page
    assert f"{unit('630102', 'women').name}（配合参与）" in page
    assert 'name="_save"' not in page  # nothing to submit
