"""The province-scale data generator (PostgreSQL only): a small province of 3,000 people, generated
twice with the same seed (two worker processes, then one), checked row by row against the rules
the services and the database hold, and then used through the services as a real one would be."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from apps.core.crypto import keyed_hash
from apps.core.scale_data import Refused, database, generate, people, projects
from apps.core.scale_data.ids import IdNumbers
from apps.members import idnumbers
from apps.members.models import Membership, MembershipStatus, Person
from apps.members.services import person_register
from apps.organizations.models import Federation, HostUnit, Organization, Region, Role
from apps.organizations.services import organization_create, role_assign
from apps.organizations.services.host_units import credit_code_is_valid
from apps.projects.models import ProjectExpense, ServiceProject
from apps.projects.services import project_spent
from apps.resources.models import EntryKind, Fund
from apps.resources.services import fund_balance
from apps.venues.models import Booking, Room
from apps.venues.services import booking_create, venue_days
from tests.conftest import ensure_reference_data

N = 3000
SEED = 2026
CHECKED_TABLES = [
    "organizations_organization",
    "members_person",
    "members_membership",
    "venues_booking",
    "activities_registration",
    "resources_dutyshift",
    "resources_ledgerentry",
]


@dataclass
class Runs:
    rows: dict[str, int]
    first_checksums: dict[str, str]
    second_checksums: dict[str, str]
    schema_before: list
    schema_after: list


def _checksums() -> dict[str, str]:
    sums = {}
    with connection.cursor() as cursor:
        for table in CHECKED_TABLES:
            cursor.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY t.id)), count(*) FROM \"{table}\" t")
            checksum, count = cursor.fetchone()
            sums[table] = f"{checksum}:{count}"
    return sums


@pytest.fixture(scope="module")
def runs(django_db_setup, django_db_blocker):
    """Generate twice (committed, as the command does), and empty the generator's tables afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("规模数据只写入 PostgreSQL（COPY、排他约束）。")
    with django_db_blocker.unblock():
        ensure_reference_data()
        policies_before = set(projects.PolicyStandard.objects.values_list("code", flat=True))
        with connection.cursor() as cursor:
            schema_before = database.schema(cursor)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(people, "CHUNK", 500)  # six chunks: the two workers share them out
            generate(persons=N, seed=SEED, reset=True, workers=2, report=lambda line: None)
            first = _checksums()
            summary = generate(persons=N, seed=SEED, reset=True, workers=1, report=lambda line: None)
            second = _checksums()
        with connection.cursor() as cursor:
            schema_after = database.schema(cursor)
        yield Runs(summary.rows, first, second, schema_before, schema_after)
        with transaction.atomic(), connection.cursor() as cursor:
            database.prepare(cursor, reset=True)
        projects.PolicyStandard.objects.exclude(code__in=policies_before).delete()


pytestmark = pytest.mark.django_db


def test_the_same_seed_gives_the_same_rows_with_one_worker_or_two(runs):
    assert runs.first_checksums == runs.second_checksums
    assert all(not checksum.endswith(":0") for checksum in runs.second_checksums.values())


def test_indexes_and_constraints_are_as_the_migrations_made_them(runs):
    assert runs.schema_after == runs.schema_before
    assert any("venues_booking_no_overlap" in name for name, _ in runs.schema_after)


def test_counts_follow_the_ratios(runs):
    rows = runs.rows
    assert rows["members_person"] == N
    assert Person.objects.count() == N
    assert 0.8 <= rows["members_membership"] / N <= 1.6
    assert rows["venues_booking"] == round(0.3 * N)
    assert rows["activities_activity"] == N // 100
    assert 0.1 * N <= rows["activities_registration"] <= 0.6 * N
    assert 0.05 * N <= rows["projects_servicerecord"] <= 0.1 * N
    # Every fund opens its year with an income, however few entries N brings.
    assert rows["resources_ledgerentry"] >= max(0.2 * N, 2 * rows["resources_fund"])
    # The real tree whatever N: six federations at 1 + 8 + 45 + 422 places.
    assert Organization.objects.filter(host_unit__isnull=True).count() == 6 * 476
    assert Organization.objects.filter(host_unit__isnull=False).count() > 0
    assert set(Membership.objects.values_list("status", flat=True)) >= {"active", "aged_out", "transferred"}


