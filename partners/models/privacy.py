"""Requests to erase an organisation's data."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel

from ..choices import DeletionStatus
from .accounts import User
from .manufacturers import Manufacturer
from .organisations import Organisation, Supplier


class DeletionRequest(TimeStampedModel):
    """An organisation's request to erase its data; staff confirm it, then the record is
    anonymised and its partnerships keep their anonymised history."""

    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deletion_requests",
        verbose_name=_("IKM"),
    )
    manufacturer = models.ForeignKey(
        Manufacturer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deletion_requests",
        verbose_name=_("manufacturer"),
    )
    requested_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="deletion_requests",
        verbose_name=_("requested by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeletionStatus.choices,
        default=DeletionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        constraints = [
            models.CheckConstraint(
                condition=(Q(supplier__isnull=False) & Q(manufacturer__isnull=True))
                | (Q(supplier__isnull=True) & Q(manufacturer__isnull=False)),
                name="deletion_request_one_organisation",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeletionStatus.values), name="deletion_request_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier or self.manufacturer}: {self.status}"

    @property
    def organisation(self) -> Supplier | Manufacturer:
        """The organisation whose data the request is about."""
        return self.supplier or self.manufacturer  # type: ignore[return-value]

    @organisation.setter
    def organisation(self, organisation: Organisation) -> None:
        if isinstance(organisation, Supplier):
            self.supplier = organisation
        else:
            assert isinstance(organisation, Manufacturer)  # the other concrete organisation
            self.manufacturer = organisation
