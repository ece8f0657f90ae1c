"""Joint enrollment (同步吸收): every federation's rules applied to one person at once."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.members.eligibility import PersonFacts, aged_out, rule_failure
from apps.members.models import CadrePost, EligibilityRule, Membership, MembershipSource, MembershipStatus, Person
from apps.organizations.models import Federation, Organization

NO_RULES = "该群团尚未设置入会规则"
ALREADY_MEMBER = "已是{organization}会员"
NO_UNIT = "在工作单位和居住地向上的各级区划中均未找到{federation}组织"
AGED_OUT_NOTE = "年满 {age} 岁，超出{federation}年龄上限"


@dataclass(frozen=True)
class EnrollmentNote:
    federation: Federation
    reason: str


@dataclass
class EnrollmentResult:
    created: list[Membership] = field(default_factory=list)
    aged_out: list[Membership] = field(default_factory=list)
    skipped: list[EnrollmentNote] = field(default_factory=list)


def _ancestor_paths(path: str, steplen: int) -> list[str]:
    return [path[:end] for end in range(steplen, len(path) + 1, steplen)]


def _facts(person: Person, today: dt.date, employer_units: dict[int, Organization]) -> PersonFacts:
    posts = CadrePost.objects.filter(person=person, start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    return PersonFacts(
        age=person.age_on(today),
        gender=person.gender,
        tag_ids=frozenset(person.identity_tags.values_list("pk", flat=True)),
        region_path=person.region.path,
        has_disability_certificate=bool(person.disability_class),
        employer_branch_federation_ids=frozenset(employer_units),
        post_federation_ids=frozenset(posts.values_list("organization__federation_id", flat=True)),
    )


def _employer_units(person: Person) -> dict[int, Organization]:
    """Each federation's unit inside the person's employer (the first, if several)."""
    if person.employer_id is None:
        return {}
    units: dict[int, Organization] = {}
    for unit in Organization.objects.filter(host_unit_id=person.employer_id).order_by("path"):
        units.setdefault(unit.federation_id, unit)
    return units


def _residence_units(person: Person) -> dict[int, Organization]:
    """Each federation's nearest unit walking up from the residence region (one query)."""
    region = person.region
    paths = _ancestor_paths(region.path, type(region).steplen)
    units: dict[int, Organization] = {}
    nearest_first = (
        Organization.objects.filter(region__path__in=paths, host_unit__isnull=True)
        .select_related("region")
        .order_by("-region__depth", "path")
    )
    for unit in nearest_first:
        units.setdefault(unit.federation_id, unit)
    return units


def _rules_by_federation() -> dict[int, list[EligibilityRule]]:
    rules = defaultdict(list)
    active = EligibilityRule.objects.filter(is_active=True).select_related("federation", "region")
    for rule in active.prefetch_related("identity_tags"):
        rules[rule.federation_id].append(rule)
    return rules


_snapshot: ContextVar[dict | None] = ContextVar("enrollment_snapshot", default=None)


@contextmanager
def enrollment_snapshot() -> Iterator[None]:
    """Within the block, enrollment reads the rules, the federations and the units only once.

    For registering many people at once (an import): what person_enroll reads that does
    not depend on the person is read on first use and kept until the block ends, so a
    rule or a unit changed meanwhile elsewhere applies from the next import on.
    """
    token = _snapshot.set({})
    try:
        yield
    finally:
        _snapshot.reset(token)


def _remembered(key: Any, read: Callable[[], Any]) -> Any:
    memo = _snapshot.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


@transaction.atomic
def person_enroll(
    *, person: Person, today: dt.date | None = None, source: str = MembershipSource.RULE
) -> EnrollmentResult:
    """Apply every federation's rules to the person: create what is due, age out what has lapsed.

    Idempotent: a second call finds the memberships the first made and creates nothing.
    The person's row is locked, so two enrollments of one person run one after the other.
    """
    today = today or timezone.localdate()
    person = Person.objects.select_for_update().select_related("region").get(pk=person.pk)
    employer_units = _remembered(("employer", person.employer_id), lambda: _employer_units(person))
    facts = _facts(person, today, employer_units)
    rules = _remembered("rules", _rules_by_federation)
    active = {
        membership.federation_id: membership
        for membership in person.memberships.filter(status=MembershipStatus.ACTIVE).select_related(
            "organization", "federation"
        )
    }
    residence_units = _remembered(("residence", person.region_id), lambda: _residence_units(person))
    result = EnrollmentResult()
    for federation in _remembered("federations", lambda: list(Federation.objects.all())):
        federation_rules = rules.get(federation.pk, [])
        membership = active.get(federation.pk)
        if membership is not None:
            if aged_out(federation_rules, facts):
                _age_out(membership, today, facts.age)
                result.aged_out.append(membership)
            else:
                result.skipped.append(
                    EnrollmentNote(federation, ALREADY_MEMBER.format(organization=membership.organization.name))
                )
            continue
        if not federation_rules:
            result.skipped.append(EnrollmentNote(federation, NO_RULES))
            continue
        reasons = []
        matched = None
        for rule in federation_rules:
            reason = rule_failure(rule, facts)
            if reason is None:
                matched = rule
                break
            reasons.append(reason)
        if matched is None:
            result.skipped.append(EnrollmentNote(federation, "；".join(dict.fromkeys(reasons))))
            continue
        unit = employer_units.get(federation.pk)
        if unit is None and not matched.requires_employer_branch:
            unit = residence_units.get(federation.pk)
        if unit is None:
            result.skipped.append(EnrollmentNote(federation, NO_UNIT.format(federation=federation.name)))
            continue
        result.created.append(
            Membership.objects.create(
                person=person,
                organization=unit,
                federation=federation,
                joined_on=today,
                source=source,
                note=f"规则：{matched.name}",
            )
        )
    return result


def _age_out(membership: Membership, today: dt.date, age: int) -> None:
    membership.status = MembershipStatus.AGED_OUT
    membership.ended_on = max(today, membership.joined_on)
    membership.note = AGED_OUT_NOTE.format(age=age, federation=membership.federation.name)
    membership.save(update_fields=["status", "ended_on", "note", "updated_at"])


def _birthdays_between(age: int, start: dt.date, end: dt.date) -> Q:
    """People who turned `age` on a day in [start, end]."""

    def years_before(day: dt.date) -> dt.date:
        try:
            return day.replace(year=day.year - age)
        except ValueError:  # 29 February in a common year
            return day.replace(year=day.year - age, day=28)

    return Q(birth_date__gt=years_before(start - dt.timedelta(days=1)), birth_date__lte=years_before(end))


def memberships_reevaluate(*, today: dt.date | None = None, window_days: int = 7) -> int:
    """Enroll again everyone who crossed an age limit of a rule in the last `window_days` days.

    Run daily by Celery beat; the window lets a missed day catch up, and enrollment is
    idempotent, so running twice changes nothing. Returns the number of people evaluated.
    """
    today = today or timezone.localdate()
    ages = set()
    for min_age, max_age in EligibilityRule.objects.filter(is_active=True).values_list("min_age", "max_age"):
        ages.update(age for age in (min_age, max_age) if age is not None)
    if not ages:
        return 0
    crossed = Q(pk__in=[])
    for age in ages:
        crossed |= _birthdays_between(age, today - dt.timedelta(days=window_days - 1), today)
    count = 0
    for person_id in Person.objects.filter(crossed).values_list("pk", flat=True).iterator():
        person_enroll(person=Person(pk=person_id), today=today)
        count += 1
    return count
