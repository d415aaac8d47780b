"""Notifying people: an in-app notification row, and an e-mail unless they turned that kind
off. Texts are rendered from the kind and its parameters in the reader's language when
shown (and in Indonesian, the default language, for e-mail)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .choices import NotificationKind
from .models import Notification, NotificationSetting, User

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
        "The partnership for “%(demand)s” moved to the stage “%(stage)s”."
    ),
    NotificationKind.CERTIFICATE_EXPIRING: _(
        "The certificate %(certification)s no. %(number)s of %(supplier)s expires on %(date)s."
    ),
    NotificationKind.DEMAND_CHANGED: _(
        "%(manufacturer)s changed the specification of the demand “%(demand)s”."
    ),
}


def notification_text(kind: str, params: Mapping[str, Any]) -> str:
    """The sentence for a notification in the active language (missing params show as ?)."""
    template = str(TEXTS[NotificationKind(kind)])
    return template % _Defaulting(params)


class _Defaulting(dict):
    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__({key: str(value) for key, value in params.items()})

    def __missing__(self, key: str) -> str:
        return "?"


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
        transaction.on_commit(lambda: _send_email(notification.pk))
    return notification


def _send_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = notification_text(notification.kind, notification.params)
        subject = f"Jembatan: {NotificationKind(notification.kind).label}"
        body = text
        if notification.url:
            body += "\n\n" + settings.SITE_URL.rstrip("/") + notification.url
    send_mail(subject, body, None, [notification.user.email])
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
