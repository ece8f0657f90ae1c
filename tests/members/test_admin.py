"""The admin door to people: scoped pages, every write through the services, ID numbers never shown."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.members import admin as members_admin
from apps.members import services
from apps.members.models import (
    EligibilityRule,
    IdentityTag,
    Membership,
    MembershipSource,
    MembershipStatus,
    Person,
)
from apps.organizations import services as tree
from apps.organizations.models import Role
from tests.factories import GrassrootsUnitFactory, HostUnitFactory, UserFactory, federation, region, unit
from tests.members.factories import CadrePostFactory, PersonFactory, id_number, identity_tag


def changelist(model: str) -> str:
    return reverse(f"admin:members_{model}_changelist")


def page(obj, view: str = "change") -> str:
    return reverse(f"admin:members_{obj._meta.model_name}_{view}", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def area(chengdong_union, chengzhong_union):
    """League and Women's units in both counties, and a 城东 employer with a union branch."""
    for code in ("630102", "630103"):
        unit(code, "youth_league")
        unit(code, "women")
    branch = GrassrootsUnitFactory(host_unit=HostUnitFactory(name="城东测试企业", region=region("630102")))
    return SimpleNamespace(employer=branch.host_unit, branch=branch)


@pytest.fixture
def two_counties(county_staff, other_county_staff, area):
    """The same rows on both sides of the 城东区 / 城中区 line."""
    mine = PersonFactory(name="城东居民", region=region("630102"), id_number=id_number(age=30))
    theirs = PersonFactory(name="城中居民", region=region("630103"), id_number=id_number(age=30, region_code="630103"))
    return SimpleNamespace(
        person=(mine, theirs),
        membership=(mine.memberships.get(), theirs.memberships.get()),  # the Women's Federation
        cadrepost=(
            CadrePostFactory(person=mine, organization=unit("630102", "women")),
            CadrePostFactory(person=theirs, organization=unit("630103", "women")),
        ),
    )


# Scope --------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["person", "membership", "cadrepost"])
def test_county_staff_see_their_countys_rows_and_never_those_of_chengzhong(client, county_staff, two_counties, model):
    mine, theirs = getattr(two_counties, model)
    client.force_login(county_staff)

    response = client.get(changelist(model))

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert mine in rows and theirs not in rows
    assert "城中居民" not in response.content.decode()


@pytest.mark.parametrize("model", ["person", "membership", "cadrepost"])
def test_the_pages_of_a_chengzhong_row_answer_404_to_chengdong_staff(client, county_staff, two_counties, model):
    mine, theirs = getattr(two_counties, model)
    client.force_login(county_staff)

    assert client.get(page(mine)).status_code == 200
    for view in ("change", "delete", "history"):
        assert client.get(page(theirs, view)).status_code == 404


def test_the_person_autocomplete_offers_only_people_in_scope(client, county_staff, two_counties):
    mine, theirs = two_counties.person
    client.force_login(county_staff)
    params = {"app_label": "members", "model_name": "membership", "field_name": "person"}

    by_name = client.get(reverse("admin:autocomplete"), {**params, "term": "居民"}).json()["results"]
    by_number = client.get(reverse("admin:autocomplete"), {**params, "term": mine.id_number}).json()["results"]
    theirs_by_number = client.get(reverse("admin:autocomplete"), {**params, "term": theirs.id_number}).json()

    assert {int(result["id"]) for result in by_name} == {mine.pk}
    assert [int(result["id"]) for result in by_number] == [mine.pk]
    assert theirs_by_number["results"] == []


# Registering a person ----------------------------------------------------------------------


def person_form(area, number: str, **extra) -> dict:
    return {
        "name": "卓玛",
        "id_number": number,
        "ethnicity": "藏族",
        "phone": "13800000000",
        "region": region("630102").pk,
        "employer": area.employer.pk,
        "identity_tags": [identity_tag("worker").pk],
        "disability_certificate_number": "",
        **extra,
    }


def test_adding_a_person_registers_and_enrolls_them_through_the_service(client, county_staff, area):
    client.force_login(county_staff)
    number = id_number(age=25, gender="female")

    response = client.post(reverse("admin:members_person_add"), person_form(area, number))

    assert response.status_code == 302
    person = Person.objects.get(name="卓玛")
    assert person.id_number == number and person.gender == "female" and person.ethnicity == "藏族"
    memberships = {m.federation.code: m for m in person.memberships.select_related("federation", "organization")}
    assert set(memberships) == {"union", "youth_league", "women"}
    assert memberships["union"].organization == area.branch
    assert memberships["women"].organization == unit("630102", "women")
    assert {m.source for m in memberships.values()} == {MembershipSource.RULE}
    assert any(area.branch.name in message and "已同步吸收入会" in message for message in messages_of(response))
    assert LogEntry.objects.filter(object_id=str(person.pk), action_flag=ADDITION).exists()


