"""The forms the workspace's pages post: review decisions (one match, bulk), a demand's
supplier comparison, a partnership's stage move, note and outcome, the parties' answers to
an introduction, and the start of a full rescore. They validate what was typed; the rules
of the domain are the services' (their errors come back through
``common.forms.add_service_errors``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from common.forms import BootstrapFormMixin, LocalDecimalField, RupiahField
from components.choices import Unit
from matchmaking.choices import IntroductionAnswer, MatchStatus, PartnershipStage
from matchmaking.models import Partnership
from matchmaking.partnerships.stages import CLOSING_STAGES

from .selectors.inbox import InboxState

# --- review ---------------------------------------------------------------------------------

NOTE_MAX_LENGTH = 2000


class DecisionForm(forms.Form):
    """One officer's decision on one match, with the status the officer saw."""

    to_status = forms.ChoiceField(label=_("Decision"), choices=MatchStatus.choices)
    expected_status = forms.ChoiceField(choices=MatchStatus.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX_LENGTH, strip=True)


def _pair(value: str) -> tuple[int, int] | None:
    demand, _sep, supplier = str(value).partition(":")
    if demand.isdigit() and supplier.isdigit():
        return int(demand), int(supplier)
    return None


class PairsField(forms.MultipleChoiceField):
    """Ticked matches as "demand_id:supplier_id" values."""

    widget = forms.MultipleHiddenInput

    def valid_value(self, value: str) -> bool:
        return _pair(value) is not None

    def clean(self, value):
        return [_pair(item) for item in super().clean(value)]


BULK_CHOICES = [
    (MatchStatus.SHORTLISTED.value, _("Shortlist")),
    (MatchStatus.APPROVED.value, _("Approve")),
    (MatchStatus.REJECTED.value, _("Reject")),
]


class BulkDecisionForm(forms.Form):
    """The same decision for every ticked match; ``seen`` holds "demand:supplier:status"
    of every row on the page, so a row someone changed meanwhile is reported as a
    conflict."""

    pair = PairsField(
        label=_("Matches"), error_messages={"required": _("Tick at least one match.")}
    )
    to_status = forms.ChoiceField(label=_("Decision"), choices=BULK_CHOICES)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def seen_statuses(self, values: list[str]) -> dict[tuple[int, int], str]:
        seen = {}
        for value in values:
            head, _sep, status = value.rpartition(":")
            pair = _pair(head)
            if pair is not None and status in MatchStatus.values:
                seen[pair] = status
        return seen


# --- demands --------------------------------------------------------------------------------

COMPARE_MIN, COMPARE_MAX = 2, 3


class CompareForm(forms.Form):
    """Two or three of the demand's scored suppliers."""

    supplier = forms.TypedMultipleChoiceField(coerce=int, label=_("Suppliers"))

    def __init__(self, *args, supplier_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].choices = [(pk, pk) for pk in supplier_ids]
        self.fields["supplier"].error_messages["required"] = _(
            "Tick two or three suppliers to compare."
        )

    def clean_supplier(self) -> list[int]:
        chosen = list(dict.fromkeys(self.cleaned_data["supplier"]))
        if not COMPARE_MIN <= len(chosen) <= COMPARE_MAX:
            raise forms.ValidationError(
                _("Tick two or three suppliers to compare (you ticked %(count)d)."),
                code="count",
                params={"count": len(chosen)},
            )
        return chosen


# --- partnerships ---------------------------------------------------------------------------


class MoveForm(forms.Form):
    to_stage = forms.ChoiceField(choices=PartnershipStage.choices)
    expected_stage = forms.ChoiceField(choices=PartnershipStage.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    @property
    def closing(self) -> bool:
        return self.data.get("to_stage") in CLOSING_STAGES


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a note first.")},
    )


class OutcomeForm(BootstrapFormMixin, forms.Form):
    contract_value_idr = RupiahField(label=_("Contract value (Rp)"), required=False)
    committed_monthly_volume = LocalDecimalField(
        label=_("Committed volume per month"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=3,
    )
    committed_unit = forms.ChoiceField(
        label=_("Unit"), required=False, choices=[("", "—"), *Unit.choices]
    )
    jobs_created = forms.IntegerField(label=_("Jobs created"), required=False, min_value=0)
    tkdn_percent = LocalDecimalField(
        label=_("TKDN (%)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
    )
    delivered_on_time = forms.NullBooleanField(
        label=_("Delivered on time"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("Not known yet")), ("true", _("Yes")), ("false", _("No"))]
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"outcome-{name}")
        self.fields["contract_value_idr"].widget.attrs["placeholder"] = number_format(
            1_500_000, force_grouping=True
        )

    @classmethod
    def for_partnership(cls, partnership: Partnership) -> OutcomeForm:
        """The form showing the recorded figures in the reader's number format."""

        def local(value: Any) -> str:
            if value is None:
                return ""
            if isinstance(value, Decimal):
                value = value.normalize()
                if value == value.to_integral():
                    value = value.quantize(Decimal(1))
            return number_format(value, force_grouping=True)

        delivered = partnership.delivered_on_time
        return cls(
            initial={
                "contract_value_idr": local(partnership.contract_value_idr),
                "committed_monthly_volume": local(partnership.committed_monthly_volume),
                "committed_unit": partnership.committed_unit,
                "jobs_created": partnership.jobs_created,
                "tkdn_percent": local(partnership.tkdn_percent),
                "delivered_on_time": "unknown" if delivered is None else str(delivered).lower(),
            }
        )


# --- the introductions inbox ----------------------------------------------------------------


class InboxFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"), choices=[("", _("All")), *InboxState.CHOICES], required=False
    )


class AnswerForm(forms.Form):
    """Interested, or not interested with a reason."""

    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=IntroductionAnswer.choices,
        error_messages={
            "required": _("Choose interested or not interested."),
            "invalid_choice": _("Choose interested or not interested."),
        },
    )
    reason = forms.CharField(
        label=_("Why are you not interested?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shared with the ministry staff, not with the other party."),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("answer") == IntroductionAnswer.NOT_INTERESTED
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Tell us briefly why you are not interested."))
        return cleaned


# --- rescoring ------------------------------------------------------------------------------


class RescoreStartForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. new certification data imported")}),
    )
