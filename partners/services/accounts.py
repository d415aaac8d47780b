"""Accounts of IKM owners and manufacturer representatives: sign-up, e-mail confirmation.

A person signs up as an IKM owner or a manufacturer representative; the account is created
inactive and a link is e-mailed to confirm the address. Opening the link once activates the
account (``email_confirmed_at`` set); the same link is then spent, because the token is
keyed on those two fields. Whether an address is registered is never revealed by the
resend service.

E-mails are sent after the transaction commits, in the language the person used on the page
(``translation.get_language()`` when the service is called), with absolute links built on
``settings.SITE_URL``.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from common.mail import send_templated_mail

from ..choices import AccountType
from ..models import User

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 150
RESEND_INTERVAL_SECONDS = 60


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """A signed, expiring token (``PASSWORD_RESET_TIMEOUT``) that stops working once the
    account is active and its e-mail confirmed, or when the address changes."""

    # The salt keeps the name of the module this class was first written in, so links
    # already e-mailed keep working.
    key_salt = "partners.accounts.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        confirmed = "" if user.email_confirmed_at is None else user.email_confirmed_at.isoformat()
        return f"{user.pk}{user.is_active}{confirmed}{user.email}{timestamp}"


email_confirmation_token = EmailConfirmationTokenGenerator()


def _email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    users = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    return users.exists()


def _username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def _signup_repeat(*, username: str, email: str, password: str, account_type: str) -> User | None:
    """The account this very sign-up already created (same username, e-mail, role and
    password, still waiting for confirmation): a form sent twice, which must not fail."""
    if not (username and email and password):
        return None
    user = User.objects.filter(
        username=username.strip(),
        email__iexact=email.strip(),
        account_type=account_type or "",
        is_active=False,
        email_confirmed_at__isnull=True,
    ).first()
    return user if user is not None and user.check_password(password) else None


def account_signup_check(
    *,
    username: str,
    email: str,
    name: str,
    password: str,
    account_type: str,
    privacy_accepted: bool,
) -> User:
    """The unsaved, inactive account these details would make, or ``ValidationError`` keyed
    by field (``username``, ``email``, ``name``, ``password``, ``account_type``,
    ``privacy_accepted``): a taken username or e-mail (compared without case), a password
    the configured validators refuse, no or an unknown account type, the privacy notice not
    accepted. The same sign-up sent again returns the account it already created (saved:
    ``pk`` set)."""
    email = User.objects.normalize_email((email or "").strip())
    repeat = _signup_repeat(
        username=username, email=email, password=password, account_type=account_type
    )
    if repeat is not None and privacy_accepted:
        return repeat
    user = User(
        username=(username or "").strip(),
        email=email,
        first_name=(name or "").strip(),
        account_type=account_type or "",
        is_active=False,
    )
    errors: dict[str, list[ValidationError]] = {}
    try:
        # Uniqueness without case is checked below, with a message for its field.
        user.full_clean(exclude=["password"], validate_constraints=False)
    except ValidationError as exc:
        errors = {field: list(messages) for field, messages in exc.error_dict.items()}
    if "first_name" in errors:
        errors["name"] = errors.pop("first_name")
    if not user.first_name and "name" not in errors:
        errors["name"] = [ValidationError(_("Enter your name."), code="required")]
    if not email and "email" not in errors:
        errors["email"] = [ValidationError(_("Enter your e-mail address."), code="required")]
    if user.username and "username" not in errors and _username_taken(user.username):
        errors["username"] = [
            ValidationError(_("A user with that username already exists."), code="unique")
        ]
    # A taken e-mail is no error here: ``account_signup`` answers as for a new one.
    if user.account_type not in AccountType.values and "account_type" not in errors:
        errors["account_type"] = [
            ValidationError(_("Choose what you sign up as."), code="required")
        ]
    if password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = list(exc.error_list)
    else:
        errors["password"] = [ValidationError(_("Choose a password."), code="required")]
    if not privacy_accepted:
        errors["privacy_accepted"] = [
            ValidationError(
                _("Please read and accept the privacy notice to create an account."),
                code="required",
            )
        ]
    if errors:
        raise ValidationError(errors)
    return user


def account_signup(
    *,
    username: str,
    email: str,
    name: str,
    password: str,
    account_type: str,
    privacy_accepted: bool,
) -> User | None:
    """Create an inactive account and, after commit, e-mail it a confirmation link in the
    active language. Invalid details raise ``ValidationError`` keyed by field (see
    ``account_signup_check``) and save nothing. The same sign-up sent twice (a double
    click, a reload) creates one account and sends one e-mail: the second call returns the
    account of the first.

    An e-mail address that already holds an account (compared without case) is not
    refused, which would tell anyone who has an account: nothing is created, the owner of
    the address is told by e-mail that someone tried to sign up with it (at most once per
    ``RESEND_INTERVAL_SECONDS``), and ``None`` is returned; the caller answers exactly as
    for a new account ("check your e-mail")."""
    user = account_signup_check(
        username=username,
        email=email,
        name=name,
        password=password,
        account_type=account_type,
        privacy_accepted=privacy_accepted,
    )
    if user.pk is not None:
        return user
    if _email_taken(user.email):
        make_password(password)  # the same hashing time as a new account: no timing tell
        _signup_attempt_notice(email=user.email)
        return None
    user.set_password(password)
    user.privacy_accepted_at = timezone.now()
    language = translation.get_language() or settings.LANGUAGE_CODE
    try:
        with transaction.atomic():
            user.save()
            confirmation_email_send(user=user, language=language)  # stored with the account
    except IntegrityError as exc:
        # The same form sent twice at once: the unique constraints keep one.
        repeat = _signup_repeat(
            username=username, email=user.email, password=password, account_type=account_type
        )
        if repeat is not None:
            return repeat
        if _email_taken(user.email) and not _username_taken(user.username):
            return None  # another sign-up took the address meanwhile: answer as above
        raise ValidationError(
            {"username": ValidationError(_("A user with that username already exists."))}
        ) from exc
    return user


def _signup_attempt_notice(*, email: str) -> None:
    """Tell the account(s) holding ``email`` that someone tried to sign up with it, in the
    active language, at most once per interval per address (the mail is stored in the
    outbox with this transaction and sent by the worker)."""
    key = "partners:signup-attempt:" + hashlib.sha256(email.lower().encode()).hexdigest()
    if not cache.add(key, True, RESEND_INTERVAL_SECONDS):
        return
    language = translation.get_language() or settings.LANGUAGE_CODE
    for recipient in User.objects.filter(email__iexact=email):
        signup_attempt_email_send(user=recipient, language=language)


def signup_attempt_email_send(*, user: User, language: str | None = None) -> None:
    """E-mail ``user`` that their address was used to sign up again, with the ways in."""
    site = settings.SITE_URL.rstrip("/")
    send_templated_mail(
        subject_template="registration/email/signup_attempt_subject.txt",
        body_template="registration/email/signup_attempt.txt",
        context={
            "user": user,
            "login_url": site + reverse("login"),
            "password_reset_url": site + reverse("partners:password_reset"),
        },
        recipients=[user.email],
        language=language,
    )


def confirmation_url(*, user: User) -> str:
    """The absolute link that confirms ``user``'s e-mail address."""
    path = reverse(
        "partners:confirm_email",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": email_confirmation_token.make_token(user),
        },
    )
    return settings.SITE_URL.rstrip("/") + path


