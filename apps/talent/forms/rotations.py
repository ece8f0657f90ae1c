"""Forms of the rotation pages: the list's filters and planning a rotation."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone

from apps.members import selectors as member_selectors
from apps.members.models import PostType
from apps.organizations.models import Organization, OrganizationLevel
from apps.talent.forms.fields import (
    YearField,
    date_field,
    organizers,
    style,
)
from apps.talent.models import (
    RotationStatus,
)
from apps.venues.forms import OrganizationChoiceField

# Rotations ------------------------------------------------------------------------------


class RotationFilterForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *RotationStatus.choices], required=False)
    year = YearField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def values(self) -> tuple[str, int]:
        self.is_valid()
        return self.cleaned_data.get("status", ""), self.cleaned_data.get("year") or timezone.localdate().year


class PostChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, post) -> str:
        return (
            f"{post.person.name} · {post.organization.name} {post.title}"
            f"（{post.get_post_type_display()}，{post.start_date:%Y-%m-%d} 起）"
        )


class RotationForm(forms.Form):
    from_post = PostChoiceField(label="干部及原任职", queryset=None, empty_label="请选择")
    to_organization = OrganizationChoiceField(label="轮岗组织", queryset=None, empty_label="请选择")
    post_type = forms.ChoiceField(label="任职方式", choices=PostType.choices, initial=PostType.ROTATION)
    title = forms.CharField(label="轮岗职务", max_length=64)
    start_date = date_field("开始日期")
    end_date = date_field("结束日期")
    note = forms.CharField(label="备注", max_length=255, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["from_post"].queryset = member_selectors.cadre_post_list(user=user, current_on=today).order_by(
            "person__name", "start_date", "id"
        )
        # A rotation may lead to a unit above the user's own (a county cadre to the city).
        above = Organization.objects.filter(level__in=(OrganizationLevel.PROVINCE, OrganizationLevel.PREFECTURE))
        self.fields["to_organization"].queryset = (
            Organization.objects.filter(Q(pk__in=organizers(user).values("pk")) | Q(pk__in=above.values("pk")))
            .select_related("federation")
            .order_by("path")
        )
        style(self)
