"""A project's target group (服务对象) and whether a person is in it (pure, no queries)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from apps.members.models import Gender

OUTSIDE_REGION = "居住地不在项目服务区域（{region}）内"
TAGS_MISSING = "不具有项目服务对象的任一身份：{tags}"
TOO_YOUNG = "年龄 {age} 岁，未满 {min_age} 岁"
TOO_OLD = "年龄 {age} 岁，已满 {max_age} 岁"
GENDER_ONLY = "项目仅面向{gender}性"


@dataclass(frozen=True)
class TargetGroup:
    """Region subtree, identity tags (any of), age range [min, max) and gender; empty parts take everyone."""

    region_path: str
    region_name: str = ""
    tags: frozenset[tuple[int, str]] = frozenset()
    min_age: int | None = None
    max_age: int | None = None
    gender: str = ""

    @classmethod
    def of(cls, project) -> TargetGroup:
        """From a project whose region and target tags are loaded (select/prefetch_related)."""
        return cls(
            region_path=project.region.path,
            region_name=project.region.name,
            tags=frozenset((tag.pk, tag.name) for tag in project.target_tags.all()),
            min_age=project.min_age,
            max_age=project.max_age,
            gender=project.gender,
        )

    @cached_property  # read on every overlap check while bundling
    def tag_ids(self) -> frozenset[int]:
        return frozenset(pk for pk, _ in self.tags)

    def refusal(self, *, region_path: str, tag_ids: Iterable[int], age: int, gender: str) -> str | None:
        """None when the person is in the group, else the first reason they are not."""
        if not region_path.startswith(self.region_path):
            return OUTSIDE_REGION.format(region=self.region_name)
        if self.tags and not self.tag_ids.intersection(tag_ids):
            return TAGS_MISSING.format(tags="、".join(sorted(name for _, name in self.tags)))
        if self.min_age is not None and age < self.min_age:
            return TOO_YOUNG.format(age=age, min_age=self.min_age)
        if self.max_age is not None and age >= self.max_age:
            return TOO_OLD.format(age=age, max_age=self.max_age)
        if self.gender and gender != self.gender:
            return GENDER_ONLY.format(gender=Gender(self.gender).label)
        return None


def person_refusal(group: TargetGroup, person, *, on: dt.date) -> str | None:
    return group.refusal(
        region_path=person.region.path,
        tag_ids=[tag.pk for tag in person.identity_tags.all()],
        age=person.age_on(on),
        gender=person.gender,
    )
