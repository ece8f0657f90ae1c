from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from apps.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Accounts; apps.organizations.admin registers a scoped subclass in this one's place.

    Which accounts a staff member may see follows their roles on the tree, which this app
    (below organizations) cannot know.
    """

    list_display = ("username", "name", "phone", "is_staff", "is_active", "last_login")
    search_fields = ("username", "name", "phone")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("name", "phone", "email")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "name", "password1", "password2")}),)
    # Staff access and groups follow the user's roles (organizations' role_assign and
    # role_revoke); only a superuser hands out anything beyond them.
    privilege_fields = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is None or request.user.is_superuser:
            return readonly
        return (*readonly, *self.privilege_fields)
