"""IKM registrations in progress."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel

from .accounts import User


class SupplierDraft(TimeStampedModel):
    """An IKM registration in progress: the steps filled so far, kept as the owner typed
    them so nothing is lost when they stop halfway. Deleted when the registration is
    submitted (the Supplier then exists, pending verification)."""

    owner = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="supplier_draft", verbose_name=_("owner")
    )
    step = models.PositiveSmallIntegerField(_("step reached"), default=1)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("IKM registration draft")
        verbose_name_plural = _("IKM registration drafts")

    def __str__(self) -> str:
        return f"{self.owner} ({self.step})"
