"""The staff pages for people, through HTTP: registration, the live ID check, scope, masking,
the audited full view, enrollment, transfers, cadre posts and query counts."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.members import eligibility, idnumbers, services
from apps.members import urls as member_urls
from apps.members.forms import PERSON_NOT_FOUND
from apps.members.models import CadrePost, Membership, MembershipStatus, Person, PostType
from apps.members.views import REGISTERED_OUT_OF_SCOPE
from apps.organizations.views import SIGNED_IN
from tests.factories import GrassrootsUnitFactory, HostUnitFactory, region, unit
from tests.members.factories import CadrePostFactory, PersonFactory, id_number, identity_tag

# 17 digits of a woman born 2001-03-15 in 城东区, for the checks that read the birth date.
WOMAN_2001 = "63010220010315002"
HTMX_RESULTS = {"HX-Request": "true", "HX-Target": "person-results"}


def _valid(first17: str) -> str:
    return first17 + idnumbers.check_digit(first17)


def _wrong_check_digit(first17: str) -> str:
    right = idnumbers.check_digit(first17)
    return first17 + ("1" if right != "1" else "2")


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _detail_url(person: Person) -> str:
    return reverse("web-person-detail", args=[person.pk])


@pytest.fixture
def staff_client(client, county_staff):
    client.force_login(county_staff)
    return client


@pytest.fixture
def admin_client(client, province_admin):
    client.force_login(province_admin)
    return client


@pytest.fixture
def park(chengdong_union):
    """东川工业园区 in 城东区 with its own union, and the League and Women's units of 城东区."""
    host_unit = GrassrootsUnitFactory(
        name="东川工业园区联合工会", host_unit=HostUnitFactory(name="东川工业园区")
    ).host_unit
    unit("630102", "youth_league")
    unit("630102", "women")
    return host_unit


@pytest.fixture
def woman() -> str:
    """A woman of 25 today: the age the Youth League still takes in, whatever the date."""
    return id_number(age=25, gender="female")


@pytest.fixture
def foreigner(chengzhong_union):
    """A woman living in 城中区, a member of its Women's Federation: outside the county staff's scope."""
    unit("630103", "women")
    return PersonFactory(name="城中居民", region=region("630103001000"), id_number=id_number(region_code="630103"))


def _register_form(host_unit, id_number: str, **changes) -> dict:
    data = {
        "name": "李梅",
        "id_number": id_number,
        "ethnicity": "藏族",
        "phone": "13800001111",
        "region": region("630102001000").pk,
        "employer": host_unit.pk,
        "identity_tags": [identity_tag("worker").pk],
        "disability_certificate_number": "",
    }
    data.update(changes)
    return data


# Access ---------------------------------------------------------------------------------


def test_every_page_declares_who_may_use_it():
    rules = {pattern.name: getattr(pattern.callback, "access", None) for pattern in member_urls.urlpatterns}
    undeclared = [name for name, rule in rules.items() if rule != SIGNED_IN and not str(rule).startswith("members.")]
    assert undeclared == []
    assert rules["web-person-register"] == "members.add_person"
    assert rules["web-person-id-number"] == "members.view_full_id_number"


@pytest.mark.parametrize("pattern", member_urls.urlpatterns, ids=lambda pattern: pattern.name)
def test_it_sends_an_anonymous_visitor_to_the_login_page(client, pattern, qinghai):
    url = reverse(pattern.name, kwargs={"pk": 1} if "pk" in pattern.pattern.converters else {})
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_a_user_without_the_permission_gets_a_chinese_403_page(client, mobile_user):
    client.force_login(mobile_user)
    response = client.get(reverse("web-person-register"))
    assert response.status_code == 403
    assert "没有权限" in _text(response)
    response = client.post(reverse("web-person-check-id"), {"id_number": _valid(WOMAN_2001)})
    assert response.status_code == 403 and "已登记" not in _text(response)


