"""The organisations taking part (their shared base) and the IKM supplier with what it can
make and the certificates it holds."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _

from common.history import audited
from common.models import TimeStampedModel
from components.choices import Unit
from components.models import Certification, ComponentType, KbliCode, Material, Process, Regency

from ..choices import LegalForm, OrganisationKind, SizeClass, VerificationStatus
from ..sizing import size_class
from ..uploads import DocumentValidator, certificate_path, select_private_storage
from ..validators import nib_validator, phone_validator
from .accounts import User

if TYPE_CHECKING:
    from .manufacturers import Manufacturer


class Organisation(TimeStampedModel):
    """Fields shared by both kinds of partner."""

    contact_person = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=20, blank=True, validators=[phone_validator]
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    verification_status = models.CharField(
        _("verification status"),
        max_length=20,
        choices=VerificationStatus.choices,
        default=VerificationStatus.PENDING,
        db_index=True,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verification decided by"),
    )
    verification_decided_at = models.DateTimeField(
        _("verification decided at"), null=True, blank=True
    )
    verification_note = models.TextField(
        _("verification note"),
        blank=True,
        help_text=_("Why staff rejected or suspended the organisation (shown to it)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    anonymised_at = models.DateTimeField(
        _("anonymised at"),
        null=True,
        blank=True,
        help_text=_("Set when the organisation's personal data was erased at its request."),
    )

    #: Which kind of organisation this is (set by each concrete model).
    kind: ClassVar[OrganisationKind]
    #: The lookup from the organisation to the accounts acting for it (see ``people()``).
    people_lookup: ClassVar[str]

    class Meta:
        abstract = True

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED

    @property
    def display_name(self) -> str:
        """The name the organisation is known by on pages, in e-mails and exports."""
        raise NotImplementedError

    def people(self) -> list[User]:
        """The accounts that act for the organisation, oldest first."""
        raise NotImplementedError

    def documents(self) -> list[tuple[str, models.Model, FieldFile]]:
        """Every uploaded document: (kind of document, its row, the stored file)."""
        raise NotImplementedError

    @staticmethod
    def model_for(kind: str) -> type[Supplier] | type[Manufacturer] | None:
        """The model of an organisation kind (``"ikm"``, ``"manufacturer"``), else None."""
        by_kind = {model.kind: model for model in Organisation.__subclasses__()}
        return by_kind.get(kind)  # type: ignore[call-overload]


class Supplier(Organisation):
    """An IKM (industri kecil dan menengah) that can supply components."""

    kind = OrganisationKind.IKM
    people_lookup = "owner"

    legal_name = models.CharField(_("legal name"), max_length=200)
    nib = models.CharField(
        _("NIB"),
        max_length=13,
        unique=True,
        validators=[nib_validator],
        help_text=_("Nomor Induk Berusaha: 13 digits from OSS."),
    )
    legal_form = models.CharField(_("legal form"), max_length=20, choices=LegalForm.choices)
    kbli_codes = models.ManyToManyField(
        KbliCode, blank=True, related_name="suppliers", verbose_name=_("KBLI codes")
    )
    workers = models.PositiveIntegerField(_("number of workers"))
    investment_idr = models.BigIntegerField(
        _("investment (Rp)"),
        validators=[MinValueValidator(0)],
        help_text=_("Investment value excluding land and buildings, in rupiah."),
    )
    size_class = models.CharField(
        _("size class"), max_length=10, choices=SizeClass.choices, editable=False
    )
    regency = models.ForeignKey(
        Regency, on_delete=models.PROTECT, related_name="suppliers", verbose_name=_("regency/city")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    sentra = models.CharField(
        _("sentra (cluster)"),
        max_length=120,
        blank=True,
        db_index=True,
        help_text=_("Name of the IKM cluster, e.g. Sentra Pengecoran Logam Ceper."),
    )
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-11.5), MaxValueValidator(6.5)],
        help_text=_("Defaults to the centre of the regency or city."),
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(94.5), MaxValueValidator(141.5)],
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suppliers",
        verbose_name=_("owner"),
    )

    history = audited(m2m=["kbli_codes"])

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("IKM supplier")
        verbose_name_plural = _("IKM suppliers")
        constraints = [
            models.CheckConstraint(
                condition=Q(nib__regex=r"^[0-9]{13}$"), name="supplier_nib_13_digits"
            ),
            models.CheckConstraint(
                condition=Q(investment_idr__gte=0), name="supplier_investment_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(size_class__in=SizeClass.values), name="supplier_size_class_valid"
            ),
            models.CheckConstraint(
                condition=Q(verification_status__in=VerificationStatus.values),
                name="supplier_verification_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(legal_form__in=LegalForm.values), name="supplier_legal_form_valid"
            ),
        ]
        indexes = [models.Index(fields=["regency", "verification_status"])]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def display_name(self) -> str:
        return self.legal_name

    def people(self) -> list[User]:
        return [self.owner] if self.owner is not None else []

    def documents(self) -> list[tuple[str, models.Model, FieldFile]]:
        held = SupplierCertification.objects.filter(supplier=self).exclude(document="")
        return [("certificates", row, row.document) for row in held.order_by("pk")]

    def clean(self) -> None:
        super().clean()
        if (
            self.workers is not None
            and self.investment_idr is not None
            and self.workers >= 0
            and self.investment_idr >= 0
        ):
            self.size_class = size_class(workers=self.workers, investment_idr=self.investment_idr)
            if self.size_class == SizeClass.LARGE:
                raise ValidationError(
                    {
                        "investment_idr": _(
                            "With 20 or more workers and an investment above Rp15 billion this "
                            "business is a large industry, not an IKM. Register it as a "
                            "manufacturer instead."
                        )
                    }
                )
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both latitude and longitude, or neither."))
        if self.latitude is None and self.regency_id:
            self.latitude, self.longitude = self.regency.latitude, self.regency.longitude


class SupplierCapability(TimeStampedModel):
    """What one IKM can make of one component type, and how much per month."""

    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="capabilities", verbose_name=_("supplier")
    )
    component_type = models.ForeignKey(
        ComponentType,
        on_delete=models.PROTECT,
        related_name="capabilities",
        verbose_name=_("component type"),
    )
    materials = models.ManyToManyField(
        Material, blank=True, related_name="capabilities", verbose_name=_("materials")
    )
    processes = models.ManyToManyField(
        Process, blank=True, related_name="capabilities", verbose_name=_("processes")
    )
    monthly_capacity = models.DecimalField(
        _("monthly capacity"),
        max_digits=14,
        decimal_places=3,
        validators=[MinValueValidator(0.001, message=_("Capacity must be greater than zero."))],
    )
    capacity_unit = models.CharField(_("capacity unit"), max_length=5, choices=Unit.choices)
    minimum_order = models.DecimalField(
        _("minimum order"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, message=_("Minimum order cannot be negative."))],
        help_text=_("In the capacity unit."),
    )
    lead_time_days = models.PositiveIntegerField(
        _("lead time (days)"),
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("Days from purchase order to first delivery."),
    )

    history = audited(m2m=["materials", "processes"])

    class Meta:
        ordering = ["supplier", "component_type"]
        verbose_name = _("capability")
        verbose_name_plural = _("capabilities")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "component_type"], name="capability_unique_per_component_type"
            ),
            models.CheckConstraint(
                condition=Q(monthly_capacity__gt=0), name="capability_capacity_positive"
            ),
            models.CheckConstraint(
                condition=Q(minimum_order__isnull=True) | Q(minimum_order__gte=0),
                name="capability_minimum_order_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(lead_time_days__gt=0), name="capability_lead_time_positive"
            ),
            models.CheckConstraint(
                condition=Q(capacity_unit__in=Unit.values), name="capability_unit_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} — {self.component_type}"

    def clean(self) -> None:
        super().clean()
        if (
            self.minimum_order is not None
            and self.monthly_capacity is not None
            and self.minimum_order > self.monthly_capacity
        ):
            raise ValidationError(
                {"minimum_order": _("Minimum order cannot exceed the monthly capacity.")}
            )


class SupplierCertification(TimeStampedModel):
    """A certificate an IKM holds (ISO 9001, SNI, TKDN …) with its number and expiry."""

    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.CASCADE,
        related_name="certifications",
        verbose_name=_("supplier"),
    )
    certification = models.ForeignKey(
        Certification,
        on_delete=models.PROTECT,
        related_name="holders",
        verbose_name=_("certification"),
    )
    number = models.CharField(_("certificate number"), max_length=100)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Leave empty if it does not expire.")
    )
    document = models.FileField(
        _("certificate document"),
        upload_to=certificate_path,
        storage=select_private_storage,
        blank=True,
        validators=[DocumentValidator()],
        help_text=_("A scan or photo of the certificate: PDF, PNG or JPEG."),
    )
    expiry_notified_at = models.DateTimeField(_("expiry reminder sent at"), null=True, blank=True)

    history = audited(exclude=["expiry_notified_at"])

    class Meta:
        ordering = ["supplier", "certification"]
        verbose_name = _("certification held")
        verbose_name_plural = _("certifications held")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "certification", "number"], name="supplier_certificate_unique"
            ),
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("issued_on")),
                name="supplier_certificate_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certification} ({self.number})"

    def clean(self) -> None:
        super().clean()
        if self.issued_on and self.valid_until and self.valid_until < self.issued_on:
            raise ValidationError(
                {"valid_until": _("Expiry date cannot be before the issue date.")}
            )
