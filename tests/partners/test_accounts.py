"""Account services (sign-up, e-mail confirmation, resending) and the verification decision
(notifications, e-mails, rescoring), called directly."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import resolve
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from matchmaking.choices import MatchKind
from matchmaking.engine import rescoring
from matchmaking.models import Match
from partners import accounts, verification
from partners.choices import AccountType, DemandStatus, NotificationKind, VerificationStatus
from partners.models import Notification, Supplier, User
from partners.verification import Decision
from tests.matchmaking import factories as f
from tests.partners.factories import ManufacturerFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Bl0k-rem-Ceper!"


@pytest.fixture(autouse=True)
def eager_tasks():
    """Run enqueued rescoring in-process even when a Redis broker is configured."""
    from matchmaking.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def empty_cache():
    """The resend throttle counts in the cache: each test starts without earlier sends."""
    cache.clear()
    yield
    cache.clear()


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


def error_codes(excinfo, field):
    return [error.code for error in excinfo.value.error_dict[field]]


def link_path(body: str) -> str:
    """The path of the first absolute link in an e-mail body."""
    url = re.search(r"https?://\S+", body).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


# --- sign-up ----------------------------------------------------------------------------------


def test_signup_creates_an_inactive_unconfirmed_account_and_mails_a_link_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user = accounts.account_signup(**signup_kwargs(email=" Sri@LogamCeper.id "))

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
        accounts.account_signup(**signup_kwargs())

    assert len(callbacks) == 1
    assert mail.outbox == []


def test_the_same_signup_sent_twice_creates_one_account_and_one_email(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        first = accounts.account_signup(**signup_kwargs())
        second = accounts.account_signup(**signup_kwargs(email="SRI@logamceper.id"))

    assert second == first
    assert User.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_second_signup_with_the_same_username_but_another_password_is_refused():
    accounts.account_signup(**signup_kwargs())

    with pytest.raises(ValidationError) as excinfo:
        accounts.account_signup(**signup_kwargs(password=PASSWORD + "2"))

    assert set(excinfo.value.error_dict) == {"username", "email"}
    assert User.objects.count() == 1


def test_signup_refuses_an_email_already_used_whatever_its_case_and_saves_nothing():
    UserFactory(username="existing", email="sri@logamceper.id")

    with pytest.raises(ValidationError) as excinfo:
        accounts.account_signup(**signup_kwargs(email="SRI@LOGAMCEPER.ID"))

    assert error_codes(excinfo, "email") == ["email_taken"]
    assert not User.objects.filter(username="sri.ceper").exists()
    assert mail.outbox == []


def test_signup_reports_every_bad_field_at_once():
    UserFactory(username="sri.ceper")

    with pytest.raises(ValidationError) as excinfo:
        accounts.account_signup(
            **signup_kwargs(password="12345678", account_type="", privacy_accepted=False, name=" ")
        )

    errors = excinfo.value.error_dict
    assert set(errors) == {"username", "password", "account_type", "privacy_accepted", "name"}
    assert "password_too_common" in error_codes(excinfo, "password")
    assert "password_entirely_numeric" in error_codes(excinfo, "password")
    assert User.objects.count() == 1


def test_signup_refuses_a_password_like_the_username():
    with pytest.raises(ValidationError) as excinfo:
        accounts.account_signup(**signup_kwargs(username="sriwahyuni", password="sriwahyuni1"))

    assert "password_too_similar" in error_codes(excinfo, "password")


def test_signup_refuses_an_unknown_account_type():
    with pytest.raises(ValidationError) as excinfo:
        accounts.account_signup(**signup_kwargs(account_type="staff"))

    assert list(excinfo.value.error_dict) == ["account_type"]


# --- confirmation -----------------------------------------------------------------------------


def signed_up(**overrides) -> User:
    return accounts.account_signup(**signup_kwargs(**overrides))


def token_parts(user: User) -> dict[str, str]:
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": accounts.email_confirmation_token.make_token(user),
    }


def test_confirm_activates_the_account_and_records_when():
    user = signed_up()

    confirmed = accounts.account_confirm(**token_parts(user))

    user.refresh_from_db()
    assert confirmed == user
    assert user.is_active
    assert user.email_confirmed_at is not None
    assert abs((timezone.now() - user.email_confirmed_at).total_seconds()) < 60


def test_confirmation_link_works_once():
    user = signed_up()
    parts = token_parts(user)
    accounts.account_confirm(**parts)
    first_confirmed_at = User.objects.get(pk=user.pk).email_confirmed_at

    assert accounts.account_confirm(**parts) is None
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

    assert accounts.account_confirm(**mangle(token_parts(user))) is None
    user.refresh_from_db()
    assert (user.is_active, user.email_confirmed_at) == (False, None)


def test_a_link_made_before_the_address_changed_no_longer_works():
    user = signed_up()
    parts = token_parts(user)
    User.objects.filter(pk=user.pk).update(email="lain@logamceper.id")

    assert accounts.account_confirm(**parts) is None


def test_an_account_deactivated_by_staff_is_not_reactivated_by_an_old_link():
    user = signed_up()
    parts = token_parts(user)
    accounts.account_confirm(**parts)
    User.objects.filter(pk=user.pk).update(is_active=False)

    assert accounts.account_confirm(**parts) is None
    assert not User.objects.get(pk=user.pk).is_active


# --- resending --------------------------------------------------------------------------------


def test_resend_mails_a_working_link_to_an_unconfirmed_account(django_capture_on_commit_callbacks):
    user = signed_up()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        accounts.account_resend_confirmation(email="SRI@logamceper.id")

    assert [message.to for message in mail.outbox] == [[user.email]]
    match = re.search(r"/accounts/confirm/([^/]+)/([^/]+)/", mail.outbox[0].body)
    assert accounts.account_confirm(uidb64=match.group(1), token=match.group(2)) == user


def test_resend_sends_one_link_per_address_per_minute(django_capture_on_commit_callbacks):
    user = signed_up()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        accounts.account_resend_confirmation(email=user.email)
        accounts.account_resend_confirmation(email=user.email.upper())
    assert len(mail.outbox) == 1

    cache.clear()  # the interval has passed
    with django_capture_on_commit_callbacks(execute=True):
        accounts.account_resend_confirmation(email=user.email)
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("address", ["nobody@example.id", "confirmed@example.id", ""])
def test_resend_sends_nothing_for_unknown_or_confirmed_addresses(
    address, django_capture_on_commit_callbacks
):
    UserFactory(email="confirmed@example.id", email_confirmed_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        accounts.account_resend_confirmation(email=address)

    assert mail.outbox == []


# --- verification decisions -------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return UserFactory(username="pembina-verifikasi", is_staff=True)


@pytest.fixture
def cat():
    return f.catalogue()


def owner(username="owner") -> User:
    return UserFactory(username=username, email_confirmed_at=timezone.now())


def test_verifying_an_ikm_notifies_its_owner_and_matches_it_to_a_fitting_open_demand(
    cat, staff, django_capture_on_commit_callbacks
):
    demand = f.brake_block_demand(cat)
    rescoring.rescore_demand(demand_id=demand.pk)
    ikm = f.supplier(cat, name="CV Logam Baru", verified=False)
    ikm.owner = owner()
    ikm.save(update_fields=["owner"])
    assert not Match.objects.filter(supplier=ikm).exists()

    with django_capture_on_commit_callbacks(execute=True):
        verification.organisation_verification_decide(
            organisation=ikm, decision=Decision.VERIFY, by=staff
        )

    ikm.refresh_from_db()
    assert ikm.verification_status == VerificationStatus.VERIFIED
    assert ikm.verified_at is not None
    notification = Notification.objects.get(user=ikm.owner)
    assert notification.kind == NotificationKind.ORGANISATION_VERIFIED
    assert notification.params == {"organisation": "CV Logam Baru"}
    assert [message.to for message in mail.outbox] == [[ikm.owner.email]]
    assert Match.objects.filter(supplier=ikm, demand=demand, kind=MatchKind.MATCH).exists()


def test_verifying_twice_notifies_once_and_says_it_is_already_done(
    staff, django_capture_on_commit_callbacks
):
    ikm = SupplierFactory(owner=owner())
    verification.organisation_verification_decide(
        organisation=ikm, decision=Decision.VERIFY, by=staff
    )

    with pytest.raises(ValidationError) as excinfo:
        verification.organisation_verification_decide(
            organisation=Supplier.objects.get(pk=ikm.pk),
            decision=Decision.VERIFY,
            by=staff,
        )

    assert error_codes(excinfo, "decision") == ["not_allowed"]
    assert Notification.objects.filter(user=ikm.owner).count() == 1


@pytest.mark.parametrize("decision", [Decision.REJECT, Decision.SUSPEND])
def test_rejecting_or_suspending_without_a_reason_changes_nothing(decision, staff):
    status = (
        VerificationStatus.PENDING if decision == Decision.REJECT else VerificationStatus.VERIFIED
    )
    ikm = SupplierFactory(owner=owner(), verification_status=status)

    with pytest.raises(ValidationError) as excinfo:
        verification.organisation_verification_decide(
            organisation=ikm, decision=decision, reason="   ", by=staff
        )

    assert error_codes(excinfo, "reason") == ["required"]
    ikm.refresh_from_db()
    assert ikm.verification_status == status
    assert mail.outbox == []


def test_the_owner_reads_the_rejection_reason_on_their_ikm_page(staff, client):
    ikm = SupplierFactory(legal_name="UD Cor Klaten", owner=owner())
    verification.organisation_verification_decide(
        organisation=ikm, decision=Decision.REJECT, reason="Foto sertifikat buram.", by=staff
    )
    client.force_login(ikm.owner)

    page = client.get("/ikm/").content.decode()

    assert "Foto sertifikat buram." in page
    assert "data-verification-reason" in page


def test_rejecting_mails_the_reason_to_the_owner_without_an_in_app_notification(
    staff, django_capture_on_commit_callbacks
):
    ikm = SupplierFactory(legal_name="UD Cor Klaten", owner=owner())

    with django_capture_on_commit_callbacks(execute=True):
        verification.organisation_verification_decide(
            organisation=ikm,
            decision=Decision.REJECT,
            reason="NIB tidak cocok dengan data OSS.",
            by=staff,
        )

    ikm.refresh_from_db()
    assert ikm.verification_status == VerificationStatus.REJECTED
    assert ikm.verified_at is None
    assert (ikm.verification_decided_by, ikm.verification_note) == (
        staff,
        "NIB tidak cocok dengan data OSS.",
    )
    assert ikm.verification_decided_at is not None
    assert [message.to for message in mail.outbox] == [[ikm.owner.email]]
    assert "NIB tidak cocok dengan data OSS." in mail.outbox[0].body
    assert "UD Cor Klaten" in mail.outbox[0].subject
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("status", "decision"),
    [
        (VerificationStatus.VERIFIED, Decision.REJECT),
        (VerificationStatus.PENDING, Decision.SUSPEND),
        (VerificationStatus.REJECTED, Decision.SUSPEND),
    ],
)
def test_decisions_not_open_from_the_current_status_are_refused(status, decision, staff):
    ikm = SupplierFactory(verification_status=status)

    with pytest.raises(ValidationError) as excinfo:
        verification.organisation_verification_decide(
            organisation=ikm, decision=decision, reason="alasan", by=staff
        )

    assert error_codes(excinfo, "decision") == ["not_allowed"]
    ikm.refresh_from_db()
    assert ikm.verification_status == status


def test_an_anonymised_organisation_cannot_be_verified(staff):
    ikm = SupplierFactory(anonymised_at=timezone.now())

    assert verification.decisions_open(ikm) == []
    with pytest.raises(ValidationError):
        verification.organisation_verification_decide(
            organisation=ikm, decision=Decision.VERIFY, by=staff
        )


def test_suspending_a_verified_ikm_takes_it_out_of_the_matches(
    cat, staff, django_capture_on_commit_callbacks
):
    demand = f.brake_block_demand(cat)
    ikm = f.supplier(cat, name="CV Akan Ditangguhkan")
    rescoring.rescore_demand(demand_id=demand.pk)
    assert Match.objects.filter(supplier=ikm, demand=demand).exists()

    with django_capture_on_commit_callbacks(execute=True):
        verification.organisation_verification_decide(
            organisation=ikm, decision=Decision.SUSPEND, reason="Izin usaha dicabut.", by=staff
        )

    assert not Match.objects.filter(supplier=ikm, demand=demand).exists()


def test_verifying_a_manufacturer_notifies_every_active_member_and_rescores_its_open_demands(
    cat, staff, django_capture_on_commit_callbacks
):
    ikm = f.supplier(cat, name="CV Siap Pasok")
    demand = f.brake_block_demand(cat)
    manufacturer = demand.manufacturer
    manufacturer.verification_status = VerificationStatus.PENDING
    manufacturer.save(update_fields=["verification_status"])
    active, inactive = owner("buyer-1"), owner("buyer-2")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    manufacturer.members.add(active, inactive)

    with django_capture_on_commit_callbacks(execute=True):
        verification.organisation_verification_decide(
            organisation=manufacturer, decision=Decision.VERIFY, by=staff
        )

    manufacturer.refresh_from_db()
    assert manufacturer.verification_status == VerificationStatus.VERIFIED
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["buyer-1"]
    assert Match.objects.filter(demand=demand, supplier=ikm, kind=MatchKind.MATCH).exists()


# --- the engine leaves out demands of manufacturers that are not verified ---------------------


@pytest.mark.parametrize(
    ("status", "active"),
    [
        (VerificationStatus.PENDING, True),
        (VerificationStatus.REJECTED, True),
        (VerificationStatus.SUSPENDED, True),
        (VerificationStatus.VERIFIED, False),
    ],
)
def test_an_open_demand_of_an_unverified_or_inactive_manufacturer_gets_no_matches(
    cat, status, active
):
    f.supplier(cat, name="CV Cocok")
    manufacturer = ManufacturerFactory(verification_status=status, is_active=active)
    demand = f.brake_block_demand(cat, manufacturer=manufacturer)
    assert demand.status == DemandStatus.OPEN

    rescoring.rescore_demand(demand_id=demand.pk)

    assert not Match.objects.filter(demand=demand).exists()


def test_an_open_demand_of_a_verified_manufacturer_gets_matches(cat):
    ikm = f.supplier(cat, name="CV Cocok")
    manufacturer = ManufacturerFactory(verification_status=VerificationStatus.VERIFIED)
    demand = f.brake_block_demand(cat, manufacturer=manufacturer)

    rescoring.rescore_demand(demand_id=demand.pk)

    assert list(Match.objects.filter(demand=demand).values_list("supplier_id", flat=True)) == [
        ikm.pk
    ]


def test_confirmation_url_is_absolute_on_the_site_url(settings):
    settings.SITE_URL = "https://jembatan.example.go.id/"
    user = signed_up()

    url = accounts.confirmation_url(user=user)

    assert url.startswith("https://jembatan.example.go.id/accounts/confirm/")
    match = resolve(url.removeprefix("https://jembatan.example.go.id"))
    assert match.view_name == "partners:confirm_email"
    assert accounts.account_confirm(**match.kwargs) == user
