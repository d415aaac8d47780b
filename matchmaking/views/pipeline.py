"""Staff workspace: the partnership pipeline (board and table), a partnership's page with
its moves, notes and outcomes, and the pipeline export (see matchmaking/workspace_urls.py).

Every write goes through ``matchmaking.pipeline``; HTMX posts get the re-rendered section
(status 400 with field errors, 409 when another officer moved the partnership first), plain
posts a redirect or the whole page with the errors."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from components.choices import Unit

from .. import pipeline
from ..choices import CLOSED_PARTNERSHIP_STAGES, PartnershipStage
from ..engine.explanations import language
from ..exports import Column, export_response
from ..filters.partnerships import PartnershipFilterSet
from ..models import Partnership
from ..selectors import pipeline as selectors
from .access import paginate, query_without_page, staff_required, wants_fragment

# --- forms ----------------------------------------------------------------------------------


class LocalDecimalField(forms.DecimalField):
    """A decimal typed the way the reader writes numbers: ``1.250,5`` in Indonesian,
    ``1,250.5`` in English (grouping separators are ignored)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip().replace(" ", "").replace("\u00a0", "")
            value = value.replace(get_format("THOUSAND_SEPARATOR"), "")
            value = value.replace(get_format("DECIMAL_SEPARATOR"), ".")
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs


class RupiahField(forms.Field):
    """Whole rupiah, with or without ``Rp`` and thousands separators (``1.500.000``,
    ``1,500,000`` and ``1500000`` are the same amount)."""

    AMOUNT = re.compile(r"(\d{1,3}(?:[.,\s]\d{3})+|\d+)(?:[.,]0{1,2})?")
    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    default_error_messages = {
        "invalid": _("Enter the amount in whole rupiah, for example %(example)s."),
    }

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        text = str(value).replace("\u00a0", " ").strip()
        text = re.sub(r"^rp\.?\s*", "", text, flags=re.IGNORECASE)
        match = self.AMOUNT.fullmatch(text) if len(text) <= 40 else None
        if match is None:
            raise ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={"example": number_format(1_500_000, force_grouping=True)},
            )
        return int(re.sub(r"\D", "", match.group(1)))


class MoveForm(forms.Form):
    to_stage = forms.ChoiceField(choices=PartnershipStage.choices)
    expected_stage = forms.ChoiceField(choices=PartnershipStage.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    @property
    def closing(self) -> bool:
        return self.data.get("to_stage") in pipeline.CLOSING_STAGES


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a note first.")},
    )


class OutcomeForm(forms.Form):
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
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
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


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ``ValidationError`` onto the form: by field where the form has it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# --- pipeline page and export ---------------------------------------------------------------


# Filters shown as menus (the search box and the stage buttons are laid out apart).
MENU_FILTERS = ("sector", "province", "manufacturer", "officer", "stuck", "flagged")


def _filtered(request: HttpRequest) -> PartnershipFilterSet:
    return PartnershipFilterSet(
        request.GET or None, queryset=selectors.partnership_list(), request=request
    )


def _query(request: HttpRequest, **changes: str | None) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        params.pop(key, None)
        if value:
            params[key] = value
    return params.urlencode()


@staff_required
@require_GET
def partnership_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request)
    view = "table" if request.GET.get("view") == "table" else "board"
    context: dict[str, Any] = {
        "filterset": filterset,
        "view": view,
        "query": query_without_page(request),
        "board_query": _query(request, view=None),
        "table_query": _query(request, view="table"),
        "export_query": _query(request, view=None),
        "stale_days": settings.PARTNERSHIP_STALE_DAYS,
        "stage_choices": PartnershipStage.choices,
        "closed_stages": CLOSED_PARTNERSHIP_STAGES,
        "selected_stages": set(request.GET.getlist("stage")),
        "filter_fields": [filterset.form[name] for name in MENU_FILTERS],
        "sort": request.GET.get("sort", ""),
        "active_filters": sum(
            1 for name in ("stage", *MENU_FILTERS) if any(request.GET.getlist(name))
        ),
    }
    if view == "table":
        page_obj = paginate(request, filterset.qs)
        page_obj.object_list = selectors.with_days_in_stage(page_obj.object_list)
        sort = context["sort"]
        context.update(
            page_obj=page_obj,
            sort_days_query=_query(request, sort="-changed" if sort == "changed" else "changed"),
        )
    else:
        board = selectors.pipeline_board(partnerships=filterset.qs)
        for column in [*board.columns, *board.closed]:
            column.table_query = _query(request, view="table", stage=column.stage)
        context["board"] = board
    template = (
        "matchmaking/partials/_pipeline_results.html"
        if wants_fragment(request)
        else "matchmaking/pipeline.html"
    )
    return render(request, template, context)


