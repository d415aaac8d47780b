"""The catalogue and reference data: what can be made, from what, by which process.

The catalogue knows nothing of suppliers or matching (arrows point
matchmaking → partners → components).
"""

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.models import BilingualNameModel, TimeStampedModel

from .choices import CertificationKind, Unit


class Province(models.Model):
    """A province by its Kemendagri code, e.g. ``33`` (Jawa Tengah)."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Regency(models.Model):
    """A regency (kabupaten) or city (kota) by its Kemendagri code, e.g. ``33.10`` (Klaten)."""

    code = models.CharField(_("code"), max_length=5, primary_key=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="regencies", verbose_name=_("province")
    )
    name = models.CharField(_("name"), max_length=100)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("regency/city")
        verbose_name_plural = _("regencies/cities")

    def __str__(self) -> str:
        return self.name


class KbliCode(models.Model):
    """A KBLI 2020 code (section C, manufacturing), any level from 2 to 5 digits."""

    code = models.CharField(_("code"), max_length=5, primary_key=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("KBLI code")
        verbose_name_plural = _("KBLI codes")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def level(self) -> int:
        return len(self.code)


class Sector(BilingualNameModel, TimeStampedModel):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    kbli_codes = models.ManyToManyField(
        KbliCode, blank=True, related_name="sectors", verbose_name=_("KBLI codes")
    )

    class Meta:
        ordering = ["name_id"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class ComponentCategory(BilingualNameModel, TimeStampedModel):
    """A node of the component tree, e.g. railway → bogie parts."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="categories", verbose_name=_("sector")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )

    class Meta:
        ordering = ["sector__name_id", "name_id"]
        verbose_name = _("component category")
        verbose_name_plural = _("component categories")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="componentcategory_not_own_parent"
            )
        ]


class Material(BilingualNameModel, TimeStampedModel):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    family = models.CharField(
        _("material family"),
        max_length=50,
        blank=True,
        help_text=_("e.g. ferrous, non-ferrous, wood, polymer"),
    )

    class Meta:
        ordering = ["name_id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")


class Process(BilingualNameModel, TimeStampedModel):
    code = models.SlugField(_("code"), max_length=50, unique=True)

    class Meta:
        ordering = ["name_id"]
        verbose_name = _("process")
        verbose_name_plural = _("processes")


class Certification(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=CertificationKind.choices,
        default=CertificationKind.QUALITY,
    )
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CertificationKind.values), name="certification_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ComponentType(BilingualNameModel, TimeStampedModel):
    """A part a manufacturer buys, e.g. *blok rem metalik* (cast-iron brake block)."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    category = models.ForeignKey(
        ComponentCategory,
        on_delete=models.PROTECT,
        related_name="component_types",
        verbose_name=_("category"),
    )
    description = models.TextField(_("description"), blank=True)
    typical_materials = models.ManyToManyField(
        Material, blank=True, related_name="component_types", verbose_name=_("typical materials")
    )
    required_processes = models.ManyToManyField(
        Process, blank=True, related_name="component_types", verbose_name=_("required processes")
    )
    unit = models.CharField(
        _("unit of measure"), max_length=5, choices=Unit.choices, default=Unit.PIECE
    )
    unit_weight_kg = models.DecimalField(
        _("unit weight (kg)"),
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.001)],
        help_text=_("Weight of one piece; lets pieces and tonnes be compared."),
    )
    kbli = models.ForeignKey(
        KbliCode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="component_types",
        verbose_name=_("KBLI code"),
    )
    hs_code = models.CharField(
        _("HS code"),
        max_length=12,
        blank=True,
        validators=[
            RegexValidator(r"^\d{4}(\.?\d{2}){0,3}$", _("Enter an HS code such as 8607.21."))
        ],
    )

    class Meta:
        ordering = ["category__name_id", "name_id"]
        verbose_name = _("component type")
        verbose_name_plural = _("component types")
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__in=Unit.values), name="componenttype_unit_valid"
            ),
            models.CheckConstraint(
                condition=Q(unit_weight_kg__isnull=True) | Q(unit_weight_kg__gt=0),
                name="componenttype_unit_weight_positive",
            ),
        ]

    @property
    def sector(self) -> Sector:
        return self.category.sector
