"""Cadre posts: who holds which post in which organization, and for how long."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.exceptions import ConflictError
from apps.members.models import CadrePost, Person
from apps.organizations.models import Organization
from apps.organizations.services.checks import clean_name, require_organization_in_scope, require_perm

POST_DATES = "结束日期不能早于开始日期。"
POST_OVERLAP = "该人员在此组织同一时期已有“{title}”任职。"

_POST_FIELDS = ("organization", "post_type", "title", "start_date", "end_date")


def _validate(post: CadrePost) -> None:
    post.title = clean_name(post.title, field="title")
    if post.end_date is not None and post.end_date < post.start_date:
        raise ValidationError({"end_date": POST_DATES})
    post.full_clean(validate_constraints=False)
    far_future = dt.date.max
    overlapping = (
        CadrePost.objects.filter(person_id=post.person_id, organization_id=post.organization_id, title=post.title)
        .exclude(pk=post.pk)
        .filter(start_date__lte=post.end_date or far_future)
        .exclude(end_date__lt=post.start_date)
    )
    clash = overlapping.first()
    if clash is not None:
        raise ConflictError(POST_OVERLAP.format(title=post.title), [clash.pk])


@transaction.atomic
def cadre_post_create(
    *,
    actor=None,
    person: Person,
    organization: Organization,
    post_type: str,
    title: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> CadrePost:
    require_perm(actor, "members.add_cadrepost")
    require_organization_in_scope(actor, organization, field="organization")
    post = CadrePost(
        person=person,
        organization=organization,
        post_type=post_type,
        title=title,
        start_date=start_date,
        end_date=end_date,
    )
    _validate(post)
    post.save()
    return post


@transaction.atomic
def cadre_post_update(*, actor=None, post: CadrePost, **changes) -> CadrePost:
    require_perm(actor, "members.change_cadrepost")
    require_organization_in_scope(actor, post.organization, field="organization")
    unknown = set(changes) - set(_POST_FIELDS)
    if unknown:
        raise TypeError(f"cadre_post_update() got unexpected fields {sorted(unknown)}")
    for field, value in changes.items():
        setattr(post, field, value)
    if "organization" in changes:
        require_organization_in_scope(actor, post.organization, field="organization")
    _validate(post)
    post.save()
    return post


@transaction.atomic
def cadre_post_delete(*, actor=None, post: CadrePost) -> None:
    require_perm(actor, "members.delete_cadrepost")
    require_organization_in_scope(actor, post.organization, field="organization")
    post.delete()