def test_the_subnavigation_offers_the_people_pages(staff_client, qinghai):
    text = _text(staff_client.get(reverse("home")))
    for url, label in [
        (reverse("web-person-register"), "人员登记"),
        (reverse("web-person-list"), "人员与会员"),
        (reverse("web-cadre-post-list"), "干部任职"),
    ]:
        assert f'href="{url}">{label}</a>' in text


# Registration ---------------------------------------------------------------------------


def test_registering_a_25_year_old_working_woman_creates_her_three_memberships(staff_client, park, woman):
    response = staff_client.post(reverse("web-person-register"), _register_form(park, woman), follow=True)

    person = Person.objects.get()
    assert response.redirect_chain == [(_detail_url(person), 302)]
    born = idnumbers.parse(woman).birth_date
    assert (person.name, person.gender, person.birth_date, person.ethnicity) == ("李梅", "female", born, "藏族")
    memberships = {
        m.federation.code: m.organization.name for m in person.memberships.select_related("federation", "organization")
    }
    assert memberships == {
        "union": "东川工业园区联合工会",
        "youth_league": unit("630102", "youth_league").name,
        "women": unit("630102", "women").name,
    }
    assert set(person.memberships.values_list("source", flat=True)) == {"rule"}
    text = _text(response)
    # The message says what was created, and why the others were not.
    assert "已登记“李梅”。" in text and "新吸收为：" in text
    assert "东川工业园区联合工会（工会）" in text
    assert "残联：" + eligibility.TAGS_MISSING.format(tags="残疾人") in text
    # The detail page lists the three memberships under their federations.
    assert text.count('class="table table-sm align-middle mb-0 qz-memberships"') == 3
    assert person.id_number_masked in text and woman not in text


def test_a_duplicate_id_number_shows_the_conflict_and_creates_nothing(staff_client, park, woman):
    existing = PersonFactory(name="王芳", id_number=woman, employer=park, identity_tags=[identity_tag("worker")])
    memberships = Membership.objects.count()
    # Typed as people type it: spaces, full-width digits, a lower-case x.
    typed = f"{woman[:6]} {woman[6:14]} " + woman[14:].translate(str.maketrans("0123456789X", "０１２３４５６７８９x"))

    response = staff_client.post(reverse("web-person-register"), _register_form(park, typed))

    assert response.status_code == 200
    text = _text(response)
    assert services.PERSON_EXISTS.format(masked=existing.id_number_masked, name="王芳") in text
    assert f'href="{_detail_url(existing)}"' in text
    assert Person.objects.count() == 1 and Membership.objects.count() == memberships
    # The number already registered is not offered back for another try; the rest of the form is.
    assert 'value="李梅"' in text and woman[6:] not in text


def test_a_duplicate_of_someone_outside_the_scope_is_refused_without_naming_them(staff_client, park, foreigner):
    response = staff_client.post(reverse("web-person-register"), _register_form(park, foreigner.id_number))
    text = _text(response)
    assert REGISTERED_OUT_OF_SCOPE in text
    assert "城中居民" not in text and _detail_url(foreigner) not in text
    assert Person.objects.count() == 1


def test_a_wrong_check_digit_lands_on_the_id_number_field(staff_client, park):
    response = staff_client.post(reverse("web-person-register"), _register_form(park, _wrong_check_digit(WOMAN_2001)))
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == [idnumbers.ID_CHECK_DIGIT]
    text = _text(response)
    assert idnumbers.ID_CHECK_DIGIT in text and 'aria-invalid="true"' in text
    assert Person.objects.count() == 0 and Membership.objects.count() == 0


def test_a_service_error_lands_on_its_own_field(staff_client, park, woman):
    response = staff_client.post(
        reverse("web-person-register"),
        _register_form(park, woman, identity_tags=[identity_tag("disabled").pk], disability_certificate_number=""),
    )
    assert response.context["form"].errors["disability_certificate_number"] == [services.CERTIFICATE_REQUIRED]
    assert Person.objects.count() == 0


