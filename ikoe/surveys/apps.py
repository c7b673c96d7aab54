from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "ikoe.surveys"
    verbose_name = _("Staff surveys")

    def ready(self) -> None:
        # The Ländervergleich of public figures offers the comparisons of joint surveys.
        from ikoe.benchmarks.comparison import register_related
        from ikoe.surveys.comparison_views import joint_survey_links

        register_related(joint_survey_links)
