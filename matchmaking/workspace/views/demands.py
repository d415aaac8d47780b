"""Staff workspace: the demand list, a demand's page with its ranked suggestions, the
side-by-side comparison and the suggestions export (see matchmaking/workspace/urls.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from common.htmx import render_page_or_fragment
from common.paging import paginate, query_without_page
from matchmaking.engine.explanations import factor_name
from matchmaking.scoring.config import FACTORS
from partners.models import Demand
from partners.permissions import staff_required

from ..exports import Column, export_response
from ..filters.demands import DemandFilterSet
from ..forms import COMPARE_MAX, COMPARE_MIN, CompareForm
from ..selectors import demands as selectors
from ..selectors.matches import contribution


@require_GET
@staff_required
def demand_list(request: HttpRequest) -> HttpResponse:
    filterset = DemandFilterSet(request.GET, queryset=selectors.demand_list())
    page = paginate(request, filterset.qs)
    context = {
        "filter": filterset,
        "page_obj": page,
        "query": query_without_page(request),
    }
    return render_page_or_fragment(
        request,
        page="matchmaking/demand_list.html",
        fragment="matchmaking/partials/_demand_list_results.html",
        context=context,
        invalid=bool(filterset.errors),
    )


def demand_page(
    request: HttpRequest, demand: Demand, *, states: dict | None = None, status: int = 200
) -> HttpResponse:
    """The demand page; ``states`` carries a row's form state (errors, the note typed, a
    conflict) by its DOM id when an action without HTMX came back to the full page."""
    suggestions = selectors.demand_suggestions(demand=demand)
    for row in (*suggestions.matches, *suggestions.near_misses, *suggestions.fallen_out):
        for name, value in (states or {}).get(row.dom_id, {}).items():
            setattr(row, name, value)
    context = {
        "demand": demand,
        "suggestions": suggestions,
        "compare_min": COMPARE_MIN,
        "compare_max": COMPARE_MAX,
    }
    return render(request, "matchmaking/demand_detail.html", context, status=status)


@require_GET
@staff_required
def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_object_or_404(selectors.demand_detail(), pk=pk)
    return demand_page(request, demand)


@require_GET
@staff_required
def demand_compare(request: HttpRequest, pk: int) -> HttpResponse:
    demand = get_object_or_404(selectors.demand_detail(), pk=pk)
    form = CompareForm(request.GET, supplier_ids=selectors.scored_supplier_ids(demand=demand))
    comparison = None
    if form.is_valid():
        comparison = selectors.demand_compare(
            demand=demand, supplier_ids=form.cleaned_data["supplier"]
        )
    context = {"demand": demand, "form": form, "comparison": comparison}
    return render(request, "matchmaking/demand_compare.html", context)


def _contribution_column(index: int, factor: str) -> Column:
    return Column(
        header=FactorHeader(factor),
        value=lambda row: contribution(row.match, index),
    )


class FactorHeader:
    """A factor's column header in the reader's language (resolved when written)."""

    def __init__(self, factor: str) -> None:
        self.factor = factor

    def __str__(self) -> str:
        return factor_name(self.factor)


EXPORT_COLUMNS = [
    Column(_("Rank"), lambda row: row.match.rank),
    Column(_("Kind"), lambda row: row.match.get_kind_display()),
    Column(_("IKM supplier"), lambda row: row.match.supplier.legal_name),
    Column(_("NIB"), lambda row: row.match.supplier.nib),
    Column(_("Regency/city"), lambda row: row.match.supplier.regency.name),
    Column(_("Sentra"), lambda row: row.match.supplier.sentra),
    Column(_("Score"), lambda row: round(row.match.score, 6)),
    *[_contribution_column(index, factor) for index, factor in enumerate(FACTORS)],
    Column(_("Status"), lambda row: row.match.get_status_display()),
    Column(_("What it lacks"), lambda row: "; ".join(row.lacks)),
    Column(_("Qualification issue"), lambda row: row.issue),
]


@require_GET
@staff_required
def demand_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    demand = get_object_or_404(Demand, pk=pk)
    return export_response(
        rows=selectors.demand_export_rows(demand=demand),
        columns=EXPORT_COLUMNS,
        fmt=fmt,
        filename=f"demand-{demand.pk}-suggestions",
    )


urlpatterns: list[URLPattern] = [
    path("", demand_list, name="demand_list"),
    path("<int:pk>/", demand_detail, name="demand_detail"),
    path("<int:pk>/compare/", demand_compare, name="demand_compare"),
    re_path(r"^(?P<pk>[0-9]+)/export\.(?P<fmt>csv|xlsx)$", demand_export, name="demand_export"),
]
