"""A notification sent by e-mail (the worker does it: see ``partners.tasks``)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation

from common.mail import send_templated_mail
from common.people import display_name

from .models import Notification
from .notification_kinds import get_kind, notification_text, reverse_or_blank


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
            "name": display_name(user),
            "kind": get_kind(notification.kind).label,
            "text": notification_text(notification.kind, notification.params),
            "url": _absolute(notification.url),
            "settings_url": _absolute(reverse_or_blank("partners:notification_settings")),
        }
        send_templated_mail(
            subject_template="partners/email/notification_subject.txt",
            body_template="partners/email/notification.txt",
            context=context,
            recipients=[user.email],
        )
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
