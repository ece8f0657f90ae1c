"""Scoped reads of people, memberships and cadre posts."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections
from django.db.models import OuterRef, Prefetch, Q, QuerySet

from apps.core.crypto import keyed_hash
from apps.members import idnumbers
from apps.members.models import CadrePost, IdentityTag, Membership, Person
from apps.organizations.models import Region
from apps.organizations.scoping import scoped


def person_list(
    *,
    user,
    search: str = "",
    id_number: str = "",
    region: Region | None = None,
    federation: int | None = None,
    identity_tag: IdentityTag | int | None = None,
) -> QuerySet:
    """People in scope; `id_number` is an exact match through the keyed hash (an index hit)."""
    people = scoped(Person.objects.all(), user).select_related("region", "employer")
    people = people.prefetch_related(Prefetch("identity_tags", queryset=IdentityTag.objects.order_by("sort_order")))
    if id_number:
        normalized = idnumbers.normalize(id_number)
        people = people.filter(id_number_hash=keyed_hash(normalized))
    if search:
        people = people.filter(name__contains=search.strip())
    if region is not None:
        people = people.filter(region__path__startswith=region.path)
    if federation is not None:
        people = people.filter(memberships__federation=federation, memberships__status="active")
    if identity_tag is not None:
        people = people.filter(identity_tags=identity_tag)
    # One active membership per federation and one row per tag: these joins never repeat a person.
    return people


# What a page of the people list shows, read as plain values: no ID-number decryption, no
# region or employer rows, no model instances (bench scenario 2).
PERSON_LIST_COLUMNS = (
    "id",
    "name",
    "id_number_masked",
    "gender",
    "birth_date",
    "ethnicity",
    "phone_masked",
    "region_id",
    "employer_id",
    "disability_class",
    "updated_at",
)


def person_list_values(people: QuerySet) -> QuerySet:
    """`people` (person_list, filtered and ordered) as dicts of PERSON_LIST_COLUMNS, for a page.

    On PostgreSQL each row brings its tag codes along (`tag_codes`, an array subquery): the page
    is one query. Elsewhere person_tag_codes reads them in a second one.
    """
    rows = people.select_related(None).prefetch_related(None)
    if connections[rows.db].vendor == "postgresql":
        rows = rows.annotate(tag_codes=ArraySubquery(_tag_links(person_id=OuterRef("pk")).values("identitytag__code")))
        return rows.values(*PERSON_LIST_COLUMNS, "tag_codes")
    return rows.values(*PERSON_LIST_COLUMNS)


def person_tag_codes(rows: list[dict]) -> dict[int, list[str]]:
    """Each listed person's identity-tag codes, in the tags' order (one query if the rows lack them)."""
    if rows and "tag_codes" in rows[0]:
        return {row["id"]: row["tag_codes"] for row in rows}
    codes: dict[int, list[str]] = {}
    links = _tag_links(person_id__in=[row["id"] for row in rows]).values_list("person_id", "identitytag__code")
    for person_id, code in links:
        codes.setdefault(person_id, []).append(code)
    return codes


def _tag_links(**lookup) -> QuerySet:
    return Person.identity_tags.through.objects.filter(**lookup).order_by("identitytag__sort_order", "identitytag_id")


def membership_list(*, user, person: Person | int | None = None, federation: int | None = None) -> QuerySet:
    memberships = scoped(Membership.objects.all(), user).select_related(
        "person", "organization", "federation", "transferred_from"
    )
    if person is not None:
        memberships = memberships.filter(person=person)
    if federation is not None:
        memberships = memberships.filter(federation=federation)
    return memberships


def person_memberships(*, person: Person) -> QuerySet:
    """A person's whole membership history, newest first within each federation."""
    return person.memberships.select_related(
        "organization__region", "federation", "transferred_from__organization"
    ).order_by("federation__sort_order", "-joined_on", "-id")


def cadre_post_list(
    *, user, person: Person | int | None = None, organization: int | None = None, current_on=None
) -> QuerySet:
    posts = scoped(CadrePost.objects.all(), user).select_related("person", "organization__federation")
    if person is not None:
        posts = posts.filter(person=person)
    if organization is not None:
        posts = posts.filter(organization=organization)
    if current_on is not None:
        posts = posts.filter(start_date__lte=current_on).filter(Q(end_date__isnull=True) | Q(end_date__gte=current_on))
    return posts
