"""``{{ value|quantity }}``: a quantity as people write it — thousands grouped, at most
three decimals, no trailing zeros — in the active language ("2,4" / "2.4", "15.000" /
"15,000"). ``floatformat:"-3g"`` would show 2.4 t as "2,400" (Indonesian) or "2.400", which
reads as two thousand four hundred."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def quantity(value) -> str:
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal("0.001"))
    except (InvalidOperation, ValueError):
        return str(value)
    exponent = number.normalize().as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)
