"""Joint evaluation (联评联考) in the Django admin: scoped, every write through apps.insights.services.

Who sees what (apps.organizations.scoping): a scheme by its region and by those it evaluates (a
county sees the city's scheme through its own row); an evaluation and its scores by the region or
organization evaluated. Anything else is absent from every changelist, filter and export (404).

A scheme is drafted through scheme_create, its indicators through the inline (indicator_add,
indicator_update, indicator_remove) while it is a draft; the scheme's own fields never change.
Changelist actions publish, recompute, close and copy it to the next year; only a draft is deleted.
Evaluations and formula scores are read, each score with the figures behind it; a manual score is
given on its page (score_manual). Rankings export to xlsx, a column per indicator (resources.py).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apps.core.admin import NO_PERMISSION, ReadOnlyAdmin, ServiceAdmin, ServiceForm, ServiceImportExportMixin
from apps.core.exceptions import ConflictError
from apps.insights import evaluation, evaluation_selectors, services
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
from apps.insights.resources import EvaluationRankingResource
from apps.insights.scorecard import BY_CODE
from apps.organizations.admin import ScopedAdminMixin
from apps.organizations.admin_cobuilding import ReadOnlyInline, run_action
from apps.organizations.scoping import scope_for

PUBLISHED = "已发布 {count} 个方案。"
COMPUTED = "已重新计算 {count} 个方案。"
CLOSED = "已定档 {count} 个方案。"
COPIED = "已将 {count} 个方案复制为下一年度的草拟方案。"
CODES_HELP = "在指标的“计算公式”中用下列代码与数字、+ - * / 和括号组成公式，例如 trainee_times / 100。"
REGION_ONLY = "仅考评区划时可用"
NO_DATA = "无数据"
NONE = "-"
COMMONS = dict(COMMON_CHOICES)
SCORING_FIELDS = ("method", "formula", "target", "lower_is_better")
INDICATOR_FIELDS = ("common", "name", "weight", *SCORING_FIELDS, "guidance", "position")
SCORE_RELATED = ("evaluation__scheme", "evaluation__region", "evaluation__organization", "indicator", "scored_by")


# Filters -------------------------------------------------------------------------------------


class SchemeYearFilter(admin.SimpleListFilter):
    """The years of the schemes the user sees (a plain field filter would list every scheme's)."""

    title = "年度"
    parameter_name = "year"
    year_lookup = "year"

    def lookups(self, request, model_admin):
        return [(str(year), f"{year}年") for year in evaluation_selectors.evaluation_years(user=request.user)]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.year_lookup: int(value)}) if value and value.isdigit() else queryset


class EvaluationYearFilter(SchemeYearFilter):
    year_lookup = "scheme__year"


class ScoreYearFilter(SchemeYearFilter):
    year_lookup = "evaluation__scheme__year"


class ScoringFilter(admin.SimpleListFilter):
    title = "评分"
    parameter_name = "scoring"

    def lookups(self, request, model_admin):
        return [("pending", "人工评分：待评分"), ("given", "人工评分：已评分"), ("formula", "按平台数据计算")]

    def queryset(self, request, queryset):
        if self.value() == "formula":
            return queryset.filter(indicator__method=IndicatorMethod.FORMULA)
        if self.value() in ("pending", "given"):
            manual = queryset.filter(indicator__method=IndicatorMethod.MANUAL)
            return manual.filter(points__isnull=self.value() == "pending")
        return queryset


# Schemes and their indicators ----------------------------------------------------------------


