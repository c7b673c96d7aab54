from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "ikoe.surveys"
    verbose_name = _("Staff surveys")

    def ready(self) -> None:
        # The Ländervergleich of public figures offers the comparisons of joint surveys.
        from ikoe.benchmarks.comparison import register_related
        from ikoe.organisations.models import Organisation
        from ikoe.reports.cache import track
        from ikoe.surveys.comparison_views import joint_survey_links
        from ikoe.surveys.models import IndicatorCell, Survey, SurveyPart

        register_related(joint_survey_links)
        # Figures computed once per version of the data (ikoe.reports.cache): a release, a
        # withdrawal, an import, a replacement and protecting a survey again each save its
        # survey or its parts; the cells of a survey are deleted in bulk before its survey is
        # saved again (ikoe.surveys.pipeline.store_cells). Organisations give names and scope.
        track(Survey, SurveyPart, Organisation)
        track(IndicatorCell, deletes=False)
