from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

nib_validator = RegexValidator(
    r"^\d{13}$",
    _("NIB must be exactly 13 digits (Nomor Induk Berusaha from OSS)."),
    code="invalid_nib",
)

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()-]{6,19}$",
    _("Enter a phone number such as 0272 321 456 or +62 812 3456 7890."),
    code="invalid_phone",
)
