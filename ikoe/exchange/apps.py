from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "ikoe.exchange"
    verbose_name = _("Exchange of practices and programme consultations")
