"""The IKÖ-Check: questionnaires, filling in, results, comparisons (``assessment:…``)."""

from django.urls import path

from ikoe.assessment import views

app_name = "assessment"

urlpatterns: list = [
    path("", views.index, name="index"),
    path("fragebogen/<str:version>/", views.questionnaire, name="questionnaire"),
    path("registrieren/", views.register, name="register"),
    path("neu/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/teil/<str:dimension>/", views.dimension, name="dimension"),
    path("<int:pk>/nachweis/<str:item>/", views.evidence, name="evidence"),
    path("<int:pk>/abschliessen/", views.finish, name="finish"),
    path("<int:pk>/einstellungen/", views.settings, name="settings"),
    path("organisation/<str:code>/mitglieder/", views.members, name="members"),
]
