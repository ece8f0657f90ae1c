"""The demo province's year of joint training reproduces the seed's figures, computed from sessions and
attendance (43 study sessions and classes, over 2,700 cadre trainee-times), never stored."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from apps.talent import selectors
from apps.talent.demo import YEAR
from apps.talent.models import Attendance, Certificate, Expert, Rotation, RotationStatus, TrainingCourse

pytestmark = pytest.mark.usefixtures("qinghai")


@pytest.fixture
def demo(province_admin):
    call_command("seed_demo", stdout=StringIO())
    return province_admin


def test_the_demo_year_reproduces_the_seeds_figures(demo):
    totals = selectors.training_year_totals(user=demo, year=YEAR)
    assert totals.sessions == 43
    assert totals.trainee_times >= 2700
    # Computed from the rows themselves: one present mark is one trainee-time.
    assert totals.trainee_times == Attendance.objects.filter(status="present", session__starts_at__year=YEAR).count()
    credited = Attendance.objects.filter(status="present", session__starts_at__year=YEAR).aggregate(
        hours=Sum("session__hours")
    )
    assert totals.hours == credited["hours"]
    assert totals.courses == 16
    # Completers hold certificates; the course still ahead is open with a room booked in 城东区's 群众之家.
    assert Certificate.objects.count() > 0
    upcoming = TrainingCourse.objects.get(title__startswith=f"{YEAR}年冬季")
    assert upcoming.status == "open"
    assert all(s.booking_id and s.booking.room.venue.region.code == "630102" for s in upcoming.sessions.all())


def test_the_demo_has_rotations_experts_and_cadres_due(demo):
    counts = selectors.rotation_counts(user=demo, year=YEAR)
    assert counts["within"] == 1 and counts["across"] >= 1  # the planned exchange starts in 30 days
    assert set(Rotation.objects.values_list("status", flat=True)) == {
        RotationStatus.ACTIVE,
        RotationStatus.PLANNED,
        RotationStatus.COMPLETED,
    }
    assert Expert.objects.count() == 12 and Expert.objects.filter(engagements__kind="recruited").exists()
    assert selectors.rotation_due_list(user=demo).exists()
    behind = selectors.cadre_training_list(user=demo, year=YEAR, behind_only=True)
    assert 0 < behind.count() < selectors.cadre_training_list(user=demo, year=YEAR).count()
