"""Memberships of a Land, managed by its coordinators (``accounts:…``).

Signing in, out and the password reset keep Django's own names (``login``, ``password_reset``
…) at the top level, where Django's views look for them.
"""

from django.urls import path

from ikoe.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.member_lands, name="member-lands"),
    path("<str:land>/", views.member_list, name="member-list"),
    path("<str:land>/hinzufuegen/", views.member_add, name="member-add"),
    path("<str:land>/<int:pk>/", views.member_change, name="member-change"),
    path("<str:land>/<int:pk>/entfernen/", views.member_remove, name="member-remove"),
]
