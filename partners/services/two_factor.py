"""Two-factor authentication of staff accounts (TOTP with django-otp, backup codes).

A staff user enrols once: ``totp_enrolment_device`` keeps an unconfirmed TOTP device whose
secret the enrolment page shows as a QR code (``totp_qr_svg``, drawn offline by segno) and
as text; ``totp_confirm`` confirms it with a code from the app and hands out fresh backup
codes. At every login the code page checks a code with ``verify_code`` against the user's
confirmed devices (a TOTP code, or a backup code, which is used up). Both kinds of device
count failures and refuse further tries for a growing delay (django-otp's throttling).
``reset_devices`` removes everything, so the user enrols again at the next login."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODE_COUNT = 10
TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"


def needs_two_factor(user: Any) -> bool:
    """Whether this account is one two-factor protects: staff and superusers."""
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def two_factor_required() -> bool:
    return settings.STAFF_2FA == "required"


def has_confirmed_device(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_enrolment_device(user: Any) -> TOTPDevice:
    """The unconfirmed TOTP device being enrolled (created on the first visit, kept across
    reloads so the QR code scanned stays valid)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code (no network, no JavaScript)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#000")


def _clean_code(code: str) -> str:
    return "".join(str(code).split()).lower()


@transaction.atomic
def totp_confirm(*, user: Any, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the enrolment with a code from the app; returns the new backup codes.

    Any other TOTP device of the user is removed (one app per account)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if not device.verify_token(_clean_code(code)):
        raise ValidationError(
            {"code": _("That code is not right. Type the 6 digits your app shows now.")},
            code="invalid",
        )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_backup_codes(user)


@transaction.atomic
def new_backup_codes(user: Any) -> list[str]:
    """Replace the user's backup codes by fresh ones (each works once)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def verify_code(*, user: Any, code: str) -> Device:
    """The confirmed device that accepts ``code`` (a TOTP code or an unused backup code);
    ``ValidationError`` on the field ``code`` otherwise, also while throttled."""
    token = _clean_code(code)
    if token:
        with transaction.atomic():
            devices: list[Device] = [
                *TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True),
                *StaticDevice.objects.select_for_update().filter(user=user, confirmed=True),
            ]
            for device in devices:
                if token.isdigit() != isinstance(device, TOTPDevice):
                    continue  # 6 digits go to the app, backup codes to the backup list
                allowed, _details = device.verify_is_allowed()
                if not allowed:
                    raise ValidationError(
                        {"code": _("Too many wrong codes. Wait a minute and try again.")},
                        code="throttled",
                    )
                if device.verify_token(token):
                    return device
    raise ValidationError(
        {"code": _("That code is not right. Type the 6 digits your app shows now.")},
        code="invalid",
    )


@transaction.atomic
def reset_devices(user: Any) -> int:
    """Remove every two-factor device of ``user`` (lost phone); returns how many."""
    count = TOTPDevice.objects.filter(user=user).count()
    count += StaticDevice.objects.filter(user=user).count()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return count
