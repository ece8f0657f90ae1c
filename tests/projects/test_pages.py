"""The staff pages of 服务共融: projects, service records, spending, bundles and the suggestions that
become a bundle in one step — through the browser's door, with its scope, its Chinese errors and
constant query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.projects import services
from apps.projects.forms import GOAL_SERVICE_REQUIRED
from apps.projects.models import (
    Bundle,
    Goal,
    GoalMetric,
    ProjectExpense,
    ProjectRole,
    ProjectStatus,
    ServiceProject,
    ServiceRecord,
)
from apps.projects.views import PERSON_NOT_FOUND, SUGGESTION_GONE
from apps.resources.models import EntryKind, ExpenseCategory, Fund, FundKind
from apps.resources.services import fund_save, ledger_entry_create
from tests.factories import region, unit
from tests.members.factories import PersonFactory, id_number, identity_tag
from tests.projects.factories import ProjectFactory, content, nature, policy, served, service

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def county_fund(county_staff, chengdong_union):
    fund = fund_save(fund=Fund(name="城东区总工会自有经费", kind=FundKind.OWN, owner=chengdong_union, year=TODAY.year))
    ledger_entry_create(
        fund=fund, kind=EntryKind.INCOME, amount=Decimal("200000"), date=dt.date(2026, 1, 5), voucher_number="IN-1"
    )
    return fund


@pytest.fixture
def demo(county_staff, chengdong_union, county_fund):
    """Like the 城东区 demo: two kang-retrofit projects (a 100-point suggestion), one bundle of two contests."""
    women = unit("630102", "women")
    kang = ProjectFactory(
        name="暖心工程·职工家庭电热炕改造",
        lead=chengdong_union,
        fund=county_fund,
        budget=Decimal("150000"),
        participants=[(women, ProjectRole.PARTNER)],
        goals=[{"name": "改造户数", "metric": GoalMetric.PEOPLE, "target": Decimal("4")}],
    )
    warm = ProjectFactory(name="暖心工程·巾帼暖炕行动", lead=women)
    contests = [
        ProjectFactory(
            name=name,
            lead=unit("630102", federation),
            policy_code="skills_contest",
            nature_code="achievement",
            content_code="skills_contest",
            service_codes=["skills_contest_entry"],
            target_tags=tags,
        )
        for name, federation, tags in (
            ("城东区青年职业技能大赛", "youth_league", []),
            ("城东区职工职业技能竞赛", "union", [identity_tag("worker"), identity_tag("migrant_worker")]),
        )
    ]
    bundle = services.bundle_create(
        name="城东区职业技能竞赛捆绑项目", lead_organization=unit("630102", "youth_league"), projects=contests
    )
    people = [
        PersonFactory(name=name, identity_tags=[identity_tag("worker")]) for name in ("马晓梅", "韩德福", "李桂兰")
    ]
    served(kang, people[0])
    served(kang, people[1])
    # 马晓梅 entered both contests: counted once in the bundle.
    served(contests[0], people[0])
    served(contests[1], people[0])
    served(contests[1], people[2])
    return {"kang": kang, "warm": warm, "contests": contests, "bundle": bundle, "people": people, "women": women}


def text(response) -> str:
    return response.content.decode()


def _after(response, marker: str) -> str:
    """The page from `marker` on (the filter forms name categories too)."""
    page = text(response)
    return page[page.index(marker) :]


# Every page, and scope ------------------------------------------------------------------


def test_every_page_renders_for_county_staff_with_the_demo_like_data(client, county_staff, demo):
    client.force_login(county_staff)
    kang, bundle = demo["kang"], demo["bundle"]

    page = text(client.get(reverse("web-project-list")))
    assert "共 4 个项目" in page and "暖心工程·职工家庭电热炕改造" in page and "城东区职业技能竞赛捆绑项目" in page
    assert "150000.00 / 0.00" in page

    page = text(client.get(reverse("web-project-detail", args=[kang.pk])))
    assert "西宁市城东区妇女联合会（协同实施）" in page
    assert 'id="figure-people">2<' in page
    assert "改造户数" in page and 'aria-valuenow="50"' in page  # 2 of 4 households
    assert "电热炕改造" in page and "每人限一次" in page
    assert reverse("web-fund-detail", args=[kang.fund_id]) in page
    assert 'id="record-form"' in page and 'id="expense-form"' in page

    page = text(client.get(reverse("web-project-create")))
    assert 'id="project-form"' in page and "城东区总工会自有经费" in page

    page = text(client.get(reverse("web-bundle-list")))
    assert "城东区职业技能竞赛捆绑项目" in page

    page = text(client.get(reverse("web-bundle-detail", args=[bundle.pk])))
    assert 'id="figure-people">2<' in page
    assert "其中 <strong>1</strong> 人接受了多个成员项目的服务" in page

    page = text(client.get(reverse("web-bundle-suggestions")))
    assert "100 分" in page and "暖心工程·巾帼暖炕行动" in page

    page = text(client.get(reverse("web-person-record", args=[demo["people"][0].pk])))
    assert "电热炕改造 · 暖心工程·职工家庭电热炕改造" in page


@pytest.mark.parametrize(
    "name, args",
    [
        ("web-project-detail", lambda demo: [demo["kang"].pk]),
        ("web-bundle-detail", lambda demo: [demo["bundle"].pk]),
        ("web-person-record", lambda demo: [demo["people"][0].pk]),
    ],
)
def test_another_countys_staff_get_404_on_chengdong_pages(client, other_county_staff, demo, name, args):
    client.force_login(other_county_staff)
    assert client.get(reverse(name, args=args(demo))).status_code == 404


def test_another_countys_staff_cannot_record_a_service_on_a_chengdong_project(client, other_county_staff, demo):
    client.force_login(other_county_staff)
    before = ServiceRecord.objects.count()
    response = client.post(
        reverse("web-service-record-create", args=[demo["kang"].pk]), {"id_number": "x" * 18, "date": "2026-11-20"}
    )
    assert response.status_code == 404
    assert ServiceRecord.objects.count() == before


def test_the_lists_show_nothing_of_another_county(client, other_county_staff, demo):
    client.force_login(other_county_staff)
    assert "共 0 个项目" in text(client.get(reverse("web-project-list")))
    assert "共 0 个捆绑项目" in text(client.get(reverse("web-bundle-list")))
    assert "共 0 条建议" in text(client.get(reverse("web-bundle-suggestions")))


def test_a_user_without_the_permission_gets_the_chinese_403_on_the_create_form(client, mobile_user):
    client.force_login(mobile_user)
    response = client.get(reverse("web-project-create"))
    assert response.status_code == 403
    assert "您没有执行此操作的权限" in text(response)


# The list --------------------------------------------------------------------------------


def test_the_list_filters_by_content_status_bundled_federation_and_search(client, county_staff, demo):
    services.project_set_status(project=demo["warm"], action="cancel")
    client.force_login(county_staff)
    url = reverse("web-project-list")

    def names(**query) -> str:
        return _after(client.get(url, query), 'id="project-results"')

    page = names(content_category=content("skills_contest").pk)
    assert "共 2 个项目" in page and "城东区青年职业技能大赛" in page
    assert "共 1 个项目" in names(status=ProjectStatus.CANCELLED)
    assert "共 2 个项目" in names(bundled="yes")
    page = names(bundled="no")
    assert "共 2 个项目" in page and "暖心工程·巾帼暖炕行动" in page
    # The women's federation leads one project and takes part in another.
    assert "共 2 个项目" in names(federation=demo["women"].federation_id)
    assert "共 1 个项目" in names(q="巾帼")


def test_the_htmx_search_answers_with_the_results_only(client, county_staff, demo):
    client.force_login(county_staff)
    response = client.get(
        reverse("web-project-list"), {"q": "暖心"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="project-results"
    )
    page = text(response)
    assert "<html" not in page and "共 2 个项目" in page


def test_the_list_runs_the_same_number_of_queries_for_2_and_6_projects(
    client, county_staff, chengdong_union, django_assert_num_queries
):
    people = [PersonFactory() for _ in range(2)]
    for number in range(2):
        project = ProjectFactory(name=f"项目{number}", lead=chengdong_union, service_codes=["kang_retrofit"])
        served(project, people[number])
    client.force_login(county_staff)
    url = reverse("web-project-list")
    client.get(url)  # warm the session and the content types
    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    bundle_members = []
    for number in range(2, 6):
        project = ProjectFactory(name=f"项目{number}", lead=unit("630102", "women"))
        bundle_members.append(project)
    services.bundle_create(name="暖心捆绑", lead_organization=chengdong_union, projects=bundle_members)

    with django_assert_num_queries(len(two.captured_queries)):
        response = client.get(url)
    assert "共 6 个项目" in text(response)


def test_the_project_page_runs_the_same_number_of_queries_for_2_and_6_records(
    client, county_staff, demo, django_assert_num_queries
):
    contest = demo["contests"][1]
    client.force_login(county_staff)
    url = reverse("web-project-detail", args=[contest.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    for _ in range(4):
        served(contest, PersonFactory(identity_tags=[identity_tag("worker")]))

    with django_assert_num_queries(len(two.captured_queries)):
        response = client.get(url)
    assert "共 6 条服务记录" in text(response)


# Creating a project ----------------------------------------------------------------------


def _project_form(chengdong_union, county_fund, **changes) -> dict:
    data = {
        "name": "困难职工家庭无障碍改造",
        "lead_organization": chengdong_union.pk,
        "participants": [unit("630102", "disabled").pk],
        "participant_role": ProjectRole.CO_LEAD,
        "policy_standard": policy("barrier_free").pk,
        "work_nature": nature("care").pk,
        "content_category": content("barrier_free").pk,
        "service_types": [service("barrier_free_home").pk],
        "region": region("630102").pk,
        "target_tags": [identity_tag("disabled").pk],
        "min_age": "",
        "max_age": "",
        "gender": "",
        "fund": county_fund.pk,
        "budget": "50000",
        "start_date": "2026-03-01",
        "end_date": "2026-12-31",
        "description": "每户改造经费不超过 5000 元。",
        "goal_metric": GoalMetric.QUANTITY,
        "goal_target": "10",
        "goal_service_type": service("barrier_free_home").pk,
        "goal_name": "改造户数",
    }
    data.update(changes)
    return data


def test_a_project_created_through_the_form_has_its_partners_target_group_fund_and_goal(
    client, county_staff, chengdong_union, county_fund
):
    client.force_login(county_staff)
    response = client.post(reverse("web-project-create"), _project_form(chengdong_union, county_fund))

    project = ServiceProject.objects.get(name="困难职工家庭无障碍改造")
    assert response.status_code == 302 and response.url == reverse("web-project-detail", args=[project.pk])
    assert project.status == ProjectStatus.PLANNED and project.created_by == county_staff
    assert [(p.organization.federation.code, p.role) for p in project.participants.all()] == [
        ("disabled", ProjectRole.CO_LEAD)
    ]
    assert list(project.target_tags.values_list("code", flat=True)) == ["disabled"]
    assert (project.fund, project.budget) == (county_fund, Decimal("50000"))
    goal = project.goals.get()
    assert (goal.name, goal.metric, goal.target, goal.service_type.code) == (
        "改造户数",
        GoalMetric.QUANTITY,
        Decimal("10"),
        "barrier_free_home",
    )
    page = text(client.get(response.url))
    assert "已创建服务项目“困难职工家庭无障碍改造”（筹备中）" in page and "启动项目" in page


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"end_date": "2026-02-01"}, "end_date", services.PERIOD),
        ({"fund": ""}, "fund", services.BUDGET_NEEDS_FUND),
        ({"service_types": []}, "service_types", services.SERVICES_REQUIRED),
        ({"goal_service_type": ""}, "goal_service_type", GOAL_SERVICE_REQUIRED),
        ({"name": "   "}, "name", "该字段是必填项"),
    ],
)
def test_bad_project_input_shows_the_chinese_error_on_its_field_and_writes_nothing(
    client, county_staff, chengdong_union, county_fund, changes, field, message
):
    client.force_login(county_staff)
    response = client.post(reverse("web-project-create"), _project_form(chengdong_union, county_fund, **changes))

    assert response.status_code == 400
    assert f'id="{field}-error">{message}' in text(response)
    assert not ServiceProject.objects.exists() and not Goal.objects.exists()


def test_a_lead_outside_the_scope_is_not_offered(client, county_staff, chengdong_union, county_fund):
    client.force_login(county_staff)
    outside = unit("630103")
    response = client.post(
        reverse("web-project-create"), _project_form(chengdong_union, county_fund, lead_organization=outside.pk)
    )
    assert response.status_code == 400
    assert 'id="lead_organization-error">选择一个有效的选项' in text(response)
    assert not ServiceProject.objects.exists()


# One project: status, services, goals, spending -----------------------------------------


def test_staff_start_finish_and_are_told_when_a_change_is_not_allowed(client, county_staff, chengdong_union):
    project = ProjectFactory(lead=chengdong_union, start=False)
    client.force_login(county_staff)

    response = client.post(reverse("web-project-finish", args=[project.pk]), follow=True)
    assert "项目当前为「筹备中」，不能结项。" in text(response)
    client.post(reverse("web-project-start", args=[project.pk]))
    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE
    response = client.post(reverse("web-project-finish", args=[project.pk]), follow=True)
    project.refresh_from_db()
    assert project.status == ProjectStatus.FINISHED and "项目已结项。" in text(response)
    assert "只有实施中的项目可以登记服务" in text(response)


def _record(person, project, **changes) -> dict:
    data = {
        "id_number": person.id_number,
        "service_type": project.service_types.first().pk,
        "date": "2026-11-20",
        "quantity": "1",
        "amount": "3000",
        "organization": project.lead_organization_id,
        "note": "",
    }
    data.update(changes)
    return data


def test_a_service_is_recorded_for_the_person_found_by_id_number(client, county_staff, demo):
    kang, women = demo["kang"], demo["women"]
    person = PersonFactory(name="祁玉珍")
    client.force_login(county_staff)

    response = client.post(
        reverse("web-service-record-create", args=[kang.pk]), _record(person, kang, organization=women.pk)
    )

    assert response.status_code == 302
    record = ServiceRecord.objects.get(person=person)
    assert (record.project, record.organization, record.amount, record.recorded_by) == (
        kang,
        women,
        Decimal("3000.00"),
        county_staff,
    )
    page = text(client.get(response.url))
    assert "已登记：祁玉珍 接受“电热炕改造”（2026-11-20）。" in page
    assert 'id="figure-people">3<' in page and "祁玉珍" in _after(client.get(response.url), 'id="record-table"')


def test_a_second_one_off_service_is_shown_as_a_409_on_the_id_number_not_a_500(client, county_staff, demo):
    # 马晓梅's home was retrofitted by the union's project; the women's federation's one may not do it again.
    person, warm = demo["people"][0], demo["warm"]
    client.force_login(county_staff)

    response = client.post(reverse("web-service-record-create", args=[warm.pk]), _record(person, warm))

    assert response.status_code == 409
    assert 'id="id_number-error">马晓梅已于 2026-11-27 通过「暖心工程·职工家庭电热炕改造」' in text(response)
    assert "接受过一次性服务「电热炕改造」，每人限一次。" in text(response)
    assert not ServiceRecord.objects.filter(project=warm).exists()


@pytest.mark.parametrize(
    "case, changes, field, message",
    [
        ("unknown person", {"id_number": id_number()}, "id_number", PERSON_NOT_FOUND),
        ("outside the target", {}, "id_number", "不具有项目服务对象的任一身份：农民工、职工"),
        ("before the period", {"date": "2025-12-31"}, "date", "服务日期应在项目期间（2026-01-01 至 2026-12-31）内。"),
        ("unit not taking part", {"organization": "unit"}, "organization", "选择一个有效的选项"),
        ("no quantity", {"quantity": ""}, "quantity", "该字段是必填项"),
    ],
)
def test_a_refused_service_record_shows_why_in_chinese_and_writes_nothing(
    client, county_staff, demo, case, changes, field, message
):
    contest = demo["contests"][1]  # for workers and migrant workers
    person = PersonFactory(name="白雪")
    if changes.get("organization") == "unit":
        changes["organization"] = unit("630102", "women").pk
    client.force_login(county_staff)
    before = ServiceRecord.objects.count()

    response = client.post(reverse("web-service-record-create", args=[contest.pk]), _record(person, contest, **changes))

    assert response.status_code == 400
    assert f'id="{field}-error">' in text(response) and message in text(response)
    assert ServiceRecord.objects.count() == before


def test_a_person_of_another_county_is_not_found_by_id_number(client, county_staff, demo):
    stranger = PersonFactory(region=region("630103"), id_number=id_number(region_code="630103"))
    client.force_login(county_staff)
    response = client.post(
        reverse("web-service-record-create", args=[demo["kang"].pk]), _record(stranger, demo["kang"])
    )
    assert response.status_code == 400 and PERSON_NOT_FOUND in text(response)
    assert not ServiceRecord.objects.filter(person=stranger).exists()


def test_only_users_allowed_to_delete_records_see_the_button_and_can_delete(client, county_staff, province_admin, demo):
    kang = demo["kang"]
    record = ServiceRecord.objects.filter(project=kang).first()
    url = reverse("web-service-record-delete", args=[kang.pk, record.pk])
    client.force_login(county_staff)
    assert url not in text(client.get(reverse("web-project-detail", args=[kang.pk])))
    assert client.post(url).status_code == 403

    client.force_login(province_admin)
    assert url in text(client.get(reverse("web-project-detail", args=[kang.pk])))
    response = client.post(url, follow=True)
    assert f"已删除 {record.person.name} 的服务记录。" in text(response)
    assert not ServiceRecord.objects.filter(pk=record.pk).exists()


def test_a_goal_is_added_and_a_quantity_goal_needs_a_service(client, county_staff, demo):
    kang = demo["kang"]
    client.force_login(county_staff)
    url = reverse("web-project-goal-add", args=[kang.pk])

    response = client.post(url, {"goal-name": "改造户数", "goal-metric": GoalMetric.QUANTITY, "goal-target": "8"})
    assert response.status_code == 400
    assert 'id="goal-service_type-error">服务量口径须选择一项服务。' in text(response)
    assert kang.goals.count() == 1

    response = client.post(
        url,
        {
            "goal-name": "改造户数",
            "goal-metric": GoalMetric.QUANTITY,
            "goal-target": "8",
            "goal-service_type": service("kang_retrofit").pk,
        },
        follow=True,
    )
    assert "已添加目标“改造户数”。" in text(response) and 'aria-valuenow="25"' in text(response)  # 2 of 8


def test_spending_is_recorded_in_the_fund_ledger_and_over_budget_is_refused(client, county_staff, demo):
    kang = demo["kang"]
    client.force_login(county_staff)
    url = reverse("web-project-expense", args=[kang.pk])
    data = {
        "expense-amount": "12000",
        "expense-date": "2026-11-20",
        "expense-voucher_number": "ZC-001",
        "expense-category": ExpenseCategory.objects.get(code="grassroots_service").pk,
        "expense-note": "材料费",
    }

    response = client.post(url, data, follow=True)
    assert "已记支出 12000.00 元（凭证号 ZC-001）。" in text(response)
    assert 'id="figure-spent">12000.00<' in text(response) and "ZC-001" in text(response)
    assert ProjectExpense.objects.get(project=kang).entry.fund == kang.fund

    response = client.post(url, {**data, "expense-amount": "140000", "expense-voucher_number": "ZC-002"})
    assert response.status_code == 400
    assert 'id="expense-amount-error">超出项目预算：预算 150000.00 元，已支出 12000.00 元，本笔 140000 元。' in text(
        response
    )
    assert ProjectExpense.objects.filter(project=kang).count() == 1


# Suggestions and bundles ------------------------------------------------------------------


def test_a_suggestion_shows_its_score_the_criteria_that_match_and_those_that_do_not(
    client, county_staff, demo, chengdong_union
):
    # Same content and policy, another nature: three criteria of four.
    ProjectFactory(
        name="家庭无障碍改造（关爱）",
        lead=unit("630102", "disabled"),
        policy_code="barrier_free",
        content_code="barrier_free",
        service_codes=["barrier_free_home"],
    )
    ProjectFactory(
        name="巾帼助残·家庭无障碍改造",
        lead=unit("630102", "women"),
        policy_code="barrier_free",
        nature_code="rights",
        content_code="barrier_free",
        service_codes=["barrier_free_home"],
    )
    client.force_login(county_staff)

    page = _after(client.get(reverse("web-bundle-suggestions")), 'id="suggestion-results"')
    assert "共 2 条建议" in page
    kang_card, barrier_card = page.split('class="card mb-3 qz-suggestion"')[1:]
    assert "100 分" in kang_card and kang_card.count('data-match="yes"') == 4
    assert "75 分" in barrier_card and barrier_card.count('data-match="no"') == 1
    assert "工作性质不同：关爱帮扶、维权服务" in barrier_card
    # Prefilled from the suggestion: its name and its lead (the union first at one level).
    assert 'value="城东区暖心工程捆绑项目"' in kang_card
    assert f'<option value="{chengdong_union.pk}" selected>' in kang_card

    only = _after(
        client.get(reverse("web-bundle-suggestions"), {"content_category": content("barrier_free").pk}),
        'id="suggestion-results"',
    )
    assert "共 1 条建议" in only and "75 分" in only


def test_a_suggestion_becomes_a_bundle_in_one_step(client, county_staff, demo, chengdong_union):
    kang, warm = demo["kang"], demo["warm"]
    client.force_login(county_staff)
    response = client.post(
        reverse("web-suggestion-bundle-create"),
        {"projects": f"{kang.pk}-{warm.pk}", "name": "城东区暖心工程捆绑项目", "lead_organization": chengdong_union.pk},
    )

    bundle = Bundle.objects.get(name="城东区暖心工程捆绑项目")
    assert response.status_code == 302 and response.url == reverse("web-bundle-detail", args=[bundle.pk])
    assert set(bundle.projects.all()) == {kang, warm}
    assert bundle.budget == Decimal("150000.00") and bundle.created_by == county_staff
    page = text(client.get(response.url))
    assert "已创建捆绑项目“城东区暖心工程捆绑项目”，包含 2 个服务项目。" in page
    assert "改造户数" in page  # the members' goals, added up
    assert "共 0 条建议" in text(client.get(reverse("web-bundle-suggestions")))


@pytest.mark.parametrize(
    "case, status, message",
    [
        ("blank name", 400, "该字段是必填项"),
        ("already bundled", 409, SUGGESTION_GONE),
        ("tampered key", 400, "捆绑建议无效，请刷新页面后重试。"),
        ("lead out of scope", 400, "选择一个有效的选项"),
    ],
)
def test_a_refused_bundle_shows_why_in_chinese_and_writes_nothing(
    client, county_staff, demo, chengdong_union, case, status, message
):
    kang, warm = demo["kang"], demo["warm"]
    data = {"projects": f"{kang.pk}-{warm.pk}", "name": "暖心捆绑", "lead_organization": chengdong_union.pk}
    if case == "blank name":
        data["name"] = ""
    elif case == "already bundled":
        # Someone else bundled one of them since the page was drawn.
        other = ProjectFactory(name="暖心工程·第三个", lead=demo["women"])
        services.bundle_create(name="另一个捆绑", lead_organization=demo["women"], projects=[warm, other])
    elif case == "tampered key":
        data["projects"] = "1;drop"
    else:
        data["lead_organization"] = unit("630103").pk
    client.force_login(county_staff)
    bundles = Bundle.objects.count()

    response = client.post(reverse("web-suggestion-bundle-create"), data)

    assert response.status_code == status
    assert 'id="bundle-error"' in text(response) and message in text(response)
    assert Bundle.objects.count() == bundles
    assert ServiceProject.objects.get(pk=kang.pk).bundle_id is None


def test_a_bundle_counts_a_person_served_by_two_members_once(client, county_staff, demo):
    bundle, (youth, workers) = demo["bundle"], demo["contests"]
    client.force_login(county_staff)
    page = text(client.get(reverse("web-bundle-detail", args=[bundle.pk])))

    def member(project) -> str:
        row = page[page.index(f'id="member-{project.pk}"') :]
        return row[: row.index("</tr>")]

    # Each contest counts its own people (1 and 2); the bundle counts 马晓梅 once: 2, not 3.
    assert 'data-figure="people">1<' in member(youth) and 'data-figure="people">2<' in member(workers)
    assert 'id="figure-people">2<' in page and 'id="figure-records">3<' in page
    listed = _after(client.get(reverse("web-bundle-list")), 'id="bundle-table"')
    assert 'data-figure="people">2<' in listed


def test_a_member_leaves_the_bundle_and_keeps_its_records(client, county_staff, demo):
    bundle, contest = demo["bundle"], demo["contests"][0]
    client.force_login(county_staff)
    response = client.post(reverse("web-bundle-remove-project", args=[bundle.pk, contest.pk]), follow=True)
    contest.refresh_from_db()
    assert contest.bundle_id is None and contest.service_records.count() == 1
    assert "“城东区青年职业技能大赛”已退出捆绑项目" in text(response)
    assert "没有人重复接受多个成员项目的服务" in text(response)


def test_a_shared_goal_is_added_to_the_bundle(client, county_staff, demo):
    bundle = demo["bundle"]
    client.force_login(county_staff)
    url = reverse("web-bundle-goal-add", args=[bundle.pk])

    response = client.post(url, {"goal-name": "参赛人数", "goal-metric": GoalMetric.PEOPLE, "goal-target": "0"})
    assert response.status_code == 400 and "目标值必须大于 0。" in text(response)
    response = client.post(
        url, {"goal-name": "参赛人数", "goal-metric": GoalMetric.PEOPLE, "goal-target": "4"}, follow=True
    )
    assert bundle.goals.get().name == "参赛人数"
    assert 'aria-valuenow="50"' in text(response)  # 2 people of 4


def test_a_form_sent_after_the_project_closed_is_refused_with_the_reason(client, county_staff, demo):
    kang = demo["kang"]
    services.project_set_status(project=kang, action="finish")
    client.force_login(county_staff)

    response = client.post(reverse("web-service-record-create", args=[kang.pk]), _record(PersonFactory(), kang))
    assert response.status_code == 400 and "项目当前为「已结项」，只有实施中的项目可以登记服务。" in text(response)
    response = client.post(
        reverse("web-project-expense", args=[kang.pk]),
        {
            "expense-amount": "100",
            "expense-date": "2026-11-20",
            "expense-voucher_number": "ZC-009",
            "expense-category": ExpenseCategory.objects.get(code="grassroots_service").pk,
        },
    )
    assert response.status_code == 400 and "只有实施中的项目可以记支出。" in text(response)
    assert not ProjectExpense.objects.exists()


def test_the_suggestions_and_a_bundle_run_the_same_number_of_queries_whatever_their_size(
    client, county_staff, demo, django_assert_num_queries
):
    client.force_login(county_staff)
    suggestions = reverse("web-bundle-suggestions")
    bundle = reverse("web-bundle-detail", args=[demo["bundle"].pk])
    client.get(suggestions)
    with CaptureQueriesContext(connection) as small_suggestions:
        client.get(suggestions)
    with CaptureQueriesContext(connection) as small_bundle:
        client.get(bundle)
    for index in range(3):
        ProjectFactory(name=f"暖心工程·第{index}批", lead=demo["women"])
        ProjectFactory(
            name=f"无障碍改造{index}",
            lead=unit("630102", "disabled"),
            policy_code="barrier_free",
            nature_code="care" if index else "rights",
            content_code="barrier_free",
            service_codes=["barrier_free_home"],
        )
        contest = ProjectFactory(
            name=f"技能竞赛{index}",
            lead=unit("630102", "women"),
            policy_code="skills_contest",
            nature_code="achievement",
            content_code="skills_contest",
            service_codes=["skills_contest_entry"],
        )
        services.bundle_add_project(bundle=demo["bundle"], project=contest)

    with django_assert_num_queries(len(small_suggestions.captured_queries)):
        page = text(client.get(suggestions))
    assert "共 3 条建议" in page
    with django_assert_num_queries(len(small_bundle.captured_queries)):
        page = text(client.get(bundle))
    assert "成员项目（5）" in page
