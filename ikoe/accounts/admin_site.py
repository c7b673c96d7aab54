"""The Django admin, for superusers only.

Django's admin lets staff members use every model they have a permission for, in every Land:
a member of Berlin holding ``add_membership`` could make himself data steward of another Land.
Its views know nothing of the scope rules (:mod:`ikoe.accounts.scope`), so the admin is reserved
for superusers, who reach everything anyway. Coordinators manage their Land's memberships on the
platform's own pages (:mod:`ikoe.accounts.views`), which do apply the scope rules.

The site speaks the platform's language: its own titles instead of Django's, and German names
for every app it lists (:class:`LoginLockoutConfig` names django-axes' app).
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesConfig
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class SuperuserAdminSite(admin.AdminSite):
    site_header = _("IKÖ-Monitor – Administration")
    site_title = _("IKÖ-Monitor – Administration")
    index_title = _("Overview")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class SuperuserAdminConfig(AdminConfig):
    """Django's admin app with :class:`SuperuserAdminSite` as its site (``INSTALLED_APPS``)."""

    default_site = "ikoe.accounts.admin_site.SuperuserAdminSite"


class LoginLockoutConfig(AxesConfig):
    """django-axes (``INSTALLED_APPS``) with a name the admin can show in the user's language.

    Its own name is "Axes", the package's name, which tells an administrator nothing.
    """

    verbose_name = _("Sign-in lockouts")
