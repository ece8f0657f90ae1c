"""一人一档's staff page: one card per section and a timeline, each item with its organization; only
what the viewer's scope covers; 404 outside it; a query count that does not grow with the record."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.organizations.models import Role
from apps.organizations.services import role_assign
from tests.factories import UserFactory, unit
from tests.insights.test_record import FEDERATIONS, NOW, _life
from tests.members.factories import PersonFactory, id_number, identity_tag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def person(qinghai):
    return PersonFactory(
        name="韩建国", id_number=id_number(age=45, gender="male"), identity_tags=[identity_tag("worker")]
    )


def _section(page: str, kind: str) -> str:
    card = page[page.index(f'id="section-{kind}"') :]
    return card[: card.index("</section>")]


def test_the_record_page_shows_the_person_and_every_section_with_its_organizations(client, county_staff, person):
    _life(person, "union")
    client.force_login(county_staff)

    response = client.get(reverse("web-person-record", args=[person.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "一人一档：韩建国" in page and person.id_number_masked in page and person.id_number not in page
    assert "职工" in page[page.index('id="person-header"') :]
    union = unit("630102", "union").name
    for kind, title in (
        ("membership", "会员关系"),
        ("cadre_post", "干部任职"),
        ("registration", "活动报名与参加"),
        ("volunteer", "志愿服务时长"),
        ("service", "接受的服务"),
    ):
        card = _section(page, kind)
        assert title in card and f"{union}（工会）" in card and "1 条" in card
    assert "累计志愿时长（小时）：<strong" in _section(page, "volunteer")
    assert "法律咨询援助 · 西宁市城东区总工会法律援助0" in _section(page, "service")
    timeline = page[page.index('id="timeline-list"') :]
    assert timeline.count('class="list-group-item px-0 qz-record-item"') == 5
    assert '<span class="badge text-bg-light border">接受的服务</span>' in timeline


def test_items_outside_the_viewers_scope_are_not_on_the_page(client, person):
    _life(person, "union")
    _life(person, "women")
    liaison = UserFactory(username="union_liaison")
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=unit("630102", "union"))
    client.force_login(liaison)

    page = client.get(reverse("web-person-record", args=[person.pk])).content.decode()

    assert unit("630102", "union").name in page
    assert unit("630102", "women").name not in page


def test_another_countys_staff_get_404(client, other_county_staff, person):
    client.force_login(other_county_staff)
    assert client.get(reverse("web-person-record", args=[person.pk])).status_code == 404


def test_an_empty_record_says_so(client, county_staff, person):
    client.force_login(county_staff)
    page = client.get(reverse("web-person-record", args=[person.pk])).content.decode()
    assert page.count(">无记录。<") == 8 and "时间线（0）" in page


def test_the_persons_page_links_to_the_record(client, county_staff, person):
    client.force_login(county_staff)
    page = client.get(reverse("web-person-detail", args=[person.pk])).content.decode()
    assert f'href="{reverse("web-person-record", args=[person.pk])}" id="person-record-link">一人一档' in page


def test_the_page_runs_the_same_number_of_queries_for_a_short_and_a_long_record(
    client, county_staff, person, django_assert_num_queries
):
    long = PersonFactory(name="冶海燕", id_number=id_number(age=40, gender="male"))
    _life(person, "union")
    for federation in FEDERATIONS:
        _life(long, federation, count=3)
    client.force_login(county_staff)
    client.get(reverse("web-person-record", args=[person.pk]))  # warm the session
    with CaptureQueriesContext(connection) as short:
        client.get(reverse("web-person-record", args=[person.pk]))

    with django_assert_num_queries(len(short.captured_queries)):
        response = client.get(reverse("web-person-record", args=[long.pk]))
    assert "时间线（" in response.content.decode()