def test_a_duplicate_id_number_on_the_form_shows_the_conflict_and_adds_no_one(client, county_staff, area):
    number = id_number(age=40, gender="male")
    existing = PersonFactory(name="扎西", id_number=number)
    client.force_login(county_staff)
    typed = f" {number[:6]} {number[6:14]} {number[14:].lower()} ".replace("0", "０")  # as people type it

    response = client.post(reverse("admin:members_person_add"), person_form(area, typed))

    assert response.status_code == 200
    expected = services.PERSON_EXISTS.format(masked=existing.id_number_masked, name="扎西")
    assert response.context["adminform"].form.errors["id_number"] == [expected]
    assert Person.objects.count() == 1 and not Membership.objects.filter(person__name="卓玛").exists()


def test_a_residence_outside_the_scope_is_refused_on_its_field(client, county_staff, area):
    client.force_login(county_staff)
    form = person_form(area, id_number(age=30), region=region("630103").pk, employer="")

    response = client.post(reverse("admin:members_person_add"), form)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["region"]
    assert not Person.objects.exists()


def test_a_change_keeps_the_id_number_unless_a_new_one_is_typed(client, county_staff, area):
    number = id_number(age=40, gender="male")
    person = PersonFactory(name="扎西", id_number=number)
    client.force_login(county_staff)
    unchanged = {**person_form(area, ""), "name": "扎西次仁"}

    assert client.post(page(person), unchanged).status_code == 302
    person.refresh_from_db()
    assert person.name == "扎西次仁" and person.id_number == number

    corrected = id_number(age=41, gender="male")
    assert client.post(page(person), {**unchanged, "id_number": corrected}).status_code == 302
    person.refresh_from_db()
    assert person.id_number == corrected and person.id_number_masked == corrected[:3] + "*" * 11 + corrected[-4:]


# The plaintext never reaches a page -----------------------------------------------------------


@pytest.fixture
def disabled_person(area):
    """Two copies of the number on the row: the ID number and the certificate that begins with it."""
    unit("630102", "disabled")
    number = id_number(age=33, gender="male")
    person = PersonFactory(
        name="才让",
        id_number=number,
        employer=area.employer,
        identity_tags=[identity_tag(IdentityTag.DISABLED), identity_tag("worker")],
        disability_certificate_number=number + "12",
    )
    assert {m.federation.code for m in person.enrollment.created} == {"union", "disabled"}
    return SimpleNamespace(person=person, number=number)


def liaison(organization):
    """A federation liaison of one union unit: may view people, not change them."""
    user = UserFactory()
    tree.role_assign(user=user, role=Role.FEDERATION_LIAISON, organization=organization)
    return user


@pytest.mark.parametrize("who", ["superuser", "province_admin", "county_staff", "liaison"])
def test_no_admin_page_about_a_person_holds_the_plaintext_id_number(
    client, who, province_admin, county_staff, disabled_person, chengdong_union
):
    users = {
        "superuser": UserFactory(is_superuser=True, is_staff=True),
        "province_admin": province_admin,
        "county_staff": county_staff,
        "liaison": liaison(chengdong_union),
    }
    person, number = disabled_person.person, disabled_person.number
    client.force_login(users[who])

    pages = {
        "changelist": client.get(changelist("person")),
        "search": client.get(changelist("person"), {"q": number}),
        "change": client.get(page(person)),
        "history": client.get(page(person, "history")),
        "memberships": client.get(changelist("membership")),
    }

    for name, response in pages.items():
        html = response.content.decode()
        if name == "search":
            # Django echoes the user's own search term (the box, the links keeping it); the
            # rows found show the mask only.
            html = html.replace(f'value="{number}"', "").replace(f"q={number}", "").replace(f"q%3D{number}", "")
        assert response.status_code == 200, name
        assert number not in html and number.lower() not in html, name
        assert person.id_number_masked in html or name == "history", name
    form = pages["change"].context["adminform"].form
    if "id_number" in form.fields:
        assert form["id_number"].value() in (None, "")


