"""Joint enrollment: one registration, a membership wherever a federation's rules say so."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError

from apps.core.exceptions import ConflictError
from apps.members import eligibility, idnumbers, services
from apps.members.models import EligibilityRule, IdentityTag, Membership, MembershipStatus, PostType
from apps.members.tasks import memberships_reevaluate_task
from tests.factories import GrassrootsUnitFactory, HostUnitFactory, federation, region, unit

pytestmark = pytest.mark.usefixtures("qinghai")

TODAY = dt.date(2026, 11, 27)
_serial = itertools.count(1)


def id_number(birth: dt.date, *, female: bool, county: str = "630102") -> str:
    serial = next(_serial) % 500
    gender_digit = 2 * (serial % 5) + (0 if female else 1)
    first17 = f"{county}{birth:%Y%m%d}{serial // 5:02d}{gender_digit}"
    return first17 + idnumbers.check_digit(first17)


def tag(code: str) -> IdentityTag:
    return IdentityTag.objects.get(code=code)


@pytest.fixture
def firm_with_union(chengdong_union):
    """A firm in 城东区 whose employees' union is its own 工会 below 西宁市城东区总工会."""
    return GrassrootsUnitFactory(name="测试企业工会", host_unit=HostUnitFactory(region=region("630102"))).host_unit


def register(
    birth: dt.date, *, female: bool, employer=None, tags=("worker",), residence="630102001000", today=TODAY, **extra
):
    return services.person_register(
        name="测试人员",
        id_number=id_number(birth, female=female),
        region=region(residence),
        employer=employer,
        identity_tags=[tag(code) for code in tags],
        today=today,
        **extra,
    )


def joined(result) -> dict[str, str]:
    return {membership.federation.code: membership.organization.name for membership in result.created}


def test_a_25_year_old_working_woman_joins_the_union_league_and_womens_federation(firm_with_union):
    unit("630102", "youth_league"), unit("630102", "women")
    person, result = register(dt.date(2001, 3, 15), female=True, employer=firm_with_union)
    assert joined(result) == {
        "union": "测试企业工会",
        "youth_league": "共青团西宁市城东区委员会",
        "women": "西宁市城东区妇女联合会",
    }
    assert {membership.source for membership in result.created} == {"rule"}
    skipped = {note.federation.code: note.reason for note in result.skipped}
    assert skipped["disabled"] == eligibility.TAGS_MISSING.format(tags="残疾人")
    assert skipped["science"] == services.NO_RULES


def test_a_40_year_old_man_at_the_same_firm_joins_only_the_union(firm_with_union):
    unit("630102", "youth_league"), unit("630102", "women")
    _, result = register(dt.date(1986, 5, 1), female=False, employer=firm_with_union)
    assert joined(result) == {"union": "测试企业工会"}
    skipped = {note.federation.code: note.reason for note in result.skipped}
    assert skipped["youth_league"] == eligibility.AGE_ABOVE.format(age=40, max_age=28)
    assert skipped["women"] == eligibility.GENDER_ONLY.format(gender="女性")


def test_enrolling_again_creates_nothing(firm_with_union):
    person, first = register(dt.date(2001, 3, 15), female=True, employer=firm_with_union)
    again = services.person_enroll(person=person, today=TODAY)
    assert again.created == [] and again.aged_out == []
    assert Membership.objects.filter(person=person).count() == len(first.created)


def test_without_a_union_at_the_employer_there_is_no_union_membership(chengdong_union):
    _, result = register(dt.date(1986, 5, 1), female=False, employer=HostUnitFactory(region=region("630102")))
    assert "union" not in joined(result)
    reason = next(note.reason for note in result.skipped if note.federation.code == "union")
    assert reason == eligibility.NO_EMPLOYER_BRANCH.format(federation="工会")


def test_a_unit_is_found_by_walking_up_the_tree(qinghai):
    unit("630100", "women")  # only the prefecture's, none in 城东区
    _, result = register(dt.date(1990, 1, 1), female=True, tags=())
    assert joined(result) == {"women": "西宁市妇女联合会"}


