"""Who takes part: IKM suppliers with their capabilities and certifications, manufacturers
with their plants, and the component demand they post."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel
from components.choices import Unit
from components.models import (
    Certification,
    ComponentType,
    KbliCode,
    Material,
    Process,
    Regency,
    Sector,
)

from .choices import (
    AccountType,
    DeletionStatus,
    DemandStatus,
    LegalForm,
    NotificationKind,
    OrganisationKind,
    SizeClass,
    VerificationStatus,
)
from .sizing import size_class
from .uploads import DocumentValidator, certificate_path, drawing_path, select_private_storage
from .validators import nib_validator, phone_validator


class User(AbstractUser):
    """A person signing in: ministry staff (``is_staff``), an IKM owner or a manufacturer
    member (through ``Supplier.owner`` / ``Manufacturer.members``)."""

    account_type = models.CharField(
        _("account type"),
        max_length=20,
        choices=AccountType.choices,
        blank=True,
        help_text=_("What the person signed up as; empty for staff and accounts made by staff."),
    )
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    privacy_accepted_at = models.DateTimeField(
        _("privacy notice accepted at"),
        null=True,
        blank=True,
        help_text=_("When the person accepted the privacy notice at sign-up."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")


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
        return {OrganisationKind.IKM: Supplier, OrganisationKind.MANUFACTURER: Manufacturer}.get(
            kind  # type: ignore[call-overload]
        )


class Supplier(Organisation):
    """An IKM (industri kecil dan menengah) that can supply components."""

    kind = OrganisationKind.IKM

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
        return [self.owner] if self.owner_id else []

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


class Manufacturer(Organisation):
    """An industri besar (large manufacturer) that buys components."""

    kind = OrganisationKind.MANUFACTURER

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
        demands = Demand.objects.filter(manufacturer=self).exclude(drawing="").order_by("pk")
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


class SupplierDraft(TimeStampedModel):
    """An IKM registration in progress: the steps filled so far, kept as the owner typed
    them so nothing is lost when they stop halfway. Deleted when the registration is
    submitted (the Supplier then exists, pending verification)."""

    owner = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="supplier_draft", verbose_name=_("owner")
    )
    step = models.PositiveSmallIntegerField(_("step reached"), default=1)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("IKM registration draft")
        verbose_name_plural = _("IKM registration drafts")

    def __str__(self) -> str:
        return f"{self.owner} ({self.step})"


class Notification(TimeStampedModel):
    """Something a user should know, shown in their in-app list and, unless they turned it
    off for this kind, sent by e-mail. The text is rendered from ``kind`` and ``params`` in
    the reader's language when shown."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread_idx")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"


class NotificationSetting(TimeStampedModel):
    """A user's choice to receive (or not) e-mail for one kind of notification; no row
    means e-mail on."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    email = models.BooleanField(_("send e-mail"), default=True)

    class Meta:
        ordering = ["user", "kind"]
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_setting_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {'✓' if self.email else '✗'}"


class DeletionRequest(TimeStampedModel):
    """An organisation's request to erase its data; staff confirm it, then the record is
    anonymised and its partnerships keep their anonymised history."""

    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deletion_requests",
        verbose_name=_("IKM"),
    )
    manufacturer = models.ForeignKey(
        Manufacturer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deletion_requests",
        verbose_name=_("manufacturer"),
    )
    requested_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="deletion_requests",
        verbose_name=_("requested by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeletionStatus.choices,
        default=DeletionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        constraints = [
            models.CheckConstraint(
                condition=(Q(supplier__isnull=False) & Q(manufacturer__isnull=True))
                | (Q(supplier__isnull=True) & Q(manufacturer__isnull=False)),
                name="deletion_request_one_organisation",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeletionStatus.values), name="deletion_request_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier or self.manufacturer}: {self.status}"
