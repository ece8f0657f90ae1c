"""Joint evaluation (联评联考) on the hand-made 西宁 of the scorecard tests: every score, total and rank
as worked out by hand, manual scores with evidence, the rules of a scheme's year, and scope."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.core.exceptions import ConflictError
from apps.insights import evaluation, services
from apps.insights.evaluation_selectors import ranking, scheme_list
from apps.insights.models import EvaluationScheme, EvaluationSubject, IndicatorMethod, SchemeStatus, Score
from apps.insights.tasks import evaluations_compute_task
from apps.organizations.models import OrganizationLevel, Role
from apps.organizations.services import role_assign
from tests.factories import UserFactory, region, unit
from tests.insights.test_scorecard import TODAY, xining  # noqa: F401 — the hand-made 西宁
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db

FORMULA, MANUAL = IndicatorMethod.FORMULA, IndicatorMethod.MANUAL


def _scheme(actor, **fields) -> EvaluationScheme:
    fields = {"year": TODAY.year, "name": "群团工作联评联考", "region": region("630100"), **fields}
    fields.setdefault("subject", EvaluationSubject.REGION)
    return services.scheme_create(actor=actor, **fields)


def _indicator(actor, scheme, name, weight, formula="", target=None, common="organizations", **extra):
    method = MANUAL if not formula else FORMULA
    return services.indicator_add(
        actor=actor,
        scheme=scheme,
        common=common,
        name=name,
        weight=Decimal(weight),
        method=method,
        formula=formula,
        target=None if target is None else Decimal(target),
        **extra,
    )


@pytest.fixture
def city_scheme(province_admin, xining):  # noqa: F811
    """Five indicators worth 100 over 西宁's seven counties."""
    scheme = _scheme(province_admin)
    _indicator(province_admin, scheme, "联建单位", 20, "joint_branches", 2)
    _indicator(province_admin, scheme, "组织覆盖率", 20, "coverage_share", 100)
    _indicator(province_admin, scheme, "服务项目", 20, "projects", 2, common="projects")
    _indicator(province_admin, scheme, "人均参训", 20, "trainee_times / 3", 1, common="talent")
    _indicator(province_admin, scheme, "群众满意度", 20, guidance="按第三方测评打分")
    return services.scheme_publish(actor=province_admin, scheme=scheme)


def _rows(user, scheme) -> dict[str, object]:
    return {row.subject_name: row for row in ranking(user=user, scheme=scheme)}


def _score(row, indicator_name) -> Score:
    return next(score for score in row.scores.all() if score.indicator.name == indicator_name)


def test_every_score_total_and_rank_is_as_worked_out_by_hand(province_admin, city_scheme):
    rows = _rows(province_admin, city_scheme)
    assert len(rows) == 7  # every county of 西宁, also those with nothing to show
    east, middle, west = rows["城东区"], rows["城中区"], rows["城西区"]
    # 城东: 1 of 2 joint branches → 10; its park fully covered → 20; 2 of 2 projects → 20;
    # 6 trainee-times / 3 = 2 ≥ 1 → 20 (capped); manual not yet given → 70, first.
    assert [_score(east, name).points for name in ["联建单位", "组织覆盖率", "服务项目", "人均参训"]] == [
        Decimal("10.00"),
        Decimal("20.00"),
        Decimal("20.00"),
        Decimal("20.00"),
    ]
    assert (east.total, east.rank, east.manual_pending) == (Decimal("70.00"), 1, 1)
    # 城中: 1 branch → 10; its firm misses the Youth League (0 %) → 0; 1 of 2 projects → 10 → 20, second.
    assert _score(middle, "组织覆盖率").value == Decimal("0.00") and _score(middle, "组织覆盖率").points == 0
    assert (middle.total, middle.rank) == (Decimal("20.00"), 2)
    # The other five have no data: no coverage share at all (no value, no points), all tied third.
    assert _score(west, "组织覆盖率").value is None and west.total == 0
    assert {row.rank for name, row in rows.items() if name not in ("城东区", "城中区")} == {3}


def test_each_score_keeps_the_figures_it_was_worked_out_from(province_admin, city_scheme):
    east = _rows(province_admin, city_scheme)["城东区"]
    assert _score(east, "人均参训").figures == {"trainee_times": 6}
    assert _score(east, "人均参训").value == Decimal("2.00")
    assert _score(east, "组织覆盖率").figures == {"coverage_share": "100.0"}


