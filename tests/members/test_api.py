"""/api/v1/ people, memberships and cadre posts, through the HTTP door: joint enrollment,
ID-number checks, conflicts, history, scope, permissions, filters and cost."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.members import idnumbers, services
from apps.members.models import CadrePost, Membership, MembershipStatus, Person
from tests.factories import GrassrootsUnitFactory, HostUnitFactory, federation, region, unit
from tests.members.factories import CadrePostFactory, PersonFactory, id_number, identity_tag

PEOPLE = "/api/v1/people/"
MEMBERSHIPS = "/api/v1/memberships/"
POSTS = "/api/v1/cadre-posts/"
LEJIAWAN = "630102100000"  # 乐家湾镇, a township of 城东区


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def bearer_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def with_check_digit(first17: str) -> str:
    return first17 + idnumbers.check_digit(first17)


def ending_in_x() -> str:
    """A valid number whose check character is X (one serial in eleven has it)."""
    for serial in range(100, 200):
        first17 = f"63010219960708{serial}"
        if idnumbers.check_digit(first17) == "X":
            return first17 + "X"
    raise AssertionError("no serial gives X")


# Joint enrollment -------------------------------------------------------------------------


@pytest.fixture
def employer(chengdong_union):
    """A host unit in 城东区 with a union branch, beside the League and Women's units of the area."""
    branch = GrassrootsUnitFactory(host_unit=HostUnitFactory(region=region("630102"), name="城东某科技公司"))
    return branch.host_unit


@pytest.fixture
def area_units(qinghai):
    """城东区团委 only at the county; 妇联 at the county and in 乐家湾镇, where she lives."""
    return {
        "youth_league": unit("630102", "youth_league"),
        "women_county": unit("630102", "women"),
        "women_township": unit(LEJIAWAN, "women"),
    }


def registration(host_unit, /, **overrides) -> dict:
    return {
        "name": "卓玛",
        "id_number": id_number(age=25, gender="female"),
        "ethnicity": "藏族",
        "phone": "13800000000",
        "region": region(LEJIAWAN).pk,
        "employer": host_unit.pk,
        "identity_tags": ["worker"],
        **overrides,
    }


def created_by_federation(body: dict) -> dict[str, int]:
    codes = dict(federation_ids())
    return {codes[row["federation"]]: row["organization"] for row in body["created"]}


def federation_ids() -> list[tuple[int, str]]:
    return [(federation(code).pk, code) for code in ("union", "youth_league", "women", "disabled", "science")]


