"""Pooled resources in the Django admin: scoped, and every write through the services.

Who sees what: centers by region; secondments and duty shifts by the center's region (or
the sending organization); leave by the person (their residence, or a secondment in
scope); funds and ledger entries by the owner organization. Anything else is absent from
every changelist, choice and export, and its pages answer 404.

A secondment, a leave and a ledger entry are added through their services and then only
read: a ledger entry is corrected by a reversing entry (冲销), from its change page. Duty
shifts are written only by the roster generator (the "生成未来四周排班" action on the
centers' changelist) and are listed, filtered and exported for printing.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import construct_instance

from apps.core.admin import ServiceAdmin, ServiceForm, ServiceImportExportMixin, refusal
from apps.organizations.admin import RegionSubtreeFilter, ScopedAdminMixin
from apps.organizations.scoping import scope_for, scoped
from apps.resources import services
from apps.resources.models import (
    DutyShift,
    ExpenseCategory,
    Fund,
    LedgerEntry,
    Secondment,
    ServiceCenter,
    StaffLeave,
)
from apps.resources.resources import DutyShiftResource, LedgerEntryResource

ROSTER_GENERATED = "已为 {centers} 个服务中心（站）生成未来四周排班，新排 {created} 个班次。"
ROSTER_UNFILLED = "“{center}”有 {count} 个班次无人可排（派驻人员不足或请假），请补充派驻人员。"
ROSTER_REFUSED = "“{center}”未生成排班：{reason}"
REVERSED = "已冲销，冲销分录凭证号 {voucher}。"
REVERSAL_DATE_HELP = "冲销分录记入的日期，须在经费年度内且未结账。"


class _AddingForm(ServiceForm):
    """Forget the id of a row a refused service call created in its (rolled back) savepoint."""

    def write(self, data):
        adding = self.instance.pk is None
        try:
            return self.create(data)
        except Exception:
            if adding:
                self.instance.pk = None
                self.instance._state.adding = True
            raise

    def create(self, data):
        raise NotImplementedError(f"{type(self).__name__} must implement create()")


class RecordForm(forms.ModelForm):
    """A row's page once it is written: the record only, nothing to submit."""

    class Meta:
        fields = ()


# Centers ---------------------------------------------------------------------------------


class ServiceCenterForm(_AddingForm):
    conflict_field = "name"

    class Meta:
        model = ServiceCenter
        fields = (
            "name",
            "kind",
            "region",
            "host_unit",
            "director",
            "opening_hours",
            "shift_pattern",
            "staff_per_shift",
        )

    def create(self, data):
        construct_instance(self, self.instance, self._meta.fields)
        return services.center_save(actor=self.actor, center=self.instance)


@admin.action(permissions=["generate"], description="生成未来四周排班")
def generate_rosters(modeladmin, request, queryset):
    centers = created = 0
    for center in queryset:
        try:
            result = services.duty_roster_generate(center=center)
        except ValidationError as exc:
            modeladmin.message_user(request, ROSTER_REFUSED.format(center=center, reason=refusal(exc)), messages.ERROR)
            continue
        centers += 1
        created += result.created
        if result.unfilled:
            modeladmin.message_user(
                request, ROSTER_UNFILLED.format(center=center, count=len(result.unfilled)), messages.WARNING
            )
    if centers:
        modeladmin.message_user(request, ROSTER_GENERATED.format(centers=centers, created=created), messages.SUCCESS)


@admin.register(ServiceCenter)
class ServiceCenterAdmin(ScopedAdminMixin, ServiceAdmin):
    form = ServiceCenterForm
    actions = (generate_rosters,)
    list_display = ("name", "kind", "region", "host_unit", "director", "shift_pattern", "staff_per_shift")
    list_filter = ("kind", "shift_pattern", RegionSubtreeFilter)
    search_fields = ("name",)
    list_select_related = ("region", "host_unit", "director")
    autocomplete_fields = ("region", "host_unit", "director")
    ordering = ("region__path", "name")
    show_full_result_count = False

    def has_generate_permission(self, request) -> bool:
        # The roster is the duty shifts: who may change them may have them planned.
        return request.user.has_perm("resources.change_dutyshift")

    def has_delete_permission(self, request, obj=None):
        return False  # no service deletes a center: its secondments and roster are its record


# Secondments -----------------------------------------------------------------------------


class SecondmentForm(_AddingForm):
    class Meta:
        model = Secondment
        fields = ("center", "person", "organization", "post_type", "start_date", "end_date")

    def create(self, data):
        return services.secondment_create(
            actor=self.actor,
            center=data["center"],
            person=data["person"],
            organization=data["organization"],
            post_type=data["post_type"],
            start_date=data["start_date"],
            end_date=data.get("end_date"),
        )


