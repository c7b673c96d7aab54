from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ikoe.accounts import views as account_views
from ikoe.accounts.login import PasswordResetConfirmView
from ikoe.api.v1 import api
from ikoe.monitoring import release_views, survey_views, upload_views
from ikoe.monitoring import views as monitoring_views

urlpatterns = [
    path("", monitoring_views.home, name="home"),
    path("laendervergleich/", monitoring_views.laendervergleich, name="laendervergleich"),
    path("befragungen/", survey_views.survey_list, name="survey-list"),
    path("befragungen/hochladen/", upload_views.survey_upload, name="survey-upload"),
    path(
        "befragungen/hochladen/<slug:token>/zuordnung/",
        upload_views.survey_upload_mapping,
        name="survey-upload-mapping",
    ),
    path("befragungen/<slug:name>/", survey_views.survey_overview, name="survey-overview"),
    path(
        "befragungen/<slug:name>/organisation/<str:code>/",
        survey_views.organisation_page,
        name="survey-organisation",
    ),
    path(
        "befragungen/<slug:name>/diagnose/",
        survey_views.survey_diagnostics,
        name="survey-diagnostics",
    ),
    path(
        "befragungen/<slug:name>/freigabe/",
        release_views.survey_release,
        name="survey-release",
    ),
    path("api/v1/", api.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("passwort/vergessen/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "passwort/vergessen/gesendet/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "passwort/neu/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "passwort/neu/fertig/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("mitglieder/", account_views.member_lands, name="member-lands"),
    path("mitglieder/<str:land>/", account_views.member_list, name="member-list"),
    path("mitglieder/<str:land>/hinzufuegen/", account_views.member_add, name="member-add"),
    path("mitglieder/<str:land>/<int:pk>/", account_views.member_change, name="member-change"),
    path(
        "mitglieder/<str:land>/<int:pk>/entfernen/",
        account_views.member_remove,
        name="member-remove",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler400 = "ikoe.errorpages.bad_request"
