"""Notifications: recording and e-mailing (per-kind e-mail switch), texts in the reader's
language, the in-app list and unread count, marking read, the e-mail settings, and the
daily certificate expiry reminders."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone, translation

from matchmaking import tasks
from matchmaking.partnerships import notices as matching_notices
from partners import notices
from partners import notifications as service
from partners.choices import AccountType
from partners.models import Notification, NotificationSetting, SupplierCertification
from partners.notification_kinds import in_languages, notification_text, registered_kinds
from tests.components.factories import CertificationFactory
from tests.partners.factories import (
    ManufacturerFactory,
    SupplierCertificationFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


def verified(user, **overrides):
    params = {"organisation": "CV Ceper Logam Utama", **overrides}
    return service.notify(user=user, kind=notices.ORGANISATION_VERIFIED, params=params, url="/ikm/")


# --- notify and e-mail ----------------------------------------------------------------------


def test_notify_records_the_notification_and_emails_it_after_commit(
    django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://jembatan.example.go.id/"
    user = UserFactory(username="bambang", first_name="Bambang", email="bambang@example.id")

    with django_capture_on_commit_callbacks(execute=True):
        notification = verified(user)
        assert mail.outbox == []

    assert Notification.objects.get(user=user, kind=notices.ORGANISATION_VERIFIED) == notification
    (message,) = mail.outbox
    assert message.to == ["bambang@example.id"]
    assert "CV Ceper Logam Utama" in message.body
    assert "https://jembatan.example.go.id/ikm/" in message.body
    assert "https://jembatan.example.go.id/notifications/settings/" in message.body
    assert "\n" not in message.subject and message.subject.startswith("Jembatan")
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_email_is_suppressed_for_a_kind_turned_off_but_not_for_the_others(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(username="bambang")
    NotificationSetting.objects.create(user=user, kind=matching_notices.STAGE_CHANGED, email=False)

    with django_capture_on_commit_callbacks(execute=True):
        service.notify(
            user=user, kind=matching_notices.STAGE_CHANGED, params={"demand": "Blok rem"}
        )
        service.notify(
            user=user, kind=matching_notices.NEW_INTRODUCTION, params={"demand": "Blok rem"}
        )

    assert Notification.objects.filter(user=user).count() == 2
    assert len(mail.outbox) == 1
    assert Notification.objects.get(kind=matching_notices.STAGE_CHANGED).emailed_at is None


def test_a_user_without_an_email_address_gets_the_in_app_notification_only(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(username="tanpa-email", email="")

    with django_capture_on_commit_callbacks(execute=True):
        verified(user)

    assert mail.outbox == []
    assert Notification.objects.filter(user=user).count() == 1


def test_notify_all_skips_inactive_and_repeated_users():
    active = UserFactory(username="aktif")
    inactive = UserFactory(username="nonaktif", is_active=False)

    sent = service.notify_all(
        users=[active, inactive, active, None], kind=matching_notices.NEW_INTRODUCTION, params={}
    )

    assert [n.user for n in sent] == [active]


def test_texts_render_localised_parameters_in_the_readers_language():
    params = {
        "supplier": "CV Ceper Logam Utama",
        "manufacturer": "PT INKA",
        "demand": "Blok rem",
        "stage": {"id": "sudah diperkenalkan", "en": "introduced"},
    }

    with translation.override("en"):
        english = notification_text(matching_notices.STAGE_CHANGED, params)
    with translation.override("id"):
        indonesian = notification_text(matching_notices.STAGE_CHANGED, params)

    assert "“introduced”" in english and "sudah diperkenalkan" not in english
    assert "sudah diperkenalkan" in indonesian


def test_in_languages_renders_a_lazy_text_in_every_site_language():
    from matchmaking.choices import PartnershipStage

    assert in_languages(PartnershipStage.INTRODUCED.label) == {
        "id": "sudah diperkenalkan",
        "en": "introduced",
    }


def test_a_missing_parameter_shows_as_a_question_mark_instead_of_failing():
    assert "?" in notification_text(matching_notices.DEMAND_CHANGED, {"demand": "Blok rem"})


def test_the_email_is_written_in_indonesian_whatever_the_language_of_the_request(
    django_capture_on_commit_callbacks,
):
    user = UserFactory(username="bambang")

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        service.notify(
            user=user,
            kind=matching_notices.STAGE_CHANGED,
            params={"demand": "Blok rem", "stage": {"id": "tidak berlanjut", "en": "declined"}},
        )

    assert "tidak berlanjut" in mail.outbox[0].body


# --- the list, unread count, marking read ---------------------------------------------------


def test_the_list_shows_unread_first_then_newest_and_only_the_users_own():
    user, other = UserFactory(username="bambang"), UserFactory(username="rina")
    oldest_unread = verified(user)
    read = verified(user)
    newest_unread = verified(user)
    verified(other)
    service.notification_mark_read(user=user, notification_id=read.pk)

    listed = list(service.notification_list(user=user))

    assert listed == [newest_unread, oldest_unread, read]
    assert service.unread_count(user=user) == 2


def test_marking_read_keeps_the_first_reading_time():
    user = UserFactory(username="bambang")
    notification = verified(user)

    first = service.notification_mark_read(user=user, notification_id=notification.pk).read_at
    again = service.notification_mark_read(user=user, notification_id=notification.pk).read_at

    assert first is not None and again == first
    assert service.unread_count(user=user) == 0


def test_another_users_notification_cannot_be_marked_read():
    owner, intruder = UserFactory(username="bambang"), UserFactory(username="intruder")
    notification = verified(owner)

    with pytest.raises(Notification.DoesNotExist):
        service.notification_mark_read(user=intruder, notification_id=notification.pk)

    assert service.unread_count(user=owner) == 1


def test_mark_all_read_touches_only_the_users_unread_notifications():
    user, other = UserFactory(username="bambang"), UserFactory(username="rina")
    verified(user)
    verified(user)
    verified(other)

    assert service.notifications_mark_all_read(user=user) == 2
    assert service.notifications_mark_all_read(user=user) == 0
    assert service.unread_count(user=user) == 0
    assert service.unread_count(user=other) == 1


# --- e-mail settings ------------------------------------------------------------------------


def test_email_is_on_for_every_kind_until_turned_off():
    user = UserFactory(username="bambang")

    assert service.email_settings(user=user) == {kind.value: True for kind in registered_kinds()}


def test_saving_settings_stores_one_row_per_kind_and_a_resave_changes_nothing():
    user = UserFactory(username="bambang")

    service.email_settings_save(
        user=user,
        email={matching_notices.STAGE_CHANGED: False, matching_notices.DEMAND_CHANGED: True},
    )
    service.email_settings_save(
        user=user,
        email={matching_notices.STAGE_CHANGED: False, matching_notices.DEMAND_CHANGED: True},
    )

    assert NotificationSetting.objects.filter(user=user).count() == 2
    settings = service.email_settings(user=user)
    assert (
        settings[matching_notices.STAGE_CHANGED] is False
        and settings[matching_notices.DEMAND_CHANGED] is True
    )
    assert service.email_wanted(user=user, kind=matching_notices.STAGE_CHANGED) is False

    service.email_settings_save(user=user, email={matching_notices.STAGE_CHANGED: True})
    assert service.email_wanted(user=user, kind=matching_notices.STAGE_CHANGED) is True


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        service.email_settings_save(user=UserFactory(username="bambang"), email={"gossip": True})


def test_a_manufacturers_member_is_offered_only_the_kinds_that_can_reach_them():
    member = UserFactory(username="rina", account_type=AccountType.MANUFACTURER)
    ManufacturerFactory().members.add(member)
    owner = UserFactory(username="bambang")
    SupplierFactory(owner=owner)

    member_kinds = service.kinds_for(user=member)
    assert (
        notices.CERTIFICATE_EXPIRING not in member_kinds
        and matching_notices.DEMAND_CHANGED not in member_kinds
    )
    assert matching_notices.NEW_INTRODUCTION in member_kinds
    assert service.kinds_for(user=owner) == registered_kinds()


# --- certificate expiry ---------------------------------------------------------------------


@pytest.fixture
def owner(db):
    return UserFactory(username="bambang")


def certificate(owner, *, days: int, **fields) -> SupplierCertification:
    supplier = fields.pop("supplier", None) or SupplierFactory(
        owner=owner, legal_name="CV Ceper Logam Utama"
    )
    return SupplierCertificationFactory(
        supplier=supplier,
        certification=CertificationFactory(code=f"iso-{days}", name="ISO 9001"),
        number=f"QMS/{days}",
        valid_until=TODAY + datetime.timedelta(days=days),
        **fields,
    )


def test_a_certificate_expiring_within_30_days_is_announced_to_the_owner_once(owner):
    expiring = certificate(owner, days=30)

    assert service.certificate_expiry_reminders_send(today=TODAY) == 1
    assert service.certificate_expiry_reminders_send(today=TODAY) == 0

    (notification,) = Notification.objects.filter(user=owner, kind=notices.CERTIFICATE_EXPIRING)
    with translation.override("en"):
        text = notification_text(notification.kind, notification.params)
    assert "ISO 9001" in text and "QMS/30" in text and "1 April 2026" in text
    with translation.override("id"):
        assert "1 April 2026" in notification_text(notification.kind, notification.params)
    expiring.refresh_from_db()
    assert expiry_notified(expiring)


def expiry_notified(cert: SupplierCertification) -> bool:
    return cert.expiry_notified_at is not None


@pytest.mark.parametrize("days", [-1, 31, 365])
def test_certificates_already_expired_or_expiring_later_are_not_announced(owner, days):
    certificate(owner, days=days)

    assert service.certificate_expiry_reminders_send(today=TODAY) == 0
    assert not Notification.objects.exists()


def test_a_certificate_expiring_today_is_still_announced(owner):
    certificate(owner, days=0)

    assert service.certificate_expiry_reminders_send(today=TODAY) == 1


def test_certificates_without_an_active_owner_are_left_alone():
    certificate(None, days=10, supplier=SupplierFactory(owner=None))
    inactive = UserFactory(username="pergi", is_active=False)
    certificate(inactive, days=11)

    assert service.certificate_expiry_reminders_send(today=TODAY) == 0
    assert not SupplierCertification.objects.filter(expiry_notified_at__isnull=False).exists()


def test_a_renewed_certificate_is_announced_again_before_its_new_expiry(owner):
    cert = certificate(owner, days=20)
    service.certificate_expiry_reminders_send(today=TODAY)
    SupplierCertification.objects.filter(pk=cert.pk).update(
        valid_until=TODAY + datetime.timedelta(days=365)
    )

    assert service.certificate_expiry_reminders_send(today=TODAY) == 0
    a_year_later = TODAY + datetime.timedelta(days=340)
    assert service.certificate_expiry_reminders_send(today=a_year_later) == 1
    assert Notification.objects.filter(kind=notices.CERTIFICATE_EXPIRING).count() == 2


def test_a_certificate_whose_expiry_date_is_cleared_meanwhile_is_skipped(owner, monkeypatch):
    """Listed as expiring, then its expiry date removed before its row is locked: no
    notification, and no crash for the other certificates."""
    cleared = certificate(owner, days=10)
    certificate(owner, days=12, supplier=cleared.supplier)
    reverse_or_blank = service.reverse_or_blank

    def clear_then_reverse(name: str) -> str:  # runs between the listing and the loop
        SupplierCertification.objects.filter(pk=cleared.pk).update(valid_until=None)
        return reverse_or_blank(name)

    monkeypatch.setattr(service, "reverse_or_blank", clear_then_reverse)

    assert service.certificate_expiry_reminders_send(today=TODAY) == 1
    cleared.refresh_from_db()
    assert not expiry_notified(cleared)


def test_the_daily_task_sends_the_reminders_and_is_idempotent(owner):
    SupplierCertificationFactory(
        supplier=SupplierFactory(owner=owner),
        valid_until=timezone.localdate() + datetime.timedelta(days=5),
    )

    assert tasks.certificate_expiry_reminders.delay().get() == 1
    assert tasks.certificate_expiry_reminders.delay().get() == 0


# --- organisation verified (sent by the verification queue) ---------------------------------


def test_verifying_an_ikm_notifies_its_owner_and_emails_after_commit(
    django_capture_on_commit_callbacks,
):
    verification = pytest.importorskip(
        "partners.services.verification",
        reason="the verification queue (engineer F) is not merged yet",
    )
    owner = UserFactory(username="bambang")
    supplier = SupplierFactory(owner=owner, legal_name="CV Ceper Logam Utama")
    staff = UserFactory(username="sri", is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        verification.organisation_verification_decide(
            organisation=supplier, decision="verify", by=staff
        )

    (notification,) = Notification.objects.filter(user=owner)
    assert notification.kind == notices.ORGANISATION_VERIFIED
    assert "CV Ceper Logam Utama" in notification_text(notification.kind, notification.params)
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert not Notification.objects.filter(user=staff).exists()