class CenterFilter(admin.SimpleListFilter):
    """The centers the user may see (a plain related filter would list every center)."""

    title = "服务中心（站）"
    parameter_name = "center"

    def lookups(self, request, model_admin):
        centers = scoped(ServiceCenter.objects.all(), request.user).order_by("region__path", "name")
        return [(str(pk), name) for pk, name in centers.values_list("pk", "name")]

    def queryset(self, request, queryset):
        return queryset.filter(center=self.value()) if self.value() else queryset


class CenterRegionFilter(RegionSubtreeFilter):
    path_lookup = "center__region__path"


class WriteOnceAdmin(ScopedAdminMixin, ServiceAdmin):
    """Added through a service, then only read: the change page shows the record."""

    add_form: type[forms.ModelForm]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = self.add_form if obj is None else RecordForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return self.add_form._meta.fields if obj is None else self.record_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.record_fields

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Secondment)
class SecondmentAdmin(WriteOnceAdmin):
    add_form = SecondmentForm
    record_fields = ("center", "person", "organization", "post_type", "start_date", "end_date", "created_at")
    list_display = ("person", "center", "organization", "post_type", "start_date", "end_date")
    list_filter = ("post_type", CenterFilter, CenterRegionFilter)
    search_fields = ("person__name", "center__name", "organization__name")
    list_select_related = ("person", "center", "organization")
    autocomplete_fields = ("center", "person", "organization")
    ordering = ("center__region__path", "center__name", "start_date", "id")
    show_full_result_count = False


# Leave -----------------------------------------------------------------------------------


