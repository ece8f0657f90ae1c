"""The local-expert pool: one profile per person, search by field and region, invitations to lecture and
recruitment into a post, each kept in the history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.exceptions import ConflictError
from apps.members.models import PostType
from apps.talent import selectors, services
from apps.talent.models import EngagementKind, ExpertiseField
from tests.factories import region, unit
from tests.members.factories import PersonFactory
from tests.talent.factories import CourseFactory, expert

pytestmark = pytest.mark.django_db


def test_one_profile_per_person_and_at_least_one_field(qinghai):
    person = PersonFactory(name="才让")
    expert(person)
    with pytest.raises(ConflictError, match="才让已在专家库中"):
        expert(person)
    with pytest.raises(ValidationError, match="至少一个专长领域"):
        expert(PersonFactory(), fields=())


def test_search_by_field_region_and_text(county_staff, province_admin):
    herder = expert(PersonFactory(name="牧民专家"), fields=("agriculture",), specialty="牦牛养殖")
    expert(PersonFactory(name="绣娘"), fields=("handicraft", "heritage"), specialty="湟绣")
    far = expert(
        PersonFactory(name="外县专家", region=region("630103")), fields=("agriculture",), specialty="马铃薯种植"
    )
    farming = ExpertiseField.objects.get(code="agriculture")
    assert set(selectors.expert_list(user=province_admin, field=farming)) == {herder, far}
    assert list(selectors.expert_list(user=province_admin, field=farming, region=region("630102"))) == [herder]
    assert [e.person.name for e in selectors.expert_list(user=province_admin, query="湟绣")] == ["绣娘"]
    assert far not in selectors.expert_list(user=county_staff)  # another county's pool


def test_an_invited_expert_lectures_and_the_history_keeps_it(qinghai):
    master = expert(PersonFactory(name="马秀英"), fields=("heritage",), specialty="青绣")
    course = CourseFactory()
    session = course.sessions.first()
    engagement = services.expert_invite(expert=master, session=session)
    assert engagement.kind == EngagementKind.LECTURER and engagement.organization == course.lead_organization
    assert master.person in session.lecturers.all()
    with pytest.raises(ConflictError, match="已是该课次的授课人"):
        services.expert_invite(expert=master, session=session)
    assert list(selectors.expert_engagements(master)) == [engagement]


def test_recruiting_opens_a_post_and_unavailable_experts_are_not_invited(qinghai):
    master = expert(PersonFactory(name="祁永福"))
    engagement = services.expert_recruit(
        expert=master,
        organization=unit("630102", "science"),
        post_type=PostType.PART_TIME,
        title="科普宣讲员",
        start_date=timezone.localdate(),
    )
    assert engagement.post.person == master.person and engagement.kind == EngagementKind.RECRUITED
    busy = expert(PersonFactory(name="暂忙"), availability="unavailable")
    with pytest.raises(ValidationError, match="暂忙当前暂不可邀请"):
        services.expert_invite(expert=busy, session=CourseFactory().sessions.first())