def _export_columns(today: datetime.date) -> list[Column]:
    return [
        Column(_("IKM supplier"), lambda p: p.supplier.legal_name),
        Column(_("NIB"), lambda p: p.supplier.nib),
        Column(_("Regency/city"), lambda p: p.supplier.regency.name),
        Column(_("Province"), lambda p: p.supplier.regency.province.name),
        Column(_("Manufacturer"), lambda p: p.demand.manufacturer.name),
        Column(_("Demand"), lambda p: p.demand.title),
        Column(_("Component"), lambda p: p.demand.component_type.name),
        Column(_("Stage"), lambda p: p.get_stage_display()),
        Column(_("In stage since"), lambda p: timezone.localdate(p.stage_changed_at)),
        Column(_("Days in stage"), lambda p: pipeline.days_in_stage(p, today=today)),
        Column(_("Stuck"), lambda p: bool(p.stuck)),
        Column(
            _("Officer"),
            lambda p: (p.officer.get_full_name() or p.officer.get_username()) if p.officer else "",
        ),
        Column(_("Committed volume per month"), lambda p: p.committed_monthly_volume),
        Column(_("Unit"), lambda p: p.get_committed_unit_display() if p.committed_unit else ""),
        Column(_("Contract value (Rp)"), lambda p: p.contract_value_idr),
        Column(_("Jobs created"), lambda p: p.jobs_created),
        Column(_("TKDN (%)"), lambda p: p.tkdn_percent),
        Column(_("Delivered on time"), lambda p: p.delivered_on_time),
        Column(_("Specification changed"), lambda p: p.flagged_at is not None),
        Column(_("Qualification issue"), _issue),
        Column(_("Reason declined / ended"), lambda p: p.end_reason),
    ]


def _issue(partnership: Partnership) -> str:
    """The qualification issue in the reader's language (Indonesian as the fallback)."""
    if language() == "en" and partnership.qualification_issue_en:
        return partnership.qualification_issue_en
    return partnership.qualification_issue


@staff_required
@require_GET
def partnership_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    filterset = _filtered(request)
    today = timezone.localdate()
    return export_response(
        rows=filterset.qs.iterator(chunk_size=1000),
        columns=_export_columns(today),
        fmt=fmt,
        filename=gettext("partnerships"),
    )


# --- one partnership ------------------------------------------------------------------------


def _partnership(pk: int) -> Partnership:
    try:
        return selectors.partnership_detail(pk=pk)
    except Partnership.DoesNotExist as exc:
        raise Http404 from exc


def _stage_context(
    partnership: Partnership, move_form: MoveForm | None = None, conflict: str = ""
) -> dict[str, Any]:
    moves = pipeline.allowed_moves(partnership.stage)
    forward = [
        s
        for s in moves
        if s in pipeline.STAGE_ORDER and not pipeline.is_back_step(partnership.stage, s)
    ]
    back = [s for s in moves if pipeline.is_back_step(partnership.stage, s)]
    current_index = (
        pipeline.STAGE_ORDER.index(partnership.stage)
        if partnership.stage in pipeline.STAGE_ORDER
        else len(pipeline.STAGE_ORDER)
    )
    steps = [
        {
            "stage": stage,
            "label": PartnershipStage(stage).label,
            "state": (
                "done" if index < current_index else "current" if index == current_index else "todo"
            ),
        }
        for index, stage in enumerate(pipeline.STAGE_ORDER)
    ]
    if partnership.stage == PartnershipStage.COMPLETED:
        steps.append(
            {
                "stage": partnership.stage,
                "label": partnership.get_stage_display(),
                "state": "current",
            }
        )
    return {
        "partnership": partnership,
        "steps": steps,
        "is_closed": partnership.stage in CLOSED_PARTNERSHIP_STAGES,
        "next_stage": forward[0] if forward else None,
        "next_label": PartnershipStage(forward[0]).label if forward else "",
        "skip_stages": [(s, PartnershipStage(s).label) for s in forward[1:]],
        "back_stage": back[0] if back else None,
        "back_label": PartnershipStage(back[0]).label if back else "",
        "can_complete": PartnershipStage.COMPLETED in moves,
        "can_close": bool(set(pipeline.CLOSING_STAGES) & set(moves)),
        "move_form": move_form or MoveForm(),
        "conflict": conflict,
        "stale_days": settings.PARTNERSHIP_STALE_DAYS,
    }


