"""Joint evaluation (联评联考): the one door for every write — a scheme and its indicators while it is a
draft, publishing it (everyone it evaluates gets a row), working the scores out from the platform's
figures, manual scores with their evidence, and closing the year.

A scheme's writes take its row lock first, so a recomputation and a manual score never interleave
and the totals and ranks always add up.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.audit import audit_record
from apps.core.exceptions import ConflictError
from apps.insights import evaluation, formulas
from apps.insights.models import (
    COMMON_CHOICES,
    Evaluation,
    EvaluationScheme,
    EvaluationSubject,
    Indicator,
    IndicatorMethod,
    SchemeStatus,
    Score,
)
from apps.organizations.models import OrganizationLevel, Region
from apps.organizations.services.checks import clean_name, require_perm, require_region_in_scope, save_guarding_races

FULL_MARKS = Decimal(100)

SCHEME_EXISTS = "{region}{year}年已有名为“{name}”的方案。"
YEAR_RANGE = "年度应在 2000 至 2100 之间。"
SUBJECT_UNKNOWN = "请选择考评对象：下一级区划或群团组织。"
LEVEL_REQUIRED = "考评群团组织时请选择组织层级。"
LEVEL_ONLY_FOR_ORGANIZATIONS = "考评区划时不选组织层级。"
NO_CHILD_REGIONS = "{region}没有下一级区划可考评。"
NOT_DRAFT = "方案已发布，指标不能再改；如需调整请复制为新方案。"
NOT_PUBLISHED = "方案尚未发布或已定档，不能评分或重新计算。"
ONLY_DRAFTS_GO = "{scheme}已发布，考评结果要存档，不能删除。"
ALREADY_PUBLISHED = "方案已发布。"
INDICATOR_EXISTS = "方案中已有名为“{name}”的指标。"
COMMON_UNKNOWN = "请选择所属“六共”。"
WEIGHT_POSITIVE = "分值应大于 0。"
WEIGHT_OVER = "各指标分值合计不能超过 100 分（其他指标已有 {used} 分）。"
WEIGHTS_NOT_FULL = "各指标分值合计应为 100 分，目前为 {total} 分。"
NO_INDICATORS = "方案还没有指标。"
METHOD_UNKNOWN = "请选择评分方式。"
FORMULA_REQUIRED = "按平台数据计算的指标请填写计算公式。"
TARGET_REQUIRED = "请填写满分值（大于 0）。"
MANUAL_HAS_NO_FORMULA = "人工评分的指标不填计算公式和满分值。"
NOT_MANUAL = "该指标按平台数据计算，不能人工评分。"
POINTS_RANGE = "得分应在 0 至 {weight} 分之间。"
EVIDENCE_REQUIRED = "人工评分须写明佐证说明。"
MANUAL_PENDING = "还有 {count} 项人工评分未完成，不能定档。"
CHOSEN_AT_CREATION = "考评区划和考评对象在新建方案时确定，不能再改；请新建方案。"
EVIDENCE_EXTENSIONS = ("pdf", "ofd", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "zip")
EVIDENCE_MAX_MB = 20
EVIDENCE_KIND = "佐证材料只能是 PDF、OFD、Word、Excel、图片（JPG/PNG）或 ZIP 文件。"
EVIDENCE_TOO_BIG = f"佐证材料不能超过 {EVIDENCE_MAX_MB} MB。"
NOTHING_TO_EVALUATE = "{region}没有{level}群团组织可考评。"


def _number(value: Decimal) -> str:
    """20, 19.5 — not 2E+1 or 20.00."""
    return format(value.normalize(), "f")


def _locked(scheme: EvaluationScheme) -> EvaluationScheme:
    return EvaluationScheme.objects.select_for_update().select_related("region").get(pk=scheme.pk)


def _require_draft(scheme: EvaluationScheme) -> None:
    if scheme.status != SchemeStatus.DRAFT:
        raise ConflictError(NOT_DRAFT)


# Schemes and indicators -------------------------------------------------------------------


@transaction.atomic
def scheme_create(
    *,
    actor=None,
    year: int,
    name: str,
    region: Region,
    subject: str,
    organization_level: str = "",
    notes: str = "",
) -> EvaluationScheme:
    require_perm(actor, "insights.add_evaluationscheme")
    require_region_in_scope(actor, region)
    name = clean_name(name)
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": YEAR_RANGE})
    if subject not in EvaluationSubject.values:
        raise ValidationError({"subject": SUBJECT_UNKNOWN})
    if subject == EvaluationSubject.ORGANIZATION and organization_level not in OrganizationLevel.values:
        raise ValidationError({"organization_level": LEVEL_REQUIRED})
    if subject == EvaluationSubject.REGION and organization_level:
        raise ValidationError({"organization_level": LEVEL_ONLY_FOR_ORGANIZATIONS})
    scheme = EvaluationScheme(
        year=year,
        name=name,
        region=region,
        subject=subject,
        organization_level=organization_level,
        notes=notes.strip(),
        created_by=actor,
    )
    if not evaluation.subjects(scheme):
        if subject == EvaluationSubject.REGION:
            raise ValidationError({"region": NO_CHILD_REGIONS.format(region=region.name)})
        level = OrganizationLevel(organization_level).label
        raise ValidationError({"organization_level": NOTHING_TO_EVALUATE.format(region=region.name, level=level)})
    save_guarding_races(scheme, SCHEME_EXISTS.format(region=region.name, year=year, name=name))
    audit_record(actor=actor, action="create", obj=scheme, detail=str(scheme))
    return scheme


@transaction.atomic
def scheme_update(*, actor=None, scheme: EvaluationScheme, **fields) -> EvaluationScheme:
    """A draft's year, name and notes; the notes stay editable after publishing (e.g. a correction)."""
    require_perm(actor, "insights.change_evaluationscheme")
    scheme = _locked(scheme)
    require_region_in_scope(actor, scheme.region)
    unknown = set(fields) - {"year", "name", "notes"}
    if unknown:
        raise ValidationError({sorted(unknown)[0]: CHOSEN_AT_CREATION})
    if set(fields) - {"notes"} and scheme.status != SchemeStatus.DRAFT:
        raise ConflictError(NOT_DRAFT)
    if "name" in fields:
        scheme.name = clean_name(fields["name"])
    if "year" in fields:
        if not 2000 <= int(fields["year"]) <= 2100:
            raise ValidationError({"year": YEAR_RANGE})
        scheme.year = int(fields["year"])
    if "notes" in fields:
        scheme.notes = (fields["notes"] or "").strip()
    save_guarding_races(scheme, SCHEME_EXISTS.format(region=scheme.region.name, year=scheme.year, name=scheme.name))
    return scheme