def test_a_manual_score_needs_its_evidence_and_moves_the_ranking(province_admin, city_scheme):
    rows = _rows(province_admin, city_scheme)
    with pytest.raises(ValidationError) as error:
        services.score_manual(actor=province_admin, score=_score(rows["城西区"], "群众满意度"), points=20, evidence="")
    assert "evidence" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.score_manual(actor=province_admin, score=_score(rows["城西区"], "群众满意度"), points=21, evidence="x")
    assert "0 至 20 分" in error.value.message_dict["points"][0]
    with pytest.raises(ValidationError):
        services.score_manual(actor=province_admin, score=_score(rows["城西区"], "服务项目"), points=5, evidence="x")
    services.score_manual(
        actor=province_admin, score=_score(rows["城西区"], "群众满意度"), points="19.5", evidence="第三方测评 97 分"
    )
    rows = _rows(province_admin, city_scheme)
    assert (rows["城西区"].total, rows["城西区"].rank) == (Decimal("19.50"), 3)
    assert rows["城北区"].rank == 4  # the four left without points now share fourth place
    assert _score(rows["城西区"], "群众满意度").scored_by == province_admin


def test_recomputing_keeps_manual_scores_and_counts_the_new_work(province_admin, city_scheme):
    middle = _rows(province_admin, city_scheme)["城中区"]
    services.score_manual(actor=province_admin, score=_score(middle, "群众满意度"), points=20, evidence="测评")
    ProjectFactory(name="城中乙", lead=unit("630103", "women"), region=region("630103"))
    assert evaluations_compute_task() == 1  # the nightly task reworks every published scheme
    middle = _rows(province_admin, city_scheme)["城中区"]
    assert _score(middle, "服务项目").points == Decimal("20.00") and _score(middle, "群众满意度").points == 20
    assert middle.total == Decimal("50.00")


def test_a_county_sees_its_own_row_of_the_citys_ranking_and_cannot_score_it(county_staff, city_scheme):
    assert list(scheme_list(user=county_staff)) == [city_scheme]  # its own row makes the scheme visible
    rows = _rows(county_staff, city_scheme)
    assert list(rows) == ["城东区"]
    with pytest.raises(ValidationError):  # those evaluated never score themselves
        own = _score(rows["城东区"], "群众满意度")
        services.score_manual(actor=county_staff, score=own, points=20, evidence="自评")
    with pytest.raises(ValidationError):
        services.scheme_compute(actor=county_staff, scheme=city_scheme)


def test_a_station_cannot_draft_schemes(xining):  # noqa: F811
    station_staff = UserFactory()
    role_assign(user=station_staff, role=Role.STATION_STAFF, region=region("630102001000"))
    with pytest.raises(PermissionDenied):
        _scheme(station_staff, region=region("630102"))


def test_weights_add_up_to_a_hundred_before_publishing(province_admin, xining):  # noqa: F811
    scheme = _scheme(province_admin)
    _indicator(province_admin, scheme, "联建单位", 60, "joint_branches", 2)
    with pytest.raises(ValidationError) as error:
        _indicator(province_admin, scheme, "服务项目", 50, "projects", 2)
    assert "其他指标已有 60 分" in error.value.message_dict["weight"][0]
    with pytest.raises(ValidationError) as error:
        services.scheme_publish(actor=province_admin, scheme=scheme)
    assert "目前为 60 分" in error.value.message_dict["indicators"][0]
    _indicator(province_admin, scheme, "服务项目", 40, "projects", 2)
    services.scheme_publish(actor=province_admin, scheme=scheme)
    with pytest.raises(ConflictError):
        _indicator(province_admin, scheme, "会议", 1, "meetings", 1)
    with pytest.raises(ConflictError):
        services.scheme_delete(actor=province_admin, scheme=scheme)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("no_such_figure", "不是可用的指标代码"),
        ("__import__('os').system('id')", "只能由指标代码"),
        ("projects ** 2", "四则运算"),
        ("projects +", "无法识别"),
        ("3", "至少要用到一个平台指标"),
        ("projects if venues else 1", "只能由指标代码"),
    ],
)
def test_a_formula_reads_only_figures_and_arithmetic(province_admin, xining, formula, message):  # noqa: F811
    scheme = _scheme(province_admin)
    with pytest.raises(ValidationError) as error:
        _indicator(province_admin, scheme, "指标", 10, formula, 1)
    assert message in error.value.message_dict["formula"][0]


def test_a_formula_with_no_value_or_a_zero_divisor_earns_nothing(province_admin, city_scheme):
    indicator = city_scheme.indicators.get(name="服务项目")
    indicator.formula = "projects / venues"
    assert evaluation.formula_value(indicator, {"projects": 2, "venues": 0}) == (None, {"projects": 2, "venues": 0})
    assert evaluation.points(indicator, None) == 0


