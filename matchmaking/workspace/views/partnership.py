"""Staff workspace: one partnership's page with its stage moves, timeline notes and outcome
figures (see matchmaking/workspace/urls.py; the pipeline board and table are in
``views.pipeline``).

Every write goes through ``matchmaking.partnerships.stages``; HTMX posts get the re-rendered
section (status 400 with field errors, 409 when another officer moved the partnership
first), plain posts a redirect or the whole page with the errors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from common.forms import add_service_errors
from common.htmx import render_page_or_fragment, wants_fragment
from matchmaking.choices import CLOSED_PARTNERSHIP_STAGES, PartnershipStage
from matchmaking.models import Partnership
from matchmaking.partnerships import stages
from partners.permissions import staff_required

from ..forms import MoveForm, NoteForm, OutcomeForm
from ..selectors import pipeline as selectors

PAGE = "matchmaking/partnership_detail.html"
STAGE = "matchmaking/partials/_partnership_stage.html"
TIMELINE = "matchmaking/partials/_partnership_timeline.html"
OUTCOME = "matchmaking/partials/_partnership_outcome.html"


def _partnership(pk: int) -> Partnership:
    try:
        return selectors.partnership_detail(pk=pk)
    except Partnership.DoesNotExist as exc:
        raise Http404 from exc


def _stage_context(
    partnership: Partnership, move_form: MoveForm | None = None, conflict: str = ""
) -> dict[str, Any]:
    moves = stages.allowed_moves(partnership.stage)
    forward = [
        s
        for s in moves
        if s in stages.STAGE_ORDER and not stages.is_back_step(partnership.stage, s)
    ]
    back = [s for s in moves if stages.is_back_step(partnership.stage, s)]
    current_index = (
        stages.STAGE_ORDER.index(partnership.stage)
        if partnership.stage in stages.STAGE_ORDER
        else len(stages.STAGE_ORDER)
    )
    steps = [
        {
            "stage": stage,
            "label": PartnershipStage(stage).label,
            "state": (
                "done" if index < current_index else "current" if index == current_index else "todo"
            ),
        }
        for index, stage in enumerate(stages.STAGE_ORDER)
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
        "can_close": bool(set(stages.CLOSING_STAGES) & set(moves)),
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
        issue=selectors.qualification_issue(partnership),
    )
    return context


def _with_errors(request: HttpRequest, *, fragment: str, context: dict[str, Any]) -> HttpResponse:
    """A form with errors: its section (400) for HTMX, else the whole page."""
    return render_page_or_fragment(
        request,
        page=PAGE,
        fragment=fragment,
        context=context,
        invalid=True,
    )


@staff_required
@require_GET
def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership(pk)
    return render(request, PAGE, _detail_context(partnership))


def _fragments(request: HttpRequest, parts: list[tuple[str, dict]], status: int) -> HttpResponse:
    """Several sections at once: the one swapped in, then out-of-band ones."""
    html = "".join(render_to_string(name, context, request=request) for name, context in parts)
    return HttpResponse(html, status=status)


def _timeline(partnership: Partnership, oob: bool = False) -> tuple[str, dict[str, Any]]:
    return TIMELINE, {"partnership": partnership, "note_form": NoteForm(), "oob": oob}


@staff_required
@require_POST
def partnership_move(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership(pk)
    form = MoveForm(request.POST)
    conflict = ""
    if form.is_valid():
        try:
            stages.partnership_move(
                partnership_id=partnership.pk,
                to_stage=form.cleaned_data["to_stage"],
                expected_stage=form.cleaned_data["expected_stage"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except stages.PartnershipConflict as exc:
            conflict = exc.message
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            partnership = _partnership(pk)
            done = gettext("Moved to “%(stage)s”.") % {"stage": partnership.get_stage_display()}
            if not wants_fragment(request):
                messages.success(request, done)
                return redirect("workspace:partnership_detail", pk=pk)
            context = _stage_context(partnership)
            context["done"] = done
            return _fragments(request, [(STAGE, context), _timeline(partnership, oob=True)], 200)
    if not conflict:
        return _with_errors(
            request, fragment=STAGE, context=_detail_context(partnership, move_form=form)
        )
    partnership = _partnership(pk)  # show the stage it is in now
    if wants_fragment(request):
        stage = (STAGE, _stage_context(partnership, move_form=form, conflict=conflict))
        return _fragments(request, [stage, _timeline(partnership, oob=True)], status=409)
    return render(request, PAGE, _detail_context(partnership, move_form=form, conflict=conflict))


@staff_required
@require_POST
def partnership_note(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership(pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            stages.partnership_note_add(
                partnership_id=partnership.pk, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not wants_fragment(request):
                messages.success(request, gettext("Note added."))
                return redirect("workspace:partnership_detail", pk=pk)
            return _fragments(request, [_timeline(_partnership(pk))], status=200)
    return _with_errors(
        request, fragment=TIMELINE, context=_detail_context(partnership, note_form=form)
    )


@staff_required
@require_POST
def partnership_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership(pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            stages.partnership_outcome_update(
                partnership_id=partnership.pk, by=request.user, data=form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not wants_fragment(request):
                messages.success(request, gettext("Outcome saved."))
                return redirect("workspace:partnership_detail", pk=pk)
            partnership = _partnership(pk)
            outcome = {
                "partnership": partnership,
                "outcome_form": OutcomeForm.for_partnership(partnership),
                "capacity_warning": selectors.capacity_warning(partnership),
                "saved": True,
            }
            return _fragments(request, [(OUTCOME, outcome), _timeline(partnership, oob=True)], 200)
    return _with_errors(
        request, fragment=OUTCOME, context=_detail_context(partnership, outcome_form=form)
    )


urlpatterns = [
    path("<int:pk>/", partnership_detail, name="partnership_detail"),
    path("<int:pk>/move/", partnership_move, name="partnership_move"),
    path("<int:pk>/note/", partnership_note, name="partnership_note"),
    path("<int:pk>/outcome/", partnership_outcome, name="partnership_outcome"),
]
