"""Staff workspace: the review queue with its bulk actions, and the decision on one match
from the demand page (see matchmaking/workspace/urls.py).

A match is addressed by (demand, supplier) in URLs and form values, never by its id, which
a rescore changes for unreviewed suggestions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from common.forms import add_service_errors
from common.htmx import render_page_or_fragment, wants_fragment
from common.paging import paginate, query_without_page
from matchmaking.choices import MatchStatus
from matchmaking.partnerships.review import (
    MatchConflict,
    MatchGone,
    Outcome,
    match_decide,
    match_decide_many,
)
from partners.models import Demand, Supplier
from partners.permissions import staff_required

from ..filters.matches import MatchFilterSet
from ..forms import BulkDecisionForm, DecisionForm
from ..selectors.demands import demand_detail
from ..selectors.matches import match_row
from ..selectors.review import queue_rows, review_matches
from .demands import demand_page

DONE_MESSAGES = {
    MatchStatus.SHORTLISTED: _("Shortlisted."),
    MatchStatus.APPROVED: _("Approved: the partnership is now in the pipeline."),
    MatchStatus.REJECTED: _("Rejected."),
    MatchStatus.SUGGESTED: _("Moved back to the suggestions."),
}


def _error_dict(form: forms.Form) -> dict[str, list[str]]:
    """Field errors for the row template (form-wide ones under "other")."""
    return {
        "other" if field == NON_FIELD_ERRORS else field: [str(m) for m in errors]
        for field, errors in form.errors.items()
    }


@require_POST
@staff_required
def decide(request: HttpRequest, demand_pk: int, supplier_pk: int) -> HttpResponse:
    """Shortlist, approve, reject or un-shortlist one match. With HTMX the row comes back
    re-rendered (400 with field errors, 409 on a conflict showing the current state);
    without it, the demand page."""
    form = DecisionForm(request.POST)
    state: dict[str, Any] = {"note": request.POST.get("note", "")}
    status = 200
    if form.is_valid():
        try:
            match_decide(
                demand_id=demand_pk,
                supplier_id=supplier_pk,
                to_status=form.cleaned_data["to_status"],
                by=request.user,
                note=form.cleaned_data["note"],
                expected_status=form.cleaned_data["expected_status"],
            )
        except (MatchConflict, MatchGone) as exc:
            state["conflict"] = " ".join(exc.messages)
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
            status = 400
        else:
            state = {"notice": DONE_MESSAGES[form.cleaned_data["to_status"]]}
    else:
        status = 400
    if status == 400:
        state["errors"] = _error_dict(form)

    if not wants_fragment(request):
        if status == 200:
            messages.success(request, state["notice"])
            url = reverse("workspace:demand_detail", args=[demand_pk])
            return redirect(f"{url}#match-{demand_pk}-{supplier_pk}")
        if status == 409:
            messages.warning(request, state["conflict"])
        demand = get_object_or_404(demand_detail(), pk=demand_pk)
        return demand_page(request, demand, states={f"match-{demand_pk}-{supplier_pk}": state})

    row = match_row(demand_id=demand_pk, supplier_id=supplier_pk)
    if row is None:
        context = {"dom_id": f"match-{demand_pk}-{supplier_pk}", "message": state.get("conflict")}
        return render(request, "matchmaking/partials/_match_gone.html", context, status=409)
    for name, value in state.items():
        setattr(row, name, value)
    return render(request, "matchmaking/partials/_match_row.html", {"row": row}, status=status)


def _bulk_summary(result) -> list[dict[str, Any]]:
    """One line per pair: supplier and demand names, the outcome and why."""
    suppliers = Supplier.objects.in_bulk({item.supplier_id for item in result.items})
    demands = Demand.objects.select_related("manufacturer").in_bulk(
        {item.demand_id for item in result.items}
    )
    return [
        {
            "item": item,
            "supplier": suppliers.get(item.supplier_id),
            "demand": demands.get(item.demand_id),
        }
        for item in result.items
    ]


@require_http_methods(["GET", "POST"])
@staff_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Current matches awaiting a decision, filtered by MatchFilterSet (the API's), with
    bulk shortlist/approve/reject (POST) and a per-row summary of what happened."""
    bulk_form = BulkDecisionForm(request.POST or None)
    summary = None
    ticked: set[str] = set()
    status = 200
    if request.method == "POST":
        ticked = set(request.POST.getlist("pair"))
        if bulk_form.is_valid():
            try:
                result = match_decide_many(
                    pairs=bulk_form.cleaned_data["pair"],
                    to_status=bulk_form.cleaned_data["to_status"],
                    by=request.user,
                    note=bulk_form.cleaned_data["note"],
                    expected=bulk_form.seen_statuses(request.POST.getlist("seen")),
                )
            except ValidationError as exc:
                add_service_errors(bulk_form, exc)
            else:
                summary = _bulk_summary(result)
                ticked = {f"{item.demand_id}:{item.supplier_id}" for item in result.failed}
                # a fresh form: the decision stays chosen, the note is not reused by accident
                bulk_form = BulkDecisionForm(
                    initial={"to_status": bulk_form.cleaned_data["to_status"]}
                )
        if bulk_form.is_bound and bulk_form.errors and wants_fragment(request):
            status = 400

    filterset = MatchFilterSet(request.GET, queryset=review_matches())
    if filterset.errors and wants_fragment(request):
        status = 400
    page = paginate(request, filterset.qs.defer("explanation", "breakdown"))
    context = {
        "filter": filterset,
        "page_obj": page,
        "rows": queue_rows(page.object_list),
        "query": query_without_page(request),
        "bulk_form": bulk_form,
        "summary": summary,
        "outcomes": Outcome,
        "ticked": ticked,
    }
    return render_page_or_fragment(
        request,
        page="matchmaking/review_queue.html",
        fragment="matchmaking/partials/_review_results.html",
        context=context,
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("", review_queue, name="review_queue"),
    path("<int:demand_pk>/<int:supplier_pk>/decide/", decide, name="match_decide"),
]
