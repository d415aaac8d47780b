"""Staff workspace: the dashboard (headline figures, charts, attention list) and the full
attention lists it links to (see matchmaking/workspace/urls.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.paging import paginate, query_without_page
from matchmaking.choices import PartnershipStage
from partners.permissions import staff_required

from ..selectors.dashboard import (
    ATTENTION_SECTIONS,
    ProvinceRow,
    SectorRow,
    StageHistory,
    dashboard_attention,
    dashboard_headline,
    province_chart,
    sector_chart,
    stage_history,
)
from ..selectors.pipeline import with_days_in_stage

SECTION_TITLES = {
    "unmatched-demands": gettext_lazy("Open demands without a qualified supplier"),
    "stale-partnerships": gettext_lazy("Partnerships stuck in a stage"),
    "flagged-partnerships": gettext_lazy("Partnerships broken by a specification change"),
    "flagged-matches": gettext_lazy("Approved or shortlisted matches that no longer qualify"),
}


def section_template(section: str) -> str:
    """The table partial of an attention section (shared by the dashboard and the list)."""
    return f"matchmaking/partials/_dashboard_{section.replace('-', '_')}.html"


def chart_payload(
    *, sectors: list[SectorRow], provinces: list[ProvinceRow], history: StageHistory
) -> dict[str, Any]:
    """The three charts as Chart.js-ready data (labels in the reader's language), handed to
    static/js/ws-dashboard.js through ``json_script``."""
    return {
        "sector": {
            "horizontal": True,
            "stacked": False,
            "labels": [row.name for row in sectors],
            "datasets": [
                {
                    "key": "suppliers",
                    "label": _("Capable IKM"),
                    "data": [row.suppliers for row in sectors],
                },
                {
                    "key": "open_demands",
                    "label": _("Open demands"),
                    "data": [row.open_demands for row in sectors],
                },
                {
                    "key": "partnerships",
                    "label": _("Partnerships"),
                    "data": [row.partnerships for row in sectors],
                },
            ],
        },
        "province": {
            "horizontal": True,
            "stacked": False,
            "labels": [row.name for row in provinces],
            "datasets": [
                {
                    "key": "suppliers",
                    "label": _("Registered IKM"),
                    "data": [row.suppliers for row in provinces],
                },
                {
                    "key": "partnerships",
                    "label": _("Partnerships"),
                    "data": [row.partnerships for row in provinces],
                },
            ],
        },
        "stages": {
            "horizontal": False,
            "stacked": True,
            "labels": [date_format(month, "M Y") for month in history.months],
            "datasets": [
                {
                    "key": stage.value,
                    "label": capfirst(str(stage.label)),
                    "data": history.series[stage],
                }
                for stage in PartnershipStage
            ],
        },
    }


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    sectors = sector_chart()
    provinces = province_chart()
    history = stage_history()
    context = {
        "headline": dashboard_headline(),
        "sectors": sectors,
        "provinces": provinces,
        "history_rows": [
            (
                date_format(month, "F Y"),
                [history.series[stage][i] for stage in PartnershipStage],
            )
            for i, month in enumerate(history.months)
        ],
        "stages": [capfirst(str(stage.label)) for stage in PartnershipStage],
        "charts": chart_payload(sectors=sectors, provinces=provinces, history=history),
        "attention": [
            {
                "title": SECTION_TITLES[section.key],
                "template": section_template(section.key),
                "section": section,
            }
            for section in dashboard_attention().values()
        ],
        "stale_days": settings.PARTNERSHIP_STALE_DAYS,
    }
    return render(request, "matchmaking/dashboard.html", context)


@staff_required
def attention(request: HttpRequest, section: str) -> HttpResponse:
    """One attention section in full, paginated."""
    selector = ATTENTION_SECTIONS.get(section)
    if selector is None:
        raise Http404
    page_obj = paginate(request, selector())
    rows = page_obj.object_list
    if section == "stale-partnerships":
        rows = with_days_in_stage(rows)
    return render(
        request,
        "matchmaking/dashboard_attention.html",
        {
            "section": section,
            "title": SECTION_TITLES[section],
            "template": section_template(section),
            "rows": rows,
            "page_obj": page_obj,
            "query": query_without_page(request),
            "stale_days": settings.PARTNERSHIP_STALE_DAYS,
        },
    )


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("attention/<slug:section>/", attention, name="dashboard_attention"),
]