def test_the_register_form_offers_only_the_users_regions_and_host_units(staff_client, park, chengzhong_union, woman):
    HostUnitFactory(name="南川工业园区", region=region("630103"))
    response = staff_client.get(reverse("web-person-register"))
    text = _text(response)
    assert '<optgroup label="青海省西宁市城东区">' in text and "东关大街街道" in text
    assert "城中区" not in text and "南川工业园区" not in text
    # Host units are found by typing (a search select), not listed: the lookup offers only the user's.
    assert 'data-url="/lookup/host-units/"' in text and 'name="employer" value=""' in text
    found = staff_client.get(reverse("lookup-host-units"), {"q": "工业园区"}).json()["results"]
    assert [row["label"] for row in found] == ["东川工业园区"]
    assert text.count('type="checkbox" name="identity_tags"') == 9
    assert text.count("<option value=") >= 56  # the ethnicities

    # A region outside the scope, posted by hand, is refused by the form.
    response = staff_client.post(
        reverse("web-person-register"), _register_form(park, woman, region=region("630103001000").pk)
    )
    assert "region" in response.context["form"].errors
    assert Person.objects.count() == 0


# The live ID-number check ---------------------------------------------------------------


def _check(client, value: str) -> str:
    response = client.post(reverse("web-person-check-id"), {"id_number": value}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in _text(response)
    return _text(response)


def test_the_live_check_answers_bad_good_and_already_registered_numbers(staff_client, park, foreigner):
    assert idnumbers.ID_CHECK_DIGIT in _check(staff_client, _wrong_check_digit(WOMAN_2001))
    assert idnumbers.ID_LEGACY_15 in _check(staff_client, "630102850612001")
    still_typing = _check(staff_client, "6301022001")
    assert idnumbers.ID_LENGTH.format(length=10) in still_typing and "text-body-secondary" in still_typing

    good = _check(staff_client, _valid(WOMAN_2001).lower())
    assert "号码有效 · 女 · 出生日期 2001-03-15" in good and "已登记" not in good

    existing = PersonFactory(name="王芳", id_number=_valid(WOMAN_2001))
    registered = _check(staff_client, _valid(WOMAN_2001))
    assert "已登记" in registered
    assert f'href="{_detail_url(existing)}">王芳</a>' in registered
    assert _valid(WOMAN_2001) not in registered

    elsewhere = _check(staff_client, foreigner.id_number)
    assert "已登记" in elsewhere
    assert "城中居民" not in elsewhere and "href" not in elsewhere

    assert _check(staff_client, "").strip() == ""


def test_the_live_check_takes_the_number_in_a_post_body_only(staff_client, qinghai):
    url = reverse("web-person-check-id")
    assert staff_client.get(url, {"id_number": _valid(WOMAN_2001)}).status_code == 405


def test_the_register_form_wires_the_live_check_to_the_id_number_input(staff_client, park):
    text = _text(staff_client.get(reverse("web-person-register")))
    assert f'hx-post="{reverse("web-person-check-id")}"' in text
    assert 'hx-trigger="keyup changed delay:300ms, change"' in text
    assert 'hx-target="#id-number-check"' in text and 'id="id-number-check"' in text


# Scope and masking ----------------------------------------------------------------------


def test_county_staff_cannot_open_a_person_of_another_county(staff_client, park, foreigner):
    mine = PersonFactory(name="城东居民")
    membership = foreigner.memberships.get(federation__code="women")  # at 城中区妇联, outside the scope
    assert staff_client.get(_detail_url(mine)).status_code == 200
    responses = [
        staff_client.get(_detail_url(foreigner)),
        staff_client.get(reverse("web-person-edit", args=[foreigner.pk])),
        staff_client.post(reverse("web-person-enroll", args=[foreigner.pk])),
        staff_client.get(reverse("web-membership-transfer", args=[membership.pk])),
        staff_client.get(_detail_url(Person(pk=10**9))),
    ]
    assert [response.status_code for response in responses] == [404] * 5
    assert all("城中居民" not in _text(response) for response in responses)

    listed = _text(staff_client.get(reverse("web-person-list")))
    assert "城东居民" in listed and "城中居民" not in listed
    assert "城中居民" not in _text(staff_client.get(reverse("web-person-list"), {"q": "城中"}))
    # Not even by the exact ID number.
    looked_up = _text(staff_client.post(reverse("web-person-list"), {"id_number": foreigner.id_number}))
    assert "城中居民" not in looked_up and "共 0 人" in looked_up


def test_county_staff_never_see_a_full_id_number_on_any_page(staff_client, county_staff, park, woman):
    full = woman
    person = PersonFactory(
        name="卓玛",
        id_number=full,
        employer=park,
        identity_tags=[identity_tag("worker"), identity_tag("disabled")],
        disability_certificate_number=f"{full}21",
    )
    CadrePostFactory(person=person, organization=unit("630102", "women"), title="执委")
    membership = person.memberships.get(federation__code="women")
    pages = [
        staff_client.get(reverse("web-person-list")),
        staff_client.get(reverse("web-person-list"), {"q": "卓玛"}, headers=HTMX_RESULTS),
        staff_client.post(reverse("web-person-list"), {"id_number": full}),
        staff_client.get(_detail_url(person)),
        staff_client.get(reverse("web-person-edit", args=[person.pk])),
        staff_client.get(reverse("web-membership-transfer", args=[membership.pk])),
        staff_client.get(reverse("web-cadre-post-list")),
        staff_client.get(reverse("web-cadre-post-list"), {"person": person.pk}),
        staff_client.post(reverse("web-person-check-id"), {"id_number": full}),
        staff_client.post(reverse("web-person-register"), _register_form(park, " " + full)),
    ]
    assert all(page.status_code == 200 for page in pages)
    for page in pages:
        assert full not in _text(page), page.request["PATH_INFO"]
        assert full[6:14] not in _text(page)  # not even the birth-date digits run together
    detail = _text(pages[3])
    assert person.id_number_masked in detail and f"{person.id_number_masked}21" in detail
    assert "查看完整身份证号" not in detail
    assert person.id_number_masked in _text(pages[0]) and person.id_number_masked in _text(pages[2])
    # And asking for it anyway is refused, and leaves no trace in the audit trail.
    response = staff_client.post(reverse("web-person-id-number", args=[person.pk]))
    assert response.status_code == 403 and full not in _text(response)
    assert not AuditEvent.objects.exists()


def test_a_province_admin_reveals_the_full_id_number_and_the_view_is_audited(admin_client, province_admin, park):
    full = _valid(WOMAN_2001)
    person = PersonFactory(name="卓玛", id_number=full)
    detail = _text(admin_client.get(_detail_url(person)))
    assert "查看完整身份证号" in detail and full not in detail
    assert not AuditEvent.objects.exists()

    url = reverse("web-person-id-number", args=[person.pk])
    response = admin_client.post(url, headers={"HX-Request": "true", "HX-Target": "id-number"})
    assert response.status_code == 200
    assert f'<span class="font-monospace" id="id-number-full">{full}</span>' in _text(response)
    assert "<html" not in _text(response)
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.model, event.object_id) == (
        AuditEvent.Action.VIEW_FULL_ID_NUMBER,
        province_admin.pk,
        "members.person",
        person.pk,
    )

    # Without JavaScript the whole page comes back with the number; every view is audited.
    response = admin_client.post(url)
    assert full in _text(response) and "<html" in _text(response)
    assert AuditEvent.objects.count() == 2
    assert admin_client.get(url).status_code == 405


