"""Evaluations and their scores: read, a manual score given on its page, rankings exported."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import format_html, format_html_join

from apps.core.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, ServiceForm, ServiceImportExportMixin
from apps.insights import evaluation_selectors, services
from apps.insights.admin.common import (
    NO_DATA,
    NONE,
    SCORE_RELATED,
    EvaluationYearFilter,
    ScoreYearFilter,
    ScoringFilter,
)
from apps.insights.models import (
    Evaluation,
    SchemeStatus,
    Score,
)
from apps.insights.resources import EvaluationRankingResource
from apps.organizations.admin import ScopedAdminMixin
from apps.organizations.scoping import scope_for

# Evaluations and scores ------------------------------------------------------------------------


class ScoreDisplayMixin:
    @admin.display(description="评分方式", ordering="indicator__method")
    def method(self, score: Score) -> str:
        return score.indicator.get_method_display()

    @admin.display(description="所依据的数据")
    def figures_shown(self, score: Score) -> str:
        behind = evaluation_selectors.figures_behind(score)
        shown = [(f.label, f.code, NO_DATA if f.value is None else f.value, f.unit) for f in behind]
        if not shown:
            return NONE
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}（<code>{}</code>）：{} {}</li>", shown))


class ScoreInline(ScoreDisplayMixin, ReadOnlyInline):
    """Each indicator's score, with the figures its formula read or the evidence given."""

    model = Score
    fields = ("indicator", "method", "value", "figures_shown", "points", "evidence", "evidence_file", "scored_by")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        related = ("indicator", "scored_by", "evaluation__region", "evaluation__organization")
        return super().get_queryset(request).select_related(*related).order_by("indicator__position", "indicator_id")


@admin.register(Evaluation)
class EvaluationAdmin(ScopedAdminMixin, ServiceImportExportMixin, ReadOnlyAdmin):
    """Written by publishing and computing a scheme; read here, with every score behind the total."""

    inlines = (ScoreInline,)
    resource_classes = [EvaluationRankingResource]
    list_display = ("subject", "scheme", "rank", "total", "manual_pending", "computed_at")
    list_filter = (("scheme", admin.RelatedOnlyFieldListFilter), EvaluationYearFilter)
    search_fields = ("region__name", "organization__name")
    list_select_related = ("scheme", "region", "organization")
    ordering = ("-scheme__year", "scheme__name", "scheme_id", "rank", "id")
    fields = ("scheme", "subject", "rank", "total", "manual_pending", "computed_at")
    show_full_result_count = False

    @admin.display(description="考评对象", ordering="region__code")
    def subject(self, row: Evaluation) -> str:
        return row.subject_name


class ReplaceOnlyFileWidget(AdminFileWidget):
    """score_manual replaces the evidence file, never removes it: no "clear" box to tick in vain."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["required"] = True  # hides the box only; the upload stays optional
        return context


class ScoreForm(ServiceForm):
    """A manual score: score_manual with the points, the evidence and perhaps its file."""

    class Meta:
        model = Score
        fields = ("points", "evidence", "evidence_file")
        widgets = {"evidence_file": ReplaceOnlyFileWidget}

    def write(self, data):
        upload = data.get("evidence_file")
        return services.score_manual(
            actor=self.actor,
            score=self.instance,
            points=data.get("points"),
            evidence=data.get("evidence") or "",
            evidence_file=upload if isinstance(upload, UploadedFile) else None,
        )


@admin.register(Score)
class ScoreAdmin(ScoreDisplayMixin, ScopedAdminMixin, ServiceAdmin):
    form = ScoreForm
    list_display = ("subject", "indicator", "scheme", "method", "value", "points", "state", "scored_by", "scored_at")
    list_filter = (ScoringFilter, ("evaluation__scheme", admin.RelatedOnlyFieldListFilter), ScoreYearFilter)
    search_fields = ("evaluation__region__name", "evaluation__organization__name", "indicator__name")
    date_hierarchy = "scored_at"
    list_select_related = SCORE_RELATED
    ordering = ("-evaluation__scheme_id", "evaluation__rank", "evaluation_id", "indicator__position")
    show_full_result_count = False

    record_fields = ("evaluation", "indicator", "rules")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*SCORE_RELATED, "evaluation__scheme__region")

    def get_fields(self, request, obj=None):
        if obj is not None and not obj.indicator.is_manual:
            return (*self.record_fields, "value", "figures_shown", "points")
        return (*self.record_fields, "points", "evidence", "evidence_file", "scored_by", "scored_at")

    def get_readonly_fields(self, request, obj=None):
        return (*self.record_fields, "value", "figures_shown", "scored_by", "scored_at")

    def has_add_permission(self, request):
        return False  # an evaluation's scores come with publishing its scheme

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        # The form only where score_manual would take it: a manual indicator of a published scheme,
        # scored by the scheme's own level. Those evaluated read their score; the service still judges.
        scheme = obj.evaluation.scheme
        return (
            obj.indicator.is_manual
            and scheme.status == SchemeStatus.PUBLISHED
            and scope_for(request.user).covers_region(scheme.region)
            and super().has_change_permission(request, obj)
        )

    @admin.display(description="考评对象", ordering="evaluation__region__code")
    def subject(self, score: Score) -> str:
        return score.evaluation.subject_name

    @admin.display(description="方案", ordering="evaluation__scheme__year")
    def scheme(self, score: Score) -> str:
        return str(score.evaluation.scheme)

    @admin.display(description="分值与评分细则")
    def rules(self, score: Score) -> str:
        indicator = score.indicator
        return f"{indicator.weight} 分；{indicator.guidance}" if indicator.guidance else f"{indicator.weight} 分"

    @admin.display(description="评分状态")
    def state(self, score: Score) -> str:
        if not score.indicator.is_manual:
            return NONE
        return "待评分" if score.points is None else "已评分"