def test_lower_is_better_earns_full_marks_at_or_below_the_target(province_admin, xining):  # noqa: F811
    scheme = _scheme(province_admin)
    overdue = _indicator(province_admin, scheme, "逾期事项", 10, "overdue_follow_ups", 0, lower_is_better=True)
    assert evaluation.points(overdue, Decimal(0)) == 10 and evaluation.points(overdue, Decimal(2)) == 0
    overdue.target = Decimal(2)
    assert evaluation.points(overdue, Decimal(1)) == 10 and evaluation.points(overdue, Decimal(4)) == 5


def test_equal_totals_share_a_place():
    assert evaluation.ranks([Decimal(5), Decimal(7), Decimal(7), Decimal(1)]) == [3, 1, 1, 4]


def test_organizations_are_evaluated_on_their_own_work(province_admin, xining):  # noqa: F811
    scheme = _scheme(
        province_admin,
        name="县级群团组织联评联考",
        subject=EvaluationSubject.ORGANIZATION,
        organization_level=OrganizationLevel.COUNTY,
    )
    with pytest.raises(ValidationError) as error:  # a place belongs to no one federation
        _indicator(province_admin, scheme, "群众之家", 10, "venues", 1)
    assert "不是可用的指标代码" in error.value.message_dict["formula"][0]
    _indicator(province_admin, scheme, "服务项目", 50, "projects", 1, common="projects")
    _indicator(province_admin, scheme, "交流干部", 50, "rotations", 1, common="talent")
    services.scheme_publish(actor=province_admin, scheme=scheme)
    rows = {name.removeprefix("西宁市"): row for name, row in _rows(province_admin, scheme).items()}
    # 城东 union leads 城东甲, 城东 women 城东乙 and receives the exchange; 城中 union leads 城中甲.
    east_union, east_women = rows["城东区总工会"], rows["城东区妇女联合会"]
    assert (east_union.total, east_women.total, rows["城中区总工会"].total) == (50, 100, 50)
    assert east_women.rank == 1 and east_union.rank == 2
    busy = {"城东区总工会", "城东区妇女联合会", "城中区总工会"}
    assert all(row.total == 0 for name, row in rows.items() if name not in busy)


def test_a_scheme_closes_only_when_every_manual_score_is_given(province_admin, city_scheme):
    with pytest.raises(ConflictError) as error:
        services.scheme_close(actor=province_admin, scheme=city_scheme)
    assert "7 项人工评分未完成" in error.value.message
    for score in Score.objects.filter(evaluation__scheme=city_scheme, indicator__method=MANUAL):
        services.score_manual(actor=province_admin, score=score, points=10, evidence="测评")
    services.scheme_close(actor=province_admin, scheme=city_scheme)
    assert EvaluationScheme.objects.get(pk=city_scheme.pk).status == SchemeStatus.CLOSED
    with pytest.raises(ConflictError):
        services.scheme_compute(actor=province_admin, scheme=city_scheme)


def test_next_year_starts_from_a_copy_of_the_indicators(province_admin, city_scheme):
    copy = services.scheme_copy(actor=province_admin, scheme=city_scheme, year=TODAY.year + 1, name="下年度联评联考")
    assert copy.status == SchemeStatus.DRAFT
    assert list(copy.indicators.values_list("name", "weight")) == list(
        city_scheme.indicators.values_list("name", "weight")
    )
    with pytest.raises(ConflictError):
        services.scheme_copy(actor=province_admin, scheme=city_scheme, year=TODAY.year + 1, name="下年度联评联考")


def test_a_draft_is_renamed_but_keeps_whom_it_evaluates(province_admin, xining):  # noqa: F811
    scheme = _scheme(province_admin)
    services.scheme_update(actor=province_admin, scheme=scheme, name="  西宁市联评联考 ", notes="初稿")
    scheme.refresh_from_db()
    assert (scheme.name, scheme.notes) == ("西宁市联评联考", "初稿")
    with pytest.raises(ValidationError) as error:
        services.scheme_update(actor=province_admin, scheme=scheme, region=region("630200"))
    assert "不能再改" in error.value.message_dict["region"][0]
    _indicator(province_admin, scheme, "服务项目", 100, "projects", 2)
    services.scheme_publish(actor=province_admin, scheme=scheme)
    services.scheme_update(actor=province_admin, scheme=scheme, notes="已发布后补充说明")
    with pytest.raises(ConflictError):
        services.scheme_update(actor=province_admin, scheme=scheme, name="改名")
    with pytest.raises(ConflictError, match="已发布，考评结果要存档"):
        services.scheme_delete(actor=province_admin, scheme=scheme)
