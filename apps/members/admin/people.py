"""People in the admin: registration, change and delete through the services; numbers write-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from apps.core.admin import ServiceAdmin, ServiceForm, ServiceImportExportMixin
from apps.core.crypto import keyed_hash
from apps.core.exceptions import ConflictError
from apps.core.phones import PHONE_MAX_LENGTH
from apps.members import idnumbers, services
from apps.members.admin.bulk_import import PersonBulkImportMixin
from apps.members.models import Membership, MembershipStatus, Person
from apps.members.resources import PersonResource
from apps.organizations.admin import RegionSubtreeFilter, ScopedAdminMixin
from apps.organizations.models import Federation
from apps.organizations.scoping import scoped

ID_NUMBER_HELP_ADD = "18 位；全角数字、小写 x、空格均可，性别和出生日期由身份证号得出。"
ID_NUMBER_HELP_CHANGE = "留空则不修改；如需更正，请输入完整的新身份证号。"
CERTIFICATE_HELP_ADD = "登记为残疾人时必填：18 位身份证号加残疾类别和等级，共 20 位。"
CERTIFICATE_HELP_CHANGE = "留空则不修改；如需更正，请输入完整的新证号。"
PHONE_HELP_CHANGE = "现登记为 {masked}；留空则不修改。"
SEARCH_HELP = "按姓名搜索，或输入完整的 18 位身份证号精确查找。"
ENROLLED = "已同步吸收入会：{units}。"
AGED_OUT = "超龄离籍：{units}。"
NOT_ENROLLED = "未新增：{notes}。"
ERASED_COUNT = "已匿名化 {count} 人。"


class EraseForm(forms.Form):
    reason = forms.CharField(label="匿名化依据", max_length=200, help_text="如本人申请的编号和日期；记入审计日志。")


class IdNumberSearchMixin:
    """A full ID number in the search box is an exact match through the keyed hash (an index hit)."""

    id_number_hash_lookup = "id_number_hash"
    search_help_text = SEARCH_HELP

    def get_search_results(self, request, queryset, search_term):
        try:
            number = idnumbers.parse(search_term)
        except ValidationError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(**{self.id_number_hash_lookup: keyed_hash(number.value)}), False


class FederationMembershipFilter(admin.SimpleListFilter):
    title = "在册群团"
    parameter_name = "federation"

    def lookups(self, request, model_admin):
        return [
            (str(pk), name) for pk, name in Federation.objects.order_by("sort_order", "id").values_list("pk", "name")
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        # One active membership per person and federation: the join repeats no one.
        return queryset.filter(memberships__federation=self.value(), memberships__status=MembershipStatus.ACTIVE)


def enrollment_summary(enrollment: services.EnrollmentResult) -> str:
    parts = []
    if enrollment.created:
        parts.append(ENROLLED.format(units="、".join(m.organization.name for m in enrollment.created)))
    if enrollment.aged_out:
        parts.append(AGED_OUT.format(units="、".join(m.organization.name for m in enrollment.aged_out)))
    if enrollment.skipped:
        notes = "；".join(f"{note.federation.name}（{note.reason}）" for note in enrollment.skipped)
        parts.append(NOT_ENROLLED.format(notes=notes))
    return "".join(parts)


# People -------------------------------------------------------------------------------


class PersonForm(ServiceForm):
    """Registration and change of a person; the numbers are inputs only, never filled in."""

    conflict_field = "id_number"
    updatable = ("name", "ethnicity", "phone", "region", "employer", "identity_tags")

    id_number = forms.CharField(
        label="身份证号", max_length=32, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    disability_certificate_number = forms.CharField(
        label="残疾人证号", max_length=32, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    clear_certificate = forms.BooleanField(label="清除已登记的残疾人证号", required=False)
    # Write-only like the numbers: the change page shows the masked copy, never the plaintext.
    phone = forms.CharField(label="手机号", max_length=PHONE_MAX_LENGTH, required=False)
    clear_phone = forms.BooleanField(label="清除已登记的手机号", required=False)

    class Meta:
        model = Person
        fields = ("name", "ethnicity", "phone", "region", "employer", "identity_tags")
        # Never read from the row: a page built from this form cannot hold the plaintext.
        exclude = ("id_number", "disability_certificate_number")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrollment: services.EnrollmentResult | None = None
        for field in ("id_number", "disability_certificate_number", "phone"):
            self.initial.pop(field, None)
        adding = self.instance.pk is None
        self.fields["id_number"].required = adding
        self.fields["id_number"].help_text = ID_NUMBER_HELP_ADD if adding else ID_NUMBER_HELP_CHANGE
        self.fields["disability_certificate_number"].help_text = (
            CERTIFICATE_HELP_ADD if adding else CERTIFICATE_HELP_CHANGE
        )
        if not adding:
            if self.instance.phone_masked:
                self.fields["phone"].help_text = PHONE_HELP_CHANGE.format(masked=self.instance.phone_masked)
            self.fields["id_number"].label = "更正身份证号"
            self.fields["disability_certificate_number"].label = "更正残疾人证号"

    def write(self, data):
        if self.instance.pk is None:
            person, self.enrollment = services.person_register(
                actor=self.actor,
                name=data["name"],
                id_number=data["id_number"],
                region=data["region"],
                ethnicity=data["ethnicity"],
                phone=data.get("phone") or "",
                employer=data.get("employer"),
                identity_tags=data.get("identity_tags") or (),
                disability_certificate_number=data.get("disability_certificate_number") or "",
            )
            return person
        changes = {field: data[field] for field in self.changed_data if field in self.updatable}
        if data.get("clear_phone"):
            changes["phone"] = ""
        elif not data.get("phone"):
            changes.pop("phone", None)
        if data.get("id_number"):
            changes["id_number"] = data["id_number"]
        if data.get("clear_certificate"):
            changes["disability_certificate_number"] = ""
        elif data.get("disability_certificate_number"):
            changes["disability_certificate_number"] = data["disability_certificate_number"]
        if not changes:
            return self.instance
        person, self.enrollment = services.person_update(actor=self.actor, person=self.instance, **changes)
        return person


@admin.register(Person)
class PersonAdmin(PersonBulkImportMixin, IdNumberSearchMixin, ScopedAdminMixin, ServiceImportExportMixin, ServiceAdmin):
    form = PersonForm
    resource_classes = [PersonResource]
    list_display = ("name", "id_number_masked", "gender", "birth_date", "region", "employer", "federations")
    list_filter = (FederationMembershipFilter, "identity_tags", "gender", RegionSubtreeFilter)
    search_fields = ("name",)
    list_select_related = ("region", "employer")
    autocomplete_fields = ("region", "employer")
    ordering = ("-id",)
    show_full_result_count = False

    write_only = ("id_number", "disability_certificate_number", "clear_certificate", "phone", "clear_phone")
    actions = ["erase_selected"]

    def has_erase_permission(self, request) -> bool:
        return request.user.has_perm("members.erase_person")

    @admin.action(permissions=["erase"], description="匿名化所选人员（不可恢复）")
    def erase_selected(self, request, queryset):
        """Irreversible: a confirmation page asks for the reason, then each person goes through the service."""
        form = EraseForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            people = list(queryset)
            try:
                with transaction.atomic():  # all or none
                    for person in people:
                        services.person_erase(actor=request.user, person=person, reason=form.cleaned_data["reason"])
            except ConflictError as conflict:
                self.message_user(request, conflict.message, messages.ERROR)
                return None
            self.message_user(request, ERASED_COUNT.format(count=len(people)), messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "匿名化人员信息",
            "opts": self.model._meta,
            "people": queryset.defer("id_number", "phone"),
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/members/person/erase_confirmation.html", context)

    def get_queryset(self, request):
        # The ciphertext is not read for lists and pages; the services load it when they need it.
        active = scoped(Membership.objects.filter(status=MembershipStatus.ACTIVE), request.user)
        active = Prefetch("memberships", queryset=active.select_related("federation"), to_attr="active_memberships")
        return super().get_queryset(request).defer("id_number", "phone").prefetch_related(active)

    def get_fields(self, request, obj=None):
        if obj is None:
            return (
                "name",
                "id_number",
                "ethnicity",
                "phone",
                "region",
                "employer",
                "identity_tags",
                "disability_certificate_number",
            )
        fields = (
            "name",
            "id_number_masked",
            "id_number",
            "gender",
            "birth_date",
            "ethnicity",
            "phone_masked",
            "phone",
            "clear_phone",
            "region",
            "employer",
            "identity_tags",
            "certificate_masked",
            "disability_certificate_number",
            "clear_certificate",
            "membership_history",
            "created_at",
            "updated_at",
        )
        if not self.has_change_permission(request, obj):
            # A view-only page shows every field read from the row: never the numbers.
            fields = tuple(field for field in fields if field not in self.write_only)
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "id_number_masked",
            "phone_masked",
            "gender",
            "birth_date",
            "certificate_masked",
            "membership_history",
            "created_at",
            "updated_at",
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "identity_tags":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="在册群团")
    def federations(self, person: Person) -> str:
        return "、".join(membership.federation.name for membership in person.active_memberships) or "-"

    @admin.display(description="残疾人证号")
    def certificate_masked(self, person: Person) -> str:
        return person.disability_certificate_masked or "-"

    def get_object(self, request, object_id, from_field=None):
        person = super().get_object(request, object_id, from_field)
        # The history as this user may see it (a person seen through their employer may
        # hold memberships elsewhere); membership_history only gets the person.
        history = scoped(Membership.objects.filter(person=person), request.user).select_related(
            "organization", "federation"
        )
        person.visible_history = list(history.order_by("federation__sort_order", "-joined_on", "-id"))
        return person

    @admin.display(description="会员关系")
    def membership_history(self, person: Person) -> str:
        rows = [
            (
                reverse("admin:members_membership_change", args=[membership.pk]),
                membership.federation.name,
                membership.organization.name,
                membership.get_status_display(),
                membership.joined_on,
                membership.ended_on or "",
            )
            for membership in getattr(person, "visible_history", ())
        ]
        if not rows:
            return "-"
        items = format_html_join("", '<li><a href="{}">{}：{}（{}，{} 至 {}）</a></li>', rows)
        return format_html("<ul>{}</ul>", items)

    def save_model(self, request, obj, form, change):
        if form.enrollment is not None:
            self.message_user(request, enrollment_summary(form.enrollment), messages.INFO)

    def delete_through_service(self, request, obj):
        services.person_delete(actor=request.user, person=obj)
