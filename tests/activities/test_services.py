"""Activity services and selectors: target group, check-in window, volunteer hours and their
corrections, totals, joint activities in every federation's list and count, reminders, room
release and the waiting list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from apps.accounts.models import Notification
from apps.activities import selectors, services
from apps.activities.models import (
    Activity,
    ActivityStatus,
    ParticipantRole,
    Registration,
    RegistrationStatus,
    Theme,
    VolunteerCorrection,
    VolunteerRecord,
)
from apps.core.exceptions import ConflictError
from apps.venues.models import BookingStatus
from tests.factories import UserFactory, region, unit
from tests.members.factories import PersonFactory, identity_tag
from tests.venues.factories import aware, make_room, make_venue

NOW = aware(2026, 11, 30, 10)  # the Monday before the activities


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_activity(
    actor,
    *,
    title: str = "职工道德讲堂",
    theme: str = "workers_ethics",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    capacity: int = 20,
    lead=None,
    participants=(),
    publish: bool = True,
    **extra,
) -> Activity:
    """An activity of 西宁市城东区 (by default 2026-12-01 10:00–12:00), published unless told."""
    start = start or aware(2026, 12, 1, 10)
    end = end or aware(2026, 12, 1, 12)
    lead = lead or unit("630102", "union")
    activity = services.activity_create(
        actor=actor,
        title=title,
        theme=Theme.objects.get(code=theme),
        mode="joint" if participants else "led",
        lead_organization=lead,
        region=region("630102"),
        start=start,
        end=end,
        capacity=capacity,
        signup_opens=aware(2026, 11, 20, 9),
        signup_closes=min(end, aware(2026, 12, 1, 9)),
        participants=participants,
        **extra,
    )
    if publish:
        activity = services.activity_publish(actor=actor, activity=activity)
    return activity


def test_a_person_outside_the_target_tags_is_told_which_identities_the_activity_is_for(province_admin):
    activity = make_activity(province_admin, target_tags=[identity_tag("worker")])
    person = PersonFactory(identity_tags=[])
    with pytest.raises(ValidationError) as refused:
        services.registration_create(actor=province_admin, activity=activity, person=person)
    assert refused.value.message_dict == {"person": [services.TAGS_MISMATCH.format(tags="职工")]}
    assert not Registration.objects.filter(activity=activity).exists()


def test_a_person_too_young_or_too_old_is_told_the_age_limit(province_admin):
    activity = make_activity(province_admin, min_age=18, max_age=35)
    with pytest.raises(ValidationError) as young:
        services.registration_create(actor=province_admin, activity=activity, person=PersonFactory(id_number=_id(16)))
    assert young.value.message_dict == {"person": [services.TOO_YOUNG.format(min_age=18, age=16)]}
    with pytest.raises(ValidationError) as old:
        services.registration_create(actor=province_admin, activity=activity, person=PersonFactory(id_number=_id(35)))
    assert old.value.message_dict == {"person": [services.TOO_OLD.format(max_age=35, age=35)]}
    fits = services.registration_create(
        actor=province_admin, activity=activity, person=PersonFactory(id_number=_id(34))
    )
    assert fits.status == RegistrationStatus.REGISTERED


def _id(age: int) -> str:
    from tests.members.factories import id_number

    return id_number(age=age)


def test_check_in_is_refused_outside_the_window_and_accepted_inside(province_admin):
    activity = make_activity(province_admin)
    registration = services.registration_create(actor=province_admin, activity=activity, person=PersonFactory())
    too_early = aware(2026, 12, 1, 9, 29)
    with pytest.raises(ValidationError) as refused:
        services.registration_check_in(actor=province_admin, registration=registration, now=too_early)
    assert refused.value.message_dict == {
        "registration": [
            services.CHECK_IN_WINDOW.format(opens="2026-12-01 09:30", closes="2026-12-01 12:00", minutes=30)
        ]
    }
    with pytest.raises(ValidationError):
        services.registration_check_in(actor=province_admin, registration=registration, now=aware(2026, 12, 1, 12, 1))
    checked = services.registration_check_in(
        actor=province_admin, registration=registration, now=aware(2026, 12, 1, 9, 30)
    )
    assert checked.status == RegistrationStatus.ATTENDED
    assert checked.checked_in_at == aware(2026, 12, 1, 9, 30)


def _volunteer(actor, start, end, check_in, check_out, person=None) -> VolunteerRecord:
    activity = make_activity(actor, title="关爱独居老人", theme="elderly_care", start=start, end=end)
    registration = services.registration_create(actor=actor, activity=activity, person=person or PersonFactory())
    services.registration_check_in(actor=actor, registration=registration, now=check_in)
    services.registration_check_out(actor=actor, registration=registration, now=check_out)
    return VolunteerRecord.objects.get(registration=registration)


def test_volunteer_hours_are_capped_per_day(province_admin):
    record = _volunteer(
        province_admin,
        aware(2026, 12, 1, 8),
        aware(2026, 12, 1, 20),
        check_in=aware(2026, 12, 1, 8),
        check_out=aware(2026, 12, 1, 18),
    )
    assert record.computed_hours == record.hours == Decimal("8.00")


def test_a_check_out_after_the_end_counts_only_to_the_end(province_admin):
    record = _volunteer(
        province_admin,
        aware(2026, 12, 1, 9),
        aware(2026, 12, 1, 12),
        check_in=aware(2026, 12, 1, 9, 15),
        check_out=aware(2026, 12, 1, 13),
    )
    assert record.hours == Decimal("2.75")
    assert record.registration.checked_out_at == aware(2026, 12, 1, 12)


def test_a_correction_needs_a_reason_and_leaves_a_trail(province_admin):
    record = _volunteer(
        province_admin, aware(2026, 12, 1, 9), aware(2026, 12, 1, 12), aware(2026, 12, 1, 9), aware(2026, 12, 1, 11)
    )
    with pytest.raises(ValidationError) as refused:
        services.volunteer_hours_correct(actor=province_admin, record=record, hours="3", reason="  ")
    assert refused.value.message_dict == {"reason": [services.REASON_REQUIRED]}
    corrected = services.volunteer_hours_correct(actor=province_admin, record=record, hours="3", reason="补签退")
    assert corrected.hours == Decimal("3.00")
    assert corrected.computed_hours == Decimal("2.00")
    trail = VolunteerCorrection.objects.get(record=record)
    assert (trail.old_hours, trail.new_hours, trail.reason, trail.corrected_by) == (
        Decimal("2.00"),
        Decimal("3.00"),
        "补签退",
        province_admin,
    )


def test_totals_per_person_and_per_organization_are_the_sums_of_the_records(province_admin):
    person = PersonFactory(name="志愿者甲")
    first = _volunteer(
        province_admin,
        aware(2026, 12, 1, 9),
        aware(2026, 12, 1, 12),
        aware(2026, 12, 1, 9),
        aware(2026, 12, 1, 11),
        person,
    )
    second = _volunteer(
        province_admin,
        aware(2026, 12, 2, 9),
        aware(2026, 12, 2, 12),
        aware(2026, 12, 2, 9),
        aware(2026, 12, 2, 12),
        person,
    )
    other = _volunteer(
        province_admin, aware(2026, 12, 3, 9), aware(2026, 12, 3, 12), aware(2026, 12, 3, 10), aware(2026, 12, 3, 11)
    )
    by_person = {row["person_id"]: row["hours"] for row in selectors.volunteer_totals(user=province_admin)}
    assert by_person == {person.pk: first.hours + second.hours, other.person_id: other.hours}
    assert by_person[person.pk] == Decimal("5.00")
    by_org = list(selectors.volunteer_totals(user=province_admin, by="organization"))
    assert [(row["organization_id"], row["hours"], row["activities"]) for row in by_org] == [
        (first.organization_id, Decimal("6.00"), 3)
    ]


def test_a_joint_activity_shows_and_counts_once_in_each_federation(province_admin):
    women, youth = unit("630102", "women"), unit("630102", "youth_league")
    joint = make_activity(
        province_admin,
        participants=[(women, ParticipantRole.CO_HOST), (youth, ParticipantRole.PARTNER)],
    )
    # The lead federation also takes part, through the prefecture's unit: still once.
    also_union = make_activity(
        province_admin,
        title="工匠论坛",
        participants=[(unit("630100", "union"), ParticipantRole.PARTNER), (women, ParticipantRole.PARTICIPANT)],
    )
    make_activity(province_admin, title="只有工会")
    union = unit("630102", "union").federation

    def listed(federation) -> list[int]:
        return sorted(selectors.activity_list(user=province_admin, federation=federation).values_list("pk", flat=True))

    assert listed(women.federation) == sorted([joint.pk, also_union.pk])
    assert listed(youth.federation) == [joint.pk]
    assert len(listed(union)) == 3
    counts = selectors.activity_counts_by_federation(user=province_admin)
    assert counts[union.name] == 3
    assert counts[women.federation.name] == 2
    assert counts[youth.federation.name] == 1


def test_reminders_sent_twice_reach_each_person_once(province_admin):
    activity = make_activity(province_admin)
    person = PersonFactory()
    person.user = UserFactory(username="reminded")
    person.save(update_fields=["user"])
    services.registration_create(actor=province_admin, activity=activity, person=person)
    assert services.activity_reminders_send(now=NOW) == 2  # the person and the organizer
    assert services.activity_reminders_send(now=NOW) == 0
    assert Notification.objects.filter(user=person.user).count() == 1
    assert Notification.objects.filter(user=province_admin, title__contains="活动提醒").count() == 1


def test_cancelling_an_activity_frees_its_room(province_admin):
    room = make_room(make_venue("630102", federations=("union",)))
    activity = make_activity(province_admin, room=room)
    assert activity.booking.status == BookingStatus.APPROVED
    cancelled = services.activity_cancel(actor=province_admin, activity=activity)
    assert cancelled.status == ActivityStatus.CANCELLED
    activity.booking.refresh_from_db()
    assert activity.booking.status == BookingStatus.CANCELLED
    # The slot is free again: another activity books the same room and time.
    assert make_activity(province_admin, room=room).booking.status == BookingStatus.APPROVED


def test_the_first_on_the_waiting_list_moves_up_when_a_place_is_freed(province_admin):
    activity = make_activity(province_admin, capacity=1)
    first, second, third = (
        services.registration_create(actor=province_admin, activity=activity, person=PersonFactory()) for _ in range(3)
    )
    assert [first.status, second.status, third.status] == ["registered", "waiting", "waiting"]
    promoted = services.registration_cancel(actor=province_admin, registration=first)
    assert promoted == second
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)
    assert services.registration_cancel(actor=province_admin, registration=third) is None


def test_signing_up_twice_is_a_conflict_naming_the_status_and_after_cancelling_goes_to_the_back(province_admin):
    """The person's sign-up, the places taken and the end of the queue are read together: each still counts."""
    activity = make_activity(province_admin, capacity=1)
    person = PersonFactory()
    mine = services.registration_create(actor=province_admin, activity=activity, person=person)
    services.registration_create(actor=province_admin, activity=activity, person=PersonFactory())

    with pytest.raises(ConflictError) as twice:
        services.registration_create(actor=province_admin, activity=activity, person=person)
    assert twice.value.message == services.ALREADY_REGISTERED.format(status="已报名")
    assert twice.value.conflicts == [mine.pk]

    services.registration_cancel(actor=province_admin, registration=mine)
    again = services.registration_create(actor=province_admin, activity=activity, person=person)
    assert again.pk == mine.pk
    assert (again.status, again.position) == (RegistrationStatus.WAITING, 3)
