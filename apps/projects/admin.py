"""Integrated services in the Django admin: scoped, every write through the services.

Who sees what (as everywhere): a project by its service region, its lead's subtree and to
the users of every organization taking part; a bundle by its lead and to the users of its
members' leads; a service record by the person's region or the serving unit; a project's
spending with its project. Anything else is absent from every changelist, choice and
export, and its pages answer 404.

A project is added and changed through services.project_create / project_update (the
participants picked per role on the form), its goals through goal_add / goal_delete (the
inline), and started, finished or cancelled by changelist actions; projects and service
records import and export as spreadsheets (resources.py). A bundle is made from chosen
projects (bundle_create), renamed or re-budgeted (bundle_update) and undone
(bundle_delete); its members and rolled-up figures are read here. A service record is
added (service_record_create) and deleted (service_record_delete), never edited. Project
spending is written only by project_expense_record and listed here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from apps.core.admin import (
    NO_PERMISSION,
    ReadOnlyAdmin,
    ServiceAdmin,
    ServiceForm,
    ServiceImportExportMixin,
    run_action,
)
from apps.core.date_hierarchy import SkipScanChangeList
from apps.core.pagination import BoundedCountPaginator
from apps.organizations.admin import RegionSubtreeFilter, ScopedAdminMixin
from apps.organizations.models import Organization
from apps.organizations.scoping import scoped
from apps.projects import selectors, services
from apps.projects.models import (
    Bundle,
    ContentCategory,
    Goal,
    PolicyStandard,
    ProjectExpense,
    ProjectRole,
    ServiceProject,
    ServiceRecord,
    ServiceType,
    WorkNature,
)
from apps.projects.resources import ServiceProjectResource, ServiceRecordResource
from apps.projects.services.projects import EDITABLE

PARTICIPANTS_HELP = "牵头组织本身无需选择；同一组织只按一种角色参与。"
BUDGET_HELP = "留空则为所选项目预算之和；共同目标按各项目目标汇总生成。"
UNIT_HELP = "留空则为项目的牵头组织；须为项目的牵头或参与组织。"
STARTED = "已启动 {count} 个项目。"
FINISHED = "已结项 {count} 个项目。"
CANCELLED = "已取消 {count} 个项目。"

# role → the form field that picks the organizations taking part in it
ROLE_FIELDS = {
    ProjectRole.CO_LEAD: "co_leads",
    ProjectRole.PARTNER: "partners",
    ProjectRole.SUPPORT: "supporters",
}


def _in_place(instance, saved):
    """Make the form's own instance the row the service wrote.

    The admin built the inline formsets on that very object before the form was
    validated; this way they see the saved project (and its id) too.
    """
    instance.__dict__.update(saved.__dict__)
    return instance


# Reference data -----------------------------------------------------------------------------


@admin.register(PolicyStandard)
class PolicyStandardAdmin(admin.ModelAdmin):
    """Entered by the province: the policy documents and the standards they set."""

    list_display = ("name", "code", "document", "sort_order")
    search_fields = ("name", "code", "document")
    ordering = ("sort_order", "id")


@admin.register(WorkNature)
class WorkNatureAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sort_order")
    search_fields = ("name", "code")
    ordering = ("sort_order", "id")


@admin.register(ContentCategory)
class ContentCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sort_order")
    search_fields = ("name", "code")
    ordering = ("sort_order", "id")


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "unit", "one_off", "category", "sort_order")
    list_filter = ("one_off", "category")
    search_fields = ("name", "code")
    list_select_related = ("category",)
    ordering = ("sort_order", "id")


# Projects -----------------------------------------------------------------------------------


class ServiceProjectForm(ServiceForm):
    """Add and change: one project_create or project_update call, participants included."""

    co_leads = forms.ModelMultipleChoiceField(
        label="联合牵头组织", queryset=Organization.objects.none(), required=False, help_text=PARTICIPANTS_HELP
    )
    partners = forms.ModelMultipleChoiceField(
        label="协同实施组织", queryset=Organization.objects.none(), required=False
    )
    supporters = forms.ModelMultipleChoiceField(
        label="配合参与组织", queryset=Organization.objects.none(), required=False
    )
    conflict_field = "name"
    service_fields = {"participants": "partners"}

    class Meta:
        model = ServiceProject
        fields = (
            "name",
            "lead_organization",
            "policy_standard",
            "work_nature",
            "content_category",
            "service_types",
            "region",
            "target_tags",
            "min_age",
            "max_age",
            "gender",
            "fund",
            "budget",
            "start_date",
            "end_date",
            "description",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for participant in self.instance.participants.all():
                self.initial.setdefault(ROLE_FIELDS[participant.role], []).append(participant.organization_id)

    def _participants(self, data) -> list[tuple[Organization, str]]:
        return [(org, role) for role, field in ROLE_FIELDS.items() for org in data.get(field) or ()]

    def write(self, data):
        if self.instance.pk is None:
            project = services.project_create(
                actor=self.actor,
                name=data["name"],
                lead_organization=data["lead_organization"],
                policy_standard=data["policy_standard"],
                work_nature=data["work_nature"],
                content_category=data["content_category"],
                service_types=data["service_types"],
                region=data["region"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                participants=self._participants(data),
                target_tags=data.get("target_tags") or (),
                min_age=data.get("min_age"),
                max_age=data.get("max_age"),
                gender=data.get("gender") or "",
                fund=data.get("fund"),
                budget=data["budget"],
                description=data.get("description") or "",
            )
            return _in_place(self.instance, project)
        changed = set(self.changed_data)
        changes = {field: data[field] for field in changed if field in EDITABLE}
        if "service_types" in changed:
            changes["service_types"] = data["service_types"]
        if "target_tags" in changed:
            changes["target_tags"] = data["target_tags"]
        if changed & set(ROLE_FIELDS.values()):
            changes["participants"] = self._participants(data)
        if not changes:
            return self.instance
        project = services.project_update(actor=self.actor, project=self.instance, **changes)
        return _in_place(self.instance, project)


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ("name", "metric", "service_type", "target")

    def _post_clean(self):
        # goal_add judges the goal (target, the service a quantity goal counts), with the project.
        pass


class GoalFormSet(BaseInlineFormSet):
    """New goals through goal_add and removed ones through goal_delete, when the formset is judged.

    By then the project form has written the project (ServiceForm), so a goal's refusal can
    land on its own field; the page's transaction takes the whole submission back.
    """

    actor = None

    def clean(self):
        super().clean()
        self.added: list[Goal] = []
        self.removed: list[Goal] = []
        if self.instance.pk is None or any(self._errors):
            return
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                if form.instance.pk is not None:
                    self._call(form, services.goal_delete, actor=self.actor, goal=form.instance)
                    self.removed.append(form.instance)
            elif form.instance.pk is None and form.has_changed():
                data = form.cleaned_data
                goal = self._call(
                    form,
                    services.goal_add,
                    actor=self.actor,
                    project=self.instance,
                    name=data["name"],
                    metric=data["metric"],
                    target=data["target"],
                    service_type=data.get("service_type"),
                )
                if goal is not None:
                    self.added.append(goal)

    @staticmethod
    def _call(form, service, **kwargs):
        try:
            with transaction.atomic():
                return service(**kwargs)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                form.add_error(None, exc)
            for field, errors in getattr(exc, "error_dict", {}).items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or NO_PERMISSION)
        return None

    def save(self, commit=True):
        # Written in clean() through the services; here only what the admin's history logs.
        self.new_objects, self.changed_objects, self.deleted_objects = self.added, [], self.removed
        return self.added


class GoalInline(admin.TabularInline):
    model = Goal
    fk_name = "project"
    form = GoalForm
    formset = GoalFormSet
    fields = ("name", "metric", "service_type", "target")
    extra = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"actor": request.user})

    def has_change_permission(self, request, obj=None):
        return False  # a goal is added or removed, never edited in place


@admin.action(permissions=["change"], description="启动所选项目")
def start_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda project: services.project_set_status(actor=request.user, project=project, action="start"),
        STARTED,
    )


@admin.action(permissions=["change"], description="结项所选项目")
def finish_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda project: services.project_set_status(actor=request.user, project=project, action="finish"),
        FINISHED,
    )


@admin.action(permissions=["change"], description="取消所选项目")
def cancel_selected(modeladmin, request, queryset):
    run_action(
        modeladmin,
        request,
        queryset,
        lambda project: services.project_set_status(actor=request.user, project=project, action="cancel"),
        CANCELLED,
    )


class BundledFilter(admin.SimpleListFilter):
    title = "是否已捆绑"
    parameter_name = "bundled"

    def lookups(self, request, model_admin):
        return [("yes", "已捆绑"), ("no", "未捆绑")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(bundle__isnull=self.value() == "no")
        return queryset


@admin.register(ServiceProject)
class ServiceProjectAdmin(ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = ServiceProjectForm
    inlines = (GoalInline,)
    resource_classes = [ServiceProjectResource]
    actions = (start_selected, finish_selected, cancel_selected)
    list_display = (
        "name",
        "lead_organization",
        "content_category",
        "work_nature",
        "policy_standard",
        "status",
        "bundle",
        "budget",
        "spent",
        "people_served",
        "start_date",
        "end_date",
    )
    list_filter = (
        "status",
        "content_category",
        "work_nature",
        ("policy_standard", admin.RelatedOnlyFieldListFilter),
        ("lead_organization__federation", admin.RelatedFieldListFilter),
        BundledFilter,
        RegionSubtreeFilter,
    )
    date_hierarchy = "start_date"
    search_fields = ("name", "lead_organization__name")
    list_select_related = ("lead_organization", "content_category", "work_nature", "policy_standard", "bundle")
    autocomplete_fields = ("lead_organization", "region", "fund")
    ordering = ("-start_date", "-id")
    show_full_result_count = False

    record_fields = ("status", "bundle", "figures", "created_by", "created_at", "updated_at")

    def get_queryset(self, request):
        return selectors.with_figures(super().get_queryset(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        organizations = self.related_queryset(Organization, request)
        for field in ROLE_FIELDS.values():
            if field in form.base_fields:
                choices = form.base_fields[field]
                current = obj.participants.values("organization") if obj is not None else []
                choices.queryset = organizations | Organization.objects.filter(pk__in=current)
                choices.widget = AutocompleteSelectMultiple(
                    ServiceProject._meta.get_field("lead_organization"), self.admin_site
                )
        return form

    def get_fields(self, request, obj=None):
        first, rest = ServiceProjectForm._meta.fields[:2], ServiceProjectForm._meta.fields[2:]
        if obj is None:
            return (*first, *ROLE_FIELDS.values(), *rest)
        if not self.has_change_permission(request, obj):
            # A page only to read: who takes part, as one line, instead of three pickers.
            return (*first, "participant_list", *rest, *self.record_fields)
        return (*first, *ROLE_FIELDS.values(), *rest, *self.record_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else (*self.record_fields, "participant_list")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("service_types", "target_tags"):
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # a project is cancelled, and stays as the record of what it did

    @admin.display(description="已支出（元）", ordering="spent")
    def spent(self, project: ServiceProject):
        return project.spent

    @admin.display(description="服务人数", ordering="people_served")
    def people_served(self, project: ServiceProject):
        # The project's records, where the records' list has no project filter (see ServiceRecordAdmin).
        records = reverse("admin:projects_servicerecord_changelist")
        return format_html('<a href="{}?project__id__exact={}">{}</a>', records, project.pk, project.people_served)

    @admin.display(description="参与组织")
    def participant_list(self, project: ServiceProject) -> str:
        participants = project.participants.select_related("organization").order_by("id")
        return "、".join(f"{p.organization.name}（{p.get_role_display()}）" for p in participants) or "-"

    @admin.display(description="完成情况")
    def figures(self, project: ServiceProject) -> str:
        figures = selectors.project_figures(project)
        lines = [
            ("服务人数", figures.people),
            ("服务人次", figures.records),
            ("已支出（元）", f"{figures.spent} / 预算 {figures.budget}"),
            *((progress.goal.name, f"{progress.achieved:f} / {progress.goal.target:f}") for progress in figures.goals),
        ]
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}：{}</li>", lines))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form's service call writes before the goals are judged; when one of them is
        # refused, the page comes back with its errors and nothing stays written.
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if request.method == "POST" and response.status_code == 200:
                transaction.set_rollback(True)
        return response

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            formset.save()  # the goals' services ran in the formset's clean()


# Bundles ------------------------------------------------------------------------------------


class BundleAddForm(ServiceForm):
    projects = forms.ModelMultipleChoiceField(label="捆绑的服务项目", queryset=ServiceProject.objects.none())

    class Meta:
        model = Bundle
        fields = ("name", "lead_organization", "budget", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        budget = self.fields["budget"]
        budget.required, budget.initial, budget.help_text = False, None, BUDGET_HELP
        self.initial.pop("budget", None)

    def write(self, data):
        return services.bundle_create(
            actor=self.actor,
            name=data["name"],
            lead_organization=data["lead_organization"],
            projects=data["projects"],
            budget=data.get("budget"),
            description=data.get("description") or "",
        )


class BundleChangeForm(ServiceForm):
    class Meta:
        model = Bundle
        fields = ("name", "lead_organization", "budget", "description")

    def write(self, data):
        changes = {field: data[field] for field in self.changed_data}
        if not changes:
            return self.instance
        return services.bundle_update(actor=self.actor, bundle=self.instance, **changes)


@admin.register(Bundle)
class BundleAdmin(ScopedAdminMixin, ServiceAdmin):
    form = BundleChangeForm
    add_form = BundleAddForm
    list_display = (
        "name",
        "lead_organization",
        "project_count",
        "people_served",
        "records_count",
        "budget",
        "spent",
        "updated_at",
    )
    list_filter = (("lead_organization__federation", admin.RelatedFieldListFilter),)
    search_fields = ("name", "lead_organization__name")
    list_select_related = ("lead_organization",)
    autocomplete_fields = ("lead_organization",)
    show_full_result_count = False

    record_fields = ("members", "figures", "created_by", "created_at", "updated_at")

    def get_queryset(self, request):
        # Scoped, with each bundle's rolled-up figures (a person served by two members counted once).
        return selectors.bundle_list(user=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            projects = form.base_fields["projects"]
            projects.queryset = selectors.bundle_candidates(user=request.user)
            # Any in-scope project is offered as typed; bundle_create says why one may not join.
            projects.widget = AutocompleteSelectMultiple(ServiceRecord._meta.get_field("project"), self.admin_site)
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "lead_organization", "projects", "budget", "description")
        return (*BundleChangeForm._meta.fields, *self.record_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.record_fields

    def delete_through_service(self, request, obj):
        services.bundle_delete(actor=request.user, bundle=obj)

    @admin.display(description="项目数", ordering="project_count")
    def project_count(self, bundle: Bundle) -> int:
        return bundle.project_count

    @admin.display(description="服务人数（去重）", ordering="people_served")
    def people_served(self, bundle: Bundle) -> int:
        return bundle.people_served

    @admin.display(description="服务人次", ordering="records_count")
    def records_count(self, bundle: Bundle) -> int:
        return bundle.records_count

    @admin.display(description="已支出（元）", ordering="spent")
    def spent(self, bundle: Bundle):
        return bundle.spent

    def _figures(self, bundle: Bundle) -> selectors.BundleFigures:
        if getattr(bundle, "_admin_figures", None) is None:
            bundle._admin_figures = selectors.bundle_figures(bundle)
        return bundle._admin_figures

    @admin.display(description="成员项目")
    def members(self, bundle: Bundle) -> str:
        rows = [
            (
                reverse("admin:projects_serviceproject_change", args=[project.pk]),
                project.name,
                project.lead_organization.name,
                project.people_served,
                project.records_count,
                project.budget,
            )
            for project in self._figures(bundle).members
        ]
        if not rows:
            return "-"
        items = format_html_join("", '<li><a href="{}">{}</a>（{}；服务 {} 人、{} 人次；预算 {} 元）</li>', rows)
        return format_html("<ul>{}</ul>", items)

    @admin.display(description="汇总情况")
    def figures(self, bundle: Bundle) -> str:
        figures = self._figures(bundle)
        totals = figures.totals
        lines = [
            ("服务人数（去重）", totals.people),
            ("多个成员项目重复服务的人数", figures.people_counted_twice),
            ("服务人次", totals.records),
            ("已支出（元）", f"{totals.spent} / 统筹预算 {totals.budget}"),
            *((progress.goal.name, f"{progress.achieved:f} / {progress.goal.target:f}") for progress in totals.goals),
        ]
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}：{}</li>", lines))


# Service records ----------------------------------------------------------------------------


class ServiceRecordForm(ServiceForm):
    conflict_field = "person"

    class Meta:
        model = ServiceRecord
        fields = ("project", "person", "service_type", "organization", "date", "quantity", "amount", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "organization" in self.fields:
            self.fields["organization"].required = False
            self.fields["organization"].help_text = UNIT_HELP

    def write(self, data):
        return services.service_record_create(
            actor=self.actor,
            project=data["project"],
            person=data["person"],
            service_type=data["service_type"],
            date=data["date"],
            organization=data.get("organization"),
            quantity=data["quantity"],
            amount=data.get("amount"),
            note=data.get("note") or "",
        )


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = ServiceRecordForm
    resource_classes = [ServiceRecordResource]
    list_display = ("person", "project", "service_type", "organization", "date", "quantity", "amount")
    # No filter by project: listing the projects that have records reads every record (DISTINCT), and a
    # province has hundreds of projects; a project's count of people served links to its records.
    list_filter = (
        "service_type",
        ("organization__federation", admin.RelatedFieldListFilter),
    )
    date_hierarchy = "date"  # its periods found by index probes (apps.core.date_hierarchy)
    # Names only: a full ID number would stand in the page's URL (?q=) and the server's logs.
    search_fields = ("project__name", "person__name")
    list_select_related = ("person", "project", "service_type", "organization")
    autocomplete_fields = ("project", "person", "organization")
    ordering = ("-date", "-id")
    show_full_result_count = False

    record_fields = (*ServiceRecordForm._meta.fields, "recorded_by", "created_at")

    def get_queryset(self, request):
        # The person shows masked (Person.__str__); the ciphertext is never read for a list.
        return super().get_queryset(request).defer("person__id_number")

    def get_fields(self, request, obj=None):
        return ServiceRecordForm._meta.fields if obj is None else self.record_fields

    def has_change_permission(self, request, obj=None):
        # A record is added or deleted, never edited: its page is the record.
        return False if obj is not None else super().has_change_permission(request, obj)

    def delete_through_service(self, request, obj):
        services.service_record_delete(actor=request.user, record=obj)


# Spending -----------------------------------------------------------------------------------


@admin.register(ProjectExpense)
class ProjectExpenseAdmin(ReadOnlyAdmin):
    """A project's spending: written by project_expense_record into the fund's ledger, read here."""

    list_display = ("project", "date", "entry_amount", "voucher_number", "fund", "reversed")
    list_filter = (("project__content_category", admin.RelatedFieldListFilter),)
    date_hierarchy = "date"  # its periods found by index probes (apps.core.date_hierarchy)
    search_fields = ("project__name", "entry__voucher_number")
    # The reversal is joined on its unique key for the shown rows only (an EXISTS subquery was run by
    # hashing every reversal in the ledger first).
    list_select_related = ("project", "entry__fund", "entry__reversed_by")
    ordering = ("-date", "-id")
    paginator = BoundedCountPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return SkipScanChangeList

    def get_queryset(self, request):
        # Spending is seen with its project (the expense row itself names no place in the tree).
        projects = scoped(ServiceProject.objects.all(), request.user)
        return super().get_queryset(request).filter(project__in=projects)

    @admin.display(description="金额（元）", ordering="entry__amount")
    def entry_amount(self, expense: ProjectExpense):
        return expense.entry.amount

    @admin.display(description="凭证号")
    def voucher_number(self, expense: ProjectExpense) -> str:
        return expense.entry.voucher_number

    @admin.display(description="经费")
    def fund(self, expense: ProjectExpense):
        return expense.entry.fund

    @admin.display(description="已冲销", boolean=True, ordering="entry__reversed_by__id")
    def reversed(self, expense: ProjectExpense) -> bool:
        return hasattr(expense.entry, "reversed_by")  # selected with the row: absent is None, no query
