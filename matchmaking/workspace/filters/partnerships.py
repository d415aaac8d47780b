"""The partnership pipeline's filters, shared by the pipeline page, its export and
/api/v1/partnerships/."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from common.people import display_name
from components.models import Province, Sector
from matchmaking.choices import PartnershipStage
from matchmaking.models import Partnership
from partners.models import Manufacturer

from ..selectors.pipeline import stuck_q
from .styling import styled

YES_NO = [("true", _("Yes")), ("false", _("No"))]


class OfficerChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class OfficerFilter(django_filters.ModelChoiceFilter):
    field_class = OfficerChoiceField


class PartnershipFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        widget=styled(
            forms.TextInput(
                attrs={"placeholder": _("IKM, NIB, manufacturer or demand"), "type": "search"}
            ),
            small=False,
        ),
    )
    stage = django_filters.MultipleChoiceFilter(
        choices=PartnershipStage.choices,
        distinct=False,
        label=_("Stage"),
        widget=forms.CheckboxSelectMultiple,
    )
    sector = django_filters.ModelChoiceFilter(
        queryset=Sector.objects.all(),
        field_name="demand__component_type__category__sector",
        label=_("Sector"),
        empty_label=_("All sectors"),
        widget=styled(forms.Select(), small=False),
    )
    province = django_filters.ModelChoiceFilter(
        queryset=Province.objects.order_by("name"),
        field_name="supplier__regency__province",
        label=_("Province (IKM)"),
        empty_label=_("All provinces"),
        widget=styled(forms.Select(), small=False),
    )
    manufacturer = django_filters.ModelChoiceFilter(
        queryset=Manufacturer.objects.order_by("name"),
        field_name="demand__manufacturer",
        label=_("Manufacturer"),
        empty_label=_("All manufacturers"),
        widget=styled(forms.Select(), small=False),
    )
    officer = OfficerFilter(
        queryset=get_user_model().objects.filter(is_staff=True).order_by("username"),
        label=_("Officer"),
        empty_label=_("All officers"),
        widget=styled(forms.Select(), small=False),
    )
    stuck = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_stuck",
        label=_("Stuck"),
        empty_label=_("Stuck or not"),
        widget=styled(forms.Select(), small=False),
    )
    flagged = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_flagged",
        label=_("Specification changed"),
        empty_label=_("Flagged or not"),
        widget=styled(forms.Select(), small=False),
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("stage_changed_at", "changed"),
            ("supplier__legal_name", "supplier"),
            ("demand__manufacturer__name", "manufacturer"),
        ),
        field_labels={
            "stage_changed_at": _("Stage changed"),
            "supplier__legal_name": _("IKM"),
            "demand__manufacturer__name": _("Manufacturer"),
        },
        label=_("Sort"),
    )

    class Meta:
        model = Partnership
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(supplier__legal_name__icontains=value)
            | Q(supplier__nib=value)
            | Q(demand__manufacturer__name__icontains=value)
            | Q(demand__title__icontains=value)
        )

    def filter_stuck(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(stuck_q()) if value == "true" else queryset.exclude(stuck_q())

    def filter_flagged(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(flagged_at__isnull=value != "true")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        # a stable order across pages whatever the sort key
        ordering = list(queryset.query.order_by) or ["-stage_changed_at"]
        if not any(isinstance(key, str) and key.lstrip("-") == "pk" for key in ordering):
            ordering.append("-pk")
        return queryset.order_by(*ordering)