def test_the_view_only_change_page_has_no_number_inputs(client, disabled_person, chengdong_union):
    client.force_login(liaison(chengdong_union))

    response = client.get(page(disabled_person.person))

    assert response.context["has_change_permission"] is False
    assert 'name="id_number"' not in response.content.decode()


def test_a_full_id_number_in_the_search_box_finds_the_person_through_the_hash(
    client, county_staff, other_county_staff, two_counties
):
    mine, theirs = two_counties.person
    client.force_login(county_staff)
    typed = f"{mine.id_number[:6]} {mine.id_number[6:]}".lower()

    found = client.get(changelist("person"), {"q": typed}).context["cl"].result_list
    by_membership = client.get(changelist("membership"), {"q": mine.id_number}).context["cl"].result_list
    out_of_scope = client.get(changelist("person"), {"q": theirs.id_number}).context["cl"].result_list

    assert list(found) == [mine]
    assert list(by_membership) == [two_counties.membership[0]]
    assert list(out_of_scope) == []


def test_a_person_goes_through_the_delete_service_and_one_with_memberships_stays(client, province_admin, area):
    member = PersonFactory(name="有会员关系", id_number=id_number(age=30, gender="female"))
    loner = PersonFactory(name="无会员关系", id_number=id_number(age=30, gender="male"), region=region("630121"))
    assert member.memberships.exists() and not loner.memberships.exists()
    client.force_login(province_admin)

    refused = client.post(page(member, "delete"), {"post": "yes"})
    deleted = client.post(page(loner, "delete"), {"post": "yes"})

    assert refused.status_code == 200 and refused.context["protected"]
    assert deleted.status_code == 302
    assert list(Person.objects.values_list("name", flat=True)) == ["有会员关系"]


# Memberships -----------------------------------------------------------------------------------


@pytest.fixture
def member(area):
    """A 40-year-old man in the union branch of his employer (his only membership)."""
    person = PersonFactory(name="扎西", id_number=id_number(age=40, gender="male"), employer=area.employer)
    person.identity_tags.set([identity_tag("worker")])
    services.person_enroll(person=person)
    return person.memberships.get()


def transfer(client, membership, organization, **extra):
    form = {"operation": "transfer", "transfer_to": organization.pk, "effective_on": "", "remark": "", **extra}
    form["effective_on"] = form["effective_on"] or str(membership.joined_on)
    return client.post(page(membership), form)


def test_a_transfer_through_the_change_page_keeps_the_history(client, county_staff, member, chengdong_union):
    client.force_login(county_staff)

    response = transfer(client, member, chengdong_union, remark="随单位调整")

    assert response.status_code == 302
    member.refresh_from_db()
    moved = member.transferred_to
    assert member.status == MembershipStatus.TRANSFERRED and member.ended_on == moved.joined_on
    assert moved.status == MembershipStatus.ACTIVE and moved.organization == chengdong_union
    assert moved.note == "随单位调整" and moved.transferred_from == member
    assert Membership.objects.filter(person=member.person, federation=federation("union")).count() == 2
    # The old row is history now: its page is read-only.
    history = client.get(page(member))
    assert history.context["has_change_permission"] is False
    assert client.post(page(member), {"operation": "lapsed", "effective_on": str(member.joined_on)}).status_code == 403


