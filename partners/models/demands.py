"""The component demand manufacturers post."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.history import audited
from common.models import TimeStampedModel
from components.choices import Unit
from components.models import Certification, ComponentType, Material, Process

from ..choices import DemandStatus
from ..uploads import DocumentValidator, drawing_path, select_private_storage
from .manufacturers import Manufacturer, Plant


class Demand(TimeStampedModel):
    """A manufacturer's need for a component: what, how many per month, for how long, where."""

    manufacturer = models.ForeignKey(
        Manufacturer,
        on_delete=models.CASCADE,
        related_name="demands",
        verbose_name=_("manufacturer"),
    )
    plant = models.ForeignKey(
        Plant, on_delete=models.PROTECT, related_name="demands", verbose_name=_("delivery plant")
    )
    component_type = models.ForeignKey(
        ComponentType,
        on_delete=models.PROTECT,
        related_name="demands",
        verbose_name=_("component type"),
    )
    title = models.CharField(_("title"), max_length=200)
    specification = models.TextField(_("specification"), blank=True)
    material = models.ForeignKey(
        Material,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
        verbose_name=_("material"),
    )
    required_processes = models.ManyToManyField(
        Process, blank=True, related_name="demands", verbose_name=_("required processes")
    )
    quantity_per_month = models.DecimalField(
        _("quantity per month"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(0.001, message=_("Quantity must be greater than zero."))],
    )
    unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices)
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    unit_price_idr = models.BigIntegerField(
        _("target unit price (Rp)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    mandatory_certifications = models.ManyToManyField(
        Certification,
        blank=True,
        related_name="mandatory_for_demands",
        verbose_name=_("mandatory certifications"),
    )
    preferred_certifications = models.ManyToManyField(
        Certification,
        blank=True,
        related_name="preferred_for_demands",
        verbose_name=_("preferred certifications"),
    )
    needed_by = models.DateField(_("needed by"))
    drawing = models.FileField(
        _("technical drawing"),
        upload_to=drawing_path,
        storage=select_private_storage,
        blank=True,
        validators=[DocumentValidator()],
        help_text=_("PDF, PNG or JPEG; seen only by your company and ministry staff."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DemandStatus.choices,
        default=DemandStatus.DRAFT,
        db_index=True,
    )

    history = audited(
        m2m=["required_processes", "mandatory_certifications", "preferred_certifications"]
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("component demand")
        verbose_name_plural = _("component demands")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_per_month__gt=0), name="demand_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(duration_months__gt=0), name="demand_duration_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DemandStatus.values), name="demand_status_valid"
            ),
            models.CheckConstraint(condition=Q(unit__in=Unit.values), name="demand_unit_valid"),
            models.CheckConstraint(
                condition=Q(unit_price_idr__isnull=True) | Q(unit_price_idr__gte=0),
                name="demand_unit_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer}: {self.title}"

    def clean(self) -> None:
        super().clean()
        if (
            self.plant_id
            and self.manufacturer_id
            and self.plant.manufacturer_id != self.manufacturer_id
        ):
            raise ValidationError(
                {"plant": _("The delivery plant must belong to this manufacturer.")}
            )