def confirmation_email_send(*, user: User, language: str | None = None) -> None:
    """E-mail ``user`` the link confirming their address, in ``language`` (default: the
    site's language)."""
    send_templated_mail(
        subject_template="registration/email/confirm_email_subject.txt",
        body_template="registration/email/confirm_email.txt",
        context={
            "user": user,
            "confirm_url": confirmation_url(user=user),
            "resend_url": settings.SITE_URL.rstrip("/") + reverse("partners:resend_confirmation"),
            "account_type": AccountType(user.account_type).label if user.account_type else "",
        },
        recipients=[user.email],
        language=language,
    )


def account_resend_confirmation(*, email: str) -> None:
    """Send a new confirmation link to the unconfirmed, inactive account with this address
    (compared without case), if there is one, at most once per ``RESEND_INTERVAL_SECONDS``
    (counted in the cache). Says nothing either way, so the form cannot be used to find
    out who has an account."""
    email = email.strip()
    if not email:
        return
    key = "partners:resend:" + hashlib.sha256(email.lower().encode()).hexdigest()
    if not cache.add(key, True, RESEND_INTERVAL_SECONDS):
        return  # one link per address per interval: the form cannot flood a mailbox
    language = translation.get_language() or settings.LANGUAGE_CODE
    for user in User.objects.filter(
        email__iexact=email, is_active=False, email_confirmed_at__isnull=True
    ):
        confirmation_email_send(user=user, language=language)


def user_from_uidb64(uidb64: str) -> User | None:
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return User.objects.get(pk=pk)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist, ValidationError):
        return None


def account_confirm(*, uidb64: str, token: str) -> User | None:
    """Activate the account the link was made for and record when its e-mail was
    confirmed. Returns the user, or None when the link is invalid, expired or already used
    (the token stops working once the account is confirmed)."""
    user = user_from_uidb64(uidb64)
    if user is None:
        return None
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not email_confirmation_token.check_token(user, token):
            return None
        user.is_active = True
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["is_active", "email_confirmed_at"])
    logger.info("account %s confirmed its e-mail address", user.pk)
    return user


def awaiting_confirmation(user: User | None) -> bool:
    """Whether ``user`` signed up and has not confirmed the e-mail address yet."""
    return bool(user and not user.is_active and user.email_confirmed_at is None)
