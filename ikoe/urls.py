from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ikoe.api.v1 import api
from ikoe.monitoring import views as monitoring_views

urlpatterns = [
    path("", monitoring_views.home, name="home"),
    path("laendervergleich/", monitoring_views.laendervergleich, name="laendervergleich"),
    path("api/v1/", api.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
