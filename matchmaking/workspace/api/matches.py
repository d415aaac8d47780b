"""API: current matches of open demands, read-only for ministry staff, filtered by the
review queue's FilterSet.

``GET /api/v1/matches/?kind=near_miss&province=33`` returns the same matches, in the same
order, as ``/staff/review/?kind=near_miss&province=33``; without ``status``/``kind`` both
list the matches (not near misses) awaiting a decision. A match's id changes when a rescore
replaces an unreviewed suggestion: address it by ``demand`` and ``supplier``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAdminUser

from matchmaking.engine.explanations import issue_in, language, stored_failures
from matchmaking.engine.loading import load_labels
from matchmaking.models import Match
from matchmaking.scoring.config import FACTORS
from matchmaking.scoring.texts import render_all

from ..filters.matches import MatchFilterSet
from ..selectors.review import review_matches

_Row = TypeVar("_Row")


class MatchSerializer(serializers.ModelSerializer):
    demand_title = serializers.CharField(source="demand.title")
    manufacturer = serializers.CharField(source="demand.manufacturer.name")
    supplier_name = serializers.CharField(source="supplier.legal_name")
    supplier_nib = serializers.CharField(source="supplier.nib")
    regency = serializers.CharField(source="supplier.regency.name")
    province = serializers.CharField(source="supplier.regency.province.name")
    contributions = serializers.SerializerMethodField(
        help_text="Each factor's contribution to the score; they add up to the score."
    )
    lacks = serializers.SerializerMethodField(
        help_text="The requirements a near miss fails, in the request's language."
    )
    qualification_issue = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()

    class Meta:
        model = Match
        fields = [
            "id",
            "demand",
            "demand_title",
            "manufacturer",
            "supplier",
            "supplier_name",
            "supplier_nib",
            "regency",
            "province",
            "kind",
            "status",
            "rank",
            "score",
            "contributions",
            "lacks",
            "qualification_issue",
            "flagged_at",
            "reviewed_by",
            "reviewed_at",
            "review_note",
            "scored_at",
        ]

    def get_contributions(self, match: Match) -> dict[str, float]:
        stored = (match.breakdown or {}).get("c") or []
        return {factor: micro / 1_000_000 for factor, micro in zip(FACTORS, stored, strict=False)}

    def get_lacks(self, match: Match) -> list[str]:
        failures = stored_failures(match)
        if not failures:
            return []
        labels = self.context.get("labels")
        if labels is None:  # once per response, not per row
            # DRF's stubs say Mapping: it is the root serializer's dict, shared by the rows
            labels = self.context["labels"] = load_labels()  # type: ignore[index]
        return render_all(failures, language(), labels)

    def get_qualification_issue(self, match: Match) -> str:
        return issue_in(match, language())

    def get_reviewed_by(self, match: Match) -> str | None:
        user = match.reviewed_by
        return user.get_username() if user else None


class MatchViewSet(viewsets.ReadOnlyModelViewSet[Match]):
    """Current matches for ministry staff: list (filtered like the review queue) and
    retrieve by id (any status)."""

    serializer_class = MatchSerializer
    permission_classes = [IsAdminUser]
    filter_backends = [DjangoFilterBackend]
    filterset_class = MatchFilterSet

    def get_queryset(self) -> QuerySet[Match]:
        return review_matches()

    def filter_queryset(self, queryset: QuerySet[Match, _Row]) -> QuerySet[Match, _Row]:
        # a match is retrieved by id whatever its status or kind
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)


# (prefix, viewset, basename) triples registered on the router in api/urls.py.
routes: list[tuple[str, Any, str]] = [("matches", MatchViewSet, "match")]