@transaction.atomic
def scheme_copy(*, actor=None, scheme: EvaluationScheme, year: int, name: str) -> EvaluationScheme:
    """Next year's scheme starts from this one's indicators (as a draft, to adjust before publishing)."""
    copy = scheme_create(
        actor=actor,
        year=year,
        name=name,
        region=scheme.region,
        subject=scheme.subject,
        organization_level=scheme.organization_level,
        notes=scheme.notes,
    )
    Indicator.objects.bulk_create(
        Indicator(
            scheme=copy,
            common=indicator.common,
            name=indicator.name,
            weight=indicator.weight,
            method=indicator.method,
            formula=indicator.formula,
            target=indicator.target,
            lower_is_better=indicator.lower_is_better,
            guidance=indicator.guidance,
            position=indicator.position,
        )
        for indicator in scheme.indicators.all()
    )
    return copy


def _clean_indicator(scheme: EvaluationScheme, indicator: Indicator, *, exclude_pk=None) -> None:
    indicator.name = clean_name(indicator.name)
    indicator.formula = (indicator.formula or "").strip()
    if indicator.common not in dict(COMMON_CHOICES):
        raise ValidationError({"common": COMMON_UNKNOWN})
    if indicator.weight is None or indicator.weight <= 0:
        raise ValidationError({"weight": WEIGHT_POSITIVE})
    used = sum((i.weight for i in scheme.indicators.exclude(pk=exclude_pk)), Decimal(0))
    if used + indicator.weight > FULL_MARKS:
        raise ValidationError({"weight": WEIGHT_OVER.format(used=_number(used))})
    if indicator.method == IndicatorMethod.MANUAL:
        if indicator.formula or indicator.target is not None:
            raise ValidationError({"formula": MANUAL_HAS_NO_FORMULA})
        indicator.lower_is_better = False
    elif indicator.method == IndicatorMethod.FORMULA:
        if not indicator.formula:
            raise ValidationError({"formula": FORMULA_REQUIRED})
        formulas.parse(indicator.formula, set(evaluation.figure_codes(scheme.subject)))
        lowest = 0 if indicator.lower_is_better else Decimal("0.01")
        if indicator.target is None or indicator.target < lowest:
            raise ValidationError({"target": TARGET_REQUIRED})
    else:
        raise ValidationError({"method": METHOD_UNKNOWN})


