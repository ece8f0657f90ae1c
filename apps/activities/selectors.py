"""Scoped reads of activities: lists, registrations, results, volunteer totals, statistics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from apps.activities.models import Activity, ActivityParticipant, Registration, RegistrationStatus, VolunteerRecord
from apps.organizations.models import Federation
from apps.organizations.scoping import scoped


def activity_list(
    *,
    user,
    federation: Federation | int | None = None,
    theme=None,
    mode: str | None = None,
    region=None,
    status: str | None = None,
    starts_after: dt.datetime | None = None,
    starts_before: dt.datetime | None = None,
    search: str = "",
) -> QuerySet:
    """Activities in scope; `federation` matches the lead and every participating organization."""
    activities = scoped(Activity.objects.all(), user).select_related("theme", "lead_organization__federation", "region")
    if federation is not None:
        taking_part = ActivityParticipant.objects.filter(organization__federation=federation).values("activity_id")
        activities = activities.filter(Q(lead_organization__federation=federation) | Q(pk__in=taking_part))
    if theme is not None:
        activities = activities.filter(Q(theme=theme) | Q(theme__parent=theme))
    if mode:
        activities = activities.filter(mode=mode)
    if region is not None:
        activities = activities.filter(region__path__startswith=region.path)
    if status:
        activities = activities.filter(status=status)
    if starts_after is not None:
        activities = activities.filter(start__gte=starts_after)
    if starts_before is not None:
        activities = activities.filter(start__lt=starts_before)
    if search:
        activities = activities.filter(title__contains=search)
    return with_registered_count(activities).order_by("-start", "-id")


def activity_rows(*, user) -> QuerySet:
    """The activities activity_list gives, as bare rows: a sign-up's target needs neither the list's
    joins nor its places-taken subquery (the service counts the places under the lock)."""
    return scoped(Activity.objects.all(), user)


def with_registered_count(activities: QuerySet) -> QuerySet:
    """`registered_count`: the places taken. A subquery per activity shown, not a join and GROUP BY
    over every sign-up of every activity before the page is cut (seconds at a million people)."""
    taken = (
        Registration.objects.filter(
            activity=OuterRef("pk"), status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED]
        )
        .order_by()
        .values("activity")
        .annotate(n=Count("id"))
        .values("n")
    )
    return activities.annotate(registered_count=Coalesce(Subquery(taken, output_field=IntegerField()), 0))


def registration_list(*, user, activity: Activity | int | None = None, status: str | None = None) -> QuerySet:
    registrations = scoped(Registration.objects.all(), user).select_related("person", "activity")
    if activity is not None:
        registrations = registrations.filter(activity=activity)
    if status:
        registrations = registrations.filter(status=status)
    return registrations.order_by("activity_id", "position")


def volunteer_record_list(*, user, person=None, organization=None, activity=None) -> QuerySet:
    records = scoped(VolunteerRecord.objects.all(), user).select_related("person", "activity", "organization")
    if person is not None:
        records = records.filter(person=person)
    if organization is not None:
        records = records.filter(organization=organization)
    if activity is not None:
        records = records.filter(activity=activity)
    return records.order_by("-id")


def volunteer_totals(*, user, by: str = "person") -> QuerySet:
    """Total hours per person or per organization, from the same records the list shows."""
    field = {"person": "person__name", "organization": "organization__name"}[by]
    return (
        volunteer_record_list(user=user)
        .values(f"{by}_id", field)
        .annotate(hours=Sum("hours"), activities=Count("activity", distinct=True))
        .order_by("-hours")
    )


@dataclass(frozen=True)
class ActivityResults:
    registered: int
    waiting: int
    attended: int
    cancelled: int
    average_rating: Decimal | None
    ratings: int


def activity_results(*, activity: Activity) -> ActivityResults:
    figures = activity.registrations.aggregate(
        registered=Count("pk", filter=Q(status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED])),
        waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITING)),
        attended=Count("pk", filter=Q(status=RegistrationStatus.ATTENDED)),
        cancelled=Count("pk", filter=Q(status=RegistrationStatus.CANCELLED)),
        average_rating=Avg("rating"),
        ratings=Count("rating"),
    )
    average = figures.pop("average_rating")
    return ActivityResults(
        average_rating=Decimal(str(average)).quantize(Decimal("0.1")) if average is not None else None, **figures
    )


def activity_counts_by_federation(*, user, first: dt.date | None = None, last: dt.date | None = None) -> dict:
    """Activities per federation, a joint activity counted once for each federation taking part."""
    activities = scoped(Activity.objects.exclude(status="cancelled"), user)
    if first is not None:
        activities = activities.filter(start__date__gte=first)
    if last is not None:
        activities = activities.filter(start__date__lte=last)
    counts = {}
    for federation in Federation.objects.all():
        taking_part = ActivityParticipant.objects.filter(organization__federation=federation).values("activity_id")
        counts[federation.name] = (
            activities.filter(Q(lead_organization__federation=federation) | Q(pk__in=taking_part)).distinct().count()
        )
    return counts
