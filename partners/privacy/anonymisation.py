"""Anonymisation: an organisation's personal data erased, its rows kept for history."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from common.files import delete_files_on_commit
from common.outbox import mail_forget

from .. import events
from ..choices import DemandStatus, OrganisationKind, VerificationStatus
from ..models import (
    Demand,
    Manufacturer,
    Notification,
    NotificationSetting,
    Organisation,
    Plant,
    Supplier,
    SupplierCertification,
    SupplierDraft,
    User,
)
from ..uploads import private_storage
from .registry import Replacements, anonymisers
from .summary import organisation_models

#: What a personal string is replaced with in free-text notes kept for history.
ERASED = _("[erased]")


def locked(organisation: Organisation) -> Organisation:
    """The organisation again, its row locked until the transaction ends."""
    return type(organisation)._default_manager.select_for_update().get(pk=organisation.pk)


#: The name an anonymised organisation keeps, per kind (``%(id)s`` is its id).
LABELS = {
    OrganisationKind.IKM: _("Anonymised IKM #%(id)s"),
    OrganisationKind.MANUFACTURER: _("Anonymised manufacturer #%(id)s"),
}

#: Personal fields of each kind besides the contact ones (kept as strings to scrub).
PERSONAL_FIELDS = {
    OrganisationKind.IKM: ("address", "nib"),
    OrganisationKind.MANUFACTURER: ("nib", "website"),
}


def anonymised_label(organisation: Organisation) -> str:
    """The name an anonymised organisation keeps, in the site's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(LABELS[organisation.kind]) % {"id": organisation.pk}


def placeholder_nib(supplier: Supplier) -> str:
    """A 13-digit NIB no real business holds here: a leading 9 then the zero-padded id
    (8, 7 … if that is taken by another IKM)."""
    for lead in "987654321":
        candidate = f"{lead}{supplier.pk:012d}"
        if not Supplier.objects.filter(nib=candidate).exclude(pk=supplier.pk).exists():
            return candidate
    raise ValidationError(_("No placeholder NIB is free for this IKM."), code="nib_taken")


def erased_text() -> str:
    """What replaces a personal string in kept notes, in the site's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(ERASED)


def _personal_strings(organisation: Organisation, users: Iterable[User]) -> list[str]:
    strings = [
        organisation.contact_person,
        organisation.contact_phone,
        organisation.contact_email,
    ]
    strings += [getattr(organisation, name) or "" for name in PERSONAL_FIELDS[organisation.kind]]
    for user in users:
        if not user.is_staff:
            strings += [user.get_full_name(), user.first_name, user.last_name, user.email]
    return [s for s in strings if s]


def _user_erase(user: User) -> None:
    user.username = f"anonymised-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    SupplierDraft.objects.filter(owner=user).delete()
    Notification.objects.filter(user=user).delete()
    NotificationSetting.objects.filter(user=user).delete()


def _other_live_organisations(user: User, organisation: Organisation) -> bool:
    for model in organisation_models():
        others = model._default_manager.filter(
            **{model.people_lookup: user}, anonymised_at__isnull=True
        )
        if model is type(organisation):
            others = others.exclude(pk=organisation.pk)
        if others.exists():
            return True
    return False


def _scrub_notifications(old_name: str, new_name: str, keys: Iterable[str]) -> None:
    """Other users' notifications name the organisation in their parameters."""
    condition = Q()
    for key in keys:
        condition |= Q(**{f"params__{key}": old_name})
    for notification in Notification.objects.filter(condition):
        notification.params = {
            key: new_name if value == old_name else value
            for key, value in notification.params.items()
        }
        notification.save(update_fields=["params", "updated_at"])