# Enrollment, edits and transfers --------------------------------------------------------


def test_the_enroll_button_creates_what_is_due_once(staff_client, chengdong_union, woman):
    host_unit = GrassrootsUnitFactory(host_unit=HostUnitFactory()).host_unit
    person = PersonFactory(name="才让", id_number=woman, employer=host_unit, identity_tags=[identity_tag("worker")])
    assert set(person.memberships.values_list("federation__code", flat=True)) == {"union"}
    league = unit("630102", "youth_league")  # set up after she registered
    url = reverse("web-person-enroll", args=[person.pk])

    first = _text(staff_client.post(url, follow=True))
    assert f"新吸收为：{league.name}（共青团）" in first
    union = person.memberships.get(federation__code="union").organization
    assert "工会：" + services.ALREADY_MEMBER.format(organization=union.name) in first

    second = _text(staff_client.post(url, follow=True))
    assert "没有新增会员关系" in second
    assert person.memberships.count() == 2
    assert person.memberships.filter(federation=league.federation, status=MembershipStatus.ACTIVE).count() == 1
    assert staff_client.get(url).status_code == 405


def test_editing_a_person_saves_through_the_service_and_keeps_the_secrets_unshown(staff_client, park, woman):
    full = woman
    person = PersonFactory(name="李梅", id_number=full)
    assert not person.memberships.filter(federation__code="union").exists()
    url = reverse("web-person-edit", args=[person.pk])
    page = _text(staff_client.get(url))
    assert 'value="李梅"' in page and full not in page and person.id_number_masked in page

    data = _register_form(park, "", name="李梅梅", phone="0971-1234567")
    response = staff_client.post(url, data, follow=True)
    person.refresh_from_db()
    assert response.redirect_chain == [(_detail_url(person), 302)]
    assert (person.name, person.phone, person.employer_id, person.id_number) == (
        "李梅梅",
        "0971-1234567",
        park.pk,
        full,
    )
    # The new employer has a union: saving enrolls her there.
    assert "东川工业园区联合工会（工会）" in _text(response)
    assert person.memberships.filter(federation__code="union", status=MembershipStatus.ACTIVE).exists()