def test_with_no_unit_anywhere_above_the_reason_says_so(qinghai):
    _, result = register(dt.date(1990, 1, 1), female=True, tags=())
    reason = next(note.reason for note in result.skipped if note.federation.code == "women")
    assert reason == services.NO_UNIT.format(federation="妇联")


def test_reaching_28_ages_the_league_membership_out_and_keeps_it_as_history(chengdong_union):
    unit("630102", "youth_league")
    person, _ = register(dt.date(1999, 1, 10), female=False, tags=())
    result = services.person_enroll(person=person, today=dt.date(2027, 1, 10))
    assert [membership.federation.code for membership in result.aged_out] == ["youth_league"]
    league = Membership.objects.get(person=person, federation__code="youth_league")
    assert league.status == MembershipStatus.AGED_OUT and league.ended_on == dt.date(2027, 1, 10)


def test_a_league_post_keeps_the_membership_past_28(chengdong_union):
    league_unit = unit("630102", "youth_league")
    person, _ = register(dt.date(1999, 1, 10), female=False, tags=())
    services.cadre_post_create(
        person=person, organization=league_unit, post_type=PostType.PART_TIME, title="副书记", start_date=TODAY
    )
    result = services.person_enroll(person=person, today=dt.date(2027, 1, 10))
    assert result.aged_out == []
    assert Membership.objects.get(person=person, federation__code="youth_league").status == MembershipStatus.ACTIVE


def test_the_daily_task_finds_those_who_turned_28_and_is_idempotent(chengdong_union):
    unit("630102", "youth_league")
    # Registered in January; the task runs two days after the 28th birthday.
    turning, _ = register(dt.date(1998, 11, 25), female=False, tags=(), today=dt.date(2026, 1, 5))
    younger, _ = register(dt.date(2000, 11, 25), female=False, tags=(), today=dt.date(2026, 1, 5))
    assert services.memberships_reevaluate(today=dt.date(2026, 11, 27)) == 1
    assert services.memberships_reevaluate(today=dt.date(2026, 11, 27)) == 1
    statuses = dict(Membership.objects.filter(federation__code="youth_league").values_list("person", "status"))
    assert statuses == {turning.pk: MembershipStatus.AGED_OUT, younger.pk: MembershipStatus.ACTIVE}
    assert Membership.objects.filter(person=turning, federation__code="youth_league").count() == 1


def test_the_task_is_registered_and_runs(qinghai):
    assert memberships_reevaluate_task.delay(window_days=1).get() == 0


def test_rules_are_data_a_new_rule_takes_effect_at_once(chengdong_union):
    science = unit("630102", "science")
    rule = EligibilityRule.objects.create(
        federation=federation("science"), name="城东区科技工作者", region=region("630102")
    )
    rule.identity_tags.set([tag("worker")])
    _, result = register(dt.date(1980, 1, 1), female=False)
    assert joined(result)["science"] == science.name
    rule.is_active = False
    rule.save()
    _, result = register(dt.date(1980, 2, 1), female=False)
    assert "science" not in joined(result)


def test_a_disabled_person_with_a_certificate_joins_the_disabled_persons_federation(qinghai):
    unit("630102", "disabled")
    number = id_number(dt.date(1970, 4, 4), female=False)
    _, result = services.person_register(
        name="测试人员",
        id_number=number,
        region=region("630102001000"),
        identity_tags=[tag("disabled")],
        disability_certificate_number=number + "42",
        today=TODAY,
    )
    assert joined(result)["disabled"] == "西宁市城东区残疾人联合会"


def test_the_disabled_tag_needs_a_matching_certificate(qinghai):
    with pytest.raises(ValidationError) as error:
        register(dt.date(1970, 4, 4), female=False, tags=("disabled",))
    assert error.value.message_dict["disability_certificate_number"] == [services.CERTIFICATE_REQUIRED]
    with pytest.raises(ValidationError) as error:
        register(dt.date(1970, 4, 4), female=False, tags=("disabled",), disability_certificate_number="6" * 18 + "42")
    assert error.value.message_dict["disability_certificate_number"] == [services.CERTIFICATE_MISMATCH]


