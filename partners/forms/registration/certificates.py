"""Step 4 of the IKM registration (and the my-IKM certificate pages): the certificates the
IKM holds, each with its scan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import BootstrapFormMixin, form_field
from components.models import Certification

from ...uploads import DocumentValidator
from .catalogue import CatalogueChoices
from .rows import KeptRowsMixin


def _upload_help() -> str:
    return _("PDF, PNG or JPEG, at most %(limit)s MB.") % {
        "limit": settings.UPLOAD_MAX_BYTES // 1_048_576
    }


class CertificationForm(BootstrapFormMixin, forms.Form):
    """A certificate held, with its scan. The scan is required unless one is already
    stored (``has_document``, or a draft upload named in ``existing_document`` that is one of
    ``draft_documents``, the owner's own uploads)."""

    certification = forms.ModelChoiceField(
        label=_("Certificate"),
        queryset=Certification.objects.all(),
        error_messages={"required": _("Choose the kind of certificate.")},
    )
    number = forms.CharField(label=_("Certificate number"), max_length=100)
    issued_on = forms.DateField(
        label=_("Issued on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        help_text=_("Leave empty if it does not expire."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    document = forms.FileField(
        label=_("Scan or photo of the certificate"),
        required=False,
        validators=[DocumentValidator()],
        widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/*"}),
    )
    existing_document = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        catalogue: CatalogueChoices | None = None,
        draft_documents: Mapping[str, str] | None = None,
        has_document: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.draft_documents = dict(draft_documents or {})
        self.has_document = has_document
        form_field(self, "certification", forms.ChoiceField).choices = (
            catalogue or CatalogueChoices()
        ).certifications
        self.fields["document"].help_text = _upload_help()

    def clean_existing_document(self) -> str:
        name = self.cleaned_data.get("existing_document") or ""
        if name and name not in self.draft_documents:
            # Not one of this owner's uploads: ignore it rather than trust it.
            return ""
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()  # a Form's clean() gives back its cleaned_data
        cleaned = self.cleaned_data
        today = timezone.localdate()
        issued, valid_until = cleaned.get("issued_on"), cleaned.get("valid_until")
        if issued and issued > today:
            self.add_error(
                "issued_on", ValidationError(_("The issue date cannot be in the future."))
            )
        if issued and valid_until and valid_until < issued:
            self.add_error(
                "valid_until", ValidationError(_("Expiry date cannot be before the issue date."))
            )
        elif valid_until and valid_until < today:
            self.add_error(
                "valid_until", ValidationError(_("This certificate has already expired."))
            )
        if (
            "document" not in self.errors
            and not cleaned.get("document")
            and not cleaned.get("existing_document")
            and not self.has_document
        ):
            self.add_error(
                "document",
                ValidationError(
                    _("Upload a scan or photo of the certificate (PDF, PNG or JPEG)."),
                    code="document_required",
                ),
            )
        return cleaned

    def current_document_name(self) -> str:
        """The original file name of the draft upload this row keeps, if any."""
        name = self["existing_document"].value() or ""
        return self.draft_documents.get(name, "")

    def current_document_key(self) -> str:
        name = self["existing_document"].value() or ""
        return name.rsplit("/", 1)[-1] if name in self.draft_documents else ""

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "certification": data["certification"],
            "number": data["number"],
            "issued_on": data["issued_on"],
            "valid_until": data["valid_until"],
        }


class BaseCertificationFormSet(KeptRowsMixin[CertificationForm]):
    default_error_messages = {
        **BaseFormSet.default_error_messages,
        "too_many_forms": _("At most %(num)d certificates can be listed here."),
    }

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[tuple[int, str]] = set()
        for form in self.kept_forms():
            key = (form.cleaned_data["certification"].pk, form.cleaned_data["number"].strip())
            if key in seen:
                form.add_error(
                    "number", ValidationError(_("This certificate is already in another row."))
                )
            seen.add(key)


CertificationFormSet = formset_factory(
    CertificationForm,
    formset=BaseCertificationFormSet,
    extra=0,
    max_num=20,
    validate_max=True,
    can_delete=True,
)