def test_a_transfer_moves_the_membership_and_the_history_shows_both_rows(staff_client, chengdong_union):
    county_women = unit("630102", "women")
    street_women = unit("630102001000", "women")
    person = PersonFactory(name="央金", id_number=_valid(WOMAN_2001), region=region("630102001000"))
    membership = person.memberships.get(federation__code="women")
    assert membership.organization == street_women  # the nearest unit up from her street

    page = _text(staff_client.get(_detail_url(person)))
    transfer_url = reverse("web-membership-transfer", args=[membership.pk])
    assert f'href="{transfer_url}"' in page
    form_page = staff_client.get(transfer_url)
    offered = _text(form_page)
    # The search select asks for the membership's federation, without the organization it leaves.
    women = county_women.federation_id
    lookup = f"{reverse('lookup-organizations')}?federation={women}&exclude={street_women.pk}"
    assert f'data-url="{lookup}"' in offered
    found = staff_client.get(f"{lookup}&q=妇").json()["results"]
    assert county_women.pk in [row["id"] for row in found]
    assert street_women.pk not in [row["id"] for row in found]

    response = staff_client.post(
        transfer_url,
        {"organization": county_women.pk, "on": timezone.localdate().isoformat(), "note": "工作调动"},
        follow=True,
    )
    assert response.redirect_chain == [(_detail_url(person), 302)]
    rows = list(person.memberships.filter(federation__code="women").order_by("id"))
    assert [(row.organization, row.status) for row in rows] == [
        (street_women, MembershipStatus.TRANSFERRED),
        (county_women, MembershipStatus.ACTIVE),
    ]
    assert rows[1].transferred_from == rows[0]
    text = _text(response)
    women_table = text[text.index('data-federation="women"') :]
    women_table = women_table[: women_table.index("</table>")]
    assert women_table.count('<tr id="membership-') == 2
    assert "已转出" in women_table and "在册" in women_table and f"转自{street_women.name}" in women_table
    # The old row can no longer be moved.
    response = staff_client.post(
        transfer_url, {"organization": county_women.pk, "on": timezone.localdate().isoformat()}
    )
    assert "只有在册的会员关系可以转移。" in _text(response)