class SchemeForm(ServiceForm):
    """Add: scheme_create; a draft's year, name and notes: scheme_update (the indicators: the inline)."""

    conflict_field = "name"

    class Meta:
        model = EvaluationScheme
        fields = ("year", "name", "region", "subject", "organization_level", "notes")

    def write(self, data):
        if self.instance.pk is not None:
            changed = {name: data[name] for name in ("year", "name", "notes") if name in self.changed_data}
            if not changed:
                return self.instance
            return services.scheme_update(actor=self.actor, scheme=self.instance, **changed)
        scheme = services.scheme_create(actor=self.actor, **data)
        # The indicators' formset was built on this very object: it must see the new scheme's id.
        self.instance.__dict__.update(scheme.__dict__)
        return self.instance


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = INDICATOR_FIELDS
        widgets = {"guidance": forms.Textarea(attrs={"rows": 2, "cols": 30})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:  # left blank, a new indicator goes last (indicator_add numbers it)
            self.fields["position"].required, self.fields["position"].initial = False, None

    def _post_clean(self):
        pass  # the services judge an indicator, with its scheme (weights, formula, draft)


class IndicatorFormSet(BaseInlineFormSet):
    """Each removed, changed and new indicator through its service, when the formset is judged.

    By then the scheme form has written a new scheme (ServiceForm), so a refusal lands on the
    indicator's own field, and the page's transaction takes the whole submission back. Removals
    go first and lowered weights before raised ones, so moving points between indicators does not
    trip the 100-point ceiling halfway.
    """

    actor = None

    def clean(self):
        super().clean()
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        if self.instance.pk is None or any(self._errors):
            return
        removed = [form for form in self.initial_forms if self._should_delete_form(form)]
        changed = [form for form in self.initial_forms if form not in removed and form.has_changed()]
        added = [form for form in self.extra_forms if form.has_changed() and not self._should_delete_form(form)]
        for form in removed:
            if self._call(form, services.indicator_remove, indicator=form.instance):
                self.deleted_objects.append(form.instance)
        for form in sorted(changed, key=lambda form: form.cleaned_data["weight"] - form.instance.weight):
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name in INDICATOR_FIELDS}
            if self._call(form, services.indicator_update, indicator=form.instance, **fields):
                self.changed_objects.append((form.instance, form.changed_data))
        for form in added:
            fields = {name: form.cleaned_data.get(name) for name in INDICATOR_FIELDS}
            fields["formula"], fields["guidance"] = fields["formula"] or "", fields["guidance"] or ""
            if indicator := self._call(form, services.indicator_add, scheme=self.instance, **fields):
                self.new_objects.append(indicator)

    def _call(self, form, service, **kwargs):
        try:
            with transaction.atomic():
                return service(actor=self.actor, **kwargs) or True
        except ValidationError as exc:
            for field, errors in exc.update_error_dict({}).items():
                form.add_error(field if field in form.fields else None, errors)
        except ConflictError as exc:
            form.add_error("name", exc.message)  # a same-named indicator, or no longer a draft
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or NO_PERMISSION)
        return None

    def save(self, commit=True):
        return self.new_objects  # written in clean() through the services


class IndicatorInline(admin.TabularInline):
    """Edited while the scheme is a draft; read, as the scheme's record, once it is published."""

    model = Indicator
    form = IndicatorForm
    formset = IndicatorFormSet
    fields = INDICATOR_FIELDS
    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"actor": request.user})

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("position", "id")

    def has_add_permission(self, request, obj=None):
        return (obj is None or obj.is_draft) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (obj is None or obj.is_draft) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.is_draft) and super().has_delete_permission(request, obj)


def _scheme_action(service, done: str, description: str):
    @admin.action(permissions=["change"], description=description)
    def action(modeladmin, request, queryset):
        run_action(modeladmin, request, queryset, lambda scheme: service(actor=request.user, scheme=scheme), done)

    action.__name__ = service.__name__.replace("scheme_", "") + "_selected"
    return action


publish_selected = _scheme_action(services.scheme_publish, PUBLISHED, "发布所选方案")
compute_selected = _scheme_action(services.scheme_compute, COMPUTED, "按最新数据重新计算")
close_selected = _scheme_action(services.scheme_close, CLOSED, "定档所选方案")


@admin.action(permissions=["add"], description="复制为下一年度方案")
def copy_selected(modeladmin, request, queryset):
    def copy(scheme):
        services.scheme_copy(actor=request.user, scheme=scheme, year=scheme.year + 1, name=scheme.name)

    run_action(modeladmin, request, queryset, copy, COPIED)


