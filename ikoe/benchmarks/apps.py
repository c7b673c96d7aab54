from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenchmarksConfig(AppConfig):
    name = "ikoe.benchmarks"
    verbose_name = _("Public reference figures")

    def ready(self) -> None:
        from ikoe.benchmarks.models import Benchmark, BenchmarkDataset
        from ikoe.reports.cache import track

        # Figures computed once per version of the data (ikoe.reports.cache). The rows of a
        # dataset are replaced in bulk after the dataset itself is saved
        # (ikoe.benchmarks.services).
        track(BenchmarkDataset)
        track(Benchmark, deletes=False)
