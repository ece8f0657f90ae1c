"""Bundling suggestions: exactly the groups that match in a hand-made set, partial matches scored lower,
and the target-group overlap that decides the fourth criterion."""

from __future__ import annotations

import pytest

from apps.projects import bundling, selectors, services
from apps.projects.targets import TargetGroup
from tests.factories import region, unit
from tests.members.factories import identity_tag
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hand_made(province_admin):
    """Three groups that could be bundled, and projects that must never be suggested."""
    disabled = identity_tag("disabled")
    made = {
        # Same policy, nature and content, open to everyone in 城东区: all four criteria.
        "w1": ProjectFactory(name="职工暖炕", lead=unit("630102", "union")),
        "w2": ProjectFactory(name="巾帼暖炕", lead=unit("630102", "women")),
        # Same policy and content for disabled people, but a different nature: three of four.
        "b1": ProjectFactory(
            name="残联无障碍改造",
            lead=unit("630102", "disabled"),
            policy_code="barrier_free",
            content_code="barrier_free",
            service_codes=["barrier_free_home"],
            target_tags=[disabled],
        ),
        "b2": ProjectFactory(
            name="妇联助残改造",
            lead=unit("630102", "women"),
            policy_code="barrier_free",
            nature_code="rights",
            content_code="barrier_free",
            service_codes=["barrier_free_home"],
            target_tags=[disabled],
        ),
        # Same policy, nature and content, but the ages never meet: three of four.
        "s1": ProjectFactory(
            name="青年技能大赛",
            lead=unit("630102", "youth_league"),
            policy_code="skills",
            nature_code="achievement",
            content_code="skills_contest",
            service_codes=["skills_contest_entry"],
            min_age=16,
            max_age=36,
        ),
        "s2": ProjectFactory(
            name="老职工技能比武",
            lead=unit("630102", "union"),
            policy_code="skills",
            nature_code="achievement",
            content_code="skills_contest",
            service_codes=["skills_contest_entry"],
            min_age=40,
        ),
        # Never suggested: alone in its content; same policy and nature but other contents.
        "f1": ProjectFactory(name="家庭教育", content_code="family_education", service_codes=["family_guidance"]),
        "l1": ProjectFactory(
            name="法律援助", policy_code="general", content_code="legal_aid", service_codes=["legal_consultation"]
        ),
        "e1": ProjectFactory(
            name="就业推荐", policy_code="general", content_code="employment", service_codes=["job_referral"]
        ),
        # Never suggested: cancelled, or already in a bundle.
        "x1": ProjectFactory(name="已取消的暖炕"),
    }
    services.project_set_status(project=made["x1"], action="cancel")
    made["y1"] = ProjectFactory(name="已捆绑甲", content_code="health", service_codes=["health_check"])
    made["y2"] = ProjectFactory(name="已捆绑乙", content_code="health", service_codes=["health_check"])
    made["y3"] = ProjectFactory(name="未捆绑丙", content_code="health", service_codes=["health_check"])
    services.bundle_create(
        name="体检捆绑", lead_organization=unit("630102", "union"), projects=[made["y1"], made["y2"]]
    )
    return made


def _groups(suggestions) -> dict[frozenset[str], bundling.Suggestion]:
    return {frozenset(project.name for project in s.projects): s for s in suggestions}


def test_suggestions_find_exactly_the_groups_that_match(hand_made, province_admin):
    groups = _groups(selectors.bundle_suggestion_list(user=province_admin))
    assert set(groups) == {
        frozenset({"职工暖炕", "巾帼暖炕"}),
        frozenset({"残联无障碍改造", "妇联助残改造"}),
        frozenset({"青年技能大赛", "老职工技能比武"}),
    }


def test_a_full_match_scores_100_and_partial_matches_lower_saying_which_criterion_fails(hand_made, province_admin):
    suggestions = selectors.bundle_suggestion_list(user=province_admin)
    groups = _groups(suggestions)
    warm = groups[frozenset({"职工暖炕", "巾帼暖炕"})]
    barrier = groups[frozenset({"残联无障碍改造", "妇联助残改造"})]
    skills = groups[frozenset({"青年技能大赛", "老职工技能比武"})]
    assert warm.score == 100 and warm.unmatched == []
    assert barrier.score == 75 and barrier.unmatched == ["工作性质相近"]
    assert skills.score == 75 and skills.unmatched == ["服务对象重叠"]
    assert set(barrier.matched) == {"政策标准相同", "服务对象重叠", "服务内容相同"}
    assert suggestions[0] is warm  # best first


