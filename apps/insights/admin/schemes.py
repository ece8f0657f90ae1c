"""Schemes and their indicators: drafted through the services, published, recomputed, closed, copied."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apps.core.admin import NO_PERMISSION, ServiceAdmin, ServiceForm, run_action
from apps.core.exceptions import ConflictError
from apps.insights import evaluation, evaluation_selectors, services
from apps.insights.admin.common import (
    CLOSED,
    CODES_HELP,
    COMMONS,
    COMPUTED,
    COPIED,
    INDICATOR_FIELDS,
    NONE,
    PUBLISHED,
    REGION_ONLY,
    SchemeYearFilter,
)
from apps.insights.models import (
    EvaluationScheme,
    EvaluationSubject,
    Indicator,
)
from apps.insights.scorecard import BY_CODE
from apps.organizations.admin import ScopedAdminMixin

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