def test_every_id_number_is_valid_unique_and_stored_as_the_model_stores_it(runs):
    counties = {r.pk: r.parent.code for r in Region.objects.filter(level="township").select_related("parent")}
    seen = set()
    for person in Person.objects.all():  # the model decrypts id_number on read
        number = idnumbers.parse(person.id_number, today=dt.date(2026, 11, 27))
        assert number.value[:6] == counties[person.region_id]
        assert (person.birth_date, person.gender) == (number.birth_date, number.gender)
        assert person.id_number_hash == keyed_hash(number.value)
        assert person.id_number_masked == idnumbers.mask(number.value)
        seen.add(number.value)
    assert len(seen) == N


def test_nothing_was_written_after_the_data_s_day(runs):
    day_ends = dt.datetime(2026, 11, 27, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with connection.cursor() as cursor:
        for table, column in [
            ("members_person", "created_at"),
            ("members_membership", "updated_at"),
            ("venues_booking", "created_at"),
            ("activities_activity", "created_at"),
            ("activities_registration", "created_at"),
            ("resources_dutyshift", "created_at"),
            ("talent_trainingsession", "created_at"),
            ("talent_enrollment", "enrolled_at"),
            ("talent_rotation", "updated_at"),
        ]:
            cursor.execute(f'SELECT max("{column}") FROM "{table}"')
            assert cursor.fetchone()[0] <= day_ends, table


def test_the_bulk_check_digit_is_gb_11643s():
    numbers = IdNumbers()
    for county, birth, serial in [("630102", 726_000, 0), ("632857", 740_123, 999), ("630225", 730_001, 457)]:
        number = numbers.number(county, birth, serial)
        assert number[17] == idnumbers.check_digit(number[:17])


def test_credit_codes_are_valid(runs):
    codes = list(HostUnit.objects.values_list("credit_code", flat=True))
    assert codes and all(credit_code_is_valid(code) for code in codes)


def test_people_live_mostly_in_xining_and_haidong(runs):
    xining, haidong = Region.objects.get(code="630100"), Region.objects.get(code="630200")
    east = Person.objects.filter(region__path__startswith=xining.path).count()
    east += Person.objects.filter(region__path__startswith=haidong.path).count()
    assert east / N >= 0.55


def test_no_person_holds_two_active_memberships_of_one_federation(runs):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT person_id, federation_id FROM members_membership WHERE status = 'active'
               GROUP BY person_id, federation_id HAVING count(*) > 1"""
        )
        assert cursor.fetchall() == []
        cursor.execute(
            """SELECT count(*) FROM members_membership m JOIN organizations_organization o ON o.id = m.organization_id
               WHERE o.federation_id <> m.federation_id"""
        )
        assert cursor.fetchone() == (0,)


def test_every_transfer_points_at_the_same_persons_earlier_membership(runs):
    moved = Membership.objects.filter(transferred_from__isnull=False).select_related("transferred_from")
    assert moved.exists()
    for membership in moved:
        earlier = membership.transferred_from
        assert (earlier.person_id, earlier.federation_id) == (membership.person_id, membership.federation_id)
        assert earlier.status == MembershipStatus.TRANSFERRED and earlier.ended_on == membership.joined_on


def test_no_two_held_bookings_of_a_room_overlap(runs):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM venues_booking a JOIN venues_booking b
               ON a.room_id = b.room_id AND a.id < b.id AND a.start < b."end" AND b.start < a."end"
               WHERE a.status IN ('pending', 'approved') AND b.status IN ('pending', 'approved')"""
        )
        assert cursor.fetchone() == (0,)
    assert Booking.objects.filter(status__in=["pending", "approved"]).exists()


