from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm

from apps.accounts.models import User
from apps.core.phones import PHONE_MAX_LENGTH

PHONE_HELP = "现登记为 {masked}；留空则不修改。"


class UserChangeForm(BaseUserChangeForm):
    """The phone is write-only (PIPL): the page shows its masked copy, the field starts empty."""

    phone = forms.CharField(label="手机号", max_length=PHONE_MAX_LENGTH, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("phone", None)
        if self.instance.phone_masked:
            self.fields["phone"].help_text = PHONE_HELP.format(masked=self.instance.phone_masked)

    def clean_phone(self) -> str:
        return self.cleaned_data["phone"].strip() or self.instance.phone


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Accounts; apps.organizations.admin registers a scoped subclass in this one's place.

    Which accounts a staff member may see follows their roles on the tree, which this app
    (below organizations) cannot know.
    """

    form = UserChangeForm
    list_display = ("username", "name", "phone_masked", "is_staff", "is_active", "last_login")
    # Not the phone: it is stored encrypted, and nothing needs to find an account by it.
    search_fields = ("username", "name")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("name", "phone_masked", "phone", "email")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "name", "password1", "password2")}),)
    # Staff access and groups follow the user's roles (organizations' role_assign and
    # role_revoke); only a superuser hands out anything beyond them.
    privilege_fields = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        readonly = (*super().get_readonly_fields(request, obj), "phone_masked")
        if obj is None or request.user.is_superuser:
            return readonly
        return (*readonly, *self.privilege_fields)