class StaffLeaveForm(_AddingForm):
    class Meta:
        model = StaffLeave
        fields = ("person", "start_date", "end_date", "reason")

    def create(self, data):
        return services.leave_record(
            actor=self.actor,
            person=data["person"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            reason=data.get("reason") or "",
        )


@admin.register(StaffLeave)
class StaffLeaveAdmin(WriteOnceAdmin):
    add_form = StaffLeaveForm
    record_fields = ("person", "start_date", "end_date", "reason")
    list_display = ("person", "start_date", "end_date", "reason")
    search_fields = ("person__name",)
    list_select_related = ("person",)
    autocomplete_fields = ("person",)
    date_hierarchy = "start_date"
    ordering = ("-start_date", "id")
    show_full_result_count = False

    def get_queryset(self, request):
        # A leave row names only its person: it is in scope with the person (residence or
        # employer) or with one of the person's secondments.
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if scope_for(request.user).everything:
            return queryset  # no IN over a million people when every row is in scope
        people = scoped(StaffLeave.person.field.related_model.objects.all(), request.user).values("pk")
        seconded = scoped(Secondment.objects.all(), request.user).values("person_id")
        return queryset.filter(Q(person__in=people) | Q(person__in=seconded))


# Duty shifts -----------------------------------------------------------------------------


@admin.register(DutyShift)
class DutyShiftAdmin(ScopedAdminMixin, ServiceImportExportMixin, admin.ModelAdmin):
    """The roster: written by the generator, swaps and leave only; here listed and exported."""

    resource_classes = [DutyShiftResource]
    list_display = ("date", "weekday", "shift", "person", "organization", "center", "status")
    list_filter = (CenterFilter, "status", CenterRegionFilter)
    date_hierarchy = "date"  # its periods found by index probes (apps.core.date_hierarchy)
    search_fields = ("person__name", "center__name")
    list_select_related = ("person", "center", "secondment__organization")
    ordering = ("date", "shift", "id")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return False  # the roster comes from the generator's fairness rules, never a file

    @admin.display(description="星期")
    def weekday(self, shift: DutyShift) -> str:
        return "一二三四五六日"[shift.date.weekday()]

    @admin.display(description="派出组织", ordering="secondment__organization__name")
    def organization(self, shift: DutyShift) -> str:
        return shift.secondment.organization.name


# Funds -----------------------------------------------------------------------------------


class FundForm(_AddingForm):
    conflict_field = "name"

    class Meta:
        model = Fund
        fields = ("name", "kind", "owner", "year")

    def create(self, data):
        construct_instance(self, self.instance, self._meta.fields)
        return services.fund_save(actor=self.actor, fund=self.instance)


@admin.register(Fund)
class FundAdmin(ScopedAdminMixin, ServiceAdmin):
    form = FundForm
    list_display = ("name", "year", "kind", "owner", "balance", "closed_through")
    list_filter = ("year", "kind")
    search_fields = ("name", "owner__name")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    readonly_fields = ("closed_through",)
    ordering = ("-year", "name")
    show_full_result_count = False

    def get_fields(self, request, obj=None):
        return (*FundForm._meta.fields, "closed_through") if obj is not None else FundForm._meta.fields

    def get_queryset(self, request):
        return services.funds_with_balance(super().get_queryset(request))

    @admin.display(description="余额（元）", ordering="balance")
    def balance(self, fund: Fund):
        return fund.balance.quantize(services.funds.CENT)

    def has_delete_permission(self, request, obj=None):
        return False  # a fund's ledger is its record


# Ledger ----------------------------------------------------------------------------------


class LedgerEntryAddForm(_AddingForm):
    class Meta:
        model = LedgerEntry
        fields = (
            "fund",
            "kind",
            "amount",
            "category",
            "receiving_organization",
            "date",
            "voucher_number",
            "attachment",
            "note",
        )

    def create(self, data):
        return services.ledger_entry_create(
            actor=self.actor,
            fund=data["fund"],
            kind=data["kind"],
            amount=data["amount"],
            date=data["date"],
            voucher_number=data["voucher_number"],
            category=data.get("category"),
            receiving_organization=data.get("receiving_organization"),
            note=data.get("note") or "",
            attachment=data.get("attachment"),
        )


class LedgerReversalForm(ServiceForm):
    """An entry is never edited: the only thing its page does is reverse it (冲销)."""

    conflict_field = "reversal_voucher"
    service_fields = {"date": "reversal_date", "voucher_number": "reversal_voucher"}

    reversal_date = forms.DateField(label="冲销日期", help_text=REVERSAL_DATE_HELP)
    reversal_voucher = forms.CharField(label="冲销凭证号", max_length=32)
    reversal_note = forms.CharField(label="冲销说明", max_length=255, required=False)

    class Meta:
        model = LedgerEntry
        fields = ()

    def write(self, data):
        self.reversal = services.ledger_entry_reverse(
            actor=self.actor,
            entry=self.instance,
            date=data["reversal_date"],
            voucher_number=data["reversal_voucher"],
            note=data.get("reversal_note") or "",
        )
        return self.instance


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    add_form = LedgerEntryAddForm
    resource_classes = [LedgerEntryResource]
    list_display = (
        "date",
        "fund",
        "kind",
        "amount",
        "category",
        "receiving_organization",
        "voucher_number",
        "reverses",
        "note",
    )
    list_filter = ("kind", "category", "fund__year")
    date_hierarchy = "date"  # its periods found by index probes (apps.core.date_hierarchy)
    search_fields = ("voucher_number", "note", "receiving_organization__name", "fund__name")
    list_select_related = ("fund", "category", "receiving_organization", "reverses")
    autocomplete_fields = ("fund", "receiving_organization")
    ordering = ("-date", "-id")
    show_full_result_count = False

    record_fields = (
        "fund",
        "kind",
        "amount",
        "category",
        "receiving_organization",
        "date",
        "voucher_number",
        "attachment",
        "note",
        "reverses",
        "created_by",
        "created_at",
    )
    reversal_fields = ("reversal_date", "reversal_voucher", "reversal_note")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        elif self.has_change_permission(request, obj):
            kwargs["form"] = LedgerReversalForm
        else:
            kwargs["form"] = RecordForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return LedgerEntryAddForm._meta.fields
        if self.has_change_permission(request, obj):
            return (*self.record_fields, *self.reversal_fields)
        return self.record_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.record_fields

    def has_change_permission(self, request, obj=None):
        # "Change" here is reversing: only an entry that is not itself a reversal and has
        # not been reversed yet. The permission is the service's: adding an entry.
        if obj is not None and (obj.reverses_id or LedgerEntry.objects.filter(reverses=obj).exists()):
            return False
        return self.has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def response_change(self, request, obj):
        form_reversal = getattr(request, "_ledger_reversal", None)
        if form_reversal is not None:
            self.message_user(request, REVERSED.format(voucher=form_reversal.voucher_number), messages.SUCCESS)
        return super().response_change(request, obj)

    def save_model(self, request, obj, form, change):
        reversal = getattr(form, "reversal", None)
        if reversal is not None:
            request._ledger_reversal = reversal


# Categories --------------------------------------------------------------------------------


@admin.register(ExpenseCategory)
class ExpenseCategoryAdmin(admin.ModelAdmin):
    """Plain reference data: which categories count as grassroots spending is the province's call."""

    list_display = ("name", "code", "is_grassroots", "sort_order")
    list_editable = ("is_grassroots", "sort_order")
    list_filter = ("is_grassroots",)
    search_fields = ("name", "code")
    ordering = ("sort_order", "id")
