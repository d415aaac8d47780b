"""API: partnerships, read-only for ministry staff, filtered by the pipeline's FilterSet.

``GET /api/v1/partnerships/?stage=contract&stuck=true`` returns the same partnerships, in
the same order, as ``/staff/partnerships/?view=table&stage=contract&stuck=true``.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAdminUser

from matchmaking.engine.explanations import language
from matchmaking.models import Partnership, PartnershipEvent
from matchmaking.partnerships.stages import days_in_stage

from ..filters.partnerships import PartnershipFilterSet
from ..selectors.pipeline import partnership_list


def _person(user) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": user.get_full_name()}


class PartnershipSerializer(serializers.ModelSerializer):
    stage_display = serializers.CharField(source="get_stage_display")
    days_in_stage = serializers.SerializerMethodField()
    stuck = serializers.BooleanField()
    supplier = serializers.SerializerMethodField()
    demand = serializers.SerializerMethodField()
    officer = serializers.SerializerMethodField()
    qualification_issue = serializers.SerializerMethodField()

    class Meta:
        model = Partnership
        fields = [
            "id",
            "match",
            "stage",
            "stage_display",
            "stage_changed_at",
            "days_in_stage",
            "stuck",
            "supplier",
            "demand",
            "officer",
            "committed_monthly_volume",
            "committed_unit",
            "contract_value_idr",
            "jobs_created",
            "tkdn_percent",
            "delivered_on_time",
            "end_reason",
            "flagged_at",
            "qualification_issue",
            "reminded_at",
        ]

    def get_days_in_stage(self, partnership: Partnership) -> int:
        # DRF's stubs say Mapping: it is the root serializer's dict, shared by the rows
        today = self.context.setdefault("today", timezone.localdate())  # type: ignore[attr-defined]
        return days_in_stage(partnership, today=today)

    def get_supplier(self, partnership: Partnership) -> dict[str, Any]:
        supplier = partnership.supplier
        regency = supplier.regency
        return {
            "id": supplier.pk,
            "legal_name": supplier.legal_name,
            "nib": supplier.nib,
            "regency": {"code": regency.code, "name": regency.name},
            "province": {"code": regency.province.code, "name": regency.province.name},
        }

    def get_demand(self, partnership: Partnership) -> dict[str, Any]:
        demand = partnership.demand
        return {
            "id": demand.pk,
            "title": demand.title,
            "manufacturer": {"id": demand.manufacturer.pk, "name": demand.manufacturer.name},
            "component_type": {
                "id": demand.component_type.pk,
                "code": demand.component_type.code,
                "name": demand.component_type.name,
            },
        }

    def get_officer(self, partnership: Partnership) -> dict[str, Any] | None:
        return _person(partnership.officer)

    def get_qualification_issue(self, partnership: Partnership) -> str:
        if language() == "en" and partnership.qualification_issue_en:
            return partnership.qualification_issue_en
        return partnership.qualification_issue


class PartnershipEventSerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()

    class Meta:
        model = PartnershipEvent
        fields = ["id", "created_at", "from_stage", "to_stage", "note", "by"]

    def get_by(self, event: PartnershipEvent) -> dict[str, Any] | None:
        return _person(event.by)


class PartnershipDetailSerializer(PartnershipSerializer):
    events = PartnershipEventSerializer(many=True, read_only=True)

    class Meta(PartnershipSerializer.Meta):
        fields = [*PartnershipSerializer.Meta.fields, "events"]


class PartnershipViewSet(viewsets.ReadOnlyModelViewSet):
    """Partnerships with their parties, stage, days in stage, stuck flag and outcomes; one
    partnership adds its timeline. Staff only."""

    permission_classes = [IsAdminUser]
    filter_backends = [DjangoFilterBackend]
    filterset_class = PartnershipFilterSet

    def get_queryset(self):
        queryset = partnership_list()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("events__by")
        return queryset

    def get_serializer_class(self):
        return PartnershipDetailSerializer if self.action == "retrieve" else PartnershipSerializer


# (prefix, viewset, basename) triples registered on the router in api/urls.py.
routes: list[tuple[str, Any, str]] = [("partnerships", PartnershipViewSet, "partnership")]