def test_a_transfer_to_another_federations_unit_is_refused_by_the_form(staff_client, chengdong_union):
    unit("630102001000", "women")
    person = PersonFactory(id_number=_valid(WOMAN_2001), region=region("630102001000"))
    membership = person.memberships.get(federation__code="women")
    response = staff_client.post(
        reverse("web-membership-transfer", args=[membership.pk]),
        {"organization": chengdong_union.pk, "on": timezone.localdate().isoformat()},
    )
    assert "organization" in response.context["form"].errors
    assert person.memberships.count() == 1


# Cadre posts ----------------------------------------------------------------------------


def test_cadre_posts_are_added_by_id_number_and_listed_with_filters(staff_client, chengdong_union, chengzhong_union):
    women = unit("630102", "women")
    person = PersonFactory(name="拉毛", id_number=_valid(WOMAN_2001))
    CadrePostFactory(
        person=person,
        organization=chengdong_union,
        post_type=PostType.SECONDED,
        title="副主席",
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2021, 1, 1),
    )
    CadrePostFactory(organization=chengzhong_union, title="城中区职务")
    url = reverse("web-cadre-post-list")

    response = staff_client.post(
        reverse("web-cadre-post-create"),
        {
            "id_number": _valid(WOMAN_2001),
            "organization": women.pk,
            "post_type": PostType.PUBLIC_WELFARE,
            "title": "妇女之家管理员",
            "start_date": "2026-01-01",
        },
        follow=True,
    )
    assert response.redirect_chain == [(url, 302)]
    post = CadrePost.objects.get(title="妇女之家管理员")
    assert (post.person, post.organization, post.post_type) == (person, women, PostType.PUBLIC_WELFARE)

    text = _text(response)
    assert "妇女之家管理员" in text and "副主席" in text and "城中区职务" not in text
    current = _text(staff_client.get(url, {"current": "current"}))
    assert "妇女之家管理员" in current and "副主席" not in current
    seconded = _text(staff_client.get(url, {"post_type": PostType.SECONDED}))
    assert "副主席" in seconded and "妇女之家管理员" not in seconded
    by_unit = _text(staff_client.get(url, {"organization": women.pk}))
    assert "妇女之家管理员" in by_unit and "副主席" not in by_unit


def test_a_cadre_post_for_an_unknown_or_foreign_person_is_refused(staff_client, chengdong_union, foreigner):
    data = {
        "organization": chengdong_union.pk,
        "post_type": PostType.PART_TIME,
        "title": "委员",
        "start_date": "2026-01-01",
    }
    url = reverse("web-cadre-post-create")
    for number in (_valid(WOMAN_2001), foreigner.id_number):
        response = staff_client.post(url, {**data, "id_number": number})
        assert response.context["add_form"].errors["id_number"] == [PERSON_NOT_FOUND]
    response = staff_client.post(url, {**data, "person": foreigner.pk})
    assert "person" in response.context["add_form"].errors
    response = staff_client.post(url, {**data, "id_number": _wrong_check_digit(WOMAN_2001)})
    assert response.context["add_form"].errors["id_number"] == [idnumbers.ID_CHECK_DIGIT]
    assert not CadrePost.objects.exists()


def test_the_person_page_offers_a_prefilled_cadre_post_form(staff_client, chengdong_union):
    person = PersonFactory(name="拉毛")
    text = _text(staff_client.get(_detail_url(person)))
    link = f"{reverse('web-cadre-post-list')}?person={person.pk}#add-post"
    assert f'href="{link}"' in text
    form_page = _text(staff_client.get(reverse("web-cadre-post-list"), {"person": person.pk}))
    assert f'name="person" value="{person.pk}"' in form_page and "拉毛（<span" in form_page