@transaction.atomic
def indicator_add(*, actor=None, scheme: EvaluationScheme, **fields) -> Indicator:
    """Fields: common, name, weight, method, formula, target, lower_is_better, guidance, position."""
    require_perm(actor, "insights.change_evaluationscheme")
    scheme = _locked(scheme)
    require_region_in_scope(actor, scheme.region)
    _require_draft(scheme)
    if fields.get("position") is None:
        fields["position"] = scheme.indicators.count() + 1
    indicator = Indicator(scheme=scheme, **fields)
    _clean_indicator(scheme, indicator)
    save_guarding_races(indicator, INDICATOR_EXISTS.format(name=indicator.name))
    return indicator


@transaction.atomic
def indicator_update(*, actor=None, indicator: Indicator, **fields) -> Indicator:
    require_perm(actor, "insights.change_evaluationscheme")
    scheme = _locked(indicator.scheme)
    require_region_in_scope(actor, scheme.region)
    _require_draft(scheme)
    for name, value in fields.items():
        setattr(indicator, name, value)
    _clean_indicator(scheme, indicator, exclude_pk=indicator.pk)
    save_guarding_races(indicator, INDICATOR_EXISTS.format(name=indicator.name))
    return indicator


@transaction.atomic
def indicator_remove(*, actor=None, indicator: Indicator) -> None:
    require_perm(actor, "insights.change_evaluationscheme")
    scheme = _locked(indicator.scheme)
    require_region_in_scope(actor, scheme.region)
    _require_draft(scheme)
    indicator.delete()


# Publishing, computing, scoring ----------------------------------------------------------------


@transaction.atomic
def scheme_publish(*, actor=None, scheme: EvaluationScheme) -> EvaluationScheme:
    """Freeze the indicators, give everyone evaluated a row and work the scores out."""
    require_perm(actor, "insights.change_evaluationscheme")
    scheme = _locked(scheme)
    require_region_in_scope(actor, scheme.region)
    if scheme.status != SchemeStatus.DRAFT:
        raise ConflictError(ALREADY_PUBLISHED)
    indicators = list(scheme.indicators.all())
    if not indicators:
        raise ValidationError({"indicators": NO_INDICATORS})
    total = sum((indicator.weight for indicator in indicators), Decimal(0))
    if total != FULL_MARKS:
        raise ValidationError({"indicators": WEIGHTS_NOT_FULL.format(total=_number(total))})
    scheme.status, scheme.published_at = SchemeStatus.PUBLISHED, timezone.now()
    scheme.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(actor=actor, action="publish", obj=scheme, detail=str(scheme))
    return _compute(scheme)


@transaction.atomic
def scheme_compute(*, actor=None, scheme: EvaluationScheme) -> EvaluationScheme:
    """Work the formula scores out again from today's data (manual scores stay as scored)."""
    if actor is not None:
        require_perm(actor, "insights.change_evaluationscheme")
        require_region_in_scope(actor, scheme.region)
    scheme = _locked(scheme)
    if scheme.status != SchemeStatus.PUBLISHED:
        raise ConflictError(NOT_PUBLISHED)
    return _compute(scheme)


def _compute(scheme: EvaluationScheme) -> EvaluationScheme:
    field = "region" if scheme.subject == EvaluationSubject.REGION else "organization"
    existing = set(scheme.evaluations.values_list(f"{field}_id", flat=True))
    Evaluation.objects.bulk_create(
        [
            Evaluation(scheme=scheme, **{field: subject})
            for subject in evaluation.subjects(scheme)
            if subject.pk not in existing
        ]
    )
    # Everyone with a row keeps being scored, also a unit whose level changed since publishing.
    rows = list(scheme.evaluations.select_related(field))
    figures = evaluation.subject_figures(scheme, [getattr(row, field) for row in rows])
    indicators = list(scheme.indicators.all())
    scores = {(s.evaluation_id, s.indicator_id): s for s in Score.objects.filter(evaluation__scheme=scheme)}
    new, changed = [], []
    for row in rows:
        subject_values = figures.get(getattr(row, f"{field}_id"), {})
        for indicator in indicators:
            score = scores.get((row.pk, indicator.pk))
            if score is None:
                score = Score(evaluation=row, indicator=indicator)
                new.append(score)
            elif not indicator.is_manual:
                changed.append(score)
            if not indicator.is_manual:
                score.value, score.figures = evaluation.formula_value(indicator, subject_values)
                score.points = evaluation.points(indicator, score.value)
            scores[(row.pk, indicator.pk)] = score
    Score.objects.bulk_create(new)
    now = timezone.now()
    for score in changed:
        score.updated_at = now  # bulk_update() leaves auto_now alone: delta sync needs the change
    Score.objects.bulk_update(changed, ["value", "figures", "points", "updated_at"])
    scheme.computed_at = timezone.now()
    scheme.save(update_fields=["computed_at", "updated_at"])
    _rank(scheme, rows, indicators, scores)
    return scheme


