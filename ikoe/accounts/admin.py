"""Admin for users and their memberships (Land, agency, role)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from ikoe.accounts.models import Membership

User = get_user_model()


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ["role", "land", "agency"]
    autocomplete_fields = ["land", "agency"]
    extra = 0


if admin.site.is_registered(User):
    admin.site.unregister(User)

# Access comes from memberships (Land, agency, role), never from Django's groups: the admin
# offers none, so nobody maintains groups that would change nothing.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]
    # Django's user page without groups (see above).
    fieldsets = tuple(
        (name, {**options, "fields": tuple(f for f in options["fields"] if f != "groups")})
        for name, options in DjangoUserAdmin.fieldsets or ()
    )
    list_filter = tuple(f for f in DjangoUserAdmin.list_filter if f != "groups")
    filter_horizontal = tuple(f for f in DjangoUserAdmin.filter_horizontal if f != "groups")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "land", "agency"]
    list_filter = ["role", ("land", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user", "land", "agency"]
    list_select_related = ["user", "land", "agency"]
