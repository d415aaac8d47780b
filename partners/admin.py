"""Admin for suppliers, manufacturers and demands (accounts and groups: ``account_admin``).

Forms validate through the models' ``clean()`` (size class, default coordinates, plant of
the right manufacturer). Status changes go through ``partners.services`` as admin actions,
and edits made here are announced on ``partners.events`` like the services' own.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ReadOnlyAdmin
from common.typing import AuthenticatedHttpRequest

from . import (
    account_admin,  # noqa: F401  (registers the account and group admins)
    events,
)
from .choices import DemandStatus
from .forms.verification import VerificationDecisionForm
from .models import (
    DeletionRequest,
    Demand,
    Manufacturer,
    Notification,
    Plant,
    Supplier,
    SupplierCapability,
    SupplierCertification,
    SupplierDraft,
)
from .services import demands as demand_services
from .services.verification import (
    TARGET_STATUS,
    Decision,
    organisation_verification_decide,
    reverification_apply,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TIMESTAMPS = ("created_at", "updated_at")


class AnnouncingAdmin(admin.ModelAdmin):
    """Announces saves and deletes on ``change_event``, as the services do."""

    change_event: events.Event

    def event_kwargs(self, obj: Any) -> dict[str, int]:
        raise NotImplementedError

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        self.change_event.send(**self.event_kwargs(form.instance))

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        kwargs = self.event_kwargs(obj)
        super().delete_model(request, obj)
        self.change_event.send(**kwargs)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        announcements = {tuple(self.event_kwargs(obj).items()) for obj in queryset}
        super().delete_queryset(request, queryset)
        for kwargs in announcements:
            self.change_event.send(**dict(kwargs))


class ReverifyingAdmin(admin.ModelAdmin):
    """A change of a verified organisation's NIB or legal name sends it back to
    verification, here as in the services (``reverification_apply``)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            reverification_apply(obj, form.changed_data)
        super().save_model(request, obj, form, change)


