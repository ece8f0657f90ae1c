"""一人一档: one person's whole record, gathered from every app (insights may read them all).

The record is a list of sections, each one query through scoped(): an item outside the
viewer's scope is simply not there, exactly as in that app's own lists. A later app adds
its items by writing one loader below and appending it to SECTIONS; the page, the API and
the query count follow without further change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.activities.models import Registration, VolunteerRecord
from apps.members.models import CadrePost, Membership, Person
from apps.members.selectors import person_list
from apps.organizations.models import Organization
from apps.organizations.scoping import scoped
from apps.projects.models import ServiceRecord
from apps.talent.models import Enrollment, Expert, ExpertEngagement, Rotation
from apps.talent.selectors import enrollment_hours


@dataclass(frozen=True)
class RecordItem:
    """One line of the record, whatever app it comes from."""

    kind: str
    object_id: int
    date: dt.date
    title: str
    detail: str
    status: str
    organization: Organization | None
    end_date: dt.date | None = None
    # A figure the section adds up (volunteer hours, service quantity), if any.
    amount: Decimal | None = None


@dataclass(frozen=True)
class Section:
    kind: str
    title: str
    items: list[RecordItem]
    total_label: str = ""

    @property
    def total(self) -> Decimal | None:
        if not self.total_label:
            return None
        return sum((item.amount or Decimal("0") for item in self.items), Decimal("0"))


@dataclass
class PersonRecord:
    person: Person
    sections: list[Section] = field(default_factory=list)

    @property
    def timeline(self) -> list[RecordItem]:
        """Every item, newest first; on one day in the order of the sections."""
        ranked = [
            (-item.date.toordinal(), rank, -item.object_id, item)
            for rank, s in enumerate(self.sections)
            for item in s.items
        ]
        return [item for *_, item in sorted(ranked, key=lambda row: row[:3])]

    def section(self, kind: str) -> Section:
        return next(section for section in self.sections if section.kind == kind)


def _in_scope(queryset: QuerySet, user, person: Person) -> QuerySet:
    return scoped(queryset.filter(person=person), user)


def _memberships(user, person: Person) -> Section:
    rows = _in_scope(Membership.objects.all(), user, person).select_related(
        "federation", "organization__federation", "transferred_from__organization"
    )
    items = [
        RecordItem(
            kind="membership",
            object_id=row.pk,
            date=row.joined_on,
            end_date=row.ended_on,
            title=f"{row.federation.name}会员 · {row.organization.name}",
            detail=f"转自 {row.transferred_from.organization.name}" if row.transferred_from_id else row.note,
            status=row.get_status_display(),
            organization=row.organization,
        )
        for row in rows.order_by("-joined_on", "-id")
    ]
    return Section("membership", "会员关系", items)


def _cadre_posts(user, person: Person) -> Section:
    rows = _in_scope(CadrePost.objects.all(), user, person).select_related("organization__federation")
    today = timezone.localdate()
    items = [
        RecordItem(
            kind="cadre_post",
            object_id=row.pk,
            date=row.start_date,
            end_date=row.end_date,
            title=f"{row.organization.name} {row.title}",
            detail=row.get_post_type_display(),
            status="在任" if row.is_current(today) else "已卸任",
            organization=row.organization,
        )
        for row in rows.order_by("-start_date", "-id")
    ]
    return Section("cadre_post", "干部任职", items)


def _registrations(user, person: Person) -> Section:
    rows = _in_scope(Registration.objects.all(), user, person).select_related(
        "activity__lead_organization__federation", "activity__theme__parent"
    )
    items = [
        RecordItem(
            kind="registration",
            object_id=row.pk,
            date=row.activity.start.date(),
            title=row.activity.title,
            detail=str(row.activity.theme),
            status=row.get_status_display(),
            organization=row.activity.lead_organization,
        )
        for row in rows.order_by("-activity__start", "-id")
    ]
    return Section("registration", "活动报名与参加", items)


def _volunteer_records(user, person: Person) -> Section:
    rows = _in_scope(VolunteerRecord.objects.all(), user, person).select_related("activity", "organization__federation")
    items = [
        RecordItem(
            kind="volunteer",
            object_id=row.pk,
            date=row.activity.start.date(),
            title=row.activity.title,
            detail=f"{row.hours} 小时",
            status="已更正" if row.hours != row.computed_hours else "已记录",
            organization=row.organization,
            amount=row.hours,
        )
        for row in rows.order_by("-activity__start", "-id")
    ]
    return Section("volunteer", "志愿服务时长", items, total_label="累计志愿时长（小时）")


def _services(user, person: Person) -> Section:
    rows = _in_scope(ServiceRecord.objects.all(), user, person).select_related(
        "project__bundle", "service_type", "organization__federation"
    )
    items = [
        RecordItem(
            kind="service",
            object_id=row.pk,
            date=row.date,
            title=f"{row.service_type.name} · {row.project.name}",
            detail=f"{row.quantity.normalize():f} {row.service_type.unit}"
            + (f"，折合 {row.amount} 元" if row.amount is not None else "")
            + (f"（捆绑项目：{row.project.bundle.name}）" if row.project.bundle_id else ""),
            status="一次性服务" if row.one_off else "",
            organization=row.organization,
        )
        for row in rows.order_by("-date", "-id")
    ]
    return Section("service", "接受的服务", items)


def _trainings(user, person: Person) -> Section:
    """Each course with the hours earned in it (attended sessions only) and its certificate."""
    rows = (
        _in_scope(Enrollment.objects.all(), user, person)
        .select_related("course__lead_organization__federation", "certificate")
        .annotate(hours=enrollment_hours())
    )
    items = []
    for row in rows.order_by("-enrolled_at", "-id"):
        certificate = getattr(row, "certificate", None)
        items.append(
            RecordItem(
                kind="training",
                object_id=row.pk,
                date=timezone.localdate(row.enrolled_at),
                title=row.course.title,
                detail=f"{row.course.get_format_display()}，获得 {row.hours} 学时"
                + (f"，结业证书 {certificate.code}" if certificate else ""),
                status="已结业" if certificate else row.get_status_display(),
                organization=row.course.lead_organization,
                amount=row.hours,
            )
        )
    return Section("training", "培训与学时", items, total_label="累计培训学时")


def _rotations(user, person: Person) -> Section:
    rows = _in_scope(Rotation.objects.all(), user, person).select_related(
        "from_post__organization", "to_organization__federation"
    )
    items = [
        RecordItem(
            kind="rotation",
            object_id=row.pk,
            date=row.start_date,
            end_date=row.end_date,
            title=f"{row.to_organization.name} {row.title}",
            detail=f"自 {row.from_post.organization.name} {row.from_post.title}"
            + ("，跨群团交流" if row.across_federations else "，本群团内轮岗"),
            status=row.get_status_display(),
            organization=row.to_organization,
        )
        for row in rows.order_by("-start_date", "-id")
    ]
    return Section("rotation", "轮岗交流", items)


def _expert(user, person: Person) -> Section:
    """The expert profile, then each lecture and post it led to: three queries, profile or not."""
    profile = _in_scope(Expert.objects.all(), user, person).select_related("region")
    fields = defaultdict(list)
    links = Expert.fields.through.objects.filter(expert__in=profile.values("pk")).select_related("expertisefield")
    for link in links.order_by("expertisefield__sort_order"):
        fields[link.expert_id].append(link.expertisefield.name)
    items = [
        RecordItem(
            kind="expert",
            object_id=expert.pk,
            date=expert.joined_on,
            title=f"土专家 · {expert.specialty}",
            detail="、".join(fields[expert.pk])
            + (f"；{'、'.join(expert.certification_list)}" if expert.certifications else ""),
            status=expert.get_availability_display() if expert.is_active else "已出库",
            organization=None,
        )
        for expert in profile
    ]
    engagements = ExpertEngagement.objects.filter(expert__in=profile.values("pk")).select_related(
        "organization__federation", "session__course"
    )
    items += [
        RecordItem(
            kind="expert_engagement",
            object_id=row.pk,
            date=row.date,
            title=row.get_kind_display() + (f" · {row.session.course.title}" if row.session_id else ""),
            detail=row.note,
            status="",
            organization=row.organization,
        )
        for row in engagements.order_by("-date", "-id")
    ]
    return Section("expert", "土专家", items)


SECTIONS: list[Callable[[object, Person], Section]] = [
    _memberships,
    _cadre_posts,
    _registrations,
    _volunteer_records,
    _services,
    _trainings,
    _rotations,
    _expert,
]


def person_record(*, user, person_id: int) -> PersonRecord:
    """The record of a person in the user's scope (404 otherwise), in one query per section."""
    person = get_object_or_404(person_list(user=user), pk=person_id)
    return PersonRecord(person=person, sections=[load(user, person) for load in SECTIONS])