def test_a_25_year_old_woman_at_a_unit_with_a_union_is_taken_in_by_the_union_league_and_womens_federation(
    county_staff, employer, area_units
):
    payload = registration(employer)

    response = client_for(county_staff).post(PEOPLE, payload, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    branch = employer.organizations.get()
    assert created_by_federation(body["enrollment"]) == {
        "union": branch.pk,
        "youth_league": area_units["youth_league"].pk,
        "women": area_units["women_township"].pk,
    }
    assert body["enrollment"]["aged_out"] == []
    skipped = {note["federation_name"]: note["reason"] for note in body["enrollment"]["skipped"]}
    assert "残联" in skipped and skipped["残联"].startswith("不具有以下任一身份")
    assert all(row["status"] == "active" and row["source"] == "rule" for row in body["enrollment"]["created"])
    assert set(person.memberships.values_list("organization_id", flat=True)) == set(
        created_by_federation(body["enrollment"]).values()
    )
    assert (body["gender"], body["birth_date"]) == ("female", person.birth_date.isoformat())
    assert body["identity_tags"] == ["worker"]
    assert body["id_number_masked"] == idnumbers.mask(payload["id_number"])


def test_a_40_year_old_man_at_the_same_employer_is_taken_in_by_the_union_only(county_staff, employer, area_units):
    payload = registration(employer, name="张伟", id_number=id_number(age=40, gender="male"))

    response = client_for(county_staff).post(PEOPLE, payload, format="json")

    assert response.status_code == 201, response.content
    enrollment = response.json()["enrollment"]
    assert created_by_federation(enrollment) == {"union": employer.organizations.get().pk}
    skipped = {note["federation_name"]: note["reason"] for note in enrollment["skipped"]}
    assert skipped["共青团"] == "年龄 40 岁，已满 28 岁"
    assert skipped["妇联"] == "仅限女性"


def test_enrolling_again_creates_nothing_and_says_why(county_staff, employer, area_units):
    client = client_for(county_staff)
    person_id = client.post(PEOPLE, registration(employer), format="json").json()["id"]
    before = Membership.objects.count()

    response = client.post(f"{PEOPLE}{person_id}/enroll/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == [] and body["aged_out"] == []
    reasons = {note["federation_name"]: note["reason"] for note in body["skipped"]}
    assert reasons["妇联"] == services.ALREADY_MEMBER.format(organization=area_units["women_township"].name)
    assert Membership.objects.count() == before == 3


def test_enroll_picks_up_a_union_branch_set_up_after_registration(county_staff, chengdong_union):
    host_unit = HostUnitFactory(region=region("630102"))
    person = PersonFactory(employer=host_unit, identity_tags=[identity_tag("worker")])
    assert not person.memberships.exists()
    branch = GrassrootsUnitFactory(host_unit=host_unit)

    response = client_for(county_staff).post(f"{PEOPLE}{person.pk}/enroll/")

    assert response.status_code == 200, response.content
    assert [(row["organization"], row["organization_name"]) for row in response.json()["created"]] == [
        (branch.pk, branch.name)
    ]


# Registration errors ----------------------------------------------------------------------


def test_an_id_number_already_registered_is_a_409_pointing_at_the_existing_person(county_staff, employer):
    client = client_for(county_staff)
    payload = registration(employer)
    first = client.post(PEOPLE, payload, format="json")
    assert first.status_code == 201

    # Typed differently, still the same number.
    again = client.post(
        PEOPLE, {**payload, "name": "另一个名字", "id_number": f" {payload['id_number']} "}, format="json"
    )

    assert again.status_code == 409
    assert again.json() == {
        "detail": services.PERSON_EXISTS.format(masked=idnumbers.mask(payload["id_number"]), name="卓玛"),
        "conflicts": [first.json()["id"]],
    }
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(
            "63010220010315002" + ("1" if idnumbers.check_digit("63010220010315002") != "1" else "2"),
            idnumbers.ID_CHECK_DIGIT,
            id="check-digit",
        ),
        pytest.param(
            with_check_digit("63010220230230002"), idnumbers.ID_BIRTH_DATE.format(date="2023-02-30"), id="no-such-date"
        ),
        pytest.param(
            with_check_digit("63010220990101002"), idnumbers.ID_FUTURE_BIRTH.format(date="2099-01-01"), id="future"
        ),
        pytest.param(with_check_digit("99010219900101002"), idnumbers.ID_PROVINCE.format(prefix="99"), id="province"),
        pytest.param("630102900101002", idnumbers.ID_LEGACY_15, id="legacy-15"),
        pytest.param("6301022001031500", idnumbers.ID_LENGTH.format(length=16), id="length"),
        pytest.param("", idnumbers.ID_REQUIRED, id="empty"),
    ],
)
def test_a_bad_id_number_is_a_400_on_id_number_with_its_own_message(raw, message, county_staff, qinghai):
    response = client_for(county_staff).post(
        PEOPLE, {"name": "卓玛", "id_number": raw, "region": region("630102").pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"id_number": [message]}
    assert not Person.objects.exists()


def test_id_numbers_are_taken_as_people_type_them(county_staff, qinghai):
    number = ending_in_x()
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in number[:17])
    typed = f"{full_width[:6]} {full_width[6:14]} {full_width[14:]}x"

    response = client_for(county_staff).post(
        PEOPLE, {"name": "马丽", "id_number": typed, "region": region("630102").pk}, format="json"
    )

    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["id"])
    assert person.id_number == number
    assert response.json()["id_number_masked"] == idnumbers.mask(number) and number.endswith("X")
    assert (response.json()["birth_date"], response.json()["gender"]) == ("1996-07-08", "female")


