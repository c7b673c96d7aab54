from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """The migration history of the tables that moved to ``organisations``, ``benchmarks`` and
    ``surveys``.

    The first platform kept organisations, public figures and staff surveys in one app called
    ``monitoring``. Its migrations stay so that a database created then migrates in place: the
    apps that took the models over adopt their tables (``SeparateDatabaseAndState``), and this
    app's last migration drops the models from its own state. It holds no models, views or URLs.
    """

    name = "ikoe.monitoring"
    verbose_name = _("Migration history")
