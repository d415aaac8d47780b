"""Notifications and the per-kind e-mail settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel

from ..notification_kinds import kind_choices
from .accounts import User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Notification(TimeStampedModel):
    """Something a user should know, shown in their in-app list and, unless they turned it
    off for this kind, sent by e-mail. The text is rendered from ``kind`` and ``params`` in
    the reader's language when shown."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=kind_choices)
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    # Not stored: set for display by ``partners.notifications.with_texts``.
    text: str
    kind_label: StrOrPromise

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread_idx")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"


class NotificationSetting(TimeStampedModel):
    """A user's choice to receive (or not) e-mail for one kind of notification; no row
    means e-mail on."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=kind_choices)
    email = models.BooleanField(_("send e-mail"), default=True)

    class Meta:
        ordering = ["user", "kind"]
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_setting_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {'✓' if self.email else '✗'}"