def _detail_context(partnership: Partnership, **forms_: Any) -> dict[str, Any]:
    context = _stage_context(
        partnership, move_form=forms_.get("move_form"), conflict=forms_.get("conflict", "")
    )
    context.update(
        note_form=forms_.get("note_form") or NoteForm(),
        outcome_form=forms_.get("outcome_form") or OutcomeForm.for_partnership(partnership),
        capacity_warning=selectors.capacity_warning(partnership),
        issue=_issue(partnership),
    )
    return context


@staff_required
@require_GET
def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership(pk)
    return render(request, "matchmaking/partnership_detail.html", _detail_context(partnership))


def _fragments(request: HttpRequest, parts: list[tuple[str, dict]], status: int) -> HttpResponse:
    html = "".join(render_to_string(name, context, request=request) for name, context in parts)
    return HttpResponse(html, status=status)


def _timeline(partnership: Partnership, note_form: NoteForm | None = None, oob: bool = False):
    return (
        "matchmaking/partials/_partnership_timeline.html",
        {"partnership": partnership, "note_form": note_form or NoteForm(), "oob": oob},
    )


@staff_required
@require_POST
def partnership_move(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership(pk)
    form = MoveForm(request.POST)
    conflict = ""
    if form.is_valid():
        try:
            pipeline.partnership_move(
                partnership_id=partnership.pk,
                to_stage=form.cleaned_data["to_stage"],
                expected_stage=form.cleaned_data["expected_stage"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except pipeline.PartnershipConflict as exc:
            conflict = exc.message
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            partnership = _partnership(pk)
            done = gettext("Moved to “%(stage)s”.") % {"stage": partnership.get_stage_display()}
            if not wants_fragment(request):
                messages.success(request, done)
                return redirect("workspace:partnership_detail", pk=pk)
            context = _stage_context(partnership)
            context["done"] = done
            return _fragments(
                request,
                [
                    ("matchmaking/partials/_partnership_stage.html", context),
                    _timeline(partnership, oob=True),
                ],
                status=200,
            )
    if conflict:
        partnership = _partnership(pk)  # show the stage it is in now
    if wants_fragment(request):
        parts = [
            (
                "matchmaking/partials/_partnership_stage.html",
                _stage_context(partnership, move_form=form, conflict=conflict),
            )
        ]
        if conflict:
            parts.append(_timeline(partnership, oob=True))
        return _fragments(request, parts, status=409 if conflict else 400)
    return render(
        request,
        "matchmaking/partnership_detail.html",
        _detail_context(partnership, move_form=form, conflict=conflict),
    )


@staff_required
@require_POST
def partnership_note(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership(pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            pipeline.partnership_note_add(
                partnership_id=partnership.pk, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if not wants_fragment(request):
                messages.success(request, gettext("Note added."))
                return redirect("workspace:partnership_detail", pk=pk)
            return _fragments(request, [_timeline(_partnership(pk))], status=200)
    if wants_fragment(request):
        return _fragments(request, [_timeline(partnership, note_form=form)], status=400)
    return render(
        request, "matchmaking/partnership_detail.html", _detail_context(partnership, note_form=form)
    )


@staff_required
@require_POST
def partnership_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership(pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            pipeline.partnership_outcome_update(
                partnership_id=partnership.pk, by=request.user, data=form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if not wants_fragment(request):
                messages.success(request, gettext("Outcome saved."))
                return redirect("workspace:partnership_detail", pk=pk)
            partnership = _partnership(pk)
            return _fragments(
                request,
                [
                    (
                        "matchmaking/partials/_partnership_outcome.html",
                        {
                            "partnership": partnership,
                            "outcome_form": OutcomeForm.for_partnership(partnership),
                            "capacity_warning": selectors.capacity_warning(partnership),
                            "saved": True,
                        },
                    ),
                    _timeline(partnership, oob=True),
                ],
                status=200,
            )
    if wants_fragment(request):
        return _fragments(
            request,
            [
                (
                    "matchmaking/partials/_partnership_outcome.html",
                    {
                        "partnership": partnership,
                        "outcome_form": form,
                        "capacity_warning": selectors.capacity_warning(partnership),
                    },
                )
            ],
            status=400,
        )
    return render(
        request,
        "matchmaking/partnership_detail.html",
        _detail_context(partnership, outcome_form=form),
    )


urlpatterns = [
    path("", partnership_list, name="partnership_list"),
    path("export.<str:fmt>", partnership_export, name="partnership_export"),
    path("<int:pk>/", partnership_detail, name="partnership_detail"),
    path("<int:pk>/move/", partnership_move, name="partnership_move"),
    path("<int:pk>/note/", partnership_note, name="partnership_note"),
    path("<int:pk>/outcome/", partnership_outcome, name="partnership_outcome"),
]
