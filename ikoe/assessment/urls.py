"""The IKÖ-Check: questionnaires, filling in, results, comparisons (``assessment:…``)."""

from django.urls import path

from ikoe.assessment import results_views, views

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
    path("<int:pk>/ergebnis/", results_views.results, name="results"),
    path("<int:pk>/massnahmenplan/", results_views.plan, name="plan"),
    path("<int:pk>/ergebnis.pdf", results_views.pdf, name="pdf"),
    path("<int:pk>/ergebnis.xlsx", results_views.xlsx, name="xlsx"),
    path("land/<str:code>/", results_views.land, name="land"),
]
