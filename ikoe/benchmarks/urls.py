"""Public reference figures: the Ländervergleich (``benchmarks:…``)."""

from django.urls import path

from ikoe.benchmarks import views

app_name = "benchmarks"

urlpatterns = [
    path("", views.laendervergleich, name="laendervergleich"),
]
