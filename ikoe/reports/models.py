"""The version of the data that pages and the API compute their figures from
(:mod:`ikoe.reports.cache`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataVersion(models.Model):
    """One row whose token changes with every change of the data that figures are computed from
    (surveys, their parts and cells, organisations, reference figures).

    Figures computed once are kept in the ``figures`` cache under the token and read from there
    until it changes. The token is random, not a counter, so that a token once used never comes
    back, also when a transaction that changed it is rolled back.
    """

    token = models.CharField(_("token"), max_length=32)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")

    def __str__(self) -> str:
        return f"{self.token} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
