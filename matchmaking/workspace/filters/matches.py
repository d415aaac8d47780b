"""The filters of current matches: one FilterSet for the review queue (/staff/review/)
and the REST API (/api/v1/matches/), so both list the same rows for the same query."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from components.models import Province, Sector
from matchmaking.choices import MatchKind, MatchStatus
from matchmaking.models import Match
from partners.models import Manufacturer

from .styling import StyledFilterSet

AWAITING_REVIEW = [MatchStatus.SUGGESTED.value, MatchStatus.SHORTLISTED.value]


class MatchFilterSet(StyledFilterSet):
    """Matches awaiting a decision (suggested and shortlisted) of kind "match" unless the
    query says otherwise; ``kind=`` (empty) lists matches and near misses alike."""

    defaults = {"status": AWAITING_REVIEW, "kind": MatchKind.MATCH.value}

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(attrs={"placeholder": _("IKM, NIB, demand or manufacturer")}),
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=MatchStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=MatchKind.choices, empty_label=_("Matches and near misses")
    )
    sector = django_filters.ModelChoiceFilter(
        label=_("Sector"),
        field_name="demand__component_type__category__sector",
        queryset=Sector.objects.all(),
        empty_label=_("All sectors"),
    )
    province = django_filters.ModelChoiceFilter(
        label=_("Province"),
        field_name="supplier__regency__province",
        queryset=Province.objects.all(),
        empty_label=_("All provinces"),
    )
    demand = django_filters.NumberFilter(label=_("Demand no."), field_name="demand_id", min_value=1)
    manufacturer = django_filters.ModelChoiceFilter(
        label=_("Manufacturer"),
        field_name="demand__manufacturer",
        queryset=Manufacturer.objects.filter(demands__isnull=False).distinct(),
        empty_label=_("All manufacturers"),
    )
    min_score = django_filters.NumberFilter(
        label=_("Minimum score"),
        field_name="score",
        lookup_expr="gte",
        min_value=0,
        max_value=1,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
    )

    class Meta:
        model = Match
        fields = [
            "q",
            "status",
            "kind",
            "sector",
            "province",
            "demand",
            "manufacturer",
            "min_score",
        ]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        condition = (
            Q(supplier__legal_name__icontains=value)
            | Q(demand__title__icontains=value)
            | Q(demand__manufacturer__name__icontains=value)
        )
        if value.isdigit():
            condition |= Q(supplier__nib__startswith=value)
        return queryset.filter(condition)
