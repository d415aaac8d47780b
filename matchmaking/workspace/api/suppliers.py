"""API: suppliers, read-only for ministry staff, filtered by the directory's FilterSet.

``GET /api/v1/suppliers/?regency=33.10&process=<id>`` returns the same suppliers, in the
same order, as ``/staff/suppliers/?regency=33.10&process=<id>``.
"""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAdminUser

from partners.models import Supplier, SupplierCapability, SupplierCertification

from ..filters.suppliers import SupplierFilterSet
from ..selectors.directory import directory_base, supplier_list


class NamedSerializer(serializers.Serializer):
    """A catalogue entry: id, code and its name in the request's language."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class CapabilitySerializer(serializers.ModelSerializer):
    component_type = NamedSerializer()
    processes = NamedSerializer(many=True)
    materials = NamedSerializer(many=True)
    monthly_capacity = serializers.DecimalField(max_digits=14, decimal_places=3)
    minimum_order = serializers.DecimalField(max_digits=14, decimal_places=3, allow_null=True)
    committed_monthly_volume = serializers.FloatField(source="committed")
    free_monthly_capacity = serializers.FloatField(source="free")

    class Meta:
        model = SupplierCapability
        fields = [
            "id",
            "component_type",
            "processes",
            "materials",
            "monthly_capacity",
            "capacity_unit",
            "committed_monthly_volume",
            "free_monthly_capacity",
            "minimum_order",
            "lead_time_days",
        ]


class CertificationHeldSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="certification.code")
    name = serializers.CharField(source="certification.name")

    class Meta:
        model = SupplierCertification
        fields = ["code", "name", "number", "issued_on", "valid_until"]


class SupplierSerializer(serializers.ModelSerializer):
    region = serializers.SerializerMethodField()
    coordinates = serializers.SerializerMethodField()
    capabilities = CapabilitySerializer(many=True)
    certifications = CertificationHeldSerializer(
        many=True, source="valid_certifications", help_text="Certificates valid today."
    )

    class Meta:
        model = Supplier
        fields = [
            "id",
            "legal_name",
            "nib",
            "legal_form",
            "size_class",
            "workers",
            "verification_status",
            "sentra",
            "region",
            "coordinates",
            "capabilities",
            "certifications",
        ]

    def get_region(self, supplier: Supplier) -> dict[str, Any]:
        regency = supplier.regency
        return {
            "regency": {"code": regency.code, "name": regency.name},
            "province": {"code": regency.province.code, "name": regency.province.name},
        }

    def get_coordinates(self, supplier: Supplier) -> dict[str, float] | None:
        lat = supplier.latitude if supplier.latitude is not None else supplier.regency.latitude
        lon = supplier.longitude if supplier.longitude is not None else supplier.regency.longitude
        if lat is None or lon is None:
            return None
        return {"latitude": lat, "longitude": lon}


class SupplierViewSet(viewsets.ReadOnlyModelViewSet):
    """Active IKM suppliers with region, coordinates, capabilities (with free monthly
    capacity) and the certificates valid today. Staff only."""

    serializer_class = SupplierSerializer
    permission_classes = [IsAdminUser]
    filter_backends = [DjangoFilterBackend]
    filterset_class = SupplierFilterSet

    def get_queryset(self):
        return supplier_list(suppliers=directory_base())


# (prefix, viewset, basename) triples registered on the router in api/urls.py.
routes: list[tuple[str, Any, str]] = [("suppliers", SupplierViewSet, "supplier")]
