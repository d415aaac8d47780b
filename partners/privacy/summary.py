"""Whose data is whose, and what the privacy page tells an organisation about its own
stored data."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from ..choices import DeletionStatus, OrganisationKind
from ..models import DeletionRequest, Manufacturer, Organisation, Supplier, User

#: Related rows loaded with an organisation shown on the privacy pages.
RELATED = {
    OrganisationKind.IKM: ("regency__province", "owner"),
    OrganisationKind.MANUFACTURER: (),
}

#: What the privacy page counts, per kind of organisation (related names of its rows).
COUNTED = {
    OrganisationKind.IKM: ("capabilities", "certifications"),
    OrganisationKind.MANUFACTURER: ("plants", "demands"),
}


def organisation_models() -> list[type[Organisation]]:
    """The concrete organisation models, in the order of ``OrganisationKind``."""
    return [Organisation.model_for(kind) for kind in OrganisationKind]  # type: ignore[misc]


def organisations_of(user: User) -> list[Organisation]:
    """The IKM the user owns and the manufacturers they belong to (not anonymised)."""
    if not user.is_authenticated:
        return []
    found: list[Organisation] = []
    for model in organisation_models():
        found += model._default_manager.filter(
            **{model.people_lookup: user}, anonymised_at__isnull=True
        ).select_related(*RELATED[model.kind])
    return found


def organisation_get(
    *, user: User, kind: str, pk: int | str, staff_sees_all: bool = True
) -> Organisation | None:
    """The organisation ``kind``/``pk`` if ``user`` may see its data: its owner or member,
    or (when ``staff_sees_all``) ministry staff. None otherwise — the same answer as for one
    that does not exist, so a typed URL reveals nothing."""
    model = Organisation.model_for(kind)
    if model is None:
        return None
    queryset: QuerySet = model.objects.select_related(*RELATED[model.kind])
    if not (staff_sees_all and user.is_staff):
        queryset = queryset.filter(**{model.people_lookup: user})
    return queryset.filter(pk=pk).first()


def requests_of(organisation: Organisation) -> QuerySet[DeletionRequest]:
    """The organisation's deletion requests."""
    assert isinstance(organisation, Supplier | Manufacturer)  # the concrete organisations
    return organisation.deletion_requests.all()


@dataclass
class StoredSummary:
    """Counts of what is stored about one organisation, for the privacy page."""

    organisation: Organisation
    kind: str
    users: list[User]
    counts: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    pending_request: DeletionRequest | None = None
    last_decided_request: DeletionRequest | None = None


def stored_summary(*, organisation: Organisation) -> StoredSummary:
    """What the privacy page tells the organisation about its own stored data."""
    summary = StoredSummary(
        organisation=organisation, kind=organisation.kind.value, users=organisation.people()
    )
    summary.counts = {
        name: getattr(organisation, name).count() for name in COUNTED[organisation.kind]
    }
    summary.documents = len(organisation.documents())
    requests = requests_of(organisation).select_related("decided_by")
    summary.pending_request = requests.filter(status=DeletionStatus.PENDING).first()
    summary.last_decided_request = (
        requests.exclude(status=DeletionStatus.PENDING).order_by("-decided_at", "-pk").first()
    )
    return summary
