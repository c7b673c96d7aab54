"""Admin for users and their memberships (Land, agency, role)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

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


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "land", "agency"]
    list_filter = ["role", ("land", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user", "land", "agency"]
    list_select_related = ["user", "land", "agency"]
