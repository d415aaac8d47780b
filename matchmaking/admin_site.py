"""The Django admin, wrapped so a staff account enters it only with a verified second
factor (when two-factor is required, or once the account has enrolled a device).

``StaffTwoFactorMiddleware`` already sends an unverified staff user to the code page before
any page; this check keeps the admin closed even on a path the middleware lets through."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class TwoFactorAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        from partners.services import two_factor

        user = request.user
        if getattr(user, "is_verified", lambda: False)():
            return True
        return not (two_factor.two_factor_required() or two_factor.has_confirmed_device(user))


class TwoFactorAdminConfig(AdminConfig):
    default_site = "matchmaking.admin_site.TwoFactorAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscovers every app's admin.py
        # django-otp's own device pages would show any user's TOTP secret and QR code to
        # whoever may view devices; the users' "Reset two-factor authentication" action
        # (superusers only) is the one way to manage devices.
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
