"""Staff pages of joint evaluation (联评联考): the schemes in scope, drafting one (indicators and their
weights), publishing it, the ranking with each common's subtotal (and its xlsx), one evaluated
region's or organization's scores with the figures behind them, and the manual-scoring queue.

Thin like the other pages: parse, call one service or selector, render. Schemes, evaluations and
scores come through the scoped selectors, so a neighbour's evaluation answers 404; a county sees its
own row of its city's ranking but runs nothing there (403): a scheme is run by the level it covers.
"""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import groupby
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from apps.core.access import permission, signed_in
from apps.core.exceptions import ConflictError
from apps.core.refusals import add_service_errors, forbidden
from apps.core.spreadsheets import neutralize
from apps.insights import evaluation, evaluation_selectors, services
from apps.insights.forms_evaluation import IndicatorForm, SchemeCopyForm, SchemeFilterForm, SchemeForm, ScoreForm
from apps.insights.models import COMMON_CHOICES, EvaluationScheme, EvaluationSubject, Indicator, SchemeStatus, Score
from apps.insights.scorecard import BY_CODE
from apps.organizations.scoping import get_in_scope, scope_for
from apps.organizations.views import paginate, render_results

CREATED = "已新建方案“{name}”，请添加指标，分值合计 100 分后发布。"
COPIED = "已复制为{year}年度方案“{name}”（草拟中），可调整指标后发布。"
INDICATOR_ADDED = "已添加指标“{name}”。"
INDICATOR_SAVED = "已保存指标“{name}”。"
INDICATOR_REMOVED = "已删除指标“{name}”。"
PUBLISHED = "方案已发布：{count} 个考评对象已按平台数据计算得分。"
COMPUTED = "已按最新数据重新计算。"
CLOSED = "方案已定档，结果不再变动。"
DELETED = "已删除草拟方案“{name}”。"
SCORED = "已评分：{subject} · {indicator} {points} 分。"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ADD, CHANGE, DELETE, SCORE = (
    "insights.add_evaluationscheme",
    "insights.change_evaluationscheme",
    "insights.delete_evaluationscheme",
    "insights.change_score",
)
# A figure code, not the exponent of a number such as 1e3.
_CODE = re.compile(r"(?<![\d.])[A-Za-z_]\w*")
_SIGNS = str.maketrans({"*": "×", "/": "÷"})


def may(user, perm: str, scheme: EvaluationScheme) -> bool:
    """A scheme is run by the level it covers; those it evaluates only see their own rows."""
    return user.has_perm(perm) and scope_for(user).covers_region(scheme.region)


def formula_shown(formula: str) -> str:
    """`trainee_times / 3` → `参训人次 ÷ 3`: the figures' Chinese labels and the signs people write."""
    parts, last = [], 0
    for match in _CODE.finditer(formula):
        figure = BY_CODE.get(match.group())
        parts += [formula[last : match.start()].translate(_SIGNS), figure.label if figure else match.group()]
        last = match.end()
    return "".join([*parts, formula[last:].translate(_SIGNS)])


def _commons(indicators: list[Indicator]) -> list[dict]:
    """The indicators under each common the scheme uses, with the common's weight."""
    groups = []
    for code, title in COMMON_CHOICES:
        items = [indicator for indicator in indicators if indicator.common == code]
        if items:
            weight = sum((indicator.weight for indicator in items), Decimal(0))
            groups.append({"code": code, "title": title, "indicators": items, "weight": weight})
    return groups


def _indicators(scheme: EvaluationScheme) -> list[Indicator]:
    indicators = evaluation_selectors.scheme_indicators(scheme)
    for indicator in indicators:
        indicator.formula_shown = formula_shown(indicator.formula)
    return indicators


def _figures(scheme: EvaluationScheme) -> list[dict]:
    """The figures a formula of this scheme may read, by common, for staff writing formulas."""
    codes = evaluation.figure_codes(scheme.subject)
    return [
        {"title": title, "figures": [BY_CODE[c] for c in codes if BY_CODE[c].common == code]}
        for code, title in COMMON_CHOICES
    ]


