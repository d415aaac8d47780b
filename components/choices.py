from django.db import models
from django.utils.translation import gettext_lazy as _


class Unit(models.TextChoices):
    """Units in which quantities per month are stated."""

    PIECE = "pcs", _("pieces")
    SET = "set", _("sets")
    KILOGRAM = "kg", _("kilograms")
    TONNE = "ton", _("tonnes")
    CUBIC_METRE = "m3", _("cubic metres")


MASS_UNITS_IN_KG = {Unit.KILOGRAM: 1, Unit.TONNE: 1000}
COUNT_UNITS = {Unit.PIECE, Unit.SET}


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("province")
    REGENCY = "regency", _("regency/city")


class CertificationKind(models.TextChoices):
    QUALITY = "quality", _("quality management")
    PRODUCT = "product", _("product standard")
    LEGALITY = "legality", _("legality / origin")
    LOCAL_CONTENT = "local_content", _("local content")
    SECTOR = "sector", _("sector-specific")
