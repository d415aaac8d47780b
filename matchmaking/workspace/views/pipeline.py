"""Staff workspace: the partnership pipeline as a board or a table, and its export (see
matchmaking/workspace/urls.py; one partnership's page is in ``views.partnership``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from common.htmx import render_page_or_fragment
from common.paging import paginate, query_without_page
from common.people import display_name
from matchmaking.choices import CLOSED_PARTNERSHIP_STAGES, PartnershipStage
from matchmaking.partnerships.stages import days_in_stage
from partners.permissions import staff_required

from ..exports import Column, export_response
from ..filters.partnerships import PartnershipFilterSet
from ..selectors import pipeline as selectors

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
    return render_page_or_fragment(
        request,
        page="matchmaking/pipeline.html",
        fragment="matchmaking/partials/_pipeline_results.html",
        context=context,
    )


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
        Column(_("Days in stage"), lambda p: days_in_stage(p, today=today)),
        Column(_("Stuck"), lambda p: bool(p.stuck)),
        Column(_("Officer"), lambda p: display_name(p.officer)),
        Column(_("Committed volume per month"), lambda p: p.committed_monthly_volume),
        Column(_("Unit"), lambda p: p.get_committed_unit_display() if p.committed_unit else ""),
        Column(_("Contract value (Rp)"), lambda p: p.contract_value_idr),
        Column(_("Jobs created"), lambda p: p.jobs_created),
        Column(_("TKDN (%)"), lambda p: p.tkdn_percent),
        Column(_("Delivered on time"), lambda p: p.delivered_on_time),
        Column(_("Specification changed"), lambda p: p.flagged_at is not None),
        Column(_("Qualification issue"), selectors.qualification_issue),
        Column(_("Reason declined / ended"), lambda p: p.end_reason),
    ]


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


urlpatterns = [
    path("", partnership_list, name="partnership_list"),
    path("export.<str:fmt>", partnership_export, name="partnership_export"),
]
