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
class Candidate:
    """One project as grouping reads it: plain values from one query, so thousands cost milliseconds."""

    pk: int
    name: str
    content_category_id: int
    policy_standard_id: int
    work_nature_id: int
    lead_organization_id: int
    lead_organization_name: str
    # Higher levels lead lower ones; at one level the union, Youth League and Women's Federation first.
    lead_rank: tuple[int, int, int]
    region_name: str
    region_depth: int
    content_category_name: str
    target: TargetGroup


@dataclass(frozen=True)
class Suggestion:
    projects: tuple[Candidate, ...]  # by id
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
    def lead(self) -> Candidate:
        return min(self.projects, key=lambda project: project.lead_rank)

    @property
    def lead_organization_id(self) -> int:
        return self.lead.lead_organization_id

    @property
    def lead_organization_name(self) -> str:
        return self.lead.lead_organization_name

    @property
    def name(self) -> str:
        widest = min(self.projects, key=lambda project: project.region_depth)
        return f"{widest.region_name}{self.projects[0].content_category_name}捆绑项目"


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
    def start(cls, project) -> _Overlap:
        group = project.target
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


def _widest_first(project) -> tuple[int, int]:
    return (len(project.target.region_path), project.pk)


def _clusters(projects: list) -> list[list]:
    """Greedy: each project joins the first cluster its target group overlaps, shallowest regions first."""
    clusters: list[_Overlap] = []
    for project in sorted(projects, key=_widest_first):
        for index, cluster in enumerate(clusters):
            joined = cluster.joined(project.target)
            if joined is not None:
                joined.members.append(project)
                clusters[index] = joined
                break
        else:
            clusters.append(_Overlap.start(project))
    return [cluster.members for cluster in clusters]


def _overlap(projects: list) -> bool:
    """Whether the whole group is one cluster; stops at the first project that does not join."""
    first, *others = sorted(projects, key=_widest_first)
    running = _Overlap.start(first)
    for project in others:
        running = running.joined(project.target)
        if running is None:
            return False
    return True


def _by(projects: Iterable, key) -> dict:
    buckets = defaultdict(list)
    for project in projects:
        buckets[key(project)].append(project)
    return buckets


def bundle_suggestions(projects: Iterable[Candidate]) -> list[Suggestion]:
    """Groups of `projects` (none of them in a bundle already) that could be bundled, best first."""
    projects = list(projects)
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
            clusters = _clusters(same_both)
            for cluster in clusters:
                offer(cluster)
            if len(clusters) > 1:
                offer(same_both, target=False)
        for same_nature in _by(same_content, lambda p: p.work_nature_id).values():
            if len({p.policy_standard_id for p in same_nature}) > 1:
                offer(same_nature, policy_standard=False, target=_overlap(same_nature))
        for same_policy in _by(same_content, lambda p: p.policy_standard_id).values():
            if len({p.work_nature_id for p in same_policy}) > 1:
                offer(same_policy, work_nature=False, target=_overlap(same_policy))
    return sorted(found.values(), key=lambda s: (-s.score, -len(s.projects), s.project_ids))
