"""Forms of the account pages (sign-up, login, confirmation, password reset).

The sign-up form checks what a browser can get wrong and asks the service's own check
(``partners.services.accounts.account_signup_check``) for the rest, so every message — a taken
e-mail, a weak password, the privacy notice not accepted — shows next to its field in one
round, and what was typed stays (except passwords, which are never sent back)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from common.forms import BootstrapFormMixin, add_service_errors
from common.outbox import mail_queue

from ..choices import AccountType
from ..models import User
from ..services.accounts import NAME_MAX_LENGTH, account_signup_check, awaiting_confirmation


class SignupForm(BootstrapFormMixin, forms.Form):
    """Who signs up (IKM owner or manufacturer representative), their login, name and
    e-mail, a password typed twice, and the privacy notice accepted."""

    account_type = forms.ChoiceField(
        label=_("I sign up as"),
        choices=AccountType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you sign up as.")},
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your name.")},
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send a link to this address to confirm it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"}),
        error_messages={"required": _("Enter your e-mail address.")},
    )
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("For logging in: letters, digits and @ . + - _ only."),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={"required": _("Choose a username.")},
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_(
            "At least 10 characters, not only digits, not a common password and not like "
            "your name or e-mail."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Choose a password.")},
    )
    password_confirm = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Type the password again.")},
    )
    privacy_accepted = forms.BooleanField(
        label=_("I have read the privacy notice and agree that my data is used as it says."),
        error_messages={
            "required": _("Please read and accept the privacy notice to create an account.")
        },
    )

    def clean(self) -> dict[str, Any]:
        super().clean()  # a Form's clean() gives back its cleaned_data
        data = self.cleaned_data
        password, again = data.get("password"), data.get("password_confirm")
        if password and again and password != again:
            self.add_error(
                "password_confirm", ValidationError(_("The two passwords differ."), code="mismatch")
            )
        try:
            account_signup_check(**self.service_data())
        except ValidationError as error:
            # A field the form already refused (e.g. a malformed e-mail, which the service
            # then sees as missing) keeps the form's message alone.
            fresh = {
                field: messages
                for field, messages in error.error_dict.items()
                if field not in self.errors
            }
            if fresh:
                add_service_errors(self, ValidationError(fresh))
        return data

    def service_data(self) -> dict[str, Any]:
        """The keyword arguments of ``account_signup`` from the cleaned data."""
        data = self.cleaned_data
        return {
            "username": data.get("username", ""),
            "email": data.get("email", ""),
            "name": data.get("name", ""),
            "password": data.get("password", ""),
            "account_type": data.get("account_type", ""),
            "privacy_accepted": bool(data.get("privacy_accepted")),
        }


class LoginForm(AuthenticationForm):
    """Django's login form, with one more answer: an account that signed up but has not
    confirmed its e-mail yet is told so (only when the password is right, so the answer
    reveals nothing to someone guessing), and the login page offers to resend the link."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "unconfirmed": _(
            "Your e-mail address is not confirmed yet. Open the link we e-mailed you, or ask "
            "for a new one."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.awaiting_confirmation = False
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                if getattr(self.request, "axes_locked_out", False):
                    # Locked out: no password is checked, the lockout page answers.
                    raise self.get_invalid_login_error()
                user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
                if (
                    user is not None
                    and awaiting_confirmation(user)
                    and user.check_password(password)
                ):
                    self.awaiting_confirmation = True
                    raise ValidationError(self.error_messages["unconfirmed"], code="unconfirmed")
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ResendConfirmationForm(BootstrapFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"}),
        error_messages={"required": _("Enter your e-mail address.")},
    )


class PasswordResetForm(BootstrapFormMixin, DjangoPasswordResetForm):
    """Django's form with Bootstrap classes; the e-mail carries ``site_url`` links and is
    sent by the worker (stored in the outbox: a mail server that is down fails nothing)."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = render_to_string(subject_template_name, context)
        body = render_to_string(email_template_name, context)
        mail_queue(
            subject=" ".join(subject.split()), body=body, to=[to_email], from_email=from_email or ""
        )


class SetPasswordForm(BootstrapFormMixin, DjangoSetPasswordForm):
    pass


class PasswordChangeForm(BootstrapFormMixin, DjangoPasswordChangeForm):
    """The current password, then the new one twice (checked by the configured
    validators)."""
