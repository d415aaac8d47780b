"""Two-factor pages of staff accounts, under /accounts/two-factor/ (namespace ``partners``).

``two_factor_verify`` is the login's second step: after the password, a staff user with a
confirmed device types a code from the app (or a backup code) before any other page opens
(``matchmaking.security.StaffTwoFactorMiddleware`` sends them here). ``two_factor_setup``
enrols the authenticator app (QR code and secret as text, confirmed with a code) and shows
the backup codes once; an enrolled and verified user sees the status there and can draw new
backup codes. Someone who only knows the password can never replace an enrolled device:
enrolment is refused until the session is verified."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from common.forms import add_service_errors

from ..forms.two_factor import EnrolmentCodeForm, TwoFactorCodeForm
from ..permissions import role_required
from ..services import two_factor

staff_account_required = role_required(two_factor.needs_two_factor)


def next_url(request: HttpRequest) -> str:
    """The page asked for before the second step, if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("after_login")


def _is_verified(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_verified", lambda: False)())


@never_cache
@require_http_methods(["GET", "POST"])
@staff_account_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not two_factor.has_confirmed_device(user):
        return redirect(f"{reverse('partners:two_factor_setup')}?next={next_url(request)}")
    if _is_verified(request):
        return redirect(next_url(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify_code(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session.cycle_key()
            otp_login(request, device)
            return redirect(next_url(request))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": next_url(request)}
    )


@never_cache
@require_http_methods(["GET", "POST"])
@staff_account_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, object] = {"next": next_url(request)}
    if two_factor.has_confirmed_device(user):
        if not _is_verified(request):
            return redirect(f"{reverse('partners:two_factor_verify')}?next={next_url(request)}")
        if request.method == "POST" and request.POST.get("action") == "backup-codes":
            context["backup_codes"] = two_factor.new_backup_codes(user)
            return render(request, "registration/two_factor_backup_codes.html", context)
        return render(request, "registration/two_factor_status.html", context)
    device = two_factor.totp_enrolment_device(user)
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.totp_confirm(
                user=user, device=device, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            request.session.cycle_key()
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on for your account."))
            context["backup_codes"] = codes
            return render(request, "registration/two_factor_backup_codes.html", context)
    context.update(
        {
            "form": form,
            "qr_svg": two_factor.totp_qr_svg(device),
            "secret": two_factor.totp_secret_text(device),
            "required": two_factor.two_factor_required(),
        }
    )
    return render(request, "registration/two_factor_setup.html", context)


urlpatterns: list[URLPattern] = [
    path("", two_factor_verify, name="two_factor_verify"),
    path("setup/", two_factor_setup, name="two_factor_setup"),
]