def test_no_fund_balance_ever_goes_negative(runs):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT min(balance) FROM (
                 SELECT sum(CASE WHEN kind = 'income' THEN amount ELSE -amount END
                            * CASE WHEN reverses_id IS NULL THEN 1 ELSE -1 END)
                        OVER (PARTITION BY fund_id ORDER BY date, id) AS balance
                 FROM resources_ledgerentry) running"""
        )
        assert cursor.fetchone()[0] >= 0
    assert all(fund_balance(fund) >= 0 for fund in Fund.objects.all()[:200])


def test_projects_spend_from_their_fund_as_the_service_records_it(runs):
    expenses = list(ProjectExpense.objects.select_related("entry", "project"))
    assert expenses
    for expense in expenses:
        entry, project = expense.entry, expense.project
        assert (entry.kind, entry.fund_id, entry.reverses_id) == (EntryKind.EXPENDITURE, project.fund_id, None)
        assert expense.date == entry.date and project.start_date <= entry.date <= project.end_date
        assert (entry.receiving_organization_id, entry.note) == (project.lead_organization_id, project.name)
    for project in ServiceProject.objects.filter(expenses__isnull=False).distinct():
        assert project_spent(project) <= project.budget


def test_it_refuses_a_database_that_holds_people_unless_reset(runs):
    with pytest.raises(Refused, match=f"已有 {N} 名人员"):
        generate(persons=10, report=lambda line: None)


def test_reset_refuses_when_other_rows_point_at_the_generated_ones(runs, county_staff):
    union = Organization.objects.get(region__code="630102", federation__code="union", host_unit__isnull=True)
    role_assign(user=county_staff, role=Role.FEDERATION_LIAISON, organization=union)
    with pytest.raises(Refused, match="organizations_roleassignment"):
        generate(persons=10, reset=True, report=lambda line: None)


def test_the_services_work_on_the_generated_data(runs, county_staff):
    chengdong = Region.objects.get(code="630102")
    township = chengdong.children.order_by("code").first()
    union = Federation.objects.get(code="union")
    women = Federation.objects.get(code="women")

    first17 = "63010219350101042"  # born before anyone generated (ages 14 to 89): a number nobody has
    person, enrollment = person_register(
        actor=county_staff, name="新登记", id_number=first17 + idnumbers.check_digit(first17), region=township
    )
    township_women = Organization.objects.get(federation=women, region=township, host_unit__isnull=True)
    assert [m.organization for m in enrollment.created] == [township_women]

    parent = Organization.objects.get(federation=union, region=township, host_unit__isnull=True)
    unit = organization_create(
        actor=county_staff, name="新设工会小组", federation=union, region=township, parent=parent
    )
    assert unit.path.startswith(parent.path) and unit.depth == parent.depth + 1
    assert Organization.objects.find_problems() == ([], [], [], [], [])

    room = Room.objects.filter(venue__region=chengdong, venue__name__endswith="群众之家").order_by("id").first()
    day = timezone.localdate() + dt.timedelta(days=1)
    while not venue_days(room.venue, day, day)[0].is_open:
        day += dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(17, 0)))  # the slots end at 17:00
    booking = booking_create(
        actor=county_staff,
        room=room,
        organization=Organization.objects.get(federation=union, region=chengdong, host_unit__isnull=True),
        start=start,
        end=start + dt.timedelta(minutes=30),
        purpose="工作例会",
        attendees=2,
        contact_name="测试",
    )
    assert booking.pk > Booking.objects.exclude(pk=booking.pk).order_by("-pk").values_list("pk", flat=True)[0]
    assert Membership.objects.filter(person=person, status=MembershipStatus.ACTIVE).count() == 1


def test_it_refuses_sqlite_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="只能写入 PostgreSQL"):
        call_command("generate_scale_data", persons=10)