def test_a_stated_gender_or_birth_date_must_match_the_number(qinghai):
    with pytest.raises(ValidationError) as error:
        register(dt.date(1990, 1, 1), female=True, gender="male")
    assert "gender" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        register(dt.date(1990, 1, 1), female=True, birth_date=dt.date(1990, 1, 2))
    assert "birth_date" in error.value.message_dict


def test_one_person_per_id_number(qinghai):
    person, _ = register(dt.date(1990, 1, 1), female=True)
    with pytest.raises(ConflictError) as error:
        services.person_register(name="另一人", id_number=person.id_number.lower(), region=region("630102"))
    assert error.value.conflicts == [person.pk]


class TestMemberships:
    @pytest.fixture
    def member(self, firm_with_union):
        person, result = register(dt.date(1986, 5, 1), female=False, employer=firm_with_union)
        return result.created[0]

    def test_a_transfer_moves_the_membership_and_keeps_the_old_one(self, member, chengdong_union):
        moved = services.membership_transfer(membership=member, organization=chengdong_union, on=TODAY)
        member.refresh_from_db()
        assert member.status == MembershipStatus.TRANSFERRED and member.ended_on == TODAY
        assert moved.transferred_from == member and moved.status == MembershipStatus.ACTIVE
        assert Membership.objects.filter(person=member.person, status="active", federation__code="union").count() == 1

    def test_a_transfer_stays_within_the_federation(self, member):
        with pytest.raises(ValidationError) as error:
            services.membership_transfer(membership=member, organization=unit("630102", "women"))
        assert error.value.message_dict["organization"] == [services.TRANSFER_FEDERATION]

    def test_a_second_active_membership_in_one_federation_is_a_conflict(self, member, chengdong_union):
        with pytest.raises(ConflictError) as error:
            services.membership_create(person=member.person, organization=chengdong_union)
        assert error.value.conflicts == [member.pk]

    def test_the_database_holds_one_active_membership_per_federation(self, member, chengdong_union):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(
                person=member.person, organization=chengdong_union, federation=member.federation, joined_on=TODAY
            )

    def test_ending_a_membership_records_the_date(self, member):
        ended = services.membership_end(membership=member, on=TODAY)
        assert ended.status == MembershipStatus.LAPSED and ended.ended_on == TODAY
        with pytest.raises(ValidationError):
            services.membership_end(membership=member)


def test_a_duplicate_registered_elsewhere_is_pointed_at_without_naming_the_person(county_staff, other_county_staff):
    number = id_number(dt.date(1990, 1, 1), female=True, county="630103")
    existing, _ = services.person_register(
        actor=other_county_staff, name="城中居民", id_number=number, region=region("630103001000")
    )
    with pytest.raises(ConflictError) as error:
        services.person_register(actor=county_staff, name="重复", id_number=number, region=region("630102"))
    assert error.value.message == services.PERSON_EXISTS_ELSEWHERE and error.value.conflicts == [existing.pk]
    assert "城中居民" not in error.value.message


def test_only_the_class_digits_of_a_certificate_are_kept_and_they_follow_updates(qinghai):
    number = id_number(dt.date(1970, 4, 4), female=False)
    person, _ = services.person_register(
        name="测试人员",
        id_number=number,
        region=region("630102"),
        identity_tags=[tag("disabled")],
        disability_certificate_number=number + "42",
    )
    assert person.disability_class == "42"
    assert person.disability_certificate_masked == idnumbers.mask(number) + "42"
    person, _ = services.person_update(person=person, phone="13800000000")
    assert person.disability_class == "42"
    with pytest.raises(ValidationError):
        services.person_update(person=person, disability_certificate_number="")  # still tagged 残疾人
    person, _ = services.person_update(person=person, identity_tags=[], disability_certificate_number="")
    assert person.disability_class == ""
