"""The people who sign in."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from ..choices import AccountType


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
        # the stubs type AbstractUser.Meta's names as str; Django's own are lazy too
        verbose_name = _("user")  # type: ignore[assignment]
        verbose_name_plural = _("users")  # type: ignore[assignment]
        # One account per username and per e-mail address, whatever the case: `Staff`
        # cannot sit beside `staff`. Accounts made by staff may have no e-mail (blank).
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="partners_user_username_ci_unique",
                violation_error_code="unique",
                violation_error_message=_("A user with that username already exists."),
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="partners_user_email_ci_unique",
                violation_error_code="unique",
                violation_error_message=_("An account with this e-mail address already exists."),
            ),
        ]
