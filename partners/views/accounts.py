"""Partners: account pages under /accounts/ (see partners/urls.py): sign-up, e-mail
confirmation and its resending, password reset.

Login and logout stay in matchmaking/urls.py (names ``login`` and ``logout``); the login
form that tells an unconfirmed account what to do is ``partners.forms.accounts.LoginForm``.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from common.forms import add_service_errors

from .. import auth_events
from ..choices import AccountType
from ..forms.accounts import (
    PasswordChangeForm,
    PasswordResetForm,
    ResendConfirmationForm,
    SetPasswordForm,
    SignupForm,
)
from ..models import User
from ..services import accounts

SIGNUP_EMAIL_SESSION_KEY = "partners_signup_email"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' answer to a login while the username or the address is locked out
    (``AXES_LOCKOUT_CALLABLE``): the site's page saying so and for how long, in the user's
    language, with status 429. Every attempt during the lock restarts the cool-off, so the
    whole cool-off is what remains."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an inactive account and e-mail its confirmation link; then the "check your
    e-mail" page. Errors come back next to their fields with what was typed."""
    if request.user.is_authenticated:
        return redirect("after_login")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.account_signup(**form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # The same answer whether the address was new (user) or already had an
            # account (None: its owner was told by e-mail).
            email = user.email if user is not None else form.cleaned_data["email"]
            request.session[SIGNUP_EMAIL_SESSION_KEY] = email
            return redirect("partners:signup_done")
    return render(request, "registration/signup.html", {"form": form})


@require_GET
def signup_done(request: HttpRequest) -> HttpResponse:
    """Where to look next: the e-mail with the link (and how to get another one)."""
    return render(
        request,
        "registration/signup_done.html",
        {"email": request.session.get(SIGNUP_EMAIL_SESSION_KEY, "")},
    )


def landing_url(user: User) -> str:
    """Where a person lands after confirming: an IKM owner on the IKM registration, a
    manufacturer representative on the company page (home until those pages exist)."""
    landings: dict[str, str] = {
        AccountType.IKM_OWNER: "partners:register",
        AccountType.MANUFACTURER: "partners:company",
    }
    name = landings.get(user.account_type, "after_login")
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse("home")


@never_cache
@require_GET
def confirm_email(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Open the confirmation link: activate the account, log it in and send it on to its
    next step. A link already used, expired or mangled gets a page saying what to do."""
    user = accounts.account_confirm(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "registration/confirm_email_invalid.html", status=400)
    login(request, user, backend=MODEL_BACKEND)
    request.session.pop(SIGNUP_EMAIL_SESSION_KEY, None)
    messages.success(request, _("Thank you: your e-mail address is confirmed."))
    return redirect(landing_url(user))


@never_cache
@require_http_methods(["GET", "POST"])
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    """Ask for a new confirmation link. The answer is the same whether or not an account
    waits for this address."""
    initial = {"email": request.GET.get("email") or request.session.get(SIGNUP_EMAIL_SESSION_KEY)}
    form = ResendConfirmationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        accounts.account_resend_confirmation(email=form.cleaned_data["email"])
        messages.success(
            request,
            _(
                "If an account waiting for confirmation uses this address, a new link is on "
                "its way. Check your inbox and spam folder."
            ),
        )
        return redirect("partners:resend_confirmation")
    return render(request, "registration/resend_confirmation.html", {"form": form})


password_reset = auth_views.PasswordResetView.as_view(
    form_class=PasswordResetForm,
    template_name="registration/password_reset_form.html",
    email_template_name="registration/email/password_reset.txt",
    subject_template_name="registration/email/password_reset_subject.txt",
    extra_email_context={"site_url": settings.SITE_URL.rstrip("/")},
    success_url=reverse_lazy("partners:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_done.html"
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view; the new password is logged as an event (by account id only)."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        auth_events.password_changed(user=form.user, how="reset", request=self.request)
        return response


password_reset_confirm = PasswordResetConfirmView.as_view(
    form_class=SetPasswordForm,
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("partners:password_reset_complete"),
)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every signed-in person (staff, IKM owner, manufacturer member) changes their own
    password: the current one, then the new one twice. The session stays signed in; other
    sessions of the account end (their hash no longer matches)."""

    form_class = PasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("partners:password_change")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        auth_events.password_changed(user=form.user, how="change", request=self.request)
        messages.success(self.request, _("Your password has been changed."))
        return response


password_change = PasswordChangeView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html"
)


urlpatterns: list[URLPattern] = [
    path("signup/", signup, name="signup"),
    path("signup/done/", signup_done, name="signup_done"),
    path("confirmation/resend/", resend_confirmation, name="resend_confirmation"),
    path("confirm/<uidb64>/<token>/", confirm_email, name="confirm_email"),
    path("password/reset/", password_reset, name="password_reset"),
    path("password/reset/done/", password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", password_reset_confirm, name="password_reset_confirm"),
    path("password/reset/complete/", password_reset_complete, name="password_reset_complete"),
    path("password/change/", password_change, name="password_change"),
]
