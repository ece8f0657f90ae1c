"""一人一档's talent sections: trainings with the hours earned and the certificate, rotations, and the
expert profile with its lectures and posts — scoped like every other section, at a fixed query count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.insights.selectors import person_record
from apps.organizations.models import Role
from apps.organizations.scoping import forget_scope
from apps.organizations.services import role_assign
from apps.talent import services
from apps.talent.models import AttendanceStatus
from apps.talent.rules import add_months
from tests.factories import UserFactory, unit
from tests.talent.factories import CourseFactory, attended, cadre, expert

pytestmark = pytest.mark.django_db


def _talent(person, federation: str, *, count: int = 1) -> None:
    """`count` courses of the federation's 城东区 unit attended (the last session missed), and a lecture."""
    org = unit("630102", federation)
    profile = getattr(person, "expert", None) or expert(person)
    for _ in range(count):
        course = CourseFactory(lead=org)
        attended(course, [person], statuses=[AttendanceStatus.PRESENT, AttendanceStatus.ABSENT])
        services.expert_invite(expert=profile, session=course.sessions.first())


@pytest.fixture
def veteran(qinghai):
    return cadre(name="韩建国", since=timezone.localdate() - dt.timedelta(days=4 * 365))


def test_the_record_shows_trainings_hours_certificates_rotations_and_the_expert_profile(county_staff, veteran):
    course = CourseFactory(title="城东区群团干部培训班")
    attended(course, [veteran])
    certificate = services.certificate_issue(enrollment=course.enrollments.get(person=veteran))
    _talent(veteran, "women")
    start = timezone.localdate() + dt.timedelta(days=10)
    services.rotation_plan(
        from_post=veteran.post,
        to_organization=unit("630102", "women"),
        title="挂职副主席",
        start_date=start,
        end_date=add_months(start, 12) - dt.timedelta(days=1),
    )
    record = person_record(user=county_staff, person_id=veteran.pk)
    trainings = record.section("training")
    amounts = {item.title: item.amount for item in trainings.items}
    assert amounts.pop("城东区群团干部培训班") == Decimal("8.0")
    assert list(amounts.values()) == [Decimal("4.0")]  # the session missed earns nothing
    assert trainings.total == Decimal("12.0") and trainings.total_label == "累计培训学时"
    done = next(item for item in trainings.items if item.title == "城东区群团干部培训班")
    assert certificate.code in done.detail and done.status == "已结业"
    (rotation,) = record.section("rotation").items
    assert rotation.title == "西宁市城东区妇女联合会 挂职副主席" and "跨群团交流" in rotation.detail
    profile, lecture = record.section("expert").items
    assert profile.title == "土专家 · 牦牛养殖" and profile.detail == "农牧业"
    assert lecture.kind == "expert_engagement" and lecture.organization == unit("630102", "women")


def test_talent_items_outside_the_viewers_scope_are_left_out(chengdong_union, veteran):
    liaison = UserFactory(username="union_liaison")
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=chengdong_union)
    _talent(veteran, "union")
    _talent(veteran, "women")
    record = person_record(user=liaison, person_id=veteran.pk)
    assert [item.organization for item in record.section("training").items] == [chengdong_union]


def test_the_talent_sections_cost_the_same_queries_for_one_item_and_for_many(county_staff, veteran):
    other = cadre(name="冶海燕", since=timezone.localdate() - dt.timedelta(days=4 * 365))
    _talent(veteran, "union")
    for federation in ("union", "women", "science"):
        _talent(other, federation, count=2)
    counts = []
    for person in (veteran, other):
        forget_scope(county_staff)
        with CaptureQueriesContext(connection) as queries:
            record = person_record(user=county_staff, person_id=person.pk)
        counts.append(len(queries))
    assert len(record.section("training").items) == 6 and len(record.section("expert").items) == 7
    assert counts[0] == counts[1]