def _rank(scheme, rows, indicators, scores) -> None:
    now = timezone.now()
    for row in rows:
        row_scores = [scores[(row.pk, indicator.pk)] for indicator in indicators]
        row.total = sum((s.points for s in row_scores if s.points is not None), Decimal("0.00"))
        row.manual_pending = sum(1 for s in row_scores if s.points is None)
        row.computed_at = row.updated_at = now
    for row, place in zip(rows, evaluation.ranks([row.total for row in rows]), strict=True):
        row.rank = place
    Evaluation.objects.bulk_update(rows, ["total", "rank", "manual_pending", "computed_at", "updated_at"])


@transaction.atomic
def score_manual(*, actor=None, score: Score, points, evidence: str, evidence_file=None) -> Score:
    """A manual indicator's score, given by the scheme's own level (never by those evaluated)."""
    require_perm(actor, "insights.change_score")
    scheme = _locked(score.evaluation.scheme)
    require_region_in_scope(actor, scheme.region)
    if scheme.status != SchemeStatus.PUBLISHED:
        raise ConflictError(NOT_PUBLISHED)
    score = Score.objects.select_related("indicator", "evaluation").get(pk=score.pk)
    if not score.indicator.is_manual:
        raise ValidationError({"points": NOT_MANUAL})
    weight = score.indicator.weight
    try:
        points = Decimal(str(points))
    except ArithmeticError:
        points = None
    if points is None or not points.is_finite() or not Decimal(0) <= points <= weight:
        raise ValidationError({"points": POINTS_RANGE.format(weight=_number(weight))})
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": EVIDENCE_REQUIRED})
    score.points = points.quantize(evaluation.CENT)
    score.evidence, score.scored_by, score.scored_at = evidence, actor, timezone.now()
    if evidence_file is not None:
        _check_evidence_file(evidence_file)
        score.evidence_file = evidence_file
    score.save()
    audit_record(actor=actor, action="score", obj=score, detail=f"{score} {score.points}")
    rows = list(scheme.evaluations.all())
    indicators = list(scheme.indicators.all())
    scores = {(s.evaluation_id, s.indicator_id): s for s in Score.objects.filter(evaluation__scheme=scheme)}
    _rank(scheme, rows, indicators, scores)
    return score


def _check_evidence_file(upload) -> None:
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in EVIDENCE_EXTENSIONS:
        raise ValidationError({"evidence_file": EVIDENCE_KIND})
    if upload.size > EVIDENCE_MAX_MB * 1024 * 1024:
        raise ValidationError({"evidence_file": EVIDENCE_TOO_BIG})


@transaction.atomic
def scheme_close(*, actor=None, scheme: EvaluationScheme) -> EvaluationScheme:
    """The year's result is final: no more scoring or recomputing."""
    require_perm(actor, "insights.change_evaluationscheme")
    scheme = _locked(scheme)
    require_region_in_scope(actor, scheme.region)
    if scheme.status != SchemeStatus.PUBLISHED:
        raise ConflictError(NOT_PUBLISHED)
    pending = Score.objects.filter(evaluation__scheme=scheme, points__isnull=True).count()
    if pending:
        raise ConflictError(MANUAL_PENDING.format(count=pending))
    scheme.status = SchemeStatus.CLOSED
    scheme.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="close", obj=scheme, detail=str(scheme))
    return scheme


@transaction.atomic
def scheme_delete(*, actor=None, scheme: EvaluationScheme) -> None:
    """Only a draft goes; a published scheme's scores are a record."""
    require_perm(actor, "insights.delete_evaluationscheme")
    scheme = _locked(scheme)
    require_region_in_scope(actor, scheme.region)
    if scheme.status != SchemeStatus.DRAFT:
        raise ConflictError(ONLY_DRAFTS_GO.format(scheme=scheme))
    audit_record(actor=actor, action="delete", obj=scheme, detail=str(scheme))
    scheme.delete()
