"""Manufacturers (industri besar) and their plants."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _

from common.history import audited
from common.models import TimeStampedModel
from components.models import Regency, Sector

from ..choices import OrganisationKind, VerificationStatus
from ..validators import nib_validator
from .accounts import User
from .organisations import Organisation


class Manufacturer(Organisation):
    """An industri besar (large manufacturer) that buys components."""

    kind = OrganisationKind.MANUFACTURER
    people_lookup = "members"

    name = models.CharField(_("name"), max_length=200, unique=True)
    nib = models.CharField(
        _("NIB"), max_length=13, unique=True, null=True, blank=True, validators=[nib_validator]
    )
    sectors = models.ManyToManyField(
        Sector, blank=True, related_name="manufacturers", verbose_name=_("sectors")
    )
    website = models.URLField(_("website"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="manufacturers",
        verbose_name=_("members"),
    )

    history = audited(m2m=["sectors"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("manufacturer")
        verbose_name_plural = _("manufacturers")
        constraints = [
            models.CheckConstraint(
                condition=Q(nib__isnull=True) | Q(nib__regex=r"^[0-9]{13}$"),
                name="manufacturer_nib_13_digits",
            ),
            models.CheckConstraint(
                condition=Q(verification_status__in=VerificationStatus.values),
                name="manufacturer_verification_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.name

    def people(self) -> list[User]:
        return list(self.members.order_by("pk"))

    def documents(self) -> list[tuple[str, models.Model, FieldFile]]:
        demands = self.demands.exclude(drawing="").order_by("pk")
        return [("drawings", demand, demand.drawing) for demand in demands]


class Plant(TimeStampedModel):
    """A factory of a manufacturer, where components are delivered."""

    manufacturer = models.ForeignKey(
        Manufacturer,
        on_delete=models.CASCADE,
        related_name="plants",
        verbose_name=_("manufacturer"),
    )
    name = models.CharField(_("name"), max_length=200)
    regency = models.ForeignKey(
        Regency, on_delete=models.PROTECT, related_name="plants", verbose_name=_("regency/city")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-11.5), MaxValueValidator(6.5)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(94.5), MaxValueValidator(141.5)],
    )

    history = audited()

    class Meta:
        ordering = ["manufacturer", "name"]
        verbose_name = _("plant")
        verbose_name_plural = _("plants")
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer", "name"], name="plant_unique_name_per_manufacturer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer} — {self.name}"

    def clean(self) -> None:
        super().clean()
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both latitude and longitude, or neither."))
        if self.latitude is None and self.regency_id:
            self.latitude, self.longitude = self.regency.latitude, self.regency.longitude
