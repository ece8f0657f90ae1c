"""Project services: validation, spending through the fund's ledger, the beneficiary ledger and its
one-off rule, bundles that keep each project's records and count a person once, the closing task."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.exceptions import ConflictError
from apps.projects import selectors, services
from apps.projects.models import GoalMetric, ProjectExpense, ProjectStatus, ServiceProject, ServiceRecord
from apps.projects.services.records import DATE_OUTSIDE_PERIOD
from apps.projects.targets import TAGS_MISSING, TOO_YOUNG
from apps.projects.tasks import projects_finish_ended_task
from apps.resources.models import EntryKind, ExpenseCategory, Fund, FundKind, LedgerEntry
from apps.resources.services import fund_save, grassroots_share, ledger_entry_create, ledger_entry_reverse
from tests.factories import region, unit
from tests.members.factories import PersonFactory, id_number, identity_tag
from tests.projects.factories import ProjectFactory, served, service, this_year

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def provincial_fund(province_admin):
    fund = fund_save(
        fund=Fund(name="省总工会自有经费", kind=FundKind.OWN, owner=unit("630000", "union"), year=TODAY.year)
    )
    ledger_entry_create(
        fund=fund, kind=EntryKind.INCOME, amount=Decimal("100000"), date=dt.date(2026, 1, 5), voucher_number="IN-1"
    )
    return fund


def _spend(project, amount: str, voucher: str, actor=None):
    return services.project_expense_record(
        actor=actor,
        project=project,
        amount=Decimal(amount),
        date=TODAY,
        voucher_number=voucher,
        category=ExpenseCategory.objects.get(code="grassroots_service"),
        note="材料费",
    )


# Projects


def test_a_project_needs_a_period_that_ends_after_it_starts_and_a_fund_for_its_budget(county_staff):
    with pytest.raises(ValidationError) as refused:
        ProjectFactory(
            actor=county_staff,
            start_date=dt.date(2026, 6, 1),
            end_date=dt.date(2026, 5, 1),
            budget=Decimal("1000"),
        )
    assert refused.value.message_dict == {
        "end_date": [services.PERIOD],
        "fund": [services.BUDGET_NEEDS_FUND],
    }
    assert not ServiceProject.objects.exists()


def test_a_project_must_offer_at_least_one_service(county_staff):
    with pytest.raises(ValidationError) as refused:
        ProjectFactory(actor=county_staff, service_codes=[])
    assert refused.value.message_dict == {"service_types": [services.SERVICES_REQUIRED]}


def test_staff_cannot_create_a_project_led_by_another_countys_unit(county_staff):
    with pytest.raises(ValidationError) as refused:
        ProjectFactory(actor=county_staff, lead=unit("630103", "union"))
    assert "lead_organization" in refused.value.message_dict
    assert not ServiceProject.objects.exists()


def test_a_user_without_the_permission_cannot_create_a_project(mobile_user):
    with pytest.raises(PermissionDenied):
        ProjectFactory(actor=mobile_user)


def test_status_moves_planned_active_finished_and_not_backwards(county_staff):
    project = ProjectFactory(actor=county_staff, start=False)
    assert project.status == ProjectStatus.PLANNED
    project = services.project_set_status(actor=county_staff, project=project, action="start")
    project = services.project_set_status(actor=county_staff, project=project, action="finish")
    with pytest.raises(ValidationError):
        services.project_set_status(actor=county_staff, project=project, action="start")
    assert ServiceProject.objects.get(pk=project.pk).status == ProjectStatus.FINISHED


def test_the_daily_task_closes_projects_whose_period_has_ended_once(county_staff):
    ended = ProjectFactory(actor=county_staff, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 11, 26))
    running = ProjectFactory(actor=county_staff)
    assert projects_finish_ended_task.delay().get() == 1
    assert projects_finish_ended_task.delay().get() == 0
    ended.refresh_from_db()
    running.refresh_from_db()
    assert (ended.status, running.status) == (ProjectStatus.FINISHED, ProjectStatus.ACTIVE)


# Spending through the fund's ledger


def test_spending_is_an_expenditure_in_the_funds_ledger_received_by_the_lead_unit(county_staff, provincial_fund):
    project = ProjectFactory(fund=provincial_fund, budget=Decimal("30000"))
    expense = _spend(project, "12000.00", "P-1", actor=county_staff)
    entry = LedgerEntry.objects.get(pk=expense.entry_id)
    assert (entry.fund, entry.kind, entry.amount) == (provincial_fund, EntryKind.EXPENDITURE, Decimal("12000.00"))
    assert entry.receiving_organization == project.lead_organization
    assert entry.note == f"{project.name}：材料费"
    assert ProjectExpense.objects.get(pk=expense.pk).date == entry.date == TODAY  # listed by it, without the ledger
    assert services.project_spent(project) == Decimal("12000.00")
    # The provincial fund's money spent on a county's project counts for the grassroots.
    share = grassroots_share(fund=provincial_fund, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    assert share.grassroots == share.total == Decimal("12000.00")


def test_spending_above_the_budget_is_refused_and_leaves_the_ledger_alone(provincial_fund):
    project = ProjectFactory(fund=provincial_fund, budget=Decimal("10000"))
    _spend(project, "8000", "P-1")
    with pytest.raises(ValidationError) as refused:
        _spend(project, "2000.01", "P-2")
    assert refused.value.message_dict == {
        "amount": [services.OVER_BUDGET.format(budget="10000.00", spent="8000.00", amount="2000.01")]
    }
    assert provincial_fund.entries.filter(kind=EntryKind.EXPENDITURE).count() == 1


def test_a_reversed_ledger_entry_gives_the_budget_back(provincial_fund):
    project = ProjectFactory(fund=provincial_fund, budget=Decimal("10000"))
    expense = _spend(project, "8000", "P-1")
    ledger_entry_reverse(entry=expense.entry, date=TODAY, voucher_number="P-1R")
    assert services.project_spent(project) == Decimal("0.00")
    _spend(project, "9000", "P-2")
    assert selectors.project_figures(project).spent == Decimal("9000.00")


def test_the_ledgers_own_rules_still_apply_to_project_spending(province_admin):
    poor = fund_save(fund=Fund(name="小额经费", kind=FundKind.OWN, owner=unit("630102", "union"), year=TODAY.year))
    project = ProjectFactory(fund=poor, budget=Decimal("5000"))
    with pytest.raises(ValidationError) as refused:
        _spend(project, "100", "P-1")
    assert "amount" in refused.value.message_dict  # the fund's balance is 0
    assert not project.expenses.exists()


# The beneficiary ledger


def test_a_person_outside_the_target_group_is_told_why(county_staff):
    project = ProjectFactory(target_tags=[identity_tag("disabled")], min_age=18)
    with pytest.raises(ValidationError) as no_tag:
        served(project, PersonFactory(name="王五"), actor=county_staff)
    assert no_tag.value.message_dict == {
        "person": [services.NOT_IN_TARGET.format(name="王五", reason=TAGS_MISSING.format(tags="残疾人"))]
    }
    number = id_number(age=16)
    young = PersonFactory(
        name="小李",
        id_number=number,
        identity_tags=[identity_tag("disabled")],
        disability_certificate_number=f"{number}12",
    )
    with pytest.raises(ValidationError) as too_young:
        served(project, young, actor=county_staff)
    reason = TOO_YOUNG.format(age=16, min_age=18)
    assert too_young.value.message_dict == {"person": [services.NOT_IN_TARGET.format(name="小李", reason=reason)]}
    assert not ServiceRecord.objects.exists()


def test_a_record_must_fall_in_the_period_offer_the_service_and_come_from_a_unit_taking_part(county_staff):
    project = ProjectFactory(participants=[(unit("630102", "women"), "partner")])
    person = PersonFactory()
    with pytest.raises(ValidationError) as refused:
        served(
            project,
            person,
            "health_check",
            date=dt.date(2025, 12, 31),
            organization=unit("630102", "youth_league"),
            actor=county_staff,
        )
    first, last = this_year()
    assert refused.value.message_dict == {
        "date": [DATE_OUTSIDE_PERIOD.format(start=first, end=last)],
        "service_type": [services.SERVICE_NOT_OFFERED.format(project=project.name, service="健康体检")],
        "organization": [services.UNIT_NOT_TAKING_PART],
    }
    record = served(project, person, organization=unit("630102", "women"), actor=county_staff)
    assert record.organization == unit("630102", "women")


def test_only_an_active_project_records_services(county_staff):
    project = ProjectFactory(start=False)
    with pytest.raises(ValidationError) as refused:
        served(project, PersonFactory(), actor=county_staff)
    assert refused.value.message_dict == {"project": [services.PROJECT_NOT_ACTIVE.format(status="筹备中")]}


def test_a_one_off_service_is_received_once_whichever_project_gives_it(county_staff):
    union_kang = ProjectFactory(name="职工暖炕", lead=unit("630102", "union"))
    women_kang = ProjectFactory(name="巾帼暖炕", lead=unit("630102", "women"))
    person = PersonFactory(name="赵大爷")
    first = served(union_kang, person, date=dt.date(2026, 3, 2), actor=county_staff)
    with pytest.raises(ConflictError) as refused:
        served(women_kang, person, actor=county_staff)
    assert refused.value.message == services.ALREADY_SERVED.format(
        name="赵大爷", date="2026-03-02", project="职工暖炕", service="电热炕改造"
    )
    assert refused.value.conflicts == [first.pk]
    assert ServiceRecord.objects.filter(person=person).count() == 1


def test_the_database_refuses_a_second_one_off_record_even_past_the_service(county_staff):
    from django.db import IntegrityError, transaction

    project = ProjectFactory()
    person = PersonFactory()
    record = served(project, person, actor=county_staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.create(
            project=project,
            person=person,
            service_type=record.service_type,
            one_off=True,
            organization=record.organization,
            date=record.date,
        )


def test_a_repeatable_service_may_be_received_again(county_staff):
    project = ProjectFactory(content_code="legal_aid", service_codes=["legal_consultation"])
    person = PersonFactory()
    served(project, person, actor=county_staff)
    served(project, person, actor=county_staff)
    assert not service("legal_consultation").one_off
    assert selectors.project_figures(project).records == 2
    assert selectors.project_figures(project).people == 1


# Goals and figures


def test_goal_progress_is_counted_from_the_records(county_staff):
    project = ProjectFactory(
        content_code="legal_aid",
        service_codes=["legal_consultation"],
        goals=[{"name": "服务 4 人", "metric": GoalMetric.PEOPLE, "target": Decimal("4")}],
    )
    services.goal_add(
        project=project,
        name="咨询 10 次",
        metric=GoalMetric.QUANTITY,
        target=Decimal("10"),
        service_type=service("legal_consultation"),
    )
    people = [PersonFactory() for _ in range(2)]
    served(project, people[0], quantity=Decimal("3"), actor=county_staff)
    served(project, people[1], quantity=Decimal("2"), actor=county_staff)
    figures = selectors.project_figures(project)
    assert [(g.goal.name, g.achieved, g.percent) for g in figures.goals] == [
        ("服务 4 人", Decimal("2"), 50),
        ("咨询 10 次", Decimal("5.00"), 50),
    ]


def test_a_quantity_goal_names_a_service_the_project_offers(county_staff):
    project = ProjectFactory()
    with pytest.raises(ValidationError) as refused:
        services.goal_add(
            actor=county_staff,
            project=project,
            name="体检",
            metric=GoalMetric.QUANTITY,
            target=Decimal("5"),
            service_type=service("health_check"),
        )
    assert "service_type" in refused.value.message_dict


# Bundles


@pytest.fixture
def two_contests(county_staff):
    youth = ProjectFactory(
        name="青年技能大赛",
        lead=unit("630102", "youth_league"),
        content_code="skills_contest",
        service_codes=["skills_contest_entry"],
        budget=Decimal("0"),
        goals=[{"name": "参赛 30 人", "metric": GoalMetric.PEOPLE, "target": Decimal("30")}],
    )
    workers = ProjectFactory(
        name="职工技能竞赛",
        content_code="skills_contest",
        service_codes=["skills_contest_entry"],
        goals=[{"name": "参赛 50 人", "metric": GoalMetric.PEOPLE, "target": Decimal("50")}],
    )
    return youth, workers


def test_a_bundle_keeps_each_projects_own_records_and_counts_a_person_once(county_staff, two_contests):
    youth, workers = two_contests
    both, only_youth = PersonFactory(name="两项都参加"), PersonFactory(name="只参加青年赛")
    records = [served(youth, both), served(youth, only_youth), served(workers, both)]
    bundle = services.bundle_create(
        actor=county_staff, name="技能竞赛捆绑", lead_organization=unit("630102", "youth_league"), projects=two_contests
    )
    assert all(
        ServiceRecord.objects.get(pk=record.pk).project_id == record.project_id for record in records
    )  # untouched
    assert selectors.project_figures(youth).people == 2
    assert selectors.project_figures(workers).people == 1
    figures = selectors.bundle_figures(bundle)
    assert (figures.totals.people, figures.totals.records) == (2, 3)
    assert figures.people_counted_twice == 1
    listed = selectors.bundle_list(user=county_staff).get(pk=bundle.pk)
    assert (listed.project_count, listed.people_served, listed.records_count) == (2, 2, 3)


def test_a_bundle_starts_with_its_members_goals_added_up(county_staff, two_contests):
    bundle = services.bundle_create(
        actor=county_staff, name="技能竞赛捆绑", lead_organization=unit("630102", "youth_league"), projects=two_contests
    )
    assert [(goal.metric, goal.target) for goal in bundle.goals.all()] == [(GoalMetric.PEOPLE, Decimal("80.00"))]
    served(two_contests[0], person := PersonFactory())
    served(two_contests[1], person)
    (progress,) = selectors.bundle_figures(bundle).totals.goals
    assert progress.achieved == 1  # one person, though served by both members


def test_a_project_is_in_one_bundle_only(county_staff, two_contests):
    third = ProjectFactory(content_code="skills_contest", service_codes=["skills_contest_entry"])
    lead = unit("630102", "youth_league")
    first = services.bundle_create(actor=county_staff, name="甲", lead_organization=lead, projects=two_contests)
    with pytest.raises(ConflictError) as refused:
        services.bundle_create(actor=county_staff, name="乙", lead_organization=lead, projects=[two_contests[0], third])
    assert refused.value.conflicts == [two_contests[0].pk]
    assert ServiceProject.objects.get(pk=third.pk).bundle is None
    assert set(first.projects.all()) == set(two_contests)


def test_only_projects_with_the_same_content_and_at_least_two_are_bundled(county_staff, two_contests):
    lead = unit("630102", "union")
    kang = ProjectFactory()
    with pytest.raises(ValidationError) as mixed:
        services.bundle_create(
            actor=county_staff, name="混合", lead_organization=lead, projects=[kang, two_contests[0]]
        )
    assert mixed.value.message_dict == {"projects": [services.CONTENT_DIFFERS]}
    with pytest.raises(ValidationError) as alone:
        services.bundle_create(actor=county_staff, name="单个", lead_organization=lead, projects=[kang, kang])
    assert alone.value.message_dict == {"projects": [services.TOO_FEW]}


def test_staff_cannot_bundle_projects_outside_their_scope(other_county_staff, two_contests):
    ours = ProjectFactory(
        lead=unit("630103", "union"),
        region=region("630103"),
        content_code="skills_contest",
        service_codes=["skills_contest_entry"],
    )
    with pytest.raises(ValidationError) as refused:
        services.bundle_create(
            actor=other_county_staff,
            name="越界",
            lead_organization=unit("630103", "union"),
            projects=[ours, *two_contests],
        )
    assert "projects" in refused.value.message_dict


def test_a_project_leaving_the_bundle_takes_its_records_out_of_the_bundles_figures(county_staff, two_contests):
    youth, workers = two_contests
    served(youth, PersonFactory())
    served(workers, PersonFactory())
    bundle = services.bundle_create(
        actor=county_staff, name="技能竞赛捆绑", lead_organization=unit("630102", "youth_league"), projects=two_contests
    )
    services.bundle_remove_project(actor=county_staff, bundle=bundle, project=workers)
    assert selectors.bundle_figures(bundle).totals.people == 1
    assert selectors.project_figures(workers).people == 1
    services.bundle_delete(actor=county_staff, bundle=bundle)
    assert ServiceProject.objects.filter(bundle__isnull=True).count() == 2
    assert ServiceRecord.objects.count() == 2


def test_county_staff_may_edit_a_project_the_province_funds(county_staff, provincial_fund):
    project = ProjectFactory(fund=provincial_fund, budget=Decimal("10000"))
    project = services.project_update(actor=county_staff, project=project, name="更名后的项目")
    assert (project.name, project.fund) == ("更名后的项目", provincial_fund)
    with pytest.raises(ValidationError) as refused:
        services.project_update(actor=county_staff, project=project, fund=provincial_fund, budget=Decimal("1"))
    assert "fund" in refused.value.message_dict
