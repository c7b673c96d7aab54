from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "ikoe.measures"
    verbose_name = _("Measures, trainings, funding programmes and anchoring")
