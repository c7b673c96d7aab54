from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ikoe.accounts.login import PasswordResetConfirmView
from ikoe.api.v1 import api
from ikoe.api.views import api_help
from ikoe.views import home, methodology

urlpatterns = [
    path("", home, name="home"),
    path("laendervergleich/", include("ikoe.benchmarks.urls")),
    path("befragungen/", include("ikoe.surveys.urls")),
    path("auswahlverfahren/", include("ikoe.barriers.urls")),
    path("ziele/", include("ikoe.targets.urls")),
    path("ikoe-check/", include("ikoe.assessment.urls")),
    path("massnahmen/", include("ikoe.measures.urls")),
    path("austausch/", include("ikoe.exchange.urls")),
    path("mitglieder/", include("ikoe.accounts.urls")),
    path("methodik/", methodology, name="methodology"),
    path("schnittstelle/", api_help, name="api-help"),
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
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler400 = "ikoe.errorpages.bad_request"