def test_the_suggested_lead_is_the_union_before_the_womens_federation_at_one_level(hand_made, province_admin):
    warm = _groups(selectors.bundle_suggestion_list(user=province_admin))[frozenset({"职工暖炕", "巾帼暖炕"})]
    assert warm.lead_organization_id == unit("630102", "union").pk
    assert warm.name == "城东区暖心工程捆绑项目"


def test_a_higher_level_project_leads_the_suggestion(province_admin):
    ProjectFactory(name="县级暖炕", lead=unit("630102", "union"))
    ProjectFactory(name="省级暖炕", lead=unit("630000", "women"), region=region("630000"))
    (suggestion,) = selectors.bundle_suggestion_list(user=province_admin)
    assert suggestion.score == 100  # 城东区 lies inside the province: the targets overlap
    assert suggestion.lead_organization_id == unit("630000", "women").pk


def test_projects_of_two_counties_share_no_target_and_score_lower(province_admin):
    ProjectFactory(name="城东暖炕")
    ProjectFactory(name="城中暖炕", lead=unit("630103", "union"), region=region("630103"))
    (suggestion,) = selectors.bundle_suggestion_list(user=province_admin)
    assert suggestion.score == 75 and suggestion.unmatched == ["服务对象重叠"]


def test_overlapping_clusters_are_suggested_whole_and_the_full_group_as_a_lower_alternative(province_admin):
    ProjectFactory(name="城东甲")
    ProjectFactory(name="城东乙")
    ProjectFactory(name="城中甲", lead=unit("630103", "union"), region=region("630103"))
    ProjectFactory(name="城中乙", lead=unit("630103", "women"), region=region("630103"))
    scores = {names: s.score for names, s in _groups(selectors.bundle_suggestion_list(user=province_admin)).items()}
    assert scores == {
        frozenset({"城东甲", "城东乙"}): 100,
        frozenset({"城中甲", "城中乙"}): 100,
        frozenset({"城东甲", "城东乙", "城中甲", "城中乙"}): 75,
    }


def test_suggestions_only_draw_on_projects_in_the_users_scope(hand_made, other_county_staff, county_staff):
    assert selectors.bundle_suggestion_list(user=other_county_staff) == []
    assert len(selectors.bundle_suggestion_list(user=county_staff)) == 3


def test_the_suggestions_take_a_fixed_number_of_queries(hand_made, province_admin, django_assert_num_queries):
    province_admin.refresh_from_db()  # a fresh scope
    with django_assert_num_queries(3):  # scope, projects, their target tags
        selectors.bundle_suggestion_list(user=province_admin)


def _group(path: str, tags=(), low=None, high=None, gender="") -> TargetGroup:
    return TargetGroup(
        region_path=path, tags=frozenset((pk, str(pk)) for pk in tags), min_age=low, max_age=high, gender=gender
    )


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        (_group("0001"), _group("00010002"), True),
        (_group("00010001"), _group("00010002"), False),
        (_group("0001", tags=[1, 2]), _group("0001", tags=[2, 3]), True),
        (_group("0001", tags=[1]), _group("0001", tags=[3]), False),
        (_group("0001", tags=[1]), _group("0001"), True),
        (_group("0001", low=16, high=36), _group("0001", low=35), True),
        (_group("0001", low=16, high=36), _group("0001", low=36), False),
        (_group("0001", gender="female"), _group("0001"), True),
        (_group("0001", gender="female"), _group("0001", gender="male"), False),
    ],
)
def test_target_groups_overlap_when_someone_could_be_in_both(first, second, overlap):
    class Row:
        def __init__(self, pk, target):
            self.pk, self.target = pk, target

    assert (len(bundling._clusters([Row(1, first), Row(2, second)])) == 1) is overlap