def figure_table(subject: str) -> str:
    """The codes a formula of this kind of scheme may read; before the kind is chosen, all of them."""
    for_organizations = set(evaluation.figure_codes(EvaluationSubject.ORGANIZATION))
    rows = [
        (code, figure.label, figure.unit, COMMONS.get(figure.common, ""))
        + ("" if subject or code in for_organizations else REGION_ONLY,)
        for code in evaluation.figure_codes(subject or EvaluationSubject.REGION)
        for figure in [BY_CODE[code]]
    ]
    body = format_html_join("", "<tr><td><code>{}</code></td><td>{}（{}）</td><td>{}</td><td>{}</td></tr>", rows)
    head = "<tr><th>代码</th><th>指标（单位）</th><th>所属“六共”</th><th></th></tr>"
    return format_html("<p>{}</p><table>" + head + "{}</table>", CODES_HELP, body)


@admin.register(EvaluationScheme)
class EvaluationSchemeAdmin(ScopedAdminMixin, ServiceAdmin):
    form = SchemeForm
    inlines = (IndicatorInline,)
    actions = (publish_selected, compute_selected, close_selected, copy_selected)
    list_display = ("year", "name", "region", "kind", "status", "indicators", "weight_total", "ranked", "computed_at")
    list_display_links = ("name",)
    list_filter = (SchemeYearFilter, "status", "subject", "region__level")
    search_fields = ("name", "region__name")
    date_hierarchy = "published_at"
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    show_full_result_count = False

    state_fields = ("status", "weight_total", "ranked", "created_by", "created_at", "published_at", "computed_at")

    def get_queryset(self, request):
        # Scoped, with each scheme's indicator count, weight total and evaluation count.
        return evaluation_selectors.scheme_list(user=request.user)

    def get_changeform_initial_data(self, request):
        return {"year": timezone.localdate().year, **super().get_changeform_initial_data(request)}

    def get_fieldsets(self, request, obj=None):
        scheme = (None, {"fields": SchemeForm.Meta.fields})
        codes = ("公式可用的指标代码", {"fields": ("formula_codes",), "classes": ("collapse",)})
        return (scheme, codes) if obj is None else (scheme, ("状态", {"fields": self.state_fields}), codes)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("formula_codes",)
        # A draft's year, name and notes may be corrected; where and whom it evaluates are fixed.
        fixed = ("region", "subject", "organization_level") if obj.is_draft else SchemeForm.Meta.fields
        return (*fixed, *self.state_fields, "formula_codes")

    def has_change_permission(self, request, obj=None):
        # A published scheme is the year's record: its indicators are read, never changed.
        return (obj is None or obj.is_draft) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.is_draft) and super().has_delete_permission(request, obj)

    def delete_through_service(self, request, obj):
        services.scheme_delete(actor=request.user, scheme=obj)

    def get_deleted_objects(self, objs, request):
        # scheme_delete says which schemes may go (drafts only), naming each it refuses; the
        # permissions on the rows a published one would take along would only answer 403.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A new scheme is written before its indicators are judged; when one is refused, the page
        # comes back with its errors and nothing stays written.
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            refused = request.method == "POST" and response.status_code == 200
            if refused:
                transaction.set_rollback(True)
        if refused and object_id is None and getattr(response, "context_data", None):
            scheme = response.context_data["adminform"].form.instance
            scheme.pk, scheme._state.adding = None, True
        return response

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            formset.save()  # the indicators' services ran in the formset's clean()

    @admin.display(description="考评对象", ordering="subject")
    def kind(self, scheme: EvaluationScheme) -> str:
        if scheme.subject == EvaluationSubject.ORGANIZATION:
            return f"{scheme.get_organization_level_display()}群团组织"
        return scheme.get_subject_display()

    @admin.display(description="指标数", ordering="indicator_count")
    def indicators(self, scheme: EvaluationScheme) -> int:
        return scheme.indicator_count or 0

    @admin.display(description="分值合计", ordering="weight_total")
    def weight_total(self, scheme: EvaluationScheme):
        return scheme.weight_total or 0

    @admin.display(description="考评结果")
    def ranked(self, scheme: EvaluationScheme) -> str:
        if not scheme.evaluation_count:
            return NONE
        url = reverse("admin:insights_evaluation_changelist") + f"?scheme__id__exact={scheme.pk}"
        return format_html('<a href="{}">{} 个</a>', url, scheme.evaluation_count)

    @admin.display(description="可用的指标代码")
    def formula_codes(self, scheme: EvaluationScheme) -> str:
        return figure_table(scheme.subject)


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
