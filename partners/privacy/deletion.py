"""Deletion requests: an organisation asks, ministry staff confirm (the organisation is
then anonymised) or refuse with a note the organisation reads."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import DeletionStatus
from ..models import DeletionRequest, Organisation, User
from .anonymisation import locked, organisation_anonymise
from .summary import requests_of


def deletion_request_list(*, status: str | None = None) -> QuerySet[DeletionRequest]:
    """Deletion requests, pending ones first, with their organisation and deciders."""
    queryset = DeletionRequest.objects.select_related(
        "supplier__regency", "manufacturer", "requested_by", "decided_by"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-pk")


def deletion_request_get(*, pk: int) -> DeletionRequest | None:
    return (
        DeletionRequest.objects.select_related(
            "supplier__regency__province", "manufacturer", "requested_by", "decided_by"
        )
        .filter(pk=pk)
        .first()
    )


def deletion_request_create(
    *, organisation: Organisation, by: User, reason: str = ""
) -> DeletionRequest:
    """Ask ministry staff to erase the organisation's data. One pending request at a time:
    asking again while one waits (a double click, a second member) is refused."""
    with transaction.atomic():
        current = locked(organisation)
        if current.anonymised_at is not None:
            raise ValidationError(
                _("This organisation has already been anonymised."), code="anonymised"
            )
        if requests_of(current).filter(status=DeletionStatus.PENDING).exists():
            raise ValidationError(
                _("A deletion request for this organisation is already waiting for staff."),
                code="pending_exists",
            )
        request = DeletionRequest(requested_by=by, reason=reason.strip())
        request.organisation = current
        request.full_clean()
        request.save()
    return request


def _decide(
    *, deletion_request: DeletionRequest, by: User, status: str, note: str
) -> DeletionRequest:
    if not by.is_staff:
        raise PermissionDenied
    current = DeletionRequest.objects.select_for_update().get(pk=deletion_request.pk)
    if current.status != DeletionStatus.PENDING:
        raise ValidationError(
            _("This request was already decided: %(status)s."),
            code="already_decided",
            params={"status": current.get_status_display()},
        )
    current.status = status
    current.decided_by = by
    current.decided_at = timezone.now()
    current.decision_note = note.strip()
    current.full_clean()
    current.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    return current


def deletion_request_refuse(
    *, deletion_request: DeletionRequest, by: User, note: str
) -> DeletionRequest:
    """Staff refuse a deletion request; the note (required) tells the organisation why."""
    if not note.strip():
        raise ValidationError(
            {"decision_note": _("Say why the request is refused; the organisation sees it.")}
        )
    with transaction.atomic():
        return _decide(
            deletion_request=deletion_request, by=by, status=DeletionStatus.REFUSED, note=note
        )


def deletion_request_confirm(
    *, deletion_request: DeletionRequest, by: User, note: str = ""
) -> DeletionRequest:
    """Staff confirm a deletion request: the organisation is anonymised in the same
    transaction and the request records who decided and when."""
    with transaction.atomic():
        decided = _decide(
            deletion_request=deletion_request, by=by, status=DeletionStatus.CONFIRMED, note=note
        )
        organisation_anonymise(organisation=decided.organisation)
    return decided