def _rows(evaluations, commons: list[dict]) -> list[dict]:
    """Each evaluation with its subtotal per common and its points per indicator (from the prefetch)."""
    rows = []
    for row in evaluations:
        points = {score.indicator_id: score.points for score in row.scores.all()}
        subtotals = [
            sum((points.get(i.pk) or Decimal(0) for i in common["indicators"]), Decimal(0)) for common in commons
        ]
        rows.append({"evaluation": row, "subtotals": subtotals, "points": points})
    return rows


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _scheme_page(request: HttpRequest, scheme: EvaluationScheme, *, status: int = 200, **extra) -> HttpResponse:
    """The scheme page; `extra` carries a refused form or message to show again."""
    user = request.user
    indicators = _indicators(scheme)
    commons = _commons(indicators)
    context = {
        "scheme": scheme,
        "commons": commons,
        "weight_total": sum((indicator.weight for indicator in indicators), Decimal(0)),
        "may_change": may(user, CHANGE, scheme),
        "may_delete": may(user, DELETE, scheme),
        "may_copy": may(user, ADD, scheme),
        "may_score": may(user, SCORE, scheme) and scheme.status == SchemeStatus.PUBLISHED,
    }
    if scheme.is_draft:
        if context["may_change"]:
            context["figures"] = _figures(scheme)
            context["indicator_form"] = extra.pop("indicator_form", None) or IndicatorForm()
    else:
        context.update(paginate(request, evaluation_selectors.ranking(user=user, scheme=scheme)))
        context["rows"] = _rows(context["page"].object_list, commons)
    context.update(extra)
    return render(request, "insights/evaluation/scheme_detail.html", context, status=status)


def _refused(request: HttpRequest, scheme: EvaluationScheme, refusal: Exception) -> HttpResponse:
    if isinstance(refusal, ConflictError):
        return _scheme_page(request, scheme, status=409, refusal=[refusal.message])
    return _scheme_page(request, scheme, status=400, refusal=refusal.messages)


# Schemes ----------------------------------------------------------------------------------


@signed_in
def scheme_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = SchemeFilterForm(request.GET, years=evaluation_selectors.evaluation_years(user=user))
    year, status = form.values()
    schemes = evaluation_selectors.scheme_list(user=user, year=year, status=status)
    return render_results(
        request,
        page_template="insights/evaluation/scheme_list.html",
        results_template="insights/evaluation/_scheme_results.html",
        target="scheme-results",
        context={"form": form, "may_create": user.has_perm(ADD), **paginate(request, schemes)},
    )


def _attempt(form, call) -> tuple[object, int]:
    """The service's result, or None with its refusal shown on the form and the status to answer."""
    try:
        return call(), 302
    except ValidationError as error:
        add_service_errors(form, error)
        return None, 400
    except ConflictError as conflict:
        form.add_error(None, conflict.message)
        return None, 409


@permission(ADD)
def scheme_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = SchemeForm(_posted(request), user=user)
    status = 400 if form.is_bound else 200
    if form.is_valid():
        data = form.cleaned_data
        if data["subject"] == EvaluationSubject.REGION:
            data["organization_level"] = ""  # hidden for region schemes: a value left there means nothing
        scheme, status = _attempt(form, lambda: services.scheme_create(actor=user, **data))
        if scheme is not None:
            messages.success(request, CREATED.format(name=scheme.name))
            return redirect("web-evaluation-scheme", scheme.pk)
    return render(request, "insights/evaluation/scheme_form.html", {"form": form}, status=status)


