"""Forms of the staff verification queue: its filters and the decision on one
organisation (also the reason asked for by the admin's reject and suspend actions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.forms import BootstrapFormMixin
from components.models import Province

from ..choices import OrganisationKind, VerificationStatus
from ..services.verification import REASON_MAX_LENGTH, Decision


class VerificationFilterForm(BootstrapFormMixin, forms.Form):
    """Filters of the verification queue; an invalid value is reported and left out."""

    ALL = "all"

    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("IKM and manufacturers")), *OrganisationKind.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", VerificationStatus.PENDING.label),
            *[(v, label) for v, label in VerificationStatus.choices if v != "pending"],
            (ALL, _("any status")),
        ],
    )
    province = forms.ModelChoiceField(
        label=_("Province"),
        required=False,
        queryset=Province.objects.order_by("name"),
        empty_label=_("All provinces"),
    )
    q = forms.CharField(label=_("Name or NIB"), required=False, max_length=100)

    def filters(self) -> dict[str, Any]:
        """The valid filters for ``partners.selectors.verification.verification_queue`` (invalid
        ones, reported in ``errors``, are left out)."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        status = data.get("status") or VerificationStatus.PENDING
        return {
            "kind": data.get("kind") or None,
            "status": None if status == self.ALL else status,
            "province": data.get("province"),
            "q": data.get("q") or None,
        }


class VerificationDecisionForm(BootstrapFormMixin, forms.Form):
    """Staff's decision on an organisation; rejecting and suspending need a reason, which
    is e-mailed to the organisation's people."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=Decision.choices,
        error_messages={"required": _("Choose a decision.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Needed to reject or suspend: it is e-mailed to the organisation."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()  # a Form's clean() gives back its cleaned_data
        data = self.cleaned_data
        if data.get("decision") in (Decision.REJECT, Decision.SUSPEND) and not data.get("reason"):
            self.add_error(
                "reason",
                ValidationError(
                    _("Say why, so the organisation knows what to correct."), code="required"
                ),
            )
        return data
