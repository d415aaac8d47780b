"""Notifying people: an in-app notification row, and an e-mail unless they turned that kind
off. Texts are rendered from the kind and its parameters in the reader's language when
shown (and in Indonesian, the default language, for e-mail).

A parameter that must read differently per language (a stage, an answer, a date) is stored
as a mapping of language code to text, made with :func:`in_languages`; plain strings (names,
titles, numbers) are shown as stored.

Besides ``notify`` this module holds the read side of the in-app list (``notification_list``,
``unread_count``), marking read, the per-kind e-mail settings and the daily certificate
expiry reminders.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .choices import NotificationKind
from .models import Notification, NotificationSetting, SupplierCertification, User
from .permissions import is_ikm_owner, is_manufacturer_member

logger = logging.getLogger(__name__)

TEXTS = {
    NotificationKind.ORGANISATION_VERIFIED: _(
        "%(organisation)s has been verified by the ministry and can now be matched."
    ),
    NotificationKind.NEW_INTRODUCTION: _(
        "New introduction: %(supplier)s and %(manufacturer)s for “%(demand)s”."
    ),
    NotificationKind.INTRODUCTION_ANSWER: _(
        "%(party)s answered “%(answer)s” to the introduction for “%(demand)s”."
    ),
    NotificationKind.STAGE_CHANGED: _(
        "The partnership of %(supplier)s and %(manufacturer)s for “%(demand)s” moved to the "
        "stage “%(stage)s”."
    ),
    NotificationKind.CERTIFICATE_EXPIRING: _(
        "The certificate %(certification)s no. %(number)s of %(supplier)s expires on %(date)s."
    ),
    NotificationKind.DEMAND_CHANGED: _(
        "%(manufacturer)s changed the specification of the demand “%(demand)s”."
    ),
}

#: What each kind of notification is about, shown next to its e-mail switch.
DESCRIPTIONS = {
    NotificationKind.ORGANISATION_VERIFIED: _(
        "When the ministry has checked and verified your IKM or company."
    ),
    NotificationKind.NEW_INTRODUCTION: _(
        "When ministry staff introduce you to a possible partner."
    ),
    NotificationKind.INTRODUCTION_ANSWER: _(
        "When the other party answers an introduction (interested or not)."
    ),
    NotificationKind.STAGE_CHANGED: _(
        "When a partnership moves on, e.g. to a business meeting, a trial order or a contract."
    ),
    NotificationKind.CERTIFICATE_EXPIRING: _(
        "30 days before a certificate of your IKM expires, so you can renew it in time."
    ),
    NotificationKind.DEMAND_CHANGED: _(
        "When a manufacturer changes the specification of a demand you were matched to."
    ),
}

#: The kinds a manufacturer's member can receive (certificates and demand changes concern
#: IKM owners only).
MANUFACTURER_KINDS = (
    NotificationKind.ORGANISATION_VERIFIED,
    NotificationKind.NEW_INTRODUCTION,
    NotificationKind.INTRODUCTION_ANSWER,
    NotificationKind.STAGE_CHANGED,
)

#: A certificate expiring within this many days (today included) is announced.
EXPIRY_NOTICE_DAYS = 30


# --- texts ----------------------------------------------------------------------------------


def in_languages(text: Callable[[], Any] | Any) -> dict[str, str]:
    """A parameter rendered in every site language: ``{"id": ..., "en": ...}``.

    ``text`` is a lazy translation (``gettext_lazy``/a TextChoices label) or a function
    called once per language (e.g. to format a date)."""
    values = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            values[code] = str(text() if callable(text) else text)
    return values


def _in_reader_language(value: Any) -> str:
    if not isinstance(value, Mapping):
        return str(value)
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    for code in (language, settings.LANGUAGE_CODE):
        if code in value:
            return str(value[code])
    return str(next(iter(value.values()), "?"))


def notification_text(kind: str, params: Mapping[str, Any]) -> str:
    """The sentence for a notification in the active language (missing params show as ?)."""
    template = str(TEXTS[NotificationKind(kind)])
    return template % _Defaulting(params)


class _Defaulting(dict):
    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__({key: _in_reader_language(value) for key, value in params.items()})

    def __missing__(self, key: str) -> str:
        return "?"


def reverse_or_blank(name: str, *args: Any) -> str:
    """A link for a notification, or none while the page does not exist yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


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
        user=user, kind=NotificationKind(kind), params=dict(params or {}), url=url
    )
    if email_wanted(user=user, kind=kind):
        from .tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email.delay(notification.pk))
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


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + url


def notification_email_send(*, notification_id: int) -> None:
    """E-mail one notification (in the site's language) unless it was already sent."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at:
        return
    user = notification.user
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "name": user.get_full_name() or user.get_username(),
            "kind": NotificationKind(notification.kind).label,
            "text": notification_text(notification.kind, notification.params),
            "url": _absolute(notification.url),
            "settings_url": _absolute(reverse_or_blank("partners:notification_settings")),
        }
        subject = render_to_string("partners/email/notification_subject.txt", context)
        body = render_to_string("partners/email/notification.txt", context)
    send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [user.email])
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())


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
        notification.kind_label = NotificationKind(notification.kind).label
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
    """The kinds of notification that can reach this user, in the catalogue's order."""
    if is_manufacturer_member(user) and not is_ikm_owner(user):
        return list(MANUFACTURER_KINDS)
    return list(NotificationKind)


def email_settings(*, user: User) -> dict[str, bool]:
    """Whether the user gets e-mail, per kind (every kind; no row means on)."""
    stored = dict(NotificationSetting.objects.filter(user=user).values_list("kind", "email"))
    return {kind.value: stored.get(kind.value, True) for kind in NotificationKind}


def email_settings_save(*, user: User, email: Mapping[str, bool]) -> dict[str, bool]:
    """Store the e-mail switch of each kind given (unknown kinds raise ``ValueError``);
    kinds left out keep their setting. Saving the same choices twice changes nothing."""
    choices = {NotificationKind(kind).value: bool(value) for kind, value in email.items()}
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
            notify(
                user=owner,
                kind=NotificationKind.CERTIFICATE_EXPIRING,
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