class _DocumentLink:
    """What ``ClearableFileInput`` shows for the current file: its name and a link."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name

    def __str__(self) -> str:
        return self.name


class PrivateDocumentInput(forms.ClearableFileInput):
    """The file input for a document in the private storage, which has no public URL
    (asking the storage for one raised and the change page answered 500): the current
    file links to the download view ``url_name`` (given the row's id), which checks who
    is asking."""

    def __init__(self, *, url_name: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.url_name = url_name

    def is_initial(self, value: Any) -> bool:
        instance = getattr(value, "instance", None)
        return bool(value and getattr(value, "name", None) and getattr(instance, "pk", None))

    def format_value(self, value: Any) -> Any:
        if self.is_initial(value):
            return _DocumentLink(
                reverse(self.url_name, args=[value.instance.pk]), PurePosixPath(value.name).name
            )
        return None


class PrivateDocumentsAdmin(admin.ModelAdmin):
    """An admin of rows with documents in the private storage. ``private_documents`` maps
    each file field to its permission-checking download view (given the row's id); the
    form's input and, where the row is view-only, a ``<field>_link`` method (which the
    subclass defines with :meth:`private_link`) link there instead of to a media URL."""

    private_documents: dict[str, str] = {}

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in self.private_documents:
            kwargs["widget"] = PrivateDocumentInput(url_name=self.private_documents[db_field.name])
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> list[str | list[str] | tuple[str, ...]]:
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            fields = [f"{name}_link" if name in self.private_documents else name for name in fields]
        return fields

    def private_link(self, obj: Any, name: str) -> str:
        document = getattr(obj, name)
        if not document:
            return self.get_empty_value_display()
        url = reverse(self.private_documents[name], args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, PurePosixPath(document.name).name)


class SupplierEventsAdmin(AnnouncingAdmin):
    change_event = events.supplier_changed

    def event_kwargs(self, obj: Any) -> dict[str, int]:
        return {"supplier_id": obj.pk if isinstance(obj, Supplier) else obj.supplier_id}


def _verification_action(decision: Decision, description: StrOrPromise):
    """An admin action taking ``decision`` through the one verification service, which
    keeps the record (who, when, why), announces the change and tells the organisation's
    people. Rejecting and suspending first ask for the reason on an intermediate page (it
    is e-mailed to the organisation); a move the service does not allow from an
    organisation's status is reported and changes nothing."""

    def action(modeladmin: admin.ModelAdmin, request: AuthenticatedHttpRequest, queryset: QuerySet):
        form = VerificationDecisionForm(
            {"decision": decision, "reason": request.POST.get("reason", "")}
        )
        if decision != Decision.VERIFY and ("apply" not in request.POST or not form.is_valid()):
            return TemplateResponse(
                request,
                "admin/partners/verification_reason.html",
                {
                    **modeladmin.admin_site.each_context(request),
                    "title": description,
                    "opts": modeladmin.model._meta,
                    "queryset": queryset,
                    "form": form if "apply" in request.POST else VerificationDecisionForm(),
                    "action": f"mark_{TARGET_STATUS[decision]}",
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        changed = 0
        for organisation in queryset:
            try:
                organisation_verification_decide(
                    organisation=organisation, decision=decision, reason=reason, by=request.user
                )
            except ValidationError as error:
                modeladmin.message_user(
                    request,
                    f"{organisation.display_name}: {' '.join(error.messages)}",
                    messages.ERROR,
                )
            else:
                changed += 1
        if changed:
            modeladmin.message_user(
                request,
                ngettext("%(count)d record updated.", "%(count)d records updated.", changed)
                % {"count": changed},
                messages.SUCCESS,
            )
        return None

    action.__name__ = f"mark_{TARGET_STATUS[decision]}"
    return admin.action(description=description, permissions=["change"])(action)


def _verification_actions() -> list:
    return [
        _verification_action(Decision.VERIFY, _("Mark as verified")),
        _verification_action(Decision.REJECT, _("Mark as rejected")),
        _verification_action(Decision.SUSPEND, _("Mark as suspended")),
    ]


class SupplierCapabilityInline(admin.StackedInline):
    model = SupplierCapability
    extra = 0
    autocomplete_fields = ("component_type",)
    filter_horizontal = ("materials", "processes")
    fields = (
        "component_type",
        ("monthly_capacity", "capacity_unit"),
        ("minimum_order", "lead_time_days"),
        "materials",
        "processes",
    )


class SupplierCertificationInline(admin.TabularInline):
    model = SupplierCertification
    extra = 0
    autocomplete_fields = ("certification",)
    fields = ("certification", "number", "issued_on", "valid_until")


@admin.register(Supplier)
class SupplierAdmin(ReverifyingAdmin, SupplierEventsAdmin):
    list_display = (
        "legal_name",
        "nib",
        "sentra",
        "regency",
        "size_class",
        "verification_status",
        "is_active",
    )
    list_filter = (
        "verification_status",
        "size_class",
        "legal_form",
        "is_active",
        ("regency__province", admin.RelatedOnlyFieldListFilter),
        ("capabilities__component_type__category__sector", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("regency",)
    search_fields = ("legal_name", "nib", "sentra", "regency__name")
    autocomplete_fields = ("regency", "kbli_codes", "owner")
    readonly_fields = ("size_class", "verification_status", "verified_at", *TIMESTAMPS)
    fieldsets = (
        (None, {"fields": ("legal_name", "nib", "legal_form", "kbli_codes", "owner", "is_active")}),
        (_("Size (Permenperin 64/2016)"), {"fields": ("workers", "investment_idr", "size_class")}),
        (_("Location"), {"fields": ("regency", "sentra", "address", "latitude", "longitude")}),
        (_("Contact"), {"fields": ("contact_person", "contact_phone", "contact_email")}),
        (_("Verification"), {"fields": ("verification_status", "verified_at", *TIMESTAMPS)}),
    )
    inlines = (SupplierCapabilityInline, SupplierCertificationInline)
    actions = _verification_actions()


@admin.register(SupplierCapability)
class SupplierCapabilityAdmin(SupplierEventsAdmin):
    list_display = (
        "supplier",
        "component_type",
        "monthly_capacity",
        "capacity_unit",
        "minimum_order",
        "lead_time_days",
    )
    list_filter = ("capacity_unit", "component_type__category__sector", "component_type__category")
    list_select_related = ("supplier", "component_type")
    search_fields = ("supplier__legal_name", "supplier__nib", "component_type__name_id")
    autocomplete_fields = ("supplier", "component_type")
    filter_horizontal = ("materials", "processes")
    readonly_fields = TIMESTAMPS


@admin.register(SupplierCertification)
class SupplierCertificationAdmin(PrivateDocumentsAdmin, SupplierEventsAdmin):
    list_display = ("supplier", "certification", "number", "issued_on", "valid_until")
    list_filter = ("certification", "valid_until")
    list_select_related = ("supplier", "certification")
    search_fields = ("supplier__legal_name", "supplier__nib", "number", "certification__name")
    autocomplete_fields = ("supplier", "certification")
    readonly_fields = TIMESTAMPS
    private_documents = {"document": "partners:certificate_document"}

    @admin.display(description=SupplierCertification._meta.get_field("document").verbose_name)
    def document_link(self, obj: SupplierCertification) -> str:
        return self.private_link(obj, "document")


class PlantInline(admin.TabularInline):
    model = Plant
    extra = 0
    autocomplete_fields = ("regency",)
    fields = ("name", "regency", "address", "latitude", "longitude")


@admin.register(Manufacturer)
class ManufacturerAdmin(ReverifyingAdmin):
    list_display = ("name", "nib", "verification_status", "is_active")
    list_filter = ("verification_status", "is_active", "sectors")
    search_fields = ("name", "nib")
    filter_horizontal = ("sectors",)
    autocomplete_fields = ("members",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ("verification_status", "verified_at", *TIMESTAMPS)
    inlines = (PlantInline,)
    actions = _verification_actions()


@admin.register(Plant)
class PlantAdmin(admin.ModelAdmin):
    list_display = ("name", "manufacturer", "regency")
    list_filter = (("regency__province", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("manufacturer", "regency")
    search_fields = ("name", "manufacturer__name", "regency__name")
    autocomplete_fields = ("manufacturer", "regency")
    readonly_fields = TIMESTAMPS


class DemandAdminForm(forms.ModelForm):
    """The admin builds the Meta (model and fields) from ``DemandAdmin``."""

    def clean_needed_by(self):
        needed_by = self.cleaned_data["needed_by"]
        if self.instance._state.adding or "needed_by" in self.changed_data:
            demand_services.demand_needed_by_validate(needed_by=needed_by)
        return needed_by


def _status_action(service: Any, name: str, description: StrOrPromise):
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        done = 0
        for demand in queryset:
            try:
                service(demand=demand)
            except ValidationError as error:
                modeladmin.message_user(
                    request, f"{demand}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request,
                ngettext("%(count)d demand updated.", "%(count)d demands updated.", done)
                % {"count": done},
                messages.SUCCESS,
            )

    action.__name__ = name
    return admin.action(description=description, permissions=["change"])(action)


@admin.register(Demand)
class DemandAdmin(PrivateDocumentsAdmin, AnnouncingAdmin):
    form = DemandAdminForm
    change_event = events.demand_changed
    list_display = (
        "title",
        "manufacturer",
        "component_type",
        "quantity_per_month",
        "unit",
        "needed_by",
        "status",
    )
    list_filter = (
        "status",
        "component_type__category__sector",
        "component_type__category",
        ("manufacturer", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("manufacturer", "component_type")
    search_fields = ("title", "manufacturer__name", "component_type__name_id")
    date_hierarchy = "needed_by"
    autocomplete_fields = ("manufacturer", "plant", "component_type", "material")
    filter_horizontal = (
        "required_processes",
        "mandatory_certifications",
        "preferred_certifications",
    )
    readonly_fields = ("status", *TIMESTAMPS)
    private_documents = {"drawing": "partners:drawing_document"}
    actions = [
        _status_action(
            demand_services.demand_publish, "publish", _("Publish selected draft demands")
        ),
        _status_action(demand_services.demand_close, "close", _("Close selected open demands")),
        _status_action(demand_services.demand_cancel, "cancel", _("Cancel selected demands")),
    ]

    def event_kwargs(self, obj: Any) -> dict[str, int]:
        return {"demand_id": obj.pk}

    @admin.display(description=Demand._meta.get_field("drawing").verbose_name)
    def drawing_link(self, obj: Demand) -> str:
        return self.private_link(obj, "drawing")

    def has_change_permission(self, request: HttpRequest, obj: Demand | None = None) -> bool:
        # Closed and cancelled demands are final, as in demand_services.demand_update().
        if obj is not None and obj.status in (DemandStatus.CLOSED, DemandStatus.CANCELLED):
            return False
        return super().has_change_permission(request, obj)


@admin.register(SupplierDraft)
class SupplierDraftAdmin(ReadOnlyAdmin):
    list_display = ("owner", "step", "updated_at")
    search_fields = ("owner__username", "owner__email")
    list_select_related = ("owner",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "requested_by", "created_at", "decided_by", "decided_at")
    list_filter = ("status",)
    list_select_related = ("supplier", "manufacturer", "requested_by", "decided_by")