@permission(ADD)
def scheme_copy(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    scheme = evaluation_selectors.scheme_get(user=user, pk=pk)
    if not may(user, ADD, scheme):
        return forbidden(request)
    form = SchemeCopyForm(_posted(request), initial={"year": scheme.year + 1, "name": scheme.name})
    status = 400 if form.is_bound else 200
    if form.is_valid():
        copy, status = _attempt(form, lambda: services.scheme_copy(actor=user, scheme=scheme, **form.cleaned_data))
        if copy is not None:
            messages.success(request, COPIED.format(year=copy.year, name=copy.name))
            return redirect("web-evaluation-scheme", copy.pk)
    return render(request, "insights/evaluation/scheme_copy.html", {"form": form, "scheme": scheme}, status=status)


@signed_in
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = evaluation_selectors.scheme_get(user=request.user, pk=pk)
    if request.GET.get("format") == "xlsx":
        if scheme.is_draft:
            raise Http404("草拟中的方案没有排名。")
        return _ranking_xlsx(request.user, scheme)
    return _scheme_page(request, scheme)


def _scheme_action(request: HttpRequest, pk: int, perm: str, act, done: str) -> HttpResponse:
    """Publish, recompute, close or delete: one service call, back to the page or its refusal."""
    user = request.user
    scheme = evaluation_selectors.scheme_get(user=user, pk=pk)
    if not may(user, perm, scheme):
        return forbidden(request)
    try:
        result = act(actor=user, scheme=scheme)
    except (ValidationError, ConflictError) as refusal:
        return _refused(request, scheme, refusal)
    if result is None:
        messages.success(request, done.format(name=scheme.name))
        return redirect("web-evaluation-list")
    messages.success(request, done.format(count=result.evaluations.count()))
    return redirect("web-evaluation-scheme", scheme.pk)


@permission(CHANGE)
@require_POST
def scheme_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _scheme_action(request, pk, CHANGE, services.scheme_publish, PUBLISHED)


@permission(CHANGE)
@require_POST
def scheme_compute(request: HttpRequest, pk: int) -> HttpResponse:
    return _scheme_action(request, pk, CHANGE, services.scheme_compute, COMPUTED)


@permission(CHANGE)
@require_POST
def scheme_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _scheme_action(request, pk, CHANGE, services.scheme_close, CLOSED)


@permission(DELETE)
@require_POST
def scheme_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _scheme_action(request, pk, DELETE, services.scheme_delete, DELETED)


def _ranking_xlsx(user, scheme: EvaluationScheme) -> HttpResponse:
    """The ranking the viewer may see: rank, subject, total, then every indicator's points."""
    indicators = evaluation_selectors.scheme_indicators(scheme)
    book = Workbook()
    sheet = book.active
    sheet.title = "排名"
    headers = [f"{indicator.name}（{indicator.weight.normalize():f}分）" for indicator in indicators]
    sheet.append(["名次", "考评对象", "总分", *headers, "待人工评分"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in evaluation_selectors.ranking(user=user, scheme=scheme):
        points = {score.indicator_id: score.points for score in row.scores.all()}
        cells = [None if points.get(i.pk) is None else float(points[i.pk]) for i in indicators]
        sheet.append([row.rank, neutralize(row.subject_name), float(row.total), *cells, row.manual_pending])
    sheet.column_dimensions["B"].width = 28
    sheet.freeze_panes = "D2"
    response = HttpResponse(content_type=XLSX)
    name = f"联评联考-{scheme.year}-{scheme.name}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    book.save(response)
    return response


# Indicators -------------------------------------------------------------------------------


@permission(CHANGE)
@require_POST
def indicator_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    scheme = evaluation_selectors.scheme_get(user=user, pk=pk)
    if not may(user, CHANGE, scheme):
        return forbidden(request)
    form = IndicatorForm(request.POST)
    status = 400
    if form.is_valid():
        indicator, status = _attempt(
            form, lambda: services.indicator_add(actor=user, scheme=scheme, **form.arguments())
        )
        if indicator is not None:
            messages.success(request, INDICATOR_ADDED.format(name=indicator.name))
            return redirect(f"{reverse('web-evaluation-scheme', args=[scheme.pk])}#indicator-{indicator.pk}")
    return _scheme_page(request, scheme, status=status, indicator_form=form)


def _indicator(request: HttpRequest, pk: int) -> Indicator:
    return get_in_scope(Indicator.objects.select_related("scheme__region"), request.user, pk=pk)


@permission(CHANGE)
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    indicator = _indicator(request, pk)
    scheme = indicator.scheme
    if not may(user, CHANGE, scheme):
        return forbidden(request)
    fields = ("common", "name", "weight", "method", "formula", "target", "lower_is_better", "guidance", "position")
    form = IndicatorForm(_posted(request), initial={name: getattr(indicator, name) for name in fields})
    status = 400 if form.is_bound else 200
    if form.is_valid():
        saved, status = _attempt(
            form, lambda: services.indicator_update(actor=user, indicator=indicator, **form.arguments())
        )
        if saved is not None:
            messages.success(request, INDICATOR_SAVED.format(name=saved.name))
            return redirect(f"{reverse('web-evaluation-scheme', args=[scheme.pk])}#indicator-{saved.pk}")
    context = {"form": form, "indicator": indicator, "scheme": scheme, "figures": _figures(scheme)}
    return render(request, "insights/evaluation/indicator_form.html", context, status=status)


@permission(CHANGE)
@require_POST
def indicator_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    indicator = _indicator(request, pk)
    scheme = indicator.scheme
    if not may(user, CHANGE, scheme):
        return forbidden(request)
    try:
        services.indicator_remove(actor=user, indicator=indicator)
    except (ValidationError, ConflictError) as refusal:
        return _refused(request, scheme, refusal)
    messages.success(request, INDICATOR_REMOVED.format(name=indicator.name))
    return redirect("web-evaluation-scheme", scheme.pk)


# Evaluations and manual scores ------------------------------------------------------------


def _score_form(score: Score, data=None, files=None, *, compact: bool = False) -> ScoreForm:
    initial = {"points": score.points, "evidence": score.evidence}
    return ScoreForm(data, files, prefix=f"s{score.pk}", initial=initial, compact=compact)


def _evaluation_page(request: HttpRequest, row, *, status: int = 200, failed: ScoreForm | None = None):
    """One evaluated region's or organization's page; `failed` is a refused score form to show again."""
    scheme = row.scheme
    may_score = may(request.user, SCORE, scheme) and scheme.status == SchemeStatus.PUBLISHED
    scores = list(row.scores.all())
    for score in scores:
        score.indicator.formula_shown = formula_shown(score.indicator.formula)
        score.shown_figures = evaluation_selectors.figures_behind(score)
        if may_score and score.indicator.is_manual:
            score.form = failed if failed is not None and failed.prefix == f"s{score.pk}" else _score_form(score)
    commons = _commons([score.indicator for score in scores])
    by_indicator = {score.indicator_id: score for score in scores}
    for common in commons:
        common["scores"] = [by_indicator[indicator.pk] for indicator in common["indicators"]]
        common["points"] = sum((score.points or Decimal(0) for score in common["scores"]), Decimal(0))
    # A score sent from a page gone stale (the year closed since) has no form left to show its refusal on.
    refusal = failed.non_field_errors() if failed is not None and not may_score else []
    context = {"row": row, "scheme": scheme, "commons": commons, "may_score": may_score, "refusal": refusal}
    return render(request, "insights/evaluation/evaluation_detail.html", context, status=status)


@signed_in
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _evaluation_page(request, evaluation_selectors.evaluation_get(user=request.user, pk=pk))


def _pending_page(request: HttpRequest, scheme, *, status: int = 200, failed: ScoreForm | None = None):
    scores = list(evaluation_selectors.manual_scores_pending(user=request.user, scheme=scheme))
    for score in scores:
        mine = failed is not None and failed.prefix == f"s{score.pk}"
        score.form = failed if mine else _score_form(score, compact=True)
    groups = [(indicator, list(items)) for indicator, items in groupby(scores, key=lambda score: score.indicator)]
    context = {
        "scheme": scheme,
        "groups": groups,
        "count": len(scores),
        "open": scheme.status == SchemeStatus.PUBLISHED,
    }
    return render(request, "insights/evaluation/pending.html", context, status=status)


@permission(SCORE)
def pending(request: HttpRequest, pk: int) -> HttpResponse:
    """The manual scores still to give, indicator by indicator: the scheme's own level works through them."""
    scheme = evaluation_selectors.scheme_get(user=request.user, pk=pk)
    if not may(request.user, SCORE, scheme):
        return forbidden(request)
    return _pending_page(request, scheme)


def _score(request: HttpRequest, pk: int) -> Score:
    queryset = Score.objects.select_related("indicator", "evaluation__scheme__region", "evaluation__region")
    return get_in_scope(queryset.select_related("evaluation__organization"), request.user, pk=pk)


@permission(SCORE)
@require_POST
def score(request: HttpRequest, pk: int) -> HttpResponse:
    """A manual score from the evaluation page or the queue (`next=pending`), back where it came from."""
    user = request.user
    given = _score(request, pk)
    scheme = given.evaluation.scheme
    if not may(user, SCORE, scheme):
        return forbidden(request)
    from_queue = request.POST.get("next") == "pending"
    form = _score_form(given, request.POST, request.FILES, compact=from_queue)
    status = 400
    if form.is_valid():
        saved, status = _attempt(form, lambda: services.score_manual(actor=user, score=given, **form.cleaned_data))
        if saved is not None:
            subject, indicator = given.evaluation.subject_name, given.indicator.name
            messages.success(request, SCORED.format(subject=subject, indicator=indicator, points=saved.points))
            if from_queue:
                return redirect("web-evaluation-pending", scheme.pk)
            return redirect(f"{reverse('web-evaluation-detail', args=[given.evaluation_id])}#score-{given.pk}")
    if from_queue:
        return _pending_page(request, scheme, status=status, failed=form)
    row = evaluation_selectors.evaluation_get(user=user, pk=given.evaluation_id)
    return _evaluation_page(request, row, status=status, failed=form)


@signed_in
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """A manual score's evidence file, for whoever may see the score (files are not served publicly)."""
    given = _score(request, pk)
    if not given.evidence_file:
        raise Http404("没有佐证材料。")
    name = PurePath(given.evidence_file.name).name
    return FileResponse(given.evidence_file.open("rb"), as_attachment=True, filename=name)
