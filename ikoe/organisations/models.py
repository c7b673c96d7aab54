"""The organisation hierarchy Land > ministry > agency > unit."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A node of the hierarchy Land > ministry (Ressort) > agency (Behörde) > unit."""

    class Kind(models.TextChoices):
        LAND = "land", _("Land")
        MINISTRY = "ministry", _("Ministry")
        AGENCY = "agency", _("Agency")
        UNIT = "unit", _("Unit")

    # The level each kind sits on; a child must sit below its parent.
    LEVEL = {Kind.LAND: 0, Kind.MINISTRY: 1, Kind.AGENCY: 2, Kind.UNIT: 3}

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # The Land this organisation belongs to (itself for a Land): every scope check uses it.
    land = models.ForeignKey(
        "self",
        verbose_name=_("Land"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.kind == self.Kind.LAND:
            self.land = None if self.pk is None else self
        elif self.parent is not None:
            self.land = self.parent if self.parent.kind == self.Kind.LAND else self.parent.land
        super().save(*args, **kwargs)
        if self.kind == self.Kind.LAND and self.land_id != self.pk:
            Organisation.objects.filter(pk=self.pk).update(land=self.pk)
            self.land_id = self.pk

    def ancestors(self) -> list[Organisation]:
        """From the Land down to the parent of this organisation."""
        chain: list[Organisation] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))