# The list -------------------------------------------------------------------------------


def test_the_person_list_searches_and_filters_within_the_scope(staff_client, park):
    worker = PersonFactory(
        name="张职工", id_number=id_number(age=40, gender="male"), employer=park, identity_tags=[identity_tag("worker")]
    )
    PersonFactory(
        name="李学生",
        id_number=id_number(age=17, gender="male"),
        region=region("630102002000"),
        identity_tags=[identity_tag("student")],
    )
    url = reverse("web-person-list")

    text = _text(staff_client.get(url, {"q": "职工"}))
    assert "张职工" in text and "李学生" not in text
    union = unit("630102").federation
    text = _text(staff_client.get(url, {"federation": union.pk}))
    assert "张职工" in text and "李学生" not in text
    text = _text(staff_client.get(url, {"identity_tag": identity_tag("student").pk}))
    assert "李学生" in text and "张职工" not in text
    text = _text(staff_client.get(url, {"region": region("630102002000").pk}))
    assert "李学生" in text and "张职工" not in text

    response = staff_client.get(url, {"q": "学生"}, headers=HTMX_RESULTS)
    assert "<html" not in _text(response) and "李学生" in _text(response)

    looked_up = _text(staff_client.post(url, {"id_number": worker.id_number.lower()}, headers=HTMX_RESULTS))
    assert "张职工" in looked_up and "李学生" not in looked_up and "共 1 人" in looked_up
    assert worker.id_number_masked in looked_up and "<html" not in looked_up
    bad = _text(staff_client.post(url, {"id_number": _wrong_check_digit(WOMAN_2001)}))
    assert idnumbers.ID_CHECK_DIGIT in bad and "共 0 人" in bad


def _people(count: int, host_unit) -> None:
    for _ in range(count):
        PersonFactory(
            employer=host_unit,
            identity_tags=[identity_tag("worker"), identity_tag("volunteer")],
            id_number=id_number(age=25),
        )


# session, user, scope, count, page rows, tags, active memberships
RESULTS_QUERIES = 7
# + the choices of the filter form (regions, federations, tags) and the permission check of the register button
PAGE_QUERIES = RESULTS_QUERIES + 3 + 2


@pytest.mark.parametrize(
    ("headers", "queries"), [({}, PAGE_QUERIES), (HTMX_RESULTS, RESULTS_QUERIES)], ids=["page", "htmx"]
)
def test_the_person_list_costs_the_same_queries_for_10_or_60_people(
    staff_client, park, foreigner, django_assert_num_queries, headers, queries
):
    url = reverse("web-person-list")
    _people(10, park)
    with django_assert_num_queries(queries):
        response = staff_client.get(url, headers=headers)
    assert "共 10 人" in _text(response)

    _people(50, park)
    with django_assert_num_queries(queries):
        response = staff_client.get(url, headers=headers)
    text = _text(response)
    assert "共 60 人，第 1/2 页" in text
    assert text.count('<span class="badge text-bg-danger me-1"') == 50 * 3  # union, League, Women's per row
    assert "城中居民" not in text


def test_the_person_page_costs_the_same_queries_with_more_history(staff_client, chengdong_union):
    unit("630102001000", "women")
    person = PersonFactory(id_number=_valid(WOMAN_2001), region=region("630102001000"))
    with CaptureQueriesContext(connection) as before:
        assert staff_client.get(_detail_url(person)).status_code == 200
    membership = person.memberships.get(federation__code="women")
    services.membership_transfer(membership=membership, organization=unit("630102", "women"))
    CadrePostFactory(person=person, organization=chengdong_union)
    CadrePostFactory(person=person, organization=unit("630102", "women"), title="执委")
    with CaptureQueriesContext(connection) as after:
        assert staff_client.get(_detail_url(person)).status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries), "\n".join(
        query["sql"] for query in after.captured_queries
    )