def test_a_gender_contradicting_the_id_number_is_a_400_on_gender(county_staff, qinghai):
    payload = {"name": "卓玛", "id_number": id_number(gender="female"), "region": region("630102").pk}

    response = client_for(county_staff).post(PEOPLE, {**payload, "gender": "male"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"gender": [services.GENDER_MISMATCH.format(gender="女")]}


def test_a_disabled_person_needs_a_certificate_and_reads_it_back_masked(county_staff, qinghai):
    number = id_number(age=50, gender="male")
    payload = {"name": "李强", "id_number": number, "region": region("630102").pk, "identity_tags": ["disabled"]}
    client = client_for(county_staff)

    missing = client.post(PEOPLE, payload, format="json")
    assert missing.status_code == 400
    assert missing.json() == {"disability_certificate_number": [services.CERTIFICATE_REQUIRED]}

    response = client.post(PEOPLE, {**payload, "disability_certificate_number": f"{number}42"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["disability_certificate_masked"] == f"{idnumbers.mask(number)}42"
    assert "disability_certificate_number" not in body
    assert number not in response.content.decode()


def test_a_certificate_is_corrected_by_patch_and_a_malformed_one_refused(county_staff, qinghai):
    number = id_number(age=50, gender="male")
    person = PersonFactory(
        id_number=number, identity_tags=[identity_tag("disabled")], disability_certificate_number=f"{number}42"
    )
    client = client_for(county_staff)
    url = f"{PEOPLE}{person.pk}/"

    assert client.patch(url, {"disability_certificate_number": f"{number}42"}, format="json").status_code == 200
    corrected = client.patch(url, {"disability_certificate_number": f"{number}31"}, format="json")
    refused = client.patch(url, {"disability_certificate_number": "disabled"}, format="json")

    assert corrected.json()["disability_certificate_masked"] == f"{idnumbers.mask(number)}31"
    assert refused.status_code == 400 and "disability_certificate_number" in refused.json()


# People: reading, changing, deleting ---------------------------------------------------------


def test_a_person_reads_with_the_contract_fields(county_staff, qinghai):
    person = PersonFactory(name="卓玛", identity_tags=[identity_tag("volunteer"), identity_tag("worker")])

    body = client_for(county_staff).get(f"{PEOPLE}{person.pk}/").json()

    assert {key: body[key] for key in ("id", "name", "gender", "ethnicity", "region", "employer")} == {
        "id": person.pk,
        "name": "卓玛",
        "gender": person.gender,
        "ethnicity": "汉族",
        "region": region("630102").pk,
        "employer": None,
    }
    # In the tags' sort order: 职工 before 志愿者.
    assert body["identity_tags"] == ["worker", "volunteer"]
    assert body["id_number_masked"] == person.id_number_masked
    assert body["updated_at"].endswith("+08:00")
    assert "id_number" not in body


def test_a_new_employer_with_a_union_brings_a_union_membership_on_patch(county_staff, chengdong_union):
    person = PersonFactory(identity_tags=[identity_tag("worker")])
    branch = GrassrootsUnitFactory()

    response = client_for(county_staff).patch(
        f"{PEOPLE}{person.pk}/", {"employer": branch.host_unit_id, "phone": "13900000000"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert [row["organization"] for row in response.json()["enrollment"]["created"]] == [branch.pk]
    person.refresh_from_db()
    assert (person.employer_id, person.phone) == (branch.host_unit_id, "13900000000")


def test_a_put_without_the_id_number_keeps_it(county_staff, qinghai):
    person = PersonFactory(name="旧名字")
    number = person.id_number
    payload = {"name": "新名字", "region": region(LEJIAWAN).pk, "identity_tags": ["volunteer"]}

    response = client_for(county_staff).put(f"{PEOPLE}{person.pk}/", payload, format="json")

    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert (person.name, person.region.code, person.id_number) == ("新名字", LEJIAWAN, number)
    assert list(person.identity_tags.values_list("code", flat=True)) == ["volunteer"]


def test_changing_the_id_number_to_one_already_registered_is_a_409(county_staff, qinghai):
    first, second = PersonFactory(), PersonFactory()

    response = client_for(county_staff).patch(
        f"{PEOPLE}{second.pk}/", {"id_number": first.id_number.lower()}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["conflicts"] == [first.pk]


def test_a_person_with_memberships_cannot_be_deleted_but_one_without_can(province_admin, employer):
    member = PersonFactory(employer=employer, identity_tags=[identity_tag("worker")])
    stranger = PersonFactory()
    client = client_for(province_admin)

    refused = client.delete(f"{PEOPLE}{member.pk}/")
    assert refused.status_code == 409
    assert refused.json()["conflicts"] == list(member.memberships.values_list("pk", flat=True))

    assert client.delete(f"{PEOPLE}{stranger.pk}/").status_code == 204
    assert list(Person.objects.values_list("pk", flat=True)) == [member.pk]


# Memberships --------------------------------------------------------------------------------


def test_a_transfer_moves_the_membership_and_keeps_the_old_one_as_history(county_staff, employer):
    person = PersonFactory(employer=employer, identity_tags=[identity_tag("worker")])
    old = person.memberships.get()
    other_branch = GrassrootsUnitFactory()
    client = client_for(county_staff)
    on = timezone.localdate()

    response = client.post(
        f"{MEMBERSHIPS}{old.pk}/transfer/", {"organization": other_branch.pk, "on": on.isoformat()}, format="json"
    )

    assert response.status_code == 201, response.content
    new = response.json()
    assert (new["organization"], new["status"], new["transferred_from"]) == (other_branch.pk, "active", old.pk)
    old.refresh_from_db()
    assert (old.status, old.ended_on) == (MembershipStatus.TRANSFERRED, on)
    history = client.get(MEMBERSHIPS, {"person": person.pk}).json()["results"]
    assert [(row["id"], row["status"]) for row in history] == [(old.pk, "transferred"), (new["id"], "active")]


def test_a_transfer_to_another_federation_is_a_400_on_organization(county_staff, employer):
    person = PersonFactory(employer=employer, identity_tags=[identity_tag("worker")])

    response = client_for(county_staff).post(
        f"{MEMBERSHIPS}{person.memberships.get().pk}/transfer/",
        {"organization": unit("630102", "women").pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"organization": [services.TRANSFER_FEDERATION]}


def test_a_membership_is_added_by_hand_once_per_federation_and_ended(county_staff, qinghai):
    person = PersonFactory()
    women = unit("630102", "women")
    client = client_for(county_staff)
    payload = {"person": person.pk, "organization": women.pk, "note": "本人申请"}

    created = client.post(MEMBERSHIPS, payload, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["federation"], created.json()["source"]) == (women.federation_id, "manual")

    again = client.post(MEMBERSHIPS, payload, format="json")
    assert again.status_code == 409
    assert again.json()["conflicts"] == [created.json()["id"]]

    ended = client.post(f"{MEMBERSHIPS}{created.json()['id']}/end/", {}, format="json")
    assert ended.status_code == 200, ended.content
    assert (ended.json()["status"], ended.json()["ended_on"]) == ("lapsed", timezone.localdate().isoformat())
    assert client.post(f"{MEMBERSHIPS}{created.json()['id']}/end/", {}, format="json").json() == {
        "membership": [services.NOT_ACTIVE]
    }


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_membership_status_is_never_written_directly(method, province_admin, qinghai):
    person = PersonFactory()
    membership = services.membership_create(person=person, organization=unit("630102", "women"))

    response = getattr(client_for(province_admin), method)(
        f"{MEMBERSHIPS}{membership.pk}/", {"status": "lapsed"}, format="json"
    )

    assert response.status_code == 405
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_memberships_filter_by_organization_federation_and_status(county_staff, employer, area_units):
    woman = PersonFactory(
        id_number=id_number(age=25), region=region(LEJIAWAN), employer=employer, identity_tags=[identity_tag("worker")]
    )
    man = PersonFactory(
        id_number=id_number(age=40, gender="male"), employer=employer, identity_tags=[identity_tag("worker")]
    )
    union = employer.organizations.get()
    client = client_for(county_staff)
    assert ids(client.get(MEMBERSHIPS, {"organization": union.pk})) == set(
        Membership.objects.filter(organization=union).values_list("pk", flat=True)
    )
    assert len(ids(client.get(MEMBERSHIPS, {"organization": union.pk}))) == 2
    women = ids(client.get(MEMBERSHIPS, {"federation": federation("women").pk}))
    assert women == set(woman.memberships.filter(federation__code="women").values_list("pk", flat=True))
    services.membership_end(membership=man.memberships.get())
    assert ids(client.get(MEMBERSHIPS, {"status": "lapsed"})) == {man.memberships.get().pk}


# Cadre posts ----------------------------------------------------------------------------------


def test_cadre_posts_are_created_changed_listed_as_current_and_deleted(province_admin, chengdong_union):
    person = PersonFactory()
    client = client_for(province_admin)
    today = timezone.localdate()
    payload = {
        "person": person.pk,
        "organization": chengdong_union.pk,
        "post_type": "seconded",
        "title": "挂职副主席",
        "start_date": (today - dt.timedelta(days=30)).isoformat(),
    }

    created = client.post(POSTS, payload, format="json")
    assert created.status_code == 201, created.content
    post_id = created.json()["id"]
    overlapping = client.post(POSTS, payload, format="json")
    assert overlapping.status_code == 409
    assert overlapping.json() == {"detail": services.POST_OVERLAP.format(title="挂职副主席"), "conflicts": [post_id]}
    ended = CadrePostFactory(
        person=person, organization=chengdong_union, start_date=today - dt.timedelta(days=400), end_date=today
    )
    ended_before = CadrePostFactory(
        person=person,
        organization=chengdong_union,
        title="委员",
        start_date=today - dt.timedelta(days=400),
        end_date=today - dt.timedelta(days=1),
    )

    assert ids(client.get(POSTS, {"current": "true"})) == {post_id, ended.pk}
    assert ids(client.get(POSTS, {"current": "false"})) == {ended_before.pk}
    assert ids(client.get(POSTS, {"person": person.pk, "organization": chengdong_union.pk})) == {
        post_id,
        ended.pk,
        ended_before.pk,
    }

    backwards = client.patch(f"{POSTS}{post_id}/", {"end_date": (today - dt.timedelta(days=31)).isoformat()})
    assert backwards.status_code == 400
    assert backwards.json() == {"end_date": [services.POST_DATES]}
    changed = client.patch(f"{POSTS}{post_id}/", {"title": "挂职常务副主席"}, format="json")
    assert changed.status_code == 200, changed.content
    assert CadrePost.objects.get(pk=post_id).title == "挂职常务副主席"
    assert client.delete(f"{POSTS}{post_id}/").status_code == 204
    assert not CadrePost.objects.filter(pk=post_id).exists()


# Scope and permissions ------------------------------------------------------------------------


@pytest.fixture
def chengzhong_person(chengzhong_union):
    """Someone living and working in 城中区, a union member there, with a post there."""
    branch = GrassrootsUnitFactory(host_unit=HostUnitFactory(region=region("630103")))
    person = PersonFactory(region=region("630103"), employer=branch.host_unit, identity_tags=[identity_tag("worker")])
    CadrePostFactory(person=person, organization=branch)
    return person


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("put", ""), ("patch", ""), ("delete", ""), ("post", "enroll/")],
)
def test_chengzhong_people_are_404_for_chengdong_staff(method, suffix, county_staff, chengzhong_person):
    client = client_for(county_staff)
    payload = {"name": "改名", "region": region("630102").pk}

    response = getattr(client, method)(f"{PEOPLE}{chengzhong_person.pk}/{suffix}", payload, format="json")
    missing = getattr(client, method)(f"{PEOPLE}{10**9}/{suffix}", payload, format="json")

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json()
    assert Person.objects.get(pk=chengzhong_person.pk).name == chengzhong_person.name


def test_chengzhong_memberships_and_posts_are_out_of_sight_for_chengdong_staff(county_staff, chengzhong_person):
    client = client_for(county_staff)
    membership = chengzhong_person.memberships.get()
    post = chengzhong_person.cadre_posts.get()

    assert ids(client.get(PEOPLE)) == set()
    assert ids(client.get(MEMBERSHIPS)) == set()
    assert ids(client.get(POSTS)) == set()
    assert client.get(f"{MEMBERSHIPS}{membership.pk}/").status_code == 404
    assert client.post(f"{MEMBERSHIPS}{membership.pk}/end/", {}, format="json").status_code == 404
    assert client.post(f"{MEMBERSHIPS}{membership.pk}/transfer/", {}, format="json").status_code == 404
    assert client.get(f"{POSTS}{post.pk}/").status_code == 404
    assert client.delete(f"{POSTS}{post.pk}/").status_code == 404
    # The number itself finds nothing either.
    assert ids(client.get(PEOPLE, {"id_number": chengzhong_person.id_number})) == set()


@pytest.mark.parametrize(
    ("url", "field", "payload"),
    [
        (PEOPLE, "region", lambda ctx: registration(ctx["employer"], region=region("630103").pk)),
        (PEOPLE, "employer", lambda ctx: registration(ctx["employer"], employer=ctx["their_host"].pk)),
        (MEMBERSHIPS, "organization", lambda ctx: {"person": ctx["person"].pk, "organization": ctx["theirs"].pk}),
        (MEMBERSHIPS, "person", lambda ctx: {"person": ctx["their_person"].pk, "organization": ctx["mine"].pk}),
        (
            POSTS,
            "organization",
            lambda ctx: {
                "person": ctx["person"].pk,
                "organization": ctx["theirs"].pk,
                "post_type": "part_time",
                "title": "委员",
                "start_date": "2026-01-01",
            },
        ),
    ],
)
def test_a_foreign_key_outside_the_scope_is_a_400_on_that_field(url, field, payload, county_staff, employer):
    theirs = GrassrootsUnitFactory(host_unit=HostUnitFactory(region=region("630103")))
    context = {
        "employer": employer,
        "their_host": theirs.host_unit,
        "theirs": theirs,
        "mine": unit("630102", "women"),
        "person": PersonFactory(),
        "their_person": PersonFactory(region=region("630103")),
    }
    counts = (Person.objects.count(), Membership.objects.count(), CadrePost.objects.count())

    response = client_for(county_staff).post(url, payload(context), format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert (Person.objects.count(), Membership.objects.count(), CadrePost.objects.count()) == counts


def test_a_user_without_roles_gets_403_on_every_create(mobile_user, county_staff, employer):
    person = PersonFactory()
    client = client_for(mobile_user)

    assert client.post(PEOPLE, registration(employer), format="json").status_code == 403
    membership = {"person": person.pk, "organization": employer.organizations.get().pk}
    assert client.post(MEMBERSHIPS, membership, format="json").status_code == 403
    post = {**membership, "post_type": "part_time", "title": "委员", "start_date": "2026-01-01"}
    assert client.post(POSTS, post, format="json").status_code == 403
    assert (Person.objects.count(), Membership.objects.count(), CadrePost.objects.count()) == (1, 0, 0)
    assert ids(client.get(PEOPLE)) == set()


def test_county_staff_may_not_delete_people(county_staff, qinghai):
    person = PersonFactory()
    assert client_for(county_staff).delete(f"{PEOPLE}{person.pk}/").status_code == 403
    assert Person.objects.filter(pk=person.pk).exists()


# Filters ----------------------------------------------------------------------------------------


def test_people_filter_by_id_number_name_region_federation_tag_and_change_time(
    county_staff, employer, area_units, time_machine
):
    start = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
    time_machine.move_to(start, tick=False)
    worker = PersonFactory(
        name="卓玛", region=region(LEJIAWAN), employer=employer, identity_tags=[identity_tag("worker")]
    )
    time_machine.move_to(start + dt.timedelta(hours=1), tick=False)
    volunteer = PersonFactory(
        name="扎西", id_number=id_number(age=40, gender="male"), identity_tags=[identity_tag("volunteer")]
    )
    client = client_for(county_staff)

    assert ids(client.get(PEOPLE, {"id_number": worker.id_number})) == {worker.pk}
    assert ids(client.get(PEOPLE, {"id_number": "630102"})) == set()
    assert ids(client.get(PEOPLE, {"search": "卓"})) == {worker.pk}
    assert ids(client.get(PEOPLE, {"region": region(LEJIAWAN).pk})) == {worker.pk}
    assert ids(client.get(PEOPLE, {"region": region("630102").pk})) == {worker.pk, volunteer.pk}
    assert ids(client.get(PEOPLE, {"federation": federation("union").pk})) == {worker.pk}
    assert ids(client.get(PEOPLE, {"federation": federation("disabled").pk})) == set()
    assert ids(client.get(PEOPLE, {"identity_tag": "volunteer"})) == {volunteer.pk}
    since = (start + dt.timedelta(minutes=30)).isoformat()
    assert [row["id"] for row in client.get(PEOPLE, {"updated_since": since}).json()["results"]] == [volunteer.pk]
    assert list(client.get(PEOPLE, {"region": region("630103").pk}).json()) == ["region"]


def test_an_ended_membership_no_longer_counts_for_the_federation_filter(county_staff, employer):
    person = PersonFactory(employer=employer, identity_tags=[identity_tag("worker")])
    client = client_for(county_staff)
    assert ids(client.get(PEOPLE, {"federation": federation("union").pk})) == {person.pk}

    services.membership_end(membership=person.memberships.get())

    assert ids(client.get(PEOPLE, {"federation": federation("union").pk})) == set()


# Cost -------------------------------------------------------------------------------------------


def _queries(client: APIClient, url: str, rows: int) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == rows
    return len(queries), [query["sql"] for query in queries.captured_queries]


def test_lists_cost_the_same_queries_for_10_and_100_rows(county_staff, employer):
    tags = [identity_tag("worker"), identity_tag("volunteer")]
    women = unit("630102", "women")

    def add(count: int) -> None:
        for _ in range(count):
            # Men of 30: the union only, one membership each.
            person = PersonFactory(id_number=id_number(gender="male"), employer=employer, identity_tags=tags)
            CadrePostFactory(person=person, organization=women)

    add(10)
    client = bearer_client(county_staff)
    few = {
        resource: _queries(client, f"/api/v1/{resource}/?page_size=200", 10)
        for resource in ("people", "memberships", "cadre-posts")
    }
    add(90)

    for resource, (count, _) in few.items():
        many, sql = _queries(client, f"/api/v1/{resource}/?page_size=200", 100)
        assert many == count, "\n".join(sql)
    # The signed-in user, their scope, the page (people bring their tags along).
    assert {resource: count for resource, (count, _) in few.items()} == {
        "people": 3,
        "memberships": 3,
        "cadre-posts": 3,
    }


def test_a_person_detail_costs_a_fixed_number_of_queries(county_staff, qinghai, django_assert_num_queries):
    person = PersonFactory(identity_tags=[identity_tag("worker"), identity_tag("volunteer")])
    client = client_for(county_staff)
    # Scope, the row, its tags, and the permission check for the full number (user and group perms).
    with django_assert_num_queries(5):
        assert client.get(f"{PEOPLE}{person.pk}/").status_code == 200


def test_the_people_list_reads_exactly_what_the_person_serializer_shows(county_staff, employer):
    """The list's read path (plain values) gives the JSON PersonSerializer gives, field for field."""
    from apps.members.api.serializers import PersonSerializer

    disabled_number = id_number(age=50, gender="male")
    people = [
        PersonFactory(employer=employer, identity_tags=[identity_tag("volunteer"), identity_tag("worker")]),
        PersonFactory(name="卓玛", ethnicity="藏族", phone="13800000000", region=region(LEJIAWAN)),
        PersonFactory(
            id_number=disabled_number,
            identity_tags=[identity_tag("disabled")],
            disability_certificate_number=f"{disabled_number}42",
        ),
    ]

    listed = {row["id"]: row for row in bearer_client(county_staff).get(PEOPLE).json()["results"]}

    assert set(listed) == {person.pk for person in people}
    for person in people:
        expected = json.loads(JSONRenderer().render(PersonSerializer(Person.objects.get(pk=person.pk)).data))
        assert list(listed[person.pk].items()) == list(expected.items())
    assert listed[people[2].pk]["disability_certificate_masked"] == f"{idnumbers.mask(disabled_number)}42"
    assert listed[people[0].pk]["identity_tags"] == ["worker", "volunteer"]


def test_the_people_list_pages_by_cursor_in_every_order(county_staff, qinghai):
    people = [PersonFactory(name=f"人员{number:02d}") for number in range(7)]
    client = bearer_client(county_staff)

    for ordering, expected in (
        (None, sorted((p.pk for p in people), reverse=True)),
        ("name", [p.pk for p in people]),
        ("-updated_at", [p.pk for p in sorted(people, key=lambda p: (p.updated_at, p.pk), reverse=True)]),
    ):
        seen, url = [], f"{PEOPLE}?page_size=3" + (f"&ordering={ordering}" if ordering else "")
        while url:
            body = client.get(url).json()
            seen += [row["id"] for row in body["results"]]
            url = body["next"]
        assert seen == expected, ordering


def test_without_postgresql_the_people_list_reads_the_tags_in_a_second_query(county_staff, qinghai, monkeypatch):
    from django.db import connections

    person = PersonFactory(identity_tags=[identity_tag("volunteer"), identity_tag("worker")])
    client = bearer_client(county_staff)
    client.get(PEOPLE)
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")

    with CaptureQueriesContext(connection) as queries:
        rows = client.get(PEOPLE).json()["results"]

    assert rows[0]["id"] == person.pk and rows[0]["identity_tags"] == ["worker", "volunteer"]
    assert len(queries) == 4


def test_county_staff_list_the_people_living_or_working_in_their_county(county_staff, employer, chengzhong_person):
    commuter = PersonFactory(region=region("630103"), employer=employer)
    resident = PersonFactory(region=region(LEJIAWAN), employer=chengzhong_person.employer)

    assert ids(bearer_client(county_staff).get(PEOPLE)) == {commuter.pk, resident.pk}
