"""Which projects could be bundled (捆绑打包), scored on the four criteria of the practice (pure, no queries).

Projects are bundled when their policy standards agree, their target groups are the same,
their work is of a similar nature and their content is the same. Content is the pivot: only
projects that deliver the same content are ever run as one. Within a content category a
suggestion is a group of at least two projects sharing

- policy standard and work nature: all four criteria when their target groups overlap
  (split into overlapping clusters), three when they do not;
- work nature only (several policy standards) or policy standard only (several natures):
  two or three criteria, depending on the target groups.

Each criterion counts 25 points, so a partial match always scores lower than a full one.
Everything is bucketing by keys plus one pass per bucket, so 5,000 projects take well under
a second (bench/bundle_suggestions.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from apps.projects.targets import TargetGroup

POLICY, TARGET, NATURE, CONTENT = "policy_standard", "target", "work_nature", "content_category"
CRITERIA = {
    POLICY: "政策标准相同",
    TARGET: "服务对象重叠",
    NATURE: "工作性质相近",
    CONTENT: "服务内容相同",
}
POINTS_PER_CRITERION = 25


@dataclass(frozen=True)
class Suggestion:
    projects: tuple  # ServiceProject rows, by id
    matches: dict[str, bool]

    @property
    def score(self) -> int:
        return POINTS_PER_CRITERION * sum(self.matches.values())

    @property
    def project_ids(self) -> list[int]:
        return [project.pk for project in self.projects]

    @property
    def key(self) -> str:
        return "-".join(str(pk) for pk in self.project_ids)

    @property
    def matched(self) -> list[str]:
        return [CRITERIA[name] for name, ok in self.matches.items() if ok]

    @property
    def unmatched(self) -> list[str]:
        return [CRITERIA[name] for name, ok in self.matches.items() if not ok]

    @property
    def lead_organization(self):
        """Higher levels lead lower ones; at one level the union, Youth League and Women's Federation first."""
        leads = [project.lead_organization for project in self.projects]
        return min(leads, key=lambda org: (org.depth, org.federation.sort_order, org.pk))

    @property
    def name(self) -> str:
        region = min((project.region for project in self.projects), key=lambda region: region.depth)
        return f"{region.name}{self.projects[0].content_category.name}捆绑项目"


@dataclass
class _Overlap:
    """The running intersection of target groups, so adding one more is O(1)."""

    deepest_path: str
    tag_ids: frozenset[int] | None  # None: no group limits tags
    low: int | None
    high: int | None
    gender: str
    members: list = field(default_factory=list)

    @classmethod
    def start(cls, project, group: TargetGroup) -> _Overlap:
        return cls(
            group.region_path, group.tag_ids or None, group.min_age, group.max_age, group.gender, members=[project]
        )

    def joined(self, group: TargetGroup) -> _Overlap | None:
        if group.region_path.startswith(self.deepest_path):
            deepest = group.region_path
        elif self.deepest_path.startswith(group.region_path):
            deepest = self.deepest_path
        else:
            return None
        tags = self.tag_ids
        if group.tags:
            tags = group.tag_ids if tags is None else tags & group.tag_ids
            if not tags:
                return None
        low = max((age for age in (self.low, group.min_age) if age is not None), default=None)
        high = min((age for age in (self.high, group.max_age) if age is not None), default=None)
        if low is not None and high is not None and low >= high:
            return None
        if self.gender and group.gender and self.gender != group.gender:
            return None
        return _Overlap(deepest, tags, low, high, self.gender or group.gender, members=self.members)


def _clusters(projects: list, groups: dict) -> list[list]:
    """Greedy: each project joins the first cluster its target group overlaps, shallowest regions first."""
    clusters: list[_Overlap] = []
    for project in sorted(projects, key=lambda p: (len(groups[p.pk].region_path), p.pk)):
        group = groups[project.pk]
        for index, cluster in enumerate(clusters):
            joined = cluster.joined(group)
            if joined is not None:
                joined.members.append(project)
                clusters[index] = joined
                break
        else:
            clusters.append(_Overlap.start(project, group))
    return [cluster.members for cluster in clusters]


def _overlap(projects: list, groups: dict) -> bool:
    """Whether the whole group is one cluster; stops at the first project that does not join."""
    ordered = sorted(projects, key=lambda p: (len(groups[p.pk].region_path), p.pk))
    running = _Overlap.start(ordered[0], groups[ordered[0].pk])
    for project in ordered[1:]:
        running = running.joined(groups[project.pk])
        if running is None:
            return False
    return True


def _by(projects: Iterable, key) -> dict:
    buckets = defaultdict(list)
    for project in projects:
        buckets[key(project)].append(project)
    return buckets


def bundle_suggestions(projects: Iterable) -> list[Suggestion]:
    """Groups of `projects` that could be bundled, best first.

    `projects` need region, lead_organization__federation and content_category loaded and
    target_tags prefetched; none of them should be in a bundle already.
    """
    projects = list(projects)
    groups = {project.pk: TargetGroup.of(project) for project in projects}
    found: dict[frozenset[int], Suggestion] = {}

    def offer(members: list, **matches: bool) -> None:
        if len(members) < 2:
            return
        members = sorted(members, key=lambda p: p.pk)
        suggestion = Suggestion(tuple(members), {POLICY: True, TARGET: True, NATURE: True, CONTENT: True, **matches})
        ids = frozenset(suggestion.project_ids)
        if ids not in found or found[ids].score < suggestion.score:
            found[ids] = suggestion

    for same_content in _by(projects, lambda p: p.content_category_id).values():
        if len(same_content) < 2:
            continue
        for same_both in _by(same_content, lambda p: (p.policy_standard_id, p.work_nature_id)).values():
            clusters = _clusters(same_both, groups)
            for cluster in clusters:
                offer(cluster)
            if len(clusters) > 1:
                offer(same_both, target=False)
        for same_nature in _by(same_content, lambda p: p.work_nature_id).values():
            if len({p.policy_standard_id for p in same_nature}) > 1:
                offer(same_nature, policy_standard=False, target=_overlap(same_nature, groups))
        for same_policy in _by(same_content, lambda p: p.policy_standard_id).values():
            if len({p.work_nature_id for p in same_policy}) > 1:
                offer(same_policy, work_nature=False, target=_overlap(same_policy, groups))
    return sorted(found.values(), key=lambda s: (-s.score, -len(s.projects), s.project_ids))