def _scrub_admin_history(organisation: Organisation, label: str, users: Iterable[User]) -> None:
    """The admin's history names each edited object as it was called then."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(organisation),
        object_id=str(organisation.pk),
    ).update(object_repr=label[:200])
    user_type = ContentType.objects.get_for_model(User)
    for user in users:
        LogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).update(
            object_repr=user.username
        )


def _anonymise_supplier(supplier: Supplier, label: str) -> list[str]:
    supplier.legal_name = label
    supplier.nib = placeholder_nib(supplier)
    supplier.address = ""
    # a pin may mark a home workshop: back to the centre of the regency
    supplier.latitude, supplier.longitude = supplier.regency.latitude, supplier.regency.longitude
    files = []
    for held in SupplierCertification.objects.filter(supplier=supplier).select_for_update():
        if held.document.name:  # a FieldFile is true when it has a name
            files.append(held.document.name)
        held.document = ""
        held.number = f"anonymised-{held.pk}"
        held.save(update_fields=["document", "number", "updated_at"])
    return files


def _anonymise_manufacturer(manufacturer: Manufacturer, label: str) -> list[str]:
    manufacturer.name = label
    manufacturer.nib = None
    manufacturer.website = ""
    Plant.objects.filter(manufacturer=manufacturer).update(address="", updated_at=timezone.now())
    files = []
    for demand in Demand.objects.filter(manufacturer=manufacturer).select_for_update():
        fields = []
        if demand.drawing.name:  # a FieldFile is true when it has a name
            files.append(demand.drawing.name)
            demand.drawing = ""
            fields.append("drawing")
        if demand.status in (DemandStatus.DRAFT, DemandStatus.OPEN):
            demand.status = DemandStatus.CANCELLED
            fields.append("status")
        if fields:
            demand.save(update_fields=[*fields, "updated_at"])
            events.demand_changed.send(demand_id=demand.pk)
    return files


def _scrub_supplier_history(supplier: Supplier, label: str) -> None:
    """The audit trail keeps copies of every earlier state: they lose the same data."""
    Supplier.history.filter(id=supplier.pk).update(
        legal_name=label,
        nib=supplier.nib,
        address="",
        latitude=supplier.latitude,
        longitude=supplier.longitude,
        **SCRUBBED_IN_HISTORY,
    )
    SupplierCertification.history.filter(supplier_id=supplier.pk).update(
        number="anonymised", document=""
    )


def _scrub_manufacturer_history(manufacturer: Manufacturer, label: str) -> None:
    """The audit trail keeps copies of every earlier state: they lose the same data."""
    Manufacturer.history.filter(id=manufacturer.pk).update(
        name=label, nib=None, website="", **SCRUBBED_IN_HISTORY
    )
    Plant.history.filter(manufacturer_id=manufacturer.pk).update(address="")
    Demand.history.filter(manufacturer_id=manufacturer.pk).update(drawing="")


#: Fields both kinds erase in their audit trail.
SCRUBBED_IN_HISTORY = {
    "contact_person": "",
    "contact_phone": "",
    "contact_email": "",
    "verification_note": "",
}


def _detach_owner(supplier: Supplier, user: User) -> None:
    Supplier.objects.filter(pk=supplier.pk).update(owner=None)


def _detach_member(manufacturer: Manufacturer, user: User) -> None:
    manufacturer.members.remove(user)


def _announce_supplier(supplier: Supplier) -> None:
    events.supplier_changed.send(supplier_id=supplier.pk)


@dataclass(frozen=True)
class _Erasure:
    """How one kind of organisation is anonymised beyond the fields all kinds share."""

    #: Erase the kind's own fields and rows; returns the stored files to delete.
    erase: Callable[[Any, str], list[str]]
    #: Erase the same from the copies the audit trail keeps (``common.history``).
    scrub_history: Callable[[Any, str], None]
    #: Fields ``full_clean`` skips (not editable, computed).
    exclude: frozenset[str]
    #: Notification parameters that may hold the organisation's name.
    notification_keys: tuple[str, ...]
    #: Let go of a person who still acts for another organisation.
    detach: Callable[[Any, User], None]
    #: Tell the other apps (a rescore) once the organisation is anonymised.
    announce: Callable[[Any], None]


ERASURES = {
    OrganisationKind.IKM: _Erasure(
        erase=_anonymise_supplier,
        scrub_history=_scrub_supplier_history,
        exclude=frozenset({"size_class"}),
        notification_keys=("supplier", "party", "organisation"),
        detach=_detach_owner,
        announce=_announce_supplier,
    ),
    OrganisationKind.MANUFACTURER: _Erasure(
        erase=_anonymise_manufacturer,
        scrub_history=_scrub_manufacturer_history,
        exclude=frozenset(),
        notification_keys=("manufacturer", "party", "organisation"),
        detach=_detach_member,
        announce=lambda manufacturer: None,  # its demands were announced one by one
    ),
}


def organisation_anonymise(*, organisation: Organisation) -> Organisation:
    """Erase an organisation's personal data, keeping its rows for history.

    Names become "Anonymised IKM #<id>" / "Anonymised manufacturer #<id>", contact fields
    and addresses are cleared, the NIB is replaced (an IKM needs one: a 13-digit
    placeholder) or removed, uploaded documents are emptied (the files are deleted once the
    transaction commits), the owner's or members' accounts are deactivated with their names
    and e-mails erased (a person who still belongs to another organisation only loses the
    link), and the organisation is suspended and inactive, so it is no longer matched (a
    rescore is announced). Partnerships, their events and the matches stay, pointing at the
    anonymised organisation; the registered anonymisers scrub old names from their notes.
    The audit trail keeps its records (who changed what, when) with the same data erased."""
    with transaction.atomic():
        current = locked(organisation)
        if current.anonymised_at is not None:
            return current
        users = current.people()
        contact_email, emails = current.contact_email, {user.pk: user.email for user in users}
        erasure = ERASURES[current.kind]
        label = anonymised_label(current)
        old_name = str(current)
        erased = erased_text()
        replacements = Replacements(
            {old_name: label, **dict.fromkeys(_personal_strings(current, users), erased)}
        )
        current.contact_person = current.contact_phone = current.contact_email = ""
        # Staff's free-text verification note may name people: it goes too.
        current.verification_note = ""
        current.verification_status = VerificationStatus.SUSPENDED
        current.verified_at = None
        current.is_active = False
        current.anonymised_at = timezone.now()
        files = erasure.erase(current, label)
        current.full_clean(exclude=set(erasure.exclude))
        current.save()
        erasure.scrub_history(current, label)
        erased_users: list[User] = []
        for user in users:
            if user.is_staff:
                continue  # a staff account is never erased through an organisation
            if _other_live_organisations(user, current):
                erasure.detach(current, user)
                continue
            _user_erase(user)
            erased_users.append(user)
        # e-mail stored for sending, or kept a few days after, to the erased addresses
        mail_forget([contact_email, *(emails[user.pk] for user in erased_users)])
        _scrub_notifications(old_name, label, erasure.notification_keys)
        _scrub_admin_history(current, label, erased_users)
        for _key, anonymiser in anonymisers.items():
            anonymiser(organisation=current, replacements=replacements)
        delete_files_on_commit(private_storage, files)
        erasure.announce(current)
    organisation.refresh_from_db()
    return current
