"""Rotation and exchange: the time-in-post rules, overlaps refused with a clear message, the post it
opens, across-federation exchanges counted apart, and who is due to rotate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.exceptions import ConflictError
from apps.members.models import CadrePost, PostType
from apps.talent import selectors, services
from apps.talent.models import RotationStatus
from apps.talent.rules import add_months
from tests.factories import unit
from tests.talent.factories import cadre

pytestmark = pytest.mark.django_db


def _plan(post, *, to=None, start=None, months=12, **kwargs):
    start = start or timezone.localdate() + dt.timedelta(days=30)
    return services.rotation_plan(
        from_post=post,
        to_organization=to or unit("630102", "women"),
        title=kwargs.pop("title", "挂职副主席"),
        start_date=start,
        end_date=add_months(start, months) - dt.timedelta(days=1),
        **kwargs,
    )


@pytest.fixture
def veteran(qinghai):
    """Five years a full-time cadre of 城东区总工会."""
    return cadre(name="韩建国", since=timezone.localdate() - dt.timedelta(days=5 * 365))


def test_overlapping_rotations_are_refused_with_a_clear_message(veteran):
    first = _plan(veteran.post)
    with pytest.raises(ConflictError) as refused:
        _plan(veteran.post, to=unit("630102", "youth_league"), start=first.start_date + dt.timedelta(days=60))
    assert refused.value.message == (
        f"韩建国在 {first.start_date} 至 {first.end_date} 已有轮岗安排（西宁市城东区妇女联合会），轮岗期间不能重叠。"
    )
    assert refused.value.conflicts == [first.pk]
    # Back to back is fine; a cancelled plan no longer blocks.
    _plan(veteran.post, to=unit("630102", "youth_league"), start=first.end_date + dt.timedelta(days=1), months=6)
    services.rotation_cancel(rotation=first)
    _plan(veteran.post, to=unit("630102", "science"), start=first.start_date, months=6)


def test_a_post_of_the_same_kind_in_the_period_is_refused(veteran):
    CadrePost.objects.create(
        person=veteran,
        organization=unit("630103", "union"),
        post_type=PostType.ROTATION,
        title="轮岗干事",
        start_date=timezone.localdate(),
        end_date=timezone.localdate() + dt.timedelta(days=200),
    )
    with pytest.raises(ConflictError, match="已有轮岗任职（西宁市城中区总工会 轮岗干事），同类任职期间不能重叠"):
        _plan(veteran.post)


def test_the_time_in_a_post_follows_the_tenure_rules(qinghai):
    newcomer = cadre(name="新干部", since=timezone.localdate() - dt.timedelta(days=200))
    with pytest.raises(ValidationError) as early:
        _plan(newcomer.post)
    assert "新干部在原岗位（专职）须任职满 24 个月" in early.value.message_dict["start_date"][0]
    veteran = cadre(since=timezone.localdate() - dt.timedelta(days=3 * 365))
    with pytest.raises(ValidationError, match="至少 6 个月"):
        _plan(veteran.post, months=3)
    with pytest.raises(ValidationError, match="至多 24 个月"):
        _plan(veteran.post, months=30)


def test_starting_opens_the_post_and_completing_early_ends_it(veteran):
    start = timezone.localdate() - dt.timedelta(days=10)
    rotation = _plan(veteran.post, start=start)
    assert rotation.across_federations  # union → women's federation: an exchange
    rotation = services.rotation_start(rotation=rotation)
    post = rotation.post
    assert (post.organization, post.post_type, post.end_date) == (
        unit("630102", "women"),
        PostType.ROTATION,
        rotation.end_date,
    )
    rotation = services.rotation_complete(rotation=rotation)
    post.refresh_from_db()
    assert rotation.status == RotationStatus.COMPLETED and post.end_date == timezone.localdate()


def test_the_daily_task_starts_and_completes_rotations(veteran):
    today = timezone.localdate()
    rotation = _plan(veteran.post, start=today)
    assert services.rotations_advance(today=today) == 1
    rotation.refresh_from_db()
    assert rotation.status == RotationStatus.ACTIVE and rotation.post is not None
    assert services.rotations_advance(today=today) == 0  # idempotent
    assert services.rotations_advance(today=rotation.end_date + dt.timedelta(days=1)) == 1
    rotation.refresh_from_db()
    assert rotation.status == RotationStatus.COMPLETED


def test_across_federations_is_counted_apart(province_admin, veteran):
    other = cadre(since=timezone.localdate() - dt.timedelta(days=4 * 365))
    year = timezone.localdate().year
    start = dt.date(year, 1, 2)
    services.rotation_plan(
        from_post=veteran.post,
        to_organization=unit("630102", "women"),
        title="挂职",
        start_date=start,
        end_date=add_months(start, 6),
    )
    services.rotation_plan(
        from_post=other.post,
        to_organization=unit("630103", "union"),
        title="挂职",
        start_date=start,
        end_date=add_months(start, 6),
    )
    assert selectors.rotation_counts(user=province_admin, year=year) == {"within": 1, "across": 1}


def test_the_due_list_shows_posts_near_their_longest_stay_without_a_plan(county_staff, veteran):
    settled = cadre(name="任职两年", since=timezone.localdate() - dt.timedelta(days=2 * 365))
    overdue = cadre(name="任职七年", since=timezone.localdate() - dt.timedelta(days=7 * 365))
    almost = cadre(name="将满五年", since=add_months(timezone.localdate(), -60) + dt.timedelta(days=30))
    due = {post.person.name: post for post in selectors.rotation_due_list(user=county_staff)}
    assert set(due) == {"韩建国", "任职七年", "将满五年"} and settled.name not in due
    assert due["任职七年"].max_months == 60
    _plan(overdue.post)
    assert "任职七年" not in {post.person.name for post in selectors.rotation_due_list(user=county_staff)}
    assert almost.name in {p.person.name for p in selectors.rotation_due_list(user=county_staff)}


def test_the_due_list_is_scoped(other_county_staff, veteran):
    assert list(selectors.rotation_due_list(user=other_county_staff)) == []