def test_a_transfer_to_another_federation_is_refused_on_the_target_field(client, county_staff, member):
    client.force_login(county_staff)

    response = transfer(client, member, unit("630102", "women"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["transfer_to"] == [services.TRANSFER_FEDERATION]
    member.refresh_from_db()
    assert member.status == MembershipStatus.ACTIVE


def test_a_membership_is_ended_not_deleted(client, county_staff, member):
    client.force_login(county_staff)

    response = client.post(page(member), {"operation": "lapsed", "effective_on": str(member.joined_on)})

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == MembershipStatus.LAPSED and member.ended_on == member.joined_on
    assert client.get(page(member, "delete")).status_code == 403


def test_a_membership_added_by_hand_goes_through_the_service(client, county_staff, member, chengdong_union):
    client.force_login(county_staff)
    add = reverse("admin:members_membership_add")
    women = unit("630102", "women")

    added = client.post(add, {"person": member.person.pk, "organization": women.pk, "joined_on": "2024-01-01"})
    again = client.post(add, {"person": member.person.pk, "organization": chengdong_union.pk, "joined_on": ""})

    assert added.status_code == 302
    created = Membership.objects.get(person=member.person, federation=federation("women"))
    assert created.source == MembershipSource.MANUAL and str(created.joined_on) == "2024-01-01"
    expected = services.ALREADY_ACTIVE.format(federation="工会", organization=member.organization.name)
    assert again.context["adminform"].form.errors["organization"] == [expected]


def test_a_cadre_post_is_added_through_the_service_and_an_overlap_is_a_conflict_on_the_title(
    client, county_staff, member, chengdong_union
):
    client.force_login(county_staff)
    post = {
        "person": member.person.pk,
        "organization": chengdong_union.pk,
        "post_type": "part_time",
        "title": "兼职副主席",
        "start_date": "2024-01-01",
        "end_date": "",
    }

    added = client.post(reverse("admin:members_cadrepost_add"), post)
    overlapping = client.post(reverse("admin:members_cadrepost_add"), {**post, "start_date": "2024-06-01"})

    assert added.status_code == 302
    assert overlapping.context["adminform"].form.errors["title"] == [services.POST_OVERLAP.format(title="兼职副主席")]
    assert member.person.cadre_posts.count() == 1


# Rules, tags and the audit trail ------------------------------------------------------------------


def rule_form(rule: EligibilityRule, **changes) -> dict:
    form = {
        "federation": rule.federation_id,
        "name": rule.name,
        "is_active": "on",
        "identity_tags": [],
        "min_age": rule.min_age or "",
        "max_age": rule.max_age or "",
        "gender": rule.gender,
        "region": "",
        "sort_order": rule.sort_order,
        **changes,
    }
    return {key: value for key, value in form.items() if value is not None}


def test_an_age_range_that_ends_before_it_starts_is_refused_on_the_form(client, province_admin):
    rule = EligibilityRule.objects.get(federation__code="youth_league")
    client.force_login(province_admin)

    refused = client.post(page(rule), rule_form(rule, min_age=28, max_age=14))
    accepted = client.post(page(rule), rule_form(rule, max_age=35))

    assert refused.context["adminform"].form.errors["max_age"] == [members_admin.AGE_RANGE]
    assert accepted.status_code == 302
    rule.refresh_from_db()
    assert (rule.min_age, rule.max_age) == (14, 35)


def test_county_staff_read_the_rules_but_cannot_change_them(client, county_staff):
    rule = EligibilityRule.objects.get(federation__code="youth_league")
    client.force_login(county_staff)

    assert client.get(page(rule)).context["has_change_permission"] is False
    assert client.post(page(rule), rule_form(rule, max_age=35)).status_code == 403
    rule.refresh_from_db()
    assert rule.max_age == 28


def test_a_tag_a_rule_names_cannot_be_deleted(client, province_admin):
    client.force_login(province_admin)

    assert client.get(page(identity_tag("worker"), "delete")).status_code == 403
    assert client.get(page(identity_tag("volunteer"), "delete")).status_code == 200


def test_the_audit_trail_is_read_only_and_the_provinces_alone(client, province_admin, county_staff, disabled_person):
    services.person_full_id_number(actor=province_admin, person=disabled_person.person)
    event = AuditEvent.objects.get()
    client.force_login(province_admin)

    assert event in client.get(reverse("admin:core_auditevent_changelist")).context["cl"].result_list
    assert (
        client.get(reverse("admin:core_auditevent_change", args=[event.pk])).context["has_change_permission"] is False
    )
    assert client.get(reverse("admin:core_auditevent_add")).status_code == 403
    client.force_login(county_staff)
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 403


def test_a_view_only_user_cannot_reach_a_change_with_a_crafted_post(client, disabled_person, chengdong_union):
    person = disabled_person.person
    client.force_login(liaison(chengdong_union))

    response = client.post(page(person), {"name": "改名", "id_number": id_number(age=50)})

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.name == "才让"


# Query counts ---------------------------------------------------------------------------------------


def test_the_person_changelist_costs_the_same_queries_for_10_and_100_people(
    client, province_admin, area, django_assert_num_queries
):
    def people(count: int) -> None:
        for _ in range(count):
            PersonFactory(id_number=id_number(age=30), employer=area.employer)

    client.force_login(province_admin)
    url = changelist("person")
    people(10)
    client.get(url)  # warm the per-process caches (content types, site)
    with CaptureQueriesContext(connection) as ten:
        assert client.get(url).status_code == 200

    people(90)

    with django_assert_num_queries(len(ten.captured_queries)):
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 100
    assert response.content.decode().count(f'<td class="field-federations">{federation("women").name}') == 100
