"""The rules of talent co-cultivation that need no database: targets, completion, months in a post."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from apps.members.models import PostType
from apps.organizations.models import OrganizationLevel

# A cadre completes a course when they attended at least this share of its hours
# (absences and leave together at most a fifth, as cadre schools usually require).
COMPLETION_SHARE = Decimal("0.8")
# When no TrainingRequirement row covers a year.
DEFAULT_YEARLY_HOURS = Decimal("32")
# A cadre shows on the rotation due list this long before their longest stay in a post ends.
DUE_WITHIN_DAYS = 90


def hours_to_complete(credit_hours: Decimal) -> Decimal:
    return (credit_hours * COMPLETION_SHARE).quantize(Decimal("0.1"))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has 28 days


def post_fits(course, post) -> bool:
    """Whether a post is of the cadres a course is for (selectors.fitting_posts is its SQL twin)."""
    organization = post.organization
    return (
        (not course.target_federation_id or organization.federation_id == course.target_federation_id)
        and (not course.target_level or organization.level == course.target_level)
        and (not course.target_post_type or post.post_type == course.target_post_type)
    )


def target_refusal(course, posts) -> str | None:
    """None when one of the person's current `posts` fits the course's target, else why not."""
    wanted = []
    if course.target_federation_id:
        wanted.append(course.target_federation.name)
    if course.target_level:
        wanted.append(OrganizationLevel(course.target_level).label)
    if course.target_post_type:
        wanted.append(PostType(course.target_post_type).label)
    if any(post_fits(course, post) for post in posts):
        return None
    if not posts:
        return "不是在职干部（没有当前任职）"
    return f"当前任职不符合培训对象（{'、'.join(wanted)}干部）"
