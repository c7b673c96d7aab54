from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Charts, CSV and the template filters that format figures for every page."""

    name = "ikoe.reports"
    verbose_name = _("Reports")
