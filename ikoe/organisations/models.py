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
        # Organisations outside the Land administration that take part in the IKÖ-Check: they
        # register themselves and sit directly below their Land (docs/assessment.md).
        ASSOCIATION = "association", _("Association or migrant organisation")
        COMPANY = "company", _("Company")
        INSTITUTION = "institution", _("Institution (school, hospital, job centre …)")

    class SizeClass(models.TextChoices):
        """Head count classes: what the peer comparison of the IKÖ-Check groups by."""

        SMALL = "1-49", _("1 to 49 staff")
        MEDIUM = "50-249", _("50 to 249 staff")
        LARGE = "250-999", _("250 to 999 staff")
        VERY_LARGE = "1000+", _("1,000 staff or more")

    # The level each kind sits on; a child must sit below its parent.
    LEVEL = {
        Kind.LAND: 0,
        Kind.MINISTRY: 1,
        Kind.AGENCY: 2,
        Kind.UNIT: 3,
        Kind.ASSOCIATION: 1,
        Kind.COMPANY: 1,
        Kind.INSTITUTION: 1,
    }
    OUTSIDE_KINDS = (Kind.ASSOCIATION, Kind.COMPANY, Kind.INSTITUTION)
    """Kinds of organisations outside the Land administration."""
    MEMBER_KINDS = (Kind.AGENCY, *OUTSIDE_KINDS)
    """Kinds of organisation a membership can be limited to."""

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
    # With a default in the database too: rows written by code that predates the field (older
    # migrations' models, say) get an empty size.
    size_class = models.CharField(
        _("size"), max_length=16, choices=SizeClass.choices, blank=True, default="", db_default=""
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

    @property
    def is_outside(self) -> bool:
        """Whether the organisation is outside the Land administration (association, company,
        institution)."""
        return self.kind in self.OUTSIDE_KINDS

    def ancestors(self) -> list[Organisation]:
        """From the Land down to the parent of this organisation."""
        chain: list[Organisation] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))
