"""Venues and rooms: created and changed by the province and the counties, managers granted per venue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from apps.organizations.models import Federation
from apps.organizations.services.checks import clean_name, require_perm, require_region_in_scope
from apps.venues.models import OpeningHours, Room, Venue, VenueClosure

HOURS_ORDER = "{weekday}的闭门时间必须晚于开门时间。"


@transaction.atomic
def venue_save(
    *,
    actor=None,
    venue: Venue,
    federations: Iterable[Federation] | None = None,
    opening_hours: dict[int, tuple[dt.time, dt.time]] | None = None,
) -> Venue:
    """Create or change a venue; `opening_hours` maps weekday (0 = Monday) to (opens, closes)."""
    require_perm(actor, f"venues.{'change' if venue.pk else 'add'}_venue")
    require_region_in_scope(actor, venue.region)
    venue.name = clean_name(venue.name)
    venue.full_clean(validate_constraints=False)
    venue.save()
    if federations is not None:
        venue.federations.set(federations)
    if opening_hours is not None:
        labels = dict(OpeningHours._meta.get_field("weekday").choices)
        for weekday, (opens, closes) in opening_hours.items():
            if opens >= closes:
                raise ValidationError({"opening_hours": HOURS_ORDER.format(weekday=labels[weekday])})
        venue.opening_hours.exclude(weekday__in=list(opening_hours)).delete()
        for weekday, (opens, closes) in opening_hours.items():
            OpeningHours.objects.update_or_create(
                venue=venue, weekday=weekday, defaults={"opens": opens, "closes": closes}
            )
    return venue


@transaction.atomic
def venue_closure_add(*, actor=None, venue: Venue, date: dt.date, reason: str) -> VenueClosure:
    require_perm(actor, "venues.change_venue")
    require_region_in_scope(actor, venue.region)
    closure, _ = VenueClosure.objects.update_or_create(
        venue=venue, date=date, defaults={"reason": clean_name(reason, field="reason")}
    )
    return closure


@transaction.atomic
def venue_closure_remove(*, actor=None, closure: VenueClosure) -> None:
    """The venue opens again on that day (a closure entered by mistake, a plan changed)."""
    require_perm(actor, "venues.change_venue")
    require_region_in_scope(actor, closure.venue.region)
    closure.delete()


@transaction.atomic
def room_save(*, actor=None, room: Room) -> Room:
    require_perm(actor, f"venues.{'change' if room.pk else 'add'}_room")
    require_region_in_scope(actor, room.venue.region)
    room.name = clean_name(room.name)
    room.full_clean(validate_constraints=False)
    room.save()
    return room


@transaction.atomic
def venue_manager_grant(*, actor=None, venue: Venue, user) -> None:
    """Let `user` approve and reject the venue's bookings (a django-guardian object permission)."""
    require_perm(actor, "venues.change_venue")
    require_region_in_scope(actor, venue.region)
    assign_perm("venues.manage_venue", user, venue)


@transaction.atomic
def venue_manager_revoke(*, actor=None, venue: Venue, user) -> None:
    require_perm(actor, "venues.change_venue")
    require_region_in_scope(actor, venue.region)
    remove_perm("venues.manage_venue", user, venue)
