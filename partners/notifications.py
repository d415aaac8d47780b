"""Notifying people: an in-app notification row, and an e-mail unless they turned that kind
off (sent by the worker: ``partners.tasks`` calls ``partners.notification_mail``). Texts are
rendered from the kind and its parameters in the reader's language when shown (and in
Indonesian, the default language, for e-mail); the kinds, their texts and
:func:`~partners.notification_kinds.in_languages` are in ``partners.notification_kinds``.

Besides ``notify`` this module holds the read side of the in-app list (``notification_list``,
``unread_count``), marking read, the per-kind e-mail settings and the daily certificate
expiry reminders.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.formats import date_format

from common.outbox import enqueue

from .models import Notification, NotificationSetting, SupplierCertification, User
from .notices import CERTIFICATE_EXPIRING
from .notification_kinds import (
    NotificationKind,
    get_kind,
    in_languages,
    notification_text,
    registered_kinds,
    reverse_or_blank,
)
from .permissions import is_ikm_owner, is_manufacturer_member
from .tasks import send_notification_email

logger = logging.getLogger(__name__)

#: A certificate expiring within this many days (today included) is announced.
EXPIRY_NOTICE_DAYS = 30


# --- writing --------------------------------------------------------------------------------


def email_wanted(*, user: User, kind: str) -> bool:
    """E-mail is on unless the user turned it off for this kind (and they have an address)."""
    if not user.email:
        return False
    setting = NotificationSetting.objects.filter(user=user, kind=kind).first()
    return setting is None or setting.email


def notify(
    *, user: User, kind: str, params: Mapping[str, Any] | None = None, url: str = ""
) -> Notification:
    """Record a notification for ``user`` and, after commit, e-mail it if wanted."""
    notification = Notification.objects.create(
        user=user, kind=get_kind(kind).value, params=dict(params or {}), url=url
    )
    if email_wanted(user=user, kind=kind):
        enqueue(send_notification_email.name, notification.pk)
    return notification


def notify_all(
    *, users: Iterable[User], kind: str, params: Mapping[str, Any] | None = None, url: str = ""
) -> list[Notification]:
    """``notify`` each active user once (duplicates and deactivated accounts are skipped)."""
    seen: set[int] = set()
    sent = []
    for user in users:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        sent.append(notify(user=user, kind=kind, params=params, url=url))
    return sent


# --- the in-app list ------------------------------------------------------------------------


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, unread first, then newest first."""
    return (
        Notification.objects.filter(user=user)
        .annotate(
            unread_first=Case(
                When(read_at__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("unread_first", "-created_at", "-pk")
    )


def with_texts(notifications: Iterable[Notification]) -> list[Notification]:
    """The notifications with ``text`` (the sentence) and ``kind_label`` set, in the
    reader's language."""
    rows = list(notifications)
    for notification in rows:
        notification.text = notification_text(notification.kind, notification.params)
        notification.kind_label = get_kind(notification.kind).label
    return rows


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_get(*, user: User, notification_id: int) -> Notification:
    """One of the user's notifications; another user's raises ``Notification.DoesNotExist``."""
    return Notification.objects.get(user=user, pk=notification_id)


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (once: the first reading time is kept)."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(user=user, pk=notification_id)
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    now = timezone.now()
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )


# --- e-mail settings ------------------------------------------------------------------------


def kinds_for(*, user: User) -> list[NotificationKind]:
    """The kinds of notification that can reach this user, in the catalogue's order (a
    manufacturer's member gets only those that concern manufacturers)."""
    kinds = registered_kinds()
    if is_manufacturer_member(user) and not is_ikm_owner(user):
        return [kind for kind in kinds if kind.manufacturers]
    return kinds


def email_settings(*, user: User) -> dict[str, bool]:
    """Whether the user gets e-mail, per kind (every kind; no row means on)."""
    stored = dict(NotificationSetting.objects.filter(user=user).values_list("kind", "email"))
    return {kind.value: stored.get(kind.value, True) for kind in registered_kinds()}


def email_settings_save(*, user: User, email: Mapping[str, bool]) -> dict[str, bool]:
    """Store the e-mail switch of each kind given (unknown kinds raise ``ValueError``);
    kinds left out keep their setting. Saving the same choices twice changes nothing."""
    choices = {get_kind(kind).value: bool(value) for kind, value in email.items()}
    with transaction.atomic():
        for kind, wanted in choices.items():
            setting, created = NotificationSetting.objects.select_for_update().get_or_create(
                user=user, kind=kind, defaults={"email": wanted}
            )
            if not created and setting.email != wanted:
                setting.email = wanted
                setting.full_clean()
                setting.save(update_fields=["email", "updated_at"])
    return email_settings(user=user)


# --- certificate expiry ---------------------------------------------------------------------


def _expiry_due(certificate: SupplierCertification) -> bool:
    """Not yet announced for this expiry date: never announced, or announced before the
    current notice window began (the certificate was renewed since)."""
    if certificate.valid_until is None:
        return False  # no expiry date (cleared since it was listed): nothing to announce
    if certificate.expiry_notified_at is None:
        return True
    window_start = certificate.valid_until - datetime.timedelta(days=EXPIRY_NOTICE_DAYS)
    return timezone.localdate(certificate.expiry_notified_at) < window_start


def certificate_expiry_reminders_send(*, today: datetime.date | None = None) -> int:
    """Tell each IKM owner about their certificates expiring within the next
    ``EXPIRY_NOTICE_DAYS`` days (today included), once per certificate and expiry date:
    ``expiry_notified_at`` records it, so a rerun sends nothing new. Certificates of IKM
    without an (active) owner or already anonymised are left alone. Returns how many
    notifications were created."""
    today = today or timezone.localdate()
    last_day = today + datetime.timedelta(days=EXPIRY_NOTICE_DAYS)
    candidates = SupplierCertification.objects.filter(
        valid_until__gte=today,
        valid_until__lte=last_day,
        supplier__owner__isnull=False,
        supplier__owner__is_active=True,
        supplier__anonymised_at__isnull=True,
    )
    ids = [
        c.pk for c in candidates.only("pk", "valid_until", "expiry_notified_at") if _expiry_due(c)
    ]
    url = reverse_or_blank("partners:my_ikm")
    sent = 0
    for certificate_id in ids:
        with transaction.atomic():
            certificate = (
                SupplierCertification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("supplier__owner", "certification")
                .filter(pk=certificate_id)
                .first()
            )
            owner = certificate.supplier.owner if certificate else None
            if certificate is None or owner is None or not _expiry_due(certificate):
                continue  # another worker has it, or it changed meanwhile
            valid_until = certificate.valid_until
            assert valid_until is not None  # else _expiry_due() is False
            notify(
                user=owner,
                kind=CERTIFICATE_EXPIRING,
                params={
                    "certification": certificate.certification.name,
                    "number": certificate.number,
                    "supplier": certificate.supplier.legal_name,
                    "date": in_languages(partial(date_format, valid_until, "j F Y")),
                    "valid_until": valid_until.isoformat(),
                },
                url=url,
            )
            SupplierCertification.objects.filter(pk=certificate.pk).update(
                expiry_notified_at=timezone.now()
            )
            sent += 1
    logger.info("certificate expiry reminders: %d sent", sent)
    return sent
