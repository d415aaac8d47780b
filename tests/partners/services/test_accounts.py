"""Account services (partners/services/accounts.py): sign-up, e-mail confirmation, resending
the link."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import resolve
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from partners.choices import AccountType
from partners.models import User
from partners.services.accounts import (
    account_confirm,
    account_resend_confirmation,
    account_signup,
    confirmation_url,
    email_confirmation_token,
)
from tests.partners.factories import UserFactory
from tests.partners.services.helpers import error_codes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    """The resend throttle counts in the cache: each test starts without earlier sends."""
    cache.clear()
    yield
    cache.clear()


PASSWORD = "Bl0k-rem-Ceper!"


def signup_kwargs(**overrides):
    return {
        "username": "sri.ceper",
        "email": "sri@logamceper.id",
        "name": "Sri Wahyuni",
        "password": PASSWORD,
        "account_type": AccountType.IKM_OWNER,
        "privacy_accepted": True,
        **overrides,
    }


def link_path(body: str) -> str:
    """The path of the first absolute link in an e-mail body."""
    url = re.search(r"https?://\S+", body).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


# --- sign-up ----------------------------------------------------------------------------------


def test_signup_creates_an_inactive_unconfirmed_account_and_mails_a_link_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user = account_signup(**signup_kwargs(email=" Sri@LogamCeper.id "))

    user.refresh_from_db()
    assert (user.is_active, user.email_confirmed_at) == (False, None)
    assert user.account_type == AccountType.IKM_OWNER
    assert user.first_name == "Sri Wahyuni"
    assert user.email == "Sri@logamceper.id"
    assert user.check_password(PASSWORD)
    assert user.privacy_accepted_at is not None
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Sri@logamceper.id"]
    assert link_path(mail.outbox[0].body).startswith("/accounts/confirm/")
    assert "sri.ceper" in mail.outbox[0].body


def test_signup_sends_nothing_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        account_signup(**signup_kwargs())

    assert len(callbacks) == 1
    assert mail.outbox == []


def test_the_same_signup_sent_twice_creates_one_account_and_one_email(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        first = account_signup(**signup_kwargs())
        second = account_signup(**signup_kwargs(email="SRI@logamceper.id"))

    assert second == first
    assert User.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_second_signup_with_the_same_username_but_another_password_is_refused():
    account_signup(**signup_kwargs())

    with pytest.raises(ValidationError) as excinfo:
        account_signup(**signup_kwargs(password=PASSWORD + "2"))

    assert set(excinfo.value.error_dict) == {"username"}
    assert User.objects.count() == 1


def test_signup_with_an_email_already_used_whatever_its_case_creates_nothing_and_tells_its_owner(
    django_capture_on_commit_callbacks,
):
    UserFactory(username="existing", email="sri@logamceper.id")

    with django_capture_on_commit_callbacks(execute=True):
        result = account_signup(**signup_kwargs(email="SRI@LOGAMCEPER.ID"))

    assert result is None
    assert not User.objects.filter(username="sri.ceper").exists()
    assert [message.to for message in mail.outbox] == [["sri@logamceper.id"]]


def test_the_database_refuses_a_username_or_email_differing_only_in_case():
    UserFactory(username="staff", email="staff@kemenperin.go.id")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="Staff", email="lain@kemenperin.go.id")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="staff2", email="STAFF@Kemenperin.go.id")
    # Accounts made by staff may share an empty address.
    User.objects.create(username="tanpa-surel-1", email="")
    User.objects.create(username="tanpa-surel-2", email="")


def test_signup_reports_every_bad_field_at_once():
    UserFactory(username="sri.ceper")

    with pytest.raises(ValidationError) as excinfo:
        account_signup(
            **signup_kwargs(password="12345678", account_type="", privacy_accepted=False, name=" ")
        )

    errors = excinfo.value.error_dict
    assert set(errors) == {"username", "password", "account_type", "privacy_accepted", "name"}
    assert "password_too_common" in error_codes(excinfo, "password")
    assert "password_entirely_numeric" in error_codes(excinfo, "password")
    assert User.objects.count() == 1


def test_signup_refuses_a_password_like_the_username():
    with pytest.raises(ValidationError) as excinfo:
        account_signup(**signup_kwargs(username="sriwahyuni", password="sriwahyuni1"))

    assert "password_too_similar" in error_codes(excinfo, "password")


def test_signup_refuses_an_unknown_account_type():
    with pytest.raises(ValidationError) as excinfo:
        account_signup(**signup_kwargs(account_type="staff"))

    assert list(excinfo.value.error_dict) == ["account_type"]


# --- confirmation -----------------------------------------------------------------------------


def signed_up(**overrides) -> User:
    return account_signup(**signup_kwargs(**overrides))


def token_parts(user: User) -> dict[str, str]:
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": email_confirmation_token.make_token(user),
    }


def test_confirm_activates_the_account_and_records_when():
    user = signed_up()

    confirmed = account_confirm(**token_parts(user))

    user.refresh_from_db()
    assert confirmed == user
    assert user.is_active
    assert user.email_confirmed_at is not None
    assert abs((timezone.now() - user.email_confirmed_at).total_seconds()) < 60


def test_confirmation_link_works_once():
    user = signed_up()
    parts = token_parts(user)
    account_confirm(**parts)
    first_confirmed_at = User.objects.get(pk=user.pk).email_confirmed_at

    assert account_confirm(**parts) is None
    assert User.objects.get(pk=user.pk).email_confirmed_at == first_confirmed_at


@pytest.mark.parametrize(
    "mangle",
    [
        lambda parts: {**parts, "token": parts["token"][:-1] + "x"},
        lambda parts: {**parts, "uidb64": "not-base64!"},
        lambda parts: {**parts, "uidb64": urlsafe_base64_encode(b"999999")},
    ],
    ids=["token", "uid", "unknown-user"],
)
def test_a_mangled_link_confirms_nothing(mangle):
    user = signed_up()

    assert account_confirm(**mangle(token_parts(user))) is None
    user.refresh_from_db()
    assert (user.is_active, user.email_confirmed_at) == (False, None)


def test_a_link_made_before_the_address_changed_no_longer_works():
    user = signed_up()
    parts = token_parts(user)
    User.objects.filter(pk=user.pk).update(email="lain@logamceper.id")

    assert account_confirm(**parts) is None


def test_an_account_deactivated_by_staff_is_not_reactivated_by_an_old_link():
    user = signed_up()
    parts = token_parts(user)
    account_confirm(**parts)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert account_confirm(**parts) is None
    assert not User.objects.get(pk=user.pk).is_active


# --- resending --------------------------------------------------------------------------------


def test_resend_mails_a_working_link_to_an_unconfirmed_account(django_capture_on_commit_callbacks):
    user = signed_up()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        account_resend_confirmation(email="SRI@logamceper.id")

    assert [message.to for message in mail.outbox] == [[user.email]]
    match = re.search(r"/accounts/confirm/([^/]+)/([^/]+)/", mail.outbox[0].body)
    assert account_confirm(uidb64=match.group(1), token=match.group(2)) == user


def test_resend_sends_one_link_per_address_per_minute(django_capture_on_commit_callbacks):
    user = signed_up()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        account_resend_confirmation(email=user.email)
        account_resend_confirmation(email=user.email.upper())
    assert len(mail.outbox) == 1

    cache.clear()  # the interval has passed
    with django_capture_on_commit_callbacks(execute=True):
        account_resend_confirmation(email=user.email)
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("address", ["nobody@example.id", "confirmed@example.id", ""])
def test_resend_sends_nothing_for_unknown_or_confirmed_addresses(
    address, django_capture_on_commit_callbacks
):
    UserFactory(email="confirmed@example.id", email_confirmed_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        account_resend_confirmation(email=address)

    assert mail.outbox == []


def test_confirmation_url_is_absolute_on_the_site_url(settings):
    settings.SITE_URL = "https://jembatan.example.go.id/"
    user = signed_up()

    url = confirmation_url(user=user)

    assert url.startswith("https://jembatan.example.go.id/accounts/confirm/")
    match = resolve(url.removeprefix("https://jembatan.example.go.id"))
    assert match.view_name == "partners:confirm_email"
    assert account_confirm(**match.kwargs) == user
