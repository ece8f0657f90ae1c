"""Demo joint evaluation for 2026: the province evaluates its eight 市州 over the six commons and its six
provincial federations on their own work, both published and computed from the other apps' demo
data; the satisfaction survey is scored for three 市州 so the manual-scoring queue has the rest.
"""

from __future__ import annotations

from decimal import Decimal

from apps.insights import services, summaries
from apps.insights.models import EvaluationScheme, EvaluationSubject, IndicatorMethod, Score
from apps.organizations.models import OrganizationLevel, Region

YEAR = 2026
PREFECTURES = "全省群团工作整体联评联考"
FEDERATIONS = "省级群团组织联评联考"

# common, name, weight, formula (blank: manual), target, lower is better, guidance
PREFECTURE_INDICATORS = [
    ("organizations", "联建单位数", 10, "joint_branches", 5, False, "年内新联建单位 5 个得满分"),
    ("organizations", "组织覆盖率", 10, "coverage_share", 90, False, "应建单位覆盖率达 90% 得满分"),
    ("organizations", "联席会议和工作例会", 5, "meetings", 4, False, "全年召开 4 次得满分"),
    ("organizations", "逾期未办结事项", 5, "overdue_follow_ups", 0, True, "无逾期事项得满分"),
    ("venues", "群众之家", 5, "venues", 10, False, "建成 10 个得满分"),
    ("venues", "跨群团共用率", 10, "co_use_share", 50, False, "他方群团使用占一半得满分"),
    ("resources", "服务中心（站）", 5, "centers + stations", 10, False, "中心和站合计 10 个得满分"),
    ("resources", "值班到岗率", 5, "duty_coverage", 95, False, "到岗率 95% 得满分"),
    ("activities", "联合办活动", 10, "joint_activities", 10, False, "全年 10 场得满分"),
    ("projects", "服务项目", 10, "projects", 15, False, "运行中和已完成项目 15 个得满分"),
    ("projects", "受益人数", 5, "beneficiaries", 200, False, "受益 200 人得满分"),
    ("talent", "参训人次", 10, "trainee_times", 300, False, "300 人次得满分"),
    ("organizations", "群众满意度测评", 10, "", None, False, "按第三方满意度测评结果折算，附测评报告"),
]
FEDERATION_INDICATORS = [
    ("activities", "牵头和联合办活动", 20, "joint_activities + led_activities", 10, False, ""),
    ("projects", "牵头服务项目", 20, "projects", 20, False, ""),
    ("projects", "服务人次", 10, "service_records", 500, False, ""),
    ("talent", "牵头培训课次", 20, "training_sessions", 8, False, ""),
    ("talent", "参训人次", 10, "trainee_times", 500, False, ""),
    ("resources", "经费用于基层比例", 20, "grassroots_share", 80, False, "不低于 80% 得满分"),
]
SURVEYS = {
    "630100": ("9.20", "第三方满意度测评 92 分（测评报告〔2026〕3 号）"),
    "630200": ("8.80", "第三方满意度测评 88 分（测评报告〔2026〕4 号）"),
    "632200": ("9.00", "第三方满意度测评 90 分（测评报告〔2026〕5 号）"),
}


def _scheme(name, subject, level, indicators) -> EvaluationScheme:
    province = Region.objects.get(depth=1)
    existing = EvaluationScheme.objects.filter(region=province, year=YEAR, name=name).first()
    if existing is not None:
        return existing
    scheme = services.scheme_create(
        year=YEAR, name=name, region=province, subject=subject, organization_level=level, notes="演示方案"
    )
    for position, (common, title, weight, formula, target, lower, guidance) in enumerate(indicators, start=1):
        services.indicator_add(
            scheme=scheme,
            common=common,
            name=title,
            weight=Decimal(weight),
            method=IndicatorMethod.FORMULA if formula else IndicatorMethod.MANUAL,
            formula=formula,
            target=None if target is None else Decimal(target),
            lower_is_better=lower,
            guidance=guidance,
            position=position,
        )
    return services.scheme_publish(scheme=scheme)


def seed() -> list[str]:
    summaries.refresh()  # as the nightly task would: the closed months of the demo year
    prefectures = _scheme(PREFECTURES, EvaluationSubject.REGION, "", PREFECTURE_INDICATORS)
    _scheme(FEDERATIONS, EvaluationSubject.ORGANIZATION, OrganizationLevel.PROVINCE, FEDERATION_INDICATORS)
    pending = Score.objects.filter(
        evaluation__scheme=prefectures, indicator__method=IndicatorMethod.MANUAL, points__isnull=True
    ).select_related("evaluation__region")
    for score in pending:
        if score.evaluation.region.code in SURVEYS:
            points, evidence = SURVEYS[score.evaluation.region.code]
            services.score_manual(score=score, points=points, evidence=evidence)
    return []
